"""The share's private listing in a plan: create, alter, publish, drop, and the cross-region check.

Desired and live listings are compared parsed (title, description, targets, refresh), never as
manifest text, so a listing Snowflake stores in its own layout never churns. Like consumers, a
target the config no longer names is removed only with `share.prune` (destructive: apply needs
--allow-destroy); without it the target stays and the plan warns. A listing attached to the
share that the config does not declare is dropped only with prune: UNPUBLISH first, since DROP
LISTING takes only a draft or unpublished listing (DROP LISTING documentation).
"""

from __future__ import annotations

from dataclasses import dataclass

from sharekit.checks.findings import Finding
from sharekit.config.model import Config
from sharekit.errors import PlanError
from sharekit.plan.definition import Change
from sharekit.sql import identifiers, statements
from sharekit.sql.templates import Templates
from sharekit.state.listing import ListingState, cross_region, manifest_text
from sharekit.state.model import AccountState

EXAMPLE = "listing: {name: OPTIMOVE_LISTING, title: \"Data for Optimove\", refresh: 1 HOUR}"


@dataclass(frozen=True)
class ListingDelta:
    """The listing the config asks for (None: none, or no consumer needs one) and the live one."""

    desired: ListingState | None
    actual: ListingState | None

    @property
    def targets_added(self) -> tuple[str, ...]:
        live = set(self.actual.targets) if self.actual else set()
        return tuple(a for a in (self.desired.targets if self.desired else ()) if a not in live)

    @property
    def targets_extra(self) -> tuple[str, ...]:
        wanted = set(self.desired.targets) if self.desired else set()
        return tuple(a for a in (self.actual.targets if self.actual else ()) if a not in wanted)


def listing_delta(desired: AccountState, actual: AccountState) -> ListingDelta | None:
    if desired.listing is None and actual.listing is None:
        return None
    return ListingDelta(desired.listing, actual.listing)


def cross_region_findings(config: Config, region: str | None) -> list[Finding]:
    """`consumer.cross_region`: a consumer in another region with no listing to reach it; a direct
    share reaches only its own region, so ADD ACCOUNTS would fail at the very end of apply."""
    if region is None or config.share.listing is not None:
        return []
    return [
        Finding("consumer.cross_region", "error", consumer.account,
                f"{config.path}:{consumer.line}: {consumer.account} is in {consumer.region}, this account in "
                f"{region}: a direct share reaches only its own region, so adding it would fail. Add a private "
                f"listing with auto-fulfillment under `share:` in {config.path}: `{EXAMPLE}` (name, title and "
                f"refresh); consumers in {region} stay direct")
        for consumer in cross_region(config, region)
    ]


def no_target_findings(config: Config, desired: AccountState) -> list[Finding]:
    declared = config.share.listing
    if declared is None or desired.listing is not None or desired.region is None:
        return []
    return [Finding("listing.no_targets", "warning", identifiers.quote(declared.name),
                    f"{config.path}:{declared.line}: share.listing {identifiers.quote(declared.name)} has no consumer "
                    f"to reach: no consumer declares a `region:` other than this account's ({desired.region}), so "
                    "sharekit does not create it (a private listing needs targets)")]


def listing_changes(config: Config, delta: ListingDelta | None, t: Templates
                    ) -> tuple[list[Change], list[Change], list[Finding], list[str]]:
    """(drop changes, create/alter changes, findings, unmanaged) for the share's listing."""
    if delta is None:
        return [], [], [], []
    share, prune = config.share.name, config.share.prune
    want, have = delta.desired, delta.actual
    if have is not None and have.share and have.share != share:
        raise PlanError(f"listing {identifiers.quote(have.name)} carries share {identifiers.quote(have.share)}, "
                        f"not {identifiers.quote(share)}: a listing carries one share; give share.listing another name")
    if want is None:
        assert have is not None
        shown = identifiers.quote(have.name)
        if not prune:
            return [], [], [Finding("unmanaged.listing", "warning", shown,
                                    f"listing {shown} carries share {identifiers.quote(share)} to "
                                    f"{', '.join(have.targets) or 'no account'} but {config.path} declares no listing "
                                    "that reaches them: declare it in share.listing, or set `share.prune: true` and "
                                    "run `sharekit apply --allow-destroy` to drop it")], [f"listing {shown}"]
        drops = [Change("alter", "listing", shown, statements.publish_listing(t, have.name, False), destructive=True,
                        reason="DROP LISTING needs an unpublished listing")] if have.published else []
        drops.append(Change("drop", "listing", shown, statements.drop_listing(t, have.name), destructive=True,
                            reason=f"not declared; its targets lose access: {', '.join(have.targets) or 'none'}"))
        return drops, [], [], []
    shown = identifiers.quote(want.name)
    if have is None:
        create = Change("create", "listing", shown, statements.create_listing(t, want.name, share, want.manifest),
                        reason=f"reaches {', '.join(want.targets)} (auto-fulfillment every {want.refresh})")
        return [], [create], [], []
    kept = () if prune else delta.targets_extra
    targets = tuple(sorted({*want.targets, *kept}))
    findings = [Finding("unmanaged.consumer", "warning", account,
                        f"{account} is a target of listing {shown} but not a consumer in another region in "
                        f"{config.path}: declare it with its `region:`, or set `share.prune: true` and run "
                        "`sharekit apply --allow-destroy` to remove it") for account in kept]
    reasons = [label for label, old, new in (
        ("title", have.title, want.title), ("description", have.description or None, want.description or None),
        ("refresh", have.refresh, want.refresh)) if old != new]
    if delta.targets_added:
        reasons.append("adds " + ", ".join(delta.targets_added))
    removed = [a for a in delta.targets_extra if a not in kept]
    if removed:
        reasons.append("removes " + ", ".join(removed))
    changes = []
    if reasons:
        manifest = manifest_text(want.title, want.description, targets, want.refresh or "")
        changes.append(Change("alter", "listing", shown, statements.alter_listing(t, want.name, manifest),
                              destructive=bool(removed), reason="; ".join(reasons)))
    if not have.published:
        changes.append(Change("alter", "listing", shown, statements.publish_listing(t, want.name, True),
                              reason="the listing is not published"))
    return [], changes, findings, [f"consumer {a}" for a in kept]
