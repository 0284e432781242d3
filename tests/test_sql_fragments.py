"""Validation of the SQL fragments a config may carry (`where:`, `expr:`, `query:`)."""

from __future__ import annotations

import pytest

from sharekit.sql.fragments import (
    CheckedQuery,
    FragmentError,
    check_condition,
    check_query,
    check_scalar,
    normalize_select,
)


# --- where: one boolean expression ---------------------------------------------------------

@pytest.mark.parametrize(
    "text, sql",
    [
        ("IS_TEST = FALSE", "IS_TEST = FALSE"),
        ("is_test = false", "is_test = FALSE"),
        ("IS_TEST", "IS_TEST"),
        ("NOT IS_TEST", "NOT IS_TEST"),
        ("(A = 1)", "(A = 1)"),
        ("A = 1 OR B = 2", "A = 1 OR B = 2"),
        ("A IN (1,2)", "A IN (1, 2)"),
        ("A IS NULL", "A IS NULL"),
        ("A BETWEEN 1 AND 2", "A BETWEEN 1 AND 2"),
        ("STATUS <> 'TEST'", "STATUS <> 'TEST'"),
        ("NAME = 'a;b'", "NAME = 'a;b'"),  # a ';' inside a string is text, not a statement break
        ("NAME = 'x -- y'", "NAME = 'x -- y'"),
        ('"LastUpdated" > \'2020-01-01\'', '"LastUpdated" > \'2020-01-01\''),
        ("TRUE", "TRUE"),
    ],
)
def test_check_condition(text, sql):
    assert check_condition(text) == sql


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("1=1; DROP TABLE x", "contains ';'"),
        ("IS_TEST = FALSE -- keep prod", "SQL comment"),
        ("IS_TEST = FALSE /* x */", "SQL comment"),
        ("A + 1", "must be a boolean condition"),
        ("'text'", "must be a boolean condition"),
        ("A IN (SELECT B FROM D.S.T)", "subquery"),
        ("EXISTS (SELECT 1)", "subquery"),
        ("COUNT(*) > 1", "aggregate or window"),
        ("ROW_NUMBER() OVER (ORDER BY A) = 1", "aggregate or window"),
        ("SELECT 1", "not a statement"),
        ("A = ", "not valid Snowflake SQL"),
        ("A = 'unterminated", "tokenize"),
    ],
)
def test_check_condition_rejects(text, message):
    with pytest.raises(FragmentError, match=message.replace("(", r"\(").replace("*", r"\*")):
        check_condition(text)


def test_check_condition_names_its_key():
    with pytest.raises(FragmentError, match="^filter must be a boolean"):
        check_condition("A + 1", "filter")


# --- expr: one scalar expression -----------------------------------------------------------

@pytest.mark.parametrize(
    "text, sql",
    [
        ("SHA2(LOWER(EMAIL))", "SHA2(LOWER(EMAIL))"),
        ("sha2( lower(EMAIL) )", "SHA2(LOWER(EMAIL))"),
        ("IFF(IS_OPTIN, 'Yes', 'No')", "IFF(IS_OPTIN, 'Yes', 'No')"),
        ("ROUND(TAX_AMOUNT, 2)", "ROUND(TAX_AMOUNT, 2)"),
        ("CASE WHEN A THEN 1 ELSE 0 END", "CASE WHEN A THEN 1 ELSE 0 END"),
        ("A::VARCHAR", "CAST(A AS VARCHAR)"),
        ('"LastUpdated"', '"LastUpdated"'),
    ],
)
def test_check_scalar(text, sql):
    assert check_scalar(text) == sql


@pytest.mark.parametrize(
    "text, message",
    [
        ("(SELECT MAX(X) FROM A.B.C)", "not a statement"),
        ("COALESCE((SELECT MAX(X) FROM A.B.C), 0)", "subquery"),
        ("MAX(X)", "aggregate or window"),
        ("SUM(A) OVER ()", "aggregate or window"),
        ("A AS B", "must not carry an alias"),
        ("*", "uses '\\*'"),
        ("X; Y", "contains ';'"),
        ("SELECT 1", "not a statement"),
        ("INSERT INTO D.S.T VALUES (1)", "not a statement"),
        ("DELETE FROM D.S.T", "not a statement"),
        ("CREATE TABLE D.S.T (A INT)", "not a statement"),
    ],
)
def test_check_scalar_rejects(text, message):
    with pytest.raises(FragmentError, match=message):
        check_scalar(text)


