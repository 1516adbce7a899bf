"""Building each rule and checking its cross-references: categories, word families, standards, templates.

A rule's conditions are compiled against the symbols its kind sees (see
:data:`~.kind_spec.KIND_SPECS`); what columns and project fields it needs is
worked out from the symbols its expressions use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any

from pydantic import ValidationError
from rule_engine import DataType

from ..citations import citation_problem
from ..errors import Position
from ..models import LEDGER_FIELDS, Citation
from ..regulation import Article
from ..yamlsafe import PathKey, YamlDocument
from .categories import CategoryTable
from .expressions import Expression, ExpressionError, compile_expression
from .kind_spec import KIND_SPECS
from .pack import Definition, PackLayer, Rule
from .reading import Problems, sections
from .spec import RuleSpec
from .standards import Standard
from .symbols import (
    ENTRY_SYMBOLS,
    GROUP_SYMBOLS,
    OPTIONAL_PROJECT_ATTRIBUTES,
    SYMBOL_COLUMNS,
    SYMBOL_PROJECT_FIELDS,
)
from .templates import TemplateError, check_template
from .terms import TermFamily


EXAMPLE_FIELDS = ("row",) + LEDGER_FIELDS


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


def read_rules(
    docs: list[YamlDocument],
    loader: Problems,
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
    for doc, data in sections(docs, "rules", list, loader, "规则列表（每条以 - id: 开头）"):
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
    loader: Problems,
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
        _partial_checks(doc, base, label, data, categories, terms, standards, loader, definitions)
        return None
    count = len(loader.errors)

    problem = citation_problem(spec.citation.article, spec.citation.item)
    if problem:
        loader.error(doc.position(base + ("citation",)), f"{label}的引用无效: {problem}", "bad-citation")

    wanted = _categories(doc, base, label, spec.categories, categories, loader)
    compiled = _expressions(doc, base, label, spec.kind, {f: getattr(spec, f) for f, _, _ in _EXPRESSIONS},
                            categories, terms, definitions, loader)
    cases = _cases(doc, base, label, spec.kind, spec.when_any or {}, categories, terms, definitions, loader)
    if cases is not None and spec.when_any:
        compiled["when"] = cases[1]

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

    standard = _standard(doc, base, label, spec.standard, standards, loader)
    for i, cite in enumerate(spec.see_also):
        problem = citation_problem(cite.article, cite.item)
        if problem:
            loader.error(doc.position(base + ("see_also", i)), f"{label}的 see_also 引用无效: {problem}", "bad-citation")
    if spec.recover_under is not None and (spec.recover_under.article != 13 or spec.recover_under.item is None
                                           or citation_problem(13, spec.recover_under.item)):
        loader.error(doc.position(base + ("recover_under",)), f"{label}的 recover_under 应是第十三条的某一项",
                     "bad-citation", "例如 recover_under: {article: 13, item: 2}")

    _message(doc, base, label, spec.message, spec.kind, loader)

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
        cases=cases[0] if cases is not None else (),
        standard=standard,
        estimate=spec.estimate,
        see_also=tuple(Citation(article=c.article, item=c.item) for c in spec.see_also),
        recover_under=_recover_under(spec),
    )


def _categories(doc: YamlDocument, base: PathKey, label: str, names: list[str] | None, categories: CategoryTable,
                loader: Problems) -> frozenset[str] | None:
    """The canonical categories a rule names; an unknown one is an error."""
    if names is None:
        return None
    found = set()
    for i, name in enumerate(names):
        canonical = categories.canonical(name)
        if canonical is None:
            close = get_close_matches(name, categories.names, n=1)
            loader.error(doc.position(base + ("categories", i)),
                         f"{label}的科目 {name!r} 不是第十条的九类支出之一", "unknown-category",
                         f"是不是想写 {close[0]}？" if close else f"可用: {'、'.join(categories.names)}")
        else:
            found.add(canonical)
    return frozenset(found)


def _expressions(doc: YamlDocument, base: PathKey, label: str, kind: str, texts: Mapping[str, str | None],
                 categories: CategoryTable, terms: Mapping[str, TermFamily], definitions: Mapping[str, Definition],
                 loader: Problems) -> dict[str, Expression]:
    """A rule's expressions compiled against the symbols its kind gives each of them."""
    compiled: dict[str, Expression] = {}
    for field_name, expect, what in _EXPRESSIONS:
        text = texts.get(field_name)
        if text is None:
            continue
        symbols = _symbols_for(field_name, kind, definitions)
        try:
            compiled[field_name] = compile_expression(text, symbols, expect=expect, terms=terms,
                                                      groups=categories.groups, what=what)
        except ExpressionError as exc:
            loader.error(doc.offset_position(base + (field_name,), exc.offset), f"{label}的{exc.message}",
                         exc.code, exc.hint)
    return compiled


