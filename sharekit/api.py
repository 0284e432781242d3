"""The library surface the CLI is a thin layer over: open a session, make a plan, apply it.

>>> from sharekit.api import open_session, make_plan   # doctest: +SKIP
>>> session = open_session(local=True)                   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Callable, Iterable, cast

from sharekit.plan.apply import DEFAULT_WORKERS, ApplyResult, apply_plan
from sharekit.checks.structural import apply_skips, structural_checks
from sharekit.config.load import Config
from sharekit.state.desired import desired_state
from sharekit.errors import CheckError, PlanError
from sharekit.state.introspect import introspect
from sharekit.plan.builder import build_plan, fingerprint
from sharekit.plan.definition import Plan
from sharekit.plan.diff import ViewKey
from sharekit.connect.session import GuardedSession, Session
from sharekit.sql.templates import Templates


def open_session(
    connection: str | None = None,
    local: bool = False,
    local_dir: str | Path | None = None,
    config: Config | None = None,
    warn: Callable[[str], None] | None = None,
) -> Session:
    """The embedded local account (`local=True`) or a Snowflake connection by `snow` CLI name;
    connector errors leave it as SharekitErrors."""
    if local:
        from sharekit.local import open_local_account

        return GuardedSession(open_local_account(local_dir, seed=config.seed if config else None))
    from sharekit.connect.snowflake import connect

    return GuardedSession(connect(connection, warn))


def make_plan(config: Config, session: Session, t: Templates, skip_checks: Iterable[str] = ()) -> Plan:
    """Introspect the account, diff it with the config and run the structural checks;
    stats say what reading the account cost."""
    before, started = session.round_trips, time.perf_counter()
    actual = introspect(session, config, t)
    stats = {"queries": session.round_trips - before, "seconds": round(time.perf_counter() - started, 3)}
    plan = build_plan(config, desired_state(config, t), actual, t, stats)
    skipped = tuple(sorted(set(skip_checks)))
    changed = [cast(ViewKey, c.target) for c in plan.changes if c.object_type == "view"]
    findings = apply_skips(structural_checks(config, actual, changed), skipped)
    return dataclasses.replace(plan, checks=findings, skipped_checks=skipped)


def check_fresh(config: Config, session: Session, t: Templates, saved: Plan) -> None:
    """Refuse a saved plan made from another state of the account (Terraform's stale plan)."""
    if saved.share != config.share.name:
        raise PlanError(f"the saved plan is for share {saved.share}, the config declares {config.share.name}")
    current = fingerprint(introspect(session, config, t))
    if current != saved.state_fingerprint:
        raise PlanError(
            "the saved plan is stale: the account changed since it was made "
            f"(planned from {saved.state_fingerprint[:19]}…, now {current[:19]}…); run `sharekit plan --out` again"
        )


def run_plan(session: Session, plan: Plan, allow_destroy: bool = False, workers: int = DEFAULT_WORKERS,
             on_done: Callable | None = None) -> ApplyResult:
    """Apply a plan; blocking checks refuse it, destructive changes need `allow_destroy`."""
    if plan.blocking:
        raise CheckError(blocking_message(plan.blocking))
    if plan.destructive and not allow_destroy:
        listed = "\n  ".join(f"{c.action} {c.object}" for c in plan.destructive)
        raise PlanError(
            f"the plan has {len(plan.destructive)} destructive change(s), refused without --allow-destroy:\n  {listed}"
        )
    return apply_plan(session, plan, workers, on_done)


def blocking_message(findings: Iterable) -> str:
    findings = list(findings)
    lines = "\n  ".join(f"{f.id} {f.object}: {f.message}" for f in findings)
    return (f"{len(findings)} blocking check(s) failed:\n  {lines}\n"
            "Fix them, or waive one with --skip-check ID if you are sure.")
