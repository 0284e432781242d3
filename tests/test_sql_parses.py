"""Every statement any template can render parses as Snowflake SQL, with two independent parsers.

- sqlfluff (Snowflake dialect): the parse tree has no `unparsable` segment;
- sqlglot (`read="snowflake"`): no error. sqlglot reads ALTER SHARE, GRANT … TO SHARE, SHOW …
  as a generic `Command`; that is accepted, only an error fails.

`CASES` holds every branch of every template in `TEMPLATE_NAMES` (comment None / present,
share_restrictions None / True / False, set / unset comment, every grant shape) with the awkward
names of `tests/fixtures/`; a new template without cases fails `test_every_template_has_cases`.

Known sqlfluff gap (valid Snowflake, reported, templates unchanged): sqlfluff 4.5's
`AlterShareStatementSegment` takes only a `NakedIdentifierSegment`, so `ALTER SHARE "My Share" …`
(any quoted share name) is unparsable; see
https://docs.snowflake.com/en/sql-reference/sql/alter-share and
https://docs.snowflake.com/en/sql-reference/identifiers-syntax (quoted identifiers are allowed for
every object). Nor does its GRANT grammar know the MANAGE SHARE TARGET privilege (behaviour
change 2024_07; reference §3.5), which `sharekit doctor` may suggest granting. Those cases are
strict xfails of the sqlfluff test, so a sqlfluff fix shows up.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import re

import pytest
import sqlglot

from sharekit.config import Column, load_config
from sharekit.output.sqlfiles import render_files
from sharekit.sql.templates import TEMPLATE_NAMES, Templates

REPO = Path(__file__).resolve().parents[1]
T = Templates()

ODD_NAMES = ["OPTIMOVE_SHARE", "Order Items", 'we"ird name', "ORDER", "LastUpdated"]
ODD_TEXT = ["plain", "it's", "back\\slash", "two\nlines", "all: ' \\ \n and \"quotes\""]
COLUMNS = [
    Column("ORDER_ID", source="ORDER_ID"),
    Column("ORDER", source="ORDER"),  # reserved word
    Column("LastUpdated", source="LAST_UPDATED", comment="it's \\ \n"),
    Column('we"ird col', source='we"ird src', comment=None),
    Column("EMAIL_HASH", expr="SHA2(LOWER(EMAIL))", comment="hash"),
]
GRANTS = [
    ("USAGE", "DATABASE", ("OPTIMOVE_SHARE_DB",)),
    ("USAGE", "SCHEMA", ("OPTIMOVE_SHARE_DB", "Optimove")),
    ("REFERENCE_USAGE", "DATABASE", ("RAW",)),
    ("SELECT", "VIEW", ("OPTIMOVE_SHARE_DB", "OPTIMOVE", "Order Items")),
    ("SELECT", "TABLE", ("OPTIMOVE_SHARE_DB", "OPTIMOVE", 'we"ird name')),
]
SELECTS = [
    "SELECT\n    A\nFROM RAW.CRM.T",
    # a `query:` view as sqlcheck regenerates it: CTE + JOIN
    'WITH paid AS (\n  SELECT\n    ID, "LastUpdated"\n  FROM RAW.S.O\n)\nSELECT\n  p.ID,\n  c."LastUpdated"\n'
    "FROM paid AS p\nJOIN CRM.PUBLIC.C AS c\n  ON c.ID = p.ID",
]


# check_data.sql.j2: one rule of each kind, on awkward column names and values
CHECK_RULES = [
    {"kind": "values", "column": "Gender", "values": ["Male", "it's", 'we"ird']},
    {"kind": "decimals", "column": "ORDER"},
    {"kind": "placeholder_date", "column": "Date Of Birth"},
    {"kind": "max_length", "column": "EMAIL", "limit": 250},
]


def _check_view(no, name, last_updated, zoned, primary_key, metrics) -> dict:
    return {"no": no, "name": name, "last_updated": last_updated, "zoned": zoned,
            "primary_key": primary_key, "metrics": metrics}


def _cases() -> dict[str, list[dict]]:
    view = ("OPTIMOVE_SHARE_DB", "Optimove", "Order Items")
    weird_view = ("OPTIMOVE_SHARE_DB", "OPTIMOVE", 'we"ird name')
    accounts = [["OPTIMOVE.EU_PROD"], [f"OPTIMOVE.A{i}" for i in range(10)]]
    return {
        "create_database": [{"database": n} for n in ODD_NAMES],
        "create_schema": [{"database": "DB", "schema": n} for n in ODD_NAMES],
        "create_view": [
            {"view_name": name, "columns": COLUMNS, "comment": comment, "select": select}
            for name in (view, weird_view)
            for comment in (None, *ODD_TEXT)
            for select in SELECTS
        ],
        "view_select": [
            {"columns": COLUMNS, "source": source, "where": where}
            for source in (("RAW", "SALES", "order items"), ("RAW", "CRM", 'we"ird table'))
            for where in (None, "IS_TEST = FALSE", '"ORDER" > 0 AND NOT "LastUpdated" IS NULL')
        ],
        "create_share": [{"share": n, "comment": c} for n in ODD_NAMES for c in (None, *ODD_TEXT)],
        "set_share_comment": [{"share": n, "comment": c} for n in ODD_NAMES for c in (None, *ODD_TEXT)],
        "grant_to_share": [
            {"privilege": p, "object_type": o, "object_name": name, "share": share}
            for p, o, name in GRANTS for share in ("OPTIMOVE_SHARE", "Optimove Share")
        ],
        "revoke_from_share": [
            {"privilege": p, "object_type": o, "object_name": name, "share": share}
            for p, o, name in GRANTS for share in ("OPTIMOVE_SHARE", "Optimove Share")
        ],
        "add_accounts": [
            {"share": share, "accounts": a, "share_restrictions": r}
            for share in ("OPTIMOVE_SHARE", 'we"ird name') for a in accounts for r in (None, True, False)
        ],
        "remove_accounts": [{"share": s, "accounts": a} for s in ("OPTIMOVE_SHARE", "Order Items") for a in accounts],
        "drop_view": [{"view_name": name} for name in (view, weird_view)],
        "drop_share": [{"share": n} for n in ODD_NAMES],
        "set_view_secure": [{"view_name": name} for name in (view, weird_view)],
        "show_shares": [{"share": n} for n in ODD_NAMES],
        "show_grants_to_share": [{"share": n} for n in ODD_NAMES],
        "show_grants_of_share": [{"share": n} for n in ODD_NAMES],
        "show_databases": [{}],
        "show_schemas": [{"database": n} for n in ODD_NAMES],
        "show_views": [{"database": n} for n in ODD_NAMES],
        "show_all_shares": [{}],
        "show_views_in_account": [{}],
        "check_data": [
            {"views": [_check_view(1, view, "LastUpdated", False, ["ORDER", 'we"ird col'], CHECK_RULES),
                       _check_view(2, weird_view, None, False, [], [None] * len(CHECK_RULES)),
                       _check_view(3, ("DB", "S", "V"), "LASTUPDATED", True, ["ID"], [None] * len(CHECK_RULES))],
             "tolerance_seconds": 300},
            {"views": [_check_view(1, ("DB", "S", "V"), "LU", True, [], [])], "tolerance_seconds": 0},
        ],
        "select_columns": [
            {"scopes": [("OPTIMOVE_SHARE_DB", ["OPTIMOVE"])]},
            {"scopes": [("OPTIMOVE_SHARE_DB", ["OPTIMOVE", "Optimove"]), ("Raw db", ["it's", 'we"ird'])]},
        ],
    }


def _export_cases() -> dict[str, list[dict]]:
    """sql_templates/export_*.sql.j2 (`sharekit export`): every format, with and without bounds."""
    view, table = ("OPTIMOVE_SHARE_DB", "Optimove", 'we"ird name'), ("OPTIMOVE_SHARE_DB", "SHAREKIT_EXPORT", "WATERMARKS")
    lock = ("OPTIMOVE_SHARE_DB", "SHAREKIT_EXPORT", "EXPORT_LOCK")
    copy = {"location": "@OPTIMOVE_SHARE_DB.SHAREKIT_EXPORT.EXPORTS/optimove/V/20240501T100000000000Z/",
            "view": view, "columns": ["ORDER_ID", "ORDER", "LastUpdated", 'we"ird col'], "last_updated": "LastUpdated",
            "max_file_size": 262144000}
    return {
        "export_create_stage": [
            {"stage": ("DB", "SHAREKIT_EXPORT", "EXPORTS"), "url": None, "storage_integration": None},
            {"stage": ("DB", "S", "Order Items"), "url": "s3://bucket/it's/", "storage_integration": "OPTIMOVE_S3"},
        ],
        "export_create_watermarks": [{"table": table}],
        "export_read_watermarks": [{"table": table}],
        "export_watermarks_exist": [{"schema": table[:2], "names": ["WATERMARKS", "EXPORT_LOCK"]}],
        "export_create_lock": [{"table": lock}],
        "export_read_lock": [{"table": lock}],
        "export_claim_lock": [{"table": lock, "run_id": "r1", "holder": "o'neil@host (pid 1)",
                               "acquired_at": "2024-05-01 10:00:00", "previous": previous} for previous in (None, "r0")],
        "export_release_lock": [{"table": lock, "run_id": "r1"}],
        "export_high_mark": [{"view": view, "last_updated": "LastUpdated", "watermark": None},
                             {"view": view, "last_updated": "ORDER", "watermark": "2024-05-01 10:00:00+00:00"}],
        "export_copy": [{**copy, "format": fmt, "low": low, "high": high}
                        for fmt in ("csv", "json", "parquet")
                        for low, high in ((None, None), (None, "2024-05-01"), ("2024-05-01 10:00:00", "2024-05-02"))],
        "export_record_watermark": [
            {"table": table, "view_name": "DB.S.V", "run_id": "r1", "watermark": None, "rows": 0, "files": 0,
             "bytes": 0, "location": "@DB.S.STG/V/r1/"},
            {"table": table, "view_name": "DB.S.\"it's\"", "run_id": "r1", "watermark": "2024-05-01", "rows": 3,
             "files": 1, "bytes": 100, "location": "@DB.S.\"it's stage\"/o'neil/V/r1/"},
        ],
        "export_get": [{"location": "@DB.S.STG/optimove/V/r1/", "target": "file:///tmp/my dir/V/"}],
        "export_add_location": [{"table": table}, {"table": ("Export DB", 'we"ird schema', "WATERMARKS")}],
        "export_create_code_stage": [{"stage": ("OPTIMOVE_SHARE_DB", "SHAREKIT_EXPORT", "SHAREKIT_CODE")},
                                     {"stage": ("Export DB", 'we"ird schema', "SHAREKIT_CODE")}],
    }


def _doctor_cases() -> dict[str, list[dict]]:
    """sql_templates/doctor_* and the fixes `sharekit doctor` suggests, on awkward role names."""
    roles = ["SHARE_ADMIN", "Share Admin", 'we"ird role', "ORDER"]
    privileges = ("CREATE SHARE", "MANAGE SHARE TARGET", "OVERRIDE SHARE RESTRICTIONS", "CREATE DATABASE",
                  "IMPORT SHARE")
    return {
        "doctor_context": [{}],
        "show_grants_to_role": [{"role": r} for r in roles],
        "doctor_probe": [{"database": n} for n in ODD_NAMES],
        "grant_on_account": [{"privilege": p, "role": r} for p in privileges for r in roles],
        "grant_database_ownership": [{"database": n, "role": r} for n in ODD_NAMES for r in roles[:2]],
        "use_role": [{"role": r} for r in roles],
    }


def _reader_cases() -> dict[str, list[dict]]:
    """sql_templates/reader_* (the database-connection route), on awkward names and texts."""
    names = ["OPTIMOVE_READER", "Optimove Reader", 'we"ird name', "ORDER"]
    key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6p6MnF+OLgysmjpHMvQL"
    ips = [["203.0.113.10"], ["203.0.113.10", "198.51.100.0/24"]]
    grants = [*GRANTS[:2], *GRANTS[3:], ("USAGE", "WAREHOUSE", ("OPTIMOVE_WH",))]
    return {
        "reader_show_roles": [{"role": n} for n in names],
        "reader_show_users": [{"user": n} for n in names],
        "reader_show_network_policies": [{}],
        "reader_show_warehouses": [{"warehouse": n} for n in names],
        "reader_show_resource_monitors": [{"monitor": n} for n in names],
        "reader_show_grants_to_user": [{"user": n} for n in names],
        "reader_desc_user": [{"user": n} for n in names],
        "reader_show_user_parameters": [{"user": n} for n in names],
        "reader_desc_network_policy": [{"policy": n} for n in names],
        "reader_create_role": [{"role": n, "comment": c} for n in names for c in ODD_TEXT[:2]],
        "reader_grant": [{"privilege": p, "object_type": o, "object_name": name, "role": r}
                         for p, o, name in grants for r in names[:2]],
        "reader_revoke": [{"privilege": p, "object_type": o, "object_name": name, "role": r}
                          for p, o, name in grants for r in names[:2]],
        "reader_grant_role": [{"role": r, "user": u} for r in names[:2] for u in names[2:]],
        "reader_revoke_role": [{"role": r, "user": u} for r in names[:2] for u in names[2:]],
        "reader_create_warehouse": [{"warehouse": n, "comment": "it's"} for n in names],
        "reader_create_network_policy": [{"policy": n, "ips": i, "comment": "it's"} for n in names[:2] for i in ips],
        "reader_set_network_policy": [{"policy": n, "ips": i} for n in names[:2] for i in ips],
        "reader_create_user": [{"user": u, "public_key": key, "role": "Optimove Reader", "warehouse": "OPTIMOVE_WH",
                                "comment": c} for u in names for c in ODD_TEXT[:2]],
        "reader_alter_user": [{"user": "OPTIMOVE_ETL", "property": p, "value": v} for p, v in (
            ("TYPE", "SERVICE"), ("DEFAULT_ROLE", '"Optimove Reader"'), ("RSA_PUBLIC_KEY_2", f"'{key}'"),
            ("STATEMENT_TIMEOUT_IN_SECONDS", "3600"), ("NETWORK_POLICY", '"Optimove Reader"'))],
        "reader_unset_user": [{"user": u, "property": p} for u in names[:2]
                              for p in ("PASSWORD", "RSA_PUBLIC_KEY_2", "STATEMENT_TIMEOUT_IN_SECONDS")],
        "reader_create_resource_monitor": [{"monitor": n, "quota": 20} for n in names],
        "reader_set_resource_monitor_quota": [{"monitor": n, "quota": 5} for n in names],
        "reader_set_warehouse_monitor": [{"warehouse": w, "monitor": m} for w in names[:2] for m in names[2:]],
    }


def _monitor_cases() -> dict[str, list[dict]]:
    """sql_templates/monitor_* (`monitor:`), and check_data with the volume columns."""
    from sharekit.config.model import Volume
    from sharekit.monitor import objects
    from sharekit.plan.scheduled import PACKAGES

    where = [("OPTIMOVE_SHARE_DB", "SHAREKIT_MONITOR"), ("Monitor DB", 'we"ird schema')]
    table, stage = (*where[1], "SHAREKIT_RESULTS"), (*where[1], "SHAREKIT_CODE")
    finding = {"view": "DB.S.\"it's\"", "check_id": "volume.drop", "severity": "error", "message": ODD_TEXT[4],
               "figures": '{"yesterday": 1, "note": "it\'s"}'}
    return {
        "check_data": [{"views": [{**_check_view(1, ("DB", "S", "Order Items"), None, False, [], []),
                                   "volume": Volume(name, 0.2, 180)}], "tolerance_seconds": 300}
                       for name in ("ORDER_DATE", "Order Date")],
        "monitor_show": [{"kind": kind, "pattern": name, "database": db} for kind, name in objects._SHOWS
                         for db in ("OPTIMOVE_SHARE_DB", "Monitor DB") if name],
        "monitor_create_schema": [{"schema": w} for w in where],
        "monitor_create_results": [{"table": table}],
        "monitor_create_stage": [{"stage": stage}],
        "monitor_put_code": [{"path": "/tmp/my dir/sharekit-0123456789abcdef.zip", "stage": stage}],
        "monitor_create_procedure": [{"procedure": (*where[1], "SHAREKIT_RUN_CHECKS"), "runtime": "3.11",
                                      "packages": list(PACKAGES), "stage": stage,
                                      "archive": "sharekit-0123456789abcdef.zip", "handler": objects.HANDLER,
                                      "comment": "sharekit monitor 0123456789abcdef"}],
        "monitor_create_task": [{"task": (*w, "SHAREKIT_CHECKS"), "warehouse": wh, "schedule": "USING CRON 0 4 * * * UTC",
                                 "procedure": (*w, "SHAREKIT_RUN_CHECKS"), "comment": "it's"}
                                for w in where for wh in ("MONITOR_WH", "Monitor WH")],
        "monitor_task_state": [{"kind": k, "target": (*where[1], "X"), "state": s}
                               for k in ("TASK", "ALERT") for s in ("SUSPEND", "RESUME")],
        "monitor_set_schedule": [{"kind": k, "target": (*where[1], "X"), "warehouse": wh, "schedule": sc}
                                 for k in ("TASK", "ALERT") for wh, sc in (("WH", None), (None, "60 MINUTE"),
                                                                          ("Monitor WH", "USING CRON 0 4 * * * UTC"))],
        "monitor_create_alert": [{"alert": (*where[1], "SHAREKIT_ALERT"), "warehouse": "WH", "schedule": "60 MINUTE",
                                  "comment": "c", "table": table, "integration": "OPS_EMAIL",
                                  "recipients": ["a@example.com", "b@example.com"], "subject": "it's", "body": ODD_TEXT[4]}],
        "monitor_drop": [{"kind": k, "target": (*where[1], "X")} for k in ("TABLE", "STAGE", "PROCEDURE", "TASK", "ALERT")],
        "monitor_insert_results": [{"table": table, "run_id": "r1", "rows": [finding, {**finding, "view": ""}]}],
        "monitor_delete_old": [{"table": table, "keep_days": 30}],
        "monitor_last_run": [{"table": table}],
    }


def _listing_cases() -> dict[str, list[dict]]:
    """The share's listing (sharekit.plan.listing): the manifest is YAML in a `$$ … $$` body."""
    from sharekit.state.listing import manifest_text

    manifest = manifest_text(ODD_TEXT[4], ODD_TEXT[3], ("OPTIMOVE.US_PROD", "OPTIMOVE.APAC"), "60 MINUTE")
    names = ["OPTIMOVE_LISTING", "Order Items"]
    return {
        "show_listings": [{"like": None}, {"like": "OPTIMOVE_LISTING"}],
        "describe_listing": [{"listing": n} for n in names],
        "listing_create": [{"listing": n, "share": s, "manifest": manifest} for n in names for s in ODD_NAMES[:2]],
        "listing_alter": [{"listing": n, "manifest": manifest} for n in names],
        "listing_publish": [{"listing": n, "publish": p} for n in names for p in (True, False)],
        "listing_drop": [{"listing": n} for n in names],
        "global_sharing_enabled": [{"account": a} for a in ("LOCAL01", "it's")],
        "enable_global_sharing": [{"account": a} for a in ("LOCAL01", "it's")],
    }


