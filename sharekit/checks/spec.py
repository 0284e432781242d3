"""What Optimove expects of each table, per vertical: the spec files `sharekit/optimove/*.yml`.

One file per vertical ships with sharekit (ecommerce, casino, sport, …), holding what is known of
Optimove's tables: names, column types, mandatory markers, allowed values. Most tables' column
specs are not known and are marked `incomplete: true`. A user extends or overrides them with
files of the same layout (`sharekit check --optimove-spec FILE`), merged over the built-in ones:

    vertical: ecommerce
    tables:
      Orders_Summary:
        incomplete: false
        columns:
          - {name: Order_ID, type: id, required: always}
          - {name: Total_Amount, type: decimal, required: always}

Table and column names match case-insensitively (and `Bets Details` = `Bets_Details`).

>>> spec = load_spec()
>>> spec.table("ecommerce", "customers").column("CUSTOMER_ID").required
'always'
>>> spec.table("ecommerce", "Orders").name
'Orders_Summary'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from sharekit.config.reader import unknown_key
from sharekit.config.source import Located, LocatedList, load
from sharekit.errors import Problem, SharekitError

BUILTIN_DIR = Path(__file__).parent.parent / "optimove"
REQUIRED = ("always", "conditional", "optional")

# Snowflake data types (INFORMATION_SCHEMA.COLUMNS.DATA_TYPE, or a DDL spelling) → one base name.
_TYPE_ALIASES = {
    "VARCHAR": "TEXT", "CHAR": "TEXT", "CHARACTER": "TEXT", "STRING": "TEXT", "NCHAR": "TEXT",
    "NVARCHAR": "TEXT", "NVARCHAR2": "TEXT", "CHAR VARYING": "TEXT", "NCHAR VARYING": "TEXT",
    "INT": "NUMBER", "INTEGER": "NUMBER", "BIGINT": "NUMBER", "SMALLINT": "NUMBER", "TINYINT": "NUMBER",
    "BYTEINT": "NUMBER", "DECIMAL": "NUMBER", "NUMERIC": "NUMBER", "FIXED": "NUMBER",
    "DOUBLE": "FLOAT", "DOUBLE PRECISION": "FLOAT", "REAL": "FLOAT", "FLOAT4": "FLOAT", "FLOAT8": "FLOAT",
    "DATETIME": "TIMESTAMP_NTZ", "TIMESTAMP": "TIMESTAMP_NTZ",
}
TIMESTAMPS = ("TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP_TZ")
NUMERIC = ("NUMBER", "FLOAT")
TEXT = ("TEXT",)

# type family → (Snowflake base types that fit, types that work but deserve a warning, hint)
TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "string": (TEXT, (), "share it as text, e.g. TO_VARCHAR(...)"),
    "id": (TEXT + ("NUMBER",), (), "share it as text or an integer"),
    "int": (("NUMBER",), ("FLOAT",), "share it as an integer, e.g. CAST(... AS NUMBER(38,0))"),
    "decimal": (NUMERIC, (), "share it as a number rounded to 4 places, e.g. ROUND(..., 4)"),
    "date": (("DATE",), TIMESTAMPS, "share a DATE (yyyy-MM-dd), e.g. TO_DATE(...)"),
    "datetime": (TIMESTAMPS, ("DATE",), "share a TIMESTAMP_NTZ in UTC, e.g. TO_TIMESTAMP_NTZ(...)"),
}


def base_type(data_type: str | None) -> str | None:
    """`VARCHAR(250)`, `TEXT`, `timestamp_ntz(9)` → `TEXT`, `TEXT`, `TIMESTAMP_NTZ`; None stays None."""
    if not data_type:
        return None
    base = data_type.split("(")[0].strip().upper()
    return _TYPE_ALIASES.get(base, base)


def fold(name: str) -> str:
    """The key names match on: case-insensitive, spaces and underscores alike."""
    return " ".join(name.replace("_", " ").split()).upper()


class SpecError(SharekitError):
    """An Optimove spec file that cannot be read; lists every problem with file:line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{len(problems)} {noun} in Optimove spec:\n  " + "\n  ".join(map(str, problems)))


@dataclass(frozen=True)
class SpecColumn:
    name: str
    type: str  # a key of TYPES
    required: str = "optional"  # always | conditional | optional
    values: tuple[str, ...] = ()  # allowed values (NULL is always allowed)
    max_length: int | None = None
    note: str | None = None

    def fits(self, data_type: str | None) -> str | None:
        """'ok', 'warning' or 'error' for a Snowflake type; None when the type is unknown."""
        base = base_type(data_type)
        if base is None:
            return None
        good, tolerated, _ = TYPES[self.type]
        if self.values and base != "TEXT":
            return "error"  # allowed values are strings ('Yes'/'No', 'Male'…)
        return "ok" if base in good else "warning" if base in tolerated else "error"

    @property
    def describe(self) -> str:
        text = self.type
        if self.values:
            text += " " + "/".join(f"'{v}'" for v in self.values)
        if self.max_length:
            text += f" of at most {self.max_length} characters"
        return text


