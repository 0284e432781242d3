"""The small session interface every stage talks to, real Snowflake or the local account.

`query` returns rows as dicts keyed by Snowflake's column names; `execute` runs one statement.
Both count one round-trip, so plans can report (and benchmarks can bound) what they cost.

A session that can send several statements in one request also has `execute_batch(sqls)` (one
round-trip; apply uses it when present, see `plan.apply`). It runs them in order, stops at the
first failure and raises BatchFailed, which says how many completed before it, or that it
cannot tell.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable

from sharekit.errors import ConnectionLost, ConnectorError, StatementRefused


@runtime_checkable
class Session(Protocol):
    """What introspection, apply, checks and audit need from an account."""

    @property
    def round_trips(self) -> int: ...

    def query(self, sql: str) -> list[dict[str, Any]]: ...

    def execute(self, sql: str) -> None: ...

    def close(self) -> None: ...


class BatchFailed(Exception):
    """A statement of a batch failed. `completed`: how many statements before it completed (the
    next one is the failed one, the rest did not run), or None when the account cannot tell which
    statement failed (then any of them may have run). `error` is the failure itself."""

    def __init__(self, completed: int | None, error: BaseException) -> None:
        super().__init__(str(getattr(error, "msg", None) or error))
        self.completed, self.error = completed, error


class RoundTripCounter:
    """Thread-safe count of round-trips and the seconds they took."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.round_trips = 0
        self.seconds = 0.0

    def record(self, started: float) -> None:
        with self._lock:
            self.round_trips += 1
            self.seconds += time.perf_counter() - started

    @contextmanager
    def counting(self) -> Iterator[None]:
        """One round-trip around the block, counted whether it succeeds or raises."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.record(started)


class SnowflakeSession:
    """A `snowflake.connector` connection behind the Session interface.

    One connection is shared by apply's worker threads; the connector allows a cursor per thread.
    """

    def __init__(self, connection: Any, sensitive: tuple[str, ...] = ()) -> None:
        self._connection = connection
        self._counter = RoundTripCounter()
        self.sensitive = sensitive  # secret values and the host: `--record` never writes them

    @property
    def round_trips(self) -> int:
        return self._counter.round_trips

    def query(self, sql: str) -> list[dict[str, Any]]:
        from snowflake.connector import DictCursor

        with self._counter.counting(), self._connection.cursor(DictCursor) as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    def execute(self, sql: str) -> None:
        with self._counter.counting(), self._connection.cursor() as cursor:
            cursor.execute(sql)

    def execute_batch(self, sqls: list[str]) -> None:
        """The statements in one request (the connector's `num_statements`, reference §5); their
        results are not fetched (each `nextset()` would cost a round-trip). Which statement of a
        failed request failed is not told apart here: the error is BatchFailed(None, …).
        UNCONFIRMED: that a failed statement stops the ones after it and fails the request (not
        only its own result), and that share DDL runs in a multi-statement request as alone."""
        try:
            with self._counter.counting(), self._connection.cursor() as cursor:
                cursor.execute("\n".join(sqls), num_statements=len(sqls))
        except Exception as error:  # any failure leaves the batch's outcome unknown
            raise BatchFailed(None, error) from error

    def close(self) -> None:
        self._connection.close()


def wrap_connector_error(error: BaseException) -> ConnectorError | None:
    """A `snowflake.connector` error as a SharekitError (None for anything else). Classes are
    matched by module and name, so the connector is not imported to check."""
    if isinstance(error, ConnectorError) or not type(error).__module__.startswith("snowflake.connector"):
        return None
    refused = any(cls.__name__ == "ProgrammingError" for cls in type(error).__mro__)
    kind = StatementRefused if refused else ConnectionLost
    msg = str(getattr(error, "msg", None) or error)
    return kind(msg, getattr(error, "errno", None), getattr(error, "sqlstate", None))


class GuardedSession:
    """Any Session whose connector errors leave it as SharekitErrors (StatementRefused,
    ConnectionLost); everything else passes through to the wrapped session."""

    def __init__(self, inner: Session) -> None:
        self.inner = inner

    @property
    def round_trips(self) -> int:
        return self.inner.round_trips

    def query(self, sql: str) -> list[dict[str, Any]]:
        return self._guarded(self.inner.query, sql)

    def execute(self, sql: str) -> None:
        self._guarded(self.inner.execute, sql)

    def execute_batch(self, sqls: list[str]) -> None:
        try:
            self.inner.execute_batch(sqls)  # type: ignore[attr-defined]  # checked above
        except BatchFailed as failure:
            wrapped = wrap_connector_error(failure.error)
            if wrapped is None:
                raise
            raise BatchFailed(failure.completed, wrapped) from failure.error

    @staticmethod
    def _guarded(call: Any, sql: str) -> Any:
        try:
            return call(sql)
        except Exception as error:
            wrapped = wrap_connector_error(error)
            if wrapped is None:
                raise
            raise wrapped from error

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def batch_executor(session: Any) -> Callable[[list[str]], None] | None:
    """The session's `execute_batch`, or None when it sends one statement a request. Looked up
    on the class, so a wrapper that forwards unknown attributes (a recording) does not batch
    unseen; a GuardedSession batches when the session it guards does."""
    if getattr(type(session), "execute_batch", None) is None:
        return None
    if isinstance(session, GuardedSession) and batch_executor(session.inner) is None:
        return None
    return session.execute_batch  # type: ignore[no-any-return]
