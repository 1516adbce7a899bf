"""What a rule's condition reads from an entry, built once per entry with caches.

Ledgers repeat themselves — the same categories, payees and descriptions
come back thousands of times — so the canonical category, the payee's
matching key and the word-family scan of a description are cached by the
text they come from.
"""

from __future__ import annotations

from decimal import Decimal
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import RuleRuntimeError
from ..models import Entry, EntryRecord, Project
from ..rules.pack import Definition, RulePack
from ..values import format_money_cn, name_key
from .parties import ProjectParties

_CACHE_LIMIT = 100_000
#: templates are larger (a dict each): a ledger whose every description is new keeps at most this many
_TEMPLATE_LIMIT = 8_000


class _Context(dict):  # type: ignore[type-arg]
    """An entry's condition context; named conditions and costly symbols are computed on first use.

    Most entries reach no rule that reads them.  ``in`` answers for them too, so rule-engine's own
    resolver (the reference evaluator) finds them.
    """

    __slots__ = ("definitions", "lazy", "entry")
    definitions: Mapping[str, Definition]
    lazy: Mapping[str, Callable[[_Context], Any]]
    entry: Entry | EntryRecord

    def __missing__(self, name: str) -> Any:
        definition = self.definitions.get(name)
        if definition is None:
            compute = self.lazy.get(name)
            if compute is None:
                raise KeyError(name)
            value = self[name] = compute(self)
            return value
        try:
            value = bool(definition.when.evaluate(self))
        except Exception as exc:  # noqa: BLE001 - a broken named condition is the pack's fault, explained
            raise RuleRuntimeError(
                f"命名条件 {name} 在第 {self.entry.row} 行上求值失败: {getattr(exc, 'message', None) or type(exc).__name__}",
                position=definition.source,
                code="rule-runtime",
                hint="这是规则包的问题，不是台账的问题：请修改这个命名条件。",
            ) from None
        self[name] = value
        return value

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in self.definitions or name in self.lazy


_NOTHING: tuple[dict[str, tuple[str, ...]], frozenset[str]] = ({}, frozenset())


