"""`sharekit export` runs one at a time per watermark table: the lock row in EXPORT_LOCK (claimed
by one conditional UPDATE, released at the end), a refused second run, a stale lock taken over,
`--break-lock`, and a dry run that reads the lock but creates and claims nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import tests.test_export as base
from sharekit.errors import SharekitError
from tests.test_export import export, stage_files

project = base.project  # the fixture, used by name

LOCK = "OPTIMOVE_SHARE_DB.SHAREKIT_EXPORT.EXPORT_LOCK"
WATERMARKS = "OPTIMOVE_SHARE_DB.SHAREKIT_EXPORT.WATERMARKS"


def sql(cli, local_dir: Path, statement: str) -> list[dict]:
    result = cli("local", "sql", "--local-dir", local_dir, "--format", "json", statement)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if result.stdout.strip() else []


def lock_row(cli, local_dir: Path) -> list[dict]:
    return sql(cli, local_dir, f"SELECT RUN_ID, HOLDER, ACQUIRED_AT FROM {LOCK}")


def hold(cli, local_dir: Path, age: timedelta, run_id: str = "20240501T100000000000Z") -> str:
    """Make the lock look held by another run, taken `age` ago; returns its start as text."""
    since = f"{datetime.now(UTC).replace(tzinfo=None) - age:%Y-%m-%d %H:%M:%S}"
    sql(cli, local_dir, f"UPDATE {LOCK} SET RUN_ID = '{run_id}', HOLDER = 'ann@build-7 (pid 4242)', "
                        f"ACQUIRED_AT = '{since}' WHERE LOCK_NAME = 'EXPORT'")
    return since


@pytest.fixture
def exported(cli, project):
    """A project exported once (so the export tables exist), then a new source row to export."""
    config, local_dir = project()
    export(cli, config, local_dir)
    sql(cli, local_dir, "INSERT INTO RAW.SALES.ORDERS VALUES (4, 'C3', NULL, 5.00, '2024-05-04 08:00:00')")
    return config, local_dir


def test_a_run_claims_the_one_lock_row_and_frees_it(cli, exported):
    config, local_dir = exported
    assert lock_row(cli, local_dir) == [{"RUN_ID": None, "HOLDER": None, "ACQUIRED_AT": None}]
    report = export(cli, config, local_dir)
    assert report["warnings"] == [] and report["views"][0]["rows"] == 1
    assert lock_row(cli, local_dir) == [{"RUN_ID": None, "HOLDER": None, "ACQUIRED_AT": None}]
    assert report["stats"]["queries"] == 8 + 3  # 8 once (the lock: create, claim, release; WATERMARKS' columns) + 3


def test_a_held_lock_refuses_the_run_naming_holder_since_and_the_fix(cli, exported):
    config, local_dir = exported
    since = hold(cli, local_dir, timedelta(minutes=5))
    files = stage_files(local_dir)
    result = cli("export", "-f", config, "--local", "--local-dir", local_dir)
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert "Error: another export is running on OPTIMOVE_SHARE_DB.SHAREKIT_EXPORT: run 20240501T100000000000Z by " \
           f"ann@build-7 (pid 4242) since {since} UTC (5 min ago) holds the export lock ({LOCK})" in message
    assert "run `sharekit export --break-lock`" in message and "a lock older than 6 hours is taken over" in message
    assert stage_files(local_dir) == files  # nothing written
    assert [r["RUN_ID"] for r in lock_row(cli, local_dir)] == ["20240501T100000000000Z"]  # the holder's still
    assert len(sql(cli, local_dir, f"SELECT * FROM {WATERMARKS}")) == 1  # the first run's row only


def test_a_stale_lock_is_taken_over_with_a_warning(cli, exported):
    config, local_dir = exported
    hold(cli, local_dir, timedelta(hours=7))
    result = cli("export", "-f", config, "--local", "--local-dir", local_dir, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (warning,) = report["warnings"]
    assert warning.startswith("took over the export lock from run 20240501T100000000000Z by ann@build-7 (pid 4242)")
    assert "(held longer than 6 hours: presumed dead)" in warning
    assert "Warning: took over the export lock" in result.stderr
    assert report["views"][0]["rows"] == 1
    assert lock_row(cli, local_dir)[0]["RUN_ID"] is None


def test_break_lock_takes_a_fresh_lock_over(cli, exported):
    config, local_dir = exported
    hold(cli, local_dir, timedelta(minutes=1))
    report = export(cli, config, local_dir, "--break-lock")
    assert "(--break-lock)" in report["warnings"][0] and report["views"][0]["rows"] == 1
    assert lock_row(cli, local_dir)[0]["RUN_ID"] is None


def test_a_second_run_while_the_first_holds_the_lock_is_refused(exported):
    """Two runs on one account, the second started while the first is between views: the
    second's claim updates no row, it is refused, the first finishes and frees the lock."""
    from sharekit.api import open_session
    from sharekit.config import load_config
    from sharekit.export import run_export
    from sharekit.sql.templates import Templates

    config_path, local_dir = exported
    config, t = load_config(config_path), Templates()
    refusals: list[str] = []
    session = open_session(local=True, local_dir=local_dir, config=config)
    try:
        def second_run(done: int, total: int, name: str) -> None:
            if done == 0 and name:
                with pytest.raises(SharekitError) as refused:
                    run_export(config, session, t, now=datetime.now(UTC) + timedelta(seconds=1))
                refusals.append(str(refused.value))

        first = run_export(config, session, t, progress=second_run)
        (held,) = refusals
        assert held.startswith("another export is running on OPTIMOVE_SHARE_DB.SHAREKIT_EXPORT: "
                               f"run {first.run_id} by ")
        assert first.views[0].rows == 1 and first.warnings == []
        rows = session.query(f"SELECT RUN_ID FROM {LOCK}")
        assert rows == [{"RUN_ID": None}]
    finally:
        session.close()