@dataclass(frozen=True)
class SpecTable:
    name: str
    columns: tuple[SpecColumn, ...] = ()
    incomplete: bool = False
    aliases: tuple[str, ...] = ()
    description: str | None = None
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)  # keys its file set

    def column(self, name: str) -> SpecColumn | None:
        return next((c for c in self.columns if fold(c.name) == fold(name)), None)


@dataclass(frozen=True)
class Vertical:
    name: str
    title: str
    tables: tuple[SpecTable, ...] = ()
    files: tuple[str, ...] = ()  # where it was read from, built-in first

    def table(self, name: str) -> SpecTable | None:
        wanted = fold(name)
        return next((t for t in self.tables if wanted in {fold(t.name), *map(fold, t.aliases)}), None)


@dataclass(frozen=True)
class OptimoveSpec:
    verticals: dict[str, Vertical] = field(default_factory=dict)

    def vertical(self, name: str) -> Vertical | None:
        return self.verticals.get(_vertical_key(name))

    def table(self, vertical: str, table: str) -> SpecTable | None:
        found = self.vertical(vertical)
        return found.table(table) if found else None

    def suggest_vertical(self, name: str) -> str | None:
        hit = difflib.get_close_matches(_vertical_key(name), list(self.verticals), n=1)
        return hit[0] if hit else None

    def suggest_table(self, vertical: str, table: str) -> str | None:
        found = self.vertical(vertical)
        if found is None:
            return None
        names = {fold(n): t.name for t in found.tables for n in (t.name, *t.aliases)}
        hit = difflib.get_close_matches(fold(table), list(names), n=1, cutoff=0.7)
        return names[hit[0]] if hit else None


def _vertical_key(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())


def builtin_files() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.yml"))


def load_spec(extra_files: Iterable[str | Path] = ()) -> OptimoveSpec:
    """The built-in spec files, then each of `extra_files` merged over them in order."""
    spec = _builtin_spec()
    for path in extra_files:
        spec = merge(spec, read_spec_file(path))
    return spec


@lru_cache(maxsize=1)
def _builtin_spec() -> OptimoveSpec:
    spec = OptimoveSpec()
    for path in builtin_files():
        spec = merge(spec, read_spec_file(path))
    return spec


def merge(spec: OptimoveSpec, vertical: Vertical) -> OptimoveSpec:
    """`vertical` over what `spec` has: tables merge by name, columns by name; given keys win."""
    verticals = dict(spec.verticals)
    old = verticals.get(vertical.name)
    if old is None:
        verticals[vertical.name] = vertical
        return OptimoveSpec(verticals)
    tables = list(old.tables)
    for table in vertical.tables:
        index = _find(tables, table.name)
        if index is None:
            tables.append(table)
            continue
        current = tables[index]
        columns = list(current.columns)
        for column in table.columns:
            at = next((i for i, c in enumerate(columns) if fold(c.name) == fold(column.name)), None)
            if at is None:
                columns.append(column)
            else:
                columns[at] = column
        tables[index] = replace(
            current,
            columns=tuple(columns),
            incomplete=table.incomplete if "incomplete" in table.given else current.incomplete,
            aliases=tuple(dict.fromkeys(current.aliases + table.aliases)),
            description=table.description if table.description is not None else current.description,
        )
    title = vertical.title if vertical.title != vertical.name else old.title
    verticals[vertical.name] = Vertical(old.name, title, tuple(tables), old.files + vertical.files)
    return OptimoveSpec(verticals)


def _find(tables: list[SpecTable], name: str) -> int | None:
    return next(
        (i for i, t in enumerate(tables) if fold(name) in {fold(t.name), *map(fold, t.aliases)}),
        None,
    )


def read_spec_file(path: str | Path) -> Vertical:
    """One spec file → a Vertical; raises SpecError listing every problem with file:line."""
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        message = f"cannot read the Optimove spec file: {error.strerror or error}"
        raise SpecError([Problem(shown, None, "", message)]) from None
    try:
        document = load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise SpecError([Problem(shown, mark.line + 1 if mark else None, "",
                                 f"YAML error: {getattr(error, 'problem', None) or error}")]) from None
    reader = _SpecReader(shown)
    vertical = reader.vertical(document, str(path.resolve()))
    if reader.problems or vertical is None:
        raise SpecError(reader.problems or [Problem(shown, None, "", "is empty")])
    return vertical


