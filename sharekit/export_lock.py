"""The export lock: one `sharekit export` at a time per watermark table, on real Snowflake too.

A file lock would only guard one machine, so the lock is a row of `<share db>.SHAREKIT_EXPORT.EXPORT_LOCK`,
next to WATERMARKS. The table is created with its one row by a single CTAS (two first runs
cannot add two rows). A run claims the lock with one conditional UPDATE (free: RUN_ID IS NULL);
the statement's "number of rows updated" says whether it won (1) or another run holds it (0:
the row is read to say who, since when). A held lock older than STALE_AFTER is presumed dead (a
killed run, a lost connection) and taken over by a second UPDATE conditioned on that run's id, so
two runs cannot both take it over; `--break-lock` takes over whatever its age. The lock is
released by an UPDATE conditioned on this run's id (a run whose lock was taken over cannot free
the new holder's), at the end of the run, also when it failed.

Snowflake behaviour this relies on, UNCONFIRMED against a live account (the local account runs
one statement at a time, so it behaves this way by construction):
- an UPDATE returns one row with "number of rows updated" (Snowpark's UpdateResult is read from
  it; other tools read the same column name);
- two concurrent UPDATEs of the table are serialised by its lock and the second evaluates its
  WHERE on the row the first committed (so exactly one claim updates a row);
- CREATE TABLE IF NOT EXISTS … AS SELECT is accepted and, run twice at once, creates one table.
"""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sharekit.connect.session import Session
from sharekit.errors import SharekitError
from sharekit.sql import identifiers
from sharekit.sql.templates import Templates

LOCK_TABLE = "EXPORT_LOCK"
STALE_AFTER = timedelta(hours=6)  # a run holding the lock longer is presumed dead
_UPDATED = "number of rows updated"


@dataclass(frozen=True)
class Holder:
    """Who holds the lock (a row of EXPORT_LOCK with a RUN_ID)."""

    run_id: str
    holder: str
    since: datetime | None

    def describe(self, now: datetime) -> str:
        if self.since is None:
            return f"run {self.run_id} by {self.holder}"
        age = int((now - self.since).total_seconds() // 60)
        return f"run {self.run_id} by {self.holder} since {self.since:%Y-%m-%d %H:%M:%S} UTC ({age} min ago)"


def lock_table(watermarks: tuple[str, str, str]) -> tuple[str, str, str]:
    return (watermarks[0], watermarks[1], LOCK_TABLE)


def holder_name() -> str:
    """This process as the lock shows it: user@host (pid N)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        user = "unknown"
    return f"{user}@{socket.gethostname()} (pid {os.getpid()})"


def utc_naive(value: datetime) -> datetime:
    """A time as ACQUIRED_AT (TIMESTAMP_NTZ) keeps it: UTC, without a zone."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def claim_statement(t: Templates, table: tuple[str, str, str], run_id: str, now: datetime,
                    previous: str | None = None) -> str:
    """The conditional UPDATE that takes the lock if it is free (or still `previous`'s)."""
    return t.render("export_claim_lock", table=table, run_id=run_id, holder=holder_name(), previous=previous,
                    acquired_at=f"{utc_naive(now):%Y-%m-%d %H:%M:%S}")


def _updated(rows: list[dict[str, Any]]) -> int:
    if not rows or _UPDATED not in rows[0]:
        raise SharekitError(f"the lock UPDATE returned {rows!r}, not a row with {_UPDATED!r}: sharekit cannot tell "
                            "whether this run holds the export lock (report this with the Snowflake version)")
    return int(rows[0][_UPDATED] or 0)


def read_holder(session: Session, t: Templates, table: tuple[str, str, str]) -> Holder | None:
    rows = session.query(t.render("export_read_lock", table=table))
    if len(rows) != 1:
        raise SharekitError(f"{identifiers.fqn(*table)} holds {len(rows)} lock rows instead of 1: drop the table "
                            "(`DROP TABLE …`, when no export runs) and sharekit creates it again")
    row = {k.upper(): v for k, v in rows[0].items()}
    if row.get("RUN_ID") is None:
        return None
    since = row.get("ACQUIRED_AT")
    return Holder(str(row["RUN_ID"]), str(row.get("HOLDER") or "?"),
                  utc_naive(since) if isinstance(since, datetime) else None)


def claim(session: Session, t: Templates, table: tuple[str, str, str], run_id: str, now: datetime,
          break_lock: bool = False) -> str | None:
    """Take the lock for `run_id`, or raise naming the holder. Returns a warning when a stale
    (or, with `break_lock`, any) holder's lock was taken over, else None."""
    now = utc_naive(now)
    if _updated(session.query(claim_statement(t, table, run_id, now))):
        return None
    held = read_holder(session, t, table)
    stale = held is not None and held.since is not None and now - held.since > STALE_AFTER
    if held is not None and (break_lock or stale):
        if _updated(session.query(claim_statement(t, table, run_id, now, held.run_id))):
            why = "--break-lock" if break_lock else f"held longer than {_hours(STALE_AFTER)}: presumed dead"
            return (f"took over the export lock from {held.describe(now)} ({why}); if that run is in fact still "
                    "going, both may export the same rows: compare its WATERMARKS rows with this run's")
        held = read_holder(session, t, table)
    if held is None:  # freed between the claim and the read: one retry, then give up
        if _updated(session.query(claim_statement(t, table, run_id, now))):
            return None
        held = read_holder(session, t, table)
    who = held.describe(now) if held else "another run"
    raise SharekitError(
        f"another export is running on {identifiers.fqn(*table[:2])}: {who} holds the export lock "
        f"({identifiers.fqn(*table)}). Wait for it to finish; if that run is dead (killed, lost its connection), "
        f"run `sharekit export --break-lock`, or wait: a lock older than {_hours(STALE_AFTER)} is taken over by "
        "the next export.")


def release(session: Session, t: Templates, table: tuple[str, str, str], run_id: str) -> bool:
    """Free the lock if this run still holds it; False when it did not (taken over meanwhile)."""
    return bool(_updated(session.query(t.render("export_release_lock", table=table, run_id=run_id))))


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:g} hours"
