"""The `share:` section of sharekit.yml: the share, its consumers (and their regions), its
private listing for consumers in other regions, and the daily time by which data is ready.

Split from `sharekit.config.load`, which calls `read_share`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sharekit.config.model import DESCRIPTION_MAX, TITLE_MAX, Consumer, Listing, Share
from sharekit.config.reader import Reader, _bool, _name, _text
from sharekit.config.source import Located, LocatedList
from sharekit.sql import identifiers

_SHARE_KEYS = ("name", "database", "comment", "consumers", "prune", "listing", "ready_by_utc")
_LISTING_KEYS = ("name", "title", "refresh", "description")

# A Snowflake region id, e.g. AWS_US_EAST_1, AZURE_WESTEUROPE, GCP_EUROPE_WEST2. CURRENT_REGION()
# returns `region_group.region` (PUBLIC.AWS_US_WEST_2) in organisations that span several region
# groups (CURRENT_REGION documentation), so that form is accepted too.
REGION = re.compile(r"(?:[A-Z][A-Z0-9_]*\.)?(?:AWS|AZURE|GCP)_[A-Z0-9_]*[A-Z0-9]\Z")

# auto_fulfillment.refresh_schedule: `<n> MINUTE`, `<n> HOUR` or `<n> DAY` in the manifest
# examples; Snowflake documents refresh frequencies from every minute up to once every 8 days
# (auto-fulfillment refresh interval documentation). sharekit writes minutes, so a schedule
# read back in another unit still compares equal. USING CRON schedules: not accepted (yet).
_REFRESH = re.compile(r"(\d+)\s*(MINUTES?|HOURS?|DAYS?)\Z")
_MINUTES = {"MINUTE": 1, "HOUR": 60, "DAY": 1440}
MAX_REFRESH_MINUTES = 8 * 1440
_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d\Z")


def read_share(r: Reader, top: Located) -> Share | None:
    if "share" not in top:
        r.problem(1, "share", "is required: name the share, its database and its consumers")
        return None
    node = r.mapping(top["share"], "share", _SHARE_KEYS, top.key_lines["share"])
    if node is None:
        return None
    name = r.get(node, "share", "name", _name, required=True)
    database = r.get(node, "share", "database", _name, required=True)
    comment = r.get(node, "share", "comment", _text)
    prune = r.get(node, "share", "prune", _bool, default=False)
    ready_by_utc = r.get(node, "share", "ready_by_utc", _hhmm)
    listing = _read_listing(r, node)
    consumers = _read_consumers(r, node)
    if name is None or database is None:
        return None
    return Share(name, database, comment, tuple(consumers), bool(prune), listing, ready_by_utc)


def _read_consumers(r: Reader, node: Located) -> list[Consumer]:
    consumers: list[Consumer] = []
    raw = node.get("consumers")
    if raw is None or (isinstance(raw, LocatedList) and not raw):  # missing, `consumers:` or `[]`
        r.warn(node.key_lines.get("consumers", node.line), "share.consumers",
               "none declared; the share will reach no account: add `- account: ORG.ACCOUNT` "
               "under `consumers:` (Optimove gives you its ORG.ACCOUNT)")
        return consumers
    if not isinstance(raw, LocatedList):
        r.problem(node.key_lines["consumers"], "share.consumers", "must be a list of {account: ORG.ACCOUNT}")
        return consumers
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        key = f"share.consumers[{index}]"
        line = raw.item_lines[index]
        if isinstance(item, str):
            item = Located(account=item)
            item.line, item.key_lines = line, {"account": line}
        entry = r.mapping(item, key, ("account", "share_restrictions", "locator", "region"), line)
        if entry is None:
            continue
        account = r.get(entry, key, "account", _account(r, key, line), required=True)
        restrictions = r.get(entry, key, "share_restrictions", _bool)
        locator = r.get(entry, key, "locator", _locator)
        region = r.get(entry, key, "region", region_id)
        if account is None:
            continue
        if account in seen:
            r.problem(line, f"{key}.account", f"{account} is listed twice (first at line {seen[account]})")
            continue
        seen[account] = line
        consumers.append(Consumer(account, restrictions, line, locator, region))
    return consumers


def _read_listing(r: Reader, node: Located) -> Listing | None:
    if "listing" not in node or node["listing"] is None:
        return None
    line = node.key_lines["listing"]
    entry = r.mapping(node["listing"], "share.listing", _LISTING_KEYS, line)
    if entry is None:
        return None
    name = r.get(entry, "share.listing", "name", _name, required=True)
    title = r.get(entry, "share.listing", "title", _manifest_text(TITLE_MAX), required=True)
    refresh = r.get(entry, "share.listing", "refresh", refresh_schedule, required=True)
    description = r.get(entry, "share.listing", "description", _manifest_text(DESCRIPTION_MAX))
    if name is None or title is None or refresh is None:
        return None
    return Listing(name, title, refresh, description, entry.line or line)


def region_id(value: Any) -> str:
    """`aws_us_east_1` → `AWS_US_EAST_1`; raises ValueError for anything else."""
    text = _text(value).strip().upper()
    if not REGION.match(text):
        raise ValueError(f"{text!r} is not a Snowflake region id: write the cloud, then the region, e.g. "
                         "AWS_US_EAST_1, AZURE_WESTEUROPE or GCP_EUROPE_WEST2 (what SELECT CURRENT_REGION() "
                         "returns in the consumer's account)")
    return text


def refresh_schedule(value: Any) -> str:
    """`1 HOUR`, `90 minutes`, `1 day` → `60 MINUTE`, `90 MINUTE`, `1440 MINUTE`; raises ValueError."""
    text = " ".join(_text(value).split()).upper()
    match = _REFRESH.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a refresh schedule: write a number and MINUTE, HOUR or DAY, "
                         "e.g. '1 HOUR' or '30 MINUTE'")
    minutes = int(match.group(1)) * _MINUTES[match.group(2).rstrip("S")]
    if not 1 <= minutes <= MAX_REFRESH_MINUTES:
        raise ValueError(f"{text!r} is outside what Snowflake refreshes: from 1 MINUTE up to 8 DAY")
    return f"{minutes} MINUTE"


def _manifest_text(limit: int) -> Callable[[Any], str]:
    """Text for the listing manifest, which sharekit sends inside `$$ … $$`: `$$` would end it."""
    def convert(value: Any) -> str:
        text = _text(value)
        if "$$" in text:
            raise ValueError("must not contain '$$' (it would end the listing manifest in the SQL): "
                             "write it another way, e.g. '$ $'")
        if not text.strip():
            raise ValueError("must not be empty")
        if len(text) > limit:
            raise ValueError(f"is {len(text)} characters long; Snowflake allows {limit}")
        return text

    return convert


def _hhmm(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads unquoted 5:30 as 330
        raise TypeError("must be a quoted time of day: unquoted, YAML reads H:MM as a number; write e.g. \"05:30\"")
    text = _text(value).strip()
    if not _HHMM.match(text):
        raise ValueError(f"{text!r} is not a time of day: write HH:MM in UTC, 24-hour, quoted, e.g. \"05:00\"")
    return text


def _locator(value: Any) -> str:
    """A legacy account locator (`AB12345`): letters and digits, no organisation."""
    text = _text(value).strip().upper()
    if not re.fullmatch(r"[A-Z][A-Z0-9]{1,30}", text):
        raise ValueError(f"{text!r} is not an account locator: write letters and digits, e.g. AB12345")
    return text


def _account(r: Reader, key: str, line: int) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        account, legacy = identifiers.normalize_account(_text(value))
        if legacy:
            r.warn(line, f"{key}.account",
                   f"{account} is a legacy account locator; Snowflake prefers ORG.ACCOUNT")
        return account

    return convert
