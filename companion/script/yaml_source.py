"""YAML loading that remembers where every key and value was written.

PyYAML's composer gives nodes with marks; we build plain Python data from them and keep
a map from each value's path (e.g. ("scenes", 0, "steps", 2, "say")) to its line and column.
Keys are kept as the text the author wrote (YAML 1.1 would turn `on:` into True).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]
MAX_NODES = 200_000  # aliases can expand a small file exponentially ("billion laughs")


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based

    @classmethod
    def of(cls, mark: yaml.Mark | None) -> Mark:
        return cls(mark.line + 1, mark.column + 1) if mark else cls(1, 1)


@dataclass(frozen=True)
class Problem:
    mark: Mark
    message: str


@dataclass
class Source:
    """Data parsed from one YAML document, with positions."""

    data: Any
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def value_at(self, path: Path) -> Mark:
        """Where the value at `path` was written, or the nearest enclosing value."""
        for end in range(len(path), -1, -1):
            mark = self.values.get(path[:end])
            if mark:
                return mark
        return Mark(1, 1)

    def key_at(self, path: Path) -> Mark:
        """Where the key naming `path` was written (falls back to its value)."""
        return self.keys.get(path) or self.value_at(path)


class YamlError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def parse_yaml(text: str) -> Source:
    """Parse one YAML document; raises YamlError for text that is not YAML."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise YamlError(_reader_problem(text, exc)) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:
            raise YamlError(_reader_problem(text, exc)) from None
        except yaml.MarkedYAMLError as exc:
            raise YamlError(_problem_of(exc)) from None
        except yaml.YAMLError as exc:
            raise YamlError(Problem(Mark(1, 1), f"not valid YAML: {exc}")) from None
        source = Source(data=None)
        if node is not None:
            source.data = _Builder(loader, source).build(node, ())
        return source
    finally:
        loader.dispose()


def _reader_problem(text: str, exc: yaml.reader.ReaderError) -> Problem:
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    return Problem(
        Mark(line, column),
        f"not valid YAML: the character {exc.character!r} cannot appear in a script",
    )


def _problem_of(exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(part for part in (exc.context, exc.problem) if part)
    hint = ""
    if exc.problem and "mapping values are not allowed" in exc.problem:
        hint = "; a value may need quotes, or a colon is misplaced"
    elif exc.problem and "found character '\\t'" in exc.problem:
        hint = "; indent with spaces, not tabs"
    elif exc.problem and "could not find expected ':'" in exc.problem:
        hint = "; you may have forgotten a colon after a key"
    return Problem(Mark.of(mark), f"not valid YAML: {what}{hint}")


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, source: Source) -> None:
        self.loader = loader
        self.source = source
        self.count = 0
        self.active: set[int] = set()

    def build(self, node: Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlError(
                Problem(
                    Mark.of(node.start_mark), "the document is too large (aliases expand too far)"
                )
            )
        self.source.values[path] = Mark.of(node.start_mark)
        if id(node) in self.active:
            self._problem(node, "an alias refers to the mapping or list that contains it")
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            if isinstance(node, SequenceNode):
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            if isinstance(node, ScalarNode):
                return self._scalar(node)
            self._problem(node, f"a YAML node this reader does not know ({type(node).__name__})")
            return None
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        try:
            self.loader.flatten_mapping(node)  # resolves `<<` merge keys
        except yaml.MarkedYAMLError as exc:
            self.source.problems.append(_problem_of(exc))
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self._problem(key_node, "a key must be a plain name, not a list or mapping")
                continue
            key = _whole_characters(key_node.value)
            key_path = path + (key,)
            if key in result:
                first = self.source.keys[key_path]
                self._problem(
                    key_node, f"duplicate key '{key}' (first written at line {first.line})"
                )
                continue
            self.source.keys[key_path] = Mark.of(key_node.start_mark)
            result[key] = self.build(value_node, key_path)
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        try:
            value = self.loader.construct_object(node, deep=True)
            return _whole_characters(value) if isinstance(value, str) else value
        except yaml.MarkedYAMLError as exc:
            self.source.problems.append(_problem_of(exc))
        except (ValueError, OverflowError) as exc:  # e.g. a malformed timestamp
            self._problem(node, f"cannot read the value '{node.value}': {exc}")
        return node.value

    def _problem(self, node: Node, message: str) -> None:
        self.source.problems.append(Problem(Mark.of(node.start_mark), message))


def _whole_characters(text: str) -> str:
    """YAML's "\\ud83c\\udf0a" escapes give surrogate halves: join pairs, replace strays."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
