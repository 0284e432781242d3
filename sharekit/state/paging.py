"""SHOW VIEWS past the 10,000 rows a SHOW statement returns.

Snowflake refuses a SHOW whose result would exceed 10,000 rows ("The result set size exceeded
the max number of rows(10000) supported for SHOW statements. Use LIMIT option…": snowflake-jdbc
#1021, snowflake-sqlalchemy #274) and pages with `LIMIT n FROM 'name'`. FROM compares the object
name alone, while a database's rows are ordered by schema first, so a database is paged schema
by schema (datahub #19143, snowflake-sqlalchemy #744). Whether FROM's own name comes back as the
page's first row is UNCONFIRMED: rows are kept once by (schema, name), so either way reads right.

A database of at most 10,000 views costs the one SHOW it always did; only a refused one is read
again: SHOW SCHEMAS, then a page of each schema until a page comes back short. Plan's
introspection (state/introspect.py) and audit (audit/read.py, after a refused SHOW VIEWS IN
ACCOUNT) both read SHOW VIEWS through `show_views`.
"""

from __future__ import annotations

from typing import Any

from sharekit.connect.session import Session
from sharekit.sql.templates import Templates

SHOW_MAX_ROWS = 10_000


def refused_as_too_large(error: BaseException) -> bool:
    return "max number of rows" in str(getattr(error, "msg", None) or error)


def show_views(session: Session, t: Templates, database: str) -> list[dict[str, Any]]:
    """Every row of SHOW VIEWS IN DATABASE `database`, in its order (schema, then name)."""
    try:
        return session.query(t.render("show_views", database=database))
    except Exception as error:
        if not refused_as_too_large(error):
            raise
    schemas = sorted(str(row["name"]) for row in session.query(t.render("show_schemas", database=database)))
    rows: list[dict[str, Any]] = []
    for schema in schemas:
        seen: set[str] = set()
        after: str | None = None
        while True:
            page = session.query(t.render("show_views", database=database, schema=schema,
                                          limit=SHOW_MAX_ROWS, after=after))
            fresh = [row for row in page if str(row["name"]) not in seen]
            seen.update(str(row["name"]) for row in fresh)
            rows += fresh
            if len(page) < SHOW_MAX_ROWS or not fresh:
                break
            after = str(page[-1]["name"])
    return rows
