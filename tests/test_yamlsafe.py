import pytest

from qianqi_rules.yamlsafe import MAX_NODES, YamlLoadError, load_yaml_text


def test_positions_are_one_based_and_by_path() -> None:
    doc = load_yaml_text("a: 1\nrules:\n  - id: X\n    when: amount > 1\n", "f.yaml")
    assert doc.data == {"a": 1, "rules": [{"id": "X", "when": "amount > 1"}]}
    pos = doc.position(("rules", 0, "when"))
    assert (pos.line, pos.column) == (4, 11)
    key = doc.position(("rules", 0, "when"), key=True)
    assert (key.line, key.column) == (4, 5)
    assert doc.position(("rules", 0, "missing")).line == 3  # falls back to the parent


def test_offset_inside_scalars() -> None:
    text = 'a: "x > y"\nb: |\n  first line\n  second line\nc: >-\n  folded one\n  folded two\n'
    doc = load_yaml_text(text, "f.yaml")
    assert (doc.offset_position(("a",), 4).line, doc.offset_position(("a",), 4).column) == (1, 9)
    second = doc.offset_position(("b",), len("first line\n") + 3)
    assert (second.line, second.column) == (4, 6)
    folded = doc.offset_position(("c",), len("folded one ") + 2)
    assert (folded.line, folded.column) == (7, 5)


def test_duplicate_keys_are_reported_not_silently_dropped() -> None:
    doc = load_yaml_text("rules:\n  a: 1\n  a: 2\n", "f.yaml")
    assert [p.code for p in doc.problems] == ["duplicate-key"]
    assert doc.problems[0].position.line == 3
    assert "第 2 行" in doc.problems[0].message


@pytest.mark.parametrize(
    "text",
    ["!!python/object/apply:os.system ['echo pwned']\n", "a: !!python/name:os.system\n", "a: !custom {x: 1}\n"],
)
def test_python_and_custom_tags_are_refused(text: str) -> None:
    with pytest.raises(YamlLoadError) as info:
        load_yaml_text(text, "f.yaml")
    assert info.value.problem.code == "yaml-tag"


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(YamlLoadError) as info:
        load_yaml_text("\n".join(lines) + "\n", "bomb.yaml")
    assert info.value.problem.code == "yaml-too-many-nodes"
    assert str(MAX_NODES) in info.value.problem.message


def test_syntax_error_has_a_line() -> None:
    with pytest.raises(YamlLoadError) as info:
        load_yaml_text("a: [1, 2\nb: 3\n", "f.yaml")
    assert info.value.problem.code == "yaml-syntax"
    assert info.value.problem.position.line is not None


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 1000 + "]" * 1000 + "\n",
        "a: " + "{b: " * 1000 + "1" + "}" * 1000 + "\n",
        "".join("  " * i + "k:\n" for i in range(1000)) + "  " * 1000 + "v\n",
        "- " * 1000 + "x\n",
    ],
    ids=["flow-sequences", "flow-mappings", "block-mappings", "block-sequences"],
)
def test_nesting_a_thousand_deep_is_a_coded_problem_not_a_recursion_error(text: str) -> None:
    with pytest.raises(YamlLoadError) as info:
        load_yaml_text(text, "deep.yaml")
    problem = info.value.problem
    assert problem.code == "yaml-too-deep"
    assert problem.position.path == "deep.yaml" and problem.position.line is not None


def test_nesting_just_within_the_limit_loads() -> None:
    from qianqi_rules.yamlsafe import MAX_DEPTH

    doc = load_yaml_text("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n", "f.yaml")
    assert isinstance(doc.data["a"], list)


def test_deep_project_and_waiver_files_are_coded_errors(tmp_path) -> None:
    from qianqi_rules import ProjectFileError, load_project
    from qianqi_rules.waivers import WaiverFileError, load_waivers

    path = tmp_path / "deep.yaml"
    path.write_text("code: " + "[" * 1000 + "]" * 1000 + "\n", encoding="utf-8")
    for load, kind in ((load_project, ProjectFileError), (load_waivers, WaiverFileError)):
        with pytest.raises(kind) as info:
            load(path)
        assert info.value.code == "yaml-too-deep"
        assert str(info.value).startswith(f"{path}:1:")
