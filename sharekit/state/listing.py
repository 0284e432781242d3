"""A share's private listing, for consumers in other regions (reference §6, §11).

A direct share reaches only accounts in the provider's region; consumers elsewhere get the share
through a listing with Cross-Cloud Auto-Fulfillment. Here: which consumers the listing targets,
the YAML manifest sharekit sends (built with a YAML dumper, so no config text can break the
document or the `$$ … $$` around it), and the manifest read back, compared parsed (never as
text), so a listing Snowflake stores in another layout never churns.

Decisions (documented in README "Consumers in other regions"):
- a consumer without `region:` is taken to be in the account's region (today's behaviour);
- the listing targets every consumer whose region differs from the account's; same-region
  consumers stay direct;
- a declared listing with no consumer to target is not created (a private listing needs
  targets): the plan warns `listing.no_targets`;
- without the account's region (the render command reads no account), every consumer that
  declares a region is a target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sharekit.config.model import Config, Consumer

LISTING_TERMS = "OFFLINE"
REFRESH_TYPE = "SUB_DATABASE"  # ships tables and views only; FULL_DATABASE is deprecated (§6)
_REFRESH = re.compile(r"(\d+)\s*(MINUTE|HOUR|DAY)S?\Z", re.IGNORECASE)
_MINUTES = {"MINUTE": 1, "HOUR": 60, "DAY": 1440}


@dataclass(frozen=True)
class ListingState:
    """A listing as both sides see it. `targets` sorted; `refresh` in minutes ("60 MINUTE") or
    None without auto-fulfillment; `manifest` the text sent (desired) or read back (live)."""

    name: str
    title: str
    targets: tuple[str, ...]
    refresh: str | None
    description: str | None = None
    share: str | None = None
    published: bool = True
    manifest: str = ""
    global_name: str = ""

    @property
    def comparable(self) -> tuple[Any, ...]:
        return (self.title, self.description or None, self.targets, self.refresh)


def region_key(region: str) -> str:
    """`PUBLIC.AWS_EU_CENTRAL_1` and `aws_eu_central_1` → `AWS_EU_CENTRAL_1` (CURRENT_REGION()
    names the region group only in organisations spanning several)."""
    return region.strip().rsplit(".", 1)[-1].upper()


def needs_region(config: Config) -> bool:
    """Whether planning must read the account's region: some consumer declares one, or a
    listing is declared (else no query is added, as before regions existed)."""
    return config.share.listing is not None or any(c.region for c in config.share.consumers)


def elsewhere(consumer: Consumer, region: str | None) -> bool:
    """The consumer is in another region than the account (unknown account region: any declared)."""
    if not consumer.region:
        return False
    return region is None or region_key(consumer.region) != region_key(region)


def cross_region(config: Config, region: str | None) -> tuple[Consumer, ...]:
    return tuple(c for c in config.share.consumers if elsewhere(c, region))


def normal_refresh(text: Any) -> str | None:
    """`1 HOUR`, `60 minute`, `1 DAY` → minutes (`60 MINUTE`); None when not that shape (a CRON
    schedule set outside sharekit is compared as written)."""
    written = " ".join(str(text or "").split())
    match = _REFRESH.match(written)
    if not match:
        return written or None
    return f"{int(match.group(1)) * _MINUTES[match.group(2).upper()]} MINUTE"


def manifest_text(title: str, description: str | None, targets: tuple[str, ...], refresh: str) -> str:
    """The listing manifest (reference §11 keys), as YAML. Every value goes through the dumper,
    which quotes and escapes it; `$$` is refused by the config loader, so the SQL body is safe."""
    import yaml

    manifest: dict[str, Any] = {"title": title}
    if description:
        manifest["description"] = description
    manifest["listing_terms"] = {"type": LISTING_TERMS}
    manifest["targets"] = {"accounts": list(targets)}
    manifest["auto_fulfillment"] = {"refresh_type": REFRESH_TYPE, "refresh_schedule": refresh}
    text = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)
    assert "$$" not in text, "manifest text with $$ must have been refused by the config loader"
    return text.rstrip("\n")


def desired_listing(config: Config, region: str | None) -> ListingState | None:
    """The listing the config asks for, targeting the consumers in other regions; None when no
    listing is declared or none of the consumers needs it."""
    declared = config.share.listing
    targets = tuple(sorted(c.account for c in cross_region(config, region)))
    if declared is None or not targets:
        return None
    manifest = manifest_text(declared.title, declared.description, targets, declared.refresh)
    return ListingState(name=declared.name, title=declared.title, targets=targets, refresh=declared.refresh,
                        description=declared.description, share=config.share.name, manifest=manifest)


def parse_manifest(text: str) -> dict[str, Any] | None:
    """A manifest read back → its mapping; None when it is not a YAML mapping."""
    import yaml

    try:
        loaded = yaml.safe_load(text or "")
    except yaml.YAMLError:
        return None
    return loaded if isinstance(loaded, dict) else None


def section(manifest: dict[str, Any], key: str) -> dict[str, Any]:
    """A manifest's mapping under `key` ({} when absent or not a mapping)."""
    value = manifest.get(key)
    return value if isinstance(value, dict) else {}


