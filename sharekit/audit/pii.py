"""Personal data by column name, and the allow-lists that acknowledge a column or an account."""

from __future__ import annotations

import itertools
import re

from sharekit.errors import SharekitError
from sharekit.sql import identifiers

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
NAME_HINT = _PII_WORDS[-1][3]
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
    found = pii_hint(name)
    return found[0] if found else None


def pii_hint(name: str) -> tuple[str, str] | None:
    """(category, what to do) for a column name that suggests personal data."""
    tokens = _tokens(name)
    if _NOT_PII & set(tokens):
        return None
    joined = "".join(tokens)
    for category, words, fragments, hint in _PII_WORDS:
        if words & set(tokens) or any(fragment in joined for fragment in fragments):
            return category, hint
    if any(a in ("FIRST", "LAST", "FULL", "GIVEN", "FAMILY") and b == "NAME" for a, b in itertools.pairwise(tokens)):
        return "a person's name", NAME_HINT
    return None


# --- expressions -------------------------------------------------------------------------------

def exposed_column(expr: str) -> str | None:
    """The column a config expression shows as it is (stored name), or None when it really masks.

    Case, whitespace, casts, collations and NULL defaults keep the value: `LOWER(TRIM(EMAIL))` is
    still the e-mail. A hash, a mask, a truncation, a constant or a predicate (a flag) is not."""
    import sqlglot
    from sqlglot import exp

    keeps = (exp.Paren, exp.Cast, exp.TryCast, exp.Lower, exp.Upper, exp.Trim, exp.Initcap, exp.Coalesce,
             exp.Collate, exp.ToChar)
    try:
        node = sqlglot.parse_one(expr, read="snowflake")
    except sqlglot.errors.ParseError:
        return None
    while isinstance(node, keeps):
        node = node.this
    if not isinstance(node, exp.Column):
        return None
    part = node.this
    return part.name if part.quoted else part.name.upper()
