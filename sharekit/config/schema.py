"""The JSON Schema of `sharekit.yml` (version 1), for editors and CI: generated, never hand-written.

`config_schema()` builds it from the rules `sharekit.config.load` enforces: the keys of every
mapping (any other key is an error there, so `additionalProperties: false` here), their types,
the required keys, the view kinds of `sharekit.config.model`, `from:` xor `query:`, and the
shapes of durations and account identifiers. Every key carries a description and an example, so
an editor completes and explains it. `tests/test_schema.py` proves the two agree: each mapping's
keys against the keys `load.py` accepts, and sample configs judged alike by both.

What a schema cannot see stays with `sharekit validate`: SQL in `where:`, `expr:` and `query:`,
identifier rules, duplicates, and `${NAME}` variables (accepted wherever a string is, as the
loader substitutes them before it converts).

The committed copy is `sharekit.schema.json` at the repository root (`sharekit schema` prints
it); `sharekit init` points the starter's `# yaml-language-server: $schema=…` line at it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sharekit.config.model import (
    DEFAULT_LAST_UPDATED,
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_FILE_MB,
    DEFAULT_SCHEMA,
    DESCRIPTION_MAX,
    EXPORT_FORMATS,
    EXPORT_SCHEMA,
    KINDS,
    MAX_FILE_MB,
    TITLE_MAX,
)

SCHEMA_FILE = "sharekit.schema.json"
# Where a published copy is read from when no sharekit.schema.json is in the project. A
# placeholder: replace OWNER with the GitHub owner sharekit is installed from (README, "Editor
# support"), or commit the output of `sharekit schema` and point at it with a relative path.
SCHEMA_URL = f"https://raw.githubusercontent.com/OWNER/sharekit/main/{SCHEMA_FILE}"
# draft-07: the newest dialect every YAML editor integration (yaml-language-server) reads fully
DIALECT = "http://json-schema.org/draft-07/schema#"
MODELINE = "# yaml-language-server: $schema="

VARIABLE = r"\$\{[A-Za-z_][A-Za-z0-9_]*\}"  # `${NAME}`, replaced before a value is converted
# `parse_duration`: days, hours, minutes in that order, each optional but one present
DURATION = r"^\s*(\d+d(\d+h)?(\d+m)?|\d+h(\d+m)?|\d+m)\s*$"
# `identifiers.normalize_account`: ORG.ACCOUNT, or a bare legacy locator (which warns)
ACCOUNT = r"^\s*([A-Za-z][A-Za-z0-9]*\.[A-Za-z]([A-Za-z0-9_]{0,61}[A-Za-z0-9])?|[A-Za-z]{1,4}[0-9]{3,10})\s*$"
LOCATOR = r"^\s*[A-Za-z][A-Za-z0-9]{1,30}\s*$"  # config.share._locator
# config.share.REGION, any case (ECMA 262 patterns have no inline flags); an optional region group
REGION = (r"^\s*([A-Za-z][A-Za-z0-9_]*\.)?([Aa][Ww][Ss]|[Aa][Zz][Uu][Rr][Ee]|[Gg][Cc][Pp])_"
          r"[A-Za-z0-9_]*[A-Za-z0-9]\s*$")
REFRESH = r"^\s*\d+\s*([Mm][Ii][Nn][Uu][Tt][Ee]|[Hh][Oo][Uu][Rr]|[Dd][Aa][Yy])[Ss]?\s*$"  # share.refresh_schedule
HHMM = r"^\s*([01][0-9]|2[0-3]):[0-5][0-9]\s*$"  # config.share._hhmm


def _key(schema: dict[str, Any], description: str, example: Any, *, nullable: bool = False) -> dict[str, Any]:
    """One key: its shape, what it means, an example. `nullable`: the loader reads `key:` (a
    YAML null) as leaving the key out, so an optional key may be null."""
    if nullable:
        schema = _or_null(schema)
    return {"description": description, **schema, "examples": [example]}


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    if "anyOf" in schema:
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    if isinstance(schema.get("type"), str) and set(schema) <= {"type", "minLength", "pattern", "minItems", "items"}:
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, dict[str, Any]], description: str, example: Any,
            required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"description": description, "type": "object", "properties": properties,
                              "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return {**schema, **extra, "examples": [example]}


def _or_variable(schema: dict[str, Any]) -> dict[str, Any]:
    """An enum or a pattern, or a string holding `${NAME}` (checked once it is substituted)."""
    return {"anyOf": [schema, {"type": "string", "pattern": VARIABLE}]}


NAME = {"type": "string", "minLength": 1}
TEXT = {"type": "string"}
SQL = {"type": "string", "minLength": 1}
DURATION_VALUE = {"anyOf": [
    {"type": "string", "pattern": DURATION},
    {"type": "integer", "minimum": 0},  # a bare number is hours
    {"type": "string", "pattern": VARIABLE},
]}

_NAMES = ("Snowflake's rules: unquoted means upper-case (LastUpdated is LASTUPDATED); quote it inside "
          "the YAML string ('\"LastUpdated\"') to keep its case.")


def _consumer() -> dict[str, Any]:
    account = {"type": "string", "anyOf": [{"pattern": ACCOUNT}, {"pattern": VARIABLE}]}
    entry = _object({
        "account": _key(account, "The consumer's account identifier, ORG.ACCOUNT: Optimove gives you "
                        "theirs. A bare legacy locator is accepted with a warning.", "OPTIMOVE.EU_PROD"),
        "share_restrictions": _key({"type": "boolean"}, "SHARE_RESTRICTIONS for this account: only for "
                                   "Business Critical providers sharing to a non-Business Critical account.",
                                   False, nullable=True),
        "locator": _key({"type": "string", "anyOf": [{"pattern": LOCATOR}, {"pattern": VARIABLE}]},
                        "The account's legacy locator, for accounts that SHOW SHARES names by locator.",
                        "AB12345", nullable=True),
        "region": _key({"type": "string", "anyOf": [{"pattern": REGION}, {"pattern": VARIABLE}]},
                       "The consumer account's Snowflake region (what CURRENT_REGION() returns there). A "
                       "region other than this account's needs `share.listing:`.", "AWS_US_EAST_1",
                       nullable=True),
    }, "A consumer account.", {"account": "OPTIMOVE.EU_PROD"}, required=("account",))
    return {"description": "A consumer: its ORG.ACCOUNT alone, or a mapping with `account:`.",
            "anyOf": [{"type": "string", "anyOf": [{"pattern": ACCOUNT}, {"pattern": VARIABLE}]}, entry],
            "examples": [{"account": "OPTIMOVE.EU_PROD"}]}


def _listing() -> dict[str, Any]:
    refresh = {"type": "string", "anyOf": [{"pattern": REFRESH}, {"pattern": VARIABLE}]}
    manifest_text = {"type": "string", "minLength": 1, "not": {"pattern": r"\$\$"}}
    listing = _object({
        "name": _key(NAME, "The listing object. " + _NAMES, "OPTIMOVE_LISTING"),
        "title": _key({**manifest_text, "maxLength": TITLE_MAX}, "The listing's title (no `$$`).",
                      "Acme data for Optimove"),
        "refresh": _key(refresh, "How often auto-fulfillment refreshes the consumers' regions: a number and "
                        "MINUTE, HOUR or DAY, from 1 MINUTE to 8 DAY.", "1 HOUR"),
        "description": _key({**manifest_text, "maxLength": DESCRIPTION_MAX}, "The listing's description "
                             "(no `$$`).", "Daily customer and order data", nullable=True),
    }, "A private listing that carries the share, with Cross-Cloud Auto-Fulfillment, to the consumers in "
       "other regions (consumers in this account's region stay direct).",
        {"name": "OPTIMOVE_LISTING", "title": "Acme data for Optimove", "refresh": "1 HOUR"},
        required=("name", "title", "refresh"))
    return {"description": listing["description"], **_or_null(listing), "examples": listing["examples"]}


def _share() -> dict[str, Any]:
    return _object({
        "name": _key(NAME, "The Snowflake share object. " + _NAMES, "OPTIMOVE_SHARE"),
        "database": _key(NAME, "Where the secure views live: the one database the share uses.",
                         "OPTIMOVE_SHARE_DB"),
        "comment": _key(TEXT, "The share's comment.", "Data for Optimove's batch ETL", nullable=True),
        "consumers": _key({"type": "array", "items": _consumer()},
                          "The consumer accounts (Optimove's). None declared: the share reaches no account "
                          "(a warning).", [{"account": "OPTIMOVE.EU_PROD"}], nullable=True),
        "prune": _key({"type": "boolean"}, "true: revoke grants, remove consumers and drop shared views "
                      "not declared here (apply still needs --allow-destroy).", False, nullable=True),
        "listing": _listing(),
        "ready_by_utc": _key({"type": "string", "anyOf": [{"pattern": HHMM}, {"pattern": VARIABLE}]},
                             "The daily time (UTC, 24-hour HH:MM, quoted) by which the day's data is ready "
                             "for Optimove: `sharekit handoff` reports it.", "05:00", nullable=True),
    }, "The share, its database and its consumers.",
        {"name": "OPTIMOVE_SHARE", "database": "OPTIMOVE_SHARE_DB", "consumers": [{"account": "OPTIMOVE.EU_PROD"}]},
        required=("name", "database"))


def _defaults() -> dict[str, Any]:
    return _object({
        "schema": _key(NAME, f"Schema of the views, inside share.database (default {DEFAULT_SCHEMA}).",
                       DEFAULT_SCHEMA, nullable=True),
        "last_updated": _key(NAME, "The incremental column Optimove filters on (default "
                             f"{DEFAULT_LAST_UPDATED}, which means LASTUPDATED). " + _NAMES,
                             DEFAULT_LAST_UPDATED, nullable=True),
        "max_age": _key(DURATION_VALUE, "Freshness limit for `sharekit check --data`: days, hours, minutes "
                        f"(1d12h, 36h, 90m); a bare number is hours (default {DEFAULT_MAX_AGE}).",
                        DEFAULT_MAX_AGE, nullable=True),
    }, "Defaults every view inherits.", {"schema": DEFAULT_SCHEMA, "max_age": DEFAULT_MAX_AGE})


def _column() -> dict[str, Any]:
    plain = {"type": "string", "minLength": 1, "not": {"pattern": r"(^|\.)\s*\*\s*$"}}
    entry = _object({
        "name": _key(NAME, "The column's name in the view. " + _NAMES, "REGISTRATION_DATE"),
        "from": _key(NAME, "The source column it renames.", "CREATED_AT"),
        "expr": _key(SQL, "One scalar SQL expression computing it, e.g. to mask a value (validated: no "
                     "subqueries, no `;`).", "SHA2(LOWER(EMAIL))"),
        "comment": _key(TEXT, "The column's comment.", "SHA-256 of the lower-cased e-mail", nullable=True),
    }, "A column renamed (`from:`) or computed (`expr:`).",
        {"name": "EMAIL_HASH", "expr": "SHA2(LOWER(EMAIL))"}, required=("name",),
        **{"not": {"required": ["from", "expr"]}})
    return {"description": "A source column shared under its own name, or a mapping that renames or "
                           "computes one. Never `*`.",
            "anyOf": [plain, entry], "examples": ["CUSTOMER_ID"]}


def _view() -> dict[str, Any]:
    primary_key = {"anyOf": [NAME, {"type": "array", "minItems": 1, "items": NAME}]}
    from_view = {"required": ["from", "columns"], "not": {"required": ["query"]}}
    query_view = {"required": ["query"], "not": {"anyOf": [{"required": [k]} for k in ("from", "columns", "where")]}}
    return _object({
        "name": _key(NAME, "The secure view's name. " + _NAMES, "CUSTOMERS"),
        "schema": _key(NAME, "Its schema inside share.database (default: defaults.schema).", DEFAULT_SCHEMA,
                       nullable=True),
        "from": _key(NAME, "The source table or view, fully qualified: DATABASE.SCHEMA.NAME. Needs "
                     "`columns:`; excludes `query:`.", "RAW.CRM.CUSTOMERS"),
        "kind": _key(_or_variable({"type": "string", "enum": list(KINDS)}),
                     "transactional (the default) and fact views must carry the last_updated column; "
                     "dimension views are only warned about.", "dimension", nullable=True),
        "primary_key": _key(primary_key, "Columns of this view that identify a row (`check --data` proves "
                            "it): one name or a list.", ["CUSTOMER_ID"], nullable=True),
        "columns": _key({"type": "array", "minItems": 1, "items": _column()},
                        "The view's columns, listed explicitly (never SELECT *). Only with `from:`.",
                        ["CUSTOMER_ID", {"name": "REGISTRATION_DATE", "from": "CREATED_AT"}, "LastUpdated"]),
        "where": _key(SQL, "One boolean SQL expression: a row filter. Only with `from:`.", "IS_TEST = FALSE",
                      nullable=True),
        "query": _key(SQL, "The escape hatch: exactly one SELECT (joins, CTEs), tables fully qualified, "
                      "validated. Excludes `from:`, `columns:` and `where:`.",
                      "SELECT o.ORDER_ID, o.CUSTOMER_ID, o.LastUpdated FROM RAW.SALES.ORDERS o"),
        "comment": _key(TEXT, "The view's comment.", "One row per customer", nullable=True),
        "last_updated": _key(NAME, "This view's incremental column (default: defaults.last_updated).",
                             DEFAULT_LAST_UPDATED, nullable=True),
        "max_age": _key(DURATION_VALUE, "This view's freshness limit (default: defaults.max_age).", "7d",
                        nullable=True),
        "optimove": _object({
            "vertical": _key(NAME, "Optimove's vertical (a file in sharekit/optimove/).", "ecommerce"),
            "table": _key(NAME, "Optimove's table in that vertical.", "Customers"),
        }, "The Optimove table this view feeds: adds Optimove's column and value checks.",
            {"vertical": "ecommerce", "table": "Customers"}, required=("vertical", "table")),
        "export": _key({"type": "boolean"}, "false: `sharekit export` leaves this view out (default true).",
                       False, nullable=True),
        "volume": _volume(),
    }, "A secure view to share: over one source (`from:` and `columns:`) or one SELECT (`query:`).",
        {"name": "CUSTOMERS", "from": "RAW.CRM.CUSTOMERS", "kind": "dimension",
         "columns": ["CUSTOMER_ID", "LastUpdated"]},
        required=("name",), oneOf=[from_view, query_view])


def _export() -> dict[str, Any]:
    url = "^\\s*(s3|s3gov|gcs|azure)://[^\\s'\"\\\\]+\\s*$"  # config.export._URL, in ECMA 262 syntax
    return _object({
        "stage": _key(NAME, f"The stage the files go to: STAGE (in share.database.{EXPORT_SCHEMA}), "
                      "SCHEMA.STAGE or DATABASE.SCHEMA.STAGE.", "EXPORTS"),
        "url": _key({"type": "string", "anyOf": [{"pattern": url}, {"pattern": VARIABLE}]},
                    "An external location (s3://, gcs://, azure://): sharekit creates the stage there, "
                    "with `storage_integration:`.", "s3://bucket/optimove/", nullable=True),
        "storage_integration": _key(NAME, "The storage integration that lets Snowflake write to `url:` "
                                    "(required with it, only with it).", "OPTIMOVE_S3", nullable=True),
        "format": _key(_or_variable({"type": "string", "enum": list(EXPORT_FORMATS)}),
                       "The file format (csv and json are GZIP-compressed).", "csv", nullable=True),
        "max_file_mb": _key({"type": "integer", "minimum": 1, "maximum": MAX_FILE_MB},
                            f"Largest file in MB (default {DEFAULT_MAX_FILE_MB}; Optimove reads at most 1 GB "
                            "and recommends 100-250 MB parts).", DEFAULT_MAX_FILE_MB, nullable=True),
        "path": _key(TEXT, "A prefix inside the stage: parts of letters, digits, _ . = - separated by '/'.",
                     "optimove/daily", nullable=True),
        "schedule": _key(TEXT, "Snowflake CRON (as in `monitor.schedule`): a task runs the export inside "
                         "Snowflake, on `warehouse:`.", "USING CRON 0 5 * * * UTC", nullable=True),
        "warehouse": _key(NAME, "The warehouse the export's task runs on (required with `schedule:`, only with "
                          "it).", "EXPORT_WH", nullable=True),
    }, "File delivery of the same views (`sharekit export`).", {"stage": "EXPORTS", "format": "csv"},
        required=("stage",), dependencies={"url": ["storage_integration"], "storage_integration": ["url"],
                                           "schedule": ["warehouse"], "warehouse": ["schedule"]})


def _volume() -> dict[str, Any]:
    return _object({
        "date_column": _key(NAME, "The view's column whose date counts the day (e.g. ORDER_DATE).", "ORDER_DATE"),
        "ratio": _key({"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                      "volume.drop when yesterday's rows are below ratio x the daily average (Optimove's "
                      "MultFactor, default 0.2).", 0.2, nullable=True),
        "days": _key({"type": "integer", "minimum": 1, "maximum": 3650},
                     "Days before yesterday the average covers (Optimove's DaysBackwards, default 180).", 180,
                     nullable=True),
    }, "Optimove's daily volume check for this view (`check --data` and the monitor).",
        {"date_column": "ORDER_DATE"}, required=("date_column",))


def _monitor() -> dict[str, Any]:
    cron = r"^\s*[Uu][Ss][Ii][Nn][Gg]\s+[Cc][Rr][Oo][Nn](\s+\S+){5}\s+[A-Za-z0-9_+/-]+\s*$"
    return _object({
        "schema": _key(NAME, "Where the monitor's table, procedure, task and alert live: SCHEMA (in "
                       "share.database) or DATABASE.SCHEMA (default SHAREKIT_MONITOR).", "SHAREKIT_MONITOR",
                       nullable=True),
        "warehouse": _key(NAME, "The warehouse the task runs on.", "MONITOR_WH"),
        "schedule": _key({"type": "string", "anyOf": [{"pattern": cron}, {"pattern": VARIABLE}]},
                         "When the checks run: Snowflake CRON, five fields and a time zone; before "
                         "Optimove's daily extraction.", "USING CRON 0 4 * * * UTC"),
        "alert": _object({
            "integration": _key(NAME, "An e-mail notification integration.", "OPS_EMAIL"),
            "recipients": _key({"anyOf": [NAME, {"type": "array", "minItems": 1, "items": NAME}]},
                               "E-mail addresses the alert writes to (verified users of the account).",
                               ["data@example.com"]),
        }, "An ALERT that e-mails when the last run found errors.",
            {"integration": "OPS_EMAIL", "recipients": ["data@example.com"]}, required=("integration", "recipients")),
        "keep_days": _key({"type": "integer", "minimum": 1, "maximum": 3650},
                          "Each run deletes results older than this many days (default: keep all).", 30,
                          nullable=True),
    }, "sharekit's checks inside Snowflake on a schedule: a results table, a procedure, a task, an alert.",
        {"warehouse": "MONITOR_WH", "schedule": "USING CRON 0 4 * * * UTC"}, required=("warehouse", "schedule"))


def _reader() -> dict[str, Any]:
    from sharekit.config.model import DEFAULT_READER_ROLE, DEFAULT_READER_USER, DEFAULT_READER_WAREHOUSE

    ipv4 = r"^\s*(\d{1,3}\.){3}\d{1,3}(/\d{1,2})?\s*$"  # config.access._ips checks the numbers
    ip = {"type": "string", "anyOf": [{"pattern": ipv4}, {"pattern": VARIABLE}]}
    timeout = {"anyOf": [{"type": "string", "pattern": DURATION}, {"type": "integer", "minimum": 1},
                         {"type": "string", "pattern": VARIABLE}]}
    return _object({
        "role": _key(NAME, f"The reader's role (default {DEFAULT_READER_ROLE}): USAGE on the database, "
                     "schemas and warehouse, SELECT on the declared views only.", DEFAULT_READER_ROLE, nullable=True),
        "user": _key(NAME, f"The TYPE = SERVICE user Optimove's ETL logs in as (default {DEFAULT_READER_USER}): "
                     "key-pair authentication, no password.", DEFAULT_READER_USER, nullable=True),
        "warehouse": _key(NAME, f"The warehouse the reader queries with (default {DEFAULT_READER_WAREHOUSE}); "
                          "created when missing, an existing one is only used.", DEFAULT_READER_WAREHOUSE,
                          nullable=True),
        "public_key": _key(SQL, "Optimove's RSA public key: a PEM file relative to this config, or the key "
                           "itself through ${VAR}. Never printed (plans show its SHA256 fingerprint).",
                           "keys/optimove_rsa.pub"),
        "allowed_ips": _key({"type": "array", "minItems": 1, "items": ip},
                            "Optimove's IPv4 addresses or CIDR ranges: the user's network policy allows these only.",
                            ["203.0.113.10", "198.51.100.0/24"]),
        "credit_quota": _key({"type": "integer", "minimum": 1}, "Credits a month: a resource monitor suspends the "
                             "warehouse when they are used up.", 20, nullable=True),
        "statement_timeout": _key(timeout, "STATEMENT_TIMEOUT_IN_SECONDS of the user: seconds, or a duration "
                                  "(30m, 1h); at most 7 days.", "1h", nullable=True),
    }, "The database-connection route: a least-privilege login for Optimove's ETL, instead of or besides the "
       "share.", {"public_key": "keys/optimove_rsa.pub", "allowed_ips": ["203.0.113.10"]},
        required=("public_key", "allowed_ips"))


def config_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of sharekit.yml version 1."""
    top = _object({
        "version": _key({"const": 1}, "The config format version: 1.", 1),
        "share": _share(),
        "defaults": _defaults(),
        "local": _object({
            "seed": _key(TEXT, "A SQL script, relative to this file, run once when the local account is "
                         "first created (only for --local).", "seed.sql", nullable=True),
        }, "Settings of the embedded local account (--local).", {"seed": "seed.sql"}),
        "export": _export(),
        "reader": _reader(),
        "monitor": _monitor(),
        "views": _key({"type": "array", "minItems": 1, "items": _view()}, "The secure views to share.",
                      [{"name": "CUSTOMERS", "from": "RAW.CRM.CUSTOMERS", "columns": ["CUSTOMER_ID", "LastUpdated"]}]),
    }, "sharekit.yml: what a Snowflake account shares with Optimove, through Secure Data Sharing.",
        {"version": 1, "share": {"name": "OPTIMOVE_SHARE", "database": "OPTIMOVE_SHARE_DB"},
         "views": [{"name": "CUSTOMERS", "from": "RAW.CRM.CUSTOMERS", "columns": ["CUSTOMER_ID", "LastUpdated"]}]},
        required=("version", "share", "views"))
    return {"$schema": DIALECT, "$id": SCHEMA_URL, "title": "sharekit.yml (version 1)", **top}


def schema_text() -> str:
    """The schema as committed in sharekit.schema.json: stable key order, two-space indent."""
    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"


def schema_reference(directory: Path) -> str:
    """What a sharekit.yml in `directory` should name as its schema: the relative path of a
    sharekit.schema.json in that directory or above it, up to the repository root (the first
    directory holding `.git`), so editors read the schema the project commits, offline and in
    step with its sharekit; else the published URL."""
    start = directory.resolve()
    for folder in (start, *start.parents):
        candidate = folder / SCHEMA_FILE
        if candidate.is_file():
            return Path(os.path.relpath(candidate, start)).as_posix()
        if (folder / ".git").exists():
            break
    return SCHEMA_URL


def modeline(reference: str) -> str:
    """The first line that tells yaml-language-server (VS Code, Neovim, JetBrains…) the schema."""
    return f"{MODELINE}{reference}\n"
