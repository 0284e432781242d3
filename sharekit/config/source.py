"""YAML loading that remembers where every value came from, so config errors can say file:line.

Mappings load as `Located` dicts and sequences as `LocatedList`s, each knowing its own line and
the line of every key or item. Duplicate keys are reported (PyYAML silently keeps the last one).

Merge keys (`<<: *base`, `<<: [*a, *b]`) follow YAML 1.1: the mapping's own keys win over
merged ones, and an earlier mapping of a merged list wins over a later one. A merged key keeps
the line where it is written (in the anchored base), so a problem in it points there.

Nesting deeper than MAX_DEPTH is refused while composing, before Python's recursion limit can
turn it into a RecursionError.

Events come from libyaml's C parser when PyYAML was built with it (composing and constructing
stay in Python, so depth limit, merge keys, duplicate keys and lines are unchanged); a file it
fails on is read again by the pure-Python parser, whose error is the one reported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import yaml

# A sharekit.yml nests about six levels (document, views, a view, columns, a column, a value)
# and an Optimove spec file about as many; 100 leaves room for any hand-written file, and keeps
# the recursive composer and constructor (a few Python frames per level) far from Python's
# recursion limit of 1000 whatever the caller's stack depth.
MAX_DEPTH = 100

_MERGE_TAG = "tag:yaml.org,2002:merge"


class Located(dict):
    """A mapping with `line` (1-based) and `key_lines[key]`."""

    line: int
    key_lines: dict[str, int]


class LocatedList(list):
    """A sequence with `line` and `item_lines[i]`."""

    line: int
    item_lines: list[int]


class SourceError(yaml.MarkedYAMLError):
    """A problem sharekit finds in the YAML itself; `problem` says what and how to fix it."""

    def __init__(self, problem: str, mark: Any = None):
        super().__init__(None, None, problem, mark)


class DuplicateKey(SourceError):
    pass


class BadMerge(SourceError):
    pass


class NestedTooDeeply(SourceError):
    pass


def too_deep_message() -> str:
    return (f"nested too deeply: sharekit reads at most {MAX_DEPTH} levels of lists and "
            "mappings; a config needs about six, so check for a runaway [ or { or a generated file")


_Base: Any = yaml.SafeLoader if TYPE_CHECKING else object  # what the mixin is mixed into


class _Located(_Base):
    """Composing with a depth limit and constructing Located/LocatedList values: shared by the
    pure-Python loader and the one on libyaml's parser."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise NestedTooDeeply(too_deep_message(), mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping, but found {node.id}", node.start_mark)
        result = Located()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        own: dict[str, tuple[Any, int]] = {}
        order: list[str | list[Located]] = []  # own keys and merged mappings, as written
        merge_line: int | None = None
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                if merge_line is not None:
                    raise BadMerge(
                        f"duplicate merge key '<<' (first at line {merge_line}): "
                        "merge several mappings with one `<<: [*a, *b]`", key_node.start_mark)
                merge_line = line
                order.append(self._merged(value_node))
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in own:
                raise DuplicateKey(f"duplicate key {key!r} (first at line {own[key][1]})", key_node.start_mark)
            own[key] = (self.construct_object(value_node, deep=True), line)
            order.append(key)
        for entry in order:
            if isinstance(entry, str):
                result[entry], result.key_lines[entry] = own[entry]
                continue
            for source in entry:  # earlier mappings first: the first to set a key wins
                for key, value in source.items():
                    if key not in own and key not in result:
                        result[key] = value
                        result.key_lines[key] = source.key_lines.get(key, source.line)
        return result

    def _merged(self, value_node: Any) -> list[Located]:
        """The mappings a `<<` key merges: one mapping, or a list of mappings."""
        nodes = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        sources = []
        for item in nodes:
            if not isinstance(item, yaml.MappingNode):
                what = "a list" if isinstance(item, yaml.SequenceNode) else "a plain value"
                raise BadMerge(
                    f"the merge key '<<' takes a mapping or a list of mappings (`<<: *base` or "
                    f"`<<: [*a, *b]`), not {what}", item.start_mark)
            sources.append(self.construct_object(item, deep=True))
        return sources

    def construct_sequence(self, node, deep=False):
        result = LocatedList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


class _Loader(_Located, yaml.SafeLoader):  # type: ignore[misc]
    """Pure Python: PyYAML's scanner and parser."""


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_sequence)

_CParser: Any = getattr(importlib.import_module("yaml.cyaml"), "CParser", None) if yaml.__with_libyaml__ else None

if _CParser is not None:

    class _FastLoader(_Located, yaml.composer.Composer, yaml.constructor.SafeConstructor,  # type: ignore[misc]
                      yaml.resolver.Resolver, _CParser):
        """libyaml's parser (C) for the events, PyYAML's own composer (with the depth limit
        above) and constructor on top: the same nodes, marks and values, several times faster."""

        def __init__(self, stream: Any):
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _FastLoader.add_constructor("tag:yaml.org,2002:map", _FastLoader.construct_mapping)
    _FastLoader.add_constructor("tag:yaml.org,2002:seq", _FastLoader.construct_sequence)


def load(text: str) -> Any:
    """Parse YAML text into Located/LocatedList/scalars; raises yaml.YAMLError with a mark
    (NestedTooDeeply, without one, should the recursion limit still be reached).

    libyaml's parser is used where PyYAML has it; any error there (or text PyYAML's reader would
    refuse) parses the file again with the pure-Python loader, so every error, its message and
    its line are exactly the pure-Python ones."""
    if _CParser is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - safe constructor
        except (yaml.YAMLError, RecursionError):
            pass  # the pure-Python loader says what is wrong, as it always has
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except RecursionError:
        raise NestedTooDeeply(too_deep_message()) from None
