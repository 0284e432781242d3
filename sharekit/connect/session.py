"""The small session interface every stage talks to, real Snowflake or the local account.

`query` returns rows as dicts keyed by Snowflake's column names; `execute` runs one statement.
Both count one round-trip, so plans can report (and benchmarks can bound) what they cost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
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
