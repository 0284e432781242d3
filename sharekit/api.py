"""The library surface the CLI is a thin layer over: validate, open a session, make a plan,
verify a saved one, apply it.

>>> from sharekit.api import open_session, make_plan   # doctest: +SKIP
>>> session = open_session(local=True)                   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

from sharekit.checks.findings import Finding, apply_skips, blocking
from sharekit.checks.structural import config_checks, structural_checks
from sharekit.config.model import Config
from sharekit.connect.session import GuardedSession, Session
from sharekit.errors import CheckError, PlanError, SharekitError
from sharekit.output.common import plural
from sharekit.plan.apply import DEFAULT_BATCH_SIZE, DEFAULT_WORKERS, ApplyResult, apply_plan
from sharekit.plan.builder import build_plan, fingerprint
from sharekit.plan.definition import Plan, first_difference, plan_from_json
from sharekit.plan.diff import ViewKey
from sharekit.sql.templates import Templates
from sharekit.state.desired import desired_state
from sharekit.state.introspect import introspect
from sharekit.version import __version__


def validate(config: Config, t: Templates, skip_checks: Iterable[str] = ()) -> tuple[Finding, ...]:
    """Offline: the templates are sound, every statement renders, and no config check blocks.
    Returns the findings left (warnings); raises for broken templates or a blocking check."""
    from sharekit.output.sqlfiles import render_files

    problems = t.check_all()
    if problems:
        raise SharekitError("templates are broken:\n  " + "\n  ".join(problems))
    render_files(config, t)
    findings = apply_skips(config_checks(config), tuple(skip_checks))
    if blocking(findings):
        raise CheckError(blocking_message(blocking(findings)))
    return findings


def open_session(
    connection: str | None = None,
    local: bool = False,
    local_dir: str | Path | None = None,
    config: Config | None = None,
    warn: Callable[[str], None] | None = None,
    record: str | Path | None = None,
    replay: str | Path | None = None,
    header: dict[str, Any] | None = None,
) -> Session:
    """The embedded local account (`local=True`) or a Snowflake connection by `snow` CLI name;
    connector errors leave it as SharekitErrors.

    `record=FILE` also writes every round-trip to FILE (`sharekit.connect.record`; `header` adds
    to its first line, e.g. the command); `replay=FILE` answers from such a file and opens no
    account, so it goes with neither `local` nor `connection`."""
    if replay is not None:
        if local or connection:
            raise SharekitError("--replay answers from the recording and connects to no account: "
                                "pass it without --local and -c/--connection")
        if record is not None:
            raise SharekitError("pass either --record or --replay, not both")
        from sharekit.connect.record import ReplaySession

        return ReplaySession(replay)
    if local:
        from sharekit.local import open_local_account

        inner: Any = open_local_account(local_dir, seed=config.seed if config else None)
    else:
        from sharekit.connect.snowflake import connect

        inner = connect(connection, warn)
    session: Session = GuardedSession(inner)
    if record is None:
        return session
    from sharekit.connect.record import RecordingSession

    try:
        return RecordingSession(session, record, dict(header or {}),
                                sensitive=tuple(getattr(inner, "sensitive", ())))
    except BaseException:
        session.close()
        raise


def make_plan(config: Config, session: Session, t: Templates, skip_checks: Iterable[str] = ()) -> Plan:
    """Introspect the account, diff it with the config and run the structural checks;
    stats say what reading the account cost."""
    before, started = session.round_trips, time.perf_counter()
    actual = introspect(session, config, t)
    stats = {"queries": session.round_trips - before, "seconds": round(time.perf_counter() - started, 3)}
    desired = desired_state(config, t, actual.region)
    plan = build_plan(config, desired, actual, t, stats)
    skipped = tuple(sorted(set(skip_checks)))
    changed = [cast(ViewKey, c.target) for c in plan.changes if c.object_type == "view"]
    findings = apply_skips((*plan.checks, *structural_checks(config, actual, changed)), skipped)
    return dataclasses.replace(plan, checks=findings, skipped_checks=skipped,
                               config_fingerprint=fingerprint(desired), sharekit_version=__version__)


def check_fresh(config: Config, session: Session, t: Templates, saved: Plan) -> Plan:
    """A saved plan is input to verify, not code to trust: it applies only when a fresh plan of
    the same config and account makes exactly its changes (Terraform's stale plan, and more).
    Returns the fresh plan, which is what runs."""
    if saved.share != config.share.name:
        raise PlanError(f"the saved plan is for share {saved.share}, the config declares {config.share.name}")
    fresh = make_plan(config, session, t, saved.skipped_checks)
    if fresh.state_fingerprint != saved.state_fingerprint:
        raise PlanError(
            "the saved plan is stale: the account changed since it was made "
            f"(planned from {saved.state_fingerprint[:19]}…, now {fresh.state_fingerprint[:19]}…); "
            "run `sharekit plan --out` again"
        )
    if saved.config_fingerprint and saved.config_fingerprint != fresh.config_fingerprint:
        raise PlanError("the saved plan was made from another version of the config (or other --var values); "
                        "run `sharekit plan --out` again with this config")
    difference = first_difference(saved, fresh)
    if difference is not None:
        raise PlanError(f"the saved plan is not what sharekit plans for this config and account: {difference}. "
                        "Someone edited the file, or another sharekit version made it"
                        f"{f' ({saved.sharekit_version})' if saved.sharekit_version else ''}; "
                        "run `sharekit plan --out` again")
    return fresh


def read_plan(path: Path) -> Plan:
    """A plan saved by `plan --out`, parsed and validated (still to verify with check_fresh)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SharekitError(f"cannot read plan {path}: {error}") from None
    return plan_from_json(data, str(path))


def refuse_unsafe(plan: Plan, allow_destroy: bool = False) -> None:
    """Blocking checks refuse a plan; destructive changes need `allow_destroy`."""
    if plan.blocking:
        raise CheckError(blocking_message(plan.blocking))
    if plan.destructive and not allow_destroy:
        listed = "\n  ".join(f"{c.action} {c.object}" for c in plan.destructive)
        raise PlanError(f"the plan has {plural(len(plan.destructive), 'destructive change')}, "
                        f"refused without --allow-destroy:\n  {listed}")


def write_local_files(config: Config, plan: Plan) -> None:
    """The files a plan's statements read from this machine, written just before apply runs them
    (never by plan, render or validate): the monitor's or the export's code archive, for its PUT."""
    puts = any(change.sql.lstrip().upper().startswith("PUT ") for change in plan.changes)
    if puts and (config.monitor or config.export) is not None:
        from sharekit.monitor.package import build_archive, write_archive

        write_archive(config, build_archive(config))


def run_plan(session: Session, plan: Plan, allow_destroy: bool = False, workers: int = DEFAULT_WORKERS,
             on_done: Callable | None = None, stop: threading.Event | None = None,
             batch_size: int = DEFAULT_BATCH_SIZE) -> ApplyResult:
    """Apply a plan once `refuse_unsafe` lets it; setting `stop` starts nothing more."""
    refuse_unsafe(plan, allow_destroy)
    return apply_plan(session, plan, workers, on_done, stop, batch_size)


def blocking_message(findings: Iterable[Finding]) -> str:
    findings = list(findings)
    lines = "\n  ".join(f"{f.id} {f.object}: {f.message}" for f in findings)
    return (f"{plural(len(findings), 'blocking check')} failed:\n  {lines}\n"
            "Fix them, or waive one with --skip-check ID if you are sure.")
