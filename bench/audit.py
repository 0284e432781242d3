"""Benchmark: `sharekit audit` as the number of outbound shares grows, and its per-share reads
as the number of workers does.

On the local account with a simulated round-trip (SHAREKIT_LOCAL_LATENCY_MS, default 50) and a
config of 10 views applied, prints for 1, 10 and 50 outbound shares: audit's queries, critical
path (round-trips that had to run one after another) and seconds, without and with `-f`; then,
at the largest count, the per-share reads (SHOW GRANTS TO / OF SHARE) alone with 1, 8 and 16
workers. Target: the critical path of audit stays at about 3 round-trips up to 8 shares and
grows by one round-trip per 8 shares after that.

    python bench/audit.py                 # 1, 10, 50 shares
    python bench/audit.py 1 8 9 16 17     # chosen counts
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from contextlib import closing
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Timed, write_config

WORKERS = (1, 8, 16)


def _quietly(action):
    """Run `action` with no simulated latency (building the account)."""
    saved = os.environ.get("SHAREKIT_LOCAL_LATENCY_MS")
    os.environ["SHAREKIT_LOCAL_LATENCY_MS"] = "0"
    try:
        return action()
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


def main(argv: list[str]) -> None:
    from sharekit.api import make_plan, open_session, run_plan
    from sharekit.audit import audit
    from sharekit.audit.read import outbound_rows, read_shares
    from sharekit.config import load_config
    from sharekit.sql.templates import Templates

    os.environ.setdefault("SHAREKIT_LOCAL_LATENCY_MS", "50")
    counts = sorted(int(arg) for arg in argv) or [1, 10, 50]
    t = Templates()
    print(f"latency per round-trip: {os.environ['SHAREKIT_LOCAL_LATENCY_MS']} ms")
    print(f"{'shares':>6}  {'command':<24} {'queries':>7} {'critical':>8} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(write_config(Path(tmp), 10))
        directory = Path(tmp) / "account"

        def build() -> None:
            with closing(open_session(local=True, local_dir=directory, config=config)) as session:
                assert run_plan(session, make_plan(config, session, t)).ok

        _quietly(build)
        made = 1  # the config's own share
        for count in counts:
            def add(first: int = made, last: int = count) -> None:
                with closing(open_session(local=True, local_dir=directory, config=config)) as session:
                    for i in range(first, last):
                        session.execute(f"CREATE SHARE EXTRA_{i:03d}")
                        session.execute(f"GRANT USAGE ON DATABASE BENCH_SHARE_DB TO SHARE EXTRA_{i:03d}")
                        session.execute(f"ALTER SHARE EXTRA_{i:03d} ADD ACCOUNTS = OPTIMOVE.OTHER_{i:03d}")

            _quietly(add)
            made = max(made, count)
            with closing(open_session(local=True, local_dir=directory, config=config)) as inner:
                session = Timed(inner)
                for name, action in (("audit", partial(audit, session, t)),
                                     ("audit -f", partial(audit, session, t, config=config))):
                    queries, critical, seconds = measure(session, action)
                    print(f"{count:>6}  {name:<24} {queries:>7} {critical:>8} {seconds:>8.2f}")
                if count == counts[-1]:
                    rows = outbound_rows(session, t, None)
                    for workers in WORKERS:
                        queries, critical, seconds = measure(session, partial(read_shares, session, t, rows,
                                                                              workers=workers))
                        print(f"{count:>6}  {f'per-share reads, {workers:>2} w':<24} {queries:>7} "
                              f"{critical:>8} {seconds:>8.2f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
