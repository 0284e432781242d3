"""Views, tables and name resolution in the local account: what fakesnow alone gets wrong."""

from __future__ import annotations

import json

try:
    from local_fixtures import CUSTOMERS_VIEW, account, grants, seeded, sf_error, shared  # noqa: F401
except ImportError:  # tests/ became a package
    from tests.local_fixtures import CUSTOMERS_VIEW, account, grants, seeded, sf_error, shared  # noqa: F401

SHOW_VIEWS_COLUMNS = [
    "created_on", "name", "reserved", "database_name", "schema_name", "owner", "comment", "text",
    "is_secure", "is_materialized", "owner_role_type", "change_tracking",
]  # fmt: skip


def test_show_views_columns_order_and_values(seeded):
    rows = seeded.query("SHOW VIEWS IN DATABASE OPTIMOVE_SHARE_DB")
    assert [list(r) for r in rows] == [SHOW_VIEWS_COLUMNS] * 2
    customers, plain = rows
    assert {k: v for k, v in customers.items() if k != "created_on"} == {
        "name": "CUSTOMERS",
        "reserved": "",
        "database_name": "OPTIMOVE_SHARE_DB",
        "schema_name": "OPTIMOVE",
        "owner": "ACCOUNTADMIN",
        "comment": "One row per customer",
        "text": CUSTOMERS_VIEW[:-1],  # as submitted, without the trailing ';'
        "is_secure": "true",
        "is_materialized": "false",
        "owner_role_type": "ROLE",
        "change_tracking": "OFF",
    }
    assert (plain["name"], plain["is_secure"], plain["comment"]) == ("PLAIN", "false", "")


def test_show_views_scopes_and_like(seeded):
    seeded.execute("CREATE VIEW OTHER_DB.S.A_B AS SELECT 1 AS X")
    seeded.execute("CREATE VIEW OTHER_DB.S.AXB AS SELECT 1 AS X")
    assert [r["name"] for r in seeded.query("SHOW VIEWS IN SCHEMA OTHER_DB.S")] == ["AXB", "A_B"]
    assert [r["name"] for r in seeded.query("SHOW VIEWS LIKE 'a_b' IN ACCOUNT")] == ["AXB", "A_B"]
    assert [r["name"] for r in seeded.query("SHOW VIEWS LIKE 'cust%' IN DATABASE OPTIMOVE_SHARE_DB")] == ["CUSTOMERS"]
    terse = seeded.query("SHOW TERSE VIEWS IN OTHER_DB.S")
    assert list(terse[0]) == ["created_on", "name", "kind", "database_name", "schema_name"]


def test_replace_without_copy_grants_drops_the_view_from_the_share(shared):
    shared.execute(CUSTOMERS_VIEW.replace("COPY GRANTS\n", ""))
    assert ("SELECT", "VIEW", "OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS") not in grants(shared)
    assert len(grants(shared)) == 2


def test_replace_with_copy_grants_keeps_the_share_grant(shared):
    shared.execute(CUSTOMERS_VIEW.replace("One row per customer", "changed"))
    assert ("SELECT", "VIEW", "OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS") in grants(shared)
    assert shared.query("SHOW VIEWS LIKE 'CUSTOMERS' IN ACCOUNT")[0]["comment"] == "changed"


def test_dropping_a_view_drops_its_grants(shared):
    shared.execute("DROP VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS")
    assert grants(shared) == [
        ("USAGE", "DATABASE", "OPTIMOVE_SHARE_DB"),
        ("USAGE", "SCHEMA", "OPTIMOVE_SHARE_DB.OPTIMOVE"),
    ]
    shared.execute(CUSTOMERS_VIEW)  # re-created: not shared again by itself
    assert len(grants(shared)) == 2
    shared.execute("DROP VIEW IF EXISTS OPTIMOVE_SHARE_DB.OPTIMOVE.NOPE")
    err = sf_error(lambda: shared.execute("DROP VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.NOPE"))
    assert str(err) == (
        "002003 (02000): SQL compilation error:\nView 'OPTIMOVE_SHARE_DB.OPTIMOVE.NOPE' does not exist or not authorized."
    )


