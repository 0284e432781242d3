"""Apply in batches (several statements of a stage in one request) and SHOW VIEWS past the row
cap of a SHOW: fewer round-trips, the same account, and a report that stays exact.

The fault sweep (test_reliability_faults.py) runs with batching on, as apply's default; here:
what a batch costs and sends, what the report says when a batch fails without naming its
statement, and introspection that pages a database whose SHOW VIEWS the account refuses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from snowflake.connector.errors import ProgrammingError

from sharekit.api import make_plan, open_session, run_plan
from sharekit.config import load_config
from sharekit.connect.session import BatchFailed, GuardedSession, batch_executor
from sharekit.local import open_local_account
from sharekit.local import show as local_show
from sharekit.plan.apply import DEFAULT_BATCH_SIZE, batches
from sharekit.plan.definition import Change
from sharekit.sql.templates import Templates
from sharekit.state import paging

SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER, CUSTOMER_ID NUMBER, LASTUPDATED TIMESTAMP_NTZ);
"""


def write(tmp_path: Path, views: int, schemas: tuple[str, ...] = ("OPTIMOVE",)) -> Path:
    (tmp_path / "seed.sql").write_text(SEED)
    lines = ["version: 1", "share:", "  name: SK_SHARE", "  database: SK_DB", "  consumers:",
             "    - account: OPTIMOVE.EU_PROD", "local:", "  seed: seed.sql", "views:"]
    for i in range(views):
        lines += [f"  - name: ORDERS_{i:02d}", f"    schema: {schemas[i % len(schemas)]}",
                  "    from: RAW.SALES.ORDERS", "    columns: [ORDER_ID, CUSTOMER_ID, LASTUPDATED]",
                  f"    where: CUSTOMER_ID = {i}"]
    path = tmp_path / "sharekit.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(autouse=True)
def _no_faults(monkeypatch):
    monkeypatch.delenv("SHAREKIT_LOCAL_LATENCY_MS", raising=False)
    monkeypatch.delenv("SHAREKIT_LOCAL_FAIL_AT", raising=False)


def applied(tmp_path: Path, views: int, batch_size: int, workers: int = 8):
    config = load_config(write(tmp_path, views))
    session = open_session(local=True, local_dir=tmp_path / "acct", config=config)
    plan = make_plan(config, session, Templates())
    before = session.round_trips
    result = run_plan(session, plan, workers=workers, batch_size=batch_size)
    return config, session, plan, result, session.round_trips - before


def test_a_batched_apply_sends_a_stage_in_a_few_requests_and_converges(tmp_path):
    config, session, plan, result, requests = applied(tmp_path, views=30, batch_size=DEFAULT_BATCH_SIZE, workers=1)
    try:
        assert result.ok and len(result.done) == len(plan.changes) > 2 * 30
        assert requests == len([stage for stage in plan.stages if stage.changes])  # one request a stage
        assert not make_plan(config, session, Templates()).has_changes
    finally:
        session.close()


def test_batch_size_one_sends_one_statement_a_request(tmp_path):
    _, session, plan, result, requests = applied(tmp_path, views=5, batch_size=1)
    session.close()
    assert result.ok and requests == len(plan.changes)


def test_batches_keep_plan_order_and_give_every_worker_a_batch():
    changes = tuple(Change("create", "view", f"V{i}", f"SELECT {i};") for i in range(10))
    assert [len(b) for b in batches(changes, 4, 1, parallel=False)] == [4, 4, 2]
    assert [len(b) for b in batches(changes, 50, 4, parallel=True)] == [3, 3, 3, 1]
    assert [len(b) for b in batches(changes, 1, 8, parallel=True)] == [1] * 10
    assert [c for b in batches(changes, 3, 2, parallel=True) for c in b] == list(changes)


def test_a_put_or_get_is_sent_on_its_own():
    """The connector cannot run PUT or GET in a multi-statement request."""
    changes = (Change("create", "stage", "S", "CREATE STAGE S;"),
               Change("create", "file", "F", "PUT file:///tmp/x.zip @S AUTO_COMPRESS = FALSE;"),
               Change("create", "procedure", "P", "CREATE PROCEDURE P() …;"),
               Change("create", "task", "T", "CREATE TASK T …;"))
    assert [[c.object for c in b] for b in batches(changes, 50, 1, parallel=False)] == [["S"], ["F"], ["P", "T"]]


def test_a_recording_or_a_session_that_cannot_batch_sends_one_statement_a_request(tmp_path):
    from sharekit.connect.record import RecordingSession

    account = open_local_account(tmp_path / "acct")
    try:
        assert batch_executor(GuardedSession(account)) is not None
        recording = RecordingSession(GuardedSession(account), tmp_path / "rec.jsonl", {})
        assert batch_executor(recording) is None  # each statement must be recorded on its own
        assert batch_executor(GuardedSession(recording)) is None
    finally:
        account.close()


