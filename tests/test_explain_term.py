"""``qianqi-rules explain --term``: a word family's words and every rule it reaches."""

from __future__ import annotations

from pathlib import Path

from qianqi_rules import load_rules
from qianqi_rules.authoring import term_reach
from qianqi_rules.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_term_lists_the_words_and_the_rules(capsys) -> None:
    code, out, _ = run(capsys, "explain", "--term", "福利奖金")
    assert code == 0
    pack = load_rules()
    family = pack.terms["福利奖金"]
    assert f"词（{len(family.words)} 个）" in out and "年终奖" in out and "福利院" in out  # words and except
    for rule in pack.rules:
        if "福利奖金" in rule.entry_terms:
            assert f"{rule.id} {rule.title}" in out


def test_rules_reached_through_named_conditions_and_shared_lists(capsys) -> None:
    pack = load_rules()
    reach = term_reach(pack, "服务内容")
    through = {r.id: names for r, names in reach.through}
    users = {r.id for r in pack.rules if {"work_subject"} & set().union(*(e.symbols for e in r.expressions))}
    assert users and users - {r.id for r in reach.direct} <= set(through)  # every rule reading work_subject
    assert all("服务内容" not in pack.rule(rule_id).entry_terms for rule_id in through)
    code, out, _ = run(capsys, "explain", "--term", "服务内容")
    assert code == 0 and "经由 work_subject" in out and "用到它的命名条件" in out
    welfare = term_reach(pack, "福利奖金")
    shared = dict((name, common) for name, common, _ in welfare.sharing)
    assert "行业" in shared["礼品"]  # the not_followed_by list written once under shared: and used by both


def test_explain_term_sees_an_overlay_words_add(tmp_path: Path, capsys) -> None:
    (tmp_path / "pack.yaml").write_text("pack: {name: office, version: '1', extends: qianqi-bundled}\n",
                                        encoding="utf-8")
    (tmp_path / "terms.yaml").write_text("terms:\n  福利奖金:\n    words_add: [团年饭]\n", encoding="utf-8")
    code, out, _ = run(capsys, "explain", "--term", "福利奖金", "--rules", str(tmp_path))
    assert code == 0 and "团年饭" in out


def test_an_unknown_term_is_a_coded_error(capsys) -> None:
    code, out, err = run(capsys, "explain", "--term", "福利奖")
    assert code == 2 and "[unknown-term]" in err and "福利奖金" in err and out == ""
    code, _, err = run(capsys, "explain")
    assert code == 2 and "--term" in err
