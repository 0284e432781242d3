"""The engine's replay of fakesnow's transform chain must translate exactly as fakesnow does,
except where fakesnow is wrong: a `$word` inside a literal is text, not a session variable."""

from __future__ import annotations

import pytest
import sqlglot

from sharekit.local.engine import fakesnow_transform

try:
    from local_fixtures import account  # noqa: F401
except ImportError:  # tests/ became a package
    from tests.local_fixtures import account  # noqa: F401

CORPUS = [
    'SELECT CUSTOMER_ID, SHA2(LOWER(EMAIL)) AS EMAIL_HASH, "LastUpdated" FROM RAW.CRM.CUSTOMERS WHERE IS_TEST = FALSE',
    "SELECT IFF(a > 1, 'x', 'y') AS f, DATEADD(day, -1, CURRENT_TIMESTAMP()) AS d FROM t",
    "SELECT TO_TIMESTAMP(s) AS ts, TRY_TO_NUMBER(n) AS n, TO_DATE('2024-01-01') AS dt FROM t",
    "WITH x AS (SELECT a, b FROM t) SELECT a, COUNT(*) FROM x GROUP BY a HAVING COUNT(*) > 1 ORDER BY 1",
    "SELECT v:field::varchar AS f, v['k'] AS k, ARRAY_SIZE(arr) AS n FROM t",
    "SELECT f.value AS v FROM t, LATERAL FLATTEN(input => t.arr) f",
    "SELECT a, ROW_NUMBER() OVER (PARTITION BY b ORDER BY c) AS rn FROM t QUALIFY rn = 1",
    "SELECT OBJECT_CONSTRUCT('a', 1, 'b', x) AS o, ARRAY_AGG(x) WITHIN GROUP (ORDER BY x) AS l FROM t",
    "SELECT REGEXP_REPLACE(s, '[0-9]', '') AS r, SPLIT(s, ',') AS parts, TRIM(s)::VARCHAR(10) AS c FROM t",
    "SELECT * FROM a JOIN b ON a.id = b.id LEFT JOIN c USING (id) WHERE a.x IN (SELECT x FROM d) UNION ALL SELECT * FROM e",
    "SELECT COUNT_IF(x IS NULL) AS nulls, MAX(ts) AS m, SUM(n)::NUMBER(38, 2) AS s FROM t SAMPLE (10)",
]


@pytest.mark.parametrize("sql", CORPUS)
def test_replayed_chain_translates_like_fakesnow(account, sql):
    cursor = account.engine.conn.cursor()
    expected = cursor._transform(sqlglot.parse_one(sql, read="snowflake"), None).sql(dialect="duckdb")
    actual = fakesnow_transform(cursor, sqlglot.parse_one(sql, read="snowflake")).sql(dialect="duckdb")
    assert actual == expected


QUERIES = [
    'SELECT COUNT(*) AS N, COUNT_IF("LastUpdated" IS NULL) AS NULLS, MAX("LastUpdated") AS M FROM RAW.CRM.CUSTOMERS',
    "SELECT CUSTOMER_ID, SHA2(LOWER(EMAIL)) AS H, IFF(IS_TEST, 'T', 'F') AS F FROM RAW.CRM.CUSTOMERS ORDER BY 1",
    "WITH x AS (SELECT * FROM RAW.CRM.CUSTOMERS WHERE NOT IS_TEST) SELECT COUNT(*) AS N FROM x",
    "SELECT DATEDIFF(day, CREATED_AT, \"LastUpdated\") AS D, TO_VARCHAR(CREATED_AT, 'YYYY-MM-DD') AS S "
    "FROM RAW.CRM.CUSTOMERS ORDER BY 1",
    "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE FROM RAW.INFORMATION_SCHEMA.COLUMNS ORDER BY 1, 2",
    "SELECT 1 AS A UNION ALL SELECT 2 ORDER BY 1",
    "SELECT CURRENT_DATABASE() AS D, 1.5::NUMBER(10, 2) AS N, ARRAY_CONSTRUCT(1, 2) AS A",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_direct_selects_return_what_fakesnow_returns(account, sql):
    try:
        from local_fixtures import SOURCE_SQL
    except ImportError:
        from tests.local_fixtures import SOURCE_SQL
    account.run_script(SOURCE_SQL)
    direct = account.query(sql)
    assert direct == account.engine.run(sql)
    assert direct


def test_dollar_word_inside_a_literal_is_text_in_the_local_account(account):
    """corpus suite: a seed INSERT holding the literal 'a;b/$x' failed with "Session variable
    '$X' does not exist": fakesnow looked for `$name` in the raw statement, literals included."""
    account.run_script("CREATE DATABASE RAW; CREATE SCHEMA RAW.S; CREATE TABLE RAW.S.T (B VARCHAR);")
    account.execute("INSERT INTO RAW.S.T VALUES ('a;b/$x'), ($$ $y$$) /* $z */")
    assert [row["B"] for row in account.query("SELECT B FROM RAW.S.T ORDER BY B")] == [" $y", "a;b/$x"]
    account.execute("SET LIMIT_ID = 7")
    assert account.query("SELECT $limit_id AS A") == [{"A": 7}]
