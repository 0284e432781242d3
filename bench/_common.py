"""Shared pieces of the benchmarks: a config of N views, and a session wrapper that measures
the critical path (the longest chain of round-trips that ran one after another)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

SOURCE_SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE IF NOT EXISTS RAW.SALES.ORDERS (ORDER_ID NUMBER, CUSTOMER_ID NUMBER, TOTAL NUMBER(12,2),
    STATUS VARCHAR, LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO RAW.SALES.ORDERS VALUES (1, 1, 10.5, 'OK', SYSDATE()), (2, 2, 20, 'OK', SYSDATE());
"""


def write_config(directory: Path, views: int, consumers: int = 12) -> Path:
    lines = [
        "version: 1",
        "share:",
        "  name: BENCH_SHARE",
        "  database: BENCH_SHARE_DB",
        "  consumers:",
        *[f"    - account: OPTIMOVE.BENCH_{i:02d}" for i in range(consumers)],
        "local:",
        "  seed: seed.sql",
        "views:",
    ]
    for i in range(views):
        lines += [
            f"  - name: ORDERS_{i:05d}",
            "    from: RAW.SALES.ORDERS",
            "    primary_key: [ORDER_ID]",
            "    columns: [ORDER_ID, CUSTOMER_ID, TOTAL, LASTUPDATED]",
            f"    where: CUSTOMER_ID % {views} = {i}",
        ]
    (directory / "seed.sql").write_text(SOURCE_SEED)
    path = directory / "sharekit.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


class Timed:
    """Any Session, with each round-trip's (start, end) kept, to compute the critical path."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self.spans: list[tuple[float, float]] = []

    @property
    def round_trips(self) -> int:
        return self.inner.round_trips

    def _timed(self, call: Any, sql: str) -> Any:
        started = time.perf_counter()
        try:
            return call(sql)
        finally:
            with self._lock:
                self.spans.append((started, time.perf_counter()))

    def query(self, sql: str) -> list[dict[str, Any]]:
        return self._timed(self.inner.query, sql)

    def execute(self, sql: str) -> None:
        self._timed(self.inner.execute, sql)

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def reset(self) -> None:
        with self._lock:
            self.spans = []

    def critical_path(self) -> int:
        """Longest chain of round-trips each started after the one before it ended."""
        spans = sorted(self.spans, key=lambda s: s[1])
        chain: list[int] = []
        for i, (start, _) in enumerate(spans):
            best = 0
            for j in range(i):
                if spans[j][1] <= start and chain[j] > best:
                    best = chain[j]
            chain.append(best + 1)
        return max(chain, default=0)
