"""What the local account says about the session: its context functions (CURRENT_ROLE() and
friends) and SHOW GRANTS TO ROLE for its one role, for `sharekit doctor`.

The local account has one role and no warehouses; four documented test knobs change what it
*says* about them, nothing it enforces (every statement still runs as ACCOUNTADMIN would):

- `SHAREKIT_LOCAL_REGION` (default AWS_EU_CENTRAL_1): what CURRENT_REGION() returns;
- `SHAREKIT_LOCAL_ROLE` (default ACCOUNTADMIN): what CURRENT_ROLE() returns and the one role
  SHOW GRANTS TO ROLE knows (besides PUBLIC, which holds nothing);
- `SHAREKIT_LOCAL_ROLE_PRIVILEGES=PRIV,PRIV` (default: every privilege in PRIVILEGES): the
  account-level privileges SHOW GRANTS TO ROLE lists for that role; `none` for none;
- `SHAREKIT_LOCAL_WAREHOUSE` (default LOCAL_WH): what CURRENT_WAREHOUSE() returns; `none` for NULL.

Two more say where consumer accounts are, for listings (sharekit/local/listings.py):

- `SHAREKIT_LOCAL_CONSUMER_REGIONS=ORG.ACCOUNT=REGION,…`: the regions of consumer accounts; any
  account not named is in the local account's own region. ADD ACCOUNTS of an account elsewhere
  fails as on Snowflake; a listing may target it only with auto-fulfillment;
- `SHAREKIT_LOCAL_GLOBAL_DATA_SHARING` (on|off, default on): whether Cross-Cloud
  Auto-Fulfillment starts enabled for the account; `SELECT
  SYSTEM$ENABLE_GLOBAL_DATA_SHARING_FOR_ACCOUNT('<name>')` enables it for good (kept in the store).

The layout of SHOW GRANTS TO ROLE rows for account privileges (`granted_on` ACCOUNT, `name` the
account locator) and for inherited roles (USAGE on ROLE) is UNCONFIRMED: no public source shows
such rows; sharekit's reader (`sharekit.checks.doctor`) parses them defensively.
"""

from __future__ import annotations

import os
import re
from typing import Any

from sharekit.errors import ConnectionError_
from sharekit.local import sferrors
from sharekit.local.show import EPOCH, ORGANIZATION, OWNER

REGION_ENV = "SHAREKIT_LOCAL_REGION"
CONSUMER_REGIONS_ENV = "SHAREKIT_LOCAL_CONSUMER_REGIONS"
GLOBAL_SHARING_ENV = "SHAREKIT_LOCAL_GLOBAL_DATA_SHARING"
ROLE_ENV = "SHAREKIT_LOCAL_ROLE"
PRIVILEGES_ENV = "SHAREKIT_LOCAL_ROLE_PRIVILEGES"
WAREHOUSE_ENV = "SHAREKIT_LOCAL_WAREHOUSE"
DEFAULT_REGION = "AWS_EU_CENTRAL_1"
DEFAULT_WAREHOUSE = "LOCAL_WH"
# account-level privileges the local role may be given (the knob refuses others: a typo would
# silently read as "privilege missing")
PRIVILEGES = ("CREATE DATABASE", "CREATE NETWORK POLICY", "CREATE ROLE", "CREATE SHARE", "CREATE USER",
              "CREATE WAREHOUSE", "IMPORT SHARE", "MANAGE GRANTS", "MANAGE SHARE TARGET", "OVERRIDE SHARE RESTRICTIONS")
# system roles a real ACCOUNTADMIN is granted (Snowflake's documented role hierarchy)
_INHERITED = {"ACCOUNTADMIN": ("SECURITYADMIN", "SYSADMIN")}
_REGION = re.compile(r"[A-Z0-9_]+(\.[A-Z0-9_]+)?\Z")
_ROLE = re.compile(r"[A-Z_][A-Z0-9_$]*\Z")


