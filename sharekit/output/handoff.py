"""How a handoff reads: Markdown to paste into an e-mail or a ticket for Optimove's PM/CSM (the
JSON is `Handoff.to_json`). Every name and message from the config or the account is escaped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sharekit.output.common import md_code, md_text, plural
from sharekit.sql import identifiers

if TYPE_CHECKING:
    from sharekit.handoff import Handoff, ViewFacts

NOT_SHOWN = "(not shown)"


def verdict(handoff: Handoff) -> str:
    checks = handoff.checks
    if checks.blocking:
        return (f"Not ready: {plural(len(checks.blocking), 'check')} failed with severity error "
                f"(listed under Checks) as of {handoff.generated_at}.")
    warnings = f", {plural(len(checks.warnings), 'warning')}" if checks.warnings else ""
    return f"Ready: every check passed{warnings} as of {handoff.generated_at}."


def facts(handoff: Handoff) -> list[tuple[str, str]]:
    """(label, Markdown value) rows of the connection facts."""
    p = handoff.provider
    listing = "none (a direct share)"
    if handoff.listing:
        listing = md_code(handoff.listing) + (f" (global name {md_code(handoff.listing_global_name)})"
                                              if handoff.listing_global_name else "")
    return [
        ("Provider account", md_code(p.identifier) if p.identifier else NOT_SHOWN),
        ("Organization", md_code(p.organization) if p.organization else NOT_SHOWN),
        ("Account name", md_code(p.account) if p.account else NOT_SHOWN),
        ("Account locator", md_code(p.locator) if p.locator else NOT_SHOWN),
        ("Region", md_code(p.region) if p.region else NOT_SHOWN),
        ("Share", md_code(handoff.share)),
        ("Listing", listing),
        ("Consumers", ", ".join(map(md_code, handoff.consumers)) or "none declared"),
        ("Database", md_code(handoff.database)),
        ("Data ready daily by", f"{handoff.ready_by_utc} UTC" if handoff.ready_by_utc
         else "not declared (set `share.ready_by_utc`)"),
    ]


def reader_facts(reader: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, Markdown value) rows of how Optimove's ETL connects to the database."""
    return [
        ("Host", md_code(str(reader["host"]))),
        ("Port", str(reader["port"])),
        ("User", md_code(str(reader["user"]))),
        ("Authentication", md_text(str(reader["authentication"]))),
        ("Public key fingerprint", md_code(str(reader["public_key_fingerprint"]))),
        ("Role", md_code(str(reader["role"]))),
        ("Warehouse", md_code(str(reader["warehouse"]))),
        ("Database", md_code(str(reader["database"]))),
        ("Allowed IPs", ", ".join(map(md_code, reader["allowed_ips"])) or "none"),
    ]


def _last_updated(view: ViewFacts) -> str:
    if view.last_updated is None:
        return "none: loaded in full each time" if view.kind == "dimension" else "**missing**"
    return f"{md_code(view.last_updated)} {md_text(view.last_updated_type or '')}".strip()


def _view_name(view: ViewFacts) -> str:
    return identifiers.fqn(view.schema, view.name)


def report_markdown(handoff: Handoff) -> str:
    lines = [f"## Snowflake share {md_code(handoff.share)} for Optimove", "", f"**{md_text(verdict(handoff))}**",
             "", "| | |", "|---|---|"]
    lines += [f"| {label} | {value} |" for label, value in facts(handoff)]
    if handoff.reader:
        lines += ["", "### Database connection (the `reader:` route)", "", "| | |", "|---|---|"]
        lines += [f"| {label} | {value} |" for label, value in reader_facts(handoff.reader)]
    lines += ["", "### Views", "",
              "| view | Optimove table | kind | primary key | LastUpdated | rows |", "|---|---|---|---|---|---|"]
    for view in handoff.views:
        table = (md_text(f"{view.optimove_vertical}: {view.optimove_table}") if view.optimove_table
                 else "not declared")
        key = ", ".join(map(md_code, view.primary_key)) or "none declared"
        rows = f"{view.rows:,}" if view.rows is not None else "not read"
        lines.append(f"| {md_code(_view_name(view))} | {table} | {view.kind} | {key} "
                     f"| {_last_updated(view)} | {rows} |")
    zones = {(v.last_updated_type, v.time_zone) for v in handoff.views if v.time_zone}
    if zones:
        lines += ["", "LastUpdated types:"]
        lines += [f"- {md_text(data_type or '')}: {md_text(meaning or '')}" for data_type, meaning in sorted(zones)]
    for view in handoff.views:
        lines += ["", f"#### {md_code(_view_name(view))}", ""]
        if not view.columns:
            lines.append("Not in the account yet: run `sharekit apply`.")
            continue
        lines += ["| column | type |", "|---|---|"]
        lines += [f"| {md_code(name)} | {md_text(data_type or '')} |" for name, data_type in view.columns]
    lines += ["", "### Checks", ""]
    findings = handoff.checks.findings
    if not findings:
        lines.append("All checks passed (structure, LastUpdated, keys, Optimove's rules, the data).")
    for finding in findings:
        icon = ":x:" if finding.severity == "error" else ":warning:"
        lines.append(f"- {icon} {md_code(finding.id)} {md_code(finding.object)}: {md_text(finding.message)}")
    lines += ["", f"<sub>Made by sharekit handoff, {md_text(handoff.generated_at)}; "
              f"read the account in {plural(int(handoff.stats.get('queries', 0)), 'query')}.</sub>"]
    return "\n".join(lines) + "\n"
