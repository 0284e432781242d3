"""Benchmark: what `sharekit export` costs as the number of exported views grows.

For N views on the local account with a simulated network round-trip (SHAREKIT_LOCAL_LATENCY_MS,
default 50), prints per N: queries and seconds of a first export (every view has rows: high
mark, COPY, record), of an export with nothing new (high mark only), and of one after two new
rows for every view; plus the files written. The account is built and filled with no latency. The
module docstring of sharekit.export gives the expected count: 8 once, 3 per view with new rows,
2 per view without.

    python bench/export.py             # N = 1, 10, 50
    python bench/export.py 1 100       # chosen sizes
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_config


def _rows(views: int, first: int) -> str:
    """Two rows per view (view i reads CUSTOMER_ID % N = i), from ORDER_ID `first` on."""
    values = [f"({first + n}, {n % views}, 1.5, 'OK', DATEADD(second, {first + n}, '2026-01-01'::TIMESTAMP_NTZ))"
              for n in range(2 * views)]
    return "INSERT INTO RAW.SALES.ORDERS VALUES " + ", ".join(values)


def build(directory: Path, views: int):  # type: ignore[no-untyped-def]
    """The config with an `export:` section, applied, each view given rows, with no latency."""
    from sharekit.api import make_plan, open_session, run_plan
    from sharekit.config import load_config
    from sharekit.sql.templates import Templates

    path = write_config(directory, views, consumers=1)
    path.write_text(path.read_text() + "export:\n  stage: EXPORTS\n  format: csv\n")
    config = load_config(path)
    saved = os.environ.get("SHAREKIT_LOCAL_LATENCY_MS")
    os.environ["SHAREKIT_LOCAL_LATENCY_MS"] = "0"
    try:
        with closing(open_session(local=True, local_dir=directory / "account", config=config)) as session:
            result = run_plan(session, make_plan(config, session, Templates()), workers=8)
            if not result.ok:
                raise SystemExit(f"apply failed: {result.failed[:1]}")
            session.execute("DELETE FROM RAW.SALES.ORDERS")
            session.execute(_rows(views, 1))
    finally:
        if saved is None:
            os.environ.pop("SHAREKIT_LOCAL_LATENCY_MS")
        else:
            os.environ["SHAREKIT_LOCAL_LATENCY_MS"] = saved
    return config


def run(views: int) -> dict[str, float]:
    from sharekit.api import open_session
    from sharekit.export import run_export
    from sharekit.sql.templates import Templates

    t = Templates()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = build(Path(tmp), views)
        with closing(open_session(local=True, local_dir=Path(tmp) / "account", config=config)) as session:
            for label in ("first", "nothing", "new"):
                if label == "new":
                    session.execute(_rows(views, 10_000))
                report = run_export(config, session, t)
                figures[f"{label}_queries"] = report.stats["queries"]
                figures[f"{label}_seconds"] = report.stats["seconds"]
                figures[f"{label}_files"] = sum(len(v.files) for v in report.views)
    return figures


def main(argv: list[str]) -> None:
    os.environ.setdefault("SHAREKIT_LOCAL_LATENCY_MS", "50")
    sizes = [int(arg) for arg in argv] or [1, 10, 50]
    print(f"latency per round-trip: {os.environ['SHAREKIT_LOCAL_LATENCY_MS']} ms")
    print(f"{'views':>6} {'first q':>8} {'first s':>8} {'files':>6} {'none q':>7} {'none s':>7} "
          f"{'new q':>6} {'new s':>6} {'files':>6}")
    for views in sizes:
        f = run(views)
        print(f"{views:>6} {f['first_queries']:>8.0f} {f['first_seconds']:>8.2f} {f['first_files']:>6.0f} "
              f"{f['nothing_queries']:>7.0f} {f['nothing_seconds']:>7.2f} {f['new_queries']:>6.0f} "
              f"{f['new_seconds']:>6.2f} {f['new_files']:>6.0f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
