"""Message templates: ``专家咨询费支付给了受资助单位工作人员 {payee}``.

Only ``{name}`` and ``{project.name}`` placeholders exist — no format specs,
no attribute chains, nothing that reaches Python objects — and every name is
checked against the fields its rule kind provides (``KindSpec.template_fields``) when the pack loads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .kind_spec import KIND_SPECS

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")

class TemplateError(Exception):
    def __init__(self, message: str, offset: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint


def check_template(template: str, kind: str) -> None:
    """Raise :class:`TemplateError` for an unknown placeholder or a stray brace."""
    allowed = KIND_SPECS[kind].template_fields
    for m in _TOKEN.finditer(template):
        token = m.group(0)
        if token in ("{{", "}}"):
            continue
        if token in ("{", "}"):
            raise TemplateError(
                f"消息模板中有不成对的花括号“{token}”", m.start(), "要显示花括号本身，请写成 {{ 或 }}。"
            )
        name = m.group(1).strip()
        if name not in allowed:
            from difflib import get_close_matches

            close = get_close_matches(name, sorted(allowed), n=1)
            raise TemplateError(
                f"消息模板中的字段 {{{name}}} 不存在（可用: {'、'.join(sorted(allowed))}）",
                m.start(),
                f"是不是想写 {{{close[0]}}}？" if close else None,
            )


#: a placeholder alone in brackets: “（{matched}）” says nothing when the value is empty, so it goes whole
_BRACKETED = re.compile(r"[（(]\{([^{}]*)\}[）)]")


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill a checked template; a value missing at run time renders as empty (with its brackets, if alone in them)."""
    template = _BRACKETED.sub(lambda m: m.group(0) if values.get(m.group(1).strip()) else "", template)

    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = (m.group(1) or "").strip()
        return values.get(name, "")

    return _TOKEN.sub(repl, template)
