"""The local account's grants to roles follow the objects they are on, as Snowflake's do: DROP
VIEW / TABLE, CREATE OR REPLACE without COPY GRANTS, DROP SCHEMA and DROP DATABASE take them;
COPY GRANTS and a rename keep them. Then the reader's plan grants SELECT back."""

from __future__ import annotations

import pytest

from sharekit.local import open_local_account
from tests.test_reader import applied, assert_converged, plan_json, reader_sql, sk, write  # noqa: F401 - fixture

SETUP = (
    "CREATE DATABASE RAW", "CREATE SCHEMA RAW.SALES", "CREATE SCHEMA RAW.CRM",
    "CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER)",
    "CREATE VIEW RAW.SALES.V1 AS SELECT ORDER_ID FROM RAW.SALES.ORDERS",
    "CREATE VIEW RAW.CRM.V2 AS SELECT ORDER_ID FROM RAW.SALES.ORDERS",
    "CREATE ROLE R", "CREATE WAREHOUSE RAW",  # a warehouse named like the database keeps its grant
    "GRANT USAGE ON DATABASE RAW TO ROLE R", "GRANT USAGE ON SCHEMA RAW.SALES TO ROLE R",
    "GRANT USAGE ON SCHEMA RAW.CRM TO ROLE R", "GRANT SELECT ON VIEW RAW.SALES.V1 TO ROLE R",
    "GRANT SELECT ON VIEW RAW.CRM.V2 TO ROLE R", "GRANT SELECT ON TABLE RAW.SALES.ORDERS TO ROLE R",
    "GRANT USAGE ON WAREHOUSE RAW TO ROLE R",
)
ALL = {("USAGE", "DATABASE", "RAW"), ("USAGE", "SCHEMA", "RAW.SALES"), ("USAGE", "SCHEMA", "RAW.CRM"),
       ("SELECT", "VIEW", "RAW.SALES.V1"), ("SELECT", "VIEW", "RAW.CRM.V2"), ("SELECT", "TABLE", "RAW.SALES.ORDERS"),
       ("USAGE", "WAREHOUSE", "RAW")}
V1 = ("SELECT", "VIEW", "RAW.SALES.V1")


@pytest.fixture
def account(tmp_path):
    with open_local_account(tmp_path / "acct") as opened:
        for statement in SETUP:
            opened.execute(statement)
        yield opened


def grants(account) -> set[tuple[str, str, str]]:
    return {(r["privilege"], r["granted_on"], r["name"]) for r in account.query("SHOW GRANTS TO ROLE R")}


def test_the_setup_is_granted(account):
    assert grants(account) == ALL


@pytest.mark.parametrize("statement, gone", [
    ("DROP VIEW RAW.SALES.V1", {V1}),
    ("DROP VIEW IF EXISTS RAW.SALES.V1", {V1}),
    ("CREATE OR REPLACE VIEW RAW.SALES.V1 AS SELECT ORDER_ID FROM RAW.SALES.ORDERS", {V1}),
    ("CREATE OR REPLACE SECURE VIEW RAW.SALES.V1 AS SELECT ORDER_ID FROM RAW.SALES.ORDERS", {V1}),
    ("DROP TABLE RAW.SALES.ORDERS", {("SELECT", "TABLE", "RAW.SALES.ORDERS")}),
    ("DROP SCHEMA RAW.SALES", {("USAGE", "SCHEMA", "RAW.SALES"), V1, ("SELECT", "TABLE", "RAW.SALES.ORDERS")}),
    ("DROP DATABASE RAW", ALL - {("USAGE", "WAREHOUSE", "RAW")}),
])
def test_a_dropped_or_replaced_object_takes_the_roles_grants_on_it(account, statement, gone):
    account.execute(statement)
    assert grants(account) == ALL - gone


def test_copy_grants_keeps_them_and_a_rename_moves_them(account):
    account.execute("CREATE OR REPLACE VIEW RAW.SALES.V1 COPY GRANTS AS SELECT ORDER_ID FROM RAW.SALES.ORDERS")
    assert grants(account) == ALL
    account.execute("ALTER VIEW RAW.SALES.V1 RENAME TO RAW.SALES.V3")
    assert grants(account) == ALL - {V1} | {("SELECT", "VIEW", "RAW.SALES.V3")}


def test_a_recreated_view_is_not_readable_until_granted_again(account):
    account.execute("DROP VIEW RAW.SALES.V1")
    account.execute("CREATE VIEW RAW.SALES.V1 AS SELECT ORDER_ID FROM RAW.SALES.ORDERS")
    assert V1 not in grants(account)


def test_the_readers_plan_grants_select_again_after_a_replace_behind_its_back(sk, tmp_path):  # noqa: F811
    config = write(tmp_path / "cfg")
    applied(sk, config)
    with open_local_account(sk.local_dir) as account:
        (view,) = [r for r in account.query("SHOW GRANTS TO ROLE OPTIMOVE_READER") if r["granted_on"] == "VIEW"]
        (row,) = account.query(f"SHOW VIEWS LIKE '{view['name'].split('.')[-1]}' IN ACCOUNT")
        assert "\nCOPY GRANTS\n" in row["text"]  # what sharekit sent; the same view without it, by hand:
        account.execute(row["text"].replace("\nCOPY GRANTS\n", "\n"))
        assert all(r["granted_on"] != "VIEW" for r in account.query("SHOW GRANTS TO ROLE OPTIMOVE_READER"))
    planned = reader_sql(plan_json(sk, config))
    assert planned == [f"GRANT SELECT ON VIEW {view['name']} TO ROLE OPTIMOVE_READER;"]
    applied(sk, config)
    assert_converged(sk, config)
