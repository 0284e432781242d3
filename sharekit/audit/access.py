"""Audit of the reader (database-connection route): it can read nothing beyond the declared views,
logs in only by key pair from Optimove's addresses, and its warehouse has a cost guard.

Findings (audit sets the config's share on each): `reader.missing` (role or user absent),
`reader.password`, `reader.not_service`, `reader.network_policy` (none attached, or another one),
`reader.network_open` (its policy allows 0.0.0.0/0), `reader.extra_grant` (a privilege beyond USAGE
on the database, schemas and warehouse and SELECT on the declared views), `reader.extra_role`
(another role granted to the user), `reader.no_resource_monitor` (warning: nothing caps the
warehouse's spending).
"""

from __future__ import annotations

from sharekit.checks.findings import Finding
from sharekit.config.model import Config
from sharekit.plan.access import grant_display
from sharekit.sql import identifiers
from sharekit.state.access import SERVICE, ReaderState, desired_grants

EVERY_ADDRESS = frozenset({"0.0.0.0/0", "0.0.0.0"})  # noqa: S104 - what the audit looks for, not a binding
APPLY = "`sharekit apply` sets it back"
REVOKE = "revoke it: set `share.prune: true`, then run `sharekit apply --allow-destroy`"


def reader_findings(config: Config, live: ReaderState | None) -> list[Finding]:
    """Nothing without `reader:` in the config."""
    reader = config.reader
    if reader is None or live is None:
        return []
    user, policy = identifiers.quote(reader.user), identifiers.quote(reader.network_policy)
    if live.role is None or live.user is None:
        missing = f"role {identifiers.quote(reader.role)}" if live.role is None else f"user {user}"
        return [Finding("reader.missing", "error", missing,
                        f"reader {missing} does not exist: `sharekit apply` creates it")]
    found = []
    if live.user.has_password:
        found.append(Finding("reader.password", "error", user,
                             f"reader user {user} has a password, a second way in beside its key pair: {APPLY}"))
    if live.user.type != SERVICE:
        found.append(Finding("reader.not_service", "error", user,
                             f"reader user {user} is TYPE {live.user.type or 'NULL'}, not SERVICE (which refuses "
                             f"passwords and SSO): {APPLY}"))
    if live.user.network_policy != reader.network_policy:
        now = identifiers.quote(live.user.network_policy) if live.user.network_policy else "none"
        found.append(Finding("reader.network_policy", "error", user,
                             f"reader user {user} has network policy {now}, not {policy}, so it may log in from "
                             f"addresses other than Optimove's: {APPLY}"))
    if live.allowed_ips & EVERY_ADDRESS:
        found.append(Finding("reader.network_open", "error", policy,
                             f"network policy {policy} allows every address (0.0.0.0/0): {APPLY} to "
                             "reader.allowed_ips"))
    found += [Finding("reader.extra_grant", "error", identifiers.fqn(*grant.name),
                      f"{grant_display(grant, reader.role)}: the reader can use more than the declared views; {REVOKE}")
              for grant in sorted(live.grants - desired_grants(config, reader))]
    found += [Finding("reader.extra_role", "error", identifiers.quote(other),
                      f"role {identifiers.quote(other)} is granted to reader user {user}, which may then read more "
                      f"than the declared views; {REVOKE}")
              for other in sorted(live.user.roles - {reader.role, "PUBLIC"})]
    if live.warehouse is not None and live.warehouse_monitor is None:
        found.append(Finding("reader.no_resource_monitor", "warning", identifiers.quote(reader.warehouse),
                             f"warehouse {identifiers.quote(reader.warehouse)} has no resource monitor, so nothing "
                             "caps what the reader spends: set reader.credit_quota"))
    return found