def _cases(doc: YamlDocument, base: PathKey, label: str, kind: str, texts: Mapping[str, str],
           categories: CategoryTable, terms: Mapping[str, TermFamily], definitions: Mapping[str, Definition],
           loader: Problems) -> tuple[tuple[tuple[str, Expression], ...], Expression] | None:
    """``when_any``'s named cases, each compiled (an error is placed in its own case), and their disjunction,
    which is the rule's ``when`` (so that word-family triggers and needed columns cover every case)."""
    if not texts:
        return None
    symbols = _symbols_for("when", kind, definitions)
    cases = []
    for name, text in texts.items():
        try:
            cases.append((str(name), compile_expression(text, symbols, expect=DataType.BOOLEAN, terms=terms,
                                                        groups=categories.groups, what=f"条件 when_any.{name}")))
        except ExpressionError as exc:
            loader.error(doc.offset_position(base + ("when_any", name), exc.offset), f"{label}的{exc.message}",
                         exc.code, exc.hint)
    if len(cases) < len(texts):
        return None
    either = " or ".join(f"(\n{text}\n)" for text in texts.values())
    return tuple(cases), compile_expression(either, symbols, expect=DataType.BOOLEAN, terms=terms,
                                            groups=categories.groups, what="条件 when_any")


def _standard(doc: YamlDocument, base: PathKey, label: str, name: str | None, standards: Mapping[str, Standard],
              loader: Problems) -> Standard | None:
    if name is None:
        return None
    standard = standards.get(name)
    if standard is None:
        close = get_close_matches(name, list(standards), n=1)
        loader.error(doc.position(base + ("standard",)), f"{label}的开支标准 {name!r} 没有定义",
                     "unknown-standard", f"是不是想写 {close[0]}？" if close else "标准定义在 standards/ 目录中。")
    return standard


def _message(doc: YamlDocument, base: PathKey, label: str, message: str, kind: str, loader: Problems) -> None:
    try:
        check_template(message, kind)
    except TemplateError as exc:
        loader.error(doc.offset_position(base + ("message",), exc.offset), f"{label}的{exc.message}",
                     "bad-template", exc.hint)


def _partial_checks(doc: YamlDocument, base: PathKey, label: str, data: Any, categories: CategoryTable,
                    terms: Mapping[str, TermFamily], standards: Mapping[str, Standard], loader: Problems,
                    definitions: Mapping[str, Definition]) -> None:
    """What can still be checked of a rule whose fields do not all validate, so that ``lint`` shows every
    problem in one pass: its categories, the expressions its kind reads, its standard and its message."""
    if not isinstance(data, dict):
        return
    names = data.get("categories")
    if isinstance(names, list) and all(isinstance(n, str) for n in names):
        _categories(doc, base, label, names, categories, loader)
    kind = data.get("kind", "entry")
    if isinstance(kind, str) and kind in KIND_SPECS:
        texts = {f: t for f in KIND_SPECS[kind].expressions if isinstance(t := data.get(f), str) and t.strip()}
        _expressions(doc, base, label, kind, texts, categories, terms, definitions, loader)
        if isinstance(data.get("message"), str) and data["message"].strip():
            _message(doc, base, label, data["message"], kind, loader)
    if isinstance(data.get("standard"), str):
        _standard(doc, base, label, data["standard"], standards, loader)


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
