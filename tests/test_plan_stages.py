"""Stage order and diff rules of build_plan, without any account (SQLMesh's test_plan_stages)."""

from __future__ import annotations

import dataclasses

import pytest

from sharekit.config import parse_config
from sharekit.state.desired import desired_state
from sharekit.errors import PlanError
from sharekit.state.model import EMPTY, AccountState, Grant, ShareState
from sharekit.plan.builder import build_plan
from sharekit.sql.templates import Templates

T = Templates()
CONFIG = """\
version: 1
share:
  name: S
  database: DB
  consumers: [{consumers}]
  prune: {prune}
views:
  - {{name: V1, from: RAW.X.T, kind: dimension, columns: [A, LASTUPDATED]}}
  - {{name: V2, from: OTHER.X.T, kind: dimension, columns: [A, LASTUPDATED]}}
"""


def config(prune=False, consumers="ORG.A"):
    return parse_config(CONFIG.format(prune=str(prune).lower(), consumers=consumers))


def test_plan_from_empty_runs_views_before_grants_and_consumers_last():
    cfg = config(consumers=", ".join(f"ORG.A{i:02d}" for i in range(12)))
    plan = build_plan(cfg, desired_state(cfg, T), EMPTY, T)
    assert [s.name for s in plan.stages] == [
        "create databases", "create schemas", "views", "share", "grant database USAGE",
        "grant schema USAGE", "grant REFERENCE_USAGE", "grant SELECT", "add consumers"]
    assert [c.object for c in plan.stages[6].changes] == ["REFERENCE_USAGE on DATABASE OTHER",
                                                           "REFERENCE_USAGE on DATABASE RAW"]
    assert [len(c.object.split(", ")) for c in plan.stages[-1].changes] == [10, 2]
    assert not plan.destructive


def live_with_extras(cfg) -> AccountState:
    desired = desired_state(cfg, T)
    extra = frozenset({Grant("SELECT", "TABLE", ("DB", "OPTIMOVE", "RAW_COPY")),
                       Grant("USAGE", "DATABASE_ROLE", ("DB", "READER"))})
    share = dataclasses.replace(desired.share, grants=desired.share.grants | extra,
                                accounts=desired.share.accounts | {"ORG.STRANGER"})
    return dataclasses.replace(desired, share=share)


def test_extras_are_unmanaged_without_prune():
    cfg = config()
    plan = build_plan(cfg, desired_state(cfg, T), live_with_extras(cfg), T)
    assert plan.stages == ()
    assert plan.unmanaged == ("grant SELECT on TABLE DB.OPTIMOVE.RAW_COPY",
                              "grant USAGE on DATABASE ROLE DB.READER", "consumer ORG.STRANGER")


def test_prune_removes_consumers_first_and_never_revokes_database_roles():
    cfg = config(prune=True)
    plan = build_plan(cfg, desired_state(cfg, T), live_with_extras(cfg), T)
    assert [s.name for s in plan.stages][:2] == ["remove consumers", "revoke object grants"]
    assert plan.stages[0].changes[0].sql == "ALTER SHARE S REMOVE ACCOUNTS = ORG.STRANGER;"
    assert plan.stages[1].changes[0].sql == "REVOKE SELECT ON TABLE DB.OPTIMOVE.RAW_COPY FROM SHARE S;"
    assert all(c.destructive for s in plan.stages[:2] for c in s.changes)
    assert plan.unmanaged == ("grant USAGE on DATABASE ROLE DB.READER",)


def test_a_share_on_another_database_needs_prune_to_move():
    cfg = config()
    live = AccountState(share=ShareState("S", None, "OLD_DB", frozenset(), frozenset()),
                        databases=frozenset(), schemas=frozenset())
    with pytest.raises(PlanError, match='already uses database OLD_DB'):
        build_plan(cfg, desired_state(cfg, T), live, T)


def test_share_comment_change_is_an_alter():
    cfg = config()
    desired = desired_state(cfg, T)
    live = dataclasses.replace(desired, share=dataclasses.replace(desired.share, comment="old"))
    plan = build_plan(cfg, desired, live, T)
    share_stage = next(s for s in plan.stages if s.name == "share")
    assert share_stage.changes[0].sql == "ALTER SHARE S UNSET COMMENT;"


def test_saved_plan_round_trips_exactly(tmp_path):
    """A saved plan is lossless: every change (with its target), check, skip and stat survives."""
    import json

    from sharekit.checks.findings import Finding
    from sharekit.plan.definition import Change, Plan, Stage, plan_from_json, plan_to_json

    plan = Plan(
        share="S",
        stages=(Stage("views", (Change("replace", "view", "DB.S.V", "CREATE …;", breaking=True, reason="r",
                                       diff="-a\n+b", target=("DB", "S", "V")),), parallel=True),
                Stage("share", (Change("create", "share", "S", "CREATE SHARE S;"),))),
        state_fingerprint="sha256:0",
        unmanaged=("consumer ORG.X",),
        checks=(Finding("last_updated.type", "warning", "DB.S.V", "m"),),
        skipped_checks=("source.missing",),
        stats={"queries": 3, "seconds": 0.25},
    )
    assert plan_from_json(json.loads(json.dumps(plan_to_json(plan))), "p.json") == plan