@pytest.mark.parametrize(
    "text",
    ["DROP TABLE X", "TRUNCATE TABLE X", "GRANT SELECT ON TABLE X TO ROLE R",
     "ALTER TABLE X ADD COLUMN Y INT", "USE ROLE ACCOUNTADMIN", "SHOW TABLES"],
)
def test_check_scalar_rejects_other_statements(text):
    with pytest.raises(FragmentError):
        check_scalar(text)


# --- query: exactly one SELECT -------------------------------------------------------------

def test_check_query_simple():
    assert check_query("select a, b as c from raw.crm.t") == CheckedQuery(
        sql="SELECT\n  a,\n  b AS c\nFROM raw.crm.t", columns=("A", "C"), sources=(("RAW", "CRM", "T"),)
    )


def test_check_query_join_cte_and_two_databases():
    checked = check_query(
        """
        WITH recent AS (SELECT ORDER_ID, CUSTOMER_ID FROM RAW.SALES.ORDERS)
        SELECT r.ORDER_ID, c."LastUpdated", c.EMAIL AS "Email"
        FROM recent r JOIN CRM_DB.PUBLIC.CUSTOMERS c ON c.ID = r.CUSTOMER_ID
        """
    )
    assert checked.columns == ("ORDER_ID", "LastUpdated", "Email")
    assert checked.sources == (("CRM_DB", "PUBLIC", "CUSTOMERS"), ("RAW", "SALES", "ORDERS"))


def test_check_query_union_and_subquery_sources():
    checked = check_query("SELECT A FROM D.S.T WHERE B IN (SELECT B FROM E.S.U) UNION ALL SELECT A FROM F.S.V")
    assert checked.columns == ("A",)
    assert checked.sources == (("D", "S", "T"), ("E", "S", "U"), ("F", "S", "V"))


def test_check_query_allows_count_star_with_alias():
    assert check_query("SELECT COUNT(*) AS N FROM D.S.T").columns == ("N",)


@pytest.mark.parametrize(
    "text, message",
    [
        ("INSERT INTO D.S.T SELECT 1", "must be one SELECT statement, not INSERT"),
        ("DROP TABLE D.S.T", "must be one SELECT statement, not DROP"),
        ("UPDATE D.S.T SET A = 1", "must be one SELECT statement, not UPDATE"),
        ("SELECT A FROM D.S.T; SELECT 1", "contains ';'"),
        ("SELECT A FROM T", "qualify table T as DATABASE.SCHEMA.TABLE"),
        ("SELECT A FROM S.T", "qualify table S.T"),
        ("SELECT A + 1 FROM D.S.T", "give `A \\+ 1` a column name with `AS NAME`"),
        ("SELECT * FROM D.S.T", "uses '\\*'"),
        ("SELECT t.* FROM D.S.T t", "uses '\\*'"),
        ("SELECT A, a FROM D.S.T", "returns column A more than once"),
        ("SELECT A FROM D.S.T -- note", "SQL comment"),
    ],
)
def test_check_query_rejects(text, message):
    with pytest.raises(FragmentError, match=message):
        check_query(text)


# --- normalize_select: live view text ↔ rendered SELECT ------------------------------------

def test_normalize_select_strips_create_view():
    live = "create or replace secure view DB.S.V (A) copy grants as select a from RAW.CRM.T where x = 1"
    assert normalize_select(live) == normalize_select("SELECT a FROM RAW.CRM.T WHERE x = 1")


def test_normalize_select_is_stable():
    once = normalize_select("SELECT A, B AS C FROM RAW.CRM.T")
    assert normalize_select(once) == once


@pytest.mark.parametrize("text", ["not sql at all (", "DROP VIEW X"])
def test_normalize_select_unparsable_is_none(text):
    assert normalize_select(text) is None
