"""`export:` in plan and apply on the local account, through the CLI: its schema, WATERMARKS,
EXPORT_LOCK and stage as plan changes (golden SQL), re-plan empty, an old WATERMARKS migrated
(LOCATION), `export.schedule` as a procedure and task (a schedule change is ALTERs only),
removals destructive, `local run-task` exporting files and advancing the watermarks, and a
dropped connection at every statement of the apply converging."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sharekit.cli import app
from sharekit.config import parse_config
from sharekit.errors import ConfigError

GOLDEN = Path(__file__).resolve().parent / "golden" / "export_plan.sql"
SEED = """\
CREATE DATABASE RAW;
CREATE SCHEMA RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID INT, TOTAL NUMBER(10, 2), LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO RAW.SALES.ORDERS VALUES (1, 10.50, '2024-05-01 10:00:00'), (2, 20.00, '2024-05-02 11:30:00');
"""
CONFIG = """\
version: 1
share: {{name: S, database: SDB, consumers: [{{account: OPTIMOVE.EU_PROD}}], prune: {prune}}}
local: {{seed: seed.sql}}
{export}views:
  - name: ORDERS
    from: RAW.SALES.ORDERS
    primary_key: [ORDER_ID]
    columns: [ORDER_ID, TOTAL, LastUpdated]
