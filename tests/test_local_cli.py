"""`sharekit local init|seed|sql|reset` through typer's CliRunner on `local_app`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sharekit.cli.local import local_app
from sharekit.errors import ConnectionError_, SharekitError, SnowflakeError

try:
    from local_fixtures import CUSTOMERS_VIEW, SOURCE_SQL
except ImportError:  # tests/ became a package
    from tests.local_fixtures import CUSTOMERS_VIEW, SOURCE_SQL

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_knobs(monkeypatch):
    for name in ("SHAREKIT_LOCAL_LATENCY_MS", "SHAREKIT_LOCAL_FAIL_AT", "SHAREKIT_LOCAL_DIR"):
        monkeypatch.delenv(name, raising=False)


def invoke(*args: str):
    return runner.invoke(local_app, list(args), catch_exceptions=True, env={"COLUMNS": "250"})


def test_init_with_seed_then_sql_json_then_reset(tmp_path):
    seed = tmp_path / "seed.sql"
    seed.write_text(SOURCE_SQL + CUSTOMERS_VIEW)
    d = str(tmp_path / "acct")

    result = invoke("init", "--seed", str(seed), "--local-dir", d)
    assert result.exit_code == 0, result.output
    assert "Created local account LOCAL01" in result.output and "seeded from" in result.output

    again = invoke("init", "--seed", str(seed), "--local-dir", d)
    assert again.exit_code == 0 and "already exists" in again.output and "not run" in again.output

    result = invoke("sql", "SHOW VIEWS IN DATABASE OPTIMOVE_SHARE_DB", "--format", "json", "--local-dir", d)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["name"], r["is_secure"]) for r in rows] == [("CUSTOMERS", "true")]
    assert list(rows[0])[:3] == ["created_on", "name", "reserved"]
    assert isinstance(rows[0]["created_on"], str)

    counts = json.loads(
        invoke("sql", "SELECT COUNT(*) AS N FROM RAW.CRM.CUSTOMERS;", "--format", "json", "--local-dir", d).output
    )
    assert counts == [{"N": 3}]

    result = invoke("reset", "--local-dir", d)
    assert result.exit_code == 0 and "Reset the local account" in result.output
    result = invoke("sql", "SHOW DATABASES", "--format", "json", "--local-dir", d)
    assert json.loads(result.output) == []


def test_seed_command_and_table_output(tmp_path):
    d = str(tmp_path / "acct")
    script = tmp_path / "more.sql"
    script.write_text("CREATE DATABASE D;\nCREATE SCHEMA D.S;\nCREATE SHARE MY_SHARE COMMENT = 'hello';\n")
    result = invoke("seed", str(script), "--local-dir", d)
    assert result.exit_code == 0, result.output
    assert "Ran 3 statements" in result.output
    result = invoke("sql", "SHOW SHARES", "--local-dir", d)
    assert result.exit_code == 0
    assert "MY_SHARE" in result.output and "hello" in result.output and "1 row" in result.output


def test_local_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_DIR", str(tmp_path / "from-env"))
    assert invoke("init").exit_code == 0
    assert (tmp_path / "from-env" / "account.json").exists()


def failed(result) -> str:
    """A command that failed the CLI way: exit 1 and `Error: …` (no traceback)."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    text = " ".join(result.output.split())
    assert "Error:" in text and "Traceback" not in text
    return text


def test_statement_errors_are_reported_with_snowflakes_text(tmp_path):
    result = invoke("sql", "SHOW GRANTS TO SHARE NOPE", "--local-dir", str(tmp_path / "acct"))
    assert "002003 (02000): SQL compilation error: Share 'NOPE' does not exist or not authorized." in failed(result)


def test_errors_are_sharekit_errors(tmp_path):
    from sharekit.cli.local import _run
    from sharekit.local import open_local_account

    with open_local_account(tmp_path / "acct") as account, pytest.raises(SnowflakeError):
        _run(account, "SHOW GRANTS TO SHARE NOPE")
    assert issubclass(SnowflakeError, SharekitError) and issubclass(ConnectionError_, SharekitError)


def test_seed_of_a_missing_file_and_reset_of_a_foreign_directory(tmp_path):
    result = invoke("seed", str(tmp_path / "nope.sql"), "--local-dir", str(tmp_path / "acct"))
    assert "cannot read" in failed(result)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    result = invoke("reset", "--local-dir", str(foreign))
    assert "holds files a local account does not write" in failed(result)
    assert (foreign / "precious.txt").exists()


def test_reset_refuses_while_the_account_is_in_use(tmp_path):
    from sharekit.local import open_local_account

    d = tmp_path / "acct"
    with open_local_account(d):
        result = invoke("reset", "--local-dir", str(d))
    assert "in use" in failed(result)
