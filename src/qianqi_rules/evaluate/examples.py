"""Running the examples every rule carries: the pack's own executable tests.

A violating example must make its rule fire; a compliant one must not.  An
example is one entry (a mapping of ledger fields) or a list of entries (for
rules about totals or repeats); fields it leaves out come from the pack's
``example_defaults``, and the category defaults to the rule's first category.
pytest runs these for the bundled pack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models import Violation
from ..rules.pack import Rule, RulePack
from .checker import Checker


@dataclass(frozen=True)
class ExampleOutcome:
    """The result of one example: did the rule behave as the example says?"""

    rule_id: str
    expectation: str  # "violating" or "compliant"
    index: int
    passed: bool
    detail: str

    @property
    def label(self) -> str:
        return f"{self.rule_id}-{self.expectation}-{self.index + 1}"


def example_entries(pack: RulePack, rule: Rule, example: Any) -> list[dict[str, Any]]:
    """The complete entries of one example, defaults filled in."""
    items = example if isinstance(example, list) else [example]
    base = dict(pack.example_defaults)
    base["category"] = sorted(rule.categories)[0] if rule.categories else "其他费用"
    out = []
    for item in items:
        entry = {**base, **item}
        entry = {k: (str(v) if isinstance(v, (int, float)) and k in ("amount", "credit") else v)
                 for k, v in entry.items()}
        out.append(entry)
    return out


def _fired(pack: RulePack, rule: Rule, entries: list[dict[str, Any]]) -> list[Violation]:
    assert pack.example_project is not None
    checker = Checker(pack.example_project, pack)
    for entry in entries:
        checker.add(entry)
    return [v for v in checker.findings() if v.rule_id == rule.id]


def run_examples(pack: RulePack, rule: Rule) -> list[ExampleOutcome]:
    """Run every example of ``rule``; each outcome says whether it held."""
    outcomes = []
    for expectation in ("violating", "compliant"):
        for index, example in enumerate(getattr(rule.examples, expectation)):
            entries = example_entries(pack, rule, example)
            fired = _fired(pack, rule, entries)
            want = expectation == "violating"
            passed = bool(fired) == want
            if passed:
                detail = "ok"
            elif want:
                detail = f"违规示例没有触发规则: {entries}"
            else:
                detail = f"合规示例触发了规则: {fired[0].message}"
            outcomes.append(ExampleOutcome(rule.id, expectation, index, passed, detail))
    return outcomes