def test_dropping_a_schema_or_database_drops_grants_inside_it(shared):
    shared.execute("DROP SCHEMA OPTIMOVE_SHARE_DB.OPTIMOVE")
    assert grants(shared) == [("USAGE", "DATABASE", "OPTIMOVE_SHARE_DB")]
    shared.execute("DROP DATABASE OPTIMOVE_SHARE_DB")
    assert grants(shared) == []
    assert [r["name"] for r in shared.query("SHOW DATABASES")] == ["OTHER_DB", "RAW"]
    shared.execute("CREATE DATABASE OPTIMOVE_SHARE_DB")  # really gone: starts empty
    assert shared.query("SHOW VIEWS IN DATABASE OPTIMOVE_SHARE_DB") == []


def test_alter_view_secure_and_comments(seeded):
    v = "OPTIMOVE_SHARE_DB.OPTIMOVE.PLAIN"
    seeded.execute(f"ALTER VIEW {v} SET SECURE")
    seeded.execute(f"ALTER VIEW {v} SET COMMENT = 'plain view'")
    seeded.execute(f"ALTER VIEW {v} ALTER COLUMN CUSTOMER_ID COMMENT 'the id'")
    (row,) = seeded.query("SHOW VIEWS LIKE 'PLAIN' IN SCHEMA OPTIMOVE_SHARE_DB.OPTIMOVE")
    assert (row["is_secure"], row["comment"]) == ("true", "plain view")
    seeded.execute(f"ALTER VIEW {v} UNSET SECURE")
    seeded.execute(f"ALTER VIEW {v} UNSET COMMENT")
    (row,) = seeded.query("SHOW VIEWS LIKE 'PLAIN' IN ACCOUNT")
    assert (row["is_secure"], row["comment"]) == ("false", "")
    (col,) = seeded.query("SELECT COMMENT FROM OPTIMOVE_SHARE_DB.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'PLAIN'")
    assert col["COMMENT"] == "the id"


def test_comment_on_view_and_rename_keep_metadata_and_grants(shared):
    v = "OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS"
    shared.execute(f"COMMENT ON VIEW {v} IS 'via COMMENT ON'")
    shared.execute(f"ALTER VIEW {v} RENAME TO CLIENTS")
    (row,) = shared.query("SHOW VIEWS LIKE 'CLIENTS' IN ACCOUNT")
    assert (row["comment"], row["is_secure"]) == ("via COMMENT ON", "true")
    assert ("SELECT", "VIEW", "OPTIMOVE_SHARE_DB.OPTIMOVE.CLIENTS") in grants(shared)


def test_information_schema_views_and_columns(seeded):
    views = seeded.query(
        "SELECT TABLE_NAME, IS_SECURE, COMMENT, VIEW_DEFINITION FROM OPTIMOVE_SHARE_DB.INFORMATION_SCHEMA.VIEWS "
        "WHERE TABLE_SCHEMA = 'OPTIMOVE' ORDER BY TABLE_NAME"
    )
    assert [(v["TABLE_NAME"], v["IS_SECURE"], v["COMMENT"]) for v in views] == [
        ("CUSTOMERS", "YES", "One row per customer"),
        ("PLAIN", "NO", None),
    ]
    assert views[0]["VIEW_DEFINITION"] == CUSTOMERS_VIEW[:-1]
    cols = seeded.query(
        "SELECT TABLE_CATALOG, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COMMENT FROM OPTIMOVE_SHARE_DB.INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_SCHEMA = 'OPTIMOVE' AND TABLE_NAME = 'CUSTOMERS' "
        "UNION ALL SELECT TABLE_CATALOG, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COMMENT FROM RAW.INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_SCHEMA = 'CRM' ORDER BY TABLE_CATALOG, TABLE_NAME, COLUMN_NAME"
    )
    assert [(c["TABLE_NAME"], c["COLUMN_NAME"], c["DATA_TYPE"], c["COMMENT"]) for c in cols] == [
        ("CUSTOMERS", "CUSTOMER_ID", "NUMBER", None),
        ("CUSTOMERS", "EMAIL_HASH", "TEXT", "SHA-256 of the lower-cased e-mail"),
        ("CUSTOMERS", "LastUpdated", "TIMESTAMP_LTZ", None),
        ("CUSTOMERS", "CREATED_AT", "TIMESTAMP_NTZ", None),
        ("CUSTOMERS", "CUSTOMER_ID", "NUMBER", None),
        ("CUSTOMERS", "EMAIL", "TEXT", "raw e-mail"),
        ("CUSTOMERS", "IS_TEST", "BOOLEAN", None),
        ("CUSTOMERS", "LastUpdated", "TIMESTAMP_LTZ", None),
    ]


