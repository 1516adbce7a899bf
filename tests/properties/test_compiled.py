"""The compiled closures agree with rule-engine's own evaluator, for every rule and any entry.

Contexts are built exactly as the checker builds them, from random entries whose
text mixes words of every word family with arbitrary characters.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from qianqi_rules import load_project, load_rules
from qianqi_rules.evaluate.context import EntryContext
from qianqi_rules.ledger.rows import RawRow
from qianqi_rules.models import Entry
from qianqi_rules.normalise import RowNormaliser, normalise_row

PACK = load_rules()
PROJECT = load_project(Path(__file__).parent.parent / "data" / "project.yaml", PACK)
CONTEXT = EntryContext(PACK, PROJECT)
WORDS = sorted({w for family in PACK.terms.values() for w in family.words + family.excepts})
NAMES = ["张三", "李四", "王五", "赵六", "北京测试科技有限公司", "", "某餐厅"]
CATEGORIES = list(PACK.categories.names) + ["招待费", "设备费", "差旅", ""]

text = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=4)), max_size=5).map("".join)
entries = st.builds(
    Entry,
    row=st.integers(2, 10_000),
    entry_id=st.text(min_size=1, max_size=5),
    date=st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
    category=st.sampled_from(CATEGORIES).filter(bool),
    amount=st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e7"), places=2),
    description=text,
    payee=st.sampled_from(NAMES),
    invoice_no=st.sampled_from(["", "A1", "B2"]),
    project_code=st.sampled_from(["", PROJECT.code, "BJKX-QQ-OTHER"]),
)
EXPRESSIONS = [(r.id, field, e) for r in PACK.rules
               for field, e in (("when", r.when), ("where", r.where), ("group_by", r.group_by), ("key", r.key))
               if e is not None and not (field == "when" and r.kind == "aggregate")]


def test_every_bundled_expression_is_compiled() -> None:
    assert all(e.closure is not None for _, _, e in EXPRESSIONS)


@given(entries)
def test_closures_agree_with_rule_engine(entry: Entry) -> None:
    ctx, _ = CONTEXT.build(entry)
    for rule_id, field, expression in EXPRESSIONS:
        try:
            expected = expression.evaluate_reference(ctx)
        except Exception as exc:  # noqa: BLE001 - the closure must fail the same way
            expected = type(exc)
        try:
            got = expression.evaluate(ctx)
        except Exception as exc:  # noqa: BLE001
            got = type(exc)
        assert got == expected, (rule_id, field, expression.text, ctx)


@given(
    st.fixed_dictionaries({
        "date": st.sampled_from(["2025-03-05", "2025/3/5", "2025年3月5日", "20250305", "2025-02-30", "", "x"]),
        "category": st.sampled_from(["会议费", " 差旅 ", "", "招待费"]),
        "amount": st.sampled_from(["1,234.50", "1234.5", "-300", "¥12", "", "abc", "1，000", "(5.00)"]),
        "credit": st.sampled_from(["", "50", "1,000.00", "x"]),
        "description": text,
        "payee": st.sampled_from(["张 三", "", " 北京某公司 "]),
        "invoice_no": st.sampled_from(["", " a1 ", "'123"]),
    })
)
def test_fast_normaliser_agrees_with_the_reference(values: dict[str, str]) -> None:
    headers = {field: field for field in values}
    raw = RawRow(7, values)
    fast, slow = RowNormaliser(headers)(raw), normalise_row(raw, headers)
    if isinstance(slow, list):
        assert isinstance(fast, list) and fast == slow
    else:
        assert not isinstance(fast, list)
        assert Entry.model_validate(fast._asdict() if hasattr(fast, "_asdict") else fast.model_dump()) == slow


def test_whole_reports_are_identical_with_rule_engine_evaluation() -> None:
    from qianqi_rules import check_ledger

    data = Path(__file__).parent.parent / "data"
    for name, project_file in (("ledger_bom.csv", "project.yaml"), ("labelled/x_device.csv", "labelled/x_project.yaml"),
                               ("labelled/y_graphene.csv", "labelled/y_project.yaml")):
        project = load_project(data / project_file, PACK)
        fast = check_ledger(data / name, project, PACK, today=dt.date(2026, 1, 1))
        slow = check_ledger(data / name, project, PACK.reference(), today=dt.date(2026, 1, 1))
        assert fast.to_json() == slow.to_json()
