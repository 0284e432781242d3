"""Persistence between processes, the directory lock and the seed-once rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sharekit.errors import ConnectionError_, SnowflakeError
from sharekit.local import open_local_account, resolve_local_dir

try:
    from local_fixtures import CUSTOMERS_VIEW, SOURCE_SQL
except ImportError:  # tests/ became a package
    from tests.local_fixtures import CUSTOMERS_VIEW, SOURCE_SQL

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("SHAREKIT_LOCAL_LATENCY_MS", None)
    env.pop("SHAREKIT_LOCAL_FAIL_AT", None)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_state_persists_across_processes(tmp_path):
    directory = tmp_path / "acct"
    (tmp_path / "source.sql").write_text(SOURCE_SQL)
    (tmp_path / "view.sql").write_text(CUSTOMERS_VIEW)
    writer = _python(
        """
        import sys
        from pathlib import Path
        from sharekit.local import open_local_account
        with open_local_account(sys.argv[1]) as a:
            a.run_script(Path(sys.argv[2]).read_text())
            a.execute(Path(sys.argv[3]).read_text())
            a.execute("CREATE SHARE S COMMENT = 'persisted'")
            a.execute("GRANT USAGE ON DATABASE OPTIMOVE_SHARE_DB TO SHARE S")
            a.execute("GRANT SELECT ON VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS TO SHARE S")
            a.execute("ALTER SHARE S ADD ACCOUNTS = ORG.CONSUMER")
        """,
        str(directory), str(tmp_path / "source.sql"), str(tmp_path / "view.sql"),
    )  # fmt: skip
    assert writer.returncode == 0, writer.stderr
    reader = _python(
        """
        import json, sys
        from sharekit.local import open_local_account
        with open_local_account(sys.argv[1]) as a:
            print(json.dumps({
                "created": a.created,
                "shares": [[r["name"], r["comment"], r["to"], r["database_name"]] for r in a.query("SHOW SHARES")],
                "grants": [r["name"] for r in a.query("SHOW GRANTS TO SHARE S")],
                "views": [[r["name"], r["is_secure"], r["comment"]] for r in a.query("SHOW VIEWS IN ACCOUNT")],
                "rows": a.query("SELECT COUNT(*) AS N FROM OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS")[0]["N"],
                "comment": a.query("SELECT COMMENT FROM RAW.INFORMATION_SCHEMA.TABLES")[0]["COMMENT"],
            }))
        """,
        str(directory),
    )
    assert reader.returncode == 0, reader.stderr
    assert json.loads(reader.stdout) == {
        "created": False,
        "shares": [["S", "persisted", "ORG.CONSUMER", "OPTIMOVE_SHARE_DB"]],
        "grants": ["OPTIMOVE_SHARE_DB", "OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS"],
        "views": [["CUSTOMERS", "true", "One row per customer"]],
        "rows": 2,
        "comment": None,
    }


def test_state_survives_a_process_that_dies_without_closing(tmp_path):
    directory = tmp_path / "acct"
    crashed = _python(
        """
        import os, sys
        from sharekit.local import open_local_account
        a = open_local_account(sys.argv[1])
        a.execute("CREATE DATABASE D")
        a.execute("CREATE SCHEMA D.S")
        a.execute("CREATE SECURE VIEW D.S.V COMMENT = 'kept' AS SELECT 1 AS X")
        a.execute("CREATE SHARE S")
        a.execute("GRANT USAGE ON DATABASE D TO SHARE S")
        os._exit(0)  # no close(), no atexit: journal + DuckDB WAL must carry the state
        """,
        str(directory),
    )
    assert crashed.returncode == 0, crashed.stderr
    with open_local_account(directory) as account:
        assert [r["name"] for r in account.query("SHOW GRANTS TO SHARE S")] == ["D"]
        (view,) = account.query("SHOW VIEWS IN DATABASE D")
        assert (view["is_secure"], view["comment"]) == ("true", "kept")


def test_second_open_in_the_same_process_is_refused_until_closed(tmp_path):
    directory = tmp_path / "acct"
    first = open_local_account(directory)
    with pytest.raises(ConnectionError_) as info:
        open_local_account(directory)
    assert str(info.value).startswith(f"local account in use at {directory} by process {os.getpid()}; wait for it")
    first.close()
    open_local_account(directory).close()


def test_open_from_another_process_is_refused_while_in_use(tmp_path):
    directory = tmp_path / "acct"
    with open_local_account(directory):
        other = _python(
            """
            import sys
            from sharekit.errors import ConnectionError_
            from sharekit.local import open_local_account
            try:
                open_local_account(sys.argv[1])
            except ConnectionError_ as exc:
                print(exc)
            """,
            str(directory),
        )
    assert other.returncode == 0, other.stderr
    assert f"local account in use at {directory} by process {os.getpid()}" in other.stdout


def test_seed_runs_once_at_creation(tmp_path):
    seed = tmp_path / "seed.sql"
    seed.write_text("CREATE DATABASE SEEDED; -- comment ; with a semicolon\nCREATE SCHEMA SEEDED.S;\n")
    with open_local_account(tmp_path / "acct", seed=seed) as account:
        assert account.created and account.round_trips == 2
    seed.write_text("CREATE DATABASE SECOND;")
    with open_local_account(tmp_path / "acct", seed=seed) as account:
        assert not account.created and account.round_trips == 0
        assert [r["name"] for r in account.query("SHOW DATABASES")] == ["SEEDED"]


def test_a_failing_seed_says_where_and_releases_the_account(tmp_path):
    seed = tmp_path / "seed.sql"
    seed.write_text("CREATE DATABASE D;\n\nCREATE SHARE S;\nALTER SHARE S ADD ACCOUNTS = ORG.A;\n")
    with pytest.raises(SnowflakeError) as info:
        open_local_account(tmp_path / "acct", seed=seed)
    assert f"{seed}: statement 3 of 3 (line 4) failed (ALTER SHARE S ADD ACCOUNTS = ORG.A): " in str(info.value)
    assert "statements 1–2 ran and were kept" in str(info.value) and "sharekit local reset" in str(info.value)
    open_local_account(tmp_path / "acct").close()  # lock released


def test_missing_seed_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConnectionError_, match="cannot read seed script"):
        open_local_account(tmp_path / "acct", seed=tmp_path / "nope.sql")


def test_resolve_local_dir_order(tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_DIR", str(tmp_path / "env"))
    assert resolve_local_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert resolve_local_dir(None) == tmp_path / "env"
    monkeypatch.delenv("SHAREKIT_LOCAL_DIR")
    assert resolve_local_dir(None) == Path(".sharekit/local")


def test_closed_account_refuses_statements(tmp_path):
    account = open_local_account(tmp_path / "acct")
    account.close()
    account.close()  # idempotent
    from snowflake.connector.errors import DatabaseError

    with pytest.raises(DatabaseError, match="Connection is closed"):
        account.query("SELECT 1")
