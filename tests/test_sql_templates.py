"""One line per SQL shape: `assert_renders(template, context, sql)` (sqlglot `validate_identity` style).

Templates get *stored* names and quote them through the `ident` / `fqn` / `literal` filters.
Odd syntax is pinned with the Snowflake doc page that defines it.
"""

from __future__ import annotations

import pytest

from sharekit.sql import statements
from sharekit.config.model import Column
from sharekit.errors import TemplateError
from sharekit.state.model import Grant
from sharekit.sql.templates import TEMPLATE_NAMES, Templates

T = Templates()


def assert_renders(template: str, context: dict, sql: str) -> None:
    assert T.render(template, **context) == sql


# --- databases and schemas -----------------------------------------------------------------

def test_create_database():
    assert_renders("create_database", {"database": "OPTIMOVE_SHARE_DB"}, "CREATE DATABASE IF NOT EXISTS OPTIMOVE_SHARE_DB;")
    assert_renders("create_database", {"database": "Share db"}, 'CREATE DATABASE IF NOT EXISTS "Share db";')


def test_create_schema():
    assert_renders("create_schema", {"database": "DB", "schema": "OPTIMOVE"}, "CREATE SCHEMA IF NOT EXISTS DB.OPTIMOVE;")
    assert_renders("create_schema", {"database": "DB", "schema": 'we"ird'}, 'CREATE SCHEMA IF NOT EXISTS DB."we""ird";')


# --- shares --------------------------------------------------------------------------------

def test_create_share():
    # https://docs.snowflake.com/en/sql-reference/sql/create-share
    assert_renders("create_share", {"share": "S", "comment": None}, "CREATE SHARE IF NOT EXISTS S;")
    assert_renders("create_share", {"share": "S", "comment": "it's"}, "CREATE SHARE IF NOT EXISTS S COMMENT = 'it''s';")
    assert_renders("create_share", {"share": "S", "comment": ""}, "CREATE SHARE IF NOT EXISTS S COMMENT = '';")
    assert_renders("create_share", {"share": "My share", "comment": None}, 'CREATE SHARE IF NOT EXISTS "My share";')


def test_create_share_comment_escapes_backslash_and_newline():
    # Backslash escapes in string constants:
    # https://docs.snowflake.com/en/sql-reference/data-types-text#escape-sequences-in-single-quoted-string-constants
    assert_renders("create_share", {"share": "S", "comment": "a\\b\nc"}, "CREATE SHARE IF NOT EXISTS S COMMENT = 'a\\\\b\\nc';")


def test_set_share_comment():
    # https://docs.snowflake.com/en/sql-reference/sql/alter-share
    assert_renders("set_share_comment", {"share": "S", "comment": "new"}, "ALTER SHARE S SET COMMENT = 'new';")
    assert_renders("set_share_comment", {"share": "S", "comment": None}, "ALTER SHARE S UNSET COMMENT;")


def test_add_accounts():
    # SHARE_RESTRICTIONS rides on ADD ACCOUNTS only:
    # https://docs.snowflake.com/en/sql-reference/sql/alter-share
    ctx = {"share": "S", "accounts": ["ORG.A", "ORG.B"]}
    assert_renders("add_accounts", {**ctx, "share_restrictions": None}, "ALTER SHARE S ADD ACCOUNTS = ORG.A, ORG.B;")
    assert_renders("add_accounts", {**ctx, "share_restrictions": False}, "ALTER SHARE S ADD ACCOUNTS = ORG.A, ORG.B SHARE_RESTRICTIONS = FALSE;")
    assert_renders("add_accounts", {**ctx, "share_restrictions": True}, "ALTER SHARE S ADD ACCOUNTS = ORG.A, ORG.B SHARE_RESTRICTIONS = TRUE;")


def test_remove_accounts():
    assert_renders("remove_accounts", {"share": "S", "accounts": ["ORG.A"]}, "ALTER SHARE S REMOVE ACCOUNTS = ORG.A;")


def test_add_accounts_are_chunked_by_ten():
    accounts = [f"ORG.A{i:02d}" for i in range(25)]
    assert [len(chunk) for chunk in statements.chunks(accounts)] == [10, 10, 5]
    assert statements.chunks([]) == []


# --- grants --------------------------------------------------------------------------------
# https://docs.snowflake.com/en/sql-reference/sql/grant-privilege-share

def test_grant_usage_database():
    assert statements.grant(T, "S", Grant("USAGE", "DATABASE", ("DB",))) == "GRANT USAGE ON DATABASE DB TO SHARE S;"


def test_grant_usage_schema():
    assert statements.grant(T, "S", Grant("USAGE", "SCHEMA", ("DB", "OPTIMOVE"))) == "GRANT USAGE ON SCHEMA DB.OPTIMOVE TO SHARE S;"


