"""Safe YAML loading that remembers where every value came from.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two
duplicate keys (a rule would vanish).  Here the document is *composed* with
the safe loader, then walked by hand: scalars are built by the safe
constructor (so ``!!python/...`` tags are refused), duplicate keys are
reported, alias expansion and nesting depth are bounded, and each value's
1-based position is kept by its path (``("rules", 3, "when")``).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Position, QianqiError

MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64

PathKey = tuple[Any, ...]

_PLAIN_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:omap",
}


@dataclass(frozen=True)
class YamlProblem:
    """A problem found while loading: its code, message, hint and position."""

    code: str
    message: str
    position: Position
    hint: str | None = None


@dataclass
class YamlDocument:
    """Plain Python data plus the position of every value by its path."""

    path: str
    data: Any
    nodes: dict[PathKey, Node] = field(default_factory=dict)
    key_nodes: dict[PathKey, Node] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def position(self, path: PathKey = (), *, key: bool = False) -> Position:
        """The position of the value at ``path`` (or of its key), else its nearest parent's."""
        table = self.key_nodes if key else self.nodes
        probe = tuple(path)
        while True:
            node = table.get(probe) or self.nodes.get(probe)
            if node is not None:
                mark = node.start_mark
                return Position(self.path, mark.line + 1, mark.column + 1)
            if not probe:
                return Position(self.path, 1, 1)
            probe = probe[:-1]

    def node(self, path: PathKey) -> Node | None:
        return self.nodes.get(tuple(path))

    def offset_position(self, path: PathKey, offset: int | None) -> Position:
        """The position of character ``offset`` inside the string scalar at ``path``.

        Exact for one-line plain or quoted scalars and for literal blocks (``|``);
        for folded text it follows the source lines, which is right unless the
        text has blank lines or escapes.
        """
        node = self.nodes.get(tuple(path))
        if node is None or offset is None or not isinstance(node, ScalarNode):
            return self.position(path)
        value = str(node.value)
        offset = max(0, min(offset, len(value)))
        start = node.start_mark
        if node.style in (None, "'", '"') and start.line == node.end_mark.line:
            quote = 1 if node.style else 0
            return Position(self.path, start.line + 1, start.column + 1 + quote + offset)
        if node.style == "|":
            line = start.line + 1 + value.count("\n", 0, offset)
            col = offset - (value.rfind("\n", 0, offset) + 1)
            source = self.lines[line] if line < len(self.lines) else ""
            indent = len(source) - len(source.lstrip(" "))
            return Position(self.path, line + 1, indent + col + 1)
        # plain, quoted or folded text over several lines: consume the source line by line
        first = start.line + (1 if node.style == ">" else 0)
        remaining = offset
        for line in range(first, min(node.end_mark.line + 1, len(self.lines))):
            source = self.lines[line]
            if line == start.line:
                body_start = start.column + (1 if node.style in ("'", '"') else 0)
            else:
                body_start = len(source) - len(source.lstrip(" "))
            body = source[body_start:].rstrip()
            if remaining <= len(body):
                return Position(self.path, line + 1, body_start + remaining + 1)
            remaining -= len(body) + 1
        return self.position(path)


