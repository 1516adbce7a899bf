"""The readers of a pack's sections other than ``rules``: one function a section, each recording its problems.

``pack``, ``categories``, ``terms``, ``standards``, ``masks``, ``ledger``,
``example_project``, ``example_defaults`` and ``definitions``; a layered pack
adds to (or keeps) what the packs below it define.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from rule_engine import DataType

from ..errors import Position, ProjectFileError
from ..ledger.headers import COLUMN_FIELDS as LEDGER_COLUMN_FIELDS
from ..models import Project
from ..project import project_from_document
from ..regulation import Article, load_regulation
from ..values import normalise_name
from ..yamlsafe import YamlDocument
from .categories import CategoryTable
from .expressions import ExpressionError, compile_expression
from .pack import Definition, LedgerSettings
from .reading import Problems, meta_position, sections, single_section, validated
from .regex_safety import PatternError, compile_pattern
from .rule_checks import _columns_of, _entry_symbols
from .spec import (
    DEFINITION_NAME_PATTERN,
    DefinitionSpec,
    LedgerSpec,
    MaskSpec,
    PackMeta,
    StandardSpec,
    TermSpec,
)
from .standards import Standard
from .symbols import ENTRY_SYMBOLS, GROUP_SYMBOLS
from .terms import TermFamily


def read_meta(docs: list[YamlDocument], loader: Problems, folder: Path) -> PackMeta:
    got = single_section(docs, "pack", dict, loader, "映射（name、version …）")
    if got is None:
        loader.error(Position(str(folder)), "规则包缺少 pack 元数据（name、version）", "pack-missing-meta",
                     "在 pack.yaml 中写 pack: {name: …, version: …}")
        return PackMeta(name=folder.name, version="0")
    doc, data = got
    return validated(PackMeta, data, doc, ("pack",), loader, "pack") or PackMeta(name=folder.name, version="0")


def read_regulation(docs: list[YamlDocument], loader: Problems, folder: Path, meta: PackMeta) -> dict[int, Article]:
    if not meta.regulation:
        return {}
    path = folder / meta.regulation
    try:
        return load_regulation(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        loader.error(meta_position(docs, folder, "regulation"), f"无法读取管理办法原文 {path}: {exc}",
                     "pack-regulation")
        return {}


def read_categories(docs: list[YamlDocument], loader: Problems, folder: Path) -> CategoryTable:
    got = single_section(docs, "categories", dict, loader, "“科目名称: [别名…]”的映射")
    if got is None:
        loader.error(Position(str(folder)), "规则包缺少 categories（第十条九类支出及其别名）", "pack-missing-categories")
        return CategoryTable.build({})
    doc, data = got
    table: dict[str, list[str]] = {}
    for name, aliases in data.items():
        aliases = [] if aliases is None else aliases
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            loader.error(doc.position(("categories", name)), f"科目 {name} 的别名应是文字列表", "invalid-field")
            continue
        table[str(name)] = aliases
    groups: dict[str, list[str]] = {}
    got_groups = single_section(docs, "category_groups", dict, loader, "“科目组名称: [科目…]”的映射")
    if got_groups is not None:
        gdoc, gdata = got_groups
        for group, members in gdata.items():
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                loader.error(gdoc.position(("category_groups", group)), f"科目组 {group} 应是科目名称的列表",
                             "invalid-field")
                continue
            for i, member in enumerate(members):
                if member not in table:
                    loader.error(gdoc.position(("category_groups", group, i)),
                                 f"科目组 {group} 中的 {member!r} 不是 categories 中的科目", "unknown-category",
                                 f"可用: {'、'.join(table)}")
            groups[str(group)] = [m for m in members if m in table]
    return CategoryTable.build(table, groups)


def read_terms(docs: list[YamlDocument], loader: Problems, below: dict[str, TermFamily]) -> dict[str, TermFamily]:
    """Word families; a layered pack may add families, replace one of the packs below by name (``words``)
    or add words to one (``words_add``, with ``except`` and ``not_followed_by`` added likewise)."""
    families = dict(below)
    defined: set[str] = set()
    for doc, data in sections(docs, "terms", dict, loader, "“词族名称: {words: [...]}”的映射"):
        for name, spec in data.items():
            if name in defined:
                loader.error(doc.position(("terms", name), key=True), f"词族 {name!r} 重复定义", "duplicate-term")
                continue
            defined.add(name)
            term = validated(TermSpec, spec, doc, ("terms", name), loader, f"词族 {name}")
            if term is not None and term.words_add is not None:
                family = below.get(str(name))
                if family is None:
                    loader.error(doc.position(("terms", name), key=True),
                                 f"词族 {name!r} 不在下层规则包中，不能用 words_add 加词", "unknown-term",
                                 "words_add 只用于叠加的规则包（extends），给下层规则包的词族加词；新的词族请写 words。")
                    continue
                added = tuple(w for w in dict.fromkeys(term.words_add) if w not in family.words)
                families[str(name)] = replace(
                    family, words=family.words + added,
                    excepts=family.excepts + tuple(w for w in term.excepts if w not in family.excepts),
                    not_followed_by=family.not_followed_by + tuple(
                        w for w in term.not_followed_by if w not in family.not_followed_by),
                )
            elif term is not None and term.words is not None:
                families[str(name)] = TermFamily(
                    str(name), tuple(term.words), tuple(term.excepts), tuple(term.not_followed_by), term.description,
                    term.qualifier,
                )
    return families


def read_standards(
    docs: list[YamlDocument], loader: Problems, below: dict[str, Standard]
) -> dict[str, Standard]:
    """Article 6 standards; a layered pack may add standards or replace one by id."""
    aliases: dict[str, dict[str, str]] = {}
    for doc, data in sections(docs, "aliases", dict, loader, "“列名: {标准写法: [别名…]}”的映射"):
        for column, table in data.items():
            if not isinstance(table, dict):
                loader.error(doc.position(("aliases", column)), f"aliases.{column} 应是映射", "invalid-field")
                continue
            for canonical, variants in table.items():
                variants = variants if isinstance(variants, list) else [variants]
                for variant in [canonical, *variants]:
                    aliases.setdefault(str(column), {})[normalise_name(str(variant))] = str(canonical)
    standards = dict(below)
    for doc, data in sections(docs, "standards", dict, loader, "“标准编号: {…}”的映射"):
        for name, spec_data in data.items():
            spec = validated(StandardSpec, spec_data, doc, ("standards", name), loader, f"开支标准 {name} ")
            if spec is None:
                continue
            standards[str(name)] = Standard(
                id=str(name),
                title=spec.title,
                source=spec.source,
                unit=spec.unit,
                basis=spec.basis,
                after_tax=spec.after_tax,
                key=spec.key,
                rates={k: Decimal(v) for k, v in (spec.rates or {}).items()},
                rate=spec.rate,
                default=spec.default,
                effective_from=spec.effective.start if spec.effective else None,
                effective_until=spec.effective.end if spec.effective else None,
                half_day_share=spec.half_day_share,
                full_rate_days=spec.full_rate_days,
                later_day_share=spec.later_day_share,
                mode_shares={normalise_name(k): v for k, v in spec.mode_shares.items()},
                max_hours_per_half_day=spec.max_hours_per_half_day,
                aliases=aliases.get(spec.key or "", {}),
                estimate_persons=spec.estimate.persons,
                estimate_unstated_key=spec.estimate.unstated_key,
                estimate_unlisted_cap=spec.estimate.unlisted_cap,
            )
    return standards


def read_masks(docs: list[YamlDocument], loader: Problems) -> list[Any]:
    """The pack's masks, compiled by RE2 (see :mod:`.regex_safety`): blanking them takes linear time."""
    masks: list[Any] = []
    for doc, data in sections(docs, "masks", list, loader, "列表（每项有 pattern 和 description）"):
        for i, item in enumerate(data):
            spec = validated(MaskSpec, item, doc, ("masks", i), loader, "masks")
            if spec is None:
                continue
            try:
                masks.append(compile_pattern(spec.pattern))
            except PatternError as exc:
                loader.error(doc.offset_position(("masks", i, "pattern"), exc.offset), f"masks 的{exc.message}",
                             exc.code, exc.hint)
    return masks