class EntryContext:
    """Builds the evaluation mapping for entries of one project under one pack."""

    def __init__(self, pack: RulePack, project: Project) -> None:
        self.pack = pack
        self.project = {
            "code": project.code,
            "name": project.name,
            "grantee": name_key(project.grantee),
            "start": project.period_start,
            "end": project.period_end,
            "budget": project.effective_budget or {},
            "staff": {name_key(n) for n in project.staff or ()},
            "fiscal_funded": {name_key(n) for n in project.fiscal_funded or ()},
        }
        self.project_values = {
            "project.code": project.code,
            "project.name": project.name,
            "project.grantee": project.grantee,
            "project.start": project.period_start.isoformat(),
            "project.end": project.period_end.isoformat(),
        }
        self._definitions = {d.name: d for d in pack.definitions}
        self.parties = ProjectParties(project)
        self._lazy: dict[str, Callable[[_Context], Any]] = {
            "description_names_staff": lambda c: self._names_in_description(c)[0],
            "description_names_fiscal_funded": lambda c: self._names_in_description(c)[1],
            # needs no roster: without one nobody is known to be staff, so rules that read it still run
            "paid_to_staff": lambda c: bool(c["payee_is_staff"] or c["description_names_staff"]),
        }
        self._categories: dict[str, str | None] = {}
        self._scans: dict[str, tuple[dict[str, tuple[str, ...]], frozenset[str]]] = {}
        self._payees: dict[str, str] = {}
        self._groups: dict[str, frozenset[str]] = {}
        self._sub_accounts: dict[str, str] = {}
        self._texts: dict[tuple[str, str], tuple[dict[str, Any], dict[str, tuple[str, ...]]]] = {}
        self._payee_parts: dict[str, dict[str, Any]] = {}

    def canonical(self, category: str) -> str | None:
        try:
            return self._categories[category]
        except KeyError:
            found = self.pack.categories.canonical(category)
            if len(self._categories) < _CACHE_LIMIT:
                self._categories[category] = found
            return found

    def scan(self, text: str) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
        """(family -> words found, the set of families): shared between entries, never mutated."""
        try:
            return self._scans[text]
        except KeyError:
            found = self.pack.scanner.scan(text)
            if len(self._scans) >= _CACHE_LIMIT:
                self._scans.clear()
            result = self._scans[text] = (found, frozenset(found)) if found else _NOTHING  # most texts: share one
            return result

    def _sub_account(self, category: str) -> str:
        found = self._sub_accounts.get(category)
        if found is None:
            found = self.pack.categories.sub_account(category)
            if len(self._sub_accounts) < _CACHE_LIMIT:
                self._sub_accounts[category] = found
        return found

    def groups(self, category: str) -> frozenset[str]:
        found = self._groups.get(category)
        if found is None:
            found = self.pack.categories.groups_of(category)
            if len(self._groups) < _CACHE_LIMIT:
                self._groups[category] = found
        return found

    def payee(self, payee: str) -> str:
        try:
            return self._payees[payee]
        except KeyError:
            key = name_key(payee)
            if len(self._payees) < _CACHE_LIMIT:
                self._payees[payee] = key
            return key

    def build(self, entry: Entry | EntryRecord) -> tuple[dict[str, Any], dict[str, tuple[str, ...]]]:
        """(the mapping conditions read, the word families found with their words).

        What the category and description decide (the canonical category, the word-family scan …) is
        made once per distinct pair as a template with every key in place, and what the payee decides
        once per payee; an entry's mapping is a copy of the template with those and its own values
        written over the placeholders (the keys keep the template's order).
        """
        description = entry.description or ""
        text = self._texts.get((entry.category, description))
        if text is None:
            text = self._text_part(entry.category, description)
        template, matched = text
        payee = entry.payee or ""
        by_payee = self._payee_parts.get(payee)
        if by_payee is None:
            by_payee = self._payee_part(payee)
        ctx = _Context(template)
        ctx.update(by_payee)
        ctx["row"] = Decimal(entry.row)
        ctx["entry_id"] = entry.entry_id
        ctx["date"] = entry.date
        ctx["voucher_no"] = entry.voucher_no or ""
        ctx["amount"] = entry.amount
        ctx["invoice_no"] = entry.invoice_no or ""
        ctx["project_code"] = entry.project_code or ""
        ctx.definitions, ctx.lazy, ctx.entry = self._definitions, self._lazy, entry
        return ctx, matched

    def _text_part(self, category: str, description: str) -> tuple[dict[str, Any], dict[str, tuple[str, ...]]]:
        canonical = self.canonical(category)
        # an unfundable category (招待费) or a sub-account (其他费用-招待费) says what was bought, like the description
        said = category if canonical is None else self._sub_account(category)
        matched, mentions = self.scan(f"{said} {description}" if said else description)
        template = {
            "row": None, "entry_id": None, "date": None, "voucher_no": None,
            "category": canonical or category,
            "category_raw": category,
            "fundable": canonical is not None,
            "description": description,
            "payee": None, "payee_is_staff": None, "payee_is_fiscal_funded": None, "payee_is_grantee": None,
            "payee_in_grantee": None,
            "amount": None, "invoice_no": None, "project_code": None,
            "mentions": mentions,
            "payee_mentions": None,
            "category_groups": self.groups(canonical or category),
            "project": self.project,
        }
        if len(self._texts) >= _TEMPLATE_LIMIT:
            self._texts.clear()
        found = self._texts[(category, description)] = (template, matched)
        return found

    def _payee_part(self, payee: str) -> dict[str, Any]:
        parties = self.parties.of(payee)
        part = {
            "payee": self.payee(payee),
            "payee_is_staff": parties.staff,
            "payee_is_fiscal_funded": parties.fiscal_funded,
            "payee_is_grantee": parties.grantee,
            "payee_in_grantee": parties.grantee_unit,
            "payee_mentions": self.scan(payee)[1] if payee else frozenset(),
        }
        if len(self._payee_parts) >= _TEMPLATE_LIMIT:
            self._payee_parts.clear()
        self._payee_parts[payee] = part
        return part

    def _names_in_description(self, ctx: _Context) -> tuple[bool, bool]:
        """Both roster answers from one reading of the description; the one not asked for is kept too."""
        found = self.parties.named_in(ctx["description"], ctx.entry.payee or "")
        ctx["description_names_staff"], ctx["description_names_fiscal_funded"] = found.staff, found.fiscal_funded
        return found.staff, found.fiscal_funded

    @staticmethod
    def resolved(ctx: dict[str, Any]) -> dict[str, Any]:
        """A plain mapping with every lazily computed value filled in (for benchmarks and comparisons)."""
        names = [*getattr(ctx, "definitions", ()), *getattr(ctx, "lazy", ())]
        return {**ctx, **{name: ctx[name] for name in names}}

    def message_values(self, entry: Entry | EntryRecord, ctx: dict[str, Any], words: str) -> dict[str, str]:
        """The values an entry rule's message template may name."""
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
        values.update(self.project_values)
        return values
