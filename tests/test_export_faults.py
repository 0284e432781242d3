"""An export killed midway and run again loses and duplicates nothing, by primary key.

A three-view export (two incremental views, one dimension exported whole) after a first export
and new source rows: SHAREKIT_LOCAL_FAIL_AT=K drops the connection at its K-th statement, for
every K of the run (the sweep stops at the first K past its last statement, and checks there
are as many as the module docstring of sharekit.export says). Then the export runs again
(with --break-lock when K was the lock's release, which leaves the dead run's lock), and every
file that counts is read back: the files of the run folders recorded in WATERMARKS
(sharekit.export.DELIVERED_FILES). An incremental view's recorded folders hold each of its rows
exactly once; a dimension's latest recorded folder holds it whole. Folders of the failed run
that WATERMARKS does not record must exist for some K (the rule is what keeps them out).
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import shutil
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from sharekit.local.account import FAIL_AT_ENV

SEED = """
CREATE DATABASE RAW;
CREATE SCHEMA RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID INT, CUSTOMER_ID VARCHAR, TOTAL NUMBER(10, 2), LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO RAW.SALES.ORDERS VALUES
    (1, 'C1', 10.50, '2024-05-01 10:00:00'), (2, 'C2', 20.00, '2024-05-02 11:30:00'),
    (3, 'C1', 30.25, '2024-05-03 12:45:10'), (4, 'C3', 7.00, '2024-05-03 13:00:00');
CREATE SCHEMA RAW.CRM;
CREATE TABLE RAW.CRM.CUSTOMERS (CUSTOMER_ID VARCHAR, EMAIL VARCHAR);
INSERT INTO RAW.CRM.CUSTOMERS VALUES ('C1', 'a@x.com'), ('C2', 'b@x.com');
"""

CONFIG = """
version: 1
share:
  name: OPTIMOVE_SHARE
  database: OPTIMOVE_SHARE_DB
  consumers:
    - account: OPTIMOVE.EU_PROD
local:
  seed: seed.sql
export:
  stage: EXPORTS
  format: csv
  path: optimove/daily
views:
  - name: ORDERS_C1
    from: RAW.SALES.ORDERS
    primary_key: [ORDER_ID]
    columns: [ORDER_ID, CUSTOMER_ID, TOTAL, LastUpdated]
    where: CUSTOMER_ID = 'C1'
  - name: ORDERS_OTHER
    from: RAW.SALES.ORDERS
    primary_key: [ORDER_ID]
    columns: [ORDER_ID, CUSTOMER_ID, TOTAL, LastUpdated]
    where: CUSTOMER_ID <> 'C1'
  - name: CUSTOMERS
    from: RAW.CRM.CUSTOMERS
    kind: dimension
    primary_key: [CUSTOMER_ID]
    columns: [CUSTOMER_ID, EMAIL]
