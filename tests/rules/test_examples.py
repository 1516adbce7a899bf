"""Every rule's examples are tests: violating ones fire, compliant ones do not."""

import re

import pytest

from qianqi_rules import load_rules
from qianqi_rules.evaluate.examples import run_examples

PACK = load_rules()


@pytest.mark.parametrize("rule", PACK.active_rules, ids=lambda r: r.id)
def test_rule_examples_hold(rule) -> None:
    failures = [o for o in run_examples(PACK, rule) if not o.passed]
    assert not failures, "\n".join(f"{o.label}: {o.detail}" for o in failures)


@pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
def test_rule_is_documented(rule) -> None:
    assert rule.examples.violating and rule.examples.compliant
    assert re.fullmatch(r"QQ\d{4}", rule.id)
    assert rule.title and rule.rationale and rule.message
    # the id encodes the citation: QQ + article (2 digits) + item (1 digit, 0 = whole article) + sequence;
    # Article 6 has no items: QQ06 + two digits, 0x exact standards checks, 1x their estimates from the text,
    # 2x what the description itself says (超标准)
    assert rule.id[2:4] == f"{rule.citation.article:02d}"
    if rule.citation.article == 6:
        assert rule.id[4] in (("1",) if rule.estimate else ("0",) if rule.kind == "standard" else ("0", "2"))
        if rule.estimate:
            exact = PACK.rule("QQ060" + rule.id[5])
            assert exact.standard == rule.standard and not exact.estimate
    else:
        assert rule.id[4] == str(rule.citation.item or 0)


def test_retired_rules_stay_in_the_pack_but_do_not_run() -> None:
    retired = [r for r in PACK.rules if r.retired]
    assert retired and all(not r.active for r in retired)
    assert not {r.id for r in retired} & {r.id for r in PACK.active_rules}


def test_every_checkable_clause_has_a_rule() -> None:
    cited = {(r.citation.article, r.citation.item) for r in PACK.active_rules}
    wanted = {(10, None), (10, 1), (10, 2), (10, 3), (10, 4), (10, 8), (10, 9),
              (11, 1), (11, 2), (11, 3), (11, 4), (11, 5), (11, 6), (12, None),
              (13, 1), (13, 2), (13, 4), (13, 5)}
    assert wanted <= cited, wanted - cited
