"""`sharekit audit`: every outbound share, who reads it, what it exposes, and what is wrong.

    report = audit(session, t)                         # no config: security findings only
    report = audit(session, t, config=load_config(p))  # + drift, unmanaged shares, declared consumers

Queries: a fixed number plus one per audited share, never one per object —

- SHOW SHARES (SHOW SHARES LIKE with `share=`);
- SHOW GRANTS TO SHARE, once per outbound share;
- SHOW GRANTS OF SHARE, only for a share whose `to` is a listing marker or cut short;
- SHOW VIEWS IN ACCOUNT, once, when a share grants a view or table (its `is_secure`); SHOW output
  stops at 10,000 rows, and a full page falls back to SHOW VIEWS IN DATABASE per shared database;
- one INFORMATION_SCHEMA.COLUMNS query, UNION ALL over the shared databases, for column lists;
- with a config whose share is audited: `introspect`'s own queries (at most six, plus SHOW GRANTS
  OF SHARE), so drift is exactly the diff `plan` computes (`build_plan`).

Findings (id: severity) — each names the share, the object and what to do:

- `object.not_secure`: error for a shared non-secure view; warning for a shared table (consumers
  read every column, including columns added later), which Snowflake allows on purpose.
- `share.empty`, `share.no_consumers`, `share.unmanaged` (with a config), `share.listing`,
  `share.truncated_accounts`: warnings.
- `consumer.unexpected`: error. A consumer is expected when the config declares it (on any share:
  a declared consumer is a known account) or `allow_accounts` lists it; with neither, consumers
  are not judged (`AuditReport.consumers_checked` is False). On the config's own share an
  undeclared consumer is reported once: `consumer.unexpected`, or `drift.consumer_extra`
  (warning) when `allow_accounts` lists it.
- `drift.*` (config's share only): `share_missing`, `database`, `database_missing`,
  `schema_missing`, `view_missing`, `view_changed`, `grant_missing`, `grant_extra`,
  `consumer_missing`: errors; `view_changed` is a warning when only comments differ;
  `view_extra` (an undeclared view in a managed schema) and `comment`: warnings.
- `last_updated.*`, `source.missing`, `column.missing`, `identifier.case_sensitive` for the
  config's declared views: `checks.structural_checks`, unchanged. Other shared views and tables
  get metadata-only heuristics, all warnings (nobody said they are for Optimove):
  no column named LASTUPDATED in any case → `last_updated.missing`; only a mixed-case one →
  `identifier.case_sensitive`; not a TIMESTAMP_NTZ/LTZ/TZ → `last_updated.type`.
- `pii.exposed`: warning, see `pii_category`. Columns computed by `expr:` in the config count as
  masked; `allow_columns` (`DB.SCHEMA.VIEW.COLUMN`, `SCHEMA.VIEW.COLUMN` or `VIEW.COLUMN`)
  acknowledges one. Masking policies on columns are not read (UNCONFIRMED how to, cheaply).
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from sharekit.sql import identifiers
from sharekit.checks.findings import SEVERITIES, Finding, rank
from sharekit.checks.structural import TIMESTAMP_TYPES, structural_checks
from sharekit.config.load import Config
from sharekit.state.desired import desired_state
from sharekit.errors import PlanError, SharekitError
from sharekit.state.introspect import (  # read SHOW output exactly as `plan` reads it
    LISTING_MARKERS, accounts_of_share, cell, introspect, parse_accounts, parse_grant, read_columns,
    share_name_of, truthy,
)
from sharekit.state.model import AccountState, ColumnState, Grant
from sharekit.plan.builder import build_plan, grant_display, same_definition
from sharekit.plan.definition import Plan
from sharekit.connect.session import Session
from sharekit.sql.templates import Templates

FORMAT_VERSION = 1
FAIL_ON = ("error", "warning", "none")
SHOW_ROW_LIMIT = 10_000  # SHOW commands return at most this many rows (reference §1.4)
VIEW_KINDS = frozenset({"VIEW", "MATERIALIZED_VIEW"})
# Objects whose columns a consumer reads; everything but views is shared as it is (not SECURE).
COLUMN_KINDS = VIEW_KINDS | {"TABLE", "EXTERNAL_TABLE", "ICEBERG_TABLE", "DYNAMIC_TABLE"}
CONTAINERS = frozenset({"DATABASE", "SCHEMA"})
LAST_UPDATED = "LASTUPDATED"


# --- the report --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SharedObject:
    """One grant to the share: a database, schema, view, table…, with what a consumer sees of it."""

    privilege: str
    kind: str  # DATABASE | SCHEMA | VIEW | TABLE | … (SHOW GRANTS' granted_on, underscore form)
    parts: tuple[str, ...]
    secure: bool | None = None  # views: SHOW VIEWS' is_secure; tables: False; containers: None
    columns: tuple[ColumnState, ...] | None = None  # None: no columns (containers) or not readable

    @property
    def name(self) -> str:
        return identifiers.fqn(*self.parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "privilege": self.privilege,
            "kind": self.kind,
            "name": self.name,
            "secure": self.secure,
            "columns": None if self.columns is None else [
                {"name": c.name, "data_type": c.data_type, "comment": c.comment} for c in self.columns
            ],
        }


@dataclass(frozen=True)
class ShareReport:
    name: str
    database: str | None
    comment: str | None
    consumers: tuple[str, ...]
    consumers_complete: bool  # False: a listing, or a `to` cut short that SHOW GRANTS OF SHARE could not fill
    listing: bool
    managed: bool | None  # declared by the config; None without a config
    objects: tuple[SharedObject, ...]
    findings: tuple[Finding, ...] = ()

    @property
    def views(self) -> tuple[SharedObject, ...]:
        return tuple(o for o in self.objects if o.kind in VIEW_KINDS)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "database": self.database,
            "comment": self.comment,
            "consumers": list(self.consumers),
            "consumers_complete": self.consumers_complete,
            "listing": self.listing,
            "managed": self.managed,
            "objects": [o.to_json() for o in self.objects],
            "finding_counts": {s: self.count(s) for s in SEVERITIES},
        }


@dataclass(frozen=True)
class AuditReport:
    shares: tuple[ShareReport, ...]
    findings: tuple[Finding, ...]  # every share's (errors first), plus those of a declared share that does not exist
    config: str | None = None  # path of the config it was compared with
    consumers_checked: bool = False
    stats: dict[str, Any] = field(default_factory=dict)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    def fails(self, fail_on: str) -> bool:
        """`--fail-on error`: any error; `warning`: any error or warning; `none`: never."""
        if fail_on not in FAIL_ON:
            raise ValueError(f"fail_on must be one of {FAIL_ON}, not {fail_on!r}")
        if fail_on == "none":
            return False
        return self.count("error") > 0 or (fail_on == "warning" and self.count("warning") > 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "config": self.config,
            "consumers_checked": self.consumers_checked,
            "summary": {"shares": len(self.shares), **{s: self.count(s) for s in SEVERITIES}},
            "shares": [s.to_json() for s in self.shares],
            "findings": [f.to_json() for f in self.findings],
            "stats": dict(self.stats),
        }


def _finding(id_: str, severity: str, share: str, obj: str, message: str) -> Finding:
    return Finding(id_, severity, obj, message, share=share)


# --- arguments ---------------------------------------------------------------------------------

def parse_allowed_account(text: str) -> str:
    """`--allow-account org.acct` → `ORG.ACCT` (a bare legacy locator is accepted too)."""
    try:
        return identifiers.normalize_account(text)[0]
    except SharekitError as error:
        raise SharekitError(f"--allow-account {text!r}: {error}") from None


def parse_allowed_column(text: str) -> tuple[str, ...]:
    """`--allow-column db.sch.view.col` / `sch.view.col` / `view.col` → stored parts (Snowflake's
    rules: unquoted parts upper-cased, quoted ones kept)."""
    try:
        parts = identifiers.split(text.strip())
        if not 2 <= len(parts) <= 4:
            raise SharekitError("write DB.SCHEMA.VIEW.COLUMN, SCHEMA.VIEW.COLUMN or VIEW.COLUMN")
        return tuple(identifiers.normalize(part) for part in parts)
    except SharekitError as error:
        raise SharekitError(f"--allow-column {text!r}: {error}") from None


# --- personal data by column name --------------------------------------------------------------

_PII_WORDS = (  # (category, whole tokens, substrings of the name without separators, what to do)
    ("an e-mail address", {"EMAIL", "MAIL", "EMAILS"}, ("EMAIL",),
     "share a digest instead (in sharekit.yml: `expr: SHA2(LOWER(TRIM({column})))`)"),
    ("a phone number", {"PHONE", "MOBILE", "CELL", "CELLPHONE", "TEL", "TELEPHONE", "MSISDN"}, ("PHONE",),
     "share a digest instead (in sharekit.yml: `expr: SHA2(TRIM({column}))`)"),
    ("a birth date", {"DOB", "BDAY"}, ("BIRTH",),
     "keep it only if Optimove needs it (birthday campaigns), else drop it or share less of it"),
    ("a postal address", {"ADDRESS", "ADDR", "STREET", "ZIP", "ZIPCODE", "POSTCODE", "POSTAL"},
     ("ADDRESS", "POSTCODE", "POSTALCODE", "ZIPCODE"), "drop it, or share a coarser field (city, country)"),
    ("a person's name", {"FNAME", "LNAME", "SURNAME"},
     ("FIRSTNAME", "LASTNAME", "SURNAME", "FULLNAME", "GIVENNAME", "FAMILYNAME", "MIDDLENAME", "MAIDENNAME"),
     "drop it (Optimove identifies customers by their ID)"),
)
_NAME_HINT = _PII_WORDS[-1][3]
# A name with one of these tokens holds a digest or a flag about the data, not the data itself.
_NOT_PII = frozenset({
    "HASH", "HASHED", "SHA", "SHA1", "SHA2", "SHA256", "SHA512", "MD5", "DIGEST", "ENCRYPTED", "MASKED",
    "TOKEN", "TOKENIZED", "PSEUDONYMIZED", "IS", "HAS", "ALLOW", "ALLOWED", "OPT", "OPTIN", "OPTOUT",
    "OPTED", "CONSENT", "FLAG", "VERIFIED", "VALID", "BOUNCED", "COUNT", "DOMAIN", "TYPE", "STATUS",
})  # fmt: skip
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _tokens(name: str) -> list[str]:
    return [token for token in re.split(r"[^A-Z0-9]+", _CAMEL.sub("_", name).upper()) if token]


def pii_category(name: str) -> str | None:
    """What personal data a column name suggests (e-mail, phone or mobile, birth date, address,
    first/last name), or None; names of digests and flags (EMAIL_HASH, ALLOW_EMAIL) are not.

    >>> pii_category("EMAIL"), pii_category("customerLastName"), pii_category("EMAIL_SHA256")
    ('an e-mail address', "a person's name", None)
    >>> pii_category("ITEM_NAME"), pii_category("LASTUPDATED"), pii_category("ALLOW_EMAIL")
    (None, None, None)
    """
    found = _pii(name)
    return found[0] if found else None


def _pii(name: str) -> tuple[str, str] | None:
    """(category, what to do) for a column name that suggests personal data."""
    tokens = _tokens(name)
    if _NOT_PII & set(tokens):
        return None
    joined = "".join(tokens)
    for category, words, fragments, hint in _PII_WORDS:
        if words & set(tokens) or any(fragment in joined for fragment in fragments):
            return category, hint
    if any(a in ("FIRST", "LAST", "FULL", "GIVEN", "FAMILY") and b == "NAME" for a, b in zip(tokens, tokens[1:])):
        return "a person's name", _NAME_HINT
    return None


# --- reading the account -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Live:
    name: str
    row: dict[str, Any]
    grants: tuple[Grant, ...]
    accounts: frozenset[str]
    parsed_complete: bool  # SHOW SHARES' `to` read in full
    listing: bool
    read_grants_of: bool  # SHOW GRANTS OF SHARE was asked and answered with accounts


def _outbound(session: Session, t: Templates, share: str | None, missing_ok: bool = False) -> list[dict[str, Any]]:
    if share is None:
        rows = session.query(t.render("show_all_shares"))
    else:  # LIKE also matches `_` as a wildcard: re-check the name exactly
        rows = [r for r in session.query(t.render("show_shares", share=share)) if share_name_of(r) == share]
    outbound = [r for r in rows if cell(r.get("kind")).upper() == "OUTBOUND"]
    if share is not None and not outbound and not (missing_ok and not rows):
        inbound = " (it is an INBOUND share, shared with this account)" if rows else ""
        raise SharekitError(
            f"no outbound share named {identifiers.quote(share)} in this account{inbound}; "
            "run `sharekit audit` without --share to list every outbound share"
        )
    return sorted(outbound, key=share_name_of)


def _read_share(session: Session, t: Templates, row: dict[str, Any]) -> _Live:
    name = share_name_of(row)
    grants = tuple(sorted(parse_grant(r) for r in session.query(t.render("show_grants_to_share", share=name))))
    to = cell(row.get("to"))
    accounts, complete = parse_accounts(to)
    listing = any(marker in to.upper() for marker in LISTING_MARKERS)
    read_of = False
    if not complete:
        more = accounts_of_share(session.query(t.render("show_grants_of_share", share=name)))
        read_of = bool(more)
        accounts = accounts | more
    return _Live(name, row, grants, accounts, complete, listing, read_of)


def _view_rows(session: Session, t: Templates, databases: set[str]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """SHOW VIEWS rows of the shared databases by (database, schema, name)."""
    rows = session.query(t.render("show_views_in_account"))
    if len(rows) >= SHOW_ROW_LIMIT:  # a full page may be cut short: ask each shared database
        rows = [r for db in sorted(databases) for r in session.query(t.render("show_views", database=db))]
    found = {}
    for row in rows:
        key = (cell(row.get("database_name")), cell(row.get("schema_name")), cell(row.get("name")))
        if key[0] in databases:
            found[key] = row
    return found


def _column_rows(
    session: Session, t: Templates, keys: Iterable[tuple[str, ...]]
) -> dict[tuple[str, str, str], tuple[ColumnState, ...]]:
    """Columns of the shared objects: one INFORMATION_SCHEMA.COLUMNS query over their schemas."""
    scopes: dict[str, set[str]] = {}
    for key in keys:
        scopes.setdefault(key[0], set()).add(key[1])
    return read_columns(session, t, scopes)


def _objects(live: _Live, views: dict, columns: dict) -> tuple[SharedObject, ...]:
    objects = []
    for grant in live.grants:
        key = tuple(grant.name)
        secure, cols = None, None
        if grant.object_type in COLUMN_KINDS and len(key) == 3:
            cols = columns.get(key)
            if grant.object_type in VIEW_KINDS:
                row = views.get(key)
                secure = None if row is None else truthy(row.get("is_secure"))
            else:
                secure = False
        objects.append(SharedObject(grant.privilege, grant.object_type, key, secure, cols))
    rank = {"DATABASE": 0, "SCHEMA": 1}
    return tuple(sorted(objects, key=lambda o: (rank.get(o.kind, 2), o.privilege != "USAGE", o.parts, o.kind)))


# --- findings ----------------------------------------------------------------------------------

class _Judge:
    """Findings for one audit: what is expected comes from the config and the allow-lists."""

    def __init__(self, config: Config | None, allow_accounts: frozenset[str],
                 allow_columns: tuple[tuple[str, ...], ...]) -> None:
        self.config = config
        self.allow_accounts = allow_accounts
        self.allow_columns = allow_columns
        self.declared = frozenset(c.account for c in config.share.consumers) if config else frozenset()
        self.checked = config is not None or bool(allow_accounts)
        self.where = config.path if config else ""

    def managed(self, name: str) -> bool | None:
        return None if self.config is None else name == self.config.share.name

    def share(self, live: _Live, objects: tuple[SharedObject, ...]) -> list[Finding]:
        name, label = live.name, identifiers.quote(live.name)
        out: list[Finding] = []

        def add(id_: str, severity: str, obj: str, message: str) -> None:
            out.append(_finding(id_, severity, name, obj, message))

        managed = self.managed(name)
        if managed is False:
            add("share.unmanaged", "warning", label,
                f"share {label} is not declared in {self.where}, so nobody reviews what it exposes: manage it "
                f"with a sharekit.yml of its own, or drop it (DROP SHARE {label}) if nobody uses it")
        to = cell(live.row.get("to")).strip()
        if live.listing:
            add("share.listing", "warning", label,
                f"share {label} is attached to a listing (`to` is {to!r}): its consumers are managed in the "
                "listing and sharekit cannot read them; review them in Snowsight (Provider Studio)")
        elif not live.parsed_complete:
            found = (f"sharekit read {len(live.accounts)} from SHOW GRANTS OF SHARE instead (column layout "
                     "UNCONFIRMED)" if live.read_grants_of else "SHOW GRANTS OF SHARE returned none either")
            add("share.truncated_accounts", "warning", label,
                f"SHOW SHARES cut the consumer list of {label} short; {found}: check it with "
                f"SHOW GRANTS OF SHARE {label}")
        if not live.accounts and live.parsed_complete:
            add("share.no_consumers", "warning", label,
                f"share {label} has no consumer account, so nobody can read it: add one (ALTER SHARE {label} "
                f"ADD ACCOUNTS = ORG.ACCOUNT), or drop the share if it is unused")
        if all(o.kind in CONTAINERS for o in objects):
            add("share.empty", "warning", label,
                f"share {label} grants no view or table{'' if objects else ', not even a database'}: consumers "
                "see nothing; grant the secure views it is for, or drop the share")
        if self.checked:
            for account in sorted(live.accounts):
                if managed and account not in self.declared and account in self.allow_accounts:
                    add("drift.consumer_extra", "warning", account,
                        f"{account} reads share {label} and is allowed by --allow-account, but {self.where} does "
                        "not declare it: add it to share.consumers")
                elif account not in self.declared and account not in self.allow_accounts:
                    known = f"declared in {self.where}" if self.config else "listed with --allow-account"
                    add("consumer.unexpected", "error", account,
                        f"{account} can read share {label} but is not {known}: remove it "
                        f"(ALTER SHARE {label} REMOVE ACCOUNTS = {account}), or, if it belongs there, "
                        + ("declare it in share.consumers" if managed else "allow it with --allow-account"))
        for obj in objects:
            out += self.object(name, obj)
        return out

    def object(self, share: str, obj: SharedObject) -> list[Finding]:
        out: list[Finding] = []
        if obj.kind in VIEW_KINDS and obj.secure is False:
            out.append(_finding("object.not_secure", "error", share, obj.name,
                               f"view {obj.name} is shared but not SECURE: consumers can see its definition and "
                               f"the optimizer can expose rows it filters out; run ALTER VIEW {obj.name} SET "
                               "SECURE (sharekit creates every view SECURE)"))
        elif obj.kind in COLUMN_KINDS - VIEW_KINDS:
            what = obj.kind.lower().replace("_", " ")
            out.append(_finding("object.not_secure", "warning", share, obj.name,
                               f"{what} {obj.name} is shared directly: consumers read every column, including "
                               "columns added later; share a secure view that lists the columns instead"))
        if obj.columns is None:
            return out
        declared = self._declared_view(share, obj)
        if declared is None:
            out += self._last_updated(share, obj)
        configured = {c.name: c for c in declared.columns} if declared else {}
        for column in obj.columns:
            out += self._pii(share, obj, column, configured.get(column.name))
        return out

    def _declared_view(self, share: str, obj: SharedObject) -> Any:
        if not self.managed(share) or obj.kind not in VIEW_KINDS or obj.parts[0] != self.config.share.database:
            return None
        return self.config.view(obj.parts[1], obj.parts[2])

    def _last_updated(self, share: str, obj: SharedObject) -> list[Finding]:
        """Metadata-only heuristics for shared objects no config describes: all warnings."""
        by_name = {c.name: c for c in obj.columns or ()}
        near = [c for c in by_name if c.upper() == LAST_UPDATED]
        if LAST_UPDATED in by_name:
            data_type = by_name[LAST_UPDATED].data_type or ""
            if data_type and data_type.split("(")[0].upper() not in TIMESTAMP_TYPES:
                return [_finding("last_updated.type", "warning", share, obj.name,
                                f"LASTUPDATED of {obj.name} is {data_type}: Optimove filters increments on a "
                                "TIMESTAMP_NTZ (UTC); share it as one")]
            return []
        if near:
            return [_finding("identifier.case_sensitive", "warning", share, f"{obj.name}.{identifiers.quote(near[0])}",
                            f"{obj.name} has {identifiers.quote(near[0])}, which consumers must quote exactly: an "
                            "unquoted LastUpdated finds LASTUPDATED; rename the column to LASTUPDATED")]
        return [_finding("last_updated.missing", "warning", share, obj.name,
                        f"{obj.name} has no LASTUPDATED column: Optimove cannot read it incrementally and must "
                        "reload it in full; add a TIMESTAMP_NTZ LASTUPDATED (ignore this if the share is not for "
                        "Optimove)")]

    def _pii(self, share: str, obj: SharedObject, column: ColumnState, configured: Any) -> list[Finding]:
        if configured is not None and configured.expr is not None:
            return []  # computed in the config (hashed, masked, a flag): reviewed there
        found, origin = _pii(column.name), ""
        if found is None and configured is not None and configured.source not in (None, column.name):
            found = _pii(configured.source)
            origin = f" (renamed from source column {identifiers.quote(configured.source)})"
        if found is None or self._allowed((*obj.parts, column.name)):
            return []
        category, hint = found
        qualified = f"{obj.name}.{identifiers.quote(column.name)}"
        return [_finding("pii.exposed", "warning", share, qualified,
                        f"column {identifiers.quote(column.name)}{origin} looks like {category}, readable as it is "
                        "by every consumer: "
                        f"{hint.format(column=identifiers.quote(configured.source if origin else column.name))}; "
                        f"or acknowledge it with --allow-column {qualified}")]

    def _allowed(self, key: tuple[str, ...]) -> bool:
        return any(key[-len(allowed):] == allowed for allowed in self.allow_columns)


def _drift(config: Config, plan: Plan, actual: AccountState, desired: AccountState) -> list[Finding]:
    """The plan's changes and unmanaged items as findings (consumers are judged by `_Judge`)."""
    share = config.share.name
    label = identifiers.quote(share)
    apply_hint = f"run `sharekit plan -f {config.path}` to see it and `sharekit apply` to fix it"
    out: list[Finding] = []

    def add(id_: str, severity: str, obj: str, message: str) -> None:
        out.append(_finding(id_, severity, share, obj, message))

    live = actual.share
    grants = {grant_display(g): g for g in (desired.share.grants | (live.grants if live else frozenset()))}
    for change in plan.changes:
        kind = (change.action, change.object_type)
        if kind == ("create", "share"):
            add("drift.share_missing", "error", label,
                f"{config.path} declares share {label}, which does not exist in this account; {apply_hint}")
        elif live is None:
            continue  # the missing share says it all
        elif kind == ("alter", "share"):
            add("drift.comment", "warning", label,
                f"the comment of share {label} differs from {config.path}; {apply_hint}")
        elif kind in (("create", "database"), ("create", "schema")):
            add(f"drift.{change.object_type}_missing", "error", change.object,
                f"{change.object_type} {change.object} of share {label} does not exist; {apply_hint}")
        elif kind == ("create", "view"):
            add("drift.view_missing", "error", change.object,
                f"view {change.object} is declared in {config.path} but does not exist; {apply_hint}")
        elif kind == ("replace", "view"):
            have, want = actual.views[change.target], desired.views[change.target]
            serious = (not have.secure or not same_definition(have.text, want.text)
                       or [c.name for c in have.columns] != [c.name for c in want.columns])
            add("drift.view_changed", "error" if serious else "warning", change.object,
                f"view {change.object} differs from {config.path} ({change.reason}); someone changed it by "
                f"hand: {apply_hint}")
        elif kind == ("drop", "view"):
            out += _view_extra(share, change.object, config)
        elif change.action == "grant":
            g = grants[change.object]
            add("drift.grant_missing", "error", identifiers.fqn(*g.name),
                f"{change.object} is declared in {config.path} but not granted to share {label}, so consumers "
                f"cannot use it (a view replaced without COPY GRANTS loses its grant); {apply_hint}")
        elif change.action == "revoke":
            out.append(_grant_extra(share, grants[change.object], change.object, config))
        elif change.action == "add_accounts":
            for account in change.object.split(", "):
                add("drift.consumer_missing", "error", account,
                    f"{config.path} declares consumer {account}, which cannot read share {label}; {apply_hint}")
    if live is None:
        return out
    for item in plan.unmanaged:
        what, _, rest = item.partition(" ")
        if what == "grant":
            out.append(_grant_extra(share, grants[rest], rest, config))
        elif what == "view":
            out += _view_extra(share, rest, config)
    return out


