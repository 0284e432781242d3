"""Structural checks (`sharekit.checks.structural`) as `plan` and `check` run them on the local account.

- a missing LastUpdated is looked up in the live columns of the view's sources: the message says
  which column to add and how to write it, also when only a quoted, differently-cased one exists;
- a live view's column type is not trusted when the plan replaces that view, so a config that
  fixes LastUpdated's type is not blocked by the type the old view still has.
"""

from __future__ import annotations

import textwrap

import pytest

from sharekit.api import make_plan, run_plan
from sharekit.checks.structural import config_checks, structural_checks
from sharekit.config import parse_config
from sharekit.state.introspect import introspect
from sharekit.local import open_local_account
from sharekit.sql.templates import get_templates

T = get_templates()

HEAD = """
version: 1
share:
  name: OPTIMOVE_SHARE
  database: OPTIMOVE_SHARE_DB
  consumers:
    - account: OPTIMOVE.EU_PROD
views:
"""
SOURCE_SQL = """
CREATE DATABASE RAW;
CREATE SCHEMA RAW.S;
CREATE TABLE RAW.S.ORDERS (ORDER_ID NUMBER(10,0), LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO RAW.S.ORDERS VALUES (1, DATEADD(minute, -5, SYSDATE()));
CREATE TABLE RAW.S.EVENTS (EVENT_ID NUMBER(10,0), "LastUpdated" TIMESTAMP_NTZ);
INSERT INTO RAW.S.EVENTS VALUES (1, DATEADD(minute, -5, SYSDATE()));
"""


@pytest.fixture
def account(tmp_path, monkeypatch):
    monkeypatch.delenv("SHAREKIT_LOCAL_LATENCY_MS", raising=False)
    monkeypatch.delenv("SHAREKIT_LOCAL_FAIL_AT", raising=False)
    with open_local_account(tmp_path / "account") as acct:
        acct.run_script(SOURCE_SQL)
        yield acct


def apply_config(cfg, account) -> None:
    plan = make_plan(cfg, account, T)
    if plan.blocking:
        plan = make_plan(cfg, account, T, [f.id for f in plan.blocking])
    assert run_plan(account, plan).ok


def config(views: str):
    return parse_config(HEAD + textwrap.dedent(views), "sharekit.yml")


def by_id(findings, check_id):
    return [f for f in findings if f.id == check_id]


def test_missing_last_updated_names_the_quoted_source_column(account):
    cfg = config("""
      - name: EVENTS
        from: RAW.S.EVENTS
        columns: [EVENT_ID]
    """)
    plan = make_plan(cfg, account, T)
    [finding] = by_id(plan.checks, "last_updated.missing")
    assert finding.severity == "error" and plan.blocking == (finding,)
    assert finding.message == (
        "(sharekit.yml:10) a transactional view must carry its last_updated column LASTUPDATED: Optimove's "
        "ETL reads it incrementally; RAW.S.EVENTS has \"LastUpdated\", which differs only in case: add "
        "{name: LASTUPDATED, from: '\"LastUpdated\"'} to `columns:` (consumers then need no quotes)"
    )


def test_the_suggested_fix_passes(account):
    cfg = config("""
      - name: EVENTS
        from: RAW.S.EVENTS
        columns:
          - EVENT_ID
          - {name: LASTUPDATED, from: '"LastUpdated"'}
    """)
    plan = make_plan(cfg, account, T)
    assert plan.checks == ()
    assert run_plan(account, plan).ok
    assert make_plan(cfg, account, T).checks == ()


def test_missing_last_updated_in_a_query_view_says_how_to_select_it(account):
    cfg = config("""
      - name: EVENTS
        kind: fact
        query: SELECT e.EVENT_ID FROM RAW.S.EVENTS AS e
    """)
    plan = make_plan(cfg, account, T)
    [finding] = by_id(plan.checks, "last_updated.missing")
    assert finding.message.endswith(
        'RAW.S.EVENTS has "LastUpdated": select it in the query as "LastUpdated" AS LASTUPDATED'
    )


def test_without_metadata_the_message_stays_generic():
    cfg = config("""
      - name: EVENTS
        from: RAW.S.EVENTS
        columns: [EVENT_ID]
    """)
    [finding] = config_checks(cfg)
    assert finding.message.endswith("; add it to `columns:` (or the query), or set `last_updated:` on the view")


def test_a_renamed_column_missing_in_the_source_keeps_its_shared_name(account):
    cfg = config("""
      - name: EVENTS
        from: RAW.S.EVENTS
        columns:
          - EVENT_ID
          - {name: CHANGED_AT, from: LASTUPDATED}
        last_updated: CHANGED_AT
    """)
    plan = make_plan(cfg, account, T)
    [finding] = by_id(plan.checks, "column.missing")
    assert finding.message.endswith(
        "write {name: CHANGED_AT, from: '\"LastUpdated\"'} in `columns:` to read it and keep the shared name"
    )


def test_fixing_last_updated_type_is_not_blocked_by_the_live_view(account):
    text_type = config("""
      - name: ORDERS
        from: RAW.S.ORDERS
        columns:
          - ORDER_ID
          - {name: LASTUPDATED, expr: TO_VARCHAR(LASTUPDATED)}
    """)
    fixed = config("""
      - name: ORDERS
        from: RAW.S.ORDERS
        columns:
          - ORDER_ID
          - {name: LASTUPDATED, expr: TO_TIMESTAMP_NTZ(TO_VARCHAR(LASTUPDATED))}
    """)
    apply_config(text_type, account)  # the live view's LASTUPDATED is TEXT now
    assert [f.id for f in make_plan(text_type, account, T).blocking] == ["last_updated.type"]
    actual = introspect(account, fixed, T)
    # without knowing the plan replaces the view, its live type is what the checks see
    assert [f.id for f in structural_checks(fixed, actual)] == ["last_updated.type"]
    plan = make_plan(fixed, account, T)
    assert plan.checks == () and [c.action for c in plan.changes] == ["replace"]
    assert run_plan(account, plan).ok
    after = make_plan(fixed, account, T)
    assert after.checks == () and not after.has_changes
