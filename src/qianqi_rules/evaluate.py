"""Evaluation: rules × entries → findings.  Pure: no files, no printing.

:class:`Checker` keeps a project's running state — the entries seen, sums per
group, keys seen — so a platform can check each new claim against everything
before it (:meth:`Checker.check`), and a batch check is the same checker fed
every entry (:meth:`Checker.add`) and then asked for its :meth:`Checker.report`.

The three kinds of rule are implemented here, once:

* ``entry``: a condition on one entry;
* ``aggregate``: entries grouped by a key, the group's net total compared with a limit;
* ``duplicate``: entries sharing a key (an invoice number) more than once.

Money to recover is counted once per yuan: a row's claim is the largest claim
any error on it makes (never more than the row's amount), and a group's excess
over its limit is claimed only for what the other findings have not already
recovered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rule_engine import errors as re_errors

from .errors import EntryError, RuleRuntimeError
from .ledger.headers import HEADER_ALIASES
from .models import (
    OPTIONAL_FIELDS,
    Entry,
    InputError,
    InputSummary,
    PackLayerRef,
    PackRef,
    Project,
    ProjectRef,
    Report,
    RuleNotRun,
    Summary,
    Violation,
    WaiverProblem,
)
from .normalise import normalise_mapping
from .rules.pack import Rule, RulePack, default_pack
from .rules.symbols import OPTIONAL_PROJECT_ATTRIBUTES
from .rules.templates import render
from .values import format_money, format_money_cn, name_key
from .waivers import Waiver, waiver_problems

ZERO = Decimal(0)
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass
class _Finding:
    """A finding before it becomes a :class:`Violation`: it still knows its entries by ordinal."""

    rule: Rule
    ordinals: tuple[int, ...]
    message: str
    amount: Decimal
    claims: dict[int, Decimal]  # ordinal -> money to recover from that entry
    evidence: dict[str, Any]
    pooled_claim: Decimal | None = None  # an aggregate's claim, not tied to one row


@dataclass
class _Group:
    total: Decimal = ZERO
    ordinals: list[int] = field(default_factory=list)


def _column_label(column: str) -> str:
    aliases = HEADER_ALIASES.get(column, (column,))
    chinese = next((a for a in aliases if not a.isascii()), column)
    return f"{chinese}（{column}）"


def _display(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return value


class Checker:
    """Checks one project's entries against a rule pack, keeping running state.

    ``columns`` are the optional ledger columns the entries carry (by default
    all of them); rules that need a column outside it, or a project field the
    project file leaves out, do not run and are listed in the report.
    ``waivers`` are approved exceptions, judged as of ``today`` (default: the
    current date).
    """

    def __init__(
        self,
        project: Project,
        pack: RulePack | None = None,
        *,
        columns: Iterable[str] | None = None,
        waivers: Sequence[Waiver] = (),
        today: dt.date | None = None,
    ) -> None:
        self.pack = pack if pack is not None else default_pack()
        self.waivers = tuple(waivers)
        self.today = today or dt.date.today()
        self.project = project
        self.columns = frozenset(OPTIONAL_FIELDS if columns is None else columns)
        self._project_ctx = {
            "code": project.code,
            "name": project.name,
            "grantee": name_key(project.grantee),
            "start": project.period_start,
            "end": project.period_end,
            "budget": dict(project.budget or {}),
            "staff": {name_key(n) for n in project.staff or ()},
            "fiscal_funded": {name_key(n) for n in project.fiscal_funded or ()},
        }
        self._project_values = {
            "project.code": project.code,
            "project.name": project.name,
            "project.grantee": project.grantee,
            "project.start": project.period_start.isoformat(),
            "project.end": project.period_end.isoformat(),
        }
        runnable: list[Rule] = []
        self.not_run: list[RuleNotRun] = []
        for rule in self.pack.active_rules:
            reason = self._why_not(rule)
            if reason:
                self.not_run.append(RuleNotRun(rule_id=rule.id, title=rule.title, reason=reason))
            else:
                runnable.append(rule)
        self._entry_rules = [r for r in runnable if r.kind == "entry"]
        self._aggregate_rules = [r for r in runnable if r.kind == "aggregate"]
        self._duplicate_rules = [r for r in runnable if r.kind == "duplicate"]
        self._entries: list[Entry] = []
        self._findings: list[_Finding] = []
        self._groups: dict[str, dict[str, _Group]] = {r.id: {} for r in self._aggregate_rules}
        self._keys: dict[str, dict[str, list[int]]] = {r.id: {} for r in self._duplicate_rules}

    # ------------------------------------------------------------------ planning
    def _why_not(self, rule: Rule) -> str | None:
        missing = sorted(rule.needs_columns - self.columns)
        if missing:
            return "台账缺少 " + "、".join(_column_label(c) for c in missing) + " 列"
        absent = sorted(a for a in rule.needs_project if getattr(self.project, a) is None)
        if absent:
            return "项目文件未提供 " + "、".join(OPTIONAL_PROJECT_ATTRIBUTES[a] for a in absent)
        return None

    # ------------------------------------------------------------------ entries
    def _context(self, entry: Entry) -> tuple[dict[str, Any], dict[str, tuple[str, ...]]]:
        canonical = self.pack.categories.canonical(entry.category)
        text = entry.description or ""
        if canonical is None:
            text = f"{entry.category} {text}"
        matched = self.pack.scanner.scan(text)
        ctx = {
            "row": Decimal(entry.row),
            "entry_id": entry.entry_id,
            "date": entry.date,
            "voucher_no": entry.voucher_no or "",
            "category": canonical or entry.category,
            "category_raw": entry.category,
            "fundable": canonical is not None,
            "description": entry.description or "",
            "payee": name_key(entry.payee or ""),
            "amount": entry.amount,
            "invoice_no": entry.invoice_no or "",
            "project_code": entry.project_code or "",
            "mentions": set(matched),
            "project": self._project_ctx,
        }
        return ctx, matched

    def _run(self, rule: Rule, expression: Any, ctx: Mapping[str, Any], entry: Entry | None) -> Any:
        try:
            return expression.evaluate(ctx)
        except re_errors.EngineError as exc:
            where = f"第 {entry.row} 行" if entry is not None else f"分组 {ctx.get('key')!r}"
            raise RuleRuntimeError(
                f"规则 {rule.id} 在{where}上求值失败: {exc.message}",
                position=rule.source,
                code="rule-runtime",
                hint="这是规则本身的问题，不是台账的问题：请修改规则的条件（例如用 key in project.budget 先判断）。",
            ) from None

    def _applies(self, rule: Rule, ctx: Mapping[str, Any], *, refunds: bool | None = None) -> bool:
        """Whether ``rule`` judges this entry: its category, its date (rules in force then) and refunds."""
        if rule.categories is not None and ctx["category"] not in rule.categories:
            return False
        if not rule.in_force(ctx["date"]):
            return False
        return (rule.refunds if refunds is None else refunds) or ctx["amount"] > 0

    def _entry_values(self, entry: Entry, ctx: Mapping[str, Any], words: str) -> dict[str, str]:
        values = {
            "row": str(entry.row),
            "entry_id": entry.entry_id,
            "date": entry.date.isoformat(),
            "category": ctx["category"],
            "category_raw": entry.category,
            "description": entry.description or "",
            "payee": entry.payee or "",
            "amount": format_money_cn(entry.amount),
            "invoice_no": entry.invoice_no or "",
            "project_code": entry.project_code or "",
            "voucher_no": entry.voucher_no or "",
            "matched": words,
        }
        values.update(self._project_values)
        return values

    def _evaluate_entry(
        self, entry: Entry, ordinal: int, ctx: Mapping[str, Any], matched: Mapping[str, tuple[str, ...]]
    ) -> list[_Finding]:
        findings = []
        for rule in self._entry_rules:
            if not self._applies(rule, ctx):
                continue
            assert rule.when is not None
            if not self._run(rule, rule.when, ctx, entry):
                continue
            evidence: dict[str, Any] = {
                s: _display(ctx[s])
                for s in sorted(rule.when.symbols)
                if s not in ("project", "mentions")
            }
            hits = {t: list(matched[t]) for t in sorted(rule.entry_terms) if t in matched}
            if hits:
                evidence["matched"] = hits
            words = "、".join(dict.fromkeys(w for ws in hits.values() for w in ws))
            claim = entry.amount if rule.clawback == "amount" else None
            findings.append(
                _Finding(
                    rule=rule,
                    ordinals=(ordinal,),
                    message=render(rule.message, self._entry_values(entry, ctx, words)),
                    amount=entry.amount,
                    claims={ordinal: claim} if claim is not None else {},
                    evidence=evidence,
                )
            )
        return findings

    def _keys_of(self, entry: Entry, ctx: Mapping[str, Any]) -> tuple[list[tuple[Rule, str]], list[tuple[Rule, str]]]:
        """(aggregate rule, group key) and (duplicate rule, key) pairs this entry belongs to."""
        groups = []
        for rule in self._aggregate_rules:
            if not self._applies(rule, ctx, refunds=True):  # totals are net: refunds count
                continue
            if rule.where is not None and not self._run(rule, rule.where, ctx, entry):
                continue
            assert rule.group_by is not None
            groups.append((rule, str(self._run(rule, rule.group_by, ctx, entry))))
        keys = []
        for rule in self._duplicate_rules:
            if not self._applies(rule, ctx):
                continue
            if rule.where is not None and not self._run(rule, rule.where, ctx, entry):
                continue
            assert rule.key is not None
            key = str(self._run(rule, rule.key, ctx, entry))
            if key:
                keys.append((rule, key))
        return groups, keys

    @staticmethod
    def _coerce(entry: Entry | Mapping[str, Any], position: int) -> Entry:
        result = normalise_mapping(entry, position)
        if isinstance(result, list):
            detail = "；".join(f"{e.field or e.column}: {e.message}" for e in result)
            raise EntryError(f"条目无法读取: {detail}", code="entry-invalid")
        return result

    def add(self, entry: Entry | Mapping[str, Any]) -> None:
        """Record an entry (a model or a mapping) as part of the project's spending."""
        ordinal = len(self._entries)
        item = self._coerce(entry, ordinal + 1)
        ctx, matched = self._context(item)
        self._entries.append(item)
        self._findings.extend(self._evaluate_entry(item, ordinal, ctx, matched))
        groups, keys = self._keys_of(item, ctx)
        for rule, key in groups:
            group = self._groups[rule.id].setdefault(key, _Group())
            group.total += item.amount
            group.ordinals.append(ordinal)
        for rule, key in keys:
            self._keys[rule.id].setdefault(key, []).append(ordinal)

    def check(self, entry: Entry | Mapping[str, Any], *, commit: bool = True) -> list[Violation]:
        """The findings a new claim causes against everything recorded before it.

        With ``commit=False`` the claim is only previewed (state unchanged), so a
        platform can decide before paying; with ``commit=True`` it is recorded.
        """
        ordinal = len(self._entries)
        item = self._coerce(entry, ordinal + 1)
        entries = self._entries + [item]
        ctx, matched = self._context(item)
        findings = self._evaluate_entry(item, ordinal, ctx, matched)
        groups, keys = self._keys_of(item, ctx)
        for rule, key in keys:
            earlier = self._keys[rule.id].get(key, [])
            if earlier:
                findings.append(self._duplicate_finding(rule, key, earlier + [ordinal], entries))
        for rule, key in groups:
            group = self._groups[rule.id].get(key, _Group())
            after = _Group(group.total + item.amount, group.ordinals + [ordinal])
            found = self._aggregate_finding(rule, key, after, entries, recovered=ZERO)
            if found is not None:
                if found.pooled_claim is not None:
                    found.pooled_claim = min(found.pooled_claim, max(item.amount, ZERO))
                findings.append(found)
        violations = [self._violation(f, entries) for f in findings]
        if commit:
            self.add(item)
        return sorted(violations, key=_order)

    # ------------------------------------------------------------------ groups
    def _duplicate_finding(self, rule: Rule, key: str, ordinals: list[int], entries: list[Entry]) -> _Finding:
        ordered = sorted(ordinals, key=lambda o: (entries[o].date, entries[o].row, o))
        first, repeats = ordered[0], ordered[1:]
        repeat_total = sum((entries[o].amount for o in repeats), ZERO)
        total = sum((entries[o].amount for o in ordered), ZERO)
        if rule.clawback == "repeats":
            claims = {o: entries[o].amount for o in repeats}
        elif rule.clawback == "amount":
            claims = {o: entries[o].amount for o in ordered}
        else:
            claims = {}
        rows = sorted(entries[o].row for o in ordered)
        values = {
            "key": key,
            "count": str(len(ordered)),
            "rows": "、".join(str(r) for r in rows),
            "first_row": str(entries[first].row),
            "total": format_money_cn(total),
            "repeats": format_money_cn(repeat_total),
            **self._project_values,
        }
        evidence = {"key": key, "first_row": entries[first].row, "count": len(ordered)}
        return _Finding(rule, tuple(ordered), render(rule.message, values), repeat_total, claims, evidence)

    def _aggregate_finding(
        self, rule: Rule, key: str, group: _Group, entries: list[Entry], recovered: Decimal
    ) -> _Finding | None:
        ctx = {"key": key, "total": group.total, "count": Decimal(len(group.ordinals)), "project": self._project_ctx}
        limit = self._run(rule, rule.limit, ctx, None) if rule.limit is not None else None
        if rule.when is not None:
            fired = bool(self._run(rule, rule.when, ctx, None))
        else:
            fired = limit is not None and group.total > limit
        if not fired:
            return None
        excess = group.total - limit if limit is not None else group.total
        pooled: Decimal | None = None
        if rule.clawback == "excess" and limit is not None:
            pooled = max(ZERO, group.total - recovered - limit)
        elif rule.clawback == "amount":
            pooled = max(ZERO, group.total - recovered)
        values = {
            "key": key,
            "total": format_money_cn(group.total),
            "limit": format_money_cn(limit) if limit is not None else "",
            "excess": format_money_cn(excess),
            "count": str(len(group.ordinals)),
            "rows": "、".join(str(entries[o].row) for o in sorted(group.ordinals, key=lambda o: entries[o].row)),
            **self._project_values,
        }
        evidence: dict[str, Any] = {"key": key, "total": format_money(group.total), "count": len(group.ordinals)}
        if limit is not None:
            evidence["limit"] = format_money(limit)
            evidence["excess"] = format_money(excess)
        if recovered:
            evidence["already_recovered"] = format_money(recovered)
        return _Finding(rule, tuple(group.ordinals), render(rule.message, values), excess, {}, evidence, pooled)

    # ------------------------------------------------------------------ report
    def _violation(self, finding: _Finding, entries: list[Entry]) -> Violation:
        rule = finding.rule
        ordered = sorted(finding.ordinals, key=lambda o: (entries[o].row, o))
        claim: Decimal | None = None
        if rule.clawback != "none":
            claim = finding.pooled_claim if finding.pooled_claim is not None else sum(finding.claims.values(), ZERO)
        return Violation(
            rule_id=rule.id,
            rule_name=rule.name,
            title=rule.title,
            severity=rule.severity,
            citation=rule.citation,
            rows=[entries[o].row for o in ordered],
            message=finding.message,
            amount=finding.amount,
            clawback=claim,
            entries=[entries[o] for o in ordered],
            evidence=finding.evidence,
        )

    def _waive(self, violations: list[Violation], used: set[int]) -> list[Violation]:
        """Mark the findings an approved, unexpired waiver matches; note which waivers were used."""
        out = []
        for violation in violations:
            for index, waiver in enumerate(self.waivers):
                if not waiver.expired(self.today) and waiver.matches(violation):
                    used.add(index)
                    violation = violation.model_copy(update={"waiver": waiver.ref()})
                    break
            out.append(violation)
        return out

    def _outcome(self) -> tuple[list[Violation], Decimal, list[WaiverProblem]]:
        entries = self._entries
        findings = list(self._findings)
        for rule in self._duplicate_rules:
            for key, ordinals in self._keys[rule.id].items():
                if len(ordinals) > 1:
                    findings.append(self._duplicate_finding(rule, key, ordinals, entries))
        used: set[int] = set()
        violations = self._waive([self._violation(f, entries) for f in findings], used)
        claims: dict[int, Decimal] = {}
        for finding, violation in zip(findings, violations, strict=True):
            if finding.rule.severity != "error" or violation.waiver is not None:
                continue
            for ordinal, amount in finding.claims.items():
                cap = max(entries[ordinal].amount, ZERO)
                claims[ordinal] = min(cap, max(claims.get(ordinal, ZERO), amount))
        totals: list[_Finding] = []
        for rule in self._aggregate_rules:
            for key, group in self._groups[rule.id].items():
                recovered = sum((claims.get(o, ZERO) for o in group.ordinals), ZERO)
                found = self._aggregate_finding(rule, key, group, entries, recovered)
                if found is not None:
                    totals.append(found)
        total_violations = self._waive([self._violation(f, entries) for f in totals], used)
        pooled = sum(
            (f.pooled_claim for f, v in zip(totals, total_violations, strict=True)
             if f.pooled_claim is not None and f.rule.severity == "error" and v.waiver is None),
            ZERO,
        )
        problems = waiver_problems(list(self.waivers), used, self.today, {r.id for r in self.pack.rules})
        ordered = sorted(violations + total_violations, key=_order)
        return ordered, sum(claims.values(), ZERO) + pooled, problems

    def findings(self) -> list[Violation]:
        """All findings over the recorded entries, in a stable order."""
        return self._outcome()[0]

    def report(
        self,
        *,
        input: InputSummary | None = None,
        input_errors: Iterable[InputError] = (),
    ) -> Report:
        """The report over everything recorded; ``input`` describes the source (a file, or entries)."""
        violations, clawback, problems = self._outcome()
        errors = list(input_errors)
        if input is None:
            rejected = len({e.row for e in errors})
            input = InputSummary(
                rows_total=len(self._entries) + rejected,
                rows_checked=len(self._entries),
                rows_rejected=rejected,
                rows_skipped=0,
            )
        active = [v for v in violations if v.waiver is None]
        counts = {s: sum(1 for v in active if v.severity == s) for s in _SEVERITY_RANK}
        return Report(
            input=input,
            project=ProjectRef(code=self.project.code, name=self.project.name, grantee=self.project.grantee),
            pack=PackRef(
                name=self.pack.name,
                version=self.pack.version,
                rules=len(self.pack.active_rules),
                sha256=self.pack.sha256,
                layers=[
                    PackLayerRef(name=layer.name, version=layer.version, path=layer.path, sha256=layer.sha256)
                    for layer in self.pack.layers
                ],
            ),
            violations=violations,
            input_errors=sorted(errors, key=lambda e: (e.row, e.column or "")),
            rules_not_run=self.not_run,
            waiver_problems=problems,
            summary=Summary(
                errors=counts["error"],
                warnings=counts["warning"],
                infos=counts["info"],
                waived=len(violations) - len(active),
                clawback_total=clawback,
                spent_total=sum((e.amount for e in self._entries), ZERO),
            ),
        )


def _order(v: Violation) -> tuple[Any, ...]:
    return (v.rows[0] if v.rows else 0, _SEVERITY_RANK[v.severity], v.rule_id, v.rows)
