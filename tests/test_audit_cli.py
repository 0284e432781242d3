"""`sharekit audit` end to end on the local account: three shares (managed and clean, unmanaged
with a directly shared table and an unexpected consumer, unmanaged and empty), exit codes, JSON,
Markdown, the query budget, drift behind sharekit's back, and the bundled example."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sharekit.cli import app
from sharekit.local import open_local_account

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "optimove_ecommerce" / "sharekit.yml"

SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.CRM;
CREATE TABLE RAW.CRM.CUSTOMERS (CUSTOMER_ID NUMBER, EMAIL VARCHAR, FIRST_NAME VARCHAR, IS_TEST BOOLEAN,
    LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO RAW.CRM.CUSTOMERS VALUES (1, 'a@example.com', 'Ada', FALSE, '2026-01-01 10:00:00');
"""

CONFIG = """\
version: 1
share:
  name: SK_SHARE
  database: SK_DB
  comment: For Optimove
  consumers:
    - account: OPTIMOVE.EU_PROD
local:
  seed: seed.sql
views:
  - name: CUSTOMERS
    from: RAW.CRM.CUSTOMERS
    primary_key: [CUSTOMER_ID]
    columns:
      - CUSTOMER_ID
      - name: EMAIL_HASH
        expr: SHA2(LOWER(TRIM(EMAIL)))
      - LASTUPDATED
    where: IS_TEST = FALSE
"""

# The second and third shares, made by hand as someone else would.
BY_HAND = """\
CREATE VIEW RAW.CRM.CUSTOMERS_PLAIN AS SELECT CUSTOMER_ID, FIRST_NAME FROM RAW.CRM.CUSTOMERS;
CREATE SHARE PARTNER_SHARE SECURE_OBJECTS_ONLY = FALSE COMMENT = 'for a [red]partner[/red]';
GRANT USAGE ON DATABASE RAW TO SHARE PARTNER_SHARE;
GRANT USAGE ON SCHEMA RAW.CRM TO SHARE PARTNER_SHARE;
GRANT SELECT ON TABLE RAW.CRM.CUSTOMERS TO SHARE PARTNER_SHARE;
GRANT SELECT ON VIEW RAW.CRM.CUSTOMERS_PLAIN TO SHARE PARTNER_SHARE;
ALTER SHARE PARTNER_SHARE ADD ACCOUNTS = ACME.PROD;
CREATE SHARE EMPTY_SHARE;
"""

PARTNER = {  # (id, severity, share, object)
    ("share.unmanaged", "warning", "PARTNER_SHARE", "PARTNER_SHARE"),
    ("consumer.unexpected", "error", "PARTNER_SHARE", "ACME.PROD"),
    ("object.not_secure", "warning", "PARTNER_SHARE", "RAW.CRM.CUSTOMERS"),
    ("object.not_secure", "error", "PARTNER_SHARE", "RAW.CRM.CUSTOMERS_PLAIN"),
    ("pii.exposed", "warning", "PARTNER_SHARE", "RAW.CRM.CUSTOMERS.EMAIL"),
    ("pii.exposed", "warning", "PARTNER_SHARE", "RAW.CRM.CUSTOMERS.FIRST_NAME"),
    ("pii.exposed", "warning", "PARTNER_SHARE", "RAW.CRM.CUSTOMERS_PLAIN.FIRST_NAME"),
    ("last_updated.missing", "warning", "PARTNER_SHARE", "RAW.CRM.CUSTOMERS_PLAIN"),
}
EMPTY = {
    ("share.unmanaged", "warning", "EMPTY_SHARE", "EMPTY_SHARE"),
    ("share.empty", "warning", "EMPTY_SHARE", "EMPTY_SHARE"),
    ("share.no_consumers", "warning", "EMPTY_SHARE", "EMPTY_SHARE"),
}
INTROSPECT_QUERIES = 6  # what `plan` spends reading the config's share (introspect)
REUSED_QUERIES = 2  # of those, SHOW SHARES and SHOW GRANTS TO SHARE: audit has read them already


