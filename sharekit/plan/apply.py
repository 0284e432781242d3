"""Run a Plan's stages in order; statements of a parallel stage run on a thread pool.

The first failure stops the run: statements already sent finish, nothing new starts, and the
result names what was done, what failed and what was not started. Every statement is
idempotent against the state it was planned from, so a fresh plan shows exactly what is left.

Where the session can send several statements in one request (`execute_batch`), a stage's
statements go `batch_size` a request, in plan order, spread over the workers in a parallel
stage: 1000 views take tens of round-trips, not thousands. A failed batch says how many of its
statements completed, so the report stays exact; when it cannot say (a real connection, whose
multi-statement error does not name the statement), its statements are reported `unknown`, and
a fresh plan shows which of them are still to do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sharekit.connect.session import BatchFailed, Session, batch_executor
from sharekit.plan.definition import Change, Plan, Stage

DEFAULT_WORKERS = 8
# Statements a request: a few KB of DDL each, so a request stays far below the 1 MB Snowflake
# recommends for a statement, and a parallel stage of 1000 views makes 20 requests.
DEFAULT_BATCH_SIZE = 50

Batch = tuple[Change, ...]


@dataclass
class ApplyResult:
    done: list[Change] = field(default_factory=list)
    failed: list[tuple[Change, str]] = field(default_factory=list)
    not_started: list[Change] = field(default_factory=list)
    unknown: list[tuple[Change, str]] = field(default_factory=list)  # sent in a batch that failed unnamed

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_started and not self.unknown


def _error_text(error: BaseException) -> str:
    return str(getattr(error, "msg", None) or error).strip() or type(error).__name__


def apply_plan(
    session: Session,
    plan: Plan,
    workers: int = DEFAULT_WORKERS,
    on_done: Callable[[Change], None] | None = None,
    stop: threading.Event | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ApplyResult:
    """Execute the plan; never raises for a failed statement (see ApplyResult). Setting `stop`
    (a signal handler does) lets the statements in flight finish and starts no more.
    `batch_size` 1, or a session that cannot batch, sends one statement a request."""
    result = ApplyResult()
    lock = threading.Lock()
    stop = stop or threading.Event()
    send_batch = batch_executor(session) if batch_size > 1 else None

    def finished(changes: Batch) -> None:
        with lock:
            result.done.extend(changes)
        if on_done:
            for change in changes:
                on_done(change)

    def run(batch: Batch) -> None:
        if stop.is_set():
            with lock:
                result.not_started.extend(batch)
            return
        try:
            if send_batch is not None and len(batch) > 1:
                send_batch([change.sql for change in batch])
            else:
                session.execute(batch[0].sql)
        except BatchFailed as failure:
            stop.set()
            _failed_batch(result, lock, batch, failure, finished)
            return
        except Exception as error:  # noqa: BLE001 - any failure stops the apply and is reported
            stop.set()
            if len(batch) > 1:  # a batch that failed without saying where
                _failed_batch(result, lock, batch, BatchFailed(None, error), finished)
            else:
                with lock:
                    result.failed.append((batch[0], _error_text(error)))
            return
        finished(batch)

    for stage in plan.stages:
        if stop.is_set():
            result.not_started.extend(stage.changes)
            continue
        _run_stage(stage, run, workers, batch_size if send_batch is not None else 1)
    order = {id(change): index for index, change in enumerate(plan.changes)}
    for listed in (result.done, result.not_started):
        listed.sort(key=lambda change: order[id(change)])
    for pairs in (result.failed, result.unknown):
        pairs.sort(key=lambda pair: order[id(pair[0])])
    return result


def _failed_batch(result: ApplyResult, lock: threading.Lock, batch: Batch, failure: BatchFailed,
                  finished: Callable[[Batch], None]) -> None:
    message = _error_text(failure.error)
    if failure.completed is None or not 0 <= failure.completed < len(batch):
        with lock:
            result.unknown.extend((change, message) for change in batch)
        return
    finished(batch[: failure.completed])
    with lock:
        result.failed.append((batch[failure.completed], message))
        result.not_started.extend(batch[failure.completed + 1 :])


def alone(change: Change) -> bool:
    """PUT and GET cannot run in a multi-statement request (reference §5): sent on their own."""
    return change.sql.lstrip()[:4].upper() in ("PUT ", "GET ")


def batches(changes: tuple[Change, ...], size: int, workers: int, parallel: bool) -> list[Batch]:
    """The stage's changes in plan order, at most `size` a batch; a parallel stage is cut into
    at least one batch per worker (while there are statements enough), so batching never
    leaves a worker idle that one-statement requests would have used. A PUT or GET is a batch
    of its own, between the batches of the statements before and after it."""
    if size > 1 and any(alone(change) for change in changes):
        out: list[Batch] = []
        run: list[Change] = []
        for change in (*changes, None):
            if change is None or alone(change):
                out += batches(tuple(run), size, workers, parallel)
                out += [(change,)] if change is not None else []
                run = []
            else:
                run.append(change)
        return out
    if not changes:
        return []
    count = -(-len(changes) // max(1, size))
    if parallel:
        count = max(count, min(workers, len(changes)))
    per = -(-len(changes) // count)
    return [changes[i : i + per] for i in range(0, len(changes), per)]


def _run_stage(stage: Stage, run: Callable[[Batch], None], workers: int, batch_size: int) -> None:
    parallel = stage.parallel and workers > 1
    groups = batches(stage.changes, batch_size, workers, parallel)
    if parallel and len(groups) > 1:
        with ThreadPoolExecutor(max_workers=min(workers, len(groups))) as pool:
            list(pool.map(run, groups))
    else:
        for group in groups:
            run(group)
