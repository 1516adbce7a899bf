"""Checks across the projects of a programme: one claim compared with the claims of other projects.

A project's own check sees one ledger; a repeated invoice, a payee paid twice on one
day or a person on another project's roster is only visible programme-wide.  The
rules say *what* (``rules/programme/cross_project.yaml``: id, citation, message,
examples); the three checks here say *how*.  Each check reads only
:class:`Claim` facts grouped by its key, so the programme can shuffle the facts by
key and run the groups anywhere (:func:`partition`, :func:`judge_partition`): the
findings do not depend on how the facts were split or ordered.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import Position, RuleFileError
from .models import Citation
from .programme_models import CrossProjectClaim, CrossProjectFinding
from .rules.templates import render
from .values import ZERO, name_key
from .yamlsafe import YamlLoadError, load_yaml_file

RULES_FILE = Path("programme") / "cross_project.yaml"


@dataclass(frozen=True, slots=True)
class Claim:
    """One ledger entry as the cross-project checks see it (only entries with an invoice or a fee)."""

    project: str
    file: str | None
    row: int
    date: dt.date
    category: str
    amount: Decimal
    payee: str = ""
    invoice_no: str = ""
    voucher_no: str = ""


@dataclass(frozen=True, slots=True)
class Roster:
    """A project's own staff, with its grantee: whom another project's fees may not quietly reach."""

    project: str
    grantee: str
    staff: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Programme:
    """What the checks know besides the claims: every project's roster, and the rows already recovered.

    ``recovered`` holds ``(project, file, row)`` of rows whose money a project's own
    check already recovers, so that no yuan is recovered twice.
    """

    rosters: tuple[Roster, ...] = ()
    recovered: frozenset[tuple[str, str | None, int]] = frozenset()


@dataclass(frozen=True, slots=True)
class CrossRule:
    """A cross-project rule as its file states it."""

    id: str
    name: str
    title: str
    citation: Citation
    severity: str
    check: str
    message: str
    rationale: str
    clawback: str | None = None
    categories: tuple[str, ...] = ()
    examples: Mapping[str, Any] | None = None
    #: ``staff_elsewhere`` only: ``same`` (the paying project has the roster's grantee), ``other``, or either
    grantee: str | None = None


# ----------------------------------------------------------------------------- the rules file


def load_cross_rules(layer_paths: Sequence[str | Path]) -> list[CrossRule]:
    """The cross-project rules of every pack layer; a higher layer replaces a rule by id or retires it."""
    rules: dict[str, CrossRule] = {}
    for layer in layer_paths:
        path = Path(layer) / RULES_FILE
        if not path.is_file():
            continue
        try:
            document = load_yaml_file(path)
        except YamlLoadError as exc:
            problem = exc.problem
            raise RuleFileError(problem.message, position=problem.position, code=problem.code,
                                hint=problem.hint) from None
        data = document.data if isinstance(document.data, dict) else {}
        for index, item in enumerate(data.get("cross_project") or []):
            rule = _rule(item, document.position(("cross_project", index)), path)
            if item.get("retired"):
                rules.pop(rule.id, None)
            else:
                rules[rule.id] = rule
    return [rules[k] for k in sorted(rules)]


def _rule(item: Any, where: Position, path: Path) -> CrossRule:
    def fail(message: str) -> RuleFileError:
        return RuleFileError(message, position=where, code="cross-project-rule",
                             hint=f"跨项目规则的写法见 docs/rules.md；可用的 check：{'、'.join(sorted(CHECKS))}")

    if not isinstance(item, dict):
        raise fail("跨项目规则应是“字段: 值”的映射")
    missing = [k for k in ("id", "name", "title", "citation", "severity", "check", "message") if k not in item]
    if missing and not item.get("retired"):
        raise fail(f"跨项目规则缺少字段：{'、'.join(missing)}")
    if item.get("retired"):
        return CrossRule(id=str(item.get("id")), name="", title="", citation=Citation(article=13), severity="info",
                         check="", message="", rationale="")
    if item["check"] not in CHECKS:
        raise fail(f"不认识的 check “{item['check']}”")
    if item["severity"] not in ("error", "warning", "info"):
        raise fail(f"severity 只能是 error、warning 或 info，而不是“{item['severity']}”")
    if item.get("clawback") not in CLAWBACKS:
        raise fail(f"clawback 只能是 {'、'.join(str(c) for c in CLAWBACKS if c)} 或不写，而不是“{item.get('clawback')}”")
    if item.get("grantee") not in (None, "same", "other"):
        raise fail(f"grantee 只能是 same（同一受资助单位）或 other（不同单位），而不是“{item.get('grantee')}”")
    citation = item["citation"]
    return CrossRule(
        id=str(item["id"]), name=str(item["name"]), title=str(item["title"]),
        citation=Citation(article=int(citation["article"]), item=citation.get("item")),
        severity=str(item["severity"]), check=str(item["check"]), message=str(item["message"]),
        rationale=str(item.get("rationale", "")), clawback=item.get("clawback"),
        categories=tuple(item.get("categories") or ()), examples=item.get("examples"), grantee=item.get("grantee"),
    )


def example_programme(items: Sequence[Mapping[str, Any]]) -> tuple[list[Claim], Programme]:
    """A rule example as claims and rosters: an item with ``staff`` is a project's roster (and its ``grantee``),
    any other a claim."""
    claims, rosters = [], []
    for row, item in enumerate(items, start=2):
        project = str(item.get("project", "A"))
        if "staff" in item:
            rosters.append(Roster(project, str(item.get("grantee", f"{project} 单位")), tuple(item["staff"])))
            continue
        date = item.get("date", dt.date(2025, 6, 1))
        claims.append(Claim(project, f"{project}.csv", row, date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date)),
                            str(item.get("category", "会议费")), Decimal(str(item.get("amount", "800.00"))),
                            str(item.get("payee", "")), str(item.get("invoice_no", "")), str(item.get("voucher_no", ""))))
    return claims, Programme(tuple(rosters))


# ----------------------------------------------------------------------------- shuffle by key


def partition(claims: Iterable[Claim], parts: int) -> list[list[Claim]]:
    """Claims split into ``parts`` groups such that every key any check reads lands in one group.

    Every check keys on the person (by :func:`.values.name_key`: ``刘 德明`` is ``刘德明``) or the invoice; a
    claim is sent to the group of each of its keys, so no group needs another's claims.
    """
    groups: list[list[Claim]] = [[] for _ in range(max(parts, 1))]
    for claim in claims:
        targets = {_bucket("i" + claim.invoice_no, parts) if claim.invoice_no else None,
                   _bucket("p" + payee, parts) if (payee := name_key(claim.payee)) else None} - {None}
        for target in targets:
            groups[target].append(claim)  # type: ignore[index]
    return groups


def _bucket(key: str, parts: int) -> int:
    return zlib.crc32(key.encode("utf-8")) % max(parts, 1)  # stable across processes, unlike hash()


def judge_partition(claims: Sequence[Claim], programme: Programme, rules: Sequence[CrossRule],
                    parts: int = 1, part: int = 0) -> list[CrossProjectFinding]:
    """The findings whose key belongs to group ``part`` of ``parts``, from that group's claims."""
    findings: list[CrossProjectFinding] = []
    for rule in rules:
        findings.extend(f for f in CHECKS[rule.check](rule, claims, programme)
                        if _bucket(f.evidence["shuffle_key"], parts) == part)
    return findings


