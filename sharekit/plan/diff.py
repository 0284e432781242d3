"""Desired vs actual → typed, frozen deltas, computed once.

The plan builder turns them into ordered statements, `check` reads each view's status from them
and `audit` turns them into drift findings, so "has this view changed?" is decided here alone.
View definitions are compared as text first and, only when that differs, as SELECTs normalised
by sqlglot, so equal definitions never churn.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sharekit.config.model import Config
from sharekit.plan.listing import ListingDelta, listing_delta
from sharekit.sql import identifiers
from sharekit.sql.fragments import normalize_select
from sharekit.state.model import AccountState, Grant, ViewState

ViewKey = tuple[str, str, str]


def same_definition(live: str, wanted: str) -> bool:
    """Texts equal (the common case: sharekit wrote the view), else the normalised SELECTs equal.
    A live text that cannot be parsed counts as different, so it gets replaced."""
    if live.strip().rstrip(";").strip() == wanted.strip().rstrip(";").strip():
        return True
    live_select = normalize_select(live)
    return live_select is not None and live_select == normalize_select(wanted)


@dataclass(frozen=True)
class ViewDelta:
    """A declared view to create (`actual` None) or replace, with why and what it does to consumers."""

    key: ViewKey
    desired: ViewState
    actual: ViewState | None = None
    not_secure: bool = False
    definition_changed: bool = False
    columns_changed: bool = False
    column_comments_changed: bool = False
    comment_changed: bool = False
    breaking: bool = False
    impact: str = ""  # "breaking: removes …" / "additive: adds …"

    @property
    def action(self) -> str:
        return "create" if self.actual is None else "replace"

    @property
    def reasons(self) -> tuple[str, ...]:
        flags = ((self.not_secure, "view is not SECURE"), (self.definition_changed, "definition changed"),
                 (self.columns_changed, "columns changed"),
                 (self.column_comments_changed, "column comments changed"),
                 (self.comment_changed, "comment changed"))
        return tuple(reason for flag, reason in flags if flag)

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons + ((self.impact,) if self.impact else ()))

    @property
    def data_changed(self) -> bool:
        """Consumers would read other rows or columns once the config is applied."""
        return self.actual is None or self.definition_changed or self.columns_changed

    @property
    def serious(self) -> bool:
        """More than comments differ."""
        return self.not_secure or self.data_changed

    def unified_diff(self) -> str:
        if self.actual is None:
            return ""
        name = identifiers.fqn(*self.key)
        old = self.actual.text.rstrip().rstrip(";").splitlines()
        new = self.desired.text.rstrip().rstrip(";").splitlines()
        return "\n".join(difflib.unified_diff(old, new, f"{name} (live)", f"{name} (sharekit.yml)", lineterm=""))


@dataclass(frozen=True)
class Diff:
    """Everything that differs between the config's share and the account, before prune decides."""

    share_missing: bool
    comment_changed: bool
    other_database: str | None  # the live share already uses this other database
    databases_missing: tuple[str, ...]
    schemas_missing: tuple[tuple[str, str], ...]
    views: tuple[ViewDelta, ...]  # declared views to create or replace, by key
    views_extra: tuple[ViewKey, ...]  # undeclared views in the managed schemas that the share exposes
    grants_missing: tuple[Grant, ...]
    grants_extra: tuple[Grant, ...]
    accounts_missing: tuple[str, ...]
    accounts_extra: tuple[str, ...]
    accounts_complete: bool  # False: the live consumer list could not be read in full
    listing: ListingDelta | None = None  # the share's private listing (sharekit.plan.listing)

    def view_status(self, key: ViewKey) -> str:
        """`missing` (not in the account), `outdated` (other rows or columns) or `current`."""
        delta = next((d for d in self.views if d.key == key), None)
        if delta is None or not delta.data_changed:
            return "current"
        return "missing" if delta.actual is None else "outdated"