_MONITOR = _monitor_cases()
CASES = {**_cases(), **_export_cases(), **_doctor_cases(), **_reader_cases(), **_listing_cases(), **_MONITOR,
         "check_data": [*_cases()["check_data"], *_MONITOR["check_data"]]}


_SQLFLUFF_GAP = re.compile(r'ALTER SHARE (IF EXISTS )?"|GRANT MANAGE SHARE TARGET |SHOW ALERTS |PUT \'[^\']*\' @"[^"]* '
                           r'|(CREATE EXTERNAL|ALTER|DROP|DESCRIBE) LISTING |SHOW LISTINGS\b')
_GAP_REASON = ("sqlfluff 4.5 snowflake: ALTER SHARE accepts only an unquoted share name, GRANT knows no "
               "MANAGE SHARE TARGET privilege, there is no SHOW ALERTS, and PUT's stage takes no quoted name "
               "with a space, and it knows no listing statement (all valid Snowflake: "
               "docs.snowflake.com/en/sql-reference/sql/show-alerts, …/sql/put, …/sql/create-listing)")


# sqlglot 30 reads no DESC USER (valid Snowflake: https://docs.snowflake.com/en/sql-reference/sql/desc-user),
# which the reader's introspection needs for the keys' fingerprints (RSA_PUBLIC_KEY_FP)
_SQLGLOT_GAP = re.compile(r"DESC USER |DESCRIBE LISTING ")
_SQLGLOT_GAP_REASON = ("sqlglot 30 snowflake: DESC USER and DESCRIBE LISTING are not parsed (valid Snowflake; "
                       "CREATE/ALTER/DROP LISTING and SHOW LISTINGS parse as a generic Command)")


