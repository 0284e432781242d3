"""The typed, frozen result of reading `sharekit.yml` (version 1): Config and its parts.

Plain dataclasses and constants only, so that anything may import them without loading YAML or
sqlglot; `sharekit.config.load` builds them from a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

KINDS = ("transactional", "fact", "dimension")
INCREMENTAL_KINDS = ("transactional", "fact")
DEFAULT_SCHEMA = "OPTIMOVE"
DEFAULT_LAST_UPDATED = "LastUpdated"
DEFAULT_MAX_AGE = "36h"
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?\Z")


@dataclass(frozen=True)
class Consumer:
    account: str  # ORG.ACCOUNT (or a legacy locator), upper-case
    share_restrictions: bool | None = None
    line: int | None = None
    locator: str | None = None  # its legacy locator, for accounts that SHOW SHARES names by locator
    region: str | None = None  # Snowflake region id (AWS_US_EAST_1, or PUBLIC.AWS_US_EAST_1), upper-case


TITLE_MAX = 110  # listing manifest reference: a title has at most 110 characters
DESCRIPTION_MAX = 7500  # and a description at most 7,500


@dataclass(frozen=True)
class Listing:
    """`share.listing:`: a private listing that carries the share to consumers in other regions."""

    name: str  # stored identifier
    title: str
    refresh: str  # auto-fulfillment refresh_schedule, normalised to minutes: "60 MINUTE"
    description: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Share:
    name: str  # stored
    database: str  # stored
    comment: str | None
    consumers: tuple[Consumer, ...]
    prune: bool = False
    listing: Listing | None = None
    ready_by_utc: str | None = None  # "HH:MM", 24-hour: when Optimove may read the day's data


@dataclass(frozen=True)
class Column:
    name: str  # stored name in the view
    source: str | None = None  # stored source column, when not an expression
    expr: str | None = None  # regenerated scalar SQL
    comment: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class OptimoveTable:
    vertical: str
    table: str


@dataclass(frozen=True)
class View:
    name: str  # stored
    schema: str  # stored
    kind: str
    columns: tuple[Column, ...]
    sources: tuple[tuple[str, str, str], ...]  # stored (db, schema, object) read by the view
    last_updated: str  # stored
    max_age: timedelta
    primary_key: tuple[str, ...] = ()
    comment: str | None = None
    source: tuple[str, str, str] | None = None  # `from:` views: the one source object
    where: str | None = None  # regenerated row filter
    query: str | None = None  # `query:` views: the regenerated SELECT
    optimove: OptimoveTable | None = None
    line: int | None = None
    volume: Volume | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


EXPORT_FORMATS = ("csv", "json", "parquet")
EXPORT_SCHEMA = "SHAREKIT_EXPORT"  # sharekit's own schema in the share database: stage default, watermarks
DEFAULT_MAX_FILE_MB = 250  # Optimove: at most 1 GB a file, best 100–250 MB parts
MAX_FILE_MB = 1024


@dataclass(frozen=True)
class Export:
    """The `export:` section: file delivery of the same views (`sharekit export`)."""

    stage: tuple[str, str, str]  # stored DB, SCHEMA, NAME
    format: str = "csv"
    max_file_mb: int = DEFAULT_MAX_FILE_MB
    path: str = ""  # prefix inside the stage, no leading or trailing '/'
    url: str | None = None  # external stage location (s3://, gcs://, azure://): sharekit creates the stage
    storage_integration: str | None = None  # stored name
    schedule: str | None = None  # Snowflake CRON: a task runs the export (sharekit.export_objects)
    warehouse: str | None = None  # the task's warehouse (required with schedule)
    skipped: frozenset[tuple[str, str]] = frozenset()  # (schema, name) of views with `export: false`
    line: int | None = None
    variables: tuple[tuple[str, str], ...] = ()  # ${NAME} values, packaged with the task's code (as the monitor's)

    def exports(self, view: View) -> bool:
        return (view.schema, view.name) not in self.skipped


MONITOR_SCHEMA = "SHAREKIT_MONITOR"  # sharekit's monitor objects, in the share database unless named
DEFAULT_VOLUME_RATIO = 0.2  # Optimove's Data Volume Validation defaults: MultFactor 0.2,
DEFAULT_VOLUME_DAYS = 180  # DaysBackwards 180


@dataclass(frozen=True)
class Volume:
    """`views[].volume:`: Optimove's daily volume rule, run by `check --data` and the monitor."""

    date_column: str  # stored name of the column whose date counts the day
    ratio: float = DEFAULT_VOLUME_RATIO
    days: int = DEFAULT_VOLUME_DAYS


@dataclass(frozen=True)
class Alert:
    integration: str  # stored name of an e-mail notification integration
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class Monitor:
    """The `monitor:` section: sharekit's checks run inside Snowflake on a schedule."""

    database: str  # stored
    schema: str  # stored
    warehouse: str  # stored
    schedule: str  # normalised: "USING CRON 0 4 * * * UTC"
    alert: Alert | None = None
    keep_days: int | None = None
    line: int | None = None
    variables: tuple[tuple[str, str], ...] = ()  # --var / SHAREKIT_VAR_* values, for the procedure's config


DEFAULT_READER_ROLE, DEFAULT_READER_USER, DEFAULT_READER_WAREHOUSE = "OPTIMOVE_READER", "OPTIMOVE_ETL", "OPTIMOVE_WH"


@dataclass(frozen=True)
class ReaderAccess:
    """The `reader:` section: a least-privilege login for Optimove's ETL (sharekit.config.access)."""

    role: str  # stored names
    user: str
    warehouse: str
    network_policy: str
    public_key: str  # base64 of the DER public key, no PEM armour: what RSA_PUBLIC_KEY takes
    key_fingerprint: str  # SHA256:<base64>, as DESC USER shows RSA_PUBLIC_KEY_FP; printed instead of the key
    allowed_ips: tuple[str, ...]
    resource_monitor: str | None = None  # set with credit_quota
    credit_quota: int | None = None
    statement_timeout: int | None = None  # seconds
    line: int | None = None


@dataclass(frozen=True)
class Config:
    path: str
    share: Share
    views: tuple[View, ...]
    schema: str
    last_updated: str
    max_age: timedelta
    seed: Path | None = None
    warnings: tuple[str, ...] = ()
    export: Export | None = None
    reader: ReaderAccess | None = None
    monitor: Monitor | None = None

    @property
    def schemas(self) -> tuple[str, ...]:
        return tuple(sorted({view.schema for view in self.views}))

    @property
    def reference_databases(self) -> tuple[str, ...]:
        """Databases other than the share's that views read from: each needs REFERENCE_USAGE."""
        return tuple(
            sorted(
                {db for view in self.views for db, _, _ in view.sources}
                - {self.share.database}
            )
        )

    def view(self, schema: str, name: str) -> View | None:
        return next((v for v in self.views if (v.schema, v.name) == (schema, name)), None)


def parse_duration(text: str) -> timedelta:
    """`36h`, `2d`, `90m`, `1d12h` → timedelta; raises ValueError."""
    match = _DURATION.match(str(text).strip())
    if not match or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration: write e.g. 36h, 2d, 90m or 1d12h")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)
