"""Checking a rule pack while loading it: every problem, with file:line:col, all at once.

Each top-level section (``pack``, ``categories``, ``terms``, ``masks``,
``example_project``, ``rules``) is read by its own function; a problem is
recorded and loading goes on, so a finance officer sees every mistake in one
run.  Only a pack without problems becomes a :class:`~.pack.RulePack`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from decimal import Decimal
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from rule_engine import DataType

from ..citations import citation_problem
from ..errors import Position, ProjectFileError, RuleFileError, RulePackError
from ..models import LEDGER_FIELDS, Citation, Project
from ..project import project_from_document
from ..pydantic_messages import chinese_message
from ..regulation import Article, load_regulation
from ..values import normalise_name
from ..yamlsafe import PathKey, YamlDocument, YamlLoadError, load_yaml_file
from .categories import CategoryTable
from .expressions import Expression, ExpressionError, compile_expression
from .kind_spec import KIND_SPECS
from ..ledger.headers import COLUMN_FIELDS as LEDGER_COLUMN_FIELDS
from .pack import Definition, LedgerSettings, PackLayer, Rule, RulePack
from .regex_safety import PatternError, compile_pattern
from .spec import (
    DEFINITION_NAME_PATTERN,
    FILE_KEYS,
    DefinitionSpec,
    LedgerSpec,
    MaskSpec,
    OverrideSpec,
    PackMeta,
    RuleSpec,
    StandardSpec,
    TermSpec,
)
from .standards import Standard
from .symbols import (
    ENTRY_SYMBOLS,
    GROUP_SYMBOLS,
    OPTIONAL_PROJECT_ATTRIBUTES,
    SYMBOL_COLUMNS,
    SYMBOL_PROJECT_FIELDS,
)
from .templates import TemplateError, check_template
from .terms import TermFamily, TermScanner


class _Loader:
    def __init__(self) -> None:
        self.errors: list[RuleFileError] = []

    def error(self, position: Position, message: str, code: str, hint: str | None = None) -> None:
        self.errors.append(RuleFileError(message, position=position, code=code, hint=hint))

    def pydantic_errors(self, doc: YamlDocument, base: PathKey, exc: ValidationError, what: str) -> None:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if p != "__root__")
            if err["type"] == "extra_forbidden":
                path = base + loc
                self.error(doc.position(path, key=True), f"{what}中有未知字段 {loc[-1]!r}", "unknown-field",
                           _field_hint(str(loc[-1])))
            elif err["type"] == "missing":
                self.error(doc.position(base + loc[:-1]), f"{what}缺少必填字段 {loc[-1]!r}", "missing-field")
            else:
                where = ".".join(str(p) for p in loc)
                message = chinese_message(err)
                label = f"{what}的 {where}" if where else what
                self.error(doc.position(base + loc), f"{label}: {message}", "invalid-field")


_KNOWN_RULE_FIELDS = tuple(RuleSpec.model_fields)
EXAMPLE_FIELDS = ("row",) + LEDGER_FIELDS


def _field_hint(name: str) -> str | None:
    close = get_close_matches(name, _KNOWN_RULE_FIELDS + FILE_KEYS, n=1)
    return f"是不是想写 {close[0]}？" if close else None


def _pack_files(path: Path) -> list[Path]:
    """The pack's YAML files: those in the folder and those in its ``standards/`` sub-folder."""
    files = sorted(p for p in path.glob("*.yaml") if p.is_file())
    return files + sorted(p for p in (path / "standards").glob("*.yaml") if p.is_file())


