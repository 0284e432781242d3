"""Fault sweep: a dropped connection at every statement of a 41-statement apply.

A config whose plan from the seeded account has 41 statements in every stage (database,
schemas, 14 views of three shapes, the share, USAGE, REFERENCE_USAGE on two databases, SELECT,
23 consumers in 4 ADD ACCOUNTS statements). The account is created and seeded once (`sharekit
local init --seed`, its own process), then copied for every case, so SHAREKIT_LOCAL_FAIL_AT
counts only the plan's introspection queries (read from the plan's stats) and the apply.

For every K from 1 to 41, with one worker:
- apply exits 1, and its report lists exactly the first K-1 changes as done, the K-th as
  failed and the rest as not started (each in plan order);
- a new plan shows exactly the failed and not-started changes;
- apply again converges (the next plan is empty) and the state equals a clean apply's
  (SHOW SHARES, SHOW GRANTS TO SHARE, SHOW VIEWS text/secure/comment, column comments).
With 8 workers and latency (statements of a stage overlap) for a few K, the report must still be
truthful: what it calls done is on the account, what it calls failed or not started is what
the next plan shows. A failure while reading the account (plan, apply, apply of a saved plan)
exits 1 with `Error:` and sends nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sharekit.cli import app
from sharekit.local import open_local_account

SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER, CUSTOMER_ID NUMBER, TOTAL NUMBER(12,2), STATUS VARCHAR,
    EMAIL VARCHAR, LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO RAW.SALES.ORDERS VALUES (1, 10, 9.99, 'PAID', 'a@x.com', '2026-01-01 10:00:00'),
    (2, 11, 5.00, 'TEST', 'b@x.com', '2026-01-02 10:00:00');
CREATE DATABASE IF NOT EXISTS EXT;
CREATE SCHEMA IF NOT EXISTS EXT.CRM;
CREATE TABLE EXT.CRM.CUSTOMERS (CUSTOMER_ID NUMBER, "Name" VARCHAR, LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO EXT.CRM.CUSTOMERS VALUES (10, 'Ann', '2026-01-01 10:00:00');
"""


def locator(account: str) -> str:
    """`, locator: …` under the accounts_locator quirk: what a user adds once the plan asks for it."""
    if "accounts_locator" not in os.environ.get("SHAREKIT_LOCAL_QUIRKS", ""):
        return ""
    from sharekit.local.quirks import locator_of

    return f", locator: {locator_of(account)}"


def config_text() -> str:
    views = [f"""\
  - name: ORDERS_{i}
    from: RAW.SALES.ORDERS
    columns:
      - ORDER_ID
      - {{name: BUYER, from: CUSTOMER_ID}}
      - {{name: EMAIL_HASH, expr: SHA2(EMAIL), comment: "hash of the buyer's e-mail"}}
      - LASTUPDATED
    where: STATUS <> 'TEST'
    comment: Orders {i}
""" for i in range(7)]
    views += [f"""\
  - name: '"Customers {i}"'
    schema: CRM
    from: EXT.CRM.CUSTOMERS
    kind: dimension
    columns: [CUSTOMER_ID, '"Name"', LASTUPDATED]
""" for i in range(5)]
    views += [f"""\
  - name: JOINED_{i}
    schema: CRM
    query: |
      SELECT o.ORDER_ID, c."Name" AS CUSTOMER_NAME, o.LASTUPDATED
      FROM RAW.SALES.ORDERS o JOIN EXT.CRM.CUSTOMERS c ON c.CUSTOMER_ID = o.CUSTOMER_ID
""" for i in range(2)]
    consumers = [f"    - {{account: OPTIMOVE.PLAIN_{i}{locator('OPTIMOVE.PLAIN_' + str(i))}}}" for i in range(12)]
    consumers += [f"    - {{account: OPTIMOVE.NONBC_{i}, share_restrictions: false"
                  f"{locator('OPTIMOVE.NONBC_' + str(i))}}}" for i in range(8)]
    consumers += [f"    - {{account: OPTIMOVE.BC_{i}, share_restrictions: true{locator('OPTIMOVE.BC_' + str(i))}}}"
                  for i in range(3)]
    return ("version: 1\nshare:\n  name: SK_SHARE\n  database: SK_DB\n  comment: \"Optimove's share\"\n"
            "  consumers:\n" + "\n".join(consumers) + "\nviews:\n" + "".join(views))