def test_grant_reference_usage_database():
    # REFERENCE_USAGE: views in the shared database reading another database.
    # https://docs.snowflake.com/en/user-guide/data-sharing-mutiple-db
    assert statements.grant(T, "S", Grant("REFERENCE_USAGE", "DATABASE", ("RAW",))) == (
        "GRANT REFERENCE_USAGE ON DATABASE RAW TO SHARE S;")


def test_grant_select_view():
    assert statements.grant(T, "S", Grant("SELECT", "VIEW", ("DB", "OPTIMOVE", "Order Items"))) == (
        'GRANT SELECT ON VIEW DB.OPTIMOVE."Order Items" TO SHARE S;')


def test_grant_select_table():
    assert statements.grant(T, "S", Grant("SELECT", "TABLE", ("DB", "S1", "T"))) == "GRANT SELECT ON TABLE DB.S1.T TO SHARE S;"


def test_grant_object_type_underscores_become_spaces():
    assert statements.grant(T, "S", Grant("SELECT", "DYNAMIC_TABLE", ("DB", "S1", "T"))) == (
        "GRANT SELECT ON DYNAMIC TABLE DB.S1.T TO SHARE S;")


def test_revoke():
    # https://docs.snowflake.com/en/sql-reference/sql/revoke-privilege-share
    assert statements.revoke(T, "S", Grant("SELECT", "VIEW", ("DB", "OPTIMOVE", "V"))) == (
        "REVOKE SELECT ON VIEW DB.OPTIMOVE.V FROM SHARE S;")
    assert statements.revoke(T, "S", Grant("REFERENCE_USAGE", "DATABASE", ("RAW",))) == (
        "REVOKE REFERENCE_USAGE ON DATABASE RAW FROM SHARE S;")


# --- views ---------------------------------------------------------------------------------

def test_drop_view():
    assert_renders("drop_view", {"view_name": ("DB", "OPTIMOVE", 'we"ird name')}, 'DROP VIEW IF EXISTS DB.OPTIMOVE."we""ird name";')


def test_view_select_plain_renamed_computed():
    columns = [Column("A", source="A"), Column("B", source="SRC_B"), Column("H", expr="SHA2(E)")]
    assert_renders("view_select", {"columns": columns, "source": ("RAW", "CRM", "T"), "where": None},
                   "SELECT\n    A,\n    SRC_B AS B,\n    SHA2(E) AS H\nFROM RAW.CRM.T")


def test_view_select_where():
    assert_renders("view_select", {"columns": [Column("A", source="A")], "source": ("R", "C", "T"), "where": "A = 1"},
                   "SELECT\n    A\nFROM R.C.T\nWHERE A = 1")


def test_view_select_quotes_reserved_and_mixed_case_names():
    columns = [Column("ORDER", source="ORDER"), Column("LastUpdated", source="LAST_UPDATED")]
    assert_renders("view_select", {"columns": columns, "source": ("R", "C", "Order Items"), "where": None},
                   'SELECT\n    "ORDER",\n    LAST_UPDATED AS "LastUpdated"\nFROM R.C."Order Items"')


def test_create_view():
    # SECURE + COPY GRANTS, column list with COMMENT '...':
    # https://docs.snowflake.com/en/sql-reference/sql/create-view
    columns = [Column("A", comment="it's"), Column("LastUpdated")]
    assert_renders(
        "create_view",
        {"view_name": ("DB", "OPTIMOVE", "V"), "columns": columns, "comment": "view\\comment", "select": "SELECT 1"},
        "CREATE OR REPLACE SECURE VIEW DB.OPTIMOVE.V (\n"
        "    A COMMENT 'it''s',\n"
        '    "LastUpdated"\n'
        ")\n"
        "COPY GRANTS\n"
        "COMMENT = 'view\\\\comment'\n"
        "AS\n"
        "SELECT 1;",
    )


def test_create_view_without_comment():
    assert_renders(
        "create_view",
        {"view_name": ("DB", "S", "Order Items"), "columns": [Column("A")], "comment": None, "select": "SELECT A FROM R.C.T"},
        'CREATE OR REPLACE SECURE VIEW DB.S."Order Items" (\n    A\n)\nCOPY GRANTS\nAS\nSELECT A FROM R.C.T;',
    )


# --- introspection -------------------------------------------------------------------------

def test_show_shares():
    # LIKE is a pattern ('_' matches any character): callers re-check names exactly.
    # https://docs.snowflake.com/en/sql-reference/sql/show-shares
    assert_renders("show_shares", {"share": "OPTIMOVE_SHARE"}, "SHOW SHARES LIKE 'OPTIMOVE_SHARE';")


def test_show_grants():
    # https://docs.snowflake.com/en/sql-reference/sql/show-grants
    assert_renders("show_grants_to_share", {"share": "S"}, "SHOW GRANTS TO SHARE S;")
    assert_renders("show_grants_of_share", {"share": "My share"}, 'SHOW GRANTS OF SHARE "My share";')


