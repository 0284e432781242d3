"""`sharekit doctor`: can this account and role do the job? Asked before the first plan.

It reads the account in at most five round-trips, whatever the account holds:

1. one SELECT of the context functions (`doctor_context.sql.j2`): locator, organisation,
   account name, region, role, warehouse;
2. SHOW GRANTS TO ROLE <current role>: account privileges granted to it, roles it inherits,
   the reader's objects it owns (not sent without a current role);
3. SHOW SHARES: whether the role sees shares, and who owns the config's share;
4. SHOW DATABASES: whether the share database exists, who owns it, whether it is imported;
5. one INFORMATION_SCHEMA probe, sent only with a warehouse and a visible database;
6. with `share.listing` only: SYSTEM$IS_GLOBAL_DATA_SHARING_ENABLED_FOR_ACCOUNT, whose fix is
   SYSTEM$ENABLE_GLOBAL_DATA_SHARING_FOR_ACCOUNT (both organisation-admin calls).

A statement the account refuses becomes a finding, and the rest still run; a lost connection
stops the command. Every finding says how to fix it; the statements it quotes are rendered from
sql_templates/ (`grant_on_account`, `grant_database_ownership`, `use_role`).

UNCONFIRMED (no public source shows these; each lives in one function or constant here, so a
wrong guess is cheap to fix):
- SHOW GRANTS TO ROLE lists an account privilege as `privilege` 'CREATE SHARE' with
  `granted_on` 'ACCOUNT' (underscores are read as spaces, either case), and an inherited role
  as `privilege` 'USAGE', `granted_on` 'ROLE', `name` the role (`read_role_grants`);
- it lists only direct grants: a privilege that comes through an inherited role does not show,
  so a missing privilege is an error only for a role that inherits no role but PUBLIC, a
  warning otherwise (`_holding`);
- ACCOUNTADMIN holds CREATE SHARE, MANAGE SHARE TARGET, OVERRIDE SHARE RESTRICTIONS, CREATE
  DATABASE and, through SECURITYADMIN and SYSADMIN, CREATE ROLE / USER / NETWORK POLICY /
  WAREHOUSE by default (documented), whether or not SHOW GRANTS TO ROLE lists them;
- it lists a network policy's grants with `granted_on` NETWORK_POLICY (read as NETWORK POLICY);
- a CREATE SHARE holder may add consumers (behaviour change 1734 gave them MANAGE SHARE TARGET);
- the edition: no function every role may call returns it (ORGANIZATION_USAGE.ACCOUNTS and SHOW
  ORGANIZATION ACCOUNTS need ORGADMIN), so it is reported as "unknown", never guessed;
- CURRENT_REGION() is `REGION_GROUP.REGION` in organisations spanning region groups: only the
  part after the last dot is compared (`region_key`).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from sharekit.checks.doctor_model import (
    UNKNOWN,
    Database,
    DoctorReport,
    Facts,
    Passed,
    read_context,
    read_databases,
    read_object_grants,
    read_role_grants,
    region_key,
)
from sharekit.checks.findings import Finding, rank
from sharekit.config.model import Config
from sharekit.connect.session import Session
from sharekit.errors import ConfigError, StatementRefused
from sharekit.output.common import plural
from sharekit.sql import statements
from sharekit.sql.templates import Templates
from sharekit.state.introspect import cell, share_name_of, truthy

__all__ = ["UNKNOWN", "Database", "DoctorReport", "Facts", "Passed", "config_findings", "diagnose"]

ACCOUNTADMIN = "ACCOUNTADMIN"
MAX_QUERIES = 5  # one more with share.listing: whether global data sharing is enabled
# what _holding says of a privilege, best first
GRANTED, DEFAULT, UNSURE, MISSING = "granted", "default", "unsure", "missing"


class _Doctor:
    def __init__(self, session: Session, t: Templates, config: Config | None) -> None:
        self.session, self.t, self.config = session, t, config
        self.findings: list[Finding] = []
        self.passed: list[Passed] = []
        self.shares_error: str | None = None  # what the account said when SHOW SHARES failed
        self.databases_error: str | None = None

    def ask(self, sql: str) -> tuple[list[dict[str, Any]] | None, str | None]:
        try:
            return self.session.query(sql), None
        except StatementRefused as error:
            return None, error.msg

    def ok(self, check: str, obj: str, message: str) -> None:
        self.passed.append(Passed(f"doctor.{check}", obj, message))

    def problem(self, severity: str, check: str, obj: str, message: str) -> None:
        self.findings.append(Finding(f"doctor.{check}", severity, obj, message))

    def sql(self, template: str, **context: Any) -> str:
        return statements.inline(getattr(statements, template)(self.t, **context))

    # -- reads ------------------------------------------------------------------------------
    def read(self) -> tuple[Facts, list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
        rows, error = self.ask(statements.doctor_context(self.t))
        context = read_context(rows[0]) if rows else {}
        if error is not None:
            self.problem("error", "context", "session", f"cannot read the session's context ({error}); "
                         "doctor needs CURRENT_ROLE() and its peers: check the connection")
        facts = Facts(locator=context.get("ACCOUNT_LOCATOR"), organization=context.get("ORGANIZATION_NAME"),
                      account=context.get("ACCOUNT_NAME"), region=context.get("REGION_NAME"),
                      role=context.get("ROLE_NAME"), warehouse=context.get("WAREHOUSE_NAME"))
        role = facts.role
        if role is not None:
            grants, error = self.ask(statements.show_grants_to_role(self.t, role))
            if grants is not None:
                privileges, roles = read_role_grants(grants)
                facts = dataclasses.replace(facts, privileges=privileges, inherited_roles=roles, grants_read=True,
                                            object_grants=read_object_grants(grants))
            else:
                self.problem("warning", "privileges", role,
                             f"cannot read the role's grants ({error}); whether it holds CREATE SHARE and "
                             "the other privileges below is unknown")
        shares, error = self.ask(self.t.render("show_all_shares"))
        self.shares_error = error
        databases, error = self.ask(self.t.render("show_databases"))
        self.databases_error = error
        return facts, shares, databases

    # -- judging -----------------------------------------------------------------------------
    def role_and_warehouse(self, f: Facts) -> None:
        if f.role is None:
            self.problem("error", "role", "session", "the session has no current role: set `role` for the "
                         f"connection in connections.toml, or run `{self.sql('use_role', role=ACCOUNTADMIN)}`")
        else:
            self.ok("role", f.role, f"the session runs as role {f.role}")
        if f.warehouse is None:
            self.problem("error", "warehouse", "session",
                         "the session has no current warehouse, and plan and check read INFORMATION_SCHEMA, "
                         "which needs one: set `warehouse` for the connection in connections.toml (or "
                         "SNOWFLAKE_CONNECTIONS_<NAME>_WAREHOUSE), or give the user a default warehouse "
                         "the role may use")
        else:
            self.ok("warehouse", f.warehouse, f"the session uses warehouse {f.warehouse}")

    def _holding(self, f: Facts, *privileges: str) -> str:
        """The best state of any of `privileges` for the role (see the module docstring)."""
        if any(p in f.privileges for p in privileges):
            return GRANTED
        if f.role == ACCOUNTADMIN:
            return DEFAULT
        return UNSURE if f.partly_known else MISSING

    def privilege(self, f: Facts, check: str, privilege: str, purpose: str, also: tuple[str, ...] = (),
                  obj: str | None = None) -> None:
        role = f.role or "<role>"
        obj = obj or role
        state = self._holding(f, privilege, *also)
        held = next((p for p in (privilege, *also) if p in f.privileges), privilege)
        if state == GRANTED:
            self.ok(check, obj, f"role {role} holds {held} on the account: it can {purpose}")
            return
        if state == DEFAULT:
            self.ok(check, obj, f"{ACCOUNTADMIN} holds {privilege} by default: it can {purpose}")
            return
        use = self.sql("use_role", role=ACCOUNTADMIN)
        if f.role is None:
            fix = f"give the session a role first (doctor.role), e.g. `{use}`"
        else:
            grant = self.sql("grant_on_account", privilege=privilege, role=f.role)
            fix = f"an {ACCOUNTADMIN} runs `{grant}`, or use a role that holds it (`{use}`)"
        if state == MISSING:
            self.problem("error", check, obj, f"role {role} cannot {purpose}: it holds no {privilege} on the "
                         f"account; {fix}")
        elif not f.grants_read:
            self.problem("warning", check, obj, f"cannot tell whether role {role} holds {privilege} (to "
                         f"{purpose}); if plan is refused, {fix}")
        else:
            inherited = ", ".join(r for r in f.inherited_roles if r != "PUBLIC")
            self.problem("warning", check, obj, f"{privilege} (to {purpose}) is not granted to role {role} "
                         f"itself; it may come through a role it inherits ({inherited}), which doctor does "
                         f"not read. If plan is refused, {fix}")

    def shares(self, f: Facts, rows: list[dict[str, Any]] | None) -> None:
        role = f.role or "<role>"
        config_share = self.config.share.name if self.config else None
        if rows is None:
            self.problem("error", "show_shares", role, f"SHOW SHARES failed ({self.shares_error}); plan and "
                         f"audit read the shares from it: use a role that may run it "
                         f"(`{self.sql('use_role', role=ACCOUNTADMIN)}`)")
            self.privilege(f, "create_share", "CREATE SHARE", "create shares")
            return
        outbound = [r for r in rows if cell(r.get("kind")).upper() == "OUTBOUND"]
        owned = [r for r in outbound if cell(r.get("owner")) == f.role]
        self.ok("show_shares", role, f"SHOW SHARES lists {plural(len(outbound), 'outbound share')} to role "
                f"{role}, {len(owned)} of them owned by it")
        found = next((r for r in outbound if share_name_of(r) == config_share), None)
        if found is None:
            self.privilege(f, "create_share", "CREATE SHARE", "create shares" if config_share is None
                           else f"create share {config_share}, which SHOW SHARES does not list yet")
            return
        owner = cell(found.get("owner"))
        if owner == f.role or owner in f.inherited_roles:
            self.ok("share_owner", config_share or "", f"share {config_share} exists, {_owned(owner, role)}: "
                    "CREATE SHARE is not needed")
            return
        severity = "warning" if f.partly_known or not owner else "error"
        self.problem(severity, "share_owner", config_share or "",
                     f"share {config_share} is owned by role {owner or '(not shown)'}, not {role}: granting to it "
                     "and adding consumers need its owner"
                     + (f"; run sharekit as that role (`{self.sql('use_role', role=owner)}`)" if owner else ""))

    def database(self, f: Facts, rows: list[dict[str, Any]] | None) -> None:
        if self.config is None:
            return
        name, role = self.config.share.database, f.role or "<role>"
        if rows is None:
            self.problem("warning", "share_database", name, f"SHOW DATABASES failed ({self.databases_error}); "
                         f"whether role {role} owns or can create {name} is unknown")
            return
        db = next((d for d in read_databases(rows) if d.name == name), None)
        if db is None:
            self.privilege(f, "share_database", "CREATE DATABASE",
                           f"create the share database {name}, which SHOW DATABASES does not list (plan creates it)",
                           obj=name)
            return
        if db.imported:
            self.problem("error", "share_database", name, f"{name} was created from a share: Snowflake does not "
                         "let it be shared again; name another share.database")
        elif db.owner == f.role or db.owner in f.inherited_roles:
            self.ok("share_database", name, f"{name} exists, {_owned(db.owner, role)}")
        else:
            severity = "warning" if f.partly_known or not db.owner else "error"
            grant = self.sql("grant_database_ownership", database=name, role=f.role) if f.role else None
            self.problem(severity, "share_database", name,
                         f"{name} is owned by role {db.owner or '(not shown)'}, not {role}: creating its views "
                         f"and granting them to the share need its owner; run sharekit as that role"
                         + (f" (`{self.sql('use_role', role=db.owner)}`)" if db.owner else "")
                         + (f", or its owner runs `{grant}`" if grant else ""))

    def probe(self, f: Facts, rows: list[dict[str, Any]] | None) -> None:
        if f.warehouse is None:
            return  # the warehouse finding says why and what to do
        databases = read_databases(rows or [])
        wanted = self.config.share.database if self.config else None
        target = next((d for d in databases if d.name == wanted), None) or next(
            (d for d in sorted(databases, key=lambda d: (d.imported, d.name))), None)
        if target is None:
            self.problem("warning", "information_schema", f.warehouse,
                         "no database is visible to read INFORMATION_SCHEMA from; run doctor again once the "
                         "share database exists (plan creates it)")
            return
        _, error = self.ask(statements.doctor_probe(self.t, target.name))
        if error is None:
            self.ok("information_schema", target.name,
                    f"read {target.name}.INFORMATION_SCHEMA with warehouse {f.warehouse}")
        else:
            self.problem("error", "information_schema", target.name,
                         f"reading {target.name}.INFORMATION_SCHEMA failed ({error}); plan reads it: check that "
                         f"role {f.role or '<role>'} may use warehouse {f.warehouse} and the database, and that "
                         "the warehouse runs or resumes by itself")

    def consumers(self, f: Facts) -> None:
        if self.config is None:
            return
        if any(c.share_restrictions is False for c in self.config.share.consumers):
            self.privilege(f, "share_restrictions", "OVERRIDE SHARE RESTRICTIONS",
                           "add consumers with SHARE_RESTRICTIONS = FALSE (needed only when this account is "
                           "Business Critical; doctor cannot read the edition)")
        here = region_key(f.region) if f.region else None
        listing = getattr(self.config.share, "listing", None)  # share.listing: a round-2 config key
        for consumer in self.config.share.consumers:
            account = consumer.account
            if account in {f.identifier and f.identifier.upper(), f.locator and f.locator.upper()}:
                self.problem("error", "consumer_self", account, f"{account} is this very account: "
                             "a share goes to another account; ask Optimove for its ORG.ACCOUNT")
                continue
            if "." not in account:
                self.problem("warning", "consumer_format", account, f"{account} is a legacy account locator: "
                             "Snowflake accepts it but discourages it; ask Optimove for its ORG.ACCOUNT")
            else:
                self.ok("consumer_format", account, f"{account} is an ORG.ACCOUNT identifier")
            declared = getattr(consumer, "region", None)  # consumers[].region: a round-2 config key
            if not declared or here is None:
                continue
            if region_key(declared) == here or listing:
                self.ok("consumer_region", account, f"{account} is in {declared}"
                        + ("" if region_key(declared) == here else ", reached through the share's listing"))
            else:
                self.problem("error", "consumer_region", account,
                             f"{account} is in {declared}, this account in {f.region}: a direct share reaches "
                             "only its own region; share through a listing with cross-region auto-fulfilment, "
                             f"or from an account in {declared} (database replication)")

    def reader(self, f: Facts) -> None:
        """With `reader:`: whether the role can create the reader's objects, from SHOW GRANTS TO ROLE
        (no query more). One it owns already needs no CREATE privilege; an existing warehouse
        (the session's, or one the role holds a grant on) is only used."""
        reader = self.config.reader if self.config else None
        if reader is None:
            return
        for check, kind, name in (("reader_role", "ROLE", reader.role), ("reader_user", "USER", reader.user),
                                  ("reader_network_policy", "NETWORK POLICY", reader.network_policy),
                                  ("reader_warehouse", "WAREHOUSE", reader.warehouse)):
            held = f.held_on(kind, name)
            if "OWNERSHIP" in held or (kind == "WAREHOUSE" and (held or name == f.warehouse)):
                self.ok(check, name, f"{kind.lower()} {name} exists" + (
                    f", owned by role {f.role}" if "OWNERSHIP" in held else ": the reader uses it"))
                continue
            self.privilege(f, check, f"CREATE {kind}", f"create {kind.lower()} {name} for the reader", obj=name)
        if reader.resource_monitor is not None:
            self.resource_monitor(f, reader.resource_monitor)

    def resource_monitor(self, f: Facts, name: str) -> None:
        """`reader.credit_quota`: CREATE RESOURCE MONITOR "can only be executed by account
        administrators" (its reference page): there is no privilege to grant, only the role."""
        role, purpose = f.role or "<role>", f"create resource monitor {name} (`reader.credit_quota`)"
        if f.role == ACCOUNTADMIN or ACCOUNTADMIN in f.inherited_roles:
            self.ok("reader_monitor", name, f"role {role} {'is' if f.role == ACCOUNTADMIN else 'inherits'} "
                    f"{ACCOUNTADMIN}: it can {purpose}")
            return
        fix = f"run plan and apply as {ACCOUNTADMIN} (`{self.sql('use_role', role=ACCOUNTADMIN)}`), or drop " \
              "`reader.credit_quota`"
        if f.partly_known:
            inherited = ", ".join(r for r in f.inherited_roles if r != "PUBLIC") or "unknown"
            self.problem("warning", "reader_monitor", name, f"only {ACCOUNTADMIN} may {purpose}; role {role} may "
                         f"inherit it through a role ({inherited}) doctor does not read. If apply is refused, {fix}")
        else:
            self.problem("error", "reader_monitor", name, f"role {role} cannot {purpose}: only {ACCOUNTADMIN} "
                         f"may create resource monitors; {fix}")

    def global_sharing(self, f: Facts) -> None:
        """With `share.listing`: whether Cross-Cloud Auto-Fulfillment is enabled for the account
        (one more round-trip). SYSTEM$IS_GLOBAL_DATA_SHARING_ENABLED_FOR_ACCOUNT is documented as
        an organisation admin's call, so a refusal is a warning, never a guess."""
        if self.config is None or self.config.share.listing is None:
            return
        account = f.account or f.locator or "<account_name>"
        enable = self.sql("enable_global_sharing", account=account)
        rows, error = self.ask(statements.global_sharing_enabled(self.t, account)) if f.account or f.locator \
            else (None, "the account's name is unknown")
        if rows is None:
            self.problem("warning", "global_data_sharing", account, f"cannot tell whether Cross-Cloud "
                         f"Auto-Fulfillment is enabled for {account} ({error}; only an organisation admin may ask), "
                         f"which the share's listing needs to reach other regions; if creating it fails, an "
                         f"organisation admin runs `{enable}`")
        elif rows and truthy(next(iter(rows[0].values()), None)):
            self.ok("global_data_sharing", account, f"Cross-Cloud Auto-Fulfillment is enabled for {account}: "
                    "the share's listing can reach other regions")
        else:
            self.problem("error", "global_data_sharing", account, f"Cross-Cloud Auto-Fulfillment is not enabled for "
                         f"{account}, and the share's listing needs it to reach consumers in other regions: an "
                         f"organisation admin runs `{enable}` once")


def _owned(owner: str, role: str) -> str:
    return f"owned by role {role}" if owner == role else f"owned by {owner}, which role {role} inherits"


def config_findings(error: ConfigError) -> tuple[Finding, ...]:
    """A config that does not load: its consumer problems as doctor.consumer_format, the rest as
    doctor.config; each as the loader words it (file:line: key: what to do)."""
    return tuple(Finding("doctor.consumer_format" if p.key.startswith("share.consumers") else "doctor.config",
                         "error", p.key or p.file, str(p)) for p in error.problems)


def diagnose(session: Session, t: Templates, config: Config | None = None,
             config_error: ConfigError | None = None) -> DoctorReport:
    """Read the account in at most MAX_QUERIES round-trips and judge whether sharekit can run."""
    before, started = session.round_trips, time.perf_counter()
    doctor = _Doctor(session, t, config)
    facts, shares, databases = doctor.read()
    doctor.role_and_warehouse(facts)
    doctor.shares(facts, shares)
    doctor.privilege(facts, "add_consumers", "MANAGE SHARE TARGET", "add consumer accounts to a share",
                     also=("CREATE SHARE",))
    doctor.database(facts, databases)
    doctor.probe(facts, databases)
    doctor.consumers(facts)
    doctor.global_sharing(facts)
    doctor.reader(facts)
    found = (*(config_findings(config_error) if config_error else ()), *doctor.findings)
    stats = {"queries": session.round_trips - before, "seconds": round(time.perf_counter() - started, 3)}
    return DoctorReport(
        facts=facts,
        findings=tuple(sorted(found, key=lambda f: rank(f.severity))),
        passed=tuple(doctor.passed),
        config=config.path if config else next((p.file for p in config_error.problems), None) if config_error else None,
        share=config.share.name if config else None,
        database=config.share.database if config else None,
        stats=stats,
    )
