"""`monitor:` end to end on the local account, through the CLI: config errors, the SQL of its
objects (golden), plan / apply / re-plan empty, a schedule change as ALTERs between SUSPEND and
RESUME, destructive removals, a dropped connection at every statement, `local run-task`
filling the results table, `monitor status` exit codes, and the queries one run issues."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sharekit.cli import app
from sharekit.config import parse_config
from sharekit.config.monitor import cron_period_minutes
from sharekit.errors import ConfigError

GOLDEN = Path(__file__).resolve().parent / "golden" / "monitor_plan.sql"



def orders(first: int, count: int, days_ago: int) -> str:
    """An INSERT of `count` orders dated `days_ago` days before today (UTC)."""
    rows = ", ".join(f"({first + i}, DATEADD(day, -{days_ago}, CAST(SYSDATE() AS DATE)), SYSDATE())"
                     for i in range(count))
    return f"INSERT INTO RAW.SALES.ORDERS VALUES {rows};\n"


SEED = ("CREATE DATABASE RAW;\nCREATE SCHEMA RAW.SALES;\n"
        "CREATE TABLE RAW.SALES.ORDERS (ORDER_ID INT, ORDER_DATE DATE, LASTUPDATED TIMESTAMP_NTZ);\n"
        + orders(1, 1, 1) + orders(2, 6, 2))  # yesterday 1 row, the day before 6: below 0.2 × 6, a volume.drop
MORE_YESTERDAY = orders(10, 5, 1)

CONFIG = """\
version: 1
share: {{name: S, database: SDB, consumers: [{{account: OPTIMOVE.EU_PROD}}], prune: {prune}}}
local: {{seed: seed.sql}}
{monitor}
views:
{views}
"""
MONITOR = """\
monitor:
  warehouse: MONITOR_WH
  schedule: {schedule}
  keep_days: 30
{alert}"""
ALERT = "  alert: {integration: OPS_EMAIL, recipients: [data@example.com, 'ops@example.com']}\n"
VIEW = """\
  - name: ORDERS_{i}
    from: RAW.SALES.ORDERS
    primary_key: [ORDER_ID]
    columns: [ORDER_ID, ORDER_DATE, LASTUPDATED]
    volume: {{date_column: ORDER_DATE}}