def _account_state(cli, local_dir: Path) -> dict:
    return {
        "tables": sql(cli, local_dir, "SELECT TABLE_SCHEMA, TABLE_NAME FROM OPTIMOVE_SHARE_DB.INFORMATION_SCHEMA"
                                      ".TABLES WHERE TABLE_SCHEMA = 'SHAREKIT_EXPORT' ORDER BY 2"),
        "stages": sorted(str(p.relative_to(local_dir)) for p in (local_dir / "stages").rglob("*"))
        if (local_dir / "stages").exists() else [],
    }


def test_dry_run_on_a_new_account_creates_no_table_stage_or_lock(cli, project):
    config, local_dir = project()
    before = _account_state(cli, local_dir)
    result = cli("export", "-f", config, "--local", "--local-dir", local_dir, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert _account_state(cli, local_dir) == before == {"tables": [], "stages": []}
    assert f"CREATE TABLE IF NOT EXISTS {LOCK} AS" in report["setup"][2]
    assert report["setup"][-1].startswith(f"UPDATE {LOCK}\nSET RUN_ID = '{report['run_id']}'")
    assert report["finish"] == [f"UPDATE {LOCK}\nSET RUN_ID = NULL, HOLDER = NULL, ACQUIRED_AT = NULL\n"
                                f"WHERE LOCK_NAME = 'EXPORT' AND RUN_ID = '{report['run_id']}';"]
    assert report["stats"]["queries"] == 2  # which export tables exist; the view's high mark


def test_dry_run_reads_the_lock_and_changes_nothing(cli, exported):
    config, local_dir = exported
    since = hold(cli, local_dir, timedelta(minutes=3))

    def state() -> tuple:
        watermarks = sql(cli, local_dir, f"SELECT * FROM {WATERMARKS}")
        return _account_state(cli, local_dir), lock_row(cli, local_dir), watermarks

    before = state()
    result = cli("export", "-f", config, "--local", "--local-dir", local_dir, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["warnings"] == [f"the export lock is held by run 20240501T100000000000Z by ann@build-7 (pid 4242) "
                                  f"since {since} UTC (3 min ago): a run now would be refused (or take it over, "
                                  "if stale)"]
    assert report["views"][0]["previous_watermark"] == "2024-05-03 12:45:10"
    assert state() == before


class Scripted:
    """A session answering each query with the next scripted rows, keeping what was sent."""

    def __init__(self, *answers: list[dict]) -> None:
        self.answers, self.sent = list(answers), []

    round_trips = 0

    def query(self, sql: str) -> list[dict]:
        self.sent.append(sql)
        return self.answers.pop(0)


def test_two_runs_taking_over_one_stale_lock_one_wins_the_other_is_refused():
    from sharekit import export_lock
    from sharekit.sql.templates import Templates

    table, now = ("DB", "SHAREKIT_EXPORT", "EXPORT_LOCK"), datetime(2024, 5, 2, 12, 0)
    stale = {"RUN_ID": "dead", "HOLDER": "ann@a (pid 1)", "ACQUIRED_AT": datetime(2024, 5, 2, 1, 0)}
    fresh = {"RUN_ID": "other", "HOLDER": "bob@b (pid 2)", "ACQUIRED_AT": datetime(2024, 5, 2, 11, 59)}
    none = [{"number of rows updated": 0, "number of multi-joined rows updated": 0}]
    session = Scripted(none, [stale], none, [fresh])  # the other run's takeover came first
    held = r"run other by bob@b \(pid 2\) since 2024-05-02 11:59:00 UTC \(1 min ago\)"
    with pytest.raises(SharekitError, match=held):
        export_lock.claim(session, Templates(), table, "mine", now)  # type: ignore[arg-type]
    assert session.sent[2].endswith("WHERE LOCK_NAME = 'EXPORT' AND RUN_ID = 'dead';")  # conditioned on the dead run


def test_an_update_result_without_a_row_count_stops_the_run():
    from sharekit import export_lock
    from sharekit.sql.templates import Templates

    session = Scripted([{"status": "Statement executed successfully."}])
    with pytest.raises(SharekitError, match="cannot tell whether this run holds the export lock"):
        export_lock.claim(session, Templates(), ("DB", "S", "EXPORT_LOCK"), "mine", datetime(2024, 5, 2))  # type: ignore[arg-type]
