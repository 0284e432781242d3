"""Optimove's Data Volume Validation, as `check --data` and the monitor run it: `volume.drop`.

Optimove fails a daily load when the rows dated yesterday number less than `MultFactor` (0.2)
times the average daily count over the `DaysBackwards` (180) days before (its defaults,
reference optimove-requirements §4.4). A view declares the column that dates its rows:
`volume: {date_column: ORDER_DATE, ratio: 0.2, days: 180}`.

The rule as sharekit runs it, inside the one data query (`check_data.sql.j2`, VOL_* columns):
- yesterday is the UTC calendar day before SYSDATE(); the window is the `days` days before
  yesterday (yesterday itself is not in its own average);
- the average is the window's rows divided by the window's days that have rows. Whether
  Optimove counts days without rows in its average is UNCONFIRMED; leaving them out makes the
  average higher, so sharekit raises `volume.drop` no later than Optimove fails the load;
- a window without rows (a new table) has no average: nothing is judged.
"""

from __future__ import annotations

from typing import Any

from sharekit.checks.findings import Finding
from sharekit.config.model import View, Volume
from sharekit.sql import identifiers

DATE_TYPES = ("DATE", "TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP_TZ", "TIMESTAMP")


def volume_probe(view: View, live: dict[str, str | None], skipped: list[str]) -> Volume | None:
    """The view's volume rule when its live column can date rows; else a reason in `skipped`."""
    volume = view.volume
    if volume is None:
        return None
    column = identifiers.quote(volume.date_column)
    if volume.date_column not in live:
        skipped.append(f"the volume check (the view has no {column} column)")
        return None
    data_type = (live[volume.date_column] or "").split("(")[0].strip().upper()
    if data_type and data_type not in DATE_TYPES:
        skipped.append(f"the volume check ({column} is {live[volume.date_column]}, not a date or timestamp)")
        return None
    return volume


def volume_findings(volume: Volume | None, label: str, row: dict[str, Any]) -> list[Finding]:
    """`volume.drop` (error) when yesterday's rows are below `ratio` × the window's daily average."""
    if volume is None:
        return []
    days = int(row.get("VOL_WINDOW_DAYS") or 0)
    if not days:
        return []
    yesterday = int(row.get("VOL_YESTERDAY") or 0)
    average = int(row.get("VOL_WINDOW_ROWS") or 0) / days
    if yesterday >= volume.ratio * average:
        return []
    column = identifiers.quote(volume.date_column)
    figures = {"yesterday": yesterday, "average": round(average, 2), "ratio": volume.ratio,
               "days": volume.days, "days_with_rows": days}
    return [Finding(
        "volume.drop", "error", label,
        f"{yesterday} row{'s' if yesterday != 1 else ''} dated yesterday (UTC, by {column}), below {volume.ratio:g} × "
        f"the daily average of {average:,.1f} over the {volume.days} days before ({days} with rows): Optimove's "
        "volume check fails the daily load; check what feeds the view, or lower `volume.ratio` if the "
        "drop is expected",
        figures=figures,
    )]