def test_show_databases_schemas_views():
    assert_renders("show_databases", {}, "SHOW DATABASES;")
    assert_renders("show_schemas", {"database": "DB"}, "SHOW SCHEMAS IN DATABASE DB;")
    assert_renders("show_views", {"database": "db"}, 'SHOW VIEWS IN DATABASE "db";')


def test_select_columns_one_round_trip_for_every_database():
    assert_renders(
        "select_columns", {"scopes": [("DB", ["OPTIMOVE"]), ("RAW", ["CRM", "it's"])]},
        "SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, COMMENT\n"
        "FROM DB.INFORMATION_SCHEMA.COLUMNS\n"
        "WHERE TABLE_SCHEMA IN ('OPTIMOVE')\n"
        "UNION ALL\n"
        "SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, COMMENT\n"
        "FROM RAW.INFORMATION_SCHEMA.COLUMNS\n"
        "WHERE TABLE_SCHEMA IN ('CRM', 'it''s')\n"
        "ORDER BY TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION;",
    )


# --- the Templates object ------------------------------------------------------------------

def test_every_named_template_exists_and_compiles():
    assert T.check_all() == []
    assert len(set(TEMPLATE_NAMES)) == len(TEMPLATE_NAMES)


def test_missing_context_is_an_error_not_empty_text():
    with pytest.raises(TemplateError, match="create_share.sql.j2 failed to render"):
        T.render("create_share", share="S")


def test_missing_context_through_a_filter_is_a_template_error(tmp_path):
    (tmp_path / "create_share.sql.j2").write_text("CREATE SHARE {{ share_name | ident }};\n")
    with pytest.raises(TemplateError, match="create_share.sql.j2 failed to render"):
        Templates(tmp_path).render("create_share", share="S", comment=None)


def test_unknown_template():
    with pytest.raises(TemplateError, match="nope.sql.j2 not found"):
        T.render("nope")


def test_override_directory_wins(tmp_path):
    (tmp_path / "create_share.sql.j2").write_text("CREATE SHARE {{ share | ident }} /* custom */;\n")
    custom = Templates(tmp_path)
    assert custom.render("create_share", share="S", comment=None) == "CREATE SHARE S /* custom */;"
    assert custom.render("create_database", database="D") == "CREATE DATABASE IF NOT EXISTS D;"


def test_override_must_be_a_directory(tmp_path):
    with pytest.raises(TemplateError, match="not a directory"):
        Templates(tmp_path / "missing")


def test_override_with_syntax_error_is_reported(tmp_path):
    (tmp_path / "drop_view.sql.j2").write_text("DROP VIEW {{ view_name | fqn ;\n")
    (problem,) = Templates(tmp_path).check_all()
    assert "drop_view.sql.j2:1: template syntax error" in problem


def test_output_has_no_trailing_whitespace():
    text = T.render("create_view", view_name=("D", "S", "V"), columns=[Column("A")], comment=None, select="SELECT 1   \n")
    assert all(line == line.rstrip() for line in text.splitlines())
    assert not text.endswith("\n")


def _validate_with(tmp_path, templates: dict[str, str]):
    from typer.testing import CliRunner

    from sharekit.cli import app

    override = tmp_path / "overrides"
    override.mkdir()
    for name, text in templates.items():
        (override / name).write_text(text, encoding="utf-8")
    config = tmp_path / "sharekit.yml"
    config.write_text(
        "version: 1\nshare: {name: S, database: DB}\nviews:\n"
        "  - {name: V, from: RAW.S.T, kind: dimension, columns: [ID]}\n", encoding="utf-8")
    return CliRunner().invoke(app, ["validate", "-f", str(config), "--templates", str(override)])


def test_override_templates_run_in_a_sandbox(tmp_path):
    """An override that reaches Python internals (here: to run a shell command) is refused by
    the sandbox during the offline `validate`, and the command never runs."""
    marker = tmp_path / "pwned"
    payload = "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}"
    result = _validate_with(tmp_path, {"drop_view.sql.j2": payload, "create_share.sql.j2": payload})
    assert result.exit_code == 1
    assert "failed to render" in result.output
    assert not marker.exists()


def test_override_with_an_unknown_name_is_an_error_with_a_hint(tmp_path):
    result = _validate_with(tmp_path, {"create_veiw.sql.j2": "SELECT 1;"})
    assert result.exit_code == 1
    assert "create_veiw.sql.j2 overrides no template (did you mean create_view.sql.j2?)" in result.output


def test_override_rendering_two_statements_is_an_error(tmp_path):
    result = _validate_with(tmp_path, {"create_share.sql.j2": "CREATE SHARE {{ share | ident }}; DROP DATABASE PROD;"})
    assert result.exit_code == 1
    assert "create_share.sql.j2 renders 2 statements" in result.output


def test_override_with_an_undefined_variable_names_file_and_variable(tmp_path):
    result = _validate_with(tmp_path, {"create_share.sql.j2": "CREATE SHARE {{ shaer | ident }};"})
    assert result.exit_code == 1
    assert "create_share.sql.j2 failed to render" in result.output
    assert "shaer" in result.output