def _grant_extra(share: str, g: Grant, display: str, config: Config) -> Finding:
    label = identifiers.quote(share)
    return _finding("drift.grant_extra", "error", share, identifiers.fqn(*g.name),
                   f"{display} is granted to share {label} but not declared in {config.path}: consumers can read "
                   f"what nobody reviewed; revoke it (REVOKE {g.privilege} ON {g.object_type.replace('_', ' ')} "
                   f"{identifiers.fqn(*g.name)} FROM SHARE {label}), or declare it")


def _view_extra(share: str, name: str, config: Config) -> list[Finding]:
    return [_finding("drift.view_extra", "warning", share, name,
                    f"view {name} sits in a schema {config.path} manages but is not declared there; declare it, "
                    "or drop it (`share.prune: true` and `sharekit apply --allow-destroy`)")]


# --- the audit ---------------------------------------------------------------------------------



def _sorted(findings: Iterable[Finding], by_share: bool = False) -> tuple[Finding, ...]:
    """Errors first, then by id and object (and share first within a severity, across shares)."""
    return tuple(sorted(findings, key=lambda f: (rank(f.severity), f.share if by_share else "",
                                                 f.id, f.object, f.message)))


def audit(
    session: Session,
    t: Templates,
    config: Config | None = None,
    share: str | None = None,
    allow_accounts: Iterable[str] = (),
    allow_columns: Iterable[str] = (),
) -> AuditReport:
    """Audit every outbound share (or the one named by its stored name) in a fixed number of
    queries plus one per share; see the module docstring for the findings."""
    allowed_accounts = frozenset(parse_allowed_account(a) for a in allow_accounts)
    allowed_columns = tuple(parse_allowed_column(c) for c in allow_columns)
    before, started = session.round_trips, time.perf_counter()

    declared = config is not None and share == config.share.name  # if missing: drift.share_missing
    lives = [_read_share(session, t, row) for row in _outbound(session, t, share, missing_ok=declared)]
    shared = {tuple(g.name) for live in lives for g in live.grants
              if g.object_type in COLUMN_KINDS and len(g.name) == 3}
    views = _view_rows(session, t, {key[0] for key in shared}) if shared else {}
    columns = _column_rows(session, t, shared)

    judge = _Judge(config, allowed_accounts, allowed_columns)
    extra: dict[str, list[Finding]] = {}  # findings of the config's share from plan and checks
    if config is not None and share in (None, config.share.name):
        extra[config.share.name] = _managed_findings(session, t, config)

    reports = []
    for live in lives:
        objects = _objects(live, views, columns)
        findings = judge.share(live, objects) + extra.pop(live.name, [])
        database = cell(live.row.get("database_name")).strip()
        reports.append(ShareReport(
            name=live.name,
            database=identifiers.parse_stored_qualified(database)[-1] if database else None,
            comment=cell(live.row.get("comment")) or None,
            consumers=tuple(sorted(live.accounts)),
            consumers_complete=not live.listing and (live.parsed_complete or live.read_grants_of),
            listing=live.listing,
            managed=judge.managed(live.name),
            objects=objects,
            findings=_sorted(findings),
        ))
    orphans = [f for findings in extra.values() for f in findings]  # a declared share that does not exist
    stats = {"queries": session.round_trips - before, "seconds": round(time.perf_counter() - started, 3)}
    return AuditReport(
        shares=tuple(reports),
        findings=_sorted(orphans + [f for r in reports for f in r.findings], by_share=True),
        config=config.path if config else None,
        consumers_checked=judge.checked,
        stats=stats,
    )


def _managed_findings(session: Session, t: Templates, config: Config) -> list[Finding]:
    """Drift (the diff `plan` computes) and the structural checks of the config's own share."""
    actual = introspect(session, config, t)
    desired = desired_state(config, t)
    share = config.share.name
    findings = [dataclasses.replace(f, share=share) for f in structural_checks(config, actual)]
    try:
        plan = build_plan(config, desired, actual, t)
    except PlanError as error:  # the live share uses another database: no plan, one finding
        return findings + [_finding("drift.database", "error", share, identifiers.quote(share), str(error))]
    return findings + _drift(config, plan, actual, desired)
