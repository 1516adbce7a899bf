"""Loading a rule pack: YAML files in, an immutable, fully checked :class:`RulePack` out.

Everything a finance officer can get wrong in a rule file is caught here,
before any ledger is read, and reported with file:line:col — all problems at
once (:class:`RulePackError`), not just the first.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rule_engine import DataType

from ..citations import citation_problem
from ..errors import Position, ProjectFileError, RuleFileError, RulePackError
from ..models import Citation, Project, Severity
from ..project import project_from_document
from ..yamlsafe import PathKey, YamlDocument, YamlLoadError, load_yaml_file
from .categories import CategoryTable
from .expressions import Expression, ExpressionError, compile_expression
from .spec import FILE_KEYS, ExamplesSpec, MaskSpec, PackMeta, RuleSpec, TermSpec
from .symbols import ENTRY_SYMBOLS, GROUP_SYMBOLS, OPTIONAL_PROJECT_ATTRIBUTES, SYMBOL_COLUMNS
from .templates import TemplateError, check_template
from .terms import TermFamily, TermScanner


@dataclass(frozen=True)
class Rule:
    """One loaded rule: its declaration plus compiled expressions and what it needs to run."""

    id: str
    name: str
    title: str
    citation: Citation
    severity: Severity
    kind: str
    categories: frozenset[str] | None
    refunds: bool
    message: str
    clawback: str
    rationale: str
    examples: ExamplesSpec
    retired: bool
    source: Position
    when: Expression | None = None
    where: Expression | None = None
    group_by: Expression | None = None
    limit: Expression | None = None
    key: Expression | None = None
    #: ledger columns (beyond date/category/amount) the rule reads
    needs_columns: frozenset[str] = frozenset()
    #: optional project-file fields the rule reads
    needs_project: frozenset[str] = frozenset()

    @property
    def expressions(self) -> tuple[Expression, ...]:
        return tuple(e for e in (self.where, self.when, self.group_by, self.limit, self.key) if e is not None)

    @property
    def entry_terms(self) -> frozenset[str]:
        return frozenset().union(*(e.terms for e in self.expressions))


@dataclass(frozen=True)
class RulePack:
    """An immutable, checked set of rules with the data they share."""

    name: str
    version: str
    source: str
    description: str
    rules: tuple[Rule, ...]
    categories: CategoryTable
    terms: Mapping[str, TermFamily]
    example_project: Project | None
    example_defaults: Mapping[str, Any]
    files: tuple[str, ...]
    sha256: str
    scanner: TermScanner = field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    @property
    def active_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if not r.retired)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def bundled_pack_path() -> Path:
    """The folder of the rule pack shipped inside the package."""
    return Path(str(importlib.resources.files("qianqi_rules.pack")))


_DEFAULT_PACK: RulePack | None = None


def default_pack() -> RulePack:
    """The bundled pack, loaded once per process (it is immutable)."""
    global _DEFAULT_PACK
    if _DEFAULT_PACK is None:
        _DEFAULT_PACK = load_pack(bundled_pack_path())
    return _DEFAULT_PACK


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
                message = err["msg"].removeprefix("Value error, ")
                label = f"{what}的 {where}" if where else what
                self.error(doc.position(base + loc), f"{label}: {message}", "invalid-field")


_KNOWN_RULE_FIELDS = tuple(RuleSpec.model_fields)


def _field_hint(name: str) -> str | None:
    from difflib import get_close_matches

    close = get_close_matches(name, _KNOWN_RULE_FIELDS + FILE_KEYS, n=1)
    return f"是不是想写 {close[0]}？" if close else None


def _pack_files(path: Path) -> list[Path]:
    return sorted(p for p in path.glob("*.yaml") if p.is_file())


def load_pack(path: str | Path) -> RulePack:
    """Load and check every ``*.yaml`` file of a pack folder; raises :class:`RulePackError`."""
    folder = Path(path)
    loader = _Loader()
    if not folder.is_dir():
        raise RulePackError(
            [RuleFileError("规则目录不存在", position=Position(str(folder)), code="pack-not-found")]
        )
    files = _pack_files(folder)
    if not files:
        raise RulePackError(
            [RuleFileError("规则目录中没有 .yaml 文件", position=Position(str(folder)), code="pack-empty")]
        )
    docs: list[YamlDocument] = []
    digest = hashlib.sha256()
    for file in files:
        try:
            raw = file.read_bytes()
            doc = load_yaml_file(file)
        except YamlLoadError as exc:
            p = exc.problem
            loader.error(p.position, p.message, p.code, p.hint)
            continue
        except OSError as exc:
            loader.error(Position(str(file)), f"无法读取: {exc.strerror}", "pack-unreadable")
            continue
        digest.update(file.name.encode() + b"\0" + raw + b"\0")
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
    return _assemble(folder, docs, loader, digest.hexdigest(), tuple(str(f) for f in files))


def _single(docs: list[YamlDocument], key: str, loader: _Loader, folder: Path) -> tuple[YamlDocument, Any] | None:
    found = [d for d in docs if key in d.data]
    if len(found) > 1:
        for d in found[1:]:
            loader.error(d.position((key,), key=True),
                         f"{key} 只能在一个文件中定义（已在 {found[0].path} 中定义）", "duplicate-section")
    if not found:
        return None
    return found[0], found[0].data[key]


def _assemble(folder: Path, docs: list[YamlDocument], loader: _Loader, sha: str, files: tuple[str, ...]) -> RulePack:
    meta = PackMeta(name=folder.name, version="0")
    got = _single(docs, "pack", loader, folder)
    if got is None:
        loader.error(Position(str(folder)), "规则包缺少 pack 元数据（name、version）", "pack-missing-meta",
                     "在 pack.yaml 中写 pack: {name: …, version: …}")
    else:
        doc, data = got
        try:
            meta = PackMeta.model_validate(data)
        except ValidationError as exc:
            loader.pydantic_errors(doc, ("pack",), exc, "pack")

    categories = CategoryTable.build({})
    got = _single(docs, "categories", loader, folder)
    if got is None:
        loader.error(Position(str(folder)), "规则包缺少 categories（第十条九类支出及其别名）", "pack-missing-categories")
    else:
        doc, data = got
        if not isinstance(data, dict) or not data:
            loader.error(doc.position(("categories",)), "categories 应是“科目名称: [别名…]”的映射", "invalid-field")
        else:
            table: dict[str, list[str]] = {}
            for name, aliases in data.items():
                if aliases is None:
                    aliases = []
                if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                    loader.error(doc.position(("categories", name)), f"科目 {name} 的别名应是文字列表", "invalid-field")
                    continue
                table[str(name)] = aliases
            categories = CategoryTable.build(table)

    families: dict[str, TermFamily] = {}
    for doc in docs:
        data = doc.data.get("terms")
        if data is None:
            continue
        if not isinstance(data, dict):
            loader.error(doc.position(("terms",)), "terms 应是“词族名称: {words: [...]}”的映射", "invalid-field")
            continue
        for name, spec in data.items():
            if name in families:
                loader.error(doc.position(("terms", name), key=True), f"词族 {name!r} 重复定义", "duplicate-term")
                continue
            try:
                term = TermSpec.model_validate(spec)
            except ValidationError as exc:
                loader.pydantic_errors(doc, ("terms", name), exc, f"词族 {name}")
                continue
            families[str(name)] = TermFamily(
                str(name), tuple(term.words), tuple(term.excepts), tuple(term.not_followed_by), term.description
            )

    masks: list[re.Pattern[str]] = []
    for doc in docs:
        data = doc.data.get("masks")
        if data is None:
            continue
        if not isinstance(data, list):
            loader.error(doc.position(("masks",)), "masks 应是列表（每项有 pattern 和 description）", "invalid-field")
            continue
        for i, item in enumerate(data):
            try:
                spec = MaskSpec.model_validate(item)
            except ValidationError as exc:
                loader.pydantic_errors(doc, ("masks", i), exc, "masks")
                continue
            try:
                masks.append(re.compile(spec.pattern))
            except re.error as exc:
                loader.error(doc.offset_position(("masks", i, "pattern"), exc.pos), f"masks 的正则表达式无效: {exc.msg}",
                             "bad-regex", "正则表达式中的括号要成对；要匹配字面的 ( 请写 \\(。")

    example_project: Project | None = None
    got = _single(docs, "example_project", loader, folder)
    if got is not None:
        doc, _ = got
        try:
            example_project = project_from_document(doc, categories, ("example_project",))
        except ProjectFileError as exc:
            loader.error(exc.position or doc.position(("example_project",)), f"example_project: {exc.message}",
                         exc.code, exc.hint)
    if example_project is None and got is None:
        loader.error(Position(str(folder)), "规则包缺少 example_project（规则示例在这个示例项目上运行）",
                     "pack-missing-example-project")
    defaults: dict[str, Any] = {}
    got = _single(docs, "example_defaults", loader, folder)
    if got is not None:
        doc, data = got
        if isinstance(data, dict):
            defaults = dict(data)
        else:
            loader.error(doc.position(("example_defaults",)), "example_defaults 应是映射", "invalid-field")

    rules: list[Rule] = []
    seen_ids: dict[str, Position] = {}
    seen_names: dict[str, Position] = {}
    for doc in docs:
        data = doc.data.get("rules")
        if data is None:
            continue
        if not isinstance(data, list):
            loader.error(doc.position(("rules",)), "rules 应是规则列表（每条以 - id: 开头）", "invalid-field")
            continue
        for index, spec_data in enumerate(data):
            rule = _build_rule(doc, ("rules", index), spec_data, categories, families, loader)
            if rule is None:
                continue
            for seen, value, label in ((seen_ids, rule.id, "规则编号"), (seen_names, rule.name, "规则名称")):
                if value in seen:
                    first = seen[value]
                    loader.error(doc.position(("rules", index, "id" if label == "规则编号" else "name")),
                                 f"{label} {value} 重复（第一次在 {first}）", "duplicate-rule-id")
                else:
                    seen[value] = rule.source
            rules.append(rule)

    if loader.errors:
        raise RulePackError(loader.errors)
    return RulePack(
        name=meta.name,
        version=meta.version,
        source=meta.source,
        description=meta.description,
        rules=tuple(rules),
        categories=categories,
        terms=families,
        example_project=example_project,
        example_defaults=defaults,
        files=files,
        sha256=sha,
        scanner=TermScanner(families, masks),
    )


_EXPRESSIONS = (
    # field, symbols, expected type, what
    ("when", None, DataType.BOOLEAN, "条件 when"),
    ("where", ENTRY_SYMBOLS, DataType.BOOLEAN, "过滤条件 where"),
    ("group_by", ENTRY_SYMBOLS, DataType.STRING, "分组 group_by"),
    ("limit", GROUP_SYMBOLS, DataType.FLOAT, "上限 limit"),
    ("key", ENTRY_SYMBOLS, DataType.STRING, "键 key"),
)


def _build_rule(
    doc: YamlDocument,
    base: PathKey,
    data: Any,
    categories: CategoryTable,
    terms: Mapping[str, TermFamily],
    loader: _Loader,
) -> Rule | None:
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
                from difflib import get_close_matches

                close = get_close_matches(name, categories.names, n=1)
                loader.error(doc.position(base + ("categories", i)),
                             f"{label}的科目 {name!r} 不是第十条的九类支出之一", "unknown-category",
                             f"是不是想写 {close[0]}？" if close else f"可用: {'、'.join(categories.names)}")
            else:
                names.add(canonical)
        wanted = frozenset(names)

    compiled: dict[str, Expression] = {}
    for field_name, symbols, expect, what in _EXPRESSIONS:
        text = getattr(spec, field_name)
        if text is None:
            continue
        if field_name == "when":
            symbols = ENTRY_SYMBOLS if spec.kind == "entry" else GROUP_SYMBOLS
        try:
            compiled[field_name] = compile_expression(text, symbols, expect=expect, terms=terms, what=what)
        except ExpressionError as exc:
            loader.error(doc.offset_position(base + (field_name,), exc.offset), f"{label}的{exc.message}",
                         exc.code, exc.hint)

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
        columns.update(SYMBOL_COLUMNS[s] for s in expression.symbols if s in SYMBOL_COLUMNS)
        project_fields.update(a for a in expression.project_attributes if a in OPTIONAL_PROJECT_ATTRIBUTES)
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
        **compiled,
    )