def classify_columns(
    actual: ViewState, desired: ViewState, desired_types: dict[str, str | None]
) -> tuple[bool, str]:
    """(breaking, description) for consumers: Optimove's ETL breaks when a column it reads is
    removed, renamed or retyped; new columns are additive."""
    before = {c.name: c.data_type for c in actual.columns}
    after = [c.name for c in desired.columns]
    removed = [name for name in before if name not in after]
    added = [name for name in after if name not in before]
    retyped = [
        name for name in after
        if name in before and before[name] and desired_types.get(name) and before[name] != desired_types[name]
    ]
    parts = []
    if removed:
        parts.append("removes " + ", ".join(map(identifiers.quote, removed)))
    if retyped:
        parts.append("retypes " + ", ".join(
            f"{identifiers.quote(n)} {before[n]} → {desired_types[n]}" for n in retyped))
    if added:
        parts.append("adds " + ", ".join(map(identifiers.quote, added)))
    if removed or retyped:
        return True, "breaking: " + "; ".join(parts)
    if added:
        return False, "additive: " + "; ".join(parts)
    return False, ""


def _desired_types(config: Config, actual: AccountState, key: ViewKey) -> dict[str, str | None]:
    """Data types a desired view's plain and renamed columns will have: their source columns'."""
    view = config.view(key[1], key[2])
    if view is None or view.source is None:
        return {}
    source_types = {c.name: c.data_type for c in actual.columns.get(view.source, ())}
    return {c.name: source_types.get(c.source) for c in view.columns if c.source is not None}


def view_delta(config: Config, actual: AccountState, key: ViewKey, want: ViewState) -> ViewDelta | None:
    have = actual.views.get(key)
    if have is None:
        return ViewDelta(key, want)
    columns_changed = [c.name for c in have.columns] != [c.name for c in want.columns]
    delta = ViewDelta(
        key, want, have,
        not_secure=not have.secure,
        # an unreadable definition is unknown, not different: replacing on an empty text would
        # churn every plan (and fail without ownership); `view.unreadable` says what to do
        definition_changed=not have.unreadable and not same_definition(have.text, want.text),
        columns_changed=columns_changed,
        # `comment: ''` is no comment: introspection reads an empty COMMENT back as None
        column_comments_changed=not columns_changed
        and [c.comment or None for c in have.columns] != [c.comment or None for c in want.columns],
        comment_changed=(have.comment or None) != (want.comment or None),
    )
    if not delta.reasons:
        return None
    breaking, impact = classify_columns(have, want, _desired_types(config, actual, key))
    return ViewDelta(**{**delta.__dict__, "breaking": breaking, "impact": impact})


def diff(config: Config, desired: AccountState, actual: AccountState) -> Diff:
    """What differs, computed once for plan, check and audit."""
    assert desired.share is not None
    live = actual.share
    live_grants = live.grants if live else frozenset()
    live_accounts = live.accounts if live else frozenset()
    listing_targets = actual.listing.targets if actual.listing else ()
    views = (view_delta(config, actual, key, want) for key, want in sorted(desired.views.items()))
    return Diff(
        share_missing=live is None,
        comment_changed=live is not None and (live.comment or None) != (desired.share.comment or None),
        other_database=live.database if live and live.database and live.database != desired.share.database
        else None,
        databases_missing=tuple(sorted(desired.databases - actual.databases)),
        schemas_missing=tuple(sorted(desired.schemas - actual.schemas)),
        views=tuple(delta for delta in views if delta is not None),
        views_extra=tuple(sorted(key for key in actual.views
                                 if key not in desired.views and (key[0], key[1]) in desired.schemas
                                 and Grant("SELECT", "VIEW", key) in live_grants)),
        grants_missing=tuple(sorted(desired.share.grants - live_grants)),
        grants_extra=tuple(sorted(live_grants - desired.share.grants)),
        accounts_missing=tuple(sorted(desired.share.accounts - live_accounts)),
        # a live listing's targets are no direct consumers, whatever SHOW GRANTS OF SHARE lists
        accounts_extra=tuple(sorted(live_accounts - desired.share.accounts - set(listing_targets))),
        accounts_complete=live is None or live.accounts_complete,
        listing=listing_delta(desired, actual),
    )
