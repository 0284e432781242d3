"""Benchmark: `check --data` on N applied views, the local engine's per-view cost.

Builds the account once per N (apply with no latency; BENCH_ACCOUNT_DIR keeps it between runs,
so a second run measures only the check), then prints per N: queries, critical path, seconds of
`check --data` with SHAREKIT_LOCAL_LATENCY_MS (default 50), seconds per 1000 views, and the
ratio to the target (10,000 views under 60 s); `cpu s` is the process's CPU time (DuckDB's
threads included), to tell the engine's cost from waiting.

    python bench/check_data.py               # N = 100, 1000
    python bench/check_data.py 10000         # the target
    BENCH_ACCOUNT_DIR=/tmp/sk-bench python bench/check_data.py 10000
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Timed, write_config

TARGET_SECONDS_AT_10000 = 60.0


def build(config, directory: Path) -> None:
    """Apply the config with no latency, unless the account is already built."""
    from sharekit.api import make_plan, open_session, run_plan
    from sharekit.sql.templates import Templates

    saved = os.environ.get("SHAREKIT_LOCAL_LATENCY_MS")
    os.environ["SHAREKIT_LOCAL_LATENCY_MS"] = "0"
    try:
        with closing(open_session(local=True, local_dir=directory, config=config)) as session:
            plan = make_plan(config, session, Templates())
            if plan.has_changes:
                result = run_plan(session, plan, workers=8)
                if not result.ok:
                    raise SystemExit(f"apply failed: {result.failed[:1]}")
    finally:
        if saved is None:
            del os.environ["SHAREKIT_LOCAL_LATENCY_MS"]
        else:
            os.environ["SHAREKIT_LOCAL_LATENCY_MS"] = saved


def run(views: int, root: Path) -> tuple[int, int, float, float]:
    from sharekit.api import open_session
    from sharekit.checks.run import run_checks
    from sharekit.config import load_config
    from sharekit.sql.templates import Templates

    directory = root / f"n{views}"
    directory.mkdir(parents=True, exist_ok=True)
    config = load_config(write_config(directory, views))
    started = time.perf_counter()
    build(config, directory / "account")
    print(f"  (account of {views} views ready in {time.perf_counter() - started:.1f} s)", file=sys.stderr)
    with closing(open_session(local=True, local_dir=directory / "account", config=config)) as inner:
        session = Timed(inner)
        before, started, cpu = session.round_trips, time.perf_counter(), time.process_time()
        report = run_checks(config, session, Templates(), data=True)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if len(report.rows) != views:
        raise SystemExit(f"check --data read {len(report.rows)} of {views} views")
    return session.round_trips - before, session.critical_path(), seconds, cpu


def main(argv: list[str]) -> None:
    os.environ.setdefault("SHAREKIT_LOCAL_LATENCY_MS", "50")
    sizes = [int(arg) for arg in argv] or [100, 1000]
    print(f"latency per round-trip: {os.environ['SHAREKIT_LOCAL_LATENCY_MS']} ms")
    print(f"{'views':>6} {'queries':>8} {'critical':>8} {'seconds':>8} {'cpu s':>7} {'s/1000 views':>13} "
          f"{'x target':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(os.environ.get("BENCH_ACCOUNT_DIR") or tmp)
        for views in sizes:
            queries, critical, seconds, cpu = run(views, root)
            budget = TARGET_SECONDS_AT_10000 * views / 10_000
            print(f"{views:>6} {queries:>8} {critical:>8} {seconds:>8.2f} {cpu:>7.2f} {seconds * 1000 / views:>13.2f} "
                  f"{seconds / budget:>9.2f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
