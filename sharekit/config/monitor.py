"""The `monitor:` section of `sharekit.yml` and `views[].volume:`, read into model.Monitor / Volume.

Called from `sharekit.config.load`; every problem is a located `file:line: key: message`,
collected with the rest of the config's.

    monitor:
      schema: SHAREKIT_MONITOR       # SCHEMA (in share.database) or DATABASE.SCHEMA
      warehouse: MONITOR_WH          # runs the task
      schedule: USING CRON 0 4 * * * UTC   # Snowflake CRON: 5 fields and a time zone
      alert: {integration: OPS_EMAIL, recipients: [data@example.com]}
      keep_days: 30                  # results older than this are deleted by each run
    views:
      - name: ORDERS
        volume: {date_column: ORDER_DATE, ratio: 0.2, days: 180}   # Optimove's defaults

>>> cron_period_minutes("USING CRON 0 4 * * * UTC")
1440
>>> cron_period_minutes("USING CRON */15 * * * * UTC")
15
>>> cron_period_minutes("USING CRON 0 6 * * MON Europe/London")
10080
"""

from __future__ import annotations

import re
from typing import Any

from sharekit.config.model import (
    DEFAULT_VOLUME_DAYS,
    DEFAULT_VOLUME_RATIO,
    MONITOR_SCHEMA,
    Alert,
    Monitor,
    Share,
    Volume,
)
from sharekit.config.reader import Reader, _name, _text
from sharekit.config.source import Located
from sharekit.sql import identifiers

MONITOR_KEYS = ("schema", "warehouse", "schedule", "alert", "keep_days")
ALERT_KEYS = ("integration", "recipients")
VOLUME_KEYS = ("date_column", "ratio", "days")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\Z")
# (name, lowest, highest, names allowed in place of numbers)
_FIELDS = (("minute", 0, 59, ()), ("hour", 0, 23, ()), ("day of month", 1, 31, ()),
           ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
           ("day of week", 0, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")))
_CRON_EXAMPLE = "write e.g. `USING CRON 0 4 * * * UTC` (minute hour day-of-month month day-of-week time-zone)"


def _values(text: str, low: int, high: int, names: tuple[str, ...]) -> set[int] | None:
    """The values one cron field allows, or None for `*` / `?` (any). Raises ValueError."""
    if text in ("*", "?"):
        return None
    allowed: set[int] = set()
    for item in text.split(","):
        if re.fullmatch(r"(\d+)?L|\d+W|\d+#\d", item):
            return None  # L, W and # (last, weekday, nth): any day as far as the period goes
        base, _, step_text = item.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"{item!r}: a step is a positive number, e.g. */15")
        first, _, last = base.partition("-")
        if first == "*":
            start, end = low, high
        else:
            start = _number(first, item, low, high, names)
            end = _number(last, item, low, high, names) if last else start
        if step is not None and not last and first != "*":
            end = high
        if start > end:
            raise ValueError(f"{item!r}: the range runs backwards")
        allowed |= set(range(start, end + 1, step or 1))
    return allowed


def _number(part: str, item: str, low: int, high: int, names: tuple[str, ...]) -> int:
    if part.upper() in names:
        return names.index(part.upper()) + low
    if not part.isdigit() or not low <= int(part) <= high:
        raise ValueError(f"{item!r} is not {low}–{high}" + (f" or {names[0]}–{names[-1]}" if names else ""))
    return int(part)


def cron_schedule(value: Any) -> str:
    """`USING CRON m h dom mon dow TZ`, validated field by field; returned normalised (the
    monitor's and the export's `schedule:`)."""
    from zoneinfo import ZoneInfo

    words = _text(value).split()
    if len(words) != 8 or [w.upper() for w in words[:2]] != ["USING", "CRON"]:
        raise ValueError(f"{value!r} is not a Snowflake CRON schedule: {_CRON_EXAMPLE}")
    for field, (name, low, high, names) in zip(words[2:7], _FIELDS, strict=True):
        try:
            _values(field.upper(), low, high, names)
        except ValueError as error:
            raise ValueError(f"its {name} field {error}; {_CRON_EXAMPLE}") from None
    zone = words[7]
    try:
        if not re.fullmatch(r"[A-Za-z0-9_+/-]+", zone):
            raise ValueError
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        raise ValueError(f"{zone!r} is not a time zone: use an IANA name such as UTC or Europe/London") from None
    return " ".join(["USING", "CRON", *(w.upper() for w in words[2:7]), zone])


def cron_period_minutes(schedule: str) -> int:
    """The longest gap between two runs of a CRON schedule, in minutes: minutes, hours and week
    days are walked over one week; a schedule that names days of the month or months counts as
    monthly (31 days), since the walk cannot see them."""
    words = schedule.split()[2:7]
    minutes, hours, dom, month, dow = (_values(w, low, high, names)
                                       for w, (_, low, high, names) in zip(words, _FIELDS, strict=True))
    if dom is not None or month is not None:
        return 31 * 24 * 60
    weekdays = None if dow is None else {d % 7 for d in dow}
    fires = [day * 1440 + hour * 60 + minute
             for day in range(7) if weekdays is None or day in weekdays
             for hour in range(24) if hours is None or hour in hours
             for minute in range(60) if minutes is None or minute in minutes]
    if not fires:
        return 7 * 24 * 60
    gaps = [b - a for a, b in zip(fires, fires[1:], strict=False)] + [fires[0] + 7 * 1440 - fires[-1]]
    return max(gaps)


def _place(database: str | None):  # type: ignore[no-untyped-def]
    def convert(value: Any) -> tuple[str, str]:
        parts = [identifiers.normalize(p) for p in identifiers.split(identifiers.require_printable(_text(value)))]
        if len(parts) == 2:
            return parts[0], parts[1]
        if len(parts) != 1:
            raise ValueError(f"{value!r} must be SCHEMA (in share.database) or DATABASE.SCHEMA")
        if database is None:
            raise ValueError("needs share.database to place the schema: write DATABASE.SCHEMA")
        return database, parts[0]

    return convert


def _whole(low: int, high: int, what: str):  # type: ignore[no-untyped-def]
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"must be a whole number of {what}, not {value!r}")
        if not low <= value <= high:
            raise ValueError(f"{value} is out of range: use {low}–{high} {what}")
        return value

    return convert


