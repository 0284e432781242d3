"""Benchmark: plan and apply cost as the number of shared views grows.

For N views on the local account with a simulated network round-trip
(SHAREKIT_LOCAL_LATENCY_MS, default 50), prints per N: plan queries, plan seconds, apply
seconds with 1 and with 8 workers, and their ratio. Targets: plan queries equal for every N
and at most 6; plan at N=1000 under 2 s; apply at N=1000 at least 5x faster with 8 workers.

    python bench/plan_apply.py            # N = 10, 100, 1000
    python bench/plan_apply.py 10 100     # chosen sizes
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

SOURCE_SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE IF NOT EXISTS RAW.SALES.ORDERS (ORDER_ID NUMBER, CUSTOMER_ID NUMBER, TOTAL NUMBER(12,2),
    STATUS VARCHAR, LASTUPDATED TIMESTAMP_NTZ);
"""


def write_config(directory: Path, views: int) -> Path:
    lines = [
        "version: 1",
        "share:",
        "  name: BENCH_SHARE",
        "  database: BENCH_SHARE_DB",
        "  consumers:",
        *[f"    - account: OPTIMOVE.BENCH_{i:02d}" for i in range(12)],
        "local:",
        "  seed: seed.sql",
        "views:",
    ]
    for i in range(views):
        lines += [
            f"  - name: ORDERS_{i:04d}",
            "    from: RAW.SALES.ORDERS",
            "    primary_key: [ORDER_ID]",
            "    columns: [ORDER_ID, CUSTOMER_ID, TOTAL, LASTUPDATED]",
            f"    where: CUSTOMER_ID % {views} = {i}",
        ]
    (directory / "seed.sql").write_text(SOURCE_SEED)
    path = directory / "sharekit.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(views: int) -> dict[str, float]:
    from sharekit.api import make_plan, open_session, run_plan
    from sharekit.config import load_config
    from sharekit.sql.templates import Templates

    t = Templates()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(write_config(Path(tmp), views))
        for workers in (1, 8):
            directory = Path(tmp) / f"account-{workers}"
            with closing(open_session(local=True, local_dir=directory, config=config)) as session:
                started = time.perf_counter()
                plan = make_plan(config, session, t)
                plan_seconds = time.perf_counter() - started
                started = time.perf_counter()
                result = run_plan(session, plan, workers=workers)
                figures[f"apply_{workers}"] = time.perf_counter() - started
                if not result.ok:
                    raise SystemExit(f"apply failed: {result.failed[:1]}")
                if workers == 1:
                    figures["statements"] = len(plan.changes)
                    figures["plan_queries"] = plan.stats["queries"]
                    figures["plan_seconds"] = plan_seconds
                    started = time.perf_counter()
                    replan = make_plan(config, session, t)
                    figures["replan_seconds"] = time.perf_counter() - started
                    figures["replan_queries"] = replan.stats["queries"]
                    if replan.has_changes:
                        raise SystemExit(f"re-plan after apply is not empty: {replan.summary}")
    figures["ratio"] = figures["apply_1"] / figures["apply_8"]
    return figures


def main(argv: list[str]) -> None:
    os.environ.setdefault("SHAREKIT_LOCAL_LATENCY_MS", "50")
    sizes = [int(arg) for arg in argv] or [10, 100, 1000]
    print(f"latency per round-trip: {os.environ['SHAREKIT_LOCAL_LATENCY_MS']} ms")
    header = (f"{'views':>6} {'stmts':>6} {'plan q':>7} {'plan s':>7} {'replan q':>9} {'replan s':>9} "
              f"{'apply 1w s':>11} {'apply 8w s':>11} {'ratio':>6}")
    print(header)
    for views in sizes:
        f = run(views)
        print(f"{views:>6} {f['statements']:>6.0f} {f['plan_queries']:>7.0f} {f['plan_seconds']:>7.2f} "
              f"{f['replan_queries']:>9.0f} {f['replan_seconds']:>9.2f} {f['apply_1']:>11.2f} "
              f"{f['apply_8']:>11.2f} {f['ratio']:>6.1f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
