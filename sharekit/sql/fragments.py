"""Validation of the SQL a config may carry (`where:`, `expr:`, `query:`), with sqlglot.

Fragments are parsed with the Snowflake dialect and *regenerated* by sqlglot: what reaches an
account is what was parsed, so nothing can ride along in a comment or after a `;`.

>>> check_condition("IS_TEST = FALSE")
'IS_TEST = FALSE'
>>> check_scalar("sha2( lower(EMAIL) )")
'SHA2(LOWER(EMAIL))'
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.tokens import TokenType

from sharekit.errors import SharekitError

DIALECT = "snowflake"

# Top-level node types that make a boolean row filter.
_BOOLEAN_NODES = (exp.Predicate, exp.Connector, exp.Not, exp.Boolean, exp.Xor)


_quiet = threading.local()


class _QuietWhileChecking(logging.Filter):
    """sqlglot logs a warning to stderr when it parses unknown syntax as a Command; a fragment
    that does so is refused here with its own message, so the warning is only noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_quiet, "on", False)


logging.getLogger("sqlglot").addFilter(_QuietWhileChecking())


@contextmanager
def _quietly() -> Iterator[None]:
    previous, _quiet.on = getattr(_quiet, "on", False), True
    try:
        yield
    finally:
        _quiet.on = previous


class FragmentError(SharekitError, ValueError):
    """A SQL fragment that is not what its key allows; the message says why."""


@dataclass(frozen=True)
class CheckedQuery:
    """A validated `query:`: its regenerated SQL, output column names and source tables."""

    sql: str
    columns: tuple[str, ...]  # stored names, in order
    sources: tuple[tuple[str, str, str], ...]  # stored (database, schema, name), sorted


def stored(identifier: exp.Identifier | None) -> str:
    """A sqlglot identifier → the name Snowflake stores (unquoted → upper-case)."""
    if identifier is None:
        return ""
    return identifier.this if identifier.quoted else identifier.this.upper()


# Tokens of a flat expression: names, literals, comparisons and boolean or arithmetic operators,
# with no parenthesis, comma or keyword that could start a clause, a statement or a subquery.
# An expression made of these alone reads the same inside `SELECT ( … )`, so `_expression`
# skips that second parse for it (most row filters: `IS_TEST = FALSE`, `STATUS <> 'TEST'`).
_FLAT = frozenset({
    TokenType.VAR, TokenType.NUMBER, TokenType.STRING, TokenType.IDENTIFIER, TokenType.DOT, TokenType.EQ,
    TokenType.NEQ, TokenType.GT, TokenType.GTE, TokenType.LT, TokenType.LTE, TokenType.AND, TokenType.OR,
    TokenType.NOT, TokenType.IS, TokenType.NULL, TokenType.TRUE, TokenType.FALSE, TokenType.PLUS,
    TokenType.DASH, TokenType.SLASH, TokenType.MOD, TokenType.LIKE, TokenType.ILIKE, TokenType.BETWEEN,
})


def _parse(text: str, what: str) -> exp.Expression:
    return _parse_tokens(text, what)[0]


def _parse_tokens(text: str, what: str) -> tuple[exp.Expression, list]:
    """The one expression or statement `text` holds, and its tokens (parsed from those tokens,
    as sqlglot.parse would tokenize the text again)."""
    if not isinstance(text, str) or not text.strip():
        raise FragmentError(f"{what} is empty")
    dialect = sqlglot.Dialect.get_or_raise(DIALECT)
    try:
        tokens = dialect.tokenize(text)
    except TokenError as error:
        raise FragmentError(f"{what} does not tokenize as Snowflake SQL: {error}") from None
    if any(token.token_type == TokenType.SEMICOLON for token in tokens):
        one = "one SELECT" if what == "query" else "a single expression"
        raise FragmentError(f"{what} contains ';': it must be {one}, not statements")
    if any(token.comments for token in tokens):
        raise FragmentError(f"{what} contains a SQL comment (-- or /* */): remove it")
    try:
        with _quietly():
            parsed = dialect.parser().parse(tokens, text)
    except ParseError as error:
        first = error.errors[0]["description"] if error.errors else str(error)
        raise FragmentError(f"{what} is not valid Snowflake SQL: {first}") from None
    if len(parsed) != 1 or parsed[0] is None:
        raise FragmentError(f"{what} must be exactly one expression")
    return parsed[0], tokens  # type: ignore[return-value]  # sqlglot types parse() as Expr


def _refuse_star(node: exp.Expression, what: str) -> None:
    for star in node.find_all(exp.Star):
        if not isinstance(star.parent, exp.Count):
            raise FragmentError(f"{what} uses '*': a share must list its columns explicitly")