"""
EXPORT = "export:\n  stage: EXPORTS\n  path: {path}\n{schedule}"
SCHEDULE = "  schedule: {schedule}\n  warehouse: EXPORT_WH\n"
DAILY = "USING CRON 0 5 * * * UTC"
WATERMARKS = "SDB.SHAREKIT_EXPORT.WATERMARKS"
TASK = "SDB.SHAREKIT_EXPORT.SHAREKIT_EXPORT"
FILES = Path("stages/SDB/SHAREKIT_EXPORT/EXPORTS/files")


def write(directory: Path, *, export: bool = True, schedule: str | None = DAILY, prune: bool = False,
          path: str = "optimove/daily") -> Path:
    (directory / "seed.sql").write_text(SEED)
    section = EXPORT.format(path=path, schedule=SCHEDULE.format(schedule=schedule) if schedule else "") \
        if export else ""
    config = directory / "sharekit.yml"
    config.write_text(CONFIG.format(prune=str(prune).lower(), export=section))
    return config


def run(*args, env=None):
    return CliRunner(env={"COLUMNS": "200", **(env or {})}).invoke(app, [str(a) for a in args])


def sk(directory: Path, *args, env=None):
    return run(*args, "--local", "--local-dir", directory / "acct", "-f", directory / "sharekit.yml", env=env)


def plan_json(directory: Path) -> dict:
    result = sk(directory, "plan", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def apply(directory: Path, *args: str) -> None:
    result = sk(directory, "apply", "--yes", *args)
    assert result.exit_code == 0, result.output


def local(directory: Path, *args):
    return run("local", *args, "--local-dir", directory / "acct")


def rows(directory: Path, sql: str) -> list[dict]:
    result = local(directory, "sql", sql, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def export_changes(plan: dict) -> list[dict]:
    return [c for c in plan["changes"] if "export" in c["stage"]]


@pytest.fixture(autouse=True)
def no_knobs(monkeypatch):
    for name in ("SHAREKIT_LOCAL_LATENCY_MS", "SHAREKIT_LOCAL_FAIL_AT"):
        monkeypatch.delenv(name, raising=False)


# --- config ------------------------------------------------------------------------------------

BASE = "version: 1\nshare: {name: S, database: SDB}\nviews: [{name: V, from: R.S.T, columns: [A]}]\n"


@pytest.mark.parametrize("export, expected", [
    ("{stage: E, schedule: '0 5 * * *', warehouse: W}",
     "x.yml:4: export.schedule: '0 5 * * *' is not a Snowflake CRON"),
    ("{stage: E, schedule: USING CRON 0 25 * * * UTC, warehouse: W}",
     "x.yml:4: export.schedule: its hour field '25' is not 0–23"),  # the monitor's CRON code
    ("{stage: E, schedule: USING CRON 0 5 * * * UTC}", "x.yml:4: export.warehouse: is required with `schedule:`"),
    ("{stage: E, warehouse: W}", "x.yml:4: export.warehouse: only goes with `schedule:`"),
])
def test_schedule_config_errors_are_located(export, expected):
    with pytest.raises(ConfigError) as info:
        parse_config(BASE + f"export: {export}\n", "x.yml")
    found = [str(p) for p in info.value.problems]
    assert any(p.startswith(expected) for p in found), found


def test_a_schedule_is_normalised_and_warns_no_more():
    config = parse_config(BASE + "export: {stage: E, schedule: using cron */30 * * * * UTC, warehouse: wh}\n", "x.yml")
    assert config.export is not None
    assert (config.export.schedule, config.export.warehouse) == ("USING CRON */30 * * * * UTC", "WH")
    assert not [w for w in config.warnings if "schedule" in str(w)]


# --- plan and apply ----------------------------------------------------------------------------

def normalized(sql: str, directory: Path) -> str:
    sql = sql.replace(str(directory.resolve()), "<DIR>")
    return re.sub(r"(sharekit-|sharekit export )[0-9a-f]{16}", r"\1<HASH>", sql)


def test_plan_apply_replan_empty_and_the_golden_sql(tmp_path):
    write(tmp_path)
    plan = plan_json(tmp_path)
    stages = [c["stage"] for c in plan["changes"]]
    # the schema, tables and stages right after the share's schemas, before the views and grants
    assert stages.index("export schema") == stages.index("create schemas") + 1
    assert stages.index("export tables and stages") < stages.index("views") < stages.index("grant SELECT")
    export = export_changes(plan)
    assert [(c["action"], c["object_type"], c["object"]) for c in export] == [
        ("create", "schema", "SDB.SHAREKIT_EXPORT"), ("create", "table", WATERMARKS),
        ("create", "table", "SDB.SHAREKIT_EXPORT.EXPORT_LOCK"), ("create", "stage", "SDB.SHAREKIT_EXPORT.EXPORTS"),
        ("create", "stage", "SDB.SHAREKIT_EXPORT.SHAREKIT_CODE"),
        ("create", "stage", "@SDB.SHAREKIT_EXPORT.SHAREKIT_CODE/sharekit-" + export[5]["object"][-20:]),
        ("create", "procedure", "SDB.SHAREKIT_EXPORT.SHAREKIT_RUN_EXPORT()"), ("create", "task", TASK),
        ("alter", "task", TASK)]
    assert not any(c["destructive"] for c in export)
    text = "\n\n".join(normalized(c["sql"], tmp_path) for c in export) + "\n"
    assert text == GOLDEN.read_text(encoding="utf-8")
    apply(tmp_path)
    again = plan_json(tmp_path)
    assert again["changes"] == [] and again["stats"]["queries"] == 10  # 4 export reads, whatever the views
    shown = rows(tmp_path, "SHOW TASKS IN DATABASE SDB")
    assert [(t["name"], t["schedule"], t["state"]) for t in shown] == [("SHAREKIT_EXPORT", DAILY, "started")]


def test_without_a_schedule_only_the_schema_tables_and_stage(tmp_path):
    write(tmp_path, schedule=None)
    export = export_changes(plan_json(tmp_path))
    assert [c["object_type"] for c in export] == ["schema", "table", "table", "stage"]
    apply(tmp_path)
    assert plan_json(tmp_path)["changes"] == []
    ran = sk(tmp_path, "export", "--format", "json")  # on what apply made: no error, the same tables
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["views"][0]["rows"] == 2
    assert plan_json(tmp_path)["changes"] == []


def test_an_external_stage_is_created_from_url_and_integration(tmp_path):
    config = write(tmp_path, schedule=None)
    config.write_text(config.read_text().replace(
        "  stage: EXPORTS\n", "  stage: EXPORTS\n  url: s3://bucket/optimove/\n  storage_integration: OPTIMOVE_S3\n"))
    (stage,) = [c for c in export_changes(plan_json(tmp_path)) if c["object_type"] == "stage"]
    assert stage["sql"] == ("CREATE STAGE IF NOT EXISTS SDB.SHAREKIT_EXPORT.EXPORTS\nURL = 's3://bucket/optimove/'\n"
                            "STORAGE_INTEGRATION = OPTIMOVE_S3\nCOMMENT = 'sharekit export: files for Optimove';")


def old_watermarks(directory: Path) -> None:
    """An account where an older sharekit exported: WATERMARKS without LOCATION, one row."""
    write(directory, export=False)
    apply(directory)
    for sql in ("CREATE SCHEMA SDB.SHAREKIT_EXPORT",
                f"CREATE TABLE {WATERMARKS} (VIEW_NAME VARCHAR, RUN_ID VARCHAR, WATERMARK VARCHAR, ROWS_EXPORTED "
                "NUMBER, FILES NUMBER, BYTES NUMBER, EXPORTED_AT TIMESTAMP_NTZ)",
                f"INSERT INTO {WATERMARKS} VALUES ('SDB.OPTIMOVE.ORDERS', '20240501T120000000000Z', "
                "'2024-05-01 10:00:00', 1, 1, 9, SYSDATE())"):
        assert local(directory, "sql", sql).exit_code == 0
    write(directory, schedule=None)


def test_an_old_watermarks_table_gains_location_through_the_plan(tmp_path):
    old_watermarks(tmp_path)
    (alter,) = [c for c in export_changes(plan_json(tmp_path)) if c["object"] == WATERMARKS]
    assert (alter["action"], alter["sql"]) == ("alter", f"ALTER TABLE {WATERMARKS} ADD COLUMN LOCATION VARCHAR;")
    apply(tmp_path)
    assert plan_json(tmp_path)["changes"] == []
    ran = sk(tmp_path, "export", "--format", "json")
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["views"][0]["rows"] == 1  # from the old row's watermark on
    recorded = rows(tmp_path, f"SELECT RUN_ID, LOCATION FROM {WATERMARKS} ORDER BY RUN_ID")
    assert recorded[0] == {"RUN_ID": "20240501T120000000000Z", "LOCATION": None}
    assert recorded[1]["LOCATION"].startswith("@SDB.SHAREKIT_EXPORT.EXPORTS/optimove/daily/ORDERS/")


def test_a_schedule_change_is_suspend_set_resume(tmp_path):
    write(tmp_path)
    apply(tmp_path)
    write(tmp_path, schedule="USING CRON 30 4 * * * Europe/London")
    changes = plan_json(tmp_path)["changes"]  # the code archive leaves the schedule out: no new procedure
    assert [(c["action"], c["sql"]) for c in changes] == [
        ("alter", f"ALTER TASK {TASK} SUSPEND;"),
        ("alter", f"ALTER TASK {TASK} SET SCHEDULE = 'USING CRON 30 4 * * * Europe/London';"),
        ("alter", f"ALTER TASK {TASK} RESUME;")]
    apply(tmp_path)
    assert plan_json(tmp_path)["changes"] == []
    shown = rows(tmp_path, "SHOW TASKS IN DATABASE SDB")
    assert [(t["schedule"], t["state"]) for t in shown] == [("USING CRON 30 4 * * * Europe/London", "started")]


def test_removing_the_schedule_or_the_export_is_destructive(tmp_path):
    write(tmp_path)
    apply(tmp_path)
    write(tmp_path, schedule=None)
    drops = [(c["action"], c["object"], c["destructive"]) for c in plan_json(tmp_path)["changes"]]
    assert drops == [("drop", TASK, True), ("drop", "SDB.SHAREKIT_EXPORT.SHAREKIT_RUN_EXPORT", True),
                     ("drop", "SDB.SHAREKIT_EXPORT.SHAREKIT_CODE", True)]
    refused = sk(tmp_path, "apply", "--yes")
    assert refused.exit_code == 1 and f"drop {TASK}" in refused.stderr
    apply(tmp_path, "--allow-destroy")
    assert plan_json(tmp_path)["changes"] == []
    write(tmp_path, export=False)
    assert plan_json(tmp_path)["changes"] == []  # without prune, nothing is removed
    write(tmp_path, export=False, prune=True)
    drops = [(c["object_type"], c["object"], c["destructive"]) for c in plan_json(tmp_path)["changes"]]
    assert drops == [("stage", "SDB.SHAREKIT_EXPORT.EXPORTS", True),
                     ("table", "SDB.SHAREKIT_EXPORT.EXPORT_LOCK", True), ("table", WATERMARKS, True)]
    assert sk(tmp_path, "apply", "--yes").exit_code == 1
    apply(tmp_path, "--allow-destroy")
    assert plan_json(tmp_path)["changes"] == []


def test_render_writes_the_export_to_its_own_file(tmp_path):
    write(tmp_path)
    result = run("render", "-f", tmp_path / "sharekit.yml", "--out-dir", tmp_path / "sql")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "sql" / "export.sql").read_text()
    assert f"CREATE OR REPLACE TASK {TASK}" in text and f"CREATE TABLE IF NOT EXISTS {WATERMARKS}" in text
    assert "SHAREKIT_EXPORT" not in (tmp_path / "sql" / "share.sql").read_text()
    assert str(tmp_path) not in text


# --- the task's run ------------------------------------------------------------------------------

def exported_rows(directory: Path) -> list[list[str]]:
    """Every data row of the CSV files the stage holds (headers left out), in file order."""
    out = []
    for path in sorted((directory / "acct" / FILES).rglob("*.csv.gz")):
        lines = list(csv.reader(io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8"))))
        assert lines[0] == ["ORDER_ID", "TOTAL", "LASTUPDATED"], path
        out += lines[1:]
    return out


def test_run_task_writes_files_and_advances_the_watermarks(tmp_path):
    write(tmp_path)
    apply(tmp_path)
    ran = local(tmp_path, "run-task", "SHAREKIT_EXPORT")
    assert ran.exit_code == 0, ran.output
    assert re.match(r"Ran task SHAREKIT_EXPORT: run \d{8}T\d{12}Z at .* UTC, exported 2 rows in 1 file, 0 warnings "
                    r"over 1 view, 11 queries", ran.stdout), ran.stdout
    assert sorted(r[0] for r in exported_rows(tmp_path)) == ["1", "2"]
    (mark,) = rows(tmp_path, f"SELECT WATERMARK, ROWS_EXPORTED, LOCATION FROM {WATERMARKS}")
    assert mark["WATERMARK"] == "2024-05-02 11:30:00" and mark["ROWS_EXPORTED"] == 2
    folder = mark["LOCATION"].removeprefix("@SDB.SHAREKIT_EXPORT.EXPORTS/").rstrip("/")
    assert list((tmp_path / "acct" / FILES / folder).glob("*.csv.gz"))  # LOCATION names the folder of the files
    # nothing new: no file; one updated row: that row alone, in a folder under the new path
    assert local(tmp_path, "run-task", "SDB.SHAREKIT_EXPORT.SHAREKIT_EXPORT").exit_code == 0
    assert len(exported_rows(tmp_path)) == 2
    assert local(tmp_path, "sql", "UPDATE RAW.SALES.ORDERS SET TOTAL = 11, LASTUPDATED = '2024-05-03 09:00:00' "
                 "WHERE ORDER_ID = 1").exit_code == 0
    write(tmp_path, path="optimove/v2")
    apply(tmp_path)  # the config in the code archive changed: the procedure is replaced
    assert local(tmp_path, "run-task", "SHAREKIT_EXPORT").exit_code == 0
    assert sorted(exported_rows(tmp_path)) == [["1", "10.50", "2024-05-01 10:00:00"],
                                               ["1", "11.00", "2024-05-03 09:00:00"],
                                               ["2", "20.00", "2024-05-02 11:30:00"]]
    locations = [r["LOCATION"] for r in rows(tmp_path, f"SELECT LOCATION FROM {WATERMARKS} ORDER BY RUN_ID")]
    assert [loc.split("/")[1:3] for loc in locations] == [["optimove", "daily"], ["optimove", "v2"]]
    free = rows(tmp_path, "SELECT RUN_ID FROM SDB.SHAREKIT_EXPORT.EXPORT_LOCK")
    assert free == [{"RUN_ID": None}]  # the task's runs released the lock


def test_a_dropped_connection_at_every_statement_of_the_export_apply(tmp_path):
    """The share applied first; then, for each statement K of the export's apply, a copy of the
    account fails there: apply exits 1, and apply again converges to an empty plan."""
    write(tmp_path, export=False)
    apply(tmp_path)
    write(tmp_path)
    plan = plan_json(tmp_path)
    reads, total = plan["stats"]["queries"], len(plan["changes"])
    assert total == 9
    for k in range(1, total + 1):
        case = tmp_path / f"case{k}"
        case.mkdir()
        shutil.copytree(tmp_path / "acct", case / "acct")
        shutil.copy(tmp_path / "seed.sql", case / "seed.sql")
        shutil.copy(tmp_path / "sharekit.yml", case / "sharekit.yml")
        failed = sk(case, "apply", "--yes", "--workers", "1", env={"SHAREKIT_LOCAL_FAIL_AT": str(reads + k)})
        assert failed.exit_code == 1, (k, failed.output)
        apply(case)
        assert plan_json(case)["changes"] == [], k
        assert local(case, "run-task", "SHAREKIT_EXPORT").exit_code == 0, k


HANDLER = textwrap.dedent("""\
    import json, os, sys
    sys.path.insert(0, os.environ["ARCHIVE"])          # as Snowflake puts IMPORTS on sys.path
    import sharekit.export_task as task
    assert ".zip" in task.__file__, task.__file__
    from sharekit.local import open_local_account

    class Rows:  # what Snowpark's DataFrame.collect() gives: rows with as_dict()
        def __init__(self, rows):
            self.rows = rows
        def collect(self):
            return [type("Row", (), {"as_dict": lambda self, r=r: dict(r)})() for r in self.rows]

    class Procedure:  # the procedure's Snowpark session, here over the local account
        def __init__(self, account):
            self.account = account
        def sql(self, text):
            return Rows(self.account.query(text))

    with open_local_account(os.environ["ACCOUNT"]) as account:
        summary = task.run(Procedure(account))
    print(json.dumps({"summary": summary, "loaded_from": sys.modules["sharekit"].__file__}))
