"""Read a spec file's YAML and remember the line of every key, so validation errors can point at it.

PyYAML's composer gives a node tree whose nodes carry ``start_mark`` (0-based line). We turn that tree into
plain Python data ourselves (safe scalars only, via PyYAML's SafeConstructor) and record, for every path
``("fields", "item.items", "fields", "rate", "from")``, the 1-based line of its key. Duplicate keys, which
PyYAML would silently collapse to the last one, are reported instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

PathKey = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """Plain data of one YAML document plus the line of each key path (1-based)."""

    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    duplicates: list[tuple[PathKey, int, int]] = field(default_factory=list)  # path, first line, repeat line

    def line_of(self, path: PathKey) -> int:
        """The line of ``path``, or of its nearest ancestor that has one (1 for the document itself)."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def parse_yaml(text: str) -> YamlDocument:
    """Compose ``text`` (one document) into data and key lines; raise YamlSyntaxError on bad YAML."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlSyntaxError(f"YAML syntax error: {exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML error: {exc}", 1) from None
    document = YamlDocument(data=None)
    if root is not None:
        document.data = _to_data(root, (), document)
    return document


def _to_data(node: Node, path: PathKey, document: YamlDocument) -> Any:
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            key_path = (*path, str(key))
            line = key_node.start_mark.line + 1
            if key_path in document.lines and key in result:
                document.duplicates.append((key_path, document.lines[key_path], line))
                continue
            document.lines[key_path] = line
            result[key] = _to_data(value_node, key_path, document)
        return result
    if isinstance(node, SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            document.lines[(*path, index)] = item.start_mark.line + 1
            items.append(_to_data(item, (*path, index), document))
        return items
    return _scalar(node)


class _SpecConstructor(yaml.constructor.SafeConstructor):
    """Safe scalars, except that dates stay strings: a spec's constants go to JSON APIs as written."""

    yaml_constructors = {
        **yaml.constructor.SafeConstructor.yaml_constructors,
        "tag:yaml.org,2002:timestamp": yaml.constructor.SafeConstructor.construct_yaml_str,
    }


def _scalar(node: Node) -> Any:
    if not isinstance(node, ScalarNode):
        # A mapping or list used as a key: not something a spec ever needs.
        raise YamlSyntaxError("a key must be a plain value, not a list or mapping", node.start_mark.line + 1)
    try:
        return _SpecConstructor().construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise YamlSyntaxError(f"YAML value error: {exc.problem}", node.start_mark.line + 1) from None