def _accounts(value: Any) -> tuple[str, ...]:
    """`targets.accounts` (a list) or DESCRIBE's `target_accounts` (text, comma separated;
    its exact shape is UNCONFIRMED, so quotes, brackets and spaces are dropped)."""
    items = value if isinstance(value, list) else re.split(r"[,\s]+", str(value or "").strip("[]"))
    cleaned = {str(item).strip().strip("'\"").upper() for item in items}
    return tuple(sorted(item for item in cleaned if item))


def live_listing(row: dict[str, Any], describe: dict[str, Any] | None) -> ListingState:
    """A SHOW LISTINGS row (+ its DESCRIBE LISTING row) → ListingState. SHOW LISTINGS columns per
    the Terraform provider's row struct (`global_name, name, title, …, state, …, target_accounts`);
    DESCRIBE LISTING adds `share`, `description`, `refresh_schedule` and the manifest, in a column
    sharekit reads as `manifest_yaml` (name UNCONFIRMED: the provider's field is ManifestYaml).
    The manifest, when present, wins over the separate columns."""
    both = {str(k).lower(): v for k, v in {**row, **(describe or {})}.items()}
    manifest = parse_manifest(str(both.get("manifest_yaml") or "")) or {}
    targets, fulfillment = section(manifest, "targets"), section(manifest, "auto_fulfillment")
    refresh = fulfillment.get("refresh_schedule", both.get("refresh_schedule"))
    share = str(both.get("share") or "").strip()
    return ListingState(
        name=str(both.get("name") or ""),
        title=str(manifest.get("title", both.get("title")) or ""),
        targets=_accounts(targets.get("accounts") if "accounts" in targets else both.get("target_accounts")),
        refresh=normal_refresh(refresh) if refresh else None,
        description=str(manifest.get("description", both.get("description")) or "") or None,
        share=share.rsplit(".", 1)[-1].strip('"') if share else None,
        published=str(both.get("state") or "").upper() == "PUBLISHED",
        manifest=str(both.get("manifest_yaml") or ""),
        global_name=str(both.get("global_name") or ""),
    )


def region_of(rows: list[dict[str, Any]]) -> str | None:
    """The doctor_context row's CURRENT_REGION() (alias REGION_NAME, any case)."""
    upper = {str(key).upper(): value for key, value in (rows[0] if rows else {}).items()}
    value = str(upper.get("REGION_NAME") or "").strip()
    return value.upper() or None


def attached_global_name(row: dict[str, Any] | None) -> str:
    """SHOW SHARES `listing_global_name`: the listing the share is attached to ('' for none)."""
    return str((row or {}).get("listing_global_name") or "").strip()


def pick_listing(rows: list[dict[str, Any]], name: str | None, global_name: str) -> dict[str, Any] | None:
    """The SHOW LISTINGS row of the declared listing (`name`, matched exactly: LIKE also matches
    wildcards), else of the one the share is attached to (by global name)."""
    for row in rows:
        lower = {str(k).lower(): v for k, v in row.items()}
        if name is not None and str(lower.get("name") or "") == name:
            return lower
        if name is None and global_name and str(lower.get("global_name") or "") == global_name:
            return lower
    return None