def load_pack_folder(
    folder: Path, base: RulePack | None = None, default_base: Callable[[], RulePack] | None = None
) -> RulePack:
    """Read every ``*.yaml`` file of ``folder`` and check the pack they make, layered on ``base`` if it extends one.

    ``default_base`` supplies the pack to extend when ``base`` is None (the bundled pack).
    """
    loader = _Loader()
    if not folder.is_dir():
        raise RulePackError([RuleFileError("规则目录不存在", position=Position(str(folder)), code="pack-not-found")])
    files = _pack_files(folder)
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
                             "unknown-field", _field_hint(str(key)))
        docs.append(doc)
    if unreadable:
        # the sections of an unreadable file are unknown: "pack: missing", unknown word families and the
        # like would be false, so report what is wrong with each file and stop
        raise RulePackError(loader.errors)

    meta = _read_meta(docs, loader, folder)
    if meta.extends:
        if base is None and default_base is not None:
            base = default_base()
        if base is None or meta.extends not in {layer.name for layer in base.layers}:
            under = base.name if base is not None else "（无）"
            loader.error(_meta_position(docs, folder, "extends"),
                         f"规则包声明 extends: {meta.extends}，但它下面的规则包是 {under}", "pack-bad-extends",
                         "extends 要写被叠加的规则包的 name（随软件发布的规则包是 qianqi-bundled）。")
            raise RulePackError(loader.errors)
    elif base is not None:
        loader.error(_meta_position(docs, folder, "name"),
                     f"规则包 {meta.name} 是完整的规则包，不能叠加在 {base.name} 之上", "pack-not-overlay",
                     "叠加用的规则包要在 pack 中写 extends: 被叠加的规则包名称。")
        raise RulePackError(loader.errors)

    standards = _read_standards(docs, loader, dict(base.standards) if base is not None else {})
    if base is None:
        categories = _read_categories(docs, loader, folder)
        families = _read_terms(docs, loader, {})
        masks = _read_masks(docs, loader)
        example_project = _read_example_project(docs, loader, folder, categories)
        defaults = _read_defaults(docs, loader)
        regulation: Mapping[int, Article] = _read_regulation(docs, loader, folder, meta)
        below: list[Rule] = []
        for doc, _ in _sections(docs, "overrides", dict, loader, "映射"):
            loader.error(doc.position(("overrides",), key=True), "overrides 只能写在叠加的规则包（有 extends）中",
                         "overlay-only")
    else:
        for key in ("categories", "category_groups", "example_project"):
            for doc, _ in _sections(docs, key, object, loader, ""):
                loader.error(doc.position((key,), key=True), f"叠加的规则包不能重新定义 {key}（沿用 {base.name} 的）",
                             "overlay-redefines")
        categories = base.categories
        families = _read_terms(docs, loader, dict(base.terms))
        masks = list(base.masks) + _read_masks(docs, loader)
        example_project = base.example_project
        defaults = {**base.example_defaults, **_read_defaults(docs, loader)}
        regulation = base.regulation
        below = _apply_overrides(docs, loader, base.rules, meta.name)
    definitions = _read_definitions(docs, loader, categories, families, base.definitions if base is not None else ())
    ledger = _read_ledger(docs, loader, base.ledger if base is not None else LedgerSettings())
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
    rules = _read_rules(docs, loader, categories, families, standards, layer, below, definitions)
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


def _meta_position(docs: list[YamlDocument], folder: Path, field: str) -> Position:
    for doc in docs:
        if "pack" in doc.data:
            return doc.position(("pack", field))
    return Position(str(folder))