def sk(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def assert_exit(result, code: int) -> None:
    assert result.exit_code == code, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.output


def keys(findings: list[dict]) -> set[tuple[str, str, str, str]]:
    return {(f["id"], f["severity"], f["share"], f["object"]) for f in findings}


def audit_json(local_dir: Path, *args: object, code: int | None = None) -> dict:
    result = sk("audit", "--local", "--local-dir", local_dir, "--format", "json", *args)
    if code is not None:
        assert_exit(result, code)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def three_shares(tmp_path_factory) -> tuple[Path, Path]:
    """(local dir, config) of an account with SK_SHARE (applied), PARTNER_SHARE and EMPTY_SHARE."""
    root = tmp_path_factory.mktemp("audit")
    (root / "seed.sql").write_text(SEED)
    config = root / "sharekit.yml"
    config.write_text(CONFIG)
    local_dir = root / "account"
    assert_exit(sk("apply", "--local", "--local-dir", local_dir, "-f", config, "--yes"), 0)
    with open_local_account(local_dir) as account:
        account.run_script(BY_HAND)
    return local_dir, config


@pytest.fixture
def copy_of(three_shares, tmp_path) -> tuple[Path, Path]:
    """A private copy of the three-share account, to change behind sharekit's back."""
    local_dir, config = three_shares
    shutil.copytree(local_dir, tmp_path / "account")
    return tmp_path / "account", config


# --- the three shares --------------------------------------------------------------------------

def test_each_finding_with_a_config(three_shares):
    local_dir, config = three_shares
    report = audit_json(local_dir, "-f", config, code=1)
    assert keys(report["findings"]) == PARTNER | EMPTY  # SK_SHARE is clean
    by_name = {s["name"]: s for s in report["shares"]}
    assert list(by_name) == ["EMPTY_SHARE", "PARTNER_SHARE", "SK_SHARE"]
    assert [by_name[n]["managed"] for n in by_name] == [False, False, True]
    assert by_name["SK_SHARE"]["finding_counts"] == {"error": 0, "warning": 0}
    assert by_name["PARTNER_SHARE"]["consumers"] == ["ACME.PROD"]
    # errors first, every message says what to do
    severities = [f["severity"] for f in report["findings"]]
    assert severities == sorted(severities, key=["error", "warning"].index)
    messages = {(f["id"], f["object"]): f["message"] for f in report["findings"]}
    assert "ALTER SHARE PARTNER_SHARE REMOVE ACCOUNTS = ACME.PROD" in messages["consumer.unexpected", "ACME.PROD"]
    assert "ALTER VIEW RAW.CRM.CUSTOMERS_PLAIN SET SECURE" in messages["object.not_secure", "RAW.CRM.CUSTOMERS_PLAIN"]
    assert "--allow-column RAW.CRM.CUSTOMERS.EMAIL" in messages["pii.exposed", "RAW.CRM.CUSTOMERS.EMAIL"]


def test_without_a_config_consumers_are_not_judged_and_no_share_is_unmanaged(three_shares):
    local_dir, _ = three_shares
    report = audit_json(local_dir, code=1)  # the non-secure view is an error with or without a config
    assert report["consumers_checked"] is False and report["config"] is None
    ids = {f["id"] for f in report["findings"]}
    assert not ids & {"share.unmanaged", "consumer.unexpected"} and not any(i.startswith("drift.") for i in ids)
    assert {s["managed"] for s in report["shares"]} == {None}
    expected = {k for k in PARTNER | EMPTY if k[0] not in ("share.unmanaged", "consumer.unexpected")}
    assert keys(report["findings"]) == expected


def test_allow_account_and_allow_column(three_shares):
    local_dir, config = three_shares
    report = audit_json(local_dir, "--allow-account", "acme.prod", "--allow-column", "customers.email",
                        "--allow-column", "RAW.CRM.CUSTOMERS_PLAIN.FIRST_NAME", code=1)
    found = keys(report["findings"])
    # without a config only the allow-list says who may read: Optimove is unexpected now
    assert ("consumer.unexpected", "error", "SK_SHARE", "OPTIMOVE.EU_PROD") in found
    assert not {k for k in found if k[3] in ("ACME.PROD", "RAW.CRM.CUSTOMERS.EMAIL",
                                             "RAW.CRM.CUSTOMERS_PLAIN.FIRST_NAME")}
    assert ("pii.exposed", "warning", "PARTNER_SHARE", "RAW.CRM.CUSTOMERS.FIRST_NAME") in found
    with_config = audit_json(local_dir, "-f", config, "--allow-account", "ACME.PROD")
    assert not [f for f in with_config["findings"] if f["id"] == "consumer.unexpected"]


def test_fail_on_exit_codes(three_shares):
    local_dir, config = three_shares
    base = ("audit", "--local", "--local-dir", local_dir, "-f", config)
    assert_exit(sk(*base), 1)  # default --fail-on error: PARTNER_SHARE has errors
    assert_exit(sk(*base, "--fail-on", "error"), 1)
    assert_exit(sk(*base, "--fail-on", "none"), 0)
    # EMPTY_SHARE has only warnings, SK_SHARE nothing at all
    assert_exit(sk(*base, "--share", "EMPTY_SHARE"), 0)
    assert_exit(sk(*base, "--share", "EMPTY_SHARE", "--fail-on", "warning"), 1)
    assert_exit(sk(*base, "--share", "sk_share", "--fail-on", "warning"), 0)  # unquoted: SK_SHARE
    failed = sk(*base, "--fail-on", "warning")
    assert_exit(failed, 1)
    assert failed.stderr.startswith("Error: the audit found 2 errors and 9 warnings (--fail-on warning)")


def test_json_shape(three_shares):
    local_dir, config = three_shares
    report = audit_json(local_dir, "-f", config)
    assert set(report) == {"format_version", "config", "consumers_checked", "summary", "shares", "findings", "stats"}
    assert report["format_version"] == 1 and report["config"] == str(config) and report["consumers_checked"]
    assert report["summary"] == {"shares": 3, "error": 2, "warning": 9}
    assert set(report["stats"]) == {"queries", "seconds"}
    share = next(s for s in report["shares"] if s["name"] == "SK_SHARE")
    assert set(share) == {"name", "database", "comment", "consumers", "consumers_complete", "listing", "managed",
                          "objects", "finding_counts"}
    assert (share["database"], share["comment"], share["consumers"]) == ("SK_DB", "For Optimove", ["OPTIMOVE.EU_PROD"])
    assert share["consumers_complete"] is True and share["listing"] is False
    objects = {(o["privilege"], o["kind"], o["name"]): o for o in share["objects"]}
    assert list(objects) == [("USAGE", "DATABASE", "SK_DB"), ("REFERENCE_USAGE", "DATABASE", "RAW"),
                             ("USAGE", "SCHEMA", "SK_DB.OPTIMOVE"), ("SELECT", "VIEW", "SK_DB.OPTIMOVE.CUSTOMERS")]
    view = objects["SELECT", "VIEW", "SK_DB.OPTIMOVE.CUSTOMERS"]
    assert view["secure"] is True
    assert [(c["name"], c["data_type"]) for c in view["columns"]] == [
        ("CUSTOMER_ID", "NUMBER"), ("EMAIL_HASH", "TEXT"), ("LASTUPDATED", "TIMESTAMP_NTZ")]
    database = objects["USAGE", "DATABASE", "SK_DB"]
    assert database["secure"] is None and database["columns"] is None
    partner = next(s for s in report["shares"] if s["name"] == "PARTNER_SHARE")
    table = next(o for o in partner["objects"] if o["kind"] == "TABLE")
    assert table["secure"] is False
    assert [c["name"] for c in table["columns"]][:3] == ["CUSTOMER_ID", "EMAIL", "FIRST_NAME"]
    assert set(report["findings"][0]) == {"id", "severity", "share", "object", "message"}


# --- query budget ------------------------------------------------------------------------------

def test_query_count_is_fixed_plus_one_per_share(copy_of):
    local_dir, config = copy_of
    # SHOW SHARES + SHOW GRANTS TO SHARE per share + SHOW VIEWS IN ACCOUNT + one COLUMNS query
    assert audit_json(local_dir)["stats"]["queries"] == 3 + 3
    # with a config: plus what introspecting its share costs (the same reads as `plan`), but the
    # SHOW SHARES and SHOW GRANTS TO SHARE rows audit has just read, which are not read again
    assert audit_json(local_dir, "-f", config)["stats"]["queries"] == 3 + 3 + INTROSPECT_QUERIES - REUSED_QUERIES
    assert audit_json(local_dir, "--share", "EMPTY_SHARE")["stats"]["queries"] == 1 + 1  # nothing to describe
    with open_local_account(local_dir) as account:
        for i in range(6):  # more views, another share: one more query, not one per object
            account.execute(f"CREATE SECURE VIEW RAW.CRM.V{i} AS "
                            "SELECT CUSTOMER_ID, LASTUPDATED FROM RAW.CRM.CUSTOMERS")
            account.execute(f"GRANT SELECT ON VIEW RAW.CRM.V{i} TO SHARE PARTNER_SHARE")
        account.execute("CREATE SHARE FOURTH")
    assert audit_json(local_dir)["stats"]["queries"] == 3 + 4


# --- drift -------------------------------------------------------------------------------------

def test_drift_behind_sharekits_back(copy_of):
    local_dir, config = copy_of
    with open_local_account(local_dir) as account:
        # replaced by hand without COPY GRANTS: the definition changes and the grant is gone
        account.execute("CREATE OR REPLACE SECURE VIEW SK_DB.OPTIMOVE.CUSTOMERS AS "
                        "SELECT CUSTOMER_ID, EMAIL, LASTUPDATED FROM RAW.CRM.CUSTOMERS")
        account.execute("CREATE SECURE VIEW SK_DB.OPTIMOVE.EXTRA AS SELECT CUSTOMER_ID FROM RAW.CRM.CUSTOMERS")
        account.execute("GRANT SELECT ON VIEW SK_DB.OPTIMOVE.EXTRA TO SHARE SK_SHARE")
        account.execute("ALTER SHARE SK_SHARE SET COMMENT = 'changed by hand'")
        account.execute("ALTER SHARE SK_SHARE ADD ACCOUNTS = ACME.PROD")
        account.execute("ALTER SHARE SK_SHARE REMOVE ACCOUNTS = OPTIMOVE.EU_PROD")
    report = audit_json(local_dir, "-f", config, "--share", "SK_SHARE", code=1)
    assert keys(report["findings"]) == {
        ("drift.view_changed", "error", "SK_SHARE", "SK_DB.OPTIMOVE.CUSTOMERS"),
        ("drift.grant_missing", "error", "SK_SHARE", "SK_DB.OPTIMOVE.CUSTOMERS"),
        ("drift.grant_extra", "error", "SK_SHARE", "SK_DB.OPTIMOVE.EXTRA"),
        ("drift.view_extra", "warning", "SK_SHARE", "SK_DB.OPTIMOVE.EXTRA"),
        ("drift.comment", "warning", "SK_SHARE", "SK_SHARE"),
        ("drift.consumer_missing", "error", "SK_SHARE", "OPTIMOVE.EU_PROD"),
        ("consumer.unexpected", "error", "SK_SHARE", "ACME.PROD"),
        ("last_updated.missing", "warning", "SK_SHARE", "SK_DB.OPTIMOVE.EXTRA"),
    }  # the replaced CUSTOMERS shares EMAIL raw, but it is off the share now: no pii.exposed
    # the same differences `plan` shows: one finding per change and per unmanaged item
    plan = json.loads(sk("plan", "--local", "--local-dir", local_dir, "-f", config, "--format", "json").stdout)
    assert sorted((c["action"], c["object"]) for c in plan["changes"]) == [
        ("add_accounts", "OPTIMOVE.EU_PROD"), ("alter", "SK_SHARE"),
        ("grant", "SELECT on VIEW SK_DB.OPTIMOVE.CUSTOMERS"), ("replace", "SK_DB.OPTIMOVE.CUSTOMERS")]
    assert sorted(plan["unmanaged"]) == ["consumer ACME.PROD", "grant SELECT on VIEW SK_DB.OPTIMOVE.EXTRA",
                                         "view SK_DB.OPTIMOVE.EXTRA"]


def test_drift_replaced_view_revoked_grant_and_missing_share(copy_of):
    local_dir, config = copy_of
    with open_local_account(local_dir) as account:  # replaced with COPY GRANTS: still shared
        account.execute("CREATE OR REPLACE SECURE VIEW SK_DB.OPTIMOVE.CUSTOMERS COPY GRANTS AS "
                        "SELECT CUSTOMER_ID, EMAIL, LASTUPDATED FROM RAW.CRM.CUSTOMERS")
    report = audit_json(local_dir, "-f", config, "--share", "SK_SHARE", code=1)
    assert keys(report["findings"]) == {
        ("drift.view_changed", "error", "SK_SHARE", "SK_DB.OPTIMOVE.CUSTOMERS"),
        ("pii.exposed", "warning", "SK_SHARE", "SK_DB.OPTIMOVE.CUSTOMERS.EMAIL"),  # the live view shares it raw
    }
    assert "definition changed" in report["findings"][0]["message"]

    with open_local_account(local_dir) as account:
        account.execute("REVOKE SELECT ON VIEW SK_DB.OPTIMOVE.CUSTOMERS FROM SHARE SK_SHARE")
    report = audit_json(local_dir, "-f", config, code=1)
    drift = [f for f in report["findings"] if f["id"].startswith("drift.")]
    assert keys(drift) == {("drift.grant_missing", "error", "SK_SHARE", "SK_DB.OPTIMOVE.CUSTOMERS"),
                           ("drift.view_changed", "error", "SK_SHARE", "SK_DB.OPTIMOVE.CUSTOMERS")}
    assert "sharekit apply" in drift[0]["message"]

    with open_local_account(local_dir) as account:
        account.execute("DROP SHARE SK_SHARE")
    report = audit_json(local_dir, "-f", config, code=1)
    assert ("drift.share_missing", "error", "SK_SHARE", "SK_SHARE") in keys(report["findings"])
    assert not [f for f in report["findings"] if f["id"].startswith("drift.") and f["id"] != "drift.share_missing"]
    text = sk("audit", "--local", "--local-dir", local_dir, "-f", config)
    assert "Declared share SK_SHARE" in text.stdout and "drift.share_missing" in text.stdout
    named = audit_json(local_dir, "-f", config, "--share", "SK_SHARE", code=1)
    assert named["shares"] == []
    assert keys(named["findings"]) == {("drift.share_missing", "error", "SK_SHARE", "SK_SHARE")}


def test_drift_when_the_share_uses_another_database(copy_of, tmp_path):
    local_dir, config = copy_of
    moved = tmp_path / "moved.yml"
    moved.write_text(config.read_text().replace("database: SK_DB", "database: NEW_DB"))
    shutil.copy(config.parent / "seed.sql", tmp_path / "seed.sql")
    report = audit_json(local_dir, "-f", moved, "--share", "SK_SHARE", code=1)
    (finding,) = [f for f in report["findings"] if f["id"].startswith("drift.")]
    assert (finding["id"], finding["severity"], finding["object"]) == ("drift.database", "error", "SK_SHARE")
    assert "already uses database SK_DB" in finding["message"]


# --- text and Markdown -------------------------------------------------------------------------

def test_text_report(three_shares):
    local_dir, config = three_shares
    result = sk("audit", "--local", "--local-dir", local_dir, "-f", config)
    assert_exit(result, 1)
    out = result.stdout
    assert out.startswith(f"sharekit audit of the local account ({local_dir}): 3 outbound shares")
    assert f"Share SK_SHARE  managed by {config}" in out and f"Share PARTNER_SHARE  not declared in {config}" in out
    assert "for a [red]partner[/red]" in out  # user text is never read as rich markup
    assert "No findings." in out
    assert "2 errors, 9 warnings in 3 shares." in out
    assert "Read the account in 10 queries" in out  # 12 before -f reused SHOW SHARES / GRANTS


def test_markdown_report(three_shares):
    local_dir, config = three_shares
    result = sk("audit", "--local", "--local-dir", local_dir, "-f", config, "--format", "markdown", "--fail-on", "none")
    assert_exit(result, 0)
    md = result.stdout
    assert md.startswith(f"# sharekit audit: the local account ({local_dir})\n\n"
                         "**2 errors, 9 warnings** in 3 outbound shares.")
    assert "| share | database | consumers | objects | errors | warnings |" in md
    assert "| <code>PARTNER_SHARE</code> | <code>RAW</code> | <code>ACME.PROD</code> | 4 | 2 | 6 |" in md
    assert ("| error | <code>consumer.unexpected</code> | <code>PARTNER_SHARE</code> | "
            "<code>ACME.PROD</code> |") in md
    assert "## Share <code>SK_SHARE</code>" in md
    assert "| SELECT | TABLE | <code>RAW.CRM.CUSTOMERS</code> | **NO** |" in md
    assert "- Comment: for a \\[red\\]partner\\[/red\\]" in md  # text, not a link


# --- errors ------------------------------------------------------------------------------------

def test_bad_arguments_are_one_clear_error(three_shares):
    local_dir, _ = three_shares
    base = ("audit", "--local", "--local-dir", local_dir)
    result = sk(*base, "--share", "NOPE")
    assert_exit(result, 1)
    assert result.stderr.startswith("Error: no outbound share named NOPE in this account")
    result = sk(*base, "--allow-column", "EMAIL")
    assert_exit(result, 1)
    assert result.stderr.startswith("Error: --allow-column 'EMAIL': write DB.SCHEMA.VIEW.COLUMN")
    result = sk(*base, "--allow-account", "acme-prod")
    assert_exit(result, 1)
    assert result.stderr.startswith("Error: --allow-account 'acme-prod':")


# --- the bundled example -----------------------------------------------------------------------

def test_example_after_apply_has_no_error_findings(tmp_path):
    local_dir = tmp_path / "account"
    assert_exit(sk("apply", "--local", "--local-dir", local_dir, "-f", EXAMPLE, "--yes"), 0)
    result = sk("audit", "--local", "--local-dir", local_dir, "-f", EXAMPLE, "--format", "json")
    assert_exit(result, 0)
    report = json.loads(result.stdout)
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    assert [(s["name"], s["managed"]) for s in report["shares"]] == [("OPTIMOVE_SHARE", True)]
    flagged = {f["object"] for f in report["findings"] if f["id"] == "pii.exposed"}
    assert not {name for name in flagged if "HASH" in name or "ALLOW_" in name}  # masked by expr:
    assert_exit(sk("audit", "--local", "--local-dir", local_dir, "-f", EXAMPLE, "--format", "markdown"), 0)


@pytest.mark.parametrize("expr, exposed", [
    ("LOWER(TRIM(EMAIL))", True),  # still the e-mail
    ("NVL(EMAIL, '')::VARCHAR", True),
    ("SHA2(LOWER(TRIM(EMAIL)))", False),  # hashed
    ("LEFT(EMAIL, 2)", False),  # truncated
    ("EMAIL IS NOT NULL", False),  # a flag
])
def test_audit_f_counts_only_real_masking_as_masked(tmp_path, expr, exposed):
    (tmp_path / "seed.sql").write_text(SEED)
    config = tmp_path / "sharekit.yml"
    config.write_text(CONFIG.replace("SHA2(LOWER(TRIM(EMAIL)))", expr))
    local_dir = tmp_path / "account"
    assert_exit(sk("apply", "--local", "--local-dir", local_dir, "-f", config, "--yes"), 0)
    report = audit_json(local_dir, "-f", config, "--fail-on", "none", code=0)
    pii = [f for f in report["findings"] if f["id"] == "pii.exposed"]
    if exposed:
        assert [f["object"] for f in pii] == ["SK_DB.OPTIMOVE.CUSTOMERS.EMAIL_HASH"]
        assert "computed from source column EMAIL" in pii[0]["message"]
    else:
        assert pii == []


def test_views_past_the_show_row_cap_are_paged_as_plan_pages_them(copy_of, monkeypatch):
    from sharekit.local import show as local_show
    from sharekit.state import paging

    local_dir, _ = copy_of
    with open_local_account(local_dir) as account:
        for i in range(6):  # RAW.CRM: 7 views, the account 8
            account.execute(f"CREATE SECURE VIEW RAW.CRM.V{i} AS "
                            "SELECT CUSTOMER_ID, LASTUPDATED FROM RAW.CRM.CUSTOMERS")
            account.execute(f"GRANT SELECT ON VIEW RAW.CRM.V{i} TO SHARE PARTNER_SHARE")
    unpaged = audit_json(local_dir)
    monkeypatch.setattr(local_show, "SHOW_MAX_ROWS", 4)
    monkeypatch.setattr(paging, "SHOW_MAX_ROWS", 4)
    with open_local_account(local_dir) as account, pytest.raises(Exception, match=r"max number of rows\(4\)"):
        account.query("SHOW VIEWS IN ACCOUNT")
    paged = audit_json(local_dir)
    before, after = unpaged.pop("stats"), paged.pop("stats")
    assert paged == unpaged
    assert ("object.not_secure", "error", "PARTNER_SHARE", "RAW.CRM.CUSTOMERS_PLAIN") in keys(paged["findings"])
    secure = {o["name"]: o["secure"] for s in paged["shares"] for o in s["objects"] if o["kind"] == "VIEW"}
    assert secure["RAW.CRM.V5"] is True and secure["RAW.CRM.CUSTOMERS_PLAIN"] is False
    # the refused SHOW VIEWS IN ACCOUNT, then SK_DB in one SHOW; RAW refused, SHOW SCHEMAS, CRM in two
    # pages (4 views, then 3), INFORMATION_SCHEMA and PUBLIC in one (empty) each
    assert after["queries"] == before["queries"] + 1 + 1 + 1 + 2 + 1 + 1
