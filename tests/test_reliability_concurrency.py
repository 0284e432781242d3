"""Concurrency: two sharekit processes on one local account at the same time.

The account is seeded first; then two `sharekit apply` processes start together, slowed by
SHAREKIT_LOCAL_LATENCY_MS so that their lifetimes overlap. One wins and applies everything; the
other fails at once with one clear message ("local account in use … by process PID", exit 1, no
traceback) and changes nothing; the account ends in exactly the state of a clean apply, and the
next plan is empty. A plan or a `local reset` racing an apply is refused the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sharekit.cli import app
from sharekit.local import open_local_account

SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER, STATUS VARCHAR, LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO RAW.SALES.ORDERS VALUES (1, 'PAID', '2026-01-01 10:00:00');
"""
VIEW = """\
  - name: ORDERS_{i}
    from: RAW.SALES.ORDERS
    columns: [ORDER_ID, LASTUPDATED]
    where: STATUS <> 'TEST'
"""
CONFIG = ("version: 1\nshare:\n  name: SK_SHARE\n  database: SK_DB\n  comment: For Optimove\n"
          "  consumers: [{account: OPTIMOVE.EU_PROD}, {account: OPTIMOVE.US_PROD}]\nviews:\n"
          + "".join(VIEW.format(i=i) for i in range(6)))


def state(directory: Path) -> tuple:
    with open_local_account(directory) as account:
        shares = [(r["name"], r["database_name"], r["to"], r["comment"]) for r in account.query("SHOW SHARES")]
        grants = sorted((r["privilege"], r["granted_on"], r["name"]) for r in account.query("SHOW GRANTS TO SHARE SK_SHARE")) if shares else []
        views = sorted((r["name"], r["is_secure"], r["text"], r["comment"]) for r in account.query("SHOW VIEWS IN ACCOUNT"))
    return shares, grants, views


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("concurrency")
    (root / "sharekit.yml").write_text(CONFIG)
    (root / "seed.sql").write_text(SEED)
    env = {"COLUMNS": "200", "SHAREKIT_LOCAL_FAIL_AT": None, "SHAREKIT_LOCAL_LATENCY_MS": None}
    created = CliRunner().invoke(app, ["local", "init", "--seed", str(root / "seed.sql"), "--local-dir",
                                       str(root / "template")], env=env)
    assert created.exit_code == 0, created.output
    shutil.copytree(root / "template", root / "clean")
    applied = CliRunner().invoke(app, ["apply", "-f", str(root / "sharekit.yml"), "--local", "--local-dir",
                                       str(root / "clean"), "--yes"], env=env)
    assert applied.exit_code == 0, applied.output
    return {"root": root, "clean": state(root / "clean"), "rounds": 0}


def start(setup: dict[str, Any], account: Path, *args: str, latency: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREKIT_")}
    env.update({"SHAREKIT_LOCAL_LATENCY_MS": str(latency), "COLUMNS": "200"})
    return subprocess.Popen([sys.executable, "-m", "sharekit", *args, "--local-dir", str(account)],
                            cwd=setup["root"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def fresh(setup: dict[str, Any]) -> Path:
    setup["rounds"] += 1
    account = setup["root"] / f"race{setup['rounds']}"
    shutil.copytree(setup["root"] / "template", account)
    return account


def assert_refused(out: str, err: str, account: Path, winner_pid: int) -> None:
    assert err.startswith("Error: local account in use at "), err
    assert f"by process {winner_pid}" in err
    assert "Traceback" not in out + err
    assert len([line for line in err.splitlines() if line.startswith("Error:")]) == 1


@pytest.mark.parametrize("latency", [100, 200])
def test_two_applies_at_once_one_wins_the_other_fails_clearly(setup, latency):
    account = fresh(setup)
    apply = ("apply", "-f", "sharekit.yml", "--local", "--yes")
    first = start(setup, account, *apply, latency=latency)
    second = start(setup, account, *apply, latency=latency)
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    codes = [first.returncode, second.returncode]
    assert sorted(codes) == [0, 1], outputs
    winner, loser = (0, 1) if codes[0] == 0 else (1, 0)
    assert "Applied 19 changes" in outputs[winner][0]
    assert_refused(*outputs[loser], account, (first, second)[winner].pid)
    assert outputs[loser][0] == ""  # nothing planned, nothing applied
    assert state(account) == setup["clean"]
    plan = CliRunner().invoke(app, ["plan", "-f", str(setup["root"] / "sharekit.yml"), "--local", "--local-dir",
                                    str(account), "--format", "json"], env={"SHAREKIT_LOCAL_LATENCY_MS": None})
    assert json.loads(plan.stdout)["changes"] == []


@pytest.mark.parametrize("other", [("plan", "-f", "sharekit.yml", "--local"), ("local", "reset"),
                                   ("local", "sql", "SHOW SHARES")])
def test_a_command_racing_an_apply_is_refused(setup, other):
    account = fresh(setup)
    apply = start(setup, account, "apply", "-f", "sharekit.yml", "--local", "--yes", "--workers", "1", latency=120)
    deadline = time.monotonic() + 60
    while not (account / "lock").read_text().strip():  # the apply holds the account
        assert apply.poll() is None and time.monotonic() < deadline, apply.communicate()
        time.sleep(0.05)
    racer = start(setup, account, *other, latency=0)
    out, err = racer.communicate(timeout=120)
    assert racer.returncode == 1, out + err
    assert_refused(out, err, account, apply.pid)
    apply_out, apply_err = apply.communicate(timeout=120)
    assert apply.returncode == 0, apply_out + apply_err
    assert state(account) == setup["clean"]
