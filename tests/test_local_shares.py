"""Share rules of the local account: one test per rule, exact Snowflake errno and text."""

from __future__ import annotations

from datetime import datetime

try:
    from local_fixtures import account, grants, seeded, sf_error, shared  # noqa: F401
except ImportError:  # tests/ became a package
    from tests.local_fixtures import account, grants, seeded, sf_error, shared  # noqa: F401

SHOW_SHARES_COLUMNS = [
    "created_on", "kind", "owner_account", "name", "database_name", "to", "owner", "comment",
    "listing_global_name", "secure_objects_only",
]  # fmt: skip
GRANTS_TO_COLUMNS = [
    "created_on", "privilege", "granted_on", "name", "granted_to", "grantee_name", "grant_option", "granted_by",
]  # fmt: skip


def test_show_shares_columns_order_and_values(shared):
    shared.execute("ALTER SHARE S ADD ACCOUNTS = orgb.consumer_two, OrgA.Consumer1")
    shared.execute("ALTER SHARE S SET COMMENT = 'for Optimove'")
    rows = shared.query("SHOW SHARES")
    assert [list(r) for r in rows] == [SHOW_SHARES_COLUMNS]
    row = rows[0]
    assert isinstance(row["created_on"], datetime) and row["created_on"].tzinfo is not None
    assert {k: v for k, v in row.items() if k != "created_on"} == {
        "kind": "OUTBOUND",
        "owner_account": f"SHAREKIT.{shared.account_locator}",
        "name": "S",
        "database_name": "OPTIMOVE_SHARE_DB",
        "to": "ORGA.CONSUMER1, ORGB.CONSUMER_TWO",
        "owner": "ACCOUNTADMIN",
        "comment": "for Optimove",
        "listing_global_name": "",
        "secure_objects_only": "true",
    }


def test_new_share_is_empty_with_blank_comment(account):
    account.execute("CREATE SHARE IF NOT EXISTS NEW_SHARE")
    account.execute("CREATE SHARE IF NOT EXISTS NEW_SHARE COMMENT = 'ignored: exists'")
    (row,) = account.query("SHOW SHARES LIKE 'new_share'")
    assert (row["database_name"], row["to"], row["comment"]) == ("", "", "")
    assert account.query("SHOW GRANTS TO SHARE NEW_SHARE") == []


def test_create_existing_share_errors_and_or_replace_empties_it(shared):
    err = sf_error(lambda: shared.execute("CREATE SHARE S"))
    assert (err.errno, err.sqlstate) == (2002, "42710")
    assert "Object 'S' already exists." in err.msg
    shared.execute("CREATE OR REPLACE SHARE S")
    assert grants(shared) == []


def test_show_grants_to_share_columns_and_rows(shared):
    shared.execute("GRANT REFERENCE_USAGE ON DATABASE RAW TO SHARE S")
    rows = shared.query("SHOW GRANTS TO SHARE S")
    assert [list(r) for r in rows] == [GRANTS_TO_COLUMNS] * 4
    assert [{k: v for k, v in r.items() if k != "created_on"} for r in rows] == [
        {
            "privilege": privilege,
            "granted_on": granted_on,
            "name": name,
            "granted_to": "SHARE",
            "grantee_name": "LOCAL01.S",
            "grant_option": "false",
            "granted_by": "ACCOUNTADMIN",
        }
        for privilege, granted_on, name in [
            ("USAGE", "DATABASE", "OPTIMOVE_SHARE_DB"),
            ("USAGE", "SCHEMA", "OPTIMOVE_SHARE_DB.OPTIMOVE"),
            ("SELECT", "VIEW", "OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS"),
            ("REFERENCE_USAGE", "DATABASE", "RAW"),
        ]
    ]


def test_grant_names_are_quoted_only_where_needed(shared):
    shared.execute('CREATE SHARE "my.share"')
    shared.execute('CREATE VIEW OPTIMOVE_SHARE_DB.OPTIMOVE."Mixed View" AS SELECT 1 AS X')
    shared.execute('ALTER VIEW OPTIMOVE_SHARE_DB.OPTIMOVE."Mixed View" SET SECURE')
    shared.execute('GRANT USAGE ON DATABASE OPTIMOVE_SHARE_DB TO SHARE "my.share"')
    shared.execute('GRANT SELECT ON VIEW OPTIMOVE_SHARE_DB.OPTIMOVE."Mixed View" TO SHARE "my.share"')
    rows = shared.query('SHOW GRANTS TO SHARE "my.share"')
    assert rows[1]["name"] == 'OPTIMOVE_SHARE_DB.OPTIMOVE."Mixed View"'
    assert rows[1]["grantee_name"] == 'LOCAL01."my.share"'


