"""Independent read round-trips sent concurrently on one session.

The Session interface allows concurrent `query` calls (a Snowflake connection opens a cursor per
call; the local account runs one statement at a time but sleeps its simulated latency outside its
lock, so concurrent requests overlap as they would on a network). Reading in parallel changes how
long a read takes, not what it sends: every round-trip is still counted.

    with Reads(session) as reads:
        reads.send("shares", "SHOW SHARES")
        reads.send("databases", "SHOW DATABASES")
        for name in reads.as_answered():      # as each answers: send what depended on it
            ...
        rows = reads.result("shares")          # raises that read's error

After a read fails nothing new is sent (a one-by-one reader would have stopped there; unless
`stop_on_failure=False`, for reads that are each worth having); the result of a read that was
therefore not sent raises the first failure seen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from sharekit.connect.session import Session

READ_WORKERS = 8  # concurrent reads per session: enough for every independent read of a stage

T = TypeVar("T")


class Reads:
    def __init__(self, session: Session, workers: int = READ_WORKERS, stop_on_failure: bool = True) -> None:
        self._session = session
        self._stop_on_failure = stop_on_failure
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="sharekit-read")
        self._futures: dict[str, Future[Any] | None] = {}
        self._failure: BaseException | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> Reads:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __contains__(self, name: str) -> bool:
        return name in self._futures

    def send(self, name: str, sql: str) -> None:
        """Send one query (unless an earlier read failed)."""
        self.call(name, self._session.query, sql)

    def call(self, name: str, fn: Callable[..., Any], *args: Any) -> None:
        """Run any function of the session's reads on the pool, as one named read."""
        with self._lock:
            if name in self._futures:
                raise ValueError(f"read {name!r} sent twice")
            if self._failure is not None and self._stop_on_failure:
                self._futures[name] = None
                return
            future = self._pool.submit(fn, *args)
            self._futures[name] = future
        future.add_done_callback(self._note)  # outside the lock: it may run at once, here

    def _note(self, future: Future[Any]) -> None:
        error = None if future.cancelled() else future.exception()
        if error is not None:
            with self._lock:
                if self._failure is None:
                    self._failure = error

    def as_answered(self) -> Iterator[str]:
        """The names of reads as they answer successfully, including those sent meanwhile;
        ends when every read sent has finished."""
        return self._finished(failed_too=False)

    def as_finished(self) -> Iterator[str]:
        """The names of reads as they finish, answered or failed (see `as_answered`)."""
        return self._finished(failed_too=True)

    def _finished(self, failed_too: bool) -> Iterator[str]:
        seen: set[str] = set()
        while True:
            with self._lock:
                pending = {f: n for n, f in self._futures.items() if f is not None and n not in seen}
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                seen.add(pending[future])
            for future, name in pending.items():  # in the order sent
                if future in done and (failed_too or future.exception() is None):
                    yield name

    def result(self, name: str) -> Any:
        """The rows (or return value) of a read; raises its error, or for a read not sent
        because another failed, that failure."""
        future = self._futures[name]
        if future is None:
            assert self._failure is not None
            raise self._failure
        return future.result()

    rows = result


def run_all(session: Session, calls: list[Callable[[], T]], workers: int = READ_WORKERS) -> list[T]:
    """Run independent reads concurrently; results in the order given. Raises the error of the
    first call (in that order) that failed, after every call has finished."""
    if len(calls) <= 1 or workers <= 1:
        return [call() for call in calls]
    with Reads(session, workers) as reads:
        for index, call in enumerate(calls):
            reads.call(str(index), call)
        list(reads.as_answered())
        return [reads.result(str(index)) for index in range(len(calls))]