def _params(sqlfluff: bool = False):
    for name in TEMPLATE_NAMES:
        for index, context in enumerate(CASES.get(name, [])):
            marks = ()
            if sqlfluff and _SQLFLUFF_GAP.match(T.render(name, **context)):
                marks = pytest.mark.xfail(strict=True, reason=_GAP_REASON)
            elif not sqlfluff and _SQLGLOT_GAP.match(T.render(name, **context)):
                marks = pytest.mark.xfail(strict=True, reason=_SQLGLOT_GAP_REASON)
            yield pytest.param(name, context, id=f"{name}-{index}", marks=marks)


@lru_cache(maxsize=1)
def _linter():
    from sqlfluff.core import Linter

    return Linter(dialect="snowflake")


def assert_sqlfluff_parses(sql: str, allow_known_gaps: bool = False) -> None:
    parsed = _linter().parse_string(sql)
    assert parsed.tree is not None, f"sqlfluff produced no tree for:\n{sql}"
    unparsable = [segment.raw for segment in parsed.tree.recursive_crawl("unparsable")]
    if allow_known_gaps:
        unparsable = [raw for raw in unparsable if not _SQLFLUFF_GAP.match(raw)]
    assert not unparsable, f"sqlfluff cannot parse {unparsable!r} in:\n{sql}"
    if not allow_known_gaps:
        assert not parsed.violations, f"sqlfluff: {[v.desc() for v in parsed.violations]} in:\n{sql}"