def judge(claims: Iterable[Claim], programme: Programme, rules: Sequence[CrossRule]) -> list[CrossProjectFinding]:
    """Every cross-project finding, in a fixed order (rule, then key)."""
    return ordered(judge_partition(list(claims), programme, rules))


def ordered(findings: Iterable[CrossProjectFinding]) -> list[CrossProjectFinding]:
    """Findings from any number of groups, in the one order the report uses."""
    out = []
    def key(f: CrossProjectFinding) -> tuple[Any, ...]:
        return (f.rule_id, f.evidence["shuffle_key"], f.message,
                [(c.date, c.project, c.file or "", c.row, c.category, c.amount) for c in f.claims])

    for f in sorted(findings, key=key):
        out.append(f.model_copy(update={"evidence": {k: v for k, v in f.evidence.items() if k != "shuffle_key"}}))
    return out


# ----------------------------------------------------------------------------- the checks


def _claim_ref(claim: Claim) -> CrossProjectClaim:
    return CrossProjectClaim(project=claim.project, file=claim.file, row=claim.row, date=claim.date,
                             category=claim.category, amount=claim.amount, payee=claim.payee or None,
                             invoice_no=claim.invoice_no or None, voucher_no=claim.voucher_no or None)


def _where(claims: Sequence[Claim]) -> str:
    by_project: dict[str, list[str]] = defaultdict(list)
    for c in claims:
        by_project[c.project].append(str(c.row))
    return "；".join(f"项目 {p} 第 {'、'.join(rows)} 行" for p, rows in by_project.items())


