"""Which rules run on this ledger and project, and which entry rules a category needs."""

from __future__ import annotations

from collections.abc import Iterable

from ..fields import column_label
from ..models import Project, RuleNotRun
from ..rules.kind_spec import KIND_SPECS
from ..rules.pack import Rule, RulePack
from ..rules.symbols import OPTIONAL_PROJECT_ATTRIBUTES


class RulePlan:
    """The active rules split by kind, minus those that cannot run, with a per-category index."""

    def __init__(self, pack: RulePack, project: Project, columns: Iterable[str]) -> None:
        present = frozenset(columns)
        self.not_run: list[RuleNotRun] = []
        runnable: list[Rule] = []
        for rule in pack.active_rules:
            reason = self._why_not(rule, project, present)
            if reason:
                self.not_run.append(RuleNotRun(rule_id=rule.id, title=rule.title, reason=reason))
            else:
                runnable.append(rule)
        #: kind -> its runnable rules, in pack order (the kinds are those of :mod:`.kinds`)
        self.by_kind = {kind: tuple(r for r in runnable if r.kind == kind) for kind in KIND_SPECS}
        self.entry_rules = self.by_kind["entry"]
        self.aggregate_rules = self.by_kind["aggregate"]
        self.duplicate_rules = self.by_kind["duplicate"]
        self.standard_rules = self.by_kind["standard"]
        self._by_category: dict[str, tuple[Rule, ...]] = {}
        self._by_mentions: dict[tuple[str, frozenset[str], frozenset[str]], tuple[Rule, ...]] = {}
        self._standards_by_category: dict[str, tuple[Rule, ...]] = {}

    @staticmethod
    def _why_not(rule: Rule, project: Project, columns: frozenset[str]) -> str | None:
        missing = sorted(rule.needs_columns - columns)
        if missing:
            return "台账缺少 " + "、".join(column_label(c) for c in missing) + " 列"
        absent = sorted(a for a in rule.needs_project if getattr(project, a) is None)
        if absent:
            return "项目文件未提供 " + "、".join(OPTIONAL_PROJECT_ATTRIBUTES[a] for a in absent)
        return None

    @staticmethod
    def _of_category(
        rules: tuple[Rule, ...], category: str, cache: dict[str, tuple[Rule, ...]]
    ) -> tuple[Rule, ...]:
        found = cache.get(category)
        if found is None:
            found = cache[category] = tuple(r for r in rules if r.categories is None or category in r.categories)
        return found

    def _for_category(self, category: str) -> tuple[Rule, ...]:
        return self._of_category(self.entry_rules, category, self._by_category)

    def standard_rules_for(self, category: str) -> tuple[Rule, ...]:
        """The standards rules that judge entries of this category."""
        return self._of_category(self.standard_rules, category, self._standards_by_category)

    def entry_rules_for(
        self, category: str, mentions: frozenset[str], payee_mentions: frozenset[str] = frozenset()
    ) -> tuple[Rule, ...]:
        """The entry rules that can fire on an entry of this category mentioning these word families.

        A keyword rule whose condition needs a family the entry (or its payee's
        name) does not mention cannot be true, so it is not tried (see
        ``Expression.triggers`` and ``payee_triggers``).
        """
        key = (category, mentions, payee_mentions)
        found = self._by_mentions.get(key)
        if found is None:
            found = tuple(
                r for r in self._for_category(category)
                if r.when is None or (
                    (r.when.triggers is None or not r.when.triggers.isdisjoint(mentions))
                    and (r.when.payee_triggers is None or not r.when.payee_triggers.isdisjoint(payee_mentions))
                )
            )
            if len(self._by_mentions) > 50_000:
                self._by_mentions.clear()
            self._by_mentions[key] = found
        return found
