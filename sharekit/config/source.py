"""YAML loading that remembers where every value came from, so config errors can say file:line.

Mappings load as `Located` dicts and sequences as `LocatedList`s, each knowing its own line and
the line of every key or item. Duplicate keys are reported (PyYAML silently keeps the last one).
"""

from __future__ import annotations

from typing import Any

import yaml


class Located(dict):
    """A mapping with `line` (1-based) and `key_lines[key]`."""

    line: int
    key_lines: dict[str, int]


class LocatedList(list):
    """A sequence with `line` and `item_lines[i]`."""

    line: int
    item_lines: list[int]


class DuplicateKey(yaml.MarkedYAMLError):
    pass


class _Loader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        result = Located()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                raise DuplicateKey(
                    None,
                    None,
                    f"duplicate key {key!r} (first at line {result.key_lines[key]})",
                    key_node.start_mark,
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node, deep=False):
        result = LocatedList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_sequence)


def load(text: str) -> Any:
    """Parse YAML text into Located/LocatedList/scalars; raises yaml.YAMLError with a mark."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
