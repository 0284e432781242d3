"""Snowflake identifier and literal rules, in one place; nothing else quotes by hand.

A *stored* name is what Snowflake keeps: unquoted names are upper-cased, quoted names keep
their case and characters (`""` inside quotes is one `"`).

>>> normalize("LastUpdated")
'LASTUPDATED'
>>> normalize('"LastUpdated"')
'LastUpdated'
>>> quote("LastUpdated")
'"LastUpdated"'
>>> quote("ORDERS")
'ORDERS'
>>> fqn("RAW", "CRM", "my table")
'RAW.CRM."my table"'
>>> string_literal("it's")
"'it''s'"
"""

from __future__ import annotations

import re
import unicodedata

from sharekit.errors import IdentifierError

MAX_LENGTH = 255
_UNQUOTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")
_STORED_UNQUOTED = re.compile(r"[A-Z_][A-Z0-9_$]*\Z")

# Snowflake's reserved keywords: such a name must be quoted even when upper-case.
# Source: docs.snowflake.com/en/sql-reference/reserved-keywords
RESERVED = frozenset(
    [
        "ACCOUNT", "ALL", "ALTER", "AND", "ANY", "AS", "BETWEEN", "BY", "CASE", "CAST", "CHECK", "COLUMN",
        "CONNECT", "CONNECTION", "CONSTRAINT", "CREATE", "CROSS", "CURRENT", "CURRENT_DATE", "CURRENT_TIME",
        "CURRENT_TIMESTAMP", "CURRENT_USER", "DATABASE", "DELETE", "DISTINCT", "DROP", "ELSE", "EXISTS",
        "FALSE", "FOLLOWING", "FOR", "FROM", "FULL", "GRANT", "GROUP", "GSCLUSTER", "HAVING", "ILIKE", "IN",
        "INCREMENT", "INNER", "INSERT", "INTERSECT", "INTO", "IS", "ISSUE", "JOIN", "LATERAL", "LEFT", "LIKE",
        "LOCALTIME", "LOCALTIMESTAMP", "MINUS", "NATURAL", "NOT", "NULL", "OF", "ON", "OR", "ORDER",
        "ORGANIZATION", "QUALIFY", "REGEXP", "REVOKE", "RIGHT", "RLIKE", "ROW", "ROWS", "SAMPLE", "SCHEMA",
        "SELECT", "SET", "SOME", "START", "TABLE", "TABLESAMPLE", "THEN", "TO", "TRIGGER", "TRUE", "TRY_CAST",
        "UNION", "UNIQUE", "UPDATE", "USING", "VALUES", "VIEW", "WHEN", "WHENEVER", "WHERE", "WITH"
    ]
)


def normalize(text: str) -> str:
    """Config spelling → stored name, by Snowflake's rules; raises IdentifierError."""
    if not isinstance(text, str) or not text.strip():
        raise IdentifierError("a name cannot be empty")
    if text.startswith('"'):
        if text == '""':
            raise IdentifierError("a quoted name cannot be empty: write the name between the quotes")
        if len(text) < 3 or not text.endswith('"'):
            raise IdentifierError(
                f"{text!r} opens a quoted name but does not close it: write it as '\"Name\"'"
            )
        inner = text[1:-1]
        if re.search(r'(?<!")"(?!")', inner.replace('""', "")):
            raise IdentifierError(f"{text!r} has a lone '\"' inside quotes: double it as '\"\"'")
        stored = inner.replace('""', '"')
        if not stored.strip():
            raise IdentifierError("a quoted name cannot be blank")
    elif _UNQUOTED.match(text):
        stored = text.upper()
    else:
        raise IdentifierError(
            f"{text!r} is not a valid unquoted Snowflake name (letters, digits, _ and $, "
            f"starting with a letter or _); to keep spaces, symbols or case, quote it: "
            f"'{quote_always(text)}'"
        )
    if len(stored) > MAX_LENGTH:
        raise IdentifierError(f"name is {len(stored)} characters long; Snowflake allows {MAX_LENGTH}")
    if "\x00" in stored:
        raise IdentifierError("a name cannot contain a NUL character")
    return stored


def require_printable(name: str) -> str:
    """A name (written or stored) that holds no control character or line break, else IdentifierError.

    Snowflake documents quoted names as letters, digits, punctuation, spaces and non-ASCII
    characters; a tab or line break in a config name is a typing accident that no consumer could
    reproduce, and a raw line break would not survive the one-statement-per-line rendering."""
    for ch in name:
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            raise IdentifierError(
                f"name {name!r} contains the control character {ch!r}: names cannot hold line "
                "breaks, tabs or other control characters"
            )
    return name


def quote_always(stored: str) -> str:
    """Stored name → its quoted form, even when quotes are not needed."""
    return '"' + stored.replace('"', '""') + '"'


def needs_quotes(stored: str) -> bool:
    """True when consumers must quote this name to reach it (mixed case, spaces, keywords)."""
    return not _STORED_UNQUOTED.match(stored) or stored in RESERVED