"""


def write(directory: Path, *, monitor: bool = True, alert: bool = True, schedule: str = "USING CRON 0 4 * * * UTC",
          prune: bool = False, views: int = 1) -> Path:
    (directory / "seed.sql").write_text(SEED)
    section = MONITOR.format(schedule=schedule, alert=ALERT if alert else "") if monitor else ""
    path = directory / "sharekit.yml"
    path.write_text(CONFIG.format(prune=str(prune).lower(), monitor=section,
                                  views="".join(VIEW.format(i=i) for i in range(views))))
    return path


def run(*args, env=None):
    return CliRunner(env={"COLUMNS": "200", **(env or {})}).invoke(app, [str(a) for a in args])


def sk(tmp_path: Path, *args, env=None):
    return run(*args, "--local", "--local-dir", tmp_path / "acct", "-f", tmp_path / "sharekit.yml", env=env)


def plan_json(tmp_path: Path) -> dict:
    result = sk(tmp_path, "plan", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def local(tmp_path: Path, *args):
    return run("local", *args, "--local-dir", tmp_path / "acct")


def results(tmp_path: Path) -> list[dict]:
    out = local(tmp_path, "sql", "SELECT RUN_ID, CHECK_ID, SEVERITY, VIEW_NAME, TO_VARCHAR(FIGURES) AS F "
                "FROM SDB.SHAREKIT_MONITOR.SHAREKIT_RESULTS ORDER BY CHECK_ID", "--format", "json")
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


@pytest.fixture(autouse=True)
def no_knobs(monkeypatch):
    for name in ("SHAREKIT_LOCAL_LATENCY_MS", "SHAREKIT_LOCAL_FAIL_AT"):
        monkeypatch.delenv(name, raising=False)


# --- config ------------------------------------------------------------------------------------

def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "m.yml")
    return [str(p) for p in info.value.problems]


BASE = "version: 1\nshare: {name: S, database: SDB}\nviews: [{name: V, from: R.S.T, columns: [A, D]}]\n"


@pytest.mark.parametrize("monitor, expected", [
    ("{warehouse: W, schedule: '0 4 * * *'}", "m.yml:4: monitor.schedule: '0 4 * * *' is not a Snowflake CRON"),
    ("{warehouse: W, schedule: USING CRON 61 4 * * * UTC}",
     "m.yml:4: monitor.schedule: its minute field '61' is not 0–59"),
    ("{warehouse: W, schedule: USING CRON 0 4 * * MON Mars/Olympus}",
     "m.yml:4: monitor.schedule: 'Mars/Olympus' is not a time zone"),
    ("{schedule: USING CRON 0 4 * * * UTC}", "m.yml:4: monitor.warehouse: is required"),
    ("{warehouse: W, schedule: USING CRON 0 4 * * * UTC, alert: {integration: I, recipients: [not-mail]}}",
     "m.yml:4: monitor.alert.recipients: 'not-mail' is not an e-mail address"),
    ("{warehouse: W, schedule: USING CRON 0 4 * * * UTC, keep: 3}", "m.yml:4: monitor.keep: unknown key; did you mean"),
    ("{warehouse: W, schedule: USING CRON 0 4 * * * UTC, schema: A.B.C}", "m.yml:4: monitor.schema: 'A.B.C' must be"),
])
def test_monitor_config_errors_are_located(monitor, expected):
    found = problems(BASE + f"monitor: {monitor}\n")
    assert any(p.startswith(expected) for p in found), found


def test_volume_config_errors_are_located():
    found = problems(BASE.replace("columns: [A, D]", "columns: [A, D], volume: {date_column: X, ratio: 2}"))
    assert "m.yml:3: views[0](V).volume.date_column: X is not a column of this view" in found
    assert any(p.startswith("m.yml:3: views[0](V).volume.ratio: 2 is out of range") for p in found), found


def test_monitor_defaults_and_schedule_period():
    config = parse_config(BASE + "monitor: {warehouse: w, schedule: using cron */30 * * * * Europe/London}\n")
    assert config.monitor is not None
    monitor = config.monitor
    assert (monitor.database, monitor.schema, monitor.warehouse) == ("SDB", "SHAREKIT_MONITOR", "W")
    assert config.monitor.schedule == "USING CRON */30 * * * * Europe/London"
    assert cron_period_minutes(config.monitor.schedule) == 30
    assert cron_period_minutes("USING CRON 0 4,16 * * MON-FRI UTC") == 12 * 60 + 2 * 1440  # Friday 16:00 → Monday 4:00
    assert cron_period_minutes("USING CRON 0 4 1 * * UTC") == 31 * 1440


# --- plan and apply ----------------------------------------------------------------------------

def normalized(sql: str, tmp_path: Path) -> str:
    sql = sql.replace(str(tmp_path.resolve()), "<DIR>")
    return re.sub(r"(sharekit-|sharekit monitor )[0-9a-f]{16}", r"\1<HASH>", sql)


def test_plan_apply_replan_empty_and_the_golden_sql(tmp_path):
    write(tmp_path)
    plan = plan_json(tmp_path)
    monitor = [c for c in plan["changes"] if c["stage"].startswith("monitor")]
    assert [(c["action"], c["object_type"]) for c in monitor] == [
        ("create", "schema"), ("create", "table"), ("create", "stage"), ("create", "stage"), ("create", "procedure"),
        ("create", "task"), ("alter", "task"), ("create", "alert"), ("alter", "alert")]
    text = "\n\n".join(normalized(c["sql"], tmp_path) for c in monitor) + "\n"
    assert text == GOLDEN.read_text(encoding="utf-8")
    assert sk(tmp_path, "apply", "--yes").exit_code == 0
    again = plan_json(tmp_path)
    assert again["changes"] == [] and again["stats"]["queries"] == 12  # six SHOWs more, whatever the views


def test_a_schedule_change_is_suspend_set_resume(tmp_path):
    write(tmp_path)
    assert sk(tmp_path, "apply", "--yes").exit_code == 0
    write(tmp_path, schedule="USING CRON 30 3 * * * Europe/London")
    changes = plan_json(tmp_path)["changes"]
    task = "SDB.SHAREKIT_MONITOR.SHAREKIT_CHECKS"
    assert [(c["action"], c["sql"]) for c in changes] == [
        ("alter", f"ALTER TASK {task} SUSPEND;"),
        ("alter", f"ALTER TASK {task} SET SCHEDULE = 'USING CRON 30 3 * * * Europe/London';"),
        ("alter", f"ALTER TASK {task} RESUME;")]
    assert sk(tmp_path, "apply", "--yes").exit_code == 0
    assert plan_json(tmp_path)["changes"] == []
    shown = json.loads(local(tmp_path, "sql", "SHOW TASKS IN DATABASE SDB", "--format", "json").stdout)
    assert [(t["schedule"], t["state"]) for t in shown] == [("USING CRON 30 3 * * * Europe/London", "started")]


def test_audit_reports_a_suspended_or_changed_monitor(tmp_path):
    write(tmp_path)
    assert sk(tmp_path, "apply", "--yes").exit_code == 0

    def monitor_findings():
        result = sk(tmp_path, "audit", "--format", "json")
        return sorted(c["id"] for c in json.loads(result.stdout)["findings"] if c["id"].startswith("drift.monitor"))

    assert monitor_findings() == []
    task = "SDB.SHAREKIT_MONITOR.SHAREKIT_CHECKS"
    assert local(tmp_path, "sql", f"ALTER TASK {task} SUSPEND").exit_code == 0
    assert local(tmp_path, "sql", f"ALTER TASK {task} SET WAREHOUSE = OTHER_WH").exit_code == 0
    assert monitor_findings() == ["drift.monitor_changed", "drift.monitor_suspended"]
    assert local(tmp_path, "sql", f"DROP TASK {task}").exit_code == 0
    assert monitor_findings() == ["drift.monitor_missing"]


def test_the_local_account_refuses_to_set_a_started_task(tmp_path):
    write(tmp_path)
    assert sk(tmp_path, "apply", "--yes").exit_code == 0
    result = local(tmp_path, "sql", "ALTER TASK SDB.SHAREKIT_MONITOR.SHAREKIT_CHECKS SET SCHEDULE = '5 MINUTE'")
    assert result.exit_code == 1 and "suspend it first" in result.stderr


def test_removing_the_alert_or_the_monitor_is_destructive(tmp_path):
    write(tmp_path)
    assert sk(tmp_path, "apply", "--yes").exit_code == 0
    write(tmp_path, alert=False)
    refused = sk(tmp_path, "apply", "--yes")
    assert refused.exit_code == 1 and "drop SDB.SHAREKIT_MONITOR.SHAREKIT_ALERT" in refused.stderr
    assert sk(tmp_path, "apply", "--yes", "--allow-destroy").exit_code == 0
    write(tmp_path, monitor=False)
    assert plan_json(tmp_path)["changes"] == []  # without prune, nothing is read or removed
    write(tmp_path, monitor=False, prune=True)
    drops = [(c["action"], c["object_type"], c["destructive"]) for c in plan_json(tmp_path)["changes"]]
    assert drops == [("drop", kind, True) for kind in ("task", "procedure", "stage", "table")]
    assert sk(tmp_path, "apply", "--yes").exit_code == 1
    assert sk(tmp_path, "apply", "--yes", "--allow-destroy").exit_code == 0
    assert plan_json(tmp_path)["changes"] == []


def test_a_dropped_connection_at_every_statement_of_the_monitor_apply(tmp_path):
    """The share applied first; then, for each statement K of the monitor's apply, a copy of the
    account fails there: apply exits 1, and apply again converges to an empty plan."""
    write(tmp_path, monitor=False)
    assert sk(tmp_path, "apply", "--yes").exit_code == 0
    write(tmp_path)
    plan = plan_json(tmp_path)
    reads, total = plan["stats"]["queries"], len(plan["changes"])
    assert total == 9
    base = tmp_path / "acct"
    for k in range(1, total + 1):
        case = tmp_path / f"case{k}"
        case.mkdir()
        shutil.copytree(base, case / "acct")
        shutil.copy(tmp_path / "seed.sql", case / "seed.sql")
        shutil.copy(tmp_path / "sharekit.yml", case / "sharekit.yml")
        failed = sk(case, "apply", "--yes", "--workers", "1", env={"SHAREKIT_LOCAL_FAIL_AT": str(reads + k)})
        assert failed.exit_code == 1, (k, failed.output)
        assert sk(case, "apply", "--yes").exit_code == 0, k
        assert plan_json(case)["changes"] == [], k


def test_render_writes_the_monitor_to_its_own_file(tmp_path):
    write(tmp_path)
    result = run("render", "-f", tmp_path / "sharekit.yml", "--out-dir", tmp_path / "sql")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "sql" / "monitor.sql").read_text()
    assert "CREATE OR REPLACE TASK SDB.SHAREKIT_MONITOR.SHAREKIT_CHECKS" in text
    assert "SHAREKIT" not in (tmp_path / "sql" / "share.sql").read_text()
    # the archive is named from the config's directory, so the file is the same on every machine
    assert re.search(r"^PUT 'file://\.sharekit/monitor/sharekit-[0-9a-f]{16}\.zip' ", text, re.M), text
    assert str(tmp_path) not in text


def test_the_bridge_without_snowpark_says_how_to_install_it(monkeypatch):
    import sys

    from sharekit.errors import SharekitError
    from sharekit.monitor.procedure import SnowparkSession

    monkeypatch.setitem(sys.modules, "snowflake.snowpark", None)  # as if not installed
    with pytest.raises(SharekitError, match=r"pip install 'sharekit\[snowpark\]'"):
        SnowparkSession(object())


# --- a run and its status -----------------------------------------------------------------------

def test_run_task_fills_the_results_table_and_status_reads_it(tmp_path):
    write(tmp_path)
    assert sk(tmp_path, "monitor", "status").exit_code == 1  # no table yet: a Snowflake error, exit 1
    assert sk(tmp_path, "apply", "--yes").exit_code == 0
    never = sk(tmp_path, "monitor", "status")
    assert never.exit_code == 1 and "the monitor has not run yet" in never.stderr
    ran = local(tmp_path, "run-task", "SHAREKIT_CHECKS")
    assert ran.exit_code == 0, ran.output
    assert re.match(r"Ran task SHAREKIT_CHECKS: run [0-9a-f]{32} at .* UTC, 1 error, 0 warnings over "
                    r"1 view, 9 queries", ran.stdout)
    rows = results(tmp_path)
    assert [(r["CHECK_ID"], r["SEVERITY"], r["VIEW_NAME"]) for r in rows] == [
        ("monitor.run", "info", ""), ("volume.drop", "error", "SDB.OPTIMOVE.ORDERS_0")]
    assert json.loads(rows[1]["F"]) == {"average": 6.0, "days": 180, "days_with_rows": 1, "ratio": 0.2,
                                        "yesterday": 1}
    status = sk(tmp_path, "monitor", "status", "--format", "json")
    assert status.exit_code == 1 and "the last run found 1 error(s)" in status.stderr
    data = json.loads(status.stdout)
    assert [(c["id"], c["figures"]["yesterday"]) for c in data["checks"]] == [("volume.drop", 1)]
    assert data["summary"]["errors"] == 1 and data["run_id"] == rows[0]["RUN_ID"]


def test_status_exit_codes_clean_errors_and_stale(tmp_path):
    write(tmp_path)
    (tmp_path / "seed.sql").write_text(SEED + MORE_YESTERDAY)
    assert sk(tmp_path, "apply", "--yes").exit_code == 0
    assert local(tmp_path, "run-task", "SDB.SHAREKIT_MONITOR.SHAREKIT_CHECKS").exit_code == 0
    clean = sk(tmp_path, "monitor", "status", "--format", "json")
    assert clean.exit_code == 0, clean.output
    data = json.loads(clean.stdout)
    assert data["checks"] == [] and data["stale"] is False and data["summary"]["errors"] == 0
    assert data["stats"]["queries"] == 1
    markdown = sk(tmp_path, "monitor", "status", "--format", "markdown")
    assert markdown.exit_code == 0 and "No findings." in markdown.stdout
    # two days without a run, on a daily schedule: the task has stopped
    assert local(tmp_path, "sql", "UPDATE SDB.SHAREKIT_MONITOR.SHAREKIT_RESULTS "
                 "SET RUN_AT = DATEADD(day, -2, RUN_AT)").exit_code == 0
    stale = sk(tmp_path, "monitor", "status")
    assert stale.exit_code == 1
    assert "old, more than one period of the schedule (USING CRON 0 4 * * * UTC) plus 2h 24m" in stale.stderr
    # an error in the newest run
    assert local(tmp_path, "sql", "DELETE FROM RAW.SALES.ORDERS WHERE ORDER_DATE = DATEADD(day, -1, "
                 "CAST(SYSDATE() AS DATE))").exit_code == 0
    assert local(tmp_path, "run-task", "SHAREKIT_CHECKS").exit_code == 0
    failing = sk(tmp_path, "monitor", "status")
    assert failing.exit_code == 1 and "the last run found 1 error(s)" in failing.stderr
    assert "volume.drop" in failing.stdout and "0 rows dated yesterday" in failing.stdout


def test_one_run_issues_the_same_queries_for_1_10_and_50_views(tmp_path):
    counts = {}
    for views in (1, 10, 50):
        directory = tmp_path / str(views)
        directory.mkdir()
        write(directory, views=views)
        assert sk(directory, "apply", "--yes").exit_code == 0
        ran = local(directory, "run-task", "SHAREKIT_CHECKS")
        assert ran.exit_code == 0, ran.output
        counts[views] = int(re.search(r"(\d+) queries", ran.stdout).group(1))
    assert counts == {1: 9, 10: 9, 50: 9}  # 6 to read the account, 1 data query, 1 INSERT, 1 DELETE