def read_ledger_settings(docs: list[YamlDocument], loader: Problems, below: LedgerSettings) -> LedgerSettings:
    """``ledger:`` sections add counter-entry accounts and headers to those of the packs below."""
    settings = below
    for doc, data in sections(docs, "ledger", dict, loader, "映射（counter_accounts、columns）"):
        spec = validated(LedgerSpec, data, doc, ("ledger",), loader, "ledger ")
        if spec is None:
            continue
        columns: dict[str, list[str]] = {}
        for name, headers in spec.columns.items():
            if name not in LEDGER_COLUMN_FIELDS:
                close = get_close_matches(name, LEDGER_COLUMN_FIELDS, n=1)
                loader.error(doc.position(("ledger", "columns", name), key=True), f"ledger.columns 中的字段 {name!r} 不存在",
                             "unknown-field", f"是不是想写 {close[0]}？" if close else f"可用: {', '.join(LEDGER_COLUMN_FIELDS)}")
                continue
            columns[name] = [headers] if isinstance(headers, str) else list(headers)
        accounts = spec.counter_accounts.model_dump()
        for key in ("codes", "cash_codes"):
            for code in accounts[key]:
                if not code.strip().isdigit():
                    loader.error(doc.position(("ledger", "counter_accounts", key)), f"科目编码 {code!r} 应只含数字",
                                 "invalid-field")
        settings = settings.layered(accounts, columns)
    return settings