def _read_regulation(docs: list[YamlDocument], loader: _Loader, folder: Path, meta: PackMeta) -> dict[int, Article]:
    if not meta.regulation:
        return {}
    path = folder / meta.regulation
    try:
        return load_regulation(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        loader.error(_meta_position(docs, folder, "regulation"), f"无法读取管理办法原文 {path}: {exc}",
                     "pack-regulation")
        return {}


def _apply_overrides(docs: list[YamlDocument], loader: _Loader, rules: tuple[Rule, ...], layer: str) -> list[Rule]:
    """The rules below, with this layer's severity changes and disablings applied (as new objects)."""
    by_id = {r.id: i for i, r in enumerate(rules)}
    out = list(rules)
    for doc, data in _sections(docs, "overrides", dict, loader, "“规则编号: {severity: …, disabled: …}”的映射"):
        for rule_id, spec_data in data.items():
            spec = _validated(OverrideSpec, spec_data, doc, ("overrides", rule_id), loader, f"overrides 中 {rule_id} ")
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


def _sections(docs: list[YamlDocument], key: str, shape: type, loader: _Loader, what: str) -> Iterator[tuple[YamlDocument, Any]]:
    """(document, data) for each file that has section ``key`` of the right shape; others are errors."""
    for doc in docs:
        data = doc.data.get(key)
        if data is None:
            continue
        if not isinstance(data, shape):
            loader.error(doc.position((key,)), f"{key} 应是{what}", "invalid-field")
            continue
        yield doc, data


def _single(docs: list[YamlDocument], key: str, shape: type, loader: _Loader, what: str) -> tuple[YamlDocument, Any] | None:
    """The one file that defines section ``key``; a second definition is an error."""
    found = list(_sections(docs, key, shape, loader, what))
    for doc, _ in found[1:]:
        loader.error(doc.position((key,), key=True),
                     f"{key} 只能在一个文件中定义（已在 {found[0][0].path} 中定义）", "duplicate-section")
    return found[0] if found else None


def _validated(model: type[BaseModel], data: Any, doc: YamlDocument, base: PathKey, loader: _Loader, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        loader.pydantic_errors(doc, base, exc, what)
        return None


def _read_meta(docs: list[YamlDocument], loader: _Loader, folder: Path) -> PackMeta:
    got = _single(docs, "pack", dict, loader, "映射（name、version …）")
    if got is None:
        loader.error(Position(str(folder)), "规则包缺少 pack 元数据（name、version）", "pack-missing-meta",
                     "在 pack.yaml 中写 pack: {name: …, version: …}")
        return PackMeta(name=folder.name, version="0")
    doc, data = got
    return _validated(PackMeta, data, doc, ("pack",), loader, "pack") or PackMeta(name=folder.name, version="0")


def _read_categories(docs: list[YamlDocument], loader: _Loader, folder: Path) -> CategoryTable:
    got = _single(docs, "categories", dict, loader, "“科目名称: [别名…]”的映射")
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
    got_groups = _single(docs, "category_groups", dict, loader, "“科目组名称: [科目…]”的映射")
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


def _read_terms(docs: list[YamlDocument], loader: _Loader, below: dict[str, TermFamily]) -> dict[str, TermFamily]:
    """Word families; a layered pack may add families or replace one of the packs below by name."""
    families = dict(below)
    defined: set[str] = set()
    for doc, data in _sections(docs, "terms", dict, loader, "“词族名称: {words: [...]}”的映射"):
        for name, spec in data.items():
            if name in defined:
                loader.error(doc.position(("terms", name), key=True), f"词族 {name!r} 重复定义", "duplicate-term")
                continue
            defined.add(name)
            term = _validated(TermSpec, spec, doc, ("terms", name), loader, f"词族 {name}")
            if term is not None:
                families[str(name)] = TermFamily(
                    str(name), tuple(term.words), tuple(term.excepts), tuple(term.not_followed_by), term.description,
                    term.qualifier,
                )
    return families


def _read_standards(
    docs: list[YamlDocument], loader: _Loader, below: dict[str, Standard]
) -> dict[str, Standard]:
    """Article 6 standards; a layered pack may add standards or replace one by id."""
    aliases: dict[str, dict[str, str]] = {}
    for doc, data in _sections(docs, "aliases", dict, loader, "“列名: {标准写法: [别名…]}”的映射"):
        for column, table in data.items():
            if not isinstance(table, dict):
                loader.error(doc.position(("aliases", column)), f"aliases.{column} 应是映射", "invalid-field")
                continue
            for canonical, variants in table.items():
                variants = variants if isinstance(variants, list) else [variants]
                for variant in [canonical, *variants]:
                    aliases.setdefault(str(column), {})[normalise_name(str(variant))] = str(canonical)
    standards = dict(below)
    for doc, data in _sections(docs, "standards", dict, loader, "“标准编号: {…}”的映射"):
        for name, spec_data in data.items():
            spec = _validated(StandardSpec, spec_data, doc, ("standards", name), loader, f"开支标准 {name} ")
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


def _read_masks(docs: list[YamlDocument], loader: _Loader) -> list[Any]:
    """The pack's masks, compiled by RE2 (see :mod:`.regex_safety`): blanking them takes linear time."""
    masks: list[Any] = []
    for doc, data in _sections(docs, "masks", list, loader, "列表（每项有 pattern 和 description）"):
        for i, item in enumerate(data):
            spec = _validated(MaskSpec, item, doc, ("masks", i), loader, "masks")
            if spec is None:
                continue
            try:
                masks.append(compile_pattern(spec.pattern))
            except PatternError as exc:
                loader.error(doc.offset_position(("masks", i, "pattern"), exc.offset), f"masks 的{exc.message}",
                             exc.code, exc.hint)
    return masks


def _read_ledger(docs: list[YamlDocument], loader: _Loader, below: LedgerSettings) -> LedgerSettings:
    """``ledger:`` sections add counter-entry accounts and headers to those of the packs below."""
    settings = below
    for doc, data in _sections(docs, "ledger", dict, loader, "映射（counter_accounts、columns）"):
        spec = _validated(LedgerSpec, data, doc, ("ledger",), loader, "ledger ")
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


def _read_example_project(
    docs: list[YamlDocument], loader: _Loader, folder: Path, categories: CategoryTable
) -> Project | None:
    got = _single(docs, "example_project", dict, loader, "项目文件格式的映射")
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


def _read_defaults(docs: list[YamlDocument], loader: _Loader) -> dict[str, Any]:
    got = _single(docs, "example_defaults", dict, loader, "映射（字段: 默认值）")
    return dict(got[1]) if got else {}


_DEFINITION_NAME = re.compile(DEFINITION_NAME_PATTERN)


def _read_definitions(
    docs: list[YamlDocument],
    loader: _Loader,
    categories: CategoryTable,
    families: Mapping[str, TermFamily],
    below: tuple[Definition, ...],
) -> tuple[Definition, ...]:
    """Named conditions, in order: each may use the ones before it (and those of the packs below)."""
    defined = {d.name: d for d in below}
    for doc, data in _sections(docs, "definitions", dict, loader, "“名称: {description, when}”的映射"):
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
            spec = _validated(DefinitionSpec, spec_data, doc, ("definitions", name), loader, f"命名条件 {name} ")
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


def _entry_symbols(definitions: Mapping[str, Definition]) -> Mapping[str, Any]:
    """What an entry condition may name: the entry's symbols and the named conditions."""
    if not definitions:
        return ENTRY_SYMBOLS
    return {**ENTRY_SYMBOLS, **dict.fromkeys(definitions, DataType.BOOLEAN)}


def _columns_of(expression: Expression, definitions: Mapping[str, Definition]) -> frozenset[str]:
    """The ledger columns an expression reads, through the named conditions it uses too."""
    columns = {SYMBOL_COLUMNS[s] for s in expression.symbols if s in SYMBOL_COLUMNS}
    for s in expression.symbols:
        if s in definitions:
            columns |= definitions[s].needs_columns
    return frozenset(columns)


def _project_fields_of(expression: Expression) -> set[str]:
    """The optional project-file fields an expression reads, directly or through a roster symbol."""
    fields = {a for a in expression.project_attributes if a in OPTIONAL_PROJECT_ATTRIBUTES}
    return fields | {SYMBOL_PROJECT_FIELDS[s] for s in expression.symbols if s in SYMBOL_PROJECT_FIELDS}


def _read_rules(
    docs: list[YamlDocument],
    loader: _Loader,
    categories: CategoryTable,
    families: Mapping[str, TermFamily],
    standards: Mapping[str, Standard],
    layer: PackLayer,
    below: list[Rule],
    definitions: tuple[Definition, ...] = (),
) -> list[Rule]:
    rules: list[Rule] = []
    seen: dict[tuple[str, str], Position] = {}
    for old in below:
        seen[("id", old.id)] = old.source
        seen[("name", old.name)] = old.source
    for doc, data in _sections(docs, "rules", list, loader, "规则列表（每条以 - id: 开头）"):
        for index, spec_data in enumerate(data):
            rule = _build_rule(doc, ("rules", index), spec_data, categories, families, standards, loader, layer,
                               {d.name: d for d in definitions})
            if rule is None:
                continue
            for field, value, label in (("id", rule.id, "规则编号"), ("name", rule.name, "规则名称")):
                first = seen.get((field, value))
                if first is not None:
                    loader.error(doc.position(("rules", index, field)), f"{label} {value} 重复（第一次在 {first}）",
                                 "duplicate-rule-id", "编号永久不变、不能复用；要修改下层规则的严重程度或停用它，请用 overrides。")
                else:
                    seen[(field, value)] = rule.source
            rules.append(rule)
    return rules


_EXPRESSIONS = (
    # field, expected result type, what it is called in messages
    ("when", DataType.BOOLEAN, "条件 when"),
    ("where", DataType.BOOLEAN, "过滤条件 where"),
    ("group_by", DataType.STRING, "分组 group_by"),
    ("limit", DataType.FLOAT, "上限 limit"),
    ("key", DataType.STRING, "键 key"),
)


def _symbols_for(field_name: str, kind: str, definitions: Mapping[str, Definition]) -> Mapping[str, Any]:
    """A kind's group expressions (an aggregate's ``limit`` and ``when``) see a group; everything else sees one
    entry (and the named conditions)."""
    if field_name in KIND_SPECS[kind].group_expressions:
        return GROUP_SYMBOLS
    return _entry_symbols(definitions)


def _build_rule(
    doc: YamlDocument,
    base: PathKey,
    data: Any,
    categories: CategoryTable,
    terms: Mapping[str, TermFamily],
    standards: Mapping[str, Standard],
    loader: _Loader,
    layer: PackLayer,
    definitions: Mapping[str, Definition] | None = None,
) -> Rule | None:
    """One rule, fully checked; ``None`` (with errors recorded) when anything is wrong."""
    definitions = definitions or {}
    label = "规则"
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        label = f"规则 {data['id']} "
    try:
        spec = RuleSpec.model_validate(data)
    except ValidationError as exc:
        loader.pydantic_errors(doc, base, exc, label)
        return None
    count = len(loader.errors)

    problem = citation_problem(spec.citation.article, spec.citation.item)
    if problem:
        loader.error(doc.position(base + ("citation",)), f"{label}的引用无效: {problem}", "bad-citation")

    wanted: frozenset[str] | None = None
    if spec.categories is not None:
        names = set()
        for i, name in enumerate(spec.categories):
            canonical = categories.canonical(name)
            if canonical is None:
                close = get_close_matches(name, categories.names, n=1)
                loader.error(doc.position(base + ("categories", i)),
                             f"{label}的科目 {name!r} 不是第十条的九类支出之一", "unknown-category",
                             f"是不是想写 {close[0]}？" if close else f"可用: {'、'.join(categories.names)}")
            else:
                names.add(canonical)
        wanted = frozenset(names)

    compiled: dict[str, Expression] = {}
    for field_name, expect, what in _EXPRESSIONS:
        text = getattr(spec, field_name)
        if text is None:
            continue
        symbols = _symbols_for(field_name, spec.kind, definitions)
        try:
            compiled[field_name] = compile_expression(text, symbols, expect=expect, terms=terms,
                                                      groups=categories.groups, what=what)
        except ExpressionError as exc:
            loader.error(doc.offset_position(base + (field_name,), exc.offset), f"{label}的{exc.message}",
                         exc.code, exc.hint)

    for expectation in ("violating", "compliant"):
        for i, example in enumerate(getattr(spec.examples, expectation)):
            items = example if isinstance(example, list) else [example]
            for j, item in enumerate(items):
                unknown = sorted(str(k) for k in item if k not in EXAMPLE_FIELDS)
                if unknown:
                    path = base + ("examples", expectation, i) + ((j,) if isinstance(example, list) else ())
                    loader.error(doc.position(path + (unknown[0],), key=True),
                                 f"{label}的示例中有未知字段 {unknown[0]!r}", "bad-example",
                                 f"示例可用的字段: {', '.join(EXAMPLE_FIELDS)}")

    standard: Standard | None = None
    if spec.standard is not None:
        standard = standards.get(spec.standard)
        if standard is None:
            close = get_close_matches(spec.standard, list(standards), n=1)
            loader.error(doc.position(base + ("standard",)), f"{label}的开支标准 {spec.standard!r} 没有定义",
                         "unknown-standard", f"是不是想写 {close[0]}？" if close else "标准定义在 standards/ 目录中。")
    for i, cite in enumerate(spec.see_also):
        problem = citation_problem(cite.article, cite.item)
        if problem:
            loader.error(doc.position(base + ("see_also", i)), f"{label}的 see_also 引用无效: {problem}", "bad-citation")
    if spec.recover_under is not None and (spec.recover_under.article != 13 or spec.recover_under.item is None
                                           or citation_problem(13, spec.recover_under.item)):
        loader.error(doc.position(base + ("recover_under",)), f"{label}的 recover_under 应是第十三条的某一项",
                     "bad-citation", "例如 recover_under: {article: 13, item: 2}")

    try:
        check_template(spec.message, spec.kind)
    except TemplateError as exc:
        loader.error(doc.offset_position(base + ("message",), exc.offset), f"{label}的{exc.message}",
                     "bad-template", exc.hint)

    if len(loader.errors) > count:
        return None
    columns: set[str] = set()
    project_fields: set[str] = set()
    for expression in compiled.values():
        columns.update(_columns_of(expression, definitions))
        project_fields.update(_project_fields_of(expression))
        for name in expression.symbols & definitions.keys():
            project_fields.update(_project_fields_of(definitions[name].when))
    if standard is not None:
        columns.update({"description"} if spec.estimate else standard.fields)
    return Rule(
        id=spec.id,
        name=spec.name,
        title=spec.title,
        citation=Citation(article=spec.citation.article, item=spec.citation.item),
        severity=spec.severity,
        kind=spec.kind,
        categories=wanted,
        refunds=spec.refunds,
        message=spec.message,
        clawback=spec.clawback,
        rationale=spec.rationale,
        examples=spec.examples,
        retired=spec.retired,
        source=doc.position(base),
        needs_columns=frozenset(columns),
        needs_project=frozenset(project_fields),
        effective_from=_later(layer.effective_from, spec.effective.start if spec.effective else None),
        effective_until=_earlier(layer.effective_until, spec.effective.end if spec.effective else None),
        layer=layer.name,
        when=compiled.get("when"),
        where=compiled.get("where"),
        group_by=compiled.get("group_by"),
        limit=compiled.get("limit"),
        key=compiled.get("key"),
        standard=standard,
        estimate=spec.estimate,
        see_also=tuple(Citation(article=c.article, item=c.item) for c in spec.see_also),
        recover_under=_recover_under(spec),
    )


#: Article 13 trigger for money recovered because of a finding under another article: spending on
#: what Articles 10-12 exclude diverts project money (13(2) 挤占、挪用) or spends outside the approved
#: budget scope (13(4)); an Article 6 overrun is budget not executed by the standards (13(4)).
DEFAULT_RECOVERY = {6: (13, 4), 9: (13, 2), 10: (13, 4), 11: (13, 2), 12: (13, 2)}


def _recover_under(spec: RuleSpec) -> Citation:
    if spec.recover_under is not None:
        return Citation(article=spec.recover_under.article, item=spec.recover_under.item)
    if spec.citation.article == 13:
        return Citation(article=13, item=spec.citation.item)
    article, item = DEFAULT_RECOVERY.get(spec.citation.article, (13, 6))
    return Citation(article=article, item=item)


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return max(a, b) if a and b else a or b


def _earlier(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return min(a, b) if a and b else a or b