def test_missing_share_is_snowflakes_002003(account):
    err = sf_error(lambda: account.query("SHOW GRANTS TO SHARE NOPE"))
    assert str(err) == "002003 (02000): SQL compilation error:\nShare 'NOPE' does not exist or not authorized."
    account.execute("ALTER SHARE IF EXISTS NOPE ADD ACCOUNTS = A.B")
    account.execute("DROP SHARE IF EXISTS NOPE")
    assert sf_error(lambda: account.execute("DROP SHARE NOPE")).errno == 2003


def test_missing_database_is_snowflakes_002003(seeded):
    err = sf_error(lambda: seeded.execute("GRANT USAGE ON DATABASE NO_DB TO SHARE S"))
    assert str(err) == "002003 (02000): SQL compilation error:\nDatabase 'NO_DB' does not exist or not authorized."


def test_only_one_database_with_usage_per_share(shared):
    shared.execute("GRANT USAGE ON DATABASE OPTIMOVE_SHARE_DB TO SHARE S")  # same again: no-op
    err = sf_error(lambda: shared.execute("GRANT USAGE ON DATABASE OTHER_DB TO SHARE S"))
    assert (err.errno, err.sqlstate) == (3032, "0A000")
    assert "a share can include only one database" in err.msg
    assert err.msg.endswith("(the sharekit local account's wording: no public source quotes Snowflake's)")
    assert grants(shared)[0] == ("USAGE", "DATABASE", "OPTIMOVE_SHARE_DB")
    assert len(grants(shared)) == 3


def test_reference_usage_needs_usage_first(seeded):
    err = sf_error(lambda: seeded.execute("GRANT REFERENCE_USAGE ON DATABASE RAW TO SHARE S"))
    assert str(err) == (
        "500130 (22000): Cannot grant REFERENCE_USAGE on database RAW to share S. "
        "Grant USAGE on a database to share prior to granting REFERENCE_USAGE."
    )
    seeded.execute("GRANT USAGE ON DATABASE OPTIMOVE_SHARE_DB TO SHARE S")
    seeded.execute("GRANT REFERENCE_USAGE ON DATABASE RAW TO SHARE S")
    assert ("REFERENCE_USAGE", "DATABASE", "RAW") in grants(seeded)


def test_reference_usage_to_a_role_is_refused(seeded):
    err = sf_error(lambda: seeded.execute("GRANT REFERENCE_USAGE ON DATABASE RAW TO ROLE ANALYST"))
    assert "REFERENCE_USAGE ON DATABASE can only be granted to share(s)." in err.msg
    seeded.execute("GRANT USAGE ON DATABASE RAW TO ROLE ANALYST")  # roles: accepted, nothing to model


def test_select_on_non_secure_view_refused_while_secure_objects_only(shared):
    err = sf_error(lambda: shared.execute("GRANT SELECT ON VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.PLAIN TO SHARE S"))
    assert str(err) == (
        "003037 (0A000): SQL compilation error:\nA view can only be shared if it is created as a SECURE view, "
        "or marked SECURE using ALTER VIEW V SET SECURE."
    )
    shared.execute("ALTER SHARE S SET SECURE_OBJECTS_ONLY = FALSE")
    shared.execute("GRANT SELECT ON VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.PLAIN TO SHARE S")
    assert ("SELECT", "VIEW", "OPTIMOVE_SHARE_DB.OPTIMOVE.PLAIN") in grants(shared)
    assert shared.query("SHOW SHARES")[0]["secure_objects_only"] == "false"


def test_view_marked_secure_can_then_be_shared(shared):
    shared.execute("ALTER VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.PLAIN SET SECURE")
    shared.execute("GRANT SELECT ON VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.PLAIN TO SHARE S")
    assert ("SELECT", "VIEW", "OPTIMOVE_SHARE_DB.OPTIMOVE.PLAIN") in grants(shared)


