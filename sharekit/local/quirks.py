"""Behaviours of real Snowflake that no public source settles, as switches of the local account.

`SHAREKIT_LOCAL_QUIRKS=name,name` turns them on; sharekit must be correct under every combination
(CI runs the convergence and fault suites under each). Each is reported somewhere, none confirmed:
a wrong guess about Snowflake costs one switch here, not a redesign.
"""

from __future__ import annotations

import hashlib
import os

from sharekit.errors import ConnectionError_

QUIRKS_ENV = "SHAREKIT_LOCAL_QUIRKS"

QUIRKS = {
    # the Terraform provider's grant code says REFERENCE_USAGE "won't show up" (reference §10)
    "reference_usage_hidden": "SHOW GRANTS TO SHARE lists no REFERENCE_USAGE rows",
    # SnowDDL creates views without COMMENT because Snowflake rewrote such texts (reference §10)
    "view_text_rewritten": "SHOW VIEWS `text` is not the statement as sent (reformatted)",
    # "Working with Secure Views": the definition is shown only to the owning role
    "secure_text_hidden": "SHOW VIEWS `text` is empty for secure views (another role owns them)",
    # Terraform PR 2040's sample output lists consumers added by locator as locators
    "accounts_locator": "SHOW SHARES `to` and SHOW GRANTS OF SHARE name consumers by legacy locator",
    # Terraform issue 1279 shows a marker in `to` for a share attached to a (public) listing; for a
    # private listing no source shows `to`: this lists the share's direct consumers instead
    "listing_to_accounts": "SHOW SHARES `to` of a share attached to a listing lists its direct consumers",
    # no source read shows DESC NETWORK POLICY for a single address: as written, or as a /32 range
    "network_policy_cidr_hosts": "DESC NETWORK POLICY lists a single address a.b.c.d as a.b.c.d/32",
}

# the role that owns secure views under `secure_text_hidden` (the session's role does not)
OTHER_OWNER = "DATA_PLATFORM"


def active_quirks() -> frozenset[str]:
    """The quirks `$SHAREKIT_LOCAL_QUIRKS` turns on; an unknown name is an error listing the known."""
    names = {name.strip().lower() for name in os.environ.get(QUIRKS_ENV, "").split(",") if name.strip()}
    unknown = sorted(names - set(QUIRKS))
    if unknown:
        raise ConnectionError_(f"${QUIRKS_ENV}: unknown quirk {', '.join(unknown)}; known: {', '.join(QUIRKS)}")
    return frozenset(names)


def locator_of(account: str) -> str:
    """The legacy locator the local account gives `ORG.ACCOUNT` (stable, like a real one: letters
    and digits, no organisation)."""
    digest = hashlib.sha1(account.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    return "LC" + str(int(digest[:10], 16))[:5]


def rewritten(text: str) -> str:
    """A view's text the way a rewriting Snowflake might show it: another layout, same meaning."""
    import sqlglot

    try:
        return sqlglot.transpile(text, read="snowflake", write="snowflake", pretty=True)[0]
    except sqlglot.errors.ParseError:
        return " ".join(text.split())