def test_information_schema_tables_lists_views_too(seeded):
    rows = seeded.query(
        "SELECT TABLE_NAME, TABLE_TYPE, COMMENT FROM OPTIMOVE_SHARE_DB.INFORMATION_SCHEMA.TABLES ORDER BY TABLE_NAME"
    )
    assert [(r["TABLE_NAME"], r["TABLE_TYPE"], r["COMMENT"]) for r in rows] == [
        ("CUSTOMERS", "VIEW", "One row per customer"),
        ("PLAIN", "VIEW", None),
    ]


def test_show_columns_carries_comments_and_ltz(seeded):
    rows = seeded.query("SHOW COLUMNS IN VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS")
    by_name = {r["column_name"]: r for r in rows}
    assert by_name["EMAIL_HASH"]["comment"] == "SHA-256 of the lower-cased e-mail"
    assert json.loads(by_name["LastUpdated"]["data_type"])["type"] == "TIMESTAMP_LTZ"


def test_quoted_mixed_case_column_is_not_its_upper_case_twin(seeded):
    ok = seeded.query('SELECT "LastUpdated" FROM OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS ORDER BY 1')
    assert len(ok) == 2
    err = sf_error(lambda: seeded.query("SELECT LastUpdated FROM OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS"))
    assert (
        str(err)
        == "000904 (42000): SQL compilation error:\nerror line 1 at position 7\ninvalid identifier 'LASTUPDATED'"
    )
    err = sf_error(lambda: seeded.query('SELECT c."lastupdated"\nFROM RAW.CRM.CUSTOMERS c'))
    assert "error line 1 at position 7\ninvalid identifier '\"lastupdated\"'" in err.msg


def test_create_view_with_a_wrongly_cased_column_is_refused_at_its_position(seeded):
    sql = (
        "CREATE VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.BAD AS\nSELECT CUSTOMER_ID,\n       LASTUPDATED\nFROM RAW.CRM.CUSTOMERS"
    )
    err = sf_error(lambda: seeded.execute(sql))
    assert (
        str(err)
        == "000904 (42000): SQL compilation error:\nerror line 3 at position 7\ninvalid identifier 'LASTUPDATED'"
    )
    assert seeded.query("SHOW VIEWS LIKE 'BAD' IN ACCOUNT") == []


def test_aliases_and_unknown_names_are_not_false_alarms(seeded):
    rows = seeded.query(
        'WITH x AS (SELECT "LastUpdated" AS lastupdated, CUSTOMER_ID FROM RAW.CRM.CUSTOMERS) '
        "SELECT MAX(lastupdated) AS m, COUNT(*) AS n FROM x"
    )
    assert rows[0]["N"] == 3


def test_missing_or_wrongly_cased_objects_are_snowflakes_002003(seeded):
    err = sf_error(lambda: seeded.query("SELECT * FROM RAW.CRM.NOPE"))
    assert str(err) == "002003 (42S02): SQL compilation error:\nObject 'RAW.CRM.NOPE' does not exist or not authorized."
    err = sf_error(lambda: seeded.query('SELECT * FROM RAW.CRM."customers"'))
    assert "Object 'RAW.CRM.\"customers\"' does not exist or not authorized." in err.msg
    err = sf_error(lambda: seeded.query("SELECT * FROM RAW.NOPE.T"))
    assert "Schema 'RAW.NOPE' does not exist or not authorized." in err.msg


def test_data_queries_run_on_fakesnow(seeded):
    rows = seeded.query(
        'SELECT COUNT(*) AS N, COUNT_IF("LastUpdated" IS NULL) AS NULLS, MAX("LastUpdated") AS MAX_LU '
        "FROM OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS"
    )
    assert (rows[0]["N"], rows[0]["NULLS"]) == (2, 0)
    assert rows[0]["MAX_LU"].year == 2024