"""

KEYS = {"ORDERS_C1": "ORDER_ID", "ORDERS_OTHER": "ORDER_ID", "CUSTOMERS": "CUSTOMER_ID"}
WHOLE = {"CUSTOMERS"}
# setup (4 creates, WATERMARKS' columns), claim, watermarks; 3 per incremental view, 2 whole; release
STATEMENTS = 5 + 1 + 1 + 3 + 3 + 2 + 1
VIEWS = "OPTIMOVE_SHARE_DB.OPTIMOVE"
FILES = Path("stages/OPTIMOVE_SHARE_DB/SHAREKIT_EXPORT/EXPORTS/files/optimove/daily")
STAGE = "@OPTIMOVE_SHARE_DB.SHAREKIT_EXPORT.EXPORTS"


def sql(cli, local_dir: Path, statement: str) -> list[dict]:
    result = cli("local", "sql", "--local-dir", local_dir, "--format", "json", statement)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, Path]:
    """(config, account): views applied, exported once, then new rows for every view."""
    from typer.testing import CliRunner

    from sharekit.cli import app

    runner = CliRunner(env={"COLUMNS": "100"})

    def cli(*args: object):
        return runner.invoke(app, [str(a) for a in args])

    tmp = tmp_path_factory.mktemp("export_faults")
    (tmp / "seed.sql").write_text(SEED, encoding="utf-8")
    config = tmp / "sharekit.yml"
    config.write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    account = tmp / "account"
    for args in (("apply", "-f", config, "--local", "--local-dir", account, "--yes"),
                 ("export", "-f", config, "--local", "--local-dir", account)):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    sql(cli, account, "INSERT INTO RAW.SALES.ORDERS VALUES (5, 'C1', 1.00, '2024-05-05 09:00:00'), "
                      "(6, 'C2', 2.00, '2024-05-05 09:30:00')")
    sql(cli, account, "INSERT INTO RAW.CRM.CUSTOMERS VALUES ('C3', 'c@x.com')")
    return config, account


def counted_files(cli, account: Path) -> dict[str, list[list[Path]]]:
    """Per view, the recorded run folders' files (oldest run first), checked against the row's FILES."""
    recorded = sql(cli, account, "SELECT VIEW_NAME, RUN_ID, FILES, LOCATION FROM "
                                 "OPTIMOVE_SHARE_DB.SHAREKIT_EXPORT.WATERMARKS ORDER BY RUN_ID")
    out: dict[str, list[list[Path]]] = {name: [] for name in KEYS}
    for row in recorded:
        name = row["VIEW_NAME"].rsplit(".", 1)[1]
        assert row["LOCATION"] == f"{STAGE}/optimove/daily/{name}/{row['RUN_ID']}/", row  # the folder that counts
        folder = account / FILES / name / row["RUN_ID"]
        files = sorted(folder.glob("*.csv.gz")) if folder.is_dir() else []
        assert len(files) == row["FILES"], (row, files)
        out[name].append(files)
    return out


def keys_in(files: list[Path], key: str) -> list[str]:
    found = []
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            header, *rows = list(csv.reader(handle))
        found += [row[header.index(key)] for row in rows]
    return found


def all_folders(account: Path) -> set[tuple[str, str]]:
    return {(p.parent.name, p.name) for p in (account / FILES).glob("*/*") if p.is_dir()}


def test_killed_at_every_statement_then_rerun_loses_and_duplicates_nothing(cli, base, tmp_path):
    config, account = base
    expected = {name: sorted(str(r[key]) for r in sql(cli, account, f"SELECT {key} FROM {VIEWS}.{name}"))
                for name, key in KEYS.items()}
    assert expected["ORDERS_C1"] == ["1", "3", "5"] and expected["CUSTOMERS"] == ["C1", "C2", "C3"]
    unrecorded_seen = 0
    for k in range(1, STATEMENTS + 2):
        case = tmp_path / f"k{k}"
        shutil.copytree(account, case)
        failed = cli("export", "-f", config, "--local", "--local-dir", case, env={FAIL_AT_ENV: str(k)})
        if k > STATEMENTS:
            assert failed.exit_code == 0, f"K={k}: the run has more than {STATEMENTS} statements\n{failed.output}"
            break
        assert failed.exit_code == 1, f"K={k}: {failed.output}"
        message = " ".join(failed.stderr.split())
        assert message.startswith("Error: ") and "Traceback" not in message, (k, message)
        assert f"simulated dropped connection at statement {k}" in message, (k, message)
        left_out = None
        if 8 <= k < STATEMENTS:  # inside a view: the error says what was kept and what does not count
            assert "export stopped at" in message, (k, message)
            left_out = re.search(r"Files of this run in (@\S+/) are not recorded in WATERMARKS", message)
            assert left_out, (k, message)
        rerun = cli("export", "-f", config, "--local", "--local-dir", case, "--format", "json")
        if k == STATEMENTS:  # the release failed: the dead run's lock stays until broken (or stale)
            assert "could not be released" in message and "--break-lock" in message, message
            assert rerun.exit_code == 1 and "another export is running" in rerun.stderr, rerun.output
            rerun = cli("export", "-f", config, "--local", "--local-dir", case, "--format", "json", "--break-lock")
        assert rerun.exit_code == 0, f"K={k}: {rerun.output}"
        assert json.loads(rerun.stdout)["delivered_files"].startswith("the files of the run folders")
        counted = counted_files(cli, case)
        recorded = {(name, folder[0].parent.name) for name, runs in counted.items() for folder in runs if folder}
        unrecorded = {f for f in all_folders(case) if f not in recorded}
        found = {}
        for name, key in KEYS.items():
            runs = counted[name][-1:] if name in WHOLE else counted[name]
            found[name] = Counter(keys_in([f for files in runs for f in files], key))
            assert sorted(found[name]) == expected[name], (k, name, found[name])
            assert set(found[name].values()) == {1}, (k, name, found[name])  # none twice
        for name, run in unrecorded:  # a failed run's files: delivering them too would send rows twice
            extra = keys_in(sorted((case / FILES / name / run).glob("*.csv.gz")), KEYS[name])
            assert set(extra) <= set(found[name]), (k, name, run, extra)
            unrecorded_seen += bool(extra)
            assert left_out and left_out[1].endswith(f"/{name}/{run}/"), (k, message)  # the error named it
            sql(cli, case, f"REMOVE '{left_out[1]}'")  # what the error advises
            assert not list((case / FILES / name / run).glob("*")), (k, name, run)
        shutil.rmtree(case)
    assert unrecorded_seen == 3, "each view's record failing once leaves a folder the rule must leave out"


def test_a_failed_download_keeps_the_recorded_view_and_says_how_to_fetch_it(cli, base, tmp_path):
    config, account = base
    case = tmp_path / "case"
    shutil.copytree(account, case)
    out = tmp_path / "out"
    failed = cli("export", "-f", config, "--local", "--local-dir", case, "--download", out,
                 env={FAIL_AT_ENV: "11"})  # setup 5, claim, watermarks, ORDERS_C1: high mark, COPY, record, GET
    assert failed.exit_code == 1
    message = " ".join(failed.stderr.split())
    assert "export stopped at ORDERS_C1 (view 1 of 3): its files were written and recorded (so they count), but " \
           "--download could not fetch them" in message, message
    folder = re.search(r"GET '(@\S+/)' for this one", message)
    assert folder and "/ORDERS_C1/" in folder[1]
    rerun = json.loads(cli("export", "-f", config, "--local", "--local-dir", case, "--format", "json").stdout)
    assert [(v["view"].rsplit(".", 1)[1], v["rows"]) for v in rerun["views"]] == \
        [("ORDERS_C1", 0), ("ORDERS_OTHER", 1), ("CUSTOMERS", 3)]