def _env(name: str) -> str | None:
    raw = os.environ.get(name, "").strip()
    return raw or None


def region() -> str:
    value = (_env(REGION_ENV) or DEFAULT_REGION).upper()
    if not _REGION.match(value):
        raise ConnectionError_(f"${REGION_ENV} must be a Snowflake region name such as {DEFAULT_REGION}, "
                               f"not {value!r}")
    return value


def consumer_regions() -> dict[str, str]:
    """`$SHAREKIT_LOCAL_CONSUMER_REGIONS` → {ORG.ACCOUNT: REGION}; a malformed entry is an error."""
    regions: dict[str, str] = {}
    for item in (_env(CONSUMER_REGIONS_ENV) or "").split(","):
        if not item.strip():
            continue
        account, _, where = item.partition("=")
        account, where = account.strip().upper(), where.strip().upper()
        if not account or not _REGION.match(where):
            raise ConnectionError_(f"${CONSUMER_REGIONS_ENV}: write ORG.ACCOUNT=REGION entries separated by commas, "
                                   f"e.g. OPTIMOVE.US_PROD=AWS_US_EAST_1, not {item.strip()!r}")
        regions[account] = where
    return regions


def global_sharing_default() -> bool:
    value = (_env(GLOBAL_SHARING_ENV) or "on").lower()
    if value not in ("on", "off"):
        raise ConnectionError_(f"${GLOBAL_SHARING_ENV} must be on or off, not {value!r}")
    return value == "on"


def role() -> str:
    value = (_env(ROLE_ENV) or OWNER).upper()
    if not _ROLE.match(value):
        raise ConnectionError_(f"${ROLE_ENV} must be an unquoted role name such as SHARE_ADMIN, not {value!r}")
    return value


def warehouse() -> str | None:
    value = _env(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE
    if value.lower() == "none":
        return None
    if not _ROLE.match(value.upper()):
        raise ConnectionError_(f"${WAREHOUSE_ENV} must be an unquoted warehouse name or none, not {value!r}")
    return value.upper()


def privileges() -> tuple[str, ...]:
    raw = _env(PRIVILEGES_ENV)
    if raw is None:
        return PRIVILEGES
    if raw.lower() == "none":
        return ()
    names = [" ".join(item.replace("_", " ").upper().split()) for item in raw.split(",") if item.strip()]
    unknown = sorted(set(names) - set(PRIVILEGES))
    if unknown:
        raise ConnectionError_(f"${PRIVILEGES_ENV}: unknown privilege {', '.join(unknown)}; "
                               f"known: {', '.join(PRIVILEGES)}, or none")
    return tuple(sorted(set(names)))


def session_values() -> dict[str, str | None]:
    """Zero-argument context functions → their values (None answers NULL), but CURRENT_ACCOUNT()
    and CURRENT_ACCOUNT_NAME(), which the account adds from its store. Raises ConnectionError_
    for a bad knob, so the account reads it before it opens anything."""
    return {
        "CURRENT_ORGANIZATION_NAME": ORGANIZATION,
        "CURRENT_REGION": region(),
        "CURRENT_ROLE": role(),
        "CURRENT_WAREHOUSE": warehouse(),
    }


def role_grants(name: str, locator: str) -> list[dict[str, Any]]:
    """SHOW GRANTS TO ROLE <name>, in the layout of SHOW GRANTS TO SHARE (reference §10)."""
    current = role()
    if name == "PUBLIC":
        return []
    if name != current:
        raise sferrors.does_not_exist("Role", name)

    def row(privilege: str, granted_on: str, on: str) -> dict[str, Any]:
        return {"created_on": EPOCH, "privilege": privilege, "granted_on": granted_on, "name": on,
                "granted_to": "ROLE", "grantee_name": current, "grant_option": "false", "granted_by": OWNER}

    rows = [row(privilege, "ACCOUNT", locator) for privilege in privileges()]
    rows += [row("USAGE", "ROLE", inherited) for inherited in _INHERITED.get(current, ())]
    return rows