def _expression(text: str, what: str) -> exp.Expression:
    node, tokens = _parse_tokens(text, what)
    if isinstance(node, exp.Alias):
        raise FragmentError(f"{what} must not carry an alias: the column's `name:` is its alias")
    _refuse_star(node, what)
    if not isinstance(node, exp.Condition) or isinstance(node, exp.Query):
        raise FragmentError(f"{what} must be an expression, not a statement")
    if all(token.token_type in _FLAT for token in tokens):
        return node
    # Parse it again where only an expression can stand: inside parentheses in a projection.
    # A statement fails there, and text like `a) OR (b` does not come back as one group.
    try:
        with _quietly():
            wrapped = sqlglot.parse_one(f"SELECT ({text})", read=DIALECT)
    except (ParseError, TokenError):
        raise FragmentError(f"{what} must be a single expression") from None
    projection = wrapped.selects[0] if isinstance(wrapped, exp.Select) and len(wrapped.selects) == 1 else None
    if isinstance(projection, exp.Subquery) or (projection is not None and projection.find(exp.Query, exp.Subquery)):
        raise FragmentError(f"{what} contains a subquery: use a `query:` view instead")
    if not isinstance(projection, exp.Paren) or wrapped.args.get("from_") or wrapped.args.get("from"):
        raise FragmentError(f"{what} must be one expression: check its parentheses")
    return node


# Fragments repeat across views (`IS_TEST = FALSE` on every view of a config), and a parse is
# most of a view's validation: the checks below are pure, so each text is checked once. A
# refused text raises again each time (lru_cache keeps no exceptions). The trees are dropped
# after regenerating, so the generator may work on them in place (copy=False).
_CACHE = 16_384


@lru_cache(maxsize=_CACHE)
def check_condition(text: str, what: str = "where") -> str:
    """One boolean expression (row filter) → regenerated SQL; raises FragmentError."""
    node = _expression(text, what)
    inner = node.unnest() if isinstance(node, exp.Paren) else node
    if not isinstance(inner, _BOOLEAN_NODES + (exp.Column,)):
        raise FragmentError(f"{what} must be a boolean condition such as `IS_TEST = FALSE`")
    if node.find(exp.AggFunc, exp.Window):
        raise FragmentError(f"{what} cannot use aggregate or window functions")
    return node.sql(DIALECT, copy=False)


@lru_cache(maxsize=_CACHE)
def check_scalar(text: str, what: str = "expr") -> str:
    """One scalar expression (a masked column) → regenerated SQL; raises FragmentError."""
    node = _expression(text, what)
    if node.find(exp.AggFunc, exp.Window):
        raise FragmentError(
            f"{what} cannot use aggregate or window functions: one value per source row"
        )
    return node.sql(DIALECT, copy=False)


@lru_cache(maxsize=_CACHE)
def check_query(text: str, what: str = "query") -> CheckedQuery:
    """Exactly one SELECT (joins, CTEs, set operations allowed) → CheckedQuery."""
    node = _parse(text, what)
    if not isinstance(node, exp.Query):
        kind = str(node.this).upper() if isinstance(node, exp.Command) else type(node).__name__.upper()
        raise FragmentError(f"{what} must be one SELECT statement, not {kind}")
    if node.find(exp.DDL, exp.DML, exp.Command):
        raise FragmentError(f"{what} may only read: it contains a statement that writes")
    _refuse_star(node, what)
    columns = []
    selects = node.selects
    for projection in selects:
        if isinstance(projection, exp.Alias):
            columns.append(stored(projection.args["alias"]))
        elif isinstance(projection, exp.Column):
            columns.append(stored(projection.this))
        else:
            raise FragmentError(
                f"{what}: give `{projection.sql(DIALECT)}` a column name with `AS NAME`"
            )
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise FragmentError(f"{what} returns column {duplicates[0]} more than once: alias one")
    cte_names = {stored(cte.args["alias"].this) for cte in node.find_all(exp.CTE)}
    sources = set()
    for table in node.find_all(exp.Table):
        if not table.args.get("catalog") and stored(table.this) in cte_names:
            continue
        if not table.args.get("catalog") or not table.args.get("db"):
            raise FragmentError(
                f"{what}: qualify table {table.sql(DIALECT)} as DATABASE.SCHEMA.TABLE"
            )
        sources.add((stored(table.args["catalog"]), stored(table.args["db"]), stored(table.this)))
    return CheckedQuery(
        sql=node.sql(DIALECT, pretty=True, copy=False), columns=tuple(columns), sources=tuple(sorted(sources))
    )


@lru_cache(maxsize=_CACHE)
def normalize_select(text: str) -> str | None:
    """The SELECT of a `CREATE … VIEW … AS SELECT` (as SHOW VIEWS reports it), regenerated the
    way sharekit renders it, so live and desired definitions compare without churn.
    Returns None when the text cannot be parsed (the caller then treats the view as changed)."""
    try:
        with _quietly():
            node = sqlglot.parse_one(text, read=DIALECT)
    except (ParseError, TokenError):
        return None
    if isinstance(node, exp.Create):
        node = node.expression
    if not isinstance(node, exp.Query):
        return None
    # Unquoted names are case-insensitive: upper-case them as Snowflake resolves them.
    return normalize_identifiers(node, dialect=DIALECT).sql(DIALECT, pretty=True, copy=False)