def quoting_advice(stored: str) -> str:
    """Why consumers must quote a stored name, and the better name, for a message that follows
    `… must be quoted exactly by consumers: `; '' when the name needs no quotes.

    A reserved word is not fixed by upper-casing it: `ORDER` unquoted is a syntax error, not a
    name, so it must be written `"ORDER"`, or better renamed (e.g. ORDER_ID)."""
    if not needs_quotes(stored):
        return ""
    if stored in RESERVED:
        return (f"{stored} is a Snowflake reserved word, which consumers can only write quoted, "
                f"as {quote_always(stored)}; better rename it to a name that is not reserved, "
                f"e.g. {stored}_ID")
    upper = stored.upper()
    if upper in RESERVED:
        return (f"unquoted, {stored} would mean {upper}, a Snowflake reserved word that must itself be "
                f"quoted; better rename it to a name that is not reserved, e.g. {upper}_ID")
    if _STORED_UNQUOTED.match(upper):
        return (f"an unquoted {stored} would mean {upper} and not find it; better rename it to "
                f"{upper}, which needs no quotes")
    plain = re.sub(r"[^A-Z0-9_$]+", "_", upper).strip("_")
    plain = f"_{plain}" if plain[:1].isdigit() else plain
    example = f", e.g. {plain}" if plain and _STORED_UNQUOTED.match(plain) and plain not in RESERVED else ""
    return ("it is not a valid unquoted name (letters, digits, _ and $, starting with a letter or _); "
            f"better rename it to an upper-case name of those{example}, which needs no quotes")


def quote(stored: str) -> str:
    """Stored name → SQL text that resolves to exactly that name."""
    return quote_always(stored) if needs_quotes(stored) else stored


def fqn(*stored: str) -> str:
    """Stored parts → dotted SQL name, each part quoted as needed."""
    return ".".join(quote(part) for part in stored)


def split(text: str) -> list[str]:
    """Split a dotted name into its written parts, honouring quotes (`"a.b".C` is two parts)."""
    parts, current, in_quotes, i = [], "", False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            if in_quotes and text[i + 1 : i + 2] == '"':
                current += '""'
                i += 2
                continue
            in_quotes = not in_quotes
            current += ch
        elif ch == "." and not in_quotes:
            parts.append(current)
            current = ""
        else:
            current += ch
        i += 1
    if in_quotes:
        raise IdentifierError(f"{text!r} has an unclosed '\"'")
    parts.append(current)
    return parts


def parse_qualified(text: str, parts: int) -> tuple[str, ...]:
    """`DB.SCHEMA.NAME` (written form) → stored parts; exactly `parts` parts required."""
    written = split(text)
    if len(written) != parts:
        shape = ".".join(["DATABASE", "SCHEMA", "NAME"][-parts:]) if parts <= 3 else "…"
        raise IdentifierError(f"{text!r} must be a fully qualified name of the form {shape}")
    return tuple(normalize(part) for part in written)


def parse_stored_qualified(text: str) -> tuple[str, ...]:
    """A name as Snowflake prints it in SHOW output (quoted only where needed) → stored parts."""
    return tuple(
        part.strip()[1:-1].replace('""', '"') if part.strip().startswith('"') else part.strip()
        for part in split(text)
    )


def string_literal(value: str) -> str:
    """Any text → a single-quoted Snowflake string literal that reads back as exactly that text."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace("'", "''")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        .replace("\x00", "\\x00")
    )
    return f"'{escaped}'"


# Account identifiers: ORG.ACCOUNT in SQL (docs: user-guide/admin-account-identifier).
_ORG = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")
_ACCOUNT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
# Legacy locators look like `xy12345`; the exact shape is UNCONFIRMED, so this stays permissive.
_LOCATOR = re.compile(r"[A-Za-z]{1,4}[0-9]{3,10}\Z")


def normalize_account(text: str) -> tuple[str, bool]:
    """`org.account` → (`ORG.ACCOUNT`, False); a bare legacy locator → (`XY12345`, True).

    The boolean says "legacy locator": accepted by Snowflake but discouraged, so callers warn.
    """
    if not isinstance(text, str) or not text.strip():
        raise IdentifierError("an account identifier cannot be empty")
    value = text.strip()
    separator = re.search(r"[\s,;]", value)
    if separator:
        raise IdentifierError(
            f"{text!r} is not one account identifier (it holds {separator.group()!r}): write ORG.ACCOUNT, "
            "one consumer per `- account:` entry"
        )
    if "-" in value and "." not in value:
        raise IdentifierError(
            f"{text!r} looks like the URL form ORG-ACCOUNT; in SQL write it as "
            f"{value.replace('-', '.', 1).upper()!r}"
        )
    parts = value.split(".")
    if len(parts) == 1:
        if _LOCATOR.match(value):
            return value.upper(), True
        raise IdentifierError(
            f"{text!r} is not an account identifier: write ORG.ACCOUNT (ask Optimove for theirs)"
        )
    if len(parts) != 2:
        raise IdentifierError(
            f"{text!r} has {len(parts)} parts; sharekit takes ORG.ACCOUNT "
            "(region-qualified locators are not supported: ask Optimove for ORG.ACCOUNT)"
        )
    org, account = parts
    if not _ORG.match(org):
        raise IdentifierError(
            f"organization {org!r} in {text!r} must start with a letter and hold only letters and digits"
        )
    if not _ACCOUNT_NAME.match(account) or account.endswith("_") or len(account) > 63:
        raise IdentifierError(
            f"account name {account!r} in {text!r} must start with a letter, hold only letters, "
            "digits and _, not end with _, and be at most 63 characters"
        )
    return f"{org.upper()}.{account.upper()}", False
