"""`sharekit.yml` (version 1) → a typed, validated, frozen Config.

Every problem is collected with its file, line and key, then raised once as a ConfigError, so a
user fixes a file in one pass. Unknown keys are errors with a "did you mean" hint.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from sharekit.config.access import read_access
from sharekit.config.export import read_export
from sharekit.config.model import (
    DEFAULT_LAST_UPDATED,
    DEFAULT_MAX_AGE,
    DEFAULT_SCHEMA,
    KINDS,
    Column,
    Config,
    OptimoveTable,
    View,
    parse_duration,
)
from sharekit.config.monitor import read_monitor, read_volume
from sharekit.config.reader import Reader, _name, _qualified3, _shown, _text
from sharekit.config.share import read_share
from sharekit.config.source import BadMerge, Located, LocatedList, NestedTooDeeply, load
from sharekit.errors import ConfigError, IdentifierError, Problem
from sharekit.sql import fragments as sqlcheck
from sharekit.sql import identifiers

# The largest config file sharekit reads, checked before the file is parsed. A real sharekit.yml
# is a few KB (10,000 views are about 1 MiB), while loading YAML in pure Python, so that every
# value keeps its line, costs about 7 s and 90 MiB of memory per MiB of file (2-core CI machine).
# 16 MiB leaves room for any config a person writes or generates, and refuses a data file passed
# by mistake, or a file that grows without end, before it costs gigabytes and many minutes.
MAX_CONFIG_BYTES = 16 * 1024 * 1024


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MiB ({count:,} bytes)"


def _too_large(path: str, size: str) -> ConfigError:
    return ConfigError([Problem(
        path, None, "",
        f"the file is {size}, over the {MAX_CONFIG_BYTES // (1024 * 1024)} MiB limit for a config: "
        "a sharekit.yml is a few KB, so check that -f names the config and not a data file")])


def _query(value: Any) -> sqlcheck.CheckedQuery:
    checked = sqlcheck.check_query(_text(value))
    for name in checked.columns + tuple(part for source in checked.sources for part in source):
        identifiers.require_printable(name)
    return checked


def _kind(value: Any) -> str:
    value = _text(value)
    if value not in KINDS:
        raise ValueError(f"{value!r} is not a kind: use one of {', '.join(KINDS)}")
    return value


def _duration(value: Any) -> timedelta:
    return parse_duration(_text(value) if not isinstance(value, int) else f"{value}h")


def load_config(path: str | Path, variables: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file; `variables` override SHAREKIT_VAR_* from the environment."""
    path = Path(path)
    shown = str(path)
    try:
        with path.open("rb") as file:  # read no more than the limit: the file may be huge, or endless
            raw = file.read(MAX_CONFIG_BYTES + 1)
            if len(raw) > MAX_CONFIG_BYTES:
                size = os.fstat(file.fileno()).st_size
                raise _too_large(shown, _size(size) if size > MAX_CONFIG_BYTES else
                                 f"more than {_size(MAX_CONFIG_BYTES)}")
    except FileNotFoundError:
        raise ConfigError(
            [Problem(shown, None, "", "file not found: create one with `sharekit init` or pass -f FILE")]
        ) from None
    except OSError as error:
        raise ConfigError([Problem(shown, None, "", f"cannot read file: {error}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ConfigError(
            [Problem(shown, line, "", f"not UTF-8 text (byte {raw[error.start]:#04x}): save the file as UTF-8")]
        ) from None
    merged = {
        name[len("SHAREKIT_VAR_") :]: value
        for name, value in os.environ.items()
        if name.startswith("SHAREKIT_VAR_")
    }
    merged.update(variables or {})
    return parse_config(text, shown, merged, base_dir=path.parent)


def parse_config(
    text: str, path: str = "sharekit.yml", variables: Mapping[str, str] | None = None, base_dir: Path | None = None
) -> Config:
    """Validate config text; raises ConfigError listing every problem found."""
    if len(text) > MAX_CONFIG_BYTES:  # each character is at least one byte of the file
        raise _too_large(path, f"{len(text):,} characters")
    try:
        document = load(text)
    except (NestedTooDeeply, BadMerge) as error:
        mark = error.problem_mark
        raise ConfigError([Problem(path, mark.line + 1 if mark else None, "", str(error.problem))]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        what = error.problem or str(error)
        if error.context and error.problem and error.problem.startswith("but "):
            what = f"{error.context}, {error.problem}"  # "expected a single document …, but found another"
        raise ConfigError(
            [Problem(path, line, "", f"YAML syntax error: {what}; check indentation and quoting")]
        ) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, e.g. \x7f
        line = text.count("\n", 0, error.position) + 1
        raise ConfigError(
            [Problem(path, line, "", f"YAML cannot hold the character {chr(error.character)!r} "
                                     f"({error.reason}); write it as an escape in a double-quoted string")]
        ) from None
    except yaml.YAMLError as error:
        raise ConfigError([Problem(path, None, "", f"YAML error: {error}")]) from None
    reader = Reader(path, variables or {})
    config = _read_document(reader, document, base_dir or Path("."))
    if reader.problems:
        raise ConfigError(reader.problems)
    assert config is not None
    return config


def _read_document(r: Reader, document: Any, base_dir: Path) -> Config | None:
    top = r.mapping(document, "", ("version", "share", "defaults", "local", "views", "export", "monitor",
                                      "reader"), 1)
    if top is None:
        return None
    version = top.get("version")
    if version != 1:
        r.problem(
            top.key_lines.get("version", 1),
            "version",
            "must be 1 (this sharekit reads config version 1)" if "version" in top else "is required: add `version: 1`",
        )
    share = read_share(r, top)  # sharekit.config.share: `share:`
    defaults = r.mapping(top.get("defaults", Located()), "defaults",
                         ("schema", "last_updated", "max_age"), top.key_lines.get("defaults"))
    # A copy: the loaded mapping may be shared through a YAML anchor, so it is never changed.
    given = defaults if defaults is not None else Located()
    defaults = Located({"schema": DEFAULT_SCHEMA, "last_updated": DEFAULT_LAST_UPDATED,
                        "max_age": DEFAULT_MAX_AGE, **given})
    defaults.line, defaults.key_lines = getattr(given, "line", 1), getattr(given, "key_lines", {})
    schema = r.get(defaults, "defaults", "schema", _name, default=DEFAULT_SCHEMA)
    last_updated = r.get(defaults, "defaults", "last_updated", _name, default="LASTUPDATED")
    max_age = r.get(defaults, "defaults", "max_age", _duration, default=timedelta(hours=36))
    seed = None
    if "local" in top:
        local = r.mapping(top["local"], "local", ("seed",), top.key_lines["local"])
        if local is not None:
            seed_text = r.get(local, "local", "seed", _text)
            seed = (base_dir / seed_text) if seed_text else None
    views = _read_views(r, top, schema, last_updated, max_age)
    export = read_export(r, top, share, schema)  # sharekit.config.export: `export:`, views[].export
    reader = read_access(r, top, base_dir)  # sharekit.config.access: `reader:`
    monitor = read_monitor(r, top, share)  # sharekit.config.monitor: `monitor:`
    if share is None:
        return None
    return Config(
        path=r.path,
        share=share,
        views=tuple(views),
        schema=schema,
        last_updated=last_updated,
        max_age=max_age,
        seed=seed,
        warnings=tuple(r.warnings),
        export=export,
        reader=reader,
        monitor=monitor,
    )


_VIEW_KEYS = ("name", "schema", "from", "kind", "primary_key", "columns", "where", "query",
              "comment", "last_updated", "max_age", "optimove", "export", "volume")


def _read_views(r: Reader, top: Located, schema: str, last_updated: str, max_age: timedelta) -> list[View]:
    raw = top.get("views")
    if not isinstance(raw, LocatedList) or not raw:
        r.problem(top.key_lines.get("views", 1), "views", "must be a non-empty list of views to share")
        return []
    views: list[View] = []
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(raw):
        key = f"views[{index}]"
        line = raw.item_lines[index]
        node = r.mapping(item, key, _VIEW_KEYS, line)
        if node is None:
            continue
        if isinstance(node.get("name"), str):
            key = f"views[{index}]({_shown(node['name'])})"
        view = _read_view(r, node, key, schema, last_updated, max_age)
        if view is None:
            continue
        ident = (view.schema, view.name)
        if ident in seen:
            r.problem(line, f"{key}.name",
                      f"view {identifiers.fqn(*ident)} is declared twice (first at line {seen[ident]})")
            continue
        seen[ident] = line
        views.append(view)
    return views


def _read_view(r: Reader, node: Located, key: str, schema: str, last_updated: str, max_age: timedelta) -> View | None:
    name = r.get(node, key, "name", _name, required=True)
    view_schema = r.get(node, key, "schema", _name, default=schema)
    kind = r.get(node, key, "kind", _kind, default="transactional")
    comment = r.get(node, key, "comment", _text)
    view_last_updated = r.get(node, key, "last_updated", _name, default=last_updated)
    view_max_age = r.get(node, key, "max_age", _duration, default=max_age)
    optimove = _read_optimove(r, node, key)
    if ("from" in node) == ("query" in node):
        r.problem(node.line, key, "needs exactly one of `from:` (a source table) or `query:` (one SELECT)")
        return None
    if "query" in node:
        for extra in ("columns", "where"):
            if extra in node:
                r.problem(node.key_lines[extra], f"{key}.{extra}",
                          "cannot be used with `query:`: put it in the query itself")
        checked = r.get(node, key, "query", _query, required=True)
        if checked is None or name is None:
            return None
        columns = tuple(Column(c, source=c) for c in checked.columns)
        sources, source, where, query = checked.sources, None, None, checked.sql
    else:
        source = r.get(node, key, "from", _qualified3, required=True)
        where = r.get(node, key, "where", lambda v: sqlcheck.check_condition(_text(v), "where"))
        columns = _read_columns(r, node, key)
        if source is None or name is None or not columns:
            return None
        sources, query = (source,), None
    names = [c.name for c in columns]
    primary_key = _read_primary_key(r, node, key, names)
    return View(
        name=name, schema=view_schema, kind=kind, columns=columns, sources=tuple(sources),
        source=source, last_updated=view_last_updated, max_age=view_max_age,
        primary_key=primary_key, comment=comment, where=where, query=query, optimove=optimove,
        line=node.line, volume=read_volume(r, node, key, names),
    )


def _read_primary_key(r: Reader, node: Located, key: str, names: list[str]) -> tuple[str, ...]:
    def convert(value: Any) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise TypeError("must be a column name or a non-empty list of column names")
        keys = tuple(_name(item) for item in items)
        for column in keys:
            if column not in names:
                raise ValueError(f"{identifiers.quote(column)} is not a column of this view")
        return keys

    return r.get(node, key, "primary_key", convert, default=())


def _read_optimove(r: Reader, node: Located, key: str) -> OptimoveTable | None:
    if "optimove" not in node:
        return None
    entry = r.mapping(node["optimove"], f"{key}.optimove", ("vertical", "table"), node.key_lines["optimove"])
    if entry is None:
        return None
    vertical = r.get(entry, f"{key}.optimove", "vertical", _text, required=True)
    table = r.get(entry, f"{key}.optimove", "table", _text, required=True)
    return OptimoveTable(vertical.lower(), table) if vertical and table else None


def _read_columns(r: Reader, node: Located, key: str) -> tuple[Column, ...]:
    raw = node.get("columns")
    if not isinstance(raw, LocatedList) or not raw:
        r.problem(node.key_lines.get("columns", node.line), f"{key}.columns",
                  "must list the view's columns explicitly (never SELECT *)")
        return ()
    columns: list[Column] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        ckey, line = f"{key}.columns[{index}]", raw.item_lines[index]
        column = _read_column(r, item, ckey, line)
        if column is None:
            continue
        if column.name in seen:
            r.problem(line, ckey,
                      f"column {identifiers.quote(column.name)} is listed twice (first at line {seen[column.name]})")
            continue
        seen[column.name] = line
        columns.append(column)
    return tuple(columns)


def _read_column(r: Reader, item: Any, key: str, line: int) -> Column | None:
    if isinstance(item, str):
        item = r.substitute(item, line, key)
        if item.strip() == "*" or item.strip().endswith(".*"):
            r.problem(line, key, "'*' is not allowed: a share must list its columns explicitly")
            return None
        try:
            name = _name(item)
        except IdentifierError as error:
            r.problem(line, key, str(error))
            return None
        return Column(name, source=name, line=line)
    node = r.mapping(item, key, ("name", "from", "expr", "comment"), line)
    if node is None:
        return None
    name = r.get(node, key, "name", _name, required=True)
    if "from" in node and "expr" in node:
        r.problem(line, key, "use either `from:` (rename) or `expr:` (computed), not both")
        return None
    source = r.get(node, key, "from", _name, required="from" in node)
    expr = r.get(node, key, "expr", lambda v: sqlcheck.check_scalar(_text(v), "expr"), required="expr" in node)
    comment = r.get(node, key, "comment", _text)
    if name is None or ("expr" in node and expr is None) or ("from" in node and source is None):
        return None
    return Column(name, source=None if expr else (source or name), expr=expr, comment=comment, line=line)
