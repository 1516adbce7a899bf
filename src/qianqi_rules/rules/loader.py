"""Loading a rule pack: every problem, with file:line:col, all at once; layering packs; the bundled pack.

Loading is split by job: :mod:`.reading` reads the files and keeps the
problem log, :mod:`.sections` reads each top-level section, :mod:`.rule_checks`
builds each rule and checks its cross-references; this module layers a pack
over the packs below it (``extends``, ``overrides``).  A problem is recorded
and loading goes on, so a finance officer sees every mistake in one run.
Only a pack without problems becomes a :class:`~.pack.RulePack`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from ..errors import Position, RuleFileError, RulePackError
from ..regulation import Article
from ..yamlsafe import YamlDocument, YamlLoadError, load_yaml_file
from .pack import LedgerSettings, PackLayer, Rule, RulePack, bundled_pack_path
from .reading import Problems, field_hint, meta_position, pack_files, sections, validated
from .rule_checks import read_rules
from .sections import (
    read_categories,
    read_defaults,
    read_definitions,
    read_example_project,
    read_ledger_settings,
    read_masks,
    read_meta,
    read_regulation,
    read_standards,
    read_terms,
)
from .spec import FILE_KEYS, OverrideSpec
from .terms import TermScanner


def load_pack_folder(
    folder: Path, base: RulePack | None = None, default_base: Callable[[], RulePack] | None = None
) -> RulePack:
    """Read every ``*.yaml`` file of ``folder`` and check the pack they make, layered on ``base`` if it extends one.

    ``default_base`` supplies the pack to extend when ``base`` is None (the bundled pack).
    """
    loader = Problems()
    if not folder.is_dir():
        raise RulePackError([RuleFileError("规则目录不存在", position=Position(str(folder)), code="pack-not-found")])
    files = pack_files(folder)
    if not files:
        raise RulePackError(
            [RuleFileError("规则目录中没有 .yaml 文件", position=Position(str(folder)), code="pack-empty")]
        )
    docs: list[YamlDocument] = []
    digest = hashlib.sha256()
    unreadable = False  # a file that could not be read at all may hold any section: judge nothing across files
    for file in files:
        try:
            raw = file.read_bytes()
            doc = load_yaml_file(file)
        except YamlLoadError as exc:
            p = exc.problem
            loader.error(p.position, p.message, p.code, p.hint)
            unreadable = True
            continue
        except OSError as exc:
            loader.error(Position(str(file)), f"无法读取: {exc.strerror}", "pack-unreadable")
            unreadable = True
            continue
        digest.update(str(file.relative_to(folder)).encode() + b"\0" + raw + b"\0")
        for p in doc.problems:
            loader.error(p.position, p.message, p.code, p.hint)
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            loader.error(doc.position(), "规则文件的顶层应是映射（pack:/categories:/terms:/rules:）", "file-shape")
            continue
        for key in doc.data:
            if key not in FILE_KEYS:
                loader.error(doc.position((key,), key=True), f"未知的顶层字段 {key!r}（可用: {', '.join(FILE_KEYS)}）",
                             "unknown-field", field_hint(str(key)))
        docs.append(doc)
    if unreadable:
        # the sections of an unreadable file are unknown: "pack: missing", unknown word families and the
        # like would be false, so report what is wrong with each file and stop
        raise RulePackError(loader.errors)

    meta = read_meta(docs, loader, folder)
    if meta.extends:
        if base is None and default_base is not None:
            base = default_base()
        if base is None or meta.extends not in {layer.name for layer in base.layers}:
            under = base.name if base is not None else "（无）"
            loader.error(meta_position(docs, folder, "extends"),
                         f"规则包声明 extends: {meta.extends}，但它下面的规则包是 {under}", "pack-bad-extends",
                         "extends 要写被叠加的规则包的 name（随软件发布的规则包是 qianqi-bundled）。")
            raise RulePackError(loader.errors)
    elif base is not None:
        loader.error(meta_position(docs, folder, "name"),
                     f"规则包 {meta.name} 是完整的规则包，不能叠加在 {base.name} 之上", "pack-not-overlay",
                     "叠加用的规则包要在 pack 中写 extends: 被叠加的规则包名称。")
        raise RulePackError(loader.errors)

    standards = read_standards(docs, loader, dict(base.standards) if base is not None else {})
    if base is None:
        categories = read_categories(docs, loader, folder)
        families = read_terms(docs, loader, {})
        masks = read_masks(docs, loader)
        example_project = read_example_project(docs, loader, folder, categories)
        defaults = read_defaults(docs, loader)
        regulation: Mapping[int, Article] = read_regulation(docs, loader, folder, meta)
        below: list[Rule] = []
        for doc, _ in sections(docs, "overrides", dict, loader, "映射"):
            loader.error(doc.position(("overrides",), key=True), "overrides 只能写在叠加的规则包（有 extends）中",
                         "overlay-only")
    else:
        for key in ("categories", "category_groups", "example_project"):
            for doc, _ in sections(docs, key, object, loader, ""):
                loader.error(doc.position((key,), key=True), f"叠加的规则包不能重新定义 {key}（沿用 {base.name} 的）",
                             "overlay-redefines")
        categories = base.categories
        families = read_terms(docs, loader, dict(base.terms))
        masks = list(base.masks) + read_masks(docs, loader)
        example_project = base.example_project
        defaults = {**base.example_defaults, **read_defaults(docs, loader)}
        regulation = base.regulation
        below = _apply_overrides(docs, loader, base.rules, meta.name)
    definitions = read_definitions(docs, loader, categories, families, base.definitions if base is not None else ())
    ledger = read_ledger_settings(docs, loader, base.ledger if base is not None else LedgerSettings())
    layer = PackLayer(
        name=meta.name,
        version=meta.version,
        path=str(folder),
        sha256=digest.hexdigest(),
        files=tuple(str(f) for f in files),
        source=meta.source,
        description=meta.description,
        extends=meta.extends,
        effective_from=meta.effective.start if meta.effective else None,
        effective_until=meta.effective.end if meta.effective else None,
    )
    rules = read_rules(docs, loader, categories, families, standards, layer, below, definitions)
    if loader.errors:
        raise RulePackError(loader.errors)
    return RulePack(
        layers=(base.layers if base is not None else ()) + (layer,),
        rules=tuple(below) + tuple(rules),
        categories=categories,
        terms=families,
        masks=tuple(masks),
        standards=standards,
        example_project=example_project,
        example_defaults=defaults,
        regulation=regulation,
        definitions=definitions,
        scanner=TermScanner(families, masks),
        ledger=ledger,
    )


def _apply_overrides(docs: list[YamlDocument], loader: Problems, rules: tuple[Rule, ...], layer: str) -> list[Rule]:
    """The rules below, with this layer's severity changes and disablings applied (as new objects)."""
    by_id = {r.id: i for i, r in enumerate(rules)}
    out = list(rules)
    for doc, data in sections(docs, "overrides", dict, loader, "“规则编号: {severity: …, disabled: …}”的映射"):
        for rule_id, spec_data in data.items():
            spec = validated(OverrideSpec, spec_data, doc, ("overrides", rule_id), loader, f"overrides 中 {rule_id} ")
            if spec is None:
                continue
            index = by_id.get(str(rule_id))
            if index is None:
                close = get_close_matches(str(rule_id), list(by_id), n=1)
                loader.error(doc.position(("overrides", rule_id), key=True), f"overrides 中的规则 {rule_id} 不存在",
                             "unknown-rule", f"是不是想写 {close[0]}？" if close else None)
                continue
            rule = out[index]
            changes: dict[str, Any] = {}
            notes = []
            if spec.severity is not None and spec.severity != rule.severity:
                changes["severity"] = spec.severity
                if spec.severity != "error":
                    changes["clawback"] = "none"
                notes.append(f"{layer}: severity {rule.severity} → {spec.severity}")
            if spec.disabled:
                changes["disabled"] = True
                notes.append(f"{layer}: disabled" + (f"（{spec.reason}）" if spec.reason else ""))
            if changes:
                out[index] = replace(rule, changes=rule.changes + tuple(notes), **changes)
    return out


_DEFAULT_PACK: RulePack | None = None


def default_pack() -> RulePack:
    """The bundled pack, loaded once per process (it is immutable)."""
    global _DEFAULT_PACK
    if _DEFAULT_PACK is None:
        _DEFAULT_PACK = load_pack(bundled_pack_path())
    return _DEFAULT_PACK


def load_pack(path: str | Path, base: RulePack | None = None) -> RulePack:
    """Load and check one pack folder, on top of ``base`` when it ``extends`` another pack.

    Raises :class:`~qianqi_rules.errors.RulePackError` listing every problem.
    """
    return load_pack_folder(Path(path), base)


def load_packs(paths: Sequence[str | Path]) -> RulePack:
    """Layer pack folders in order.

    The first folder is either a complete pack or one that ``extends`` the
    bundled pack; every later folder must ``extends`` the packs below it.
    """
    pack: RulePack | None = None
    for path in paths:
        pack = load_pack_folder(Path(path), pack, default_base=default_pack)
    return pack if pack is not None else default_pack()
