"""Snowflake's name resolution for queries, on top of a case-insensitive DuckDB.

DuckDB would happily run `SELECT LASTUPDATED FROM t` when `t` has `"LastUpdated"`; Snowflake
refuses with `000904 invalid identifier 'LASTUPDATED'`. Before a SELECT or a view body reaches
fakesnow, its table references are resolved exactly (a missing or wrongly-cased object is
Snowflake's 002003) and each column reference is compared with the exact stored column names
of the sources. Only a name that matches a source column *case-insensitively but not exactly*
(and is no alias defined in the statement) is refused; anything that cannot be resolved is left
to DuckDB rather than risk a false alarm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from sharekit.local import sferrors
from sharekit.local.engine import Engine, quiet
from sharekit.sql import identifiers

SourceKey = tuple[str, str, str]


def stored(ident: exp.Identifier) -> str:
    """An identifier node → the name Snowflake stores (unquoted ones upper-cased)."""
    return ident.this if ident.quoted else ident.this.upper()


def parse(text: str, offset: int = 0, full_text: str | None = None) -> exp.Expr:
    """Parse one Snowflake statement; a parse failure becomes Snowflake's syntax error."""
    try:
        with quiet():
            tree = sqlglot.parse_one(text, read="snowflake")
    except ParseError as exc:
        err = (exc.errors or [{}])[0]
        line, col = err.get("line") or 1, err.get("col") or 1
        starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        local = starts[min(line, len(starts)) - 1] + max(col - len(err.get("highlight") or "x"), 0)
        found = err.get("highlight") or "<EOF>"
        raise sferrors.syntax_error(full_text or text, offset + local, f"unexpected '{found}'") from None
    if tree is None:
        raise sferrors.empty_statement()
    return tree


@dataclass
class Analysis:
    sources: dict[str, SourceKey] = field(default_factory=dict)  # qualifier → object


def analyze(
    tree: exp.Expr,
    text: str,
    offset: int,
    engine: Engine,
    database: str | None,
    schema: str | None,
) -> Analysis:
    """Check a query's object and column names as Snowflake would; return its sources.

    `text` is the whole submitted statement and `offset` where `tree`'s text starts in it, so
    error positions point into what the user wrote."""
    cte_names, aliases = set(), set()
    for cte in tree.find_all(exp.CTE):
        alias = cte.args.get("alias")
        if isinstance(alias, exp.TableAlias) and isinstance(alias.this, exp.Identifier):
            cte_names.add(stored(alias.this))
    for table_alias in tree.find_all(exp.TableAlias):
        for col in table_alias.columns:
            if isinstance(col, exp.Identifier):
                aliases.add(stored(col))
    for alias in tree.find_all(exp.Alias):
        ident = alias.args.get("alias")
        if isinstance(ident, exp.Identifier):
            aliases.add(stored(ident))

    result = Analysis()
    all_columns: set[str] = set()
    for table in tree.find_all(exp.Table):
        ident = table.this
        if not isinstance(ident, exp.Identifier):
            continue  # table functions, stages, …
        name = stored(ident)
        db_ident, cat_ident = table.args.get("db"), table.args.get("catalog")
        if db_ident is None and (name in cte_names or name == "DUAL"):
            continue
        sch = stored(db_ident) if isinstance(db_ident, exp.Identifier) else schema
        db = stored(cat_ident) if isinstance(cat_ident, exp.Identifier) else database
        if db is None or sch is None or sch == "INFORMATION_SCHEMA" or name.startswith("_FS_"):
            continue  # fakesnow reports the missing current database/schema itself
        engine.require_schema(db, sch)
        if engine.object_kind(db, sch, name) is None:
            raise sferrors.object_missing(db, sch, name)
        key = (db, sch, name)
        qualifier = stored(table.args["alias"].this) if table.alias else name
        result.sources[qualifier] = key
        all_columns.update(engine.columns(*key))

    if not result.sources:
        return result
    folded = {c.casefold() for c in all_columns}
    for column in tree.find_all(exp.Column):
        ident = column.this
        if not isinstance(ident, exp.Identifier):
            continue
        name = stored(ident)
        qualifier_node = column.args.get("table")
        if isinstance(qualifier_node, exp.Identifier) and stored(qualifier_node) in result.sources:
            cols = engine.columns(*result.sources[stored(qualifier_node)])
            bad = name not in cols and name.casefold() in {c.casefold() for c in cols}
        else:
            bad = name not in all_columns and name not in aliases and name.casefold() in folded
        if bad:
            starts = [i.meta["start"] for i in column.find_all(exp.Identifier) if i.meta and "start" in i.meta]
            start = min(starts, default=0)  # a qualified reference is reported where it begins
            raise sferrors.invalid_identifier(text, offset + start, identifiers.quote(name))
    return result


def projections(tree: exp.Expr) -> list[exp.Expr] | None:
    """The output expressions of a query, or None when a `*` makes the count unknown here."""
    query = tree
    while isinstance(query, (exp.Union, exp.Intersect, exp.Except)):
        query = query.this
    if isinstance(query, exp.Subquery):
        query = query.this
    if not isinstance(query, exp.Select):
        return None
    selects = list(query.expressions)
    if any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)) for e in selects):
        return None
    return selects


_LTZ_FUNCS = (exp.CurrentTimestamp,)


def column_types(
    tree: exp.Expr,
    analysis: Analysis,
    names: list[str],
    declared: Callable[[SourceKey], dict[str, str]],
) -> dict[str, str]:
    """Snowflake timestamp flavours DuckDB cannot tell apart (TIMESTAMP_LTZ vs _TZ both become
    TIMESTAMPTZ), followed from casts and plain column references of a view's SELECT."""
    selects = projections(tree)
    if selects is None:
        return {}
    out: dict[str, str] = {}
    for name, projection in zip(names, selects, strict=False):
        expr = projection.unalias()
        found: str | None = None
        if isinstance(expr, (exp.Cast, exp.TryCast)):
            to = expr.args.get("to")
            if isinstance(to, exp.DataType):
                if to.this == exp.DataType.Type.TIMESTAMPLTZ:
                    found = "TIMESTAMP_LTZ"
                elif to.this == exp.DataType.Type.TIMESTAMPTZ:
                    found = "TIMESTAMP_TZ"
        elif isinstance(expr, _LTZ_FUNCS):
            found = "TIMESTAMP_LTZ"
        elif isinstance(expr, exp.Column) and isinstance(expr.this, exp.Identifier):
            col = stored(expr.this)
            qualifier = expr.args.get("table")
            keys = (
                [analysis.sources[stored(qualifier)]]
                if isinstance(qualifier, exp.Identifier) and stored(qualifier) in analysis.sources
                else list(analysis.sources.values())
            )
            for key in keys:
                if col in declared(key):
                    found = declared(key)[col]
                    break
        if found:
            out[name] = found
    return out