def test_view_exists_rules(seeded):
    err = sf_error(lambda: seeded.execute("CREATE VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.PLAIN AS SELECT 1 AS X"))
    assert (err.errno, err.sqlstate) == (2002, "42710")
    seeded.execute("CREATE VIEW IF NOT EXISTS OPTIMOVE_SHARE_DB.OPTIMOVE.PLAIN AS SELECT 1 AS X")
    assert seeded.query("SELECT * FROM OPTIMOVE_SHARE_DB.OPTIMOVE.PLAIN ORDER BY 1")[0] == {"CUSTOMER_ID": 1}
    err = sf_error(lambda: seeded.execute("CREATE VIEW OPTIMOVE_SHARE_DB.NOPE.V AS SELECT 1 AS X"))
    assert "Schema 'OPTIMOVE_SHARE_DB.NOPE' does not exist or not authorized." in err.msg


def test_view_column_list_must_match_the_query(seeded):
    err = sf_error(lambda: seeded.execute("CREATE VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.V (A, B) AS SELECT 1 AS X"))
    assert "declared 2 column(s), but view query produces 1 column(s)" in err.msg
    assert (err.errno, err.sqlstate) == (2057, "42601")  # reference §10


def test_names_differing_only_in_case_are_a_stated_local_limitation(seeded):
    err = sf_error(lambda: seeded.execute('CREATE VIEW OPTIMOVE_SHARE_DB.OPTIMOVE."plain" AS SELECT 1 AS X'))
    assert "only in letter case" in err.msg and err.errno == 2


def test_current_account_and_role(account):
    (row,) = account.query("SELECT CURRENT_ACCOUNT(), CURRENT_ROLE()")
    assert row == {"CURRENT_ACCOUNT()": account.account_locator, "CURRENT_ROLE()": "ACCOUNTADMIN"}
    assert account.account_locator == "LOCAL01"


def test_show_databases_and_schemas(seeded):
    assert [r["name"] for r in seeded.query("SHOW DATABASES")] == ["OPTIMOVE_SHARE_DB", "OTHER_DB", "RAW"]
    names = [r["name"] for r in seeded.query("SHOW SCHEMAS IN DATABASE RAW")]
    assert names == ["CRM", "INFORMATION_SCHEMA", "PUBLIC"]


def test_show_databases_schemas_and_columns_honour_like(seeded):
    assert [r["name"] for r in seeded.query("SHOW DATABASES LIKE '%share%'")] == ["OPTIMOVE_SHARE_DB"]
    assert [r["name"] for r in seeded.query("SHOW SCHEMAS LIKE 'c_m' IN DATABASE RAW")] == ["CRM"]
    rows = seeded.query("SHOW COLUMNS LIKE 'last%' IN TABLE RAW.CRM.CUSTOMERS")
    assert [r["column_name"] for r in rows] == ["LastUpdated"]
    assert [r["name"] for r in seeded.query("SHOW TABLES LIKE 'cust%' IN DATABASE RAW")] == ["CUSTOMERS"]


def test_create_or_replace_table_without_copy_grants_drops_share_grants(shared):
    shared.execute("CREATE TABLE OPTIMOVE_SHARE_DB.OPTIMOVE.T (A INT)")
    shared.execute("GRANT SELECT ON TABLE OPTIMOVE_SHARE_DB.OPTIMOVE.T TO SHARE S")
    shared.execute("CREATE OR REPLACE TABLE OPTIMOVE_SHARE_DB.OPTIMOVE.T (A INT, B INT) COPY GRANTS")
    assert ("SELECT", "TABLE", "OPTIMOVE_SHARE_DB.OPTIMOVE.T") in grants(shared)
    shared.execute("CREATE OR REPLACE TABLE OPTIMOVE_SHARE_DB.OPTIMOVE.T (A INT)")
    assert ("SELECT", "TABLE", "OPTIMOVE_SHARE_DB.OPTIMOVE.T") not in grants(shared)


def test_create_database_and_schema_if_not_exists_are_idempotent(account):
    for _ in range(2):
        account.execute("CREATE DATABASE IF NOT EXISTS D")
        account.execute("CREATE SCHEMA IF NOT EXISTS D.S")
    assert [r["name"] for r in account.query("SHOW SCHEMAS IN DATABASE D")] == ["INFORMATION_SCHEMA", "PUBLIC", "S"]
    err = sf_error(lambda: account.execute("CREATE DATABASE D"))
    assert err.errno == 2002


def test_database_names_fakesnow_cannot_file_are_refused(account):
    err = sf_error(lambda: account.execute('CREATE DATABASE "../escape"'))
    assert err.errno == 2 and "only letters, digits and _" in err.msg
