"""Loading the bundled pack, and broken copies of it: every problem named with file and line."""

import shutil
from pathlib import Path

import pytest

from qianqi_rules import RulePackError, load_rules
from qianqi_rules.rules.pack import bundled_pack_path


def test_bundled_pack_loads_and_is_immutable(pack) -> None:
    assert pack.name == "qianqi-bundled"
    assert len(pack.rules) >= 30
    assert isinstance(pack.rules, tuple)
    with pytest.raises(AttributeError):
        pack.rules = ()  # type: ignore[misc]
    assert len(pack.sha256) == 64
    assert pack.example_project is not None


@pytest.fixture
def broken(tmp_path: Path):
    """Copy the bundled pack, apply one textual change to one file, return (dir, file, line of the change)."""

    def make(filename: str, old: str, new: str) -> tuple[Path, Path, int]:
        folder = tmp_path / "pack"
        shutil.copytree(bundled_pack_path(), folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        target = folder / filename
        text = target.read_text(encoding="utf-8")
        assert old in text, old
        index = text.index(old)
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
        return folder, target, text[:index].count("\n") + 1

    return make


def load_errors(folder: Path) -> list:
    with pytest.raises(RulePackError) as info:
        load_rules(folder)
    return info.value.errors


@pytest.mark.parametrize(
    ("filename", "old", "new", "code", "fragment"),
    [
        ("article10.yaml", "when: payee_is_staff or payee_is_grantee",
         "when: payee_is_staf or payee_is_grantee", "unknown-symbol", "payee_is_staff"),
        ("article10.yaml", "when: payee_is_fiscal_funded",
         "when: payee in project.fiscal_fund", "unknown-attribute", "fiscal_funded"),
        ("article10.yaml", "when: not fundable", 'when: amount > "1000"', "type-mismatch", "数值"),
        ("article10.yaml", "when: not fundable", 'when: description =~ "(招待"', "bad-regex", "正则"),
        ("article12_13.yaml", '"虚假票据" in mentions', '"虚假票具" in mentions', "unknown-term", "虚假票据"),
        ("article10.yaml", "citation: {article: 10, item: 1}", "citation: {article: 10, item: 12}", "bad-citation", "第 12 项"),
        ("article10.yaml", "citation: {article: 10}", "citation: {article: 21}", "bad-citation", "21"),
        ("article10.yaml", "categories: [专家咨询费]", "categories: [专家费用费]", "unknown-category", "专家费用费"),
        ("article10.yaml", "message: 专家咨询费支付给了受资助单位工作人员 {payee}",
         "message: 专家咨询费支付给了受资助单位工作人员 {payer}", "bad-template", "payee"),
        ("article10.yaml", "severity: error\n    categories: [专家咨询费]",
         "severity: eror\n    categories: [专家咨询费]", "invalid-field", "severity"),
        ("article10.yaml", "    rationale: 第十条第（一）项", "    rationale_: 第十条第（一）项", "unknown-field", "rationale"),
        ("article10.yaml", "  - id: QQ1011", "  - id: QQ1010", "duplicate-rule-id", "QQ1010"),
        ("article10.yaml", "    name: expert-fee-in-house-wording\n",
         "    name: expert-fee-in-house-wording\n    name: again\n", "duplicate-key", "重复的键"),
        ("article10.yaml", "when: not fundable", "when: (not fundable", "expression-syntax", "语法错误"),
        ("definitions.yaml", '"服务类" in category_groups', '"服务组" in category_groups', "unknown-category-group",
         "服务类"),
        ("definitions.yaml", "  work_subject:", "  Work_Subject:", "definition-name", "Work_Subject"),
        ("article11.yaml", "not (work_subject or named_item)", "not (work_subjekt or named_item)", "unknown-symbol",
         "work_subjekt"),
        ("categories.yaml", "成果类: [专家咨询费,", "成果类: [专家咨询,", "unknown-category", "专家咨询"),
    ],
)
def test_broken_copies_are_load_errors_with_file_and_line(broken, filename, old, new, code, fragment) -> None:
    folder, target, line = broken(filename, old, new)
    errors = load_errors(folder)
    hits = [e for e in errors if e.code == code]
    assert hits, [str(e) for e in errors]
    err = hits[0]
    assert err.position.path == str(target)
    assert err.position.line is not None and line <= err.position.line <= line + new.count("\n") + 1, str(err)
    assert fragment in str(err)


def test_misspelt_field_points_at_the_column(broken) -> None:
    folder, target, line = broken("article10.yaml", "when: payee_is_fiscal_funded",
                                  "when: payee_is_fiscal_funded and payye == \"x\"")
    err = next(e for e in load_errors(folder) if e.code == "unknown-symbol")
    source_line = target.read_text(encoding="utf-8").splitlines()[err.position.line - 1]
    assert source_line[err.position.column - 1:].startswith("payye")
    assert "payee" in (err.hint or "")


def test_all_problems_are_reported_at_once(broken, tmp_path) -> None:
    folder, target, _ = broken("article10.yaml", "when: not fundable", "when: not fundabel")
    other = folder / "article11.yaml"
    other.write_text(other.read_text(encoding="utf-8").replace("severity: error", "severity: fatal", 1), encoding="utf-8")
    codes = {(Path(e.position.path).name, e.code) for e in load_errors(folder)}
    assert ("article10.yaml", "unknown-symbol") in codes
    assert ("article11.yaml", "invalid-field") in codes


def test_yaml_syntax_error_and_missing_folder(broken, tmp_path) -> None:
    folder, target, _ = broken("article12_13.yaml", "rules:\n", "rules: [\n")
    assert any(e.code == "yaml-syntax" for e in load_errors(folder))
    assert load_errors(tmp_path / "nowhere")[0].code == "pack-not-found"


def test_clawback_only_on_errors(broken) -> None:
    folder, _, _ = broken("article10.yaml", "    severity: error\n    when: not fundable",
                          "    severity: warning\n    when: not fundable")
    err = next(e for e in load_errors(folder) if e.code == "invalid-field")
    assert "clawback" in str(err)


def test_category_groups_are_read_and_reach_conditions(pack) -> None:
    assert "委托业务费" in pack.categories.groups["服务类"]
    assert pack.categories.groups_of("会议费") == {"服务类"}
    assert pack.categories.groups_of("其他费用") == frozenset()


def test_named_conditions_are_evaluated_per_entry(pack, project) -> None:
    from qianqi_rules.evaluate.context import EntryContext
    from qianqi_rules.models import EntryRecord
    import datetime as dt
    from decimal import Decimal

    assert [d.name for d in pack.definitions][:2] == ["work_product", "work_subject"]
    context = EntryContext(pack, project)

    def ctx(category: str, description: str) -> dict:
        fields = dict.fromkeys(EntryRecord._fields)
        fields.update(row=2, entry_id="2", date=dt.date(2025, 6, 1), category=category, amount=Decimal(1),
                      description=description, payee="赵六")
        return context.build(EntryRecord(**fields))[0]

    assert ctx("委托业务费", "委托化验月饼馅料")["work_product"]
    assert not ctx("其他费用", "中秋月饼")["work_product"]
    assert ctx("其他费用", "北京市内交通费（往返全聚德试点现场）")["named_item"]
    assert ctx("会议费", "研讨会场地费")["work_subject"] and not ctx("会议费", "研讨会场地费")["work_product"]


def test_named_conditions_are_computed_only_when_a_rule_reads_them(broken, project) -> None:
    from qianqi_rules import RuleRuntimeError, check_entries

    folder, _, _ = broken("definitions.yaml", "definitions:\n",
                          "definitions:\n  fails_at_run_time:\n    description: 除以零\n    when: amount / 0 > 1\n\n")
    text = (folder / "article11.yaml").read_text(encoding="utf-8")
    (folder / "article11.yaml").write_text(
        text.replace("""when: '"管理费" in mentions or""", """when: '("管理费" in mentions and not fails_at_run_time) or""", 1),
        encoding="utf-8")
    pack = load_rules([folder])

    def check(description: str):
        return check_entries([{"row": 2, "date": "2025-06-01", "category": "会议费", "amount": "100",
                               "description": description, "payee": "赵六", "project_code": project.code}],
                             project, pack)

    assert check("研讨会场地费").violations == []  # QQ1140 does not apply: its named condition is never computed
    with pytest.raises(RuleRuntimeError) as failure:
        check("收取管理费")
    assert "fails_at_run_time" in str(failure.value) and "definitions.yaml" in str(failure.value.position)


def test_rules_tried_on_every_entry_are_few_and_known(pack) -> None:
    """A rule with no word family to wait for runs on every entry of its categories; keep that list short.

    A pattern test (``description =~ …``) written beside the word families, rather than behind one, puts a
    rule here and costs every entry (it once cost 12 % of a 200,000-row check).
    """
    always = sorted(
        r.id for r in pack.active_rules
        if r.kind == "entry" and r.when is not None and r.when.triggers is None and r.when.payee_triggers is None
        and r.categories is None
    )
    # each reviewed: a category, date, code or roster test, or a pattern that has no word family to wait for
    assert always == ["QQ1000", "QQ1126", "QQ1160", "QQ1200", "QQ1311", "QQ1321", "QQ1322", "QQ1323", "QQ1325"]


@pytest.mark.parametrize(
    ("filename", "old", "new"),
    [
        ("pack.yaml", "  version: \"2025.1\"\n", "  version: [\"2025.1\"\n"),
        ("terms.yaml", "terms:\n", "terms: {\n"),
        ("pack.yaml", "pack:\n", "pack:\n\t"),
    ],
    ids=["pack-meta-file", "terms-file", "tab"],
)
def test_a_yaml_syntax_error_is_the_only_problem_reported(broken, filename, old, new) -> None:
    folder, target, _ = broken(filename, old, new)
    errors = load_errors(folder)
    assert [(Path(e.position.path).name, e.code) for e in errors] == [(filename, "yaml-syntax")]
    assert errors[0].position.line is not None


def test_syntax_errors_in_two_files_are_both_reported(broken) -> None:
    folder, _, _ = broken("article10.yaml", "rules:\n", "rules: [\n")
    other = folder / "article11.yaml"
    other.write_text(other.read_text(encoding="utf-8").replace("rules:\n", "rules: [\n", 1), encoding="utf-8")
    codes = sorted((Path(e.position.path).name, e.code) for e in load_errors(folder))
    assert codes == [("article10.yaml", "yaml-syntax"), ("article11.yaml", "yaml-syntax")]
