"""Benchmark: plan and apply cost as the number of shared views grows.

For N views on the local account with a simulated network round-trip
(SHAREKIT_LOCAL_LATENCY_MS, default 50), prints per N: plan queries and seconds, re-plan
queries and seconds, then one line per apply setting: workers, batch size (1: one statement a
request), requests (round-trips), seconds and the speed-up over one worker without batching.
Targets: plan queries equal for every N and at most 6; plan at N=1000 under 2.5 s; N=1000
applied in tens of requests with batching.

    python bench/plan_apply.py                    # N = 10, 100, 1000
    python bench/plan_apply.py 10 100             # chosen sizes
    BENCH_APPLY="8x1 8x50 16x50 32x50" python bench/plan_apply.py 1000   # workers x batch size
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_config

SETTINGS = os.environ.get("BENCH_APPLY", "1x1 8x1 16x1 32x1 1x50 8x50 16x50 32x50")


def settings() -> list[tuple[int, int]]:
    return [(int(w), int(b)) for w, b in (item.split("x") for item in SETTINGS.split())]


def run(views: int) -> tuple[dict[str, float], list[tuple[int, int, int, float]]]:
    from sharekit.api import make_plan, open_session, run_plan
    from sharekit.config import load_config
    from sharekit.sql.templates import Templates

    t = Templates()
    figures: dict[str, float] = {}
    applies = []
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(write_config(Path(tmp), views))
        for index, (workers, batch) in enumerate(settings()):
            directory = Path(tmp) / f"account-{index}"
            with closing(open_session(local=True, local_dir=directory, config=config)) as session:
                started = time.perf_counter()
                plan = make_plan(config, session, t)
                plan_seconds = time.perf_counter() - started
                before, started = session.round_trips, time.perf_counter()
                result = run_plan(session, plan, workers=workers, batch_size=batch)
                applies.append((workers, batch, session.round_trips - before, time.perf_counter() - started))
                if not result.ok:
                    raise SystemExit(f"apply failed: {(result.failed or result.unknown)[:1]}")
                if index == 0:
                    figures["statements"] = len(plan.changes)
                    figures["plan_queries"] = plan.stats["queries"]
                    figures["plan_seconds"] = plan_seconds
                    started = time.perf_counter()
                    replan = make_plan(config, session, t)
                    figures["replan_seconds"] = time.perf_counter() - started
                    figures["replan_queries"] = replan.stats["queries"]
                    if replan.has_changes:
                        raise SystemExit(f"re-plan after apply is not empty: {replan.summary}")
    return figures, applies


def main(argv: list[str]) -> None:
    os.environ.setdefault("SHAREKIT_LOCAL_LATENCY_MS", "50")
    sizes = [int(arg) for arg in argv] or [10, 100, 1000]
    print(f"latency per round-trip: {os.environ['SHAREKIT_LOCAL_LATENCY_MS']} ms")
    for views in sizes:
        f, applies = run(views)
        print(f"{views} views, {f['statements']:.0f} statements: plan {f['plan_queries']:.0f} queries "
              f"{f['plan_seconds']:.2f} s, re-plan {f['replan_queries']:.0f} queries {f['replan_seconds']:.2f} s")
        print(f"  {'workers':>7} {'batch':>5} {'requests':>8} {'apply s':>8} {'speed-up':>8}")
        base = next((s for w, b, _, s in applies if (w, b) == (1, 1)), applies[0][3])
        for workers, batch, requests, seconds in applies:
            print(f"  {workers:>7} {batch:>5} {requests:>8} {seconds:>8.2f} {base / seconds:>8.1f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
