"""Private listings on the local account, far enough to plan, apply, re-plan and audit them.

Statements handled here (reference §11): CREATE [EXTERNAL] LISTING … SHARE … AS $$ manifest $$
[PUBLISH = …] [REVIEW = …] [COMMENT = …], ALTER LISTING … AS $$ … $$ | PUBLISH | UNPUBLISH,
DROP LISTING, SHOW LISTINGS [LIKE …], DESC[RIBE] LISTING, and SELECT of
SYSTEM$ENABLE_GLOBAL_DATA_SHARING_FOR_ACCOUNT / SYSTEM$IS_GLOBAL_DATA_SHARING_ENABLED_FOR_ACCOUNT.
State lives in the store (`listing` records: share, manifest, state; one `setting` record for
global data sharing). Consumer regions come from SHAREKIT_LOCAL_CONSUMER_REGIONS (local/context.py).

Rules, from the listing documentation: a target outside the account's region needs
`auto_fulfillment` in the manifest, and global data sharing enabled; DROP LISTING takes only a
draft or unpublished listing. UNCONFIRMED, each a choice made here: a share carries at most one
listing; a listing's targets must be ORG.ACCOUNT names; the refusals' wording (sferrors).
SHOW LISTINGS columns follow the Terraform provider's row struct; DESCRIBE LISTING's are a subset
of its details struct, the manifest in `manifest_yaml` (column name UNCONFIRMED).
Refresh is simulated as instantaneous: no LISTING_REFRESH_HISTORY.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sharekit.local import sferrors
from sharekit.local.context import consumer_regions, global_sharing_default
from sharekit.local.shares import OK, Shares
from sharekit.local.show import OWNER, Filters, _bool, _ts
from sharekit.local.sqltext import Reader, Statement
from sharekit.local.store import Store, now_iso
from sharekit.sql import identifiers
from sharekit.state.listing import region_key, section

SHOW_COLUMNS = ("global_name", "name", "title", "subtitle", "profile", "created_on", "updated_on", "published_on",
                "state", "review_state", "comment", "owner", "owner_role_type", "regions", "target_accounts",
                "is_monetized", "is_application", "is_targeted")
_SYSTEM = re.compile(r"SELECT\s+SYSTEM\$(ENABLE|IS)_GLOBAL_DATA_SHARING(?:_ENABLED)?_FOR_ACCOUNT\s*\(", re.I)
SETTING = ("global_data_sharing",)


class Listings:
    def __init__(self, store: Store, shares: Shares, context: dict[str, Any]) -> None:
        self.store, self.shares, self.context = store, shares, context
        self.regions = consumer_regions()
        self._sharing_default = global_sharing_default()

    @staticmethod
    def handles(stmt: Statement) -> bool:
        words = stmt.words
        if words[:1] == ["SELECT"] and _SYSTEM.match(stmt.text):
            return True
        if words[:1] == ["CREATE"]:
            rest = [w for w in words[1:4] if w not in ("OR", "REPLACE")]
            return rest[:1] == ["LISTING"] or rest[:2] == ["EXTERNAL", "LISTING"]
        return words[:2] in (["ALTER", "LISTING"], ["DROP", "LISTING"], ["SHOW", "LISTINGS"],
                             ["DESC", "LISTING"], ["DESCRIBE", "LISTING"])

    def run(self, stmt: Statement) -> list[dict[str, Any]]:
        first = stmt.words[0]
        if first == "SELECT":
            return self._system(stmt)
        return {"CREATE": self._create, "ALTER": self._alter, "DROP": self._drop, "SHOW": self._show,
                "DESC": self._describe, "DESCRIBE": self._describe}[first](stmt)

    # -- what others ask ---------------------------------------------------------------------
    def region_of(self, account: str) -> str:
        return self.regions.get(account.upper(), self.own_region)

    @property
    def own_region(self) -> str:
        return str(self.context.get("CURRENT_REGION") or "")

    def elsewhere(self, accounts: list[str]) -> list[str]:
        """Accounts in another region than this one: a direct share cannot reach them."""
        return [a for a in accounts if region_key(self.region_of(a)) != region_key(self.own_region)]

    def of_share(self, share: str) -> dict[str, Any] | None:
        """The listing the share is attached to (any state), else None."""
        return next((dict(v, name=k[0]) for k, v in sorted(self.store.data["listing"].items())
                     if v["share"] == share), None)

    def sharing_enabled(self) -> bool:
        setting = self.store.get("setting", SETTING)
        return bool(setting["enabled"]) if setting is not None else self._sharing_default

    # -- statements ---------------------------------------------------------------------------
    def _create(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("CREATE")
        replace = r.accept_words("OR", "REPLACE")
        r.accept_word("EXTERNAL")
        r.expect_word("LISTING")
        if_not_exists = r.accept_words("IF", "NOT", "EXISTS")
        name = r.name_part()
        if r.at_word("APPLICATION"):
            raise sferrors.local_limitation("listings of application packages are not modelled")
        r.expect_word("SHARE")
        share = r.name_part()
        r.expect_word("AS")
        manifest = r.string()
        publish, comment = self._options(r)
        existing = self.store.get("listing", (name,))
        if existing is not None and not replace:
            if if_not_exists:
                return OK
            raise sferrors.already_exists(identifiers.quote(name))
        self.shares.require(share)
        other = self.of_share(share)
        if other is not None and other["name"] != name:
            raise sferrors.listing_problem(name, f"share {identifiers.quote(share)} is already attached to listing "
                                                 f"{identifiers.quote(other['name'])}; a share carries one listing")
        self._check(name, manifest)
        now = now_iso()
        self.store.put("listing", (name,), {
            "share": share, "manifest": manifest, "state": "PUBLISHED" if publish is not False else "DRAFT",
            "created_on": now, "updated_on": now, "published_on": now if publish is not False else None,
            "comment": comment, "global_name": _global_name(self.context.get("CURRENT_ACCOUNT", ""), name)})
        return [{"status": f"Listing {identifiers.quote(name)} successfully created."}]

    def _alter(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("ALTER")
        r.expect_word("LISTING")
        if_exists = r.accept_words("IF", "EXISTS")
        name = r.name_part()
        record = self.store.get("listing", (name,))
        if record is None:
            if if_exists:
                return OK
            raise sferrors.does_not_exist("Listing", name)
        record = dict(record, updated_on=now_iso())
        action = r.expect_word("AS", "PUBLISH", "UNPUBLISH")
        if action == "AS":
            manifest = r.string()
            publish, comment = self._options(r)
            self._check(name, manifest)
            record["manifest"] = manifest
            if comment is not None:
                record["comment"] = comment
        else:
            r.expect_end()
            publish = action == "PUBLISH"
        if publish is True:
            record.update(state="PUBLISHED", published_on=record.get("published_on") or record["updated_on"])
        elif publish is False:
            record["state"] = "UNPUBLISHED"
        self.store.put("listing", (name,), record)
        return OK

    def _drop(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("DROP")
        r.expect_word("LISTING")
        if_exists = r.accept_words("IF", "EXISTS")
        name = r.name_part()
        r.expect_end()
        record = self.store.get("listing", (name,))
        if record is None:
            if if_exists:
                return OK
            raise sferrors.does_not_exist("Listing", name)
        if record["state"] == "PUBLISHED":
            raise sferrors.listing_problem(name, "a published listing cannot be dropped; run ALTER LISTING "
                                                 f"{identifiers.quote(name)} UNPUBLISH first")
        self.store.delete("listing", (name,))
        return [{"status": f"{identifiers.quote(name)} successfully dropped."}]

    def _show(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("SHOW")
        r.expect_word("LISTINGS")
        filters = Filters()
        while filters.read(r):
            pass
        r.expect_end()
        rows = [self._row(key[0], record) for key, record in sorted(self.store.data["listing"].items())]
        return filters.apply([{column: row[column] for column in SHOW_COLUMNS} for row in rows])

    def _describe(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("DESC", "DESCRIBE")
        r.expect_word("LISTING")
        name = r.name_part()
        r.expect_end()
        record = self.store.get("listing", (name,))
        if record is None:
            raise sferrors.does_not_exist("Listing", name)
        return [self._row(name, record)]

    def _system(self, stmt: Statement) -> list[dict[str, Any]]:
        match = _SYSTEM.match(stmt.text)
        assert match is not None
        r = Reader(stmt)
        while not r.at_op("("):
            r.next()
        r.expect_op("(")
        account = r.string()
        r.expect_op(")")
        alias = r.name_part() if r.accept_word("AS") else None
        r.expect_end()
        if account.upper() not in {str(self.context.get(k) or "").upper()
                                   for k in ("CURRENT_ACCOUNT", "CURRENT_ACCOUNT_NAME")}:
            raise sferrors.does_not_exist("Account", account)
        column = alias or stmt.text[len("SELECT"):].strip().upper()
        if match.group(1).upper() == "ENABLE":
            self.store.put("setting", SETTING, {"enabled": True})
            return [{column: "Statement executed successfully"}]
        return [{column: self.sharing_enabled()}]

    # -- helpers ------------------------------------------------------------------------------
    def _options(self, r: Reader) -> tuple[bool | None, str | None]:
        publish, comment = None, None
        while not r.at_end():
            option = r.expect_word("PUBLISH", "REVIEW", "COMMENT")
            r.expect_op("=")
            if option == "COMMENT":
                comment = r.string()
            elif option == "PUBLISH":
                publish = r.boolean()
            else:
                r.boolean()  # review: private listings are not reviewed
        return publish, comment

    def _check(self, name: str, text: str) -> None:
        manifest = _manifest(name, text)
        targets = _targets(manifest)
        if not targets:
            raise sferrors.listing_problem(name, "a private listing's manifest needs `targets: {accounts: [...]}`")
        far = self.elsewhere(targets)
        if far and not section(manifest, "auto_fulfillment"):
            raise sferrors.listing_problem(name, f"{', '.join(far)} are outside this account's region "
                                                 f"({self.own_region}): the manifest needs `auto_fulfillment`")
        if far and not self.sharing_enabled():
            account = self.context.get("CURRENT_ACCOUNT_NAME", "")
            raise sferrors.listing_problem(name, "Cross-Cloud Auto-Fulfillment is not enabled for this account: an "
                                                 "organisation admin runs SELECT "
                                                 f"SYSTEM$ENABLE_GLOBAL_DATA_SHARING_FOR_ACCOUNT('{account}')")

    def _row(self, name: str, record: dict[str, Any]) -> dict[str, Any]:
        manifest = _manifest(name, record["manifest"])
        fulfillment = section(manifest, "auto_fulfillment")
        targets = _targets(manifest)
        return {
            "global_name": record["global_name"], "name": name, "title": str(manifest.get("title") or ""),
            "subtitle": manifest.get("subtitle"), "profile": "", "created_on": _ts(record["created_on"]),
            "updated_on": _ts(record["updated_on"]), "published_on": _ts(record["published_on"])
            if record.get("published_on") else None, "state": record["state"], "review_state": None,
            "comment": record.get("comment"), "owner": OWNER, "owner_role_type": "ROLE",
            "regions": ", ".join(sorted({self.region_of(a) for a in targets})), "target_accounts": ", ".join(targets),
            "is_monetized": _bool(False), "is_application": _bool(False), "is_targeted": _bool(True),
            "description": manifest.get("description"), "listing_terms": str(manifest.get("listing_terms") or ""),
            "share": record["share"], "refresh_schedule": fulfillment.get("refresh_schedule"),
            "refresh_type": fulfillment.get("refresh_type"), "manifest_yaml": record["manifest"],
        }


def _global_name(locator: str, name: str) -> str:
    digest = hashlib.sha1(f"{locator}.{name}".encode(), usedforsecurity=False).hexdigest().upper()
    return "GZSK" + digest[:8]


def _manifest(name: str, text: str) -> dict[str, Any]:
    import yaml

    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise sferrors.listing_problem(name, f"the manifest is not valid YAML ({' '.join(str(exc).split())})") from None
    if not isinstance(loaded, dict) or not loaded.get("title"):
        raise sferrors.listing_problem(name, "the manifest must be a YAML mapping with a `title`")
    return loaded


def _targets(manifest: dict[str, Any]) -> list[str]:
    accounts = section(manifest, "targets").get("accounts")
    return [str(a).upper() for a in accounts] if isinstance(accounts, list) else []