def _ratio(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"must be a number between 0 and 1, not {value!r}")
    if not 0 < value <= 1:
        raise ValueError(f"{value} is out of range: a ratio is above 0 and at most 1 (Optimove's default is 0.2)")
    return float(value)


def _recipients(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise TypeError("must be an e-mail address or a non-empty list of them")
    out = []
    for item in items:
        text = _text(item).strip()
        if not _EMAIL.match(text):
            raise ValueError(f"{text!r} is not an e-mail address")
        out.append(text)
    return tuple(out)


def read_monitor(r: Reader, top: Located, share: Share | None) -> Monitor | None:
    """`monitor:` (None when absent)."""
    if "monitor" not in top:
        return None
    node = r.mapping(top["monitor"], "monitor", MONITOR_KEYS, top.key_lines["monitor"])
    if node is None:
        return None
    database = share.database if share else None
    default = (database, MONITOR_SCHEMA) if database else None
    place = r.get(node, "monitor", "schema", _place(database), default=default)
    warehouse = r.get(node, "monitor", "warehouse", _name, required=True)
    schedule = r.get(node, "monitor", "schedule", cron_schedule, required=True)
    keep_days = r.get(node, "monitor", "keep_days", _whole(1, 3650, "days"))
    alert = None
    if "alert" in node:
        entry = r.mapping(node["alert"], "monitor.alert", ALERT_KEYS, node.key_lines["alert"])
        if entry is not None:
            integration = r.get(entry, "monitor.alert", "integration", _name, required=True)
            recipients = r.get(entry, "monitor.alert", "recipients", _recipients, required=True)
            if integration and recipients:
                alert = Alert(integration, recipients)
    if place is None or warehouse is None or schedule is None:
        return None
    return Monitor(database=place[0], schema=place[1], warehouse=warehouse, schedule=schedule, alert=alert,
                   keep_days=keep_days, line=node.line, variables=tuple(sorted(r.variables.items())))


def read_volume(r: Reader, node: Located, key: str, columns: list[str]) -> Volume | None:
    """`views[].volume:` (None when absent); `date_column` must be a column of the view."""
    if "volume" not in node:
        return None
    where = f"{key}.volume"
    entry = r.mapping(node["volume"], where, VOLUME_KEYS, node.key_lines["volume"])
    if entry is None:
        return None

    def column(value: Any) -> str:
        name = _name(value)
        if columns and name not in columns:
            raise ValueError(f"{identifiers.quote(name)} is not a column of this view")
        return name

    date_column = r.get(entry, where, "date_column", column, required=True)
    ratio = r.get(entry, where, "ratio", _ratio, default=DEFAULT_VOLUME_RATIO)
    days = r.get(entry, where, "days", _whole(1, 3650, "days"), default=DEFAULT_VOLUME_DAYS)
    return Volume(date_column, ratio, days) if date_column else None

