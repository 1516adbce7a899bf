"""The package as installed: every sub-package listed for setuptools, the rule pack shipped as data."""

from __future__ import annotations

from pathlib import Path

import tomllib

REPO = Path(__file__).parent.parent


def test_every_subpackage_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(REPO / "src").parts)
        for path in (REPO / "src").rglob("__init__.py")
    }
    assert found | {"qianqi_rules.pack"} == listed


def test_the_bundled_pack_ships_its_files(pack) -> None:
    names = {Path(f).name for layer in pack.layers for f in layer.files}
    assert {"pack.yaml", "categories.yaml", "terms.yaml", "article10.yaml", "fees.yaml"} <= names
    assert pack.regulation and pack.standards