class YamlLoadError(Exception):
    """The text is not YAML at all (a syntax error, too big, a refused tag)."""

    def __init__(self, problem: YamlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def load_yaml_file(path: str | Path) -> YamlDocument:
    """Read and load one YAML file; raises :class:`YamlLoadError` or ``OSError``."""
    p = Path(path)
    info = p.stat()
    if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
        # a pipe would block for ever and /dev/zero never ends: only a plain file is read
        raise YamlLoadError(
            YamlProblem(
                "file-not-regular",
                "这不是普通文件（是设备、管道或套接字），无法读取",
                Position(str(path)),
                "请指定磁盘上的 YAML 文件。",
            )
        )
    size = info.st_size
    if size > MAX_BYTES:
        raise YamlLoadError(
            YamlProblem(
                "file-too-large",
                f"文件过大（{size} 字节，上限 {MAX_BYTES} 字节）",
                Position(str(path)),
                "规则文件和项目文件应是几十 KB 的小文件；请检查是否选错了文件。",
            )
        )
    with p.open("rb") as f:
        raw = f.read(MAX_BYTES + 1)  # bounded even if the file grows while it is read
    if len(raw) > MAX_BYTES:
        raise YamlLoadError(
            YamlProblem("file-too-large", f"文件过大（超过上限 {MAX_BYTES} 字节）", Position(str(path)),
                        "规则文件和项目文件应是几十 KB 的小文件；请检查是否选错了文件。")
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlLoadError(
            YamlProblem(
                "yaml-encoding",
                f"文件不是 UTF-8 编码（第 {exc.start} 字节无法解码）",
                Position(str(path)),
                "请用 UTF-8 编码保存 YAML 文件。",
            )
        ) from None
    return load_yaml_text(text, str(path))


class _TooDeep(Exception):
    def __init__(self, mark: Any) -> None:
        super().__init__("too deep")
        self.mark = mark


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing to compose nodes nested deeper than :data:`MAX_DEPTH`.

    PyYAML's composer recurses once per level, so a file of a thousand ``[`` would
    exhaust Python's stack before the walker below could count the levels.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 1:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _too_deep(name: str, mark: Any) -> YamlLoadError:
    pos = Position(name, mark.line + 1, mark.column + 1) if mark is not None else Position(name)
    return YamlLoadError(YamlProblem("yaml-too-deep", f"YAML 嵌套超过 {MAX_DEPTH} 层", pos,
                                     "规则、项目和豁免文件只需要几层嵌套；检查是否有成串的 [ 或 {。"))


def load_yaml_text(text: str, name: str) -> YamlDocument:
    """Load YAML text; ``name`` is used in positions."""
    loader = _BoundedLoader(text)
    try:
        root = loader.get_single_node()
    except _TooDeep as exc:
        raise _too_deep(name, exc.mark) from None
    except RecursionError:  # pragma: no cover - bounded above; a last line of defence
        raise _too_deep(name, None) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Position(name, mark.line + 1, mark.column + 1) if mark else Position(name)
        problem = exc.problem or exc.context or "YAML 语法错误"
        raise YamlLoadError(
            YamlProblem(
                "yaml-syntax",
                f"YAML 语法错误: {problem}",
                pos,
                "检查缩进（只能用空格）、冒号后的空格和引号是否成对。",
            )
        ) from None
    except yaml.YAMLError as exc:
        raise YamlLoadError(YamlProblem("yaml-syntax", f"YAML 语法错误: {exc}", Position(name))) from None
    finally:
        loader.dispose()
    doc = YamlDocument(path=name, data=None, lines=text.splitlines())
    if root is None:
        return doc
    walker = _Walker(doc, loader)
    doc.data = walker.build(root, (), 0)
    return doc


class _Walker:
    def __init__(self, doc: YamlDocument, loader: yaml.SafeLoader) -> None:
        self.doc = doc
        self.loader = loader
        self.count = 0

    def _pos(self, node: Node) -> Position:
        return Position(self.doc.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def _fail(self, code: str, message: str, node: Node, hint: str | None = None) -> YamlLoadError:
        return YamlLoadError(YamlProblem(code, message, self._pos(node), hint))

    def build(self, node: Node, path: PathKey, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self._fail(
                "yaml-too-many-nodes",
                f"YAML 文档展开后超过 {MAX_NODES} 个值（可能是锚点/别名的循环引用或“炸弹”）",
                node,
                "不要用锚点(&)和别名(*)反复嵌套引用。",
            )
        if depth > MAX_DEPTH:
            raise self._fail("yaml-too-deep", f"YAML 嵌套超过 {MAX_DEPTH} 层", node,
                             "规则、项目和豁免文件只需要几层嵌套；检查是否有成串的 [ 或 {。")
        self.doc.nodes[path] = node
        if isinstance(node, ScalarNode):
            try:
                return self.loader.construct_object(node, deep=True)
            except ValueError:
                # an impossible date such as 2025-13-01: keep the text, the caller explains it
                return str(node.value)
            except yaml.constructor.ConstructorError as exc:
                raise self._fail(
                    "yaml-tag",
                    f"不允许的 YAML 值或标签 {node.tag!r}: {exc.problem}",
                    node,
                    "规则和项目文件只能包含普通的文字、数字、日期、列表和映射。",
                ) from None
        if node.tag not in _PLAIN_TAGS:
            raise self._fail(
                "yaml-tag",
                f"不允许的 YAML 标签 {node.tag!r}",
                node,
                "规则和项目文件只能包含普通的文字、数字、日期、列表和映射。",
            )
        if isinstance(node, SequenceNode):
            return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        result: dict[Any, Any] = {}
        self.loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.build(key_node, path + ("<key>",), depth + 1)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise self._fail("yaml-key", "映射的键必须是简单的文字或数字", key_node)
            if key in result:
                first = self.doc.key_nodes.get(path + (key,))
                where = f"（第一次出现在第 {first.start_mark.line + 1} 行）" if first is not None else ""
                self.doc.problems.append(
                    YamlProblem(
                        "duplicate-key",
                        f"重复的键 {key!r}{where}：YAML 只会保留最后一个，前面的内容会悄悄丢失",
                        self._pos(key_node),
                        "删除或合并重复的键。",
                    )
                )
            else:
                self.doc.key_nodes[path + (key,)] = key_node
            result[key] = self.build(value_node, path + (key,), depth + 1)
        return result


def load_document(path: str | Path, error: type[QianqiError], what: str, prefix: str) -> YamlDocument:
    """One YAML file whose every problem — missing, unreadable, not YAML, a duplicate key — is an ``error``.

    ``what`` names the file to a person (项目文件); ``prefix`` starts the codes (``project-not-found``).
    """
    name = str(path)
    try:
        doc = load_yaml_file(path)
    except FileNotFoundError:
        raise error(f"{what}不存在", position=Position(name), code=f"{prefix}-not-found") from None
    except OSError as exc:
        raise error(f"无法读取{what}: {exc.strerror or exc}", position=Position(name),
                    code=f"{prefix}-unreadable") from None
    except YamlLoadError as exc:
        p = exc.problem
        raise error(p.message, position=p.position, code=p.code, hint=p.hint) from None
    if doc.problems:
        p = doc.problems[0]
        raise error(p.message, position=p.position, code=p.code, hint=p.hint)
    return doc