def test_a_failed_batch_names_the_statement_it_stopped_at(tmp_path):
    account = open_local_account(tmp_path / "acct")
    try:
        account.execute("CREATE DATABASE D")
        with pytest.raises(BatchFailed) as info:
            account.execute_batch(["CREATE SCHEMA D.A", "CREATE SCHEMA NOPE.B", "CREATE SCHEMA D.C"])
        assert info.value.completed == 1 and "NOPE" in str(info.value)
        names = {r["name"] for r in account.query("SHOW SCHEMAS IN DATABASE D")}
        assert "A" in names and "C" not in names  # stopped there: the rest did not run
    finally:
        account.close()


class _Unnamed:
    """The local account behind a connection whose failed batch cannot say where it stopped."""

    def __init__(self, inner):
        self.inner = inner

    @property
    def round_trips(self):
        return self.inner.round_trips

    def query(self, sql):
        return self.inner.query(sql)

    def execute(self, sql):
        self.inner.execute(sql)

    def execute_batch(self, sqls):
        try:
            self.inner.execute_batch(sqls)
        except BatchFailed as failure:
            raise BatchFailed(None, failure.error) from failure.error

    def close(self):
        self.inner.close()


def test_a_batch_that_fails_unnamed_is_reported_unknown_and_a_plan_shows_what_is_left(tmp_path):
    config = load_config(write(tmp_path, views=12))
    inner = open_session(local=True, local_dir=tmp_path / "acct", config=config)
    account = inner.inner  # the LocalAccount behind the GuardedSession
    session = _Unnamed(inner)
    try:
        plan = make_plan(config, session, Templates())
        views = next(stage for stage in plan.stages if stage.name == "views")
        k = 4  # the connection drops at the 4th view (after CREATE DATABASE and CREATE SCHEMA)
        account._fail_at = account._statements + 2 + k
        result = run_plan(session, plan, workers=1, batch_size=50)
        account._fail_at = None
        assert not result.ok and not result.failed
        assert [change for change, _ in result.unknown] == list(views.changes)
        assert all("simulated dropped connection" in message for _, message in result.unknown)
        left = {(c.action, c.object) for c in make_plan(config, session, Templates()).changes}
        landed = {(c.action, c.object) for c in views.changes[: k - 1]}
        unknown = {(c.action, c.object) for c, _ in result.unknown}
        assert left == (unknown - landed) | {(c.action, c.object) for c in result.not_started}
    finally:
        session.close()


def test_the_apply_report_lists_unknown_changes_and_says_to_re_plan(capsys):
    from sharekit.cli import plan as cli_plan
    from sharekit.plan.apply import ApplyResult

    done = Change("create", "schema", "SK_DB.OPTIMOVE", "CREATE SCHEMA …;")
    sent = Change("create", "view", "SK_DB.OPTIMOVE.ORDERS_00", "CREATE VIEW …;")
    cli_plan._report_unfinished(ApplyResult(done=[done], unknown=[(sent, "connection dropped")]), None)
    err = capsys.readouterr().err
    assert "apply stopped at the first failure: 1 done, 0 failed, 0 not started, 1 unknown (re-plan to see)." in err
    assert "  unknown     create SK_DB.OPTIMOVE.ORDERS_00: connection dropped" in err


def test_the_local_account_refuses_a_show_past_its_row_cap_and_pages_with_limit_from(tmp_path, monkeypatch):
    monkeypatch.setattr(local_show, "SHOW_MAX_ROWS", 3)
    account = open_local_account(tmp_path / "acct")
    try:
        account.execute("CREATE DATABASE D")
        account.execute("CREATE SCHEMA D.S")
        account.execute("CREATE TABLE D.S.T (A NUMBER)")
        for name in "ABCDE":
            account.execute(f"CREATE VIEW D.S.{name} AS SELECT A FROM D.S.T")
        with pytest.raises(ProgrammingError, match=r"exceeded the max number of rows\(3\) supported for SHOW"):
            account.query("SHOW VIEWS IN DATABASE D")
        first = [r["name"] for r in account.query("SHOW VIEWS IN SCHEMA D.S LIMIT 3")]
        rest = [r["name"] for r in account.query("SHOW VIEWS IN SCHEMA D.S LIMIT 3 FROM 'C'")]
        assert (first, rest) == (["A", "B", "C"], ["D", "E"])
    finally:
        account.close()


def test_introspection_pages_views_past_the_cap_schema_by_schema(tmp_path, monkeypatch):
    config = load_config(write(tmp_path, views=12, schemas=("AA", "BB")))  # 6 views a schema
    session = open_session(local=True, local_dir=tmp_path / "acct", config=config)
    try:
        assert run_plan(session, make_plan(config, session, Templates())).ok
        unpaged = make_plan(config, session, Templates())
        monkeypatch.setattr(local_show, "SHOW_MAX_ROWS", 5)
        monkeypatch.setattr(paging, "SHOW_MAX_ROWS", 5)
        paged = make_plan(config, session, Templates())
        assert not paged.has_changes and paged.state_fingerprint == unpaged.state_fingerprint
        # after the refused SHOW VIEWS IN DATABASE: SHOW SCHEMAS, then AA and BB in two pages
        # each (5 views, then the one after), INFORMATION_SCHEMA and PUBLIC in one (empty)
        assert paged.stats["queries"] == unpaged.stats["queries"] + 1 + 2 + 2 + 1 + 1
    finally:
        session.close()