def test_schema_usage_outside_the_shared_database_refused(shared):
    err = sf_error(lambda: shared.execute("GRANT USAGE ON SCHEMA RAW.CRM TO SHARE S"))
    assert str(err) == (
        "003033 (0A000): SQL compilation error:\nDatabase 'RAW' does not belong to the database that is being shared."
    )


def test_select_outside_the_shared_database_refused(shared):
    err = sf_error(lambda: shared.execute("GRANT SELECT ON TABLE RAW.CRM.CUSTOMERS TO SHARE S"))
    assert (err.errno, err.sqlstate) == (3033, "0A000")
    assert "Database 'RAW' does not belong to the database that is being shared." in err.msg


def test_with_grant_option_refused(shared):
    err = sf_error(
        lambda: shared.execute("GRANT SELECT ON VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS TO SHARE S WITH GRANT OPTION")
    )
    assert (err.errno, err.sqlstate) == (2, "0A000")
    assert "Unsupported feature 'GRANT PRIVILEGES TO SHARE WITH GRANT OPTION'." in err.msg


def test_grant_on_table_keyword_records_a_view_and_granting_twice_is_one_grant(shared):
    shared.execute("GRANT SELECT ON TABLE OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS TO SHARE S")
    assert grants(shared).count(("SELECT", "VIEW", "OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS")) == 1


def test_add_accounts_refused_before_a_database_is_granted(seeded):
    err = sf_error(lambda: seeded.execute("ALTER SHARE S ADD ACCOUNTS = ORG.ACCT"))
    assert (err.errno, err.sqlstate) == (3516, "0A000")
    assert "no database has been granted" in err.msg


def test_add_accounts_refused_above_ten_per_statement(shared):
    eleven = ", ".join(f"ORG.A{i}" for i in range(11))
    err = sf_error(lambda: shared.execute(f"ALTER SHARE S ADD ACCOUNTS = {eleven}"))
    assert (err.errno, err.sqlstate) == (3517, "0A000")
    assert "at most 10 accounts" in err.msg
    shared.execute(f"ALTER SHARE S ADD ACCOUNTS = {', '.join(f'ORG.A{i}' for i in range(10))}")
    assert shared.query("SHOW SHARES")[0]["to"] == "ORG.A0, ORG.A1, ORG.A2, ... (10 TOTAL)"  # reference §10
    assert len(shared.query("SHOW GRANTS OF SHARE S")) == 10


def test_duplicate_add_and_absent_remove_are_no_ops(shared):
    shared.execute("ALTER SHARE S ADD ACCOUNTS = ORG.ONE")
    shared.execute("ALTER SHARE S ADD ACCOUNTS = org.one, ORG.TWO SHARE_RESTRICTIONS = FALSE")
    shared.execute("ALTER SHARE S REMOVE ACCOUNTS = ORG.NEVER_ADDED")
    assert shared.query("SHOW SHARES")[0]["to"] == "ORG.ONE, ORG.TWO"
    shared.execute("ALTER SHARE S REMOVE ACCOUNTS = ORG.ONE")
    assert shared.query("SHOW SHARES")[0]["to"] == "ORG.TWO"
    rows = shared.query("SHOW GRANTS OF SHARE S")
    assert [(r["granted_to"], r["grantee_name"]) for r in rows] == [("ACCOUNT", "ORG.TWO")]
    shared.execute("ALTER SHARE S SET ACCOUNTS = ORG.THREE, XY12345")
    assert shared.query("SHOW SHARES")[0]["to"] == "ORG.THREE, XY12345"


def test_account_identifiers_are_validated(shared):
    for bad in ("org-acct", "9org.acct", "org.acct_", "a.b.c"):
        err = sf_error(lambda bad=bad: shared.execute(f"ALTER SHARE S ADD ACCOUNTS = {bad}"))
        assert err.errno == 2043, bad
        assert f"Invalid account identifier '{bad}'" in err.msg
    shared.execute("ALTER SHARE S ADD ACCOUNTS = ab12345")  # legacy locator: accepted
    assert shared.query("SHOW SHARES")[0]["to"] == "AB12345"


def test_drop_share_drops_its_grants_and_accounts(shared):
    shared.execute("ALTER SHARE S ADD ACCOUNTS = ORG.ONE")
    shared.execute("DROP SHARE S")
    assert shared.query("SHOW SHARES") == []
    shared.execute("CREATE SHARE S")
    assert grants(shared) == []
    assert shared.query("SHOW SHARES")[0]["to"] == ""


