"""`sharekit check --data` on the local account: one seeded fixture per check id, a clean one.

Each case is a folder `tests/fixtures/check_<case>/`: `sharekit.yml`, an optional `seed.sql`
run after the shared clean tables (`check_common/base.sql`), and an optional `checked.yml`
checked instead of the applied config. `prepare()` seeds a fresh local account, applies the
config (waiving its blocking checks, which are what the case is about), and `run_checks` reads it.
Expected findings are exact, except `{ts}`, which stands for a timestamp the seed made from now.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sharekit.api import make_plan, run_plan
from sharekit.config import load_config, parse_config
from sharekit.checks.data import data_probes, data_query, human
from sharekit.checks.run import run_checks, view_status
from sharekit.state.introspect import introspect
from sharekit.local import open_local_account
from sharekit.checks.spec import load_spec
from sharekit.sql.templates import get_templates

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE_SQL = (FIXTURES / "check_common" / "base.sql").read_text(encoding="utf-8")
T = get_templates()
TS = r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( ?([+-]\d\d(:?\d\d)?|Z))?"
DB = "OPTIMOVE_SHARE_DB.OPTIMOVE"
NOT_APPLIED = {"source_missing", "column_missing", "data_skipped"}  # cannot, or must not, be applied


@pytest.fixture(autouse=True)
def no_knobs(monkeypatch):
    monkeypatch.delenv("SHAREKIT_LOCAL_LATENCY_MS", raising=False)
    monkeypatch.delenv("SHAREKIT_LOCAL_FAIL_AT", raising=False)


def apply_config(config, account) -> None:
    plan = make_plan(config, account, T)
    if plan.blocking:
        plan = make_plan(config, account, T, [f.id for f in plan.blocking])
    assert run_plan(account, plan).ok


@pytest.fixture(scope="module")
def base_account_dir(tmp_path_factory) -> Path:
    """A local account holding the clean source tables, seeded once and copied for each case."""
    directory = tmp_path_factory.mktemp("check_base") / "account"
    with open_local_account(directory) as account:
        account.run_script(BASE_SQL)
    return directory


def fresh_account(base: Path, tmp_path: Path):
    target = tmp_path / "account"
    shutil.copytree(base, target)
    return open_local_account(target)


def prepare(case: str, tmp_path: Path, base: Path, apply: bool = True):
    """(config to check, local account) for `tests/fixtures/check_<case>/`."""
    directory = FIXTURES / f"check_{case}"
    config = load_config(directory / "sharekit.yml")
    account = fresh_account(base, tmp_path)
    if (directory / "seed.sql").exists():
        account.run_script((directory / "seed.sql").read_text(encoding="utf-8"))
    if apply:
        apply_config(config, account)
    if (directory / "checked.yml").exists():
        config = load_config(directory / "checked.yml")
    return config, account


def matches(expected: str, message: str) -> bool:
    pattern = re.escape(expected).replace(re.escape("{ts}"), TS)
    return re.fullmatch(pattern, message) is not None


def assert_findings(findings, expected) -> None:
    got = [(f.id, f.severity, f.object, f.message) for f in findings]
    assert len(got) == len(expected), "\n".join(map(str, got))
    for (gid, gsev, gobj, gmsg), (eid, esev, eobj, emsg) in zip(got, expected):
        assert (gid, gsev, gobj) == (eid, esev, eobj), (gid, gsev, gobj, gmsg)
        assert matches(emsg, gmsg), f"{gid} {gobj}:\n  got      {gmsg}\n  expected {emsg}"


def where(case: str, line: int) -> str:
    return f"({FIXTURES / f'check_{case}' / 'sharekit.yml'}:{line})"


EXPECTED = {
    "clean": [],
    "rows_empty": [
        ("rows.empty", "error", f"{DB}.ORDERS",
         "the view has no rows: Optimove's daily load would find nothing (its volume check fails the ETL); "
         "check the source table and the view's row filter"),
    ],
    "last_updated_nulls": [
        ("last_updated.nulls", "error", f"{DB}.ORDERS",
         "1 of 3 rows has LASTUPDATED NULL: Optimove's incremental filter never selects them, so they are "
         "never loaded; set LASTUPDATED on every insert and update (e.g. COALESCE(LASTUPDATED, CREATED_AT))"),
    ],
    "last_updated_future": [
        ("last_updated.future", "error", f"{DB}.ORDERS",
         "1 of 3 rows has LASTUPDATED later than now + 5m (compared with SYSDATE() (UTC); latest {ts}, "
         "2h ahead): Optimove's watermark jumps past the updates made until then and misses them; "
         "LASTUPDATED must be the UTC time of the change; a TIMESTAMP_NTZ written in a local time zone "
         "east of UTC looks like this: convert it to UTC"),
    ],
    "last_updated_future_tz": [
        ("last_updated.future", "error", f"{DB}.ORDER_LINES",
         "1 of 4 rows has LASTUPDATED later than now + 5m (compared with CURRENT_TIMESTAMP(); latest {ts}, "
         "1d ahead): Optimove's watermark jumps past the updates made until then and misses them; "
         "LASTUPDATED must be the UTC time of the change"),
    ],
    "last_updated_stale": [
        ("last_updated.stale", "error", f"{DB}.ORDERS",
         "the newest LASTUPDATED is {ts}, 3d old, older than max_age (1d 12h): the data has stopped being "
         "updated; check what feeds RAW.S.ORDERS, or set `max_age:` on the view if it changes less often"),
        ("last_updated.stale", "warning", f"{DB}.ITEMS",
         "the newest LASTUPDATED is {ts}, 9d old, older than max_age (7d): the data has stopped being "
         "updated; check what feeds RAW.S.ITEMS, or set `max_age:` on the view if it changes less often"),
    ],
    "primary_key_duplicates": [
        ("primary_key.duplicates", "error", f"{DB}.ORDER_LINES",
         "1 of 5 rows repeats a primary key (ORDER_ID, LINE_NO) that another row already has: Optimove "
         "needs the key to identify each row; fix the source or the view's join, or correct `primary_key:`"),
    ],
    "primary_key_nulls": [
        ("primary_key.nulls", "error", f"{DB}.ORDERS",
         "1 of 4 rows has a NULL in the primary key (ORDER_ID): Optimove needs the key to identify every "
         "row; filter them out or fill the key"),
    ],
    "optimove_column_missing": [
        ("optimove.column.missing", "error", f"{DB}.CUSTOMERS",
         "Optimove's ecommerce Customers requires Registration_Date (date); the view has no such column: "
         "add it, e.g. {name: REGISTRATION_DATE, from: SOURCE_COLUMN} in `columns:` (or `... AS "
         "REGISTRATION_DATE` in the query)"),
        ("optimove.column.missing", "warning", f"{DB}.CUSTOMERS",
         "Optimove's ecommerce Customers needs Allow_Push (string 'Yes'/'No'): push promotional consent; "
         "the view has no such column. Add it as ALLOW_PUSH if that applies to you"),
    ],
    "optimove_column_type": [
        ("optimove.column.type", "error", f"{DB}.CUSTOMERS.IS_OPTIN",
         "IS_OPTIN is BOOLEAN; Optimove's ecommerce Customers.Is_OptIn is a text holding 'Yes'/'No': "
         "share IFF(IS_OPTIN, 'Yes', 'No')"),
        ("optimove.column.type", "warning", f"{DB}.CUSTOMERS.REGISTRATION_DATE",
         "REGISTRATION_DATE is TIMESTAMP_NTZ; Optimove's ecommerce Customers.Registration_Date is a date: "
         "share a DATE (yyyy-MM-dd), e.g. TO_DATE(...)"),
    ],
    "optimove_flag_values": [
        ("optimove.flag.values", "error", f"{DB}.CUSTOMERS.ALLOW_SMS",
         "1 of 3 rows holds a value other than 'Yes', 'No' in ALLOW_SMS (e.g. 'Y'): ecommerce "
         "Customers.Allow_SMS allows only those exact texts (or NULL); map the values, e.g. "
         "IFF(<condition>, 'Yes', 'No')"),
    ],
    "optimove_gender_values": [
        ("optimove.gender.values", "error", f"{DB}.CUSTOMERS.GENDER",
         "2 of 3 rows hold a value other than 'Male', 'Female', 'Unknown' in GENDER (e.g. 'M'): ecommerce "
         "Customers.Gender allows only those exact texts (or NULL); map the values, e.g. with DECODE or CASE"),
    ],
    "optimove_decimals": [
        ("optimove.decimals", "warning", f"{DB}.CUSTOMERS.LIFETIME_VALUE",
         "1 of 3 rows has more than 4 decimal places in LIFETIME_VALUE (e.g. 140.123456): Optimove keeps "
         "at most 4; share ROUND(LIFETIME_VALUE, 4)"),
    ],
    "optimove_placeholder_date": [
        ("optimove.placeholder_date", "error", f"{DB}.CUSTOMERS.DATE_OF_BIRTH",
         "1 of 3 rows holds a placeholder date in DATE_OF_BIRTH (e.g. 1900-01-01; years up to 1900 or from "
         "9999): Optimove wants NULL for an unknown date; map it to NULL, e.g. IFF(YEAR(DATE_OF_BIRTH) <= "
         "1900, NULL, DATE_OF_BIRTH)"),
    ],
    "optimove_length": [
        ("optimove.length", "warning", f"{DB}.CUSTOMERS.EMAIL",
         "1 of 3 rows holds more than 250 characters in EMAIL (the longest has 272): ecommerce "
         "Customers.Email takes at most 250"),
    ],
    "optimove_spec_unknown": [
        ("optimove.spec.unknown", "error", f"{DB}.ORDERS",
         "optimove.vertical 'retail' is not a vertical sharekit knows; known: casino, ecommerce, forex, "
         "lottery, multi_lottery, multi_sport_casino, poker, social_gaming, sport, streaming, "
         "sweepstakes_casino, trading. Fix the name, or describe the vertical in a file passed with "
         "--optimove-spec"),
        ("optimove.spec.unknown", "error", f"{DB}.ITEMS",
         "optimove.table 'Item_Catalog' is not a table of Optimove's Ecommerce vertical (did you mean "
         "'Items_Catalog'?); known: Customers, Orders_Summary, Orders_Items, Items_Catalog. Fix the name, "
         "or add the table in a file passed with --optimove-spec"),
    ],
    "optimove_spec_incomplete": [
        ("optimove.spec.incomplete", "warning", f"{DB}.ORDERS",
         "sharekit does not know the columns of Optimove's ecommerce Orders_Summary (not in the readable "
         "part of Optimove's page): only the general rules (decimals, placeholder dates) were checked; "
         "list its columns in a file passed with --optimove-spec"),
    ],
    "data_skipped": [
        ("data.skipped", "warning", f"{DB}.ORDERS",
         "the view does not exist in the account yet, so its data was not checked: run `sharekit apply`, "
         "then `sharekit check --data`"),
    ],
    "data_outdated": [
        ("data.outdated", "warning", f"{DB}.ORDERS",
         "the live view differs from the config (`sharekit plan` shows how): its data was checked as it is "
         "now; run `sharekit apply`, then check again"),
    ],
    "data_query_failed": [
        ("data.query_failed", "error", f"{DB}.ITEMS",
         'reading the view failed: 100035 (22000): Conversion Error: invalid timestamp field format: "Tee", '
         "expected format is (YYYY-MM-DD HH:MM[:SS[.US]][±HH[:MM[:SS]]| ZONE]) when casting from source "
         "column ITEM_NAME; fix the data or the view's definition (the other views were checked one by "
         "one), then check again"),
    ],
    # structural checks, as `check` reports them (with --data: what they keep from being read)
    "last_updated_missing": [
        ("last_updated.missing", "error", f"{DB}.ORDERS",
         where("last_updated_missing", 10) + " a transactional view must carry its last_updated column "
         "LASTUPDATED: Optimove's ETL reads it incrementally; RAW.S.ORDERS has LASTUPDATED: add it to "
         "`columns:`"),
        ("data.skipped", "warning", f"{DB}.ORDERS",
         "skipped the LastUpdated checks (the view has no LASTUPDATED column)"),
        ("last_updated.missing", "error", f"{DB}.EVENTS",
         where("last_updated_missing", 14) + " a fact view must carry its last_updated column LASTUPDATED: "
         "Optimove's ETL reads it incrementally; RAW.S.EVENTS has \"LastUpdated\", which differs only in "
         "case: add {name: LASTUPDATED, from: '\"LastUpdated\"'} to `columns:` (consumers then need no quotes)"),
        ("data.skipped", "warning", f"{DB}.EVENTS",
         "skipped the LastUpdated checks (the view has no LASTUPDATED column)"),
        ("last_updated.missing", "warning", f"{DB}.ITEMS",
         where("last_updated_missing", 18) + " dimension view has no LASTUPDATED column: Optimove must "
         "reload it in full every day; RAW.S.ITEMS has LASTUPDATED: add it to `columns:`"),
        ("data.skipped", "warning", f"{DB}.ITEMS",
         "skipped the LastUpdated checks (the view has no LASTUPDATED column)"),
    ],
    "last_updated_type": [
        ("last_updated.type", "error", f"{DB}.ORDERS",
         "LASTUPDATED is TEXT, not a timestamp: Optimove cannot filter increments on it; share a "
         "TIMESTAMP_NTZ (UTC) column, e.g. expr: TO_TIMESTAMP_NTZ(...)"),
        ("data.skipped", "warning", f"{DB}.ORDERS",
         "skipped the LastUpdated checks (LASTUPDATED is TEXT, not a timestamp)"),
        ("last_updated.type", "warning", f"{DB}.ORDERS_BY_DAY",
         "LASTUPDATED is a DATE: Optimove re-reads or misses same-day updates; share a TIMESTAMP_NTZ"),
    ],
    "source_missing": [
        ("source.missing", "error", f"{DB}.RETURNS",
         "reads RAW.S.RETURNS, which does not exist or is not visible to this role; create it, fix "
         "`from:`/`query:`, or grant the role access"),
        ("data.skipped", "warning", f"{DB}.RETURNS",
         "the view does not exist in the account yet, so its data was not checked: run `sharekit apply`, "
         "then `sharekit check --data`"),
    ],
    "column_missing": [
        ("column.missing", "error", f"{DB}.ORDERS",
         "column DISCOUNT does not exist in RAW.S.ORDERS; fix the name in the config or add the column to "
         "the source"),
        ("data.skipped", "warning", f"{DB}.ORDERS",
         "the view does not exist in the account yet, so its data was not checked: run `sharekit apply`, "
         "then `sharekit check --data`"),
        ("column.missing", "error", f"{DB}.EVENTS",
         "column LASTUPDATED does not exist in RAW.S.EVENTS; it has \"LastUpdated\" (names are "
         "case-sensitive when quoted): write {name: LASTUPDATED, from: '\"LastUpdated\"'} in `columns:` to "
         "read it and keep the shared name"),
        ("data.skipped", "warning", f"{DB}.EVENTS",
         "the view does not exist in the account yet, so its data was not checked: run `sharekit apply`, "
         "then `sharekit check --data`"),
    ],
    "identifier_case_sensitive": [
        ("identifier.case_sensitive", "warning", f'{DB}.ORDERS."OrderId"',
         where("identifier_case_sensitive", 9) + ' column name "OrderId" must be quoted exactly by consumers: '
         "an unquoted OrderId would mean ORDERID and not find it; better rename it to ORDERID, which needs "
         "no quotes"),
    ],
}


def test_every_fixture_folder_has_expectations():
    folders = {p.name[len("check_"):] for p in FIXTURES.glob("check_*") if p.is_dir()} - {"common"}
    assert folders == set(EXPECTED)


def test_every_check_id_is_tripped_by_some_fixture():
    tripped = {finding[0] for findings in EXPECTED.values() for finding in findings}
    assert tripped >= {
        "rows.empty", "last_updated.nulls", "last_updated.future", "last_updated.stale",
        "primary_key.duplicates", "primary_key.nulls",
        "optimove.column.missing", "optimove.column.type", "optimove.flag.values", "optimove.gender.values",
        "optimove.decimals", "optimove.placeholder_date", "optimove.length",
        "optimove.spec.unknown", "optimove.spec.incomplete",
        "data.skipped", "data.outdated", "data.query_failed",
        "last_updated.missing", "last_updated.type", "source.missing", "column.missing",
        "identifier.case_sensitive",
    }


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_fixture(case, tmp_path, base_account_dir):
    config, account = prepare(case, tmp_path, base_account_dir, apply=case not in NOT_APPLIED)
    try:
        report = run_checks(config, account, T, data=True)
    finally:
        account.close()
    assert_findings(report.findings, EXPECTED[case])
    assert report.data is True


def test_clean_fixture_without_data_reads_only_metadata(tmp_path, base_account_dir):
    config, account = prepare("clean", tmp_path, base_account_dir)
    try:
        report = run_checks(config, account, T)
    finally:
        account.close()
    assert report.findings == () and report.data is False
    assert report.stats["queries"] == 6  # introspection only


def test_structural_findings_do_not_need_data(tmp_path, base_account_dir):
    config, account = prepare("last_updated_missing", tmp_path, base_account_dir)
    try:
        report = run_checks(config, account, T)
    finally:
        account.close()
    assert [f.id for f in report.findings] == ["last_updated.missing"] * 3


def test_skip_check_drops_findings_and_is_reported(tmp_path, base_account_dir):
    config, account = prepare("last_updated_stale", tmp_path, base_account_dir)
    try:
        report = run_checks(config, account, T, data=True, skip_checks=["last_updated.stale"])
    finally:
        account.close()
    assert report.findings == () and report.skipped_checks == ("last_updated.stale",)


def test_future_tolerance_is_configurable(tmp_path, base_account_dir):
    from datetime import timedelta

    config, account = prepare("last_updated_future", tmp_path, base_account_dir)
    try:
        wide = run_checks(config, account, T, data=True, tolerance=timedelta(hours=3))
        narrow = run_checks(config, account, T, data=True, tolerance=timedelta(minutes=1))
    finally:
        account.close()
    assert wide.findings == ()
    assert [f.id for f in narrow.findings] == ["last_updated.future"]
    assert "later than now + 1m " in narrow.findings[0].message


def test_user_spec_extends_a_table_sharekit_does_not_know(tmp_path, base_account_dir, write_config):
    spec_file = write_config("""
        vertical: ecommerce
        tables:
          Orders_Summary:
            incomplete: false
            columns:
              - {name: Order_ID, type: id, required: always}
              - {name: Order_Date, type: datetime, required: always}
              - {name: Status, type: string, values: ['SHIPPED', 'CANCELLED']}
    """, name="my_optimove.yml")
    config, account = prepare("optimove_spec_incomplete", tmp_path, base_account_dir)
    try:
        report = run_checks(config, account, T, data=True, spec=load_spec([spec_file]))
    finally:
        account.close()
    assert [(f.id, f.severity, f.object) for f in report.findings] == [
        ("optimove.column.missing", "error", f"{DB}.ORDERS"),
        ("optimove.status.values", "error", f"{DB}.ORDERS.STATUS"),
    ]
    assert "requires Order_Date (datetime)" in report.findings[0].message
    assert "(e.g. 'PROCESSING')" in report.findings[1].message


# --- query counts -----------------------------------------------------------------------------

def _many_views(count: int) -> str:
    views = "\n".join(
        f"  - name: V{n:02d}\n    from: RAW.S.ORDERS\n    primary_key: [ORDER_ID]\n"
        f"    columns: [ORDER_ID, CUSTOMER_ID, TOTAL, STATUS, LASTUPDATED]\n"
        f"    optimove: {{vertical: ecommerce, table: Orders_Summary}}"
        for n in range(1, count + 1)
    )
    return (
        "version: 1\nshare:\n  name: OPTIMOVE_SHARE\n  database: OPTIMOVE_SHARE_DB\n"
        "  consumers:\n    - account: OPTIMOVE.EU_PROD\nviews:\n" + views + "\n"
    )


class Recorder:
    """A session that remembers every statement it sends (the Session interface, wrapped)."""

    def __init__(self, session):
        self.session, self.sent = session, []

    @property
    def round_trips(self) -> int:
        return self.session.round_trips

    def query(self, sql):
        self.sent.append(sql)
        return self.session.query(sql)

    def execute(self, sql):
        self.sent.append(sql)
        self.session.execute(sql)


def _check_queries(account, count: int) -> tuple[int, int]:
    """(data-check queries, all queries) of `check --data` over `count` applied views."""
    config = parse_config(_many_views(count))
    apply_config(config, account)
    recorder = Recorder(account)
    report = run_checks(config, recorder, T, data=True)
    assert {f.id for f in report.findings} == {"optimove.spec.incomplete"}
    assert report.stats["queries"] == len(recorder.sent)
    data = [sql for sql in recorder.sent if "AS VIEW_NO" in sql]
    assert data and data[0].count("UNION ALL") == count - 1
    return len(data), len(recorder.sent)


def test_data_checks_take_one_query_for_1_and_for_50_views(tmp_path, base_account_dir):
    account = fresh_account(base_account_dir, tmp_path)
    try:
        one = _check_queries(account, 1)
        fifty = _check_queries(account, 50)  # V01 stays, 49 views are added
    finally:
        account.close()
    assert one == fifty == (1, 7), (one, fifty)  # 6 to read the metadata, 1 for the data of every view


def test_the_data_query_is_one_union_all_with_a_row_per_view(tmp_path, base_account_dir):
    from datetime import timedelta

    config = parse_config(_many_views(3))
    account = fresh_account(base_account_dir, tmp_path)
    try:
        apply_config(config, account)
        actual = introspect(account, config, T)
        probes, notes = data_probes(config, actual, load_spec(), view_status(config, actual, T))
        sql = data_query(T, probes, timedelta(minutes=5))
        rows = account.query(sql)
    finally:
        account.close()
    assert notes == [] and sql.count("UNION ALL") == 2 and sql.count(";") == 1
    assert sorted(int(r["VIEW_NO"]) for r in rows) == [1, 2, 3]
    assert {int(r["ROW_COUNT"]) for r in rows} == {3}


@pytest.mark.parametrize("seconds, text", [
    (0, "0s"), (45, "45s"), (270, "4m 30s"), (3_600, "1h"), (7_199, "2h"), (129_600, "1d 12h"),
    (-7_200, "2h"), (777_600, "9d"),
])
def test_human_durations(seconds, text):
    assert human(seconds) == text
