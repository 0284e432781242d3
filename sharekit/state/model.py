"""The state both sides of a diff are expressed in: what the config wants, what the account has.

Names are *stored* names (see `identifiers`). View definitions are compared as text first and,
only when that differs, as SELECTs normalised by sqlglot, so equal definitions never churn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sharekit.state.listing import ListingState

if TYPE_CHECKING:
    from sharekit.export_objects import ExportState
    from sharekit.monitor.objects import MonitorState
    from sharekit.state.access import ReaderState


@dataclass(frozen=True, order=True)
class Grant:
    """One privilege granted to the share, e.g. SELECT on VIEW (DB, SCHEMA, NAME)."""

    privilege: str  # USAGE | REFERENCE_USAGE | SELECT
    object_type: str  # DATABASE | SCHEMA | VIEW | TABLE | …
    name: tuple[str, ...]


@dataclass(frozen=True)
class ColumnState:
    name: str
    comment: str | None = None
    data_type: str | None = None  # INFORMATION_SCHEMA.COLUMNS.DATA_TYPE; unknown for desired expr columns


@dataclass(frozen=True)
class ViewState:
    database: str
    schema: str
    name: str
    columns: tuple[ColumnState, ...]
    comment: str | None
    secure: bool
    text: str = ""  # desired: the full CREATE statement; live: as SHOW VIEWS reports it
    owner: str | None = None  # live: the owning role (SHOW VIEWS `owner`)

    @property
    def unreadable(self) -> bool:
        """A live secure view whose text this role cannot see: Snowflake shows a secure view's
        definition only to its owning role, so the text is empty and says nothing about it."""
        return self.secure and not self.text.strip()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.database, self.schema, self.name)


@dataclass(frozen=True)
class ShareState:
    name: str
    comment: str | None
    database: str | None  # the database with USAGE (at most one)
    accounts: frozenset[str]
    grants: frozenset[Grant]
    accounts_complete: bool = True  # False when no source listed every consumer
    implied_grants: frozenset[Grant] = frozenset()  # counted as present though not listed
    unmatched_locators: frozenset[str] = frozenset()  # consumers listed by a locator no config names


@dataclass(frozen=True)
class AccountState:
    """Everything a plan compares; `share` is None when the share does not exist."""

    share: ShareState | None
    databases: frozenset[str]
    schemas: frozenset[tuple[str, str]]
    views: dict[tuple[str, str, str], ViewState] = field(default_factory=dict)
    # columns of every object the views read (and of the views themselves), for checks
    columns: dict[tuple[str, str, str], tuple[ColumnState, ...]] = field(default_factory=dict)
    # databases created from a share (their objects cannot be shared again) → the share they come from
    imported: dict[str, str] = field(default_factory=dict)
    # the account's region (CURRENT_REGION()), read only when a consumer declares one or a listing is declared
    region: str | None = None
    # the share's private listing: desired, the one the config asks for; live, the declared one, or the
    # one the share is attached to (SHOW SHARES `listing_global_name`)
    listing: ListingState | None = None
    reader: ReaderState | None = None  # the reader's objects, only read when the config has `reader:`
    monitor: MonitorState | None = None  # the monitor's objects (sharekit.monitor.objects), when read
    export: ExportState | None = None  # the export's objects (sharekit.export_objects), when read


EMPTY = AccountState(share=None, databases=frozenset(), schemas=frozenset())