def assert_sqlglot_parses(sql: str) -> None:
    statements = sqlglot.parse(sql, read="snowflake")  # raises ParseError / TokenError
    assert [s for s in statements if s is not None], f"sqlglot found no statement in:\n{sql}"


def test_every_template_has_cases():
    assert set(TEMPLATE_NAMES) <= set(CASES), f"add parse cases for {set(TEMPLATE_NAMES) - set(CASES)}"


def test_cases_cover_every_branch():
    assert {c["share_restrictions"] for c in CASES["add_accounts"]} == {None, True, False}
    assert {c["comment"] is None for c in CASES["create_share"]} == {True, False}
    assert {c["comment"] is None for c in CASES["set_share_comment"]} == {True, False}
    assert {c["comment"] is None for c in CASES["create_view"]} == {True, False}
    assert {c["where"] is None for c in CASES["view_select"]} == {True, False}
    shapes = {(c["privilege"], c["object_type"]) for c in CASES["grant_to_share"]}
    assert shapes == {("USAGE", "DATABASE"), ("USAGE", "SCHEMA"), ("REFERENCE_USAGE", "DATABASE"),
                      ("SELECT", "VIEW"), ("SELECT", "TABLE")}


@pytest.mark.parametrize("template, context", list(_params(sqlfluff=True)))
def test_template_output_parses_with_sqlfluff(template, context):
    assert_sqlfluff_parses(T.render(template, **context))


@pytest.mark.parametrize("template, context", list(_params()))
def test_template_output_parses_with_sqlglot(template, context):
    assert_sqlglot_parses(T.render(template, **context))


def test_sqlfluff_gap_is_only_the_quoted_share_name():
    assert_sqlfluff_parses("ALTER SHARE OPTIMOVE_SHARE UNSET COMMENT;")
    with pytest.raises(AssertionError, match="cannot parse"):
        assert_sqlfluff_parses('ALTER SHARE "Optimove Share" UNSET COMMENT;')


def _configs() -> list[Path]:
    return [REPO / "examples" / "optimove_ecommerce" / "sharekit.yml", *sorted((REPO / "tests" / "fixtures").glob("*.yml"))]


@pytest.mark.parametrize("config", _configs(), ids=lambda p: p.stem if p.parent.name == "fixtures" else "example")
def test_rendered_files_parse(config):
    for path, text in render_files(load_config(config), T).items():
        assert_sqlfluff_parses(text, allow_known_gaps=True)
        assert_sqlglot_parses(text)