def read_example_project(
    docs: list[YamlDocument], loader: Problems, folder: Path, categories: CategoryTable
) -> Project | None:
    got = single_section(docs, "example_project", dict, loader, "项目文件格式的映射")
    if got is None:
        loader.error(Position(str(folder)), "规则包缺少 example_project（规则示例在这个示例项目上运行）",
                     "pack-missing-example-project")
        return None
    doc, _ = got
    try:
        return project_from_document(doc, categories, ("example_project",))
    except ProjectFileError as exc:
        loader.error(exc.position or doc.position(("example_project",)), f"example_project: {exc.message}",
                     exc.code, exc.hint)
        return None


def read_defaults(docs: list[YamlDocument], loader: Problems) -> dict[str, Any]:
    got = single_section(docs, "example_defaults", dict, loader, "映射（字段: 默认值）")
    return dict(got[1]) if got else {}


_DEFINITION_NAME = re.compile(DEFINITION_NAME_PATTERN)


def read_definitions(
    docs: list[YamlDocument],
    loader: Problems,
    categories: CategoryTable,
    families: Mapping[str, TermFamily],
    below: tuple[Definition, ...],
) -> tuple[Definition, ...]:
    """Named conditions, in order: each may use the ones before it (and those of the packs below)."""
    defined = {d.name: d for d in below}
    for doc, data in sections(docs, "definitions", dict, loader, "“名称: {description, when}”的映射"):
        for name, spec_data in data.items():
            where = doc.position(("definitions", name), key=True)
            if not isinstance(name, str) or not _DEFINITION_NAME.match(name):
                loader.error(where, f"命名条件的名称 {name!r} 应以英文小写字母开头，只含小写字母、数字和下划线",
                             "definition-name", "例如 work_subject；规则的条件里直接写这个名称。")
                continue
            if name in defined or name in ENTRY_SYMBOLS or name in GROUP_SYMBOLS:
                loader.error(where, f"命名条件 {name} 与已有的名称重复", "definition-name",
                             "换一个名称；已有的命名条件不能重新定义。")
                continue
            spec = validated(DefinitionSpec, spec_data, doc, ("definitions", name), loader, f"命名条件 {name} ")
            if spec is None:
                continue
            try:
                expression = compile_expression(spec.when, _entry_symbols(defined), expect=DataType.BOOLEAN,
                                                terms=families, groups=categories.groups, what=f"命名条件 {name}")
            except ExpressionError as exc:
                loader.error(doc.offset_position(("definitions", name, "when"), exc.offset),
                             f"命名条件 {name} 的{exc.message}", exc.code, exc.hint)
                continue
            defined[name] = Definition(name, spec.description, expression, doc.position(("definitions", name)),
                                       _columns_of(expression, defined))
    return tuple(defined.values())
