"""Benchmark: the queries one monitor run issues (`monitor:`, `sharekit local run-task`), for N views.

Per N (default 1, 10, 50): applies a config of N views with a `monitor:` section to a fresh local
account, runs the monitor's task once, and prints the queries and seconds of that run. Target:
the same count for every N (the run reads the account in a fixed number of queries, the data of
up to 50 views in one, and writes its findings in one INSERT).

    python bench/monitor_run.py            # N = 1, 10, 50
    python bench/monitor_run.py 1 200
"""

from __future__ import annotations

import sys
import tempfile
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_config

MONITOR = "monitor: {warehouse: BENCH_WH, schedule: USING CRON 0 4 * * * UTC, keep_days: 30}\n"


def run(views: int, root: Path) -> tuple[int, float]:
    from sharekit.api import make_plan, open_session, run_plan
    from sharekit.config import load_config
    from sharekit.local.tasks import run_task
    from sharekit.sql.templates import Templates

    directory = root / f"n{views}"
    directory.mkdir(parents=True)
    path = write_config(directory, views)
    path.write_text(path.read_text() + MONITOR)
    config = load_config(path)
    with closing(open_session(local=True, local_dir=directory / "account", config=config)) as session:
        assert run_plan(session, make_plan(config, session, Templates()), workers=8).ok
    with closing(open_session(local=True, local_dir=directory / "account")) as session:
        summary = run_task(session.inner, "SHAREKIT_CHECKS")
    return summary["queries"], summary["seconds"]


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory(prefix="sk-bench-monitor-") as root:
        counts = {}
        for views in sizes:
            queries, seconds = run(views, Path(root))
            counts[views] = queries
            print(f"{views:>6} views: {queries} queries, {seconds:.2f} s")
        print("same count for every size" if len(set(counts.values())) == 1 else f"counts differ: {counts}")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1, 10, 50])
