"""`sharekit handoff`: the facts Optimove's onboarding needs, in Markdown and JSON, blocked by a
failed check unless --force."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_check_cli import prepared
from test_check_data import base_account_dir  # noqa: F401 - fixture

from sharekit.local import open_local_account

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "optimove_ecommerce"


@pytest.fixture(scope="module")
def applied_example(tmp_path_factory) -> tuple[Path, Path]:
    """(config, local dir) of the bundled example, applied once for the module."""
    from typer.testing import CliRunner

    from sharekit.cli import app

    base = tmp_path_factory.mktemp("handoff")
    config = base / "sharekit.yml"
    shutil.copytree(EXAMPLE, base, dirs_exist_ok=True)
    text = config.read_text(encoding="utf-8").replace("  prune: false", '  ready_by_utc: "05:00"\n  prune: false')
    config.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["apply", "-f", str(config), "--local", "--local-dir", str(base / "local"),
                                      "--yes"])
    assert result.exit_code == 0, result.output
    return config, base / "local"


def handoff(cli, config: Path, local_dir: Path, *args):
    return cli("handoff", "-f", config, "--local", "--local-dir", local_dir, *args)


def live_count(local_dir: Path, view: str) -> int:
    with open_local_account(local_dir) as account:
        return int(account.query(f"SELECT COUNT(*) AS N FROM OPTIMOVE_SHARE_DB.OPTIMOVE.{view}")[0]["N"])


def test_the_example_in_json_says_what_optimove_asks_for(cli, applied_example):
    config, local_dir = applied_example
    result = handoff(cli, config, local_dir, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["provider"] == {"organization": "SHAREKIT", "account": "LOCAL01", "identifier": "SHAREKIT.LOCAL01",
                                "locator": "LOCAL01", "region": "AWS_EU_CENTRAL_1"}
    assert (data["share"], data["database"], data["listing"]) == ("OPTIMOVE_SHARE", "OPTIMOVE_SHARE_DB", None)
    assert data["consumers"] == ["OPTIMOVE.EU_PROD"] and data["ready_by_utc"] == "05:00"
    views = {v["name"]: v for v in data["views"]}
    assert list(views) == ["CUSTOMERS", "ORDERS_SUMMARY", "ORDERS_ITEMS", "ITEMS_CATALOG"]
    customers = views["CUSTOMERS"]
    assert (customers["optimove_vertical"], customers["optimove_table"]) == ("ecommerce", "Customers")
    assert customers["kind"] == "transactional" and customers["primary_key"] == ["CUSTOMER_ID"]
    assert customers["last_updated"]["column"] == "LASTUPDATED"
    assert customers["last_updated"]["type"] == "TIMESTAMP_NTZ"
    assert "UTC" in customers["last_updated"]["time_zone"]
    assert {"name": "EMAIL_HASH", "type": "TEXT"} in customers["columns"]
    assert "EMAIL" not in [c["name"] for c in customers["columns"]]  # what the view hides stays hidden
    for name, view in views.items():
        assert view["rows"] == live_count(local_dir, name)
    assert views["ORDERS_ITEMS"]["primary_key"] == ["ORDER_ID", "LINE_NUMBER"]
    assert data["checks"]["status"] == "warning" and data["checks"]["errors"] == 0
    assert data["checks"]["warnings"] == len(data["checks"]["findings"]) > 0


def test_the_example_in_markdown_is_ready_to_paste(cli, applied_example):
    config, local_dir = applied_example
    result = handoff(cli, config, local_dir)  # Markdown is the default
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("## Snowflake share <code>OPTIMOVE_SHARE</code> for Optimove\n")
    assert "**Ready: every check passed" in text
    assert "| Provider account | <code>SHAREKIT.LOCAL01</code> |" in text
    assert "| Region | <code>AWS_EU_CENTRAL_1</code> |" in text
    assert "| Data ready daily by | 05:00 UTC |" in text
    rows = live_count(local_dir, "CUSTOMERS")
    assert (f"| <code>OPTIMOVE.CUSTOMERS</code> | ecommerce: Customers | transactional | <code>CUSTOMER_ID</code> "
            f"| <code>LASTUPDATED</code> TIMESTAMP_NTZ | {rows:,} |") in text
    assert "#### <code>OPTIMOVE.ORDERS_ITEMS</code>" in text and "| <code>LINE_NUMBER</code> | NUMBER |" in text
    assert "\x1b" not in text and result.stderr == ""


def test_the_reads_do_not_grow_with_the_views(cli, applied_example, tmp_path):
    config, local_dir = applied_example
    few = json.loads(handoff(cli, config, local_dir, "--format", "json").stdout)["stats"]["queries"]
    # eleven more views over the same sources: same reads (the data of up to 50 views is one query)
    text = config.read_text(encoding="utf-8")
    extra = "".join(f"  - name: ITEMS_COPY_{n}\n    from: RAW.CATALOG.ITEMS\n    kind: dimension\n"
                    f"    columns: [ITEM_ID, LASTUPDATED]\n" for n in range(11))
    wider = tmp_path / "sharekit.yml"
    shutil.copy(config.parent / "seed.sql", tmp_path / "seed.sql")
    wider.write_text(text.replace("\nviews:\n", "\nviews:\n" + extra), encoding="utf-8")
    local = tmp_path / "local"
    shutil.copytree(local_dir, local)
    assert cli("apply", "-f", wider, "--local", "--local-dir", local, "--yes").exit_code == 0
    many = json.loads(handoff(cli, wider, local, "--format", "json").stdout)
    assert len(many["views"]) == 15 and many["stats"]["queries"] == few == 8


def test_nothing_applied_blocks_the_handoff_and_says_why(cli, tmp_path):
    result = handoff(cli, EXAMPLE / "sharekit.yml", tmp_path / "local")
    assert result.exit_code == 1 and result.stdout == ""
    assert "handoff.pending OPTIMOVE_SHARE: share OPTIMOVE_SHARE does not exist in the account" in result.stderr
    assert "--force" in result.stderr and "Traceback" not in result.output
    forced = handoff(cli, EXAMPLE / "sharekit.yml", tmp_path / "local", "--force", "--format", "json")
    assert forced.exit_code == 0, forced.output
    data = json.loads(forced.stdout)
    assert data["checks"]["status"] == "error" and data["checks"]["errors"] == 1
    assert [f["id"] for f in data["checks"]["findings"] if f["severity"] == "error"] == ["handoff.pending"]
    assert all(v["rows"] is None and v["columns"] == [] for v in data["views"])
    assert "handed off with 1 failed check (--force)" in forced.stderr


def test_a_view_behind_the_config_blocks_the_handoff(cli, applied_example, tmp_path):
    config, local_dir = applied_example
    local = tmp_path / "local"
    shutil.copytree(local_dir, local)
    with open_local_account(local) as account:
        account.execute("DROP VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.ITEMS_CATALOG")
    result = handoff(cli, config, local)
    assert result.exit_code == 1
    assert ("handoff.pending OPTIMOVE_SHARE_DB.OPTIMOVE.ITEMS_CATALOG: view OPTIMOVE_SHARE_DB.OPTIMOVE.ITEMS_CATALOG "
            "is not in the account") in result.stderr
    forced = handoff(cli, config, local, "--force")
    assert forced.exit_code == 0
    # dropping the view took its SELECT grant with it: both are pending
    assert "**Not ready: 2 checks failed with severity error" in forced.stdout
    assert "1 grant(s) to share OPTIMOVE_SHARE are missing" in forced.stdout
    assert "#### <code>OPTIMOVE.ITEMS_CATALOG</code>\n\nNot in the account yet: run `sharekit apply`." in forced.stdout


def test_a_failed_data_check_blocks_unless_waived(cli, tmp_path, base_account_dir):  # noqa: F811 - fixture
    config, local_dir = prepared("last_updated_future", tmp_path, base_account_dir)
    result = handoff(cli, config, local_dir)
    assert result.exit_code == 1 and "last_updated.future" in result.stderr
    waived = handoff(cli, config, local_dir, "--skip-check", "last_updated.future", "--format", "json")
    assert waived.exit_code == 0, waived.output
    checks = json.loads(waived.stdout)["checks"]
    assert checks["errors"] == 0 and checks["skipped_checks"] == ["last_updated.future"]
    assert "last_updated.future" not in [f["id"] for f in checks["findings"]]


def test_with_a_reader_it_gives_the_connection_facts(cli, tmp_path):
    shutil.copytree(EXAMPLE, tmp_path, dirs_exist_ok=True)
    shutil.copy(REPO / "tests" / "golden" / "reader_key_a.pub", tmp_path / "optimove.pub")
    config = tmp_path / "sharekit.yml"
    text = config.read_text(encoding="utf-8").replace(
        "\nviews:\n", "\nreader:\n  public_key: optimove.pub\n  allowed_ips: [203.0.113.10]\n\nviews:\n")
    config.write_text(text, encoding="utf-8")
    local = tmp_path / "local"
    applied = cli("apply", "-f", config, "--local", "--local-dir", local, "--yes")
    assert applied.exit_code == 0, applied.output
    data = json.loads(handoff(cli, config, local, "--format", "json").stdout)
    reader = data["reader"]
    assert reader["host"] == "sharekit-local01.snowflakecomputing.com" and reader["port"] == 443
    assert (reader["user"], reader["role"], reader["database"]) == ("OPTIMOVE_ETL", "OPTIMOVE_READER",
                                                                    "OPTIMOVE_SHARE_DB")
    assert reader["allowed_ips"] == ["203.0.113.10"]
    assert reader["public_key_fingerprint"].startswith("SHA256:")
    markdown = handoff(cli, config, local).stdout
    assert "| Host | <code>sharekit-local01.snowflakecomputing.com</code> |" in markdown
    assert "| Port | 443 |" in markdown and "| User | <code>OPTIMOVE_ETL</code> |" in markdown
    assert "BEGIN PUBLIC KEY" not in markdown and "MII" not in markdown  # the fingerprint only


def test_without_a_reader_there_are_no_connection_facts(cli, applied_example):
    config, local_dir = applied_example
    data = json.loads(handoff(cli, config, local_dir, "--format", "json").stdout)
    assert data["reader"] is None
    assert "Database connection" not in handoff(cli, config, local_dir).stdout


def test_a_listed_share_hands_off_its_listing_and_global_name(tmp_path, monkeypatch):
    from test_listings import REGIONS, SEED, config_text
    from typer.testing import CliRunner

    from sharekit.cli import app

    monkeypatch.setenv("SHAREKIT_LOCAL_DIR", str(tmp_path / "account"))
    monkeypatch.setenv("SHAREKIT_LOCAL_CONSUMER_REGIONS", REGIONS["SHAREKIT_LOCAL_CONSUMER_REGIONS"])
    for name in ("SHAREKIT_LOCAL_FAIL_AT", "SHAREKIT_LOCAL_REGION", "SHAREKIT_LOCAL_QUIRKS"):
        monkeypatch.delenv(name, raising=False)
    rows = "INSERT INTO RAW.SALES.ORDERS VALUES (1, 7, SYSDATE());\n"  # data that passes check --data
    (tmp_path / "seed.sql").write_text(SEED + rows)
    config = tmp_path / "sharekit.yml"
    config.write_text(config_text())

    def run(*args: object):
        return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "100"})

    assert run("apply", "-f", config, "--local", "--yes").exit_code == 0
    result = run("handoff", "-f", config, "--local", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    with open_local_account(tmp_path / "account") as account:
        (share,) = account.query("SHOW SHARES")
    assert data["listing"] == {"name": "SK_LISTING", "global_name": share["listing_global_name"]}
    assert data["consumers"] == ["OPTIMOVE.EU_PROD", "OPTIMOVE.US_PROD"] and data["ready_by_utc"] == "05:00"
    markdown = run("handoff", "-f", config, "--local").stdout
    assert (f"| Listing | <code>SK_LISTING</code> (global name <code>{share['listing_global_name']}</code>) |"
            in markdown)
    # the listing gone: Optimove's account in the other region would find nothing
    with open_local_account(tmp_path / "account") as account:
        account.execute("ALTER LISTING SK_LISTING UNPUBLISH")
        account.execute("DROP LISTING SK_LISTING")
    gone = run("handoff", "-f", config, "--local")
    assert gone.exit_code == 1
    assert "handoff.pending SK_LISTING: listing SK_LISTING does not exist yet" in gone.stderr