def sk(*args: Any, env: dict[str, str | None] | None = None) -> Any:
    base = {"COLUMNS": "250", "SHAREKIT_LOCAL_FAIL_AT": None, "SHAREKIT_LOCAL_LATENCY_MS": None}
    return CliRunner().invoke(app, [str(a) for a in args], env={**base, **(env or {})})


def live_state(directory: Path) -> tuple:
    with open_local_account(directory) as account:
        shares = [(r["name"], r["database_name"], r["to"], r["comment"]) for r in account.query("SHOW SHARES")]
        if not shares:
            return shares, [], [], []
        grants = sorted((r["privilege"], r["granted_on"], r["name"]) for r in account.query("SHOW GRANTS TO SHARE SK_SHARE"))
        views = sorted((r["schema_name"], r["name"], r["is_secure"], r["text"], r["comment"])
                       for r in account.query("SHOW VIEWS IN DATABASE SK_DB"))
        columns = sorted((r["TABLE_SCHEMA"], r["TABLE_NAME"], r["COLUMN_NAME"], r["COMMENT"] or "") for r in account.query(
            "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COMMENT FROM SK_DB.INFORMATION_SCHEMA.COLUMNS"))
    return shares, grants, views, columns


class Sweep:
    """The seeded template account, the clean plan and the clean-apply state."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / "sharekit.yml"
        self.template = root / "template"
        self.cases = 0

    def copy(self) -> Path:
        self.cases += 1
        target = self.root / f"case{self.cases}"
        shutil.copytree(self.template, target)
        return target

    def apply(self, account: Path, *args: str, env: dict[str, str | None] | None = None) -> Any:
        return sk("apply", "-f", self.config, "--local", "--local-dir", account, "--yes", *args, env=env)

    def plan(self, account: Path) -> dict[str, Any]:
        result = sk("plan", "-f", self.config, "--local", "--local-dir", account, "--format", "json")
        assert result.exit_code == 0, result.output + result.stderr
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Sweep:
    s = Sweep(tmp_path_factory.mktemp("faults"))
    s.config.write_text(config_text(), encoding="utf-8")
    (s.root / "seed.sql").write_text(SEED, encoding="utf-8")
    created = sk("local", "init", "--seed", s.root / "seed.sql", "--local-dir", s.template)
    assert created.exit_code == 0, created.output
    first = s.plan(s.copy())
    s.changes = [(c["action"], c["object"]) for c in first["changes"]]
    s.reads = first["stats"]["queries"]  # introspection round-trips before the first statement
    clean = s.copy()
    applied = s.apply(clean)
    assert applied.exit_code == 0, applied.output + applied.stderr
    s.clean_state = live_state(clean)
    return s


def test_the_plan_is_big_enough_and_touches_every_stage(sweep):
    assert len(sweep.changes) == 41 and sweep.reads == 3
    assert {action for action, _ in sweep.changes} == {"create", "grant", "add_accounts"}
    assert sum(action == "add_accounts" for action, _ in sweep.changes) == 4


_REPORT = re.compile(r"^  (done|failed|not started)\s+(\S+) (.*?)(?:: 250003 \(08001\): .*)?$")


def report(stderr: str) -> dict[str, list[tuple[str, str]]]:
    """The apply report → {"done": [(action, object)], "failed": […], "not started": […]}."""
    listed: dict[str, list[tuple[str, str]]] = {"done": [], "failed": [], "not started": []}
    for line in stderr.splitlines():
        match = _REPORT.match(line)
        if match:
            listed[match.group(1)].append((match.group(2), match.group(3)))
    return listed


def assert_truthful(sweep: Sweep, account: Path, result: Any) -> dict[str, list[tuple[str, str]]]:
    """Exit 1, one failure, every change listed once, and the account agrees with the report."""
    assert result.exit_code == 1, result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert "simulated dropped connection" in result.stderr
    listed = report(result.stderr)
    counts = f"{len(listed['done'])} done, 1 failed, {len(listed['not started'])} not started."
    assert f"Error: apply stopped at the first failure: {counts}" in result.stderr
    assert len(listed["failed"]) == 1
    assert sorted(sum(listed.values(), [])) == sorted(sweep.changes)
    left = sorted((c["action"], c["object"]) for c in sweep.plan(account)["changes"])
    if "reference_usage_hidden" in os.environ.get("SHAREKIT_LOCAL_QUIRKS", ""):
        # a REFERENCE_USAGE granted before the stop, but not yet implied by a granted view, is
        # planned again: harmless (GRANT is idempotent), and the only change that may repeat
        left = [c for c in left if not (c in listed["done"] and c[1].startswith("REFERENCE_USAGE"))]
    assert left == sorted(listed["failed"] + listed["not started"]), "the report does not match the account"
    return listed


def assert_converges(sweep: Sweep, account: Path) -> None:
    again = sweep.apply(account)
    assert again.exit_code == 0, again.output + again.stderr
    assert sweep.plan(account)["changes"] == []
    assert live_state(account) == sweep.clean_state


@pytest.mark.parametrize("k", range(1, 42))
def test_failure_at_every_statement_one_worker(sweep, k):
    account = sweep.copy()
    result = sweep.apply(account, "--workers", "1", env={"SHAREKIT_LOCAL_FAIL_AT": str(sweep.reads + k)})
    listed = assert_truthful(sweep, account, result)
    assert listed["done"] == sweep.changes[: k - 1]
    assert listed["failed"] == [sweep.changes[k - 1]]
    assert listed["not started"] == sweep.changes[k:]
    assert_converges(sweep, account)
    shutil.rmtree(account)


# K inside the parallel stages: schemas (2-3), views (4-17), SELECT grants (24-37), consumers (38-41)
@pytest.mark.parametrize("k", [3, 5, 11, 17, 26, 37, 39])
def test_failure_with_eight_workers_overlapping(sweep, k):
    account = sweep.copy()
    result = sweep.apply(account, "--workers", "8",
                         env={"SHAREKIT_LOCAL_FAIL_AT": str(sweep.reads + k), "SHAREKIT_LOCAL_LATENCY_MS": "15"})
    listed = assert_truthful(sweep, account, result)
    assert len(listed["done"]) >= k - 8  # statements already running when K failed may finish
    assert_converges(sweep, account)
    shutil.rmtree(account)


def test_failure_while_planning_sends_nothing(sweep):
    account = sweep.copy()
    before = live_state(account)
    for k in range(1, sweep.reads + 1):
        result = sk("plan", "-f", sweep.config, "--local", "--local-dir", account, env={"SHAREKIT_LOCAL_FAIL_AT": str(k)})
        assert result.exit_code == 1 and result.stderr.startswith("Error: "), result.stderr
        assert "simulated dropped connection" in result.stderr and "Traceback" not in result.stderr
        assert result.stdout == ""
    assert live_state(account) == before


def test_failure_while_reading_before_apply_sends_nothing(sweep):
    """On an account half applied (so every introspection query runs), a failure in any of them
    stops apply before its first statement."""
    account = sweep.copy()
    assert sweep.apply(account, "--workers", "1", env={"SHAREKIT_LOCAL_FAIL_AT": str(sweep.reads + 24)}).exit_code == 1
    before = live_state(account)
    reads = sweep.plan(account)["stats"]["queries"]  # what introspecting this half-applied account costs
    for k in range(1, reads + 1):
        result = sweep.apply(account, env={"SHAREKIT_LOCAL_FAIL_AT": str(k)})
        assert result.exit_code == 1 and result.stderr.startswith("Error: "), result.stderr
        assert "simulated dropped connection" in result.stderr and "Traceback" not in result.stderr
        assert "Applied" not in result.stdout and "apply stopped" not in result.stderr
    assert live_state(account) == before
    assert_converges(sweep, account)


def test_failure_while_checking_a_saved_plan_sends_nothing(sweep):
    account = sweep.copy()
    saved = sweep.root / "saved.json"
    assert sk("plan", "-f", sweep.config, "--local", "--local-dir", account, "--out", saved).exit_code == 0
    before = live_state(account)
    result = sk("apply", saved, "-f", sweep.config, "--local", "--local-dir", account, "--yes",
                env={"SHAREKIT_LOCAL_FAIL_AT": "2"})
    assert result.exit_code == 1 and result.stderr.startswith("Error: "), result.stderr
    assert live_state(account) == before
    applied = sk("apply", saved, "-f", sweep.config, "--local", "--local-dir", account, "--yes")
    assert applied.exit_code == 0, applied.stderr
    assert live_state(account) == sweep.clean_state