class _SpecReader:
    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def problem(self, line: int | None, key: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, key, message))

    def keys(self, node: Any, key: str, allowed: tuple[str, ...], line: int | None) -> bool:
        if not isinstance(node, Located):
            self.problem(line, key, f"must be a mapping of {', '.join(allowed)}")
            return False
        for name in node:
            if name not in allowed:
                self.problem(node.key_lines[name], f"{key}.{name}" if key else name, unknown_key(name, allowed))
        return True

    def text(self, node: Located, key: str, name: str, required: bool = False) -> str | None:
        value = node.get(name)
        where = f"{key}.{name}" if key else name
        if value is None:
            if required:
                self.problem(node.line, where, "is required")
            return None
        if isinstance(value, bool):
            self.problem(node.key_lines[name], where, f"YAML read {value} as a boolean: quote the text, e.g. 'Yes'")
            return None
        if not isinstance(value, (str, int, float)) or (isinstance(value, str) and not value.strip()):
            self.problem(node.key_lines[name], where, "must be a non-empty text")
            return None
        return str(value)

    def vertical(self, document: Any, source: str) -> Vertical | None:
        if not self.keys(document, "", ("vertical", "title", "tables"), 1):
            return None
        name = self.text(document, "", "vertical", required=True)
        title = self.text(document, "", "title")
        tables_node = document.get("tables")
        tables: list[SpecTable] = []
        if not isinstance(tables_node, Located):
            self.problem(document.key_lines.get("tables", 1), "tables", "must be a mapping of table name → table")
        else:
            for table_name, node in tables_node.items():
                table = self.table(str(table_name), node, tables_node.key_lines[table_name])
                if table is not None:
                    if _find(tables, table.name) is not None:
                        self.problem(tables_node.key_lines[table_name], f"tables.{table_name}",
                                     "is listed twice (names and aliases match case-insensitively)")
                        continue
                    tables.append(table)
        if name is None:
            return None
        key = _vertical_key(name)
        return Vertical(key, title or key, tuple(tables), (source,))

    def table(self, name: str, node: Any, line: int) -> SpecTable | None:
        key = f"tables.{name}"
        if node is None:
            node = Located()
            node.line, node.key_lines = line, {}
        if not self.keys(node, key, ("columns", "incomplete", "aliases", "description"), line):
            return None
        incomplete = node.get("incomplete", False)
        if not isinstance(incomplete, bool):
            self.problem(node.key_lines.get("incomplete", line), f"{key}.incomplete", "must be true or false")
            incomplete = False
        aliases = node.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            self.problem(node.key_lines.get("aliases", line), f"{key}.aliases", "must be a list of table names")
            aliases = []
        columns: list[SpecColumn] = []
        raw = node.get("columns") or LocatedList()
        if not isinstance(raw, LocatedList):
            self.problem(node.key_lines.get("columns", line), f"{key}.columns", "must be a list of columns")
            raw = LocatedList()
        for index, item in enumerate(raw):
            column = self.column(item, f"{key}.columns[{index}]", raw.item_lines[index])
            if column is None:
                continue
            if any(fold(c.name) == fold(column.name) for c in columns):
                self.problem(raw.item_lines[index], f"{key}.columns[{index}]", f"column {column.name} is listed twice")
                continue
            columns.append(column)
        return SpecTable(name, tuple(columns), incomplete, tuple(aliases), self.text(node, key, "description"),
                         given=frozenset(node))

    def column(self, item: Any, key: str, line: int) -> SpecColumn | None:
        if not self.keys(item, key, ("name", "type", "required", "values", "max_length", "note"), line):
            return None
        name = self.text(item, key, "name", required=True)
        type_ = self.text(item, key, "type", required=True)
        if type_ is not None and type_ not in TYPES:
            self.problem(item.key_lines["type"], f"{key}.type",
                         f"{type_!r} is not a type: use one of {', '.join(TYPES)}")
            type_ = None
        required = self.text(item, key, "required") or "optional"
        if required not in REQUIRED:
            self.problem(item.key_lines["required"], f"{key}.required",
                         f"{required!r}: use always ('**' on Optimove's page), conditional ('*') or optional")
            required = "optional"
        values: list[str] = []
        raw = item.get("values")
        if raw is not None:
            if not isinstance(raw, list) or not raw:
                self.problem(item.key_lines["values"], f"{key}.values", "must be a non-empty list of allowed texts")
            else:
                for value in raw:
                    if isinstance(value, bool):
                        self.problem(item.key_lines["values"], f"{key}.values",
                                     f"YAML read {value} as a boolean: quote the values, e.g. ['Yes', 'No']")
                    elif not isinstance(value, str):
                        self.problem(item.key_lines["values"], f"{key}.values", f"{value!r} is not a text: quote it")
                    else:
                        values.append(value)
        max_length = item.get("max_length")
        if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int)
                                       or max_length < 1):
            self.problem(item.key_lines["max_length"], f"{key}.max_length", "must be a positive whole number")
            max_length = None
        if name is None or type_ is None:
            return None
        return SpecColumn(name, type_, required, tuple(values), max_length, self.text(item, key, "note"))