def _finding(rule: CrossRule, key: str, shuffle_key: str, claims: Sequence[Claim], clawback: Decimal | None,
             **fields: Any) -> CrossProjectFinding:
    claims = sorted(claims, key=_order)
    total = sum((c.amount for c in claims), ZERO)
    values = {"key": key, "count": len({c.project for c in claims}), "claims": _where(claims),
              "total": f"{total:,.2f}", "categories": "、".join(dict.fromkeys(c.category for c in claims)), **fields}
    return CrossProjectFinding(
        rule_id=rule.id, rule_name=rule.name, title=rule.title, severity=rule.severity,  # type: ignore[arg-type]
        citation=rule.citation, message=render(rule.message, {k: str(v) for k, v in values.items()}),
        projects=sorted({c.project for c in claims}), claims=[_claim_ref(c) for c in claims],
        amount=total, clawback=clawback, evidence={"key": key, "shuffle_key": shuffle_key},
    )


def _order(claim: Claim) -> tuple[Any, ...]:
    return (claim.date, claim.project, claim.file or "", claim.row, claim.category, claim.amount, claim.payee,
            claim.invoice_no, claim.voucher_no)


def same_invoice(rule: CrossRule, claims: Sequence[Claim], programme: Programme) -> list[CrossProjectFinding]:
    """One invoice with net spending in two or more projects; the first project's use is the real one."""
    by_invoice: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        if c.invoice_no:
            by_invoice[c.invoice_no].append(c)
    findings = []
    for invoice, group in by_invoice.items():
        net: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for c in group:
            net[c.project] += c.amount
        spending = [c for c in group if net[c.project] > 0 and c.amount > 0]
        projects = {c.project for c in spending}
        if len(projects) < 2:
            continue
        first = min(spending, key=_order).project
        repeats = ZERO
        for p in sorted(projects - {first}):
            fresh = sum((c.amount for c in spending if c.project == p
                         and (c.project, c.file, c.row) not in programme.recovered), ZERO)
            repeats += min(fresh, net[p])  # a project's own refunds of the invoice reduce what it repeats
        findings.append(_finding(rule, invoice, "i" + invoice, spending,
                                 repeats if rule.clawback == "repeats" else None, repeats=f"{repeats:,.2f}"))
    return findings


def same_payee_same_day(rule: CrossRule, claims: Sequence[Claim], programme: Programme) -> list[CrossProjectFinding]:
    """One payee paid the rule's fees by two or more projects on one day."""
    groups: dict[tuple[str, dt.date], list[Claim]] = defaultdict(list)
    for c in claims:
        if (payee := name_key(c.payee)) and c.amount > 0 and (not rule.categories or c.category in rule.categories):
            groups[(payee, c.date)].append(c)
    return [_finding(rule, payee, "p" + payee, group, None, date=day.isoformat())
            for (payee, day), group in groups.items() if len({c.project for c in group}) > 1]


def staff_elsewhere(rule: CrossRule, claims: Sequence[Claim], programme: Programme) -> list[CrossProjectFinding]:
    """A person on one project's staff roster paid the rule's fees by another project.

    With ``grantee: same`` only where the paying project has the roster's grantee (the person is then that
    grantee's own staff), with ``other`` only where it has another; ``clawback: amount`` recovers the claims
    not already recovered by the paying project's own check.
    """
    staff_of: dict[str, list[Roster]] = defaultdict(list)
    for roster in programme.rosters:
        for name in roster.staff:
            if key := name_key(name):
                staff_of[key].append(roster)
    grantee = {r.project: r.grantee for r in programme.rosters}
    groups: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for c in claims:
        payee = name_key(c.payee)
        if not payee or c.amount <= 0 or (rule.categories and c.category not in rule.categories):
            continue
        for roster in staff_of.get(payee, ()):
            if roster.project == c.project:
                continue
            same = c.project in grantee and name_key(grantee[c.project]) == name_key(roster.grantee)
            if rule.grantee is None or (rule.grantee == "same") == same:
                groups[(payee, roster.project, c.project)].append(c)
    findings = []
    for (payee, home, paying), group in groups.items():
        fresh = sum((c.amount for c in group if (c.project, c.file, c.row) not in programme.recovered), ZERO)
        findings.append(_finding(rule, payee, "p" + payee, group, fresh if rule.clawback == "amount" else None,
                                 staff_of=home, staff_grantee=grantee.get(home, ""), project=paying))
    return findings


CHECKS: dict[str, Callable[[CrossRule, Sequence[Claim], Programme], list[CrossProjectFinding]]] = {
    "same_invoice": same_invoice,
    "same_payee_same_day": same_payee_same_day,
    "staff_elsewhere": staff_elsewhere,
}

#: what ``clawback:`` may say: nothing by rule, the repeats after the first use, or the claims' amount
CLAWBACKS = (None, "repeats", "amount")
