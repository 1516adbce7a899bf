"""The rule kinds (qianqi_rules.evaluate.kinds): one module each, every one documented and with a working example."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from qianqi_rules import load_rules
from qianqi_rules.evaluate.kinds import KINDS
from qianqi_rules.evaluate.examples import run_examples
from qianqi_rules.rules.kind_spec import KIND_SPECS

DOCS = Path(__file__).parent.parent.parent / "docs" / "rules.md"


def test_one_table_of_kinds() -> None:
    assert list(KINDS) == list(KIND_SPECS) == ["entry", "standard", "aggregate", "duplicate"]
    for name, kind in KINDS.items():
        assert kind.spec is KIND_SPECS[name] and kind.spec.name == name
        assert kind.judged in ("entry", "end")


@pytest.mark.parametrize("name", list(KINDS))
def test_a_kind_has_docs(name: str) -> None:
    kind = KINDS[name]
    module = importlib.import_module(kind.behaviour.__module__)
    assert module.__doc__ and f"kind: {name}" in module.__doc__, "the kind's module says what the kind means"
    assert kind.spec.doc.strip(), "the kind says in Chinese what it means (docs and explain show it)"
    assert f"| `{name}`" in DOCS.read_text(encoding="utf-8"), "docs/rules.md lists the kind in its table"
    assert kind.spec.clawbacks[0] == "none" and kind.spec.template_fields
    assert kind.spec.group_expressions <= kind.spec.expressions


@pytest.mark.parametrize("name", list(KINDS))
def test_a_kind_has_a_working_example(tmp_path: Path, name: str) -> None:
    """The kind's example rule loads over the bundled pack, and its own examples hold."""
    example = KINDS[name].spec.example
    assert "examples:" in example and "violating:" in example and "compliant:" in example
    (tmp_path / "pack.yaml").write_text("pack: {name: kinds, version: '1', extends: qianqi-bundled}\n",
                                        encoding="utf-8")
    body = "".join(f"  {line}\n" if line else "\n" for line in example.splitlines())
    (tmp_path / "rules.yaml").write_text("rules:\n" + body, encoding="utf-8")
    pack = load_rules(tmp_path)
    (rule,) = [r for r in pack.rules if r.layer == "kinds"]
    assert rule.kind == name
    outcomes = run_examples(pack, rule)
    assert outcomes and all(o.passed for o in outcomes), [o.detail for o in outcomes if not o.passed]


@pytest.mark.parametrize(
    ("kind", "extra", "fragment"),
    [
        ("entry", "where: amount > 0\n", "逐条规则不使用 where"),
        ("aggregate", "key: invoice_no\n", "汇总规则不使用 key"),
        ("duplicate", "limit: '1'\n", "重复规则不使用 limit"),
        ("standard", "when: amount > 0\n", "标准规则不使用 when"),
    ],
)
def test_a_kind_refuses_fields_of_other_kinds(tmp_path: Path, kind: str, extra: str, fragment: str) -> None:
    from qianqi_rules.errors import RulePackError

    example = KINDS[kind].spec.example.replace("  message:", f"  {extra}  message:", 1)
    (tmp_path / "pack.yaml").write_text("pack: {name: kinds, version: '1', extends: qianqi-bundled}\n",
                                        encoding="utf-8")
    body = "".join(f"  {line}\n" if line else "\n" for line in example.splitlines())
    (tmp_path / "rules.yaml").write_text("rules:\n" + body, encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        load_rules(tmp_path)
    assert fragment in str(info.value)


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    from qianqi_rules.errors import RulePackError

    example = KINDS["entry"].spec.example.replace("  severity: error\n", "  severity: error\n  kind: total\n")
    (tmp_path / "pack.yaml").write_text("pack: {name: kinds, version: '1', extends: qianqi-bundled}\n",
                                        encoding="utf-8")
    body = "".join(f"  {line}\n" for line in example.splitlines())
    (tmp_path / "rules.yaml").write_text("rules:\n" + body, encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        load_rules(tmp_path)
    assert "kind 只能是 entry、standard、aggregate、duplicate" in str(info.value)
