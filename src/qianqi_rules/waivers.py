"""Approved exceptions: a finding an office has accepted, with who approved it and until when.

A waiver names a rule and the finding's row, entry id or invoice number.  A
waived finding stays in the report, marked with its waiver — it is never
dropped — but it does not count toward the exit status or the money to
recover.  A waiver that matches nothing, or has expired, is itself reported.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import QianqiError
from .models import Violation, WaiverProblem, WaiverRef
from .pydantic_messages import chinese_message
from .values import clean_invoice, to_date
from .yamlsafe import load_document


class WaiverFileError(QianqiError):
    """The waivers file cannot be read or is not valid."""



class Waiver(BaseModel):
    """One approved exception, as written in the waivers file."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)

    rule: str = Field(min_length=1)
    row: int | None = None
    entry_id: str | None = None
    invoice_no: str | None = None
    reason: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    until: dt.date | None = None
    source: str = ""

    @field_validator("row", mode="before")
    @classmethod
    def _row(cls, value: Any) -> Any:
        # YAML reads ``row: true`` as a boolean, which pydantic would take for row 1
        if isinstance(value, bool):
            raise ValueError(f"row 应是台账中的行号（正整数），不能是 {str(value).lower()}")
        return value

    @field_validator("row", mode="after")
    @classmethod
    def _positive_row(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError(f"row 应是台账中的行号（正整数），不能是 {value}")
        return value

    @field_validator("until", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        return to_date(value) if isinstance(value, str) else value

    @field_validator("entry_id", "invoice_no", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _selector(self) -> Waiver:
        if self.row is None and not self.entry_id and not self.invoice_no:
            raise ValueError("每条豁免要写明针对哪一行：row、entry_id 或 invoice_no 至少写一个")
        return self

    def matches(self, violation: Violation) -> bool:
        if violation.rule_id != self.rule:
            return False
        if self.row is not None and self.row in violation.rows:
            return True
        if self.entry_id and any(e.entry_id == self.entry_id for e in violation.entries):
            return True
        if not self.invoice_no:
            return False
        wanted = clean_invoice(self.invoice_no)
        return bool(wanted) and any(e.invoice_no == wanted for e in violation.entries)

    def expired(self, today: dt.date) -> bool:
        return self.until is not None and today > self.until

    def ref(self) -> WaiverRef:
        return WaiverRef(reason=self.reason, approved_by=self.approved_by, until=self.until, source=self.source)


def load_waivers(path: str | Path) -> list[Waiver]:
    """Read a waivers YAML file (``waivers: [{rule, row|entry_id|invoice_no, reason, approved_by, until}]``)."""
    doc = load_document(path, WaiverFileError, "豁免文件", "waivers")
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("waivers"), list):
        raise WaiverFileError("豁免文件应是 waivers: [ … ] 的列表", position=doc.position(), code="waivers-shape",
                              hint="每条写 rule、row（或 entry_id / invoice_no）、reason、approved_by、until。")
    waivers = []
    for i, item in enumerate(data["waivers"]):
        where = doc.position(("waivers", i))
        if not isinstance(item, dict):
            raise WaiverFileError(f"第 {i + 1} 条豁免应是映射", position=where, code="waivers-shape")
        try:
            waivers.append(Waiver.model_validate({**item, "source": str(where)}))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            message = chinese_message(err)
            if err["type"] == "missing":
                message = f"缺少必填字段 {loc}"
            elif err["type"] == "extra_forbidden":
                message = f"未知字段 {loc}（可用: rule, row, entry_id, invoice_no, reason, approved_by, until）"
            elif loc:
                message = f"{loc}: {message}"
            position = doc.position(("waivers", i) + tuple(err["loc"]))
            if tuple(err["loc"]) == ("row",) and err["type"] != "missing":
                said = chinese_message(err)
                said = said if said.startswith("row") else f"row {said}"
                raise WaiverFileError(f"第 {i + 1} 条豁免: {said}", position=position, code="waivers-row",
                                      hint="row 写报告中违规项的行号（表格中的行号，从 1 起算），如 row: 12。") from None
            raise WaiverFileError(f"第 {i + 1} 条豁免: {message}", position=position, code="waivers-field") from None
    return waivers


def waiver_problems(waivers: list[Waiver], used: set[int], today: dt.date, rule_ids: set[str]) -> list[WaiverProblem]:
    """Waivers that matched nothing, name an unknown rule, or have expired."""
    problems = []
    for index, waiver in enumerate(waivers):
        if waiver.rule not in rule_ids:
            code, message = "unknown-rule", f"豁免针对的规则 {waiver.rule} 不存在"
        elif waiver.expired(today):
            code, message = "expired", f"豁免已于 {waiver.until} 到期，不再生效"
        elif index not in used:
            code, message = "unmatched", f"豁免没有对应的违规项（规则 {waiver.rule}）"
        else:
            continue
        problems.append(WaiverProblem(rule=waiver.rule, source=waiver.source, code=code, message=message))
    return problems
