"""Run a Plan's stages in order; statements of a parallel stage run on a thread pool.

The first failure stops the run: statements already sent finish, nothing new starts, and the
result names what was done, what failed and what was not started. Every statement is
idempotent against the state it was planned from, so a fresh plan shows exactly what is left.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sharekit.connect.session import Session
from sharekit.plan.definition import Change, Plan, Stage

DEFAULT_WORKERS = 8


@dataclass
class ApplyResult:
    done: list[Change] = field(default_factory=list)
    failed: list[tuple[Change, str]] = field(default_factory=list)
    not_started: list[Change] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_started


def _error_text(error: BaseException) -> str:
    return str(getattr(error, "msg", None) or error).strip() or type(error).__name__


def apply_plan(
    session: Session,
    plan: Plan,
    workers: int = DEFAULT_WORKERS,
    on_done: Callable[[Change], None] | None = None,
    stop: threading.Event | None = None,
) -> ApplyResult:
    """Execute the plan; never raises for a failed statement (see ApplyResult). Setting `stop`
    (a signal handler does) lets the statements in flight finish and starts no more."""
    result = ApplyResult()
    lock = threading.Lock()
    stop = stop or threading.Event()

    def run(change: Change) -> None:
        if stop.is_set():
            with lock:
                result.not_started.append(change)
            return
        try:
            session.execute(change.sql)
        except Exception as error:  # noqa: BLE001 - any failure stops the apply and is reported
            stop.set()
            with lock:
                result.failed.append((change, _error_text(error)))
            return
        with lock:
            result.done.append(change)
        if on_done:
            on_done(change)

    for stage in plan.stages:
        if stop.is_set():
            result.not_started.extend(stage.changes)
            continue
        _run_stage(stage, run, workers)
    order = {id(change): index for index, change in enumerate(plan.changes)}
    result.done.sort(key=lambda change: order[id(change)])
    result.not_started.sort(key=lambda change: order[id(change)])
    return result


def _run_stage(stage: Stage, run: Callable[[Change], None], workers: int) -> None:
    if stage.parallel and workers > 1 and len(stage.changes) > 1:
        with ThreadPoolExecutor(max_workers=min(workers, len(stage.changes))) as pool:
            list(pool.map(run, stage.changes))
    else:
        for change in stage.changes:
            run(change)
