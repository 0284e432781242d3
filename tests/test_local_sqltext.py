"""The local account's tokenizer: statement splitting, literals, LIKE patterns."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from snowflake.connector.errors import ProgrammingError

from sharekit.sql import identifiers
from sharekit.local.sqltext import QIDENT, STRING, like_regex, one_statement, replace_calls, split_statements, tokenize


def test_split_honours_strings_quotes_comments_and_dollar_strings():
    script = """
    -- leading comment; not a statement
    CREATE TABLE "a;b" (X VARCHAR DEFAULT 'x;y');   /* block ; comment */
    SELECT $$ ; $$ AS D; // trailing comment
    ;;
    SELECT 'it''s' AS Q
    """
    statements = split_statements(script)
    assert [s.text for s in statements] == [
        "CREATE TABLE \"a;b\" (X VARCHAR DEFAULT 'x;y')",
        "SELECT $$ ; $$ AS D",
        "SELECT 'it''s' AS Q",
    ]
    assert [s.line for s in statements] == [3, 4, 6]


def test_one_statement_refuses_several_and_none():
    with pytest.raises(ProgrammingError, match="did not match the desired statement count"):
        one_statement("SELECT 1; SELECT 2")
    with pytest.raises(ProgrammingError, match="Empty SQL statement"):
        one_statement("  -- nothing\n")
    assert one_statement("SELECT 1;").text == "SELECT 1"


def test_unterminated_string_is_a_syntax_error_with_position():
    with pytest.raises(ProgrammingError) as info:
        tokenize("SELECT\n  'oops")
    assert info.value.errno == 1003 and "line 2 at position 2" in info.value.msg


@given(st.text(max_size=40).filter(lambda s: "\x00" not in s))  # NUL + digit: see string_literal's xfail
def test_string_literals_read_back_exactly(value):
    (tok,) = tokenize(identifiers.string_literal(value))
    assert tok.kind == STRING and tok.value == value


@given(st.text(min_size=1, max_size=30).filter(lambda s: s.strip()))
def test_quoted_identifiers_read_back_exactly(name):
    (tok,) = tokenize(identifiers.quote(name)) if identifiers.needs_quotes(name) else [None]
    if tok is not None:
        assert tok.kind == QIDENT and tok.value == name


def test_like_patterns():
    assert like_regex("a_b").match("AXB") and like_regex("a_b").match("a_b")
    assert not like_regex("a\\_b").match("AXB")
    assert like_regex("%view%").match("MY_VIEW_1")
    assert not like_regex("view").match("VIEWS")


def test_replace_calls_keeps_snowflake_column_names():
    values = {"CURRENT_ACCOUNT": "LOCAL01"}
    assert replace_calls("SELECT CURRENT_ACCOUNT()", values) == "SELECT 'LOCAL01' AS \"CURRENT_ACCOUNT()\""
    assert replace_calls("SELECT current_account() AS a", values) == "SELECT 'LOCAL01' AS a"
    assert replace_calls("SELECT 'CURRENT_ACCOUNT()'", values) == "SELECT 'CURRENT_ACCOUNT()'"
