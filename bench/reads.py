"""Benchmark: what reading the account costs — plan, re-plan, audit, check --data — as N grows.

For N views on the local account with a simulated network round-trip (SHAREKIT_LOCAL_LATENCY_MS,
default 50), prints per N and command: queries (round-trips counted, what `stats.queries`
reports), the critical path (the longest chain of round-trips that had to run one after
another: independent reads run concurrently, so this, not the count, sets the latency cost)
and seconds. The account is built with no latency; EXTRA outbound shares (default 20) are
added so audit has several shares to read.

    python bench/reads.py              # N = 10, 100, 1000
    python bench/reads.py 10 100       # chosen sizes
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

EXTRA_SHARES = int(os.environ.get("BENCH_EXTRA_SHARES", "20"))


def build(config, directory: Path) -> None:
    """Apply the config and add EXTRA_SHARES outbound shares, with no latency."""
    from sharekit.api import make_plan, open_session, run_plan
    from sharekit.sql.templates import Templates

    saved = os.environ.get("SHAREKIT_LOCAL_LATENCY_MS")
    os.environ["SHAREKIT_LOCAL_LATENCY_MS"] = "0"
    try:
        with closing(open_session(local=True, local_dir=directory, config=config)) as session:
            result = run_plan(session, make_plan(config, session, Templates()), workers=8)
            if not result.ok:
                raise SystemExit(f"apply failed: {result.failed[:1]}")
            for i in range(EXTRA_SHARES):
                session.execute(f"CREATE SHARE EXTRA_{i:02d}")
                session.execute(f"GRANT USAGE ON DATABASE BENCH_SHARE_DB TO SHARE EXTRA_{i:02d}")
                session.execute(f"ALTER SHARE EXTRA_{i:02d} ADD ACCOUNTS = OPTIMOVE.OTHER_{i:02d}")
    finally:
        if saved is None:
            del os.environ["SHAREKIT_LOCAL_LATENCY_MS"]
        else:
            os.environ["SHAREKIT_LOCAL_LATENCY_MS"] = saved


def measure(session: Timed, action) -> tuple[int, int, float]:
    session.reset()
    before, started = session.round_trips, time.perf_counter()
    action()
    return session.round_trips - before, session.critical_path(), time.perf_counter() - started


def run(views: int) -> list[tuple[str, int, int, float]]:
    from sharekit.api import make_plan, open_session
    from sharekit.audit import audit
    from sharekit.checks.run import run_checks
    from sharekit.config import load_config
    from sharekit.sql.templates import Templates

    t = Templates()
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(write_config(Path(tmp), views))
        with closing(open_session(local=True, local_dir=Path(tmp) / "empty", config=config)) as inner:
            session = Timed(inner)
            out.append(("plan (empty account)", *measure(session, lambda: make_plan(config, session, t))))
        build(config, Path(tmp) / "built")
        with closing(open_session(local=True, local_dir=Path(tmp) / "built", config=config)) as inner:
            session = Timed(inner)
            out.append(("re-plan (after apply)", *measure(session, lambda: make_plan(config, session, t))))
            out.append((f"audit ({EXTRA_SHARES + 1} shares)", *measure(session, lambda: audit(session, t))))
            out.append((f"audit -f ({EXTRA_SHARES + 1} shares)",
                        *measure(session, lambda: audit(session, t, config=config))))
            out.append(("check --data", *measure(session, lambda: run_checks(config, session, t, data=True))))
    return out


def main(argv: list[str]) -> None:
    os.environ.setdefault("SHAREKIT_LOCAL_LATENCY_MS", "50")
    sizes = [int(arg) for arg in argv] or [10, 100, 1000]
    print(f"latency per round-trip: {os.environ['SHAREKIT_LOCAL_LATENCY_MS']} ms")
    print(f"{'views':>6}  {'command':<24} {'queries':>7} {'critical':>8} {'seconds':>8} {'q/crit':>6}")
    for views in sizes:
        for name, queries, critical, seconds in run(views):
            print(f"{views:>6}  {name:<24} {queries:>7} {critical:>8} {seconds:>8.2f} "
                  f"{queries / max(critical, 1):>6.1f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
