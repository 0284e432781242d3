"""SHAREKIT_LOCAL_LATENCY_MS, SHAREKIT_LOCAL_FAIL_AT, round-trip counting and threads."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from snowflake.connector.errors import OperationalError, ProgrammingError

from sharekit.errors import ConnectionError_
from sharekit.local import open_local_account
from sharekit.connect.session import Session

try:
    from local_fixtures import account  # noqa: F401
except ImportError:  # tests/ became a package
    from tests.local_fixtures import account  # noqa: F401


def test_latency_is_per_round_trip_and_overlaps_across_threads(tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_LATENCY_MS", "50")
    threads, per_thread = 4, 8
    with open_local_account(tmp_path / "acct") as account:
        started = time.perf_counter()
        account.query("SELECT 1 AS X")
        assert time.perf_counter() - started >= 0.05

        def work(_: int) -> None:
            for _ in range(per_thread):
                account.query("SELECT 1 AS X")

        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, range(threads)))
        wall = time.perf_counter() - started
        serial = threads * per_thread * 0.050
        assert wall < serial * 0.5, f"{wall:.2f}s for {serial:.2f}s of latency: round-trips did not overlap"
        assert wall >= per_thread * 0.050
        assert account.round_trips == 1 + threads * per_thread


def test_fail_at_drops_the_kth_statement_without_running_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_FAIL_AT", "3")
    with open_local_account(tmp_path / "acct") as account:
        account.execute("CREATE DATABASE D")
        account.execute("CREATE SCHEMA D.S")
        with pytest.raises(OperationalError) as info:
            account.execute("CREATE SHARE NOT_CREATED")
        assert "simulated dropped connection at statement 3 (SHAREKIT_LOCAL_FAIL_AT=3)" in str(info.value)
        assert account.query("SHOW SHARES") == []  # statement 4 works; 3 was not applied
        account.execute("CREATE SHARE NOT_CREATED")
        assert [r["name"] for r in account.query("SHOW SHARES")] == ["NOT_CREATED"]
        assert account.round_trips == 6


def test_fail_at_counts_statements_of_scripts(tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_FAIL_AT", "2")
    with open_local_account(tmp_path / "acct") as account:
        with pytest.raises(OperationalError):
            account.run_script("CREATE DATABASE A; CREATE DATABASE B; CREATE DATABASE C;")
        assert [r["name"] for r in account.query("SHOW DATABASES")] == ["A"]


@pytest.mark.parametrize("name", ["SHAREKIT_LOCAL_LATENCY_MS", "SHAREKIT_LOCAL_FAIL_AT"])
def test_bad_knob_values_are_clear_errors(tmp_path, monkeypatch, name):
    monkeypatch.setenv(name, "fast")
    with pytest.raises(ConnectionError_, match=f"\\${name} must be a whole number"):
        open_local_account(tmp_path / "acct")
    monkeypatch.delenv(name)
    open_local_account(tmp_path / "acct").close()  # the failed open released the lock


def test_every_query_and_execute_is_one_round_trip(account):
    assert isinstance(account, Session)
    account.execute("CREATE DATABASE D")
    account.query("SHOW DATABASES")
    with pytest.raises(ProgrammingError):
        account.query("SELECT * FROM D.PUBLIC.NOPE")
    account.run_script("CREATE SCHEMA D.S; -- two statements\nCREATE SHARE X;")
    assert account.round_trips == 5


def test_many_threads_creating_views_leave_a_consistent_account(account):
    account.run_script("CREATE DATABASE D; CREATE SCHEMA D.S; CREATE SHARE X; GRANT USAGE ON DATABASE D TO SHARE X;")

    def create(i: int) -> None:
        account.execute(f"CREATE OR REPLACE SECURE VIEW D.S.V{i} COPY GRANTS AS SELECT {i} AS N")
        account.execute(f"GRANT SELECT ON VIEW D.S.V{i} TO SHARE X")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(40)))
    assert len(account.query("SHOW VIEWS IN DATABASE D")) == 40
    assert len(account.query("SHOW GRANTS TO SHARE X")) == 41