def test_revoke_usage_on_database_takes_its_objects_off_the_share(shared):
    shared.execute("REVOKE SELECT ON VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.PLAIN FROM SHARE S")  # not granted: no-op
    shared.execute("REVOKE SELECT ON VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS FROM SHARE S")
    assert len(grants(shared)) == 2
    shared.execute("REVOKE USAGE ON DATABASE OPTIMOVE_SHARE_DB FROM SHARE S")
    assert grants(shared) == []
    assert shared.query("SHOW SHARES")[0]["database_name"] == ""


def test_comment_set_and_unset(seeded):
    seeded.execute("ALTER SHARE S SET COMMENT = 'it''s shared'")
    assert seeded.query("SHOW SHARES")[0]["comment"] == "it's shared"
    seeded.execute("ALTER SHARE S UNSET COMMENT")
    assert seeded.query("SHOW SHARES")[0]["comment"] == ""
    seeded.execute("CREATE OR ALTER SHARE S COMMENT = 'altered'")
    assert seeded.query("SHOW SHARES")[0]["comment"] == "altered"


def test_show_shares_like_is_case_insensitive_and_underscore_over_matches(account):
    for name in ("A_B", "AXB", "OTHER"):
        account.execute(f"CREATE SHARE {name}")
    assert [r["name"] for r in account.query("SHOW SHARES LIKE 'a_b'")] == ["AXB", "A_B"]
    assert [r["name"] for r in account.query("SHOW SHARES LIKE '%'")] == ["AXB", "A_B", "OTHER"]
    assert [r["name"] for r in account.query("SHOW SHARES LIKE 'a\\\\_b'")] == ["A_B"]
    assert [r["name"] for r in account.query("SHOW SHARES STARTS WITH 'OT'")] == ["OTHER"]


def test_desc_share_lists_shared_objects(shared):
    rows = shared.query("DESCRIBE SHARE S")
    assert [list(r) for r in rows] == [["kind", "name", "shared_on"]] * 3
    assert [(r["kind"], r["name"]) for r in rows] == [
        ("DATABASE", "OPTIMOVE_SHARE_DB"),
        ("SCHEMA", "OPTIMOVE_SHARE_DB.OPTIMOVE"),
        ("VIEW", "OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS"),
    ]


def test_grant_all_tables_in_schema(shared):
    shared.execute("CREATE TABLE OPTIMOVE_SHARE_DB.OPTIMOVE.T1 (A INT)")
    shared.execute("GRANT SELECT ON ALL TABLES IN SCHEMA OPTIMOVE_SHARE_DB.OPTIMOVE TO SHARE S")
    assert ("SELECT", "TABLE", "OPTIMOVE_SHARE_DB.OPTIMOVE.T1") in grants(shared)


def test_role_and_warehouse_setup_in_seeds_are_accepted_as_no_ops(account):
    account.run_script(
        "USE ROLE ACCOUNTADMIN; CREATE WAREHOUSE IF NOT EXISTS WH; USE WAREHOUSE WH; CREATE ROLE R;"
        "GRANT ROLE R TO USER U; GRANT USAGE ON WAREHOUSE WH TO ROLE R; USE SECONDARY ROLES ALL;"
    )
    assert account.round_trips == 7


def test_unqualified_names_in_share_grants_use_the_session(account):
    account.run_script("CREATE DATABASE D; CREATE SCHEMA D.S; CREATE SHARE X; USE DATABASE D;")
    account.execute("GRANT USAGE ON DATABASE D TO SHARE X")
    account.execute("USE SCHEMA D.S")
    account.execute("GRANT USAGE ON SCHEMA S TO SHARE X")
    assert [r["name"] for r in account.query("SHOW GRANTS TO SHARE X")] == ["D", "D.S"]


def test_unqualified_names_without_a_current_database_are_refused(tmp_path):
    from sharekit.local import open_local_account

    with open_local_account(tmp_path / "fresh") as fresh:
        fresh.execute("CREATE SHARE X")
        err = sf_error(lambda: fresh.execute("GRANT USAGE ON SCHEMA S TO SHARE X"))
        assert (err.errno, err.sqlstate) == (90105, "22000")
        assert "does not have a current database" in err.msg
