"""Reading a pack folder's files, and the problem log every part of loading writes to.

A problem is recorded and loading goes on, so a finance officer sees every
mistake in one run; :func:`sections` and :func:`single_section` find a
top-level section in the pack's files and report one of the wrong shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Position, RuleFileError
from ..pydantic_messages import chinese_message
from ..yamlsafe import PathKey, YamlDocument
from .spec import FILE_KEYS, RuleSpec


class Problems:
    def __init__(self) -> None:
        self.errors: list[RuleFileError] = []

    def error(self, position: Position, message: str, code: str, hint: str | None = None) -> None:
        self.errors.append(RuleFileError(message, position=position, code=code, hint=hint))

    def pydantic_errors(self, doc: YamlDocument, base: PathKey, exc: ValidationError, what: str) -> None:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if p != "__root__")
            if err["type"] == "extra_forbidden":
                path = base + loc
                self.error(doc.position(path, key=True), f"{what}中有未知字段 {loc[-1]!r}", "unknown-field",
                           field_hint(str(loc[-1])))
            elif err["type"] == "missing":
                self.error(doc.position(base + loc[:-1]), f"{what}缺少必填字段 {loc[-1]!r}", "missing-field")
            else:
                where = ".".join(str(p) for p in loc)
                message = chinese_message(err)
                label = f"{what}的 {where}" if where else what
                self.error(doc.position(base + loc), f"{label}: {message}", "invalid-field")


_KNOWN_RULE_FIELDS = tuple(RuleSpec.model_fields)


def field_hint(name: str) -> str | None:
    close = get_close_matches(name, _KNOWN_RULE_FIELDS + FILE_KEYS, n=1)
    return f"是不是想写 {close[0]}？" if close else None


def pack_files(path: Path) -> list[Path]:
    """The pack's YAML files: those in the folder and those in its ``standards/`` sub-folder."""
    files = sorted(p for p in path.glob("*.yaml") if p.is_file())
    return files + sorted(p for p in (path / "standards").glob("*.yaml") if p.is_file())


def meta_position(docs: list[YamlDocument], folder: Path, field: str) -> Position:
    for doc in docs:
        if "pack" in doc.data:
            return doc.position(("pack", field))
    return Position(str(folder))


def sections(docs: list[YamlDocument], key: str, shape: type, loader: Problems, what: str) -> Iterator[tuple[YamlDocument, Any]]:
    """(document, data) for each file that has section ``key`` of the right shape; others are errors."""
    for doc in docs:
        data = doc.data.get(key)
        if data is None:
            continue
        if not isinstance(data, shape):
            loader.error(doc.position((key,)), f"{key} 应是{what}", "invalid-field")
            continue
        yield doc, data


def single_section(docs: list[YamlDocument], key: str, shape: type, loader: Problems, what: str) -> tuple[YamlDocument, Any] | None:
    """The one file that defines section ``key``; a second definition is an error."""
    found = list(sections(docs, key, shape, loader, what))
    for doc, _ in found[1:]:
        loader.error(doc.position((key,), key=True),
                     f"{key} 只能在一个文件中定义（已在 {found[0][0].path} 中定义）", "duplicate-section")
    return found[0] if found else None


def validated(model: type[BaseModel], data: Any, doc: YamlDocument, base: PathKey, loader: Problems, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        loader.pydantic_errors(doc, base, exc, what)
        return None