""")


def test_the_handler_runs_the_export_from_the_code_archive(tmp_path):
    """`sharekit.export_task.run` as Snowflake calls it: imported from the zip, sharekit then
    imported from the extracted archive, the packaged config exported through the Snowpark bridge."""
    pytest.importorskip("snowflake.snowpark", reason="Snowpark is an optional extra: pip install 'sharekit[snowpark]'")
    from sharekit.monitor.package import build_archive

    config = write(tmp_path)
    apply(tmp_path)
    archive = build_archive(parse_config(config.read_text(), str(config)))
    zipped = tmp_path / archive.name
    zipped.write_bytes(archive.data)
    env = {**os.environ, "ARCHIVE": str(zipped), "ACCOUNT": str(tmp_path / "acct"), "TMPDIR": str(tmp_path),
           "PYTHONPATH": ""}
    done = subprocess.run([sys.executable, "-c", HANDLER], capture_output=True, text=True, env=env, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["loaded_from"].startswith(str(tmp_path / archive.name.removesuffix(".zip")))  # extracted
    assert (out["summary"]["views"], out["summary"]["rows"], out["summary"]["files"]) == (1, 2, 1)
    assert sorted(r[0] for r in exported_rows(tmp_path)) == ["1", "2"]
    (mark,) = rows(tmp_path, f"SELECT RUN_ID, WATERMARK FROM {WATERMARKS}")
    assert mark == {"RUN_ID": out["summary"]["run_id"], "WATERMARK": "2024-05-02 11:30:00"}


def test_a_stage_in_another_database_gets_its_schema_and_a_missing_database_is_named(tmp_path):
    config = write(tmp_path, schedule=None)
    config.write_text(config.read_text().replace("  stage: EXPORTS\n", "  stage: RAW.FILES.EXPORTS\n"))
    export = export_changes(plan_json(tmp_path))
    assert [(c["object_type"], c["object"]) for c in export] == [
        ("schema", "SDB.SHAREKIT_EXPORT"), ("schema", "RAW.FILES"), ("table", WATERMARKS),
        ("table", "SDB.SHAREKIT_EXPORT.EXPORT_LOCK"), ("stage", "RAW.FILES.EXPORTS")]
    apply(tmp_path)
    assert plan_json(tmp_path)["changes"] == []
    config.write_text(config.read_text().replace("RAW.FILES.EXPORTS", "NOWHERE.FILES.EXPORTS"))
    result = sk(tmp_path, "plan")
    assert result.exit_code == 1
    assert 'export.stage NOWHERE.FILES.EXPORTS: database NOWHERE does not exist' in result.stderr


def test_objects_a_run_created_itself_are_not_planned_again(tmp_path):
    write(tmp_path, export=False)
    apply(tmp_path)
    write(tmp_path, schedule=None)
    ran = sk(tmp_path, "export")  # nobody applied: the run creates its schema, tables and stage
    assert ran.exit_code == 0, ran.output
    assert plan_json(tmp_path)["changes"] == []


def test_an_old_watermarks_table_gains_location_in_a_run_without_apply(tmp_path):
    old_watermarks(tmp_path)
    dry = sk(tmp_path, "export", "--dry-run", "--format", "json")
    assert f"ALTER TABLE {WATERMARKS} ADD COLUMN LOCATION VARCHAR;" in json.loads(dry.stdout)["setup"]
    assert rows(tmp_path, f"SELECT * FROM {WATERMARKS}")[0].keys() == {
        "VIEW_NAME", "RUN_ID", "WATERMARK", "ROWS_EXPORTED", "FILES", "BYTES", "EXPORTED_AT"}  # the dry run added none
    ran = sk(tmp_path, "export", "--format", "json")
    assert ran.exit_code == 0, ran.output
    report = json.loads(ran.stdout)
    assert f"ALTER TABLE {WATERMARKS} ADD COLUMN LOCATION VARCHAR;" in report["setup"]
    assert report["views"][0]["rows"] == 1 and report["stats"]["queries"] == 9 + 3  # 8 once, the ALTER, the view
    again = sk(tmp_path, "export", "--format", "json")
    assert json.loads(again.stdout)["stats"]["queries"] == 8 + 1  # added once; no new rows: the high mark alone
    assert [c for c in export_changes(plan_json(tmp_path)) if c["object"] == WATERMARKS] == []
