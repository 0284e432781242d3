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
        "export_watermarks_exist": [{"table": table}],
        "export_high_mark": [{"view": view, "last_updated": "LastUpdated", "watermark": None},
                             {"view": view, "last_updated": "ORDER", "watermark": "2024-05-01 10:00:00+00:00"}],
        "export_copy": [{**copy, "format": fmt, "low": low, "high": high}
                        for fmt in ("csv", "json", "parquet")
                        for low, high in ((None, None), (None, "2024-05-01"), ("2024-05-01 10:00:00", "2024-05-02"))],
        "export_record_watermark": [
            {"table": table, "view_name": "DB.S.V", "run_id": "r1", "watermark": None, "rows": 0, "files": 0, "bytes": 0},
            {"table": table, "view_name": "DB.S.\"it's\"", "run_id": "r1", "watermark": "2024-05-01", "rows": 3,
             "files": 1, "bytes": 100},
        ],
        "export_get": [{"location": "@DB.S.STG/optimove/V/r1/", "target": "file:///tmp/my dir/V/"}],
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


CASES = {**_cases(), **_export_cases(), **_doctor_cases()}


_SQLFLUFF_GAP = re.compile(r'ALTER SHARE (IF EXISTS )?"|GRANT MANAGE SHARE TARGET ')
_GAP_REASON = ("sqlfluff 4.5 snowflake: ALTER SHARE accepts only an unquoted share name, and GRANT knows no "
               "MANAGE SHARE TARGET privilege (both valid Snowflake)")


def _params(sqlfluff: bool = False):
    for name in TEMPLATE_NAMES:
        for index, context in enumerate(CASES.get(name, [])):
            marks = ()
            if sqlfluff and _SQLFLUFF_GAP.match(T.render(name, **context)):
                marks = pytest.mark.xfail(strict=True, reason=_GAP_REASON)
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
