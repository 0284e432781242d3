"""Shares, grants to shares and consumer accounts: the part of Snowflake fakesnow lacks.

State lives in the store (`share` and `grant` records); rules follow reference §3 and each
refusal raises Snowflake's error (see sferrors). Statements handled here:
CREATE [OR REPLACE|OR ALTER] SHARE, ALTER SHARE, DROP SHARE, GRANT/REVOKE … TO/FROM SHARE.
GRANT/REVOKE to roles or users are accepted as no-ops: the local account has one role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sharekit.errors import IdentifierError
from sharekit.local import sferrors
from sharekit.local.engine import Engine
from sharekit.local.sqltext import Reader, Statement
from sharekit.local.store import Store, now_iso
from sharekit.sql import identifiers

MAX_ACCOUNTS_PER_ADD = 10
OK = [{"status": "Statement executed successfully."}]

GrantKey = tuple  # (share, privilege, granted_on, *name parts)


class Shares:
    """Share rules over the store; `engine` answers which databases and objects exist."""

    # accounts a direct share cannot reach (another region): set by the account (local/listings.py)
    elsewhere: Callable[[list[str]], list[str]] | None = None
    # told too when an object's grants go or move (drop_grants_on / _under, rename_object): the
    # account sets it to the role grants (local/access.py)
    followers: tuple[Any, ...] = ()

    def __init__(self, store: Store, engine: Engine) -> None:
        self.store = store
        self.engine = engine

    # -- queries used by SHOW and by the view layer --------------------------------------------
    def get(self, name: str) -> dict[str, Any] | None:
        return self.store.get("share", (name,))

    def require(self, name: str) -> dict[str, Any]:
        share = self.get(name)
        if share is None:
            raise sferrors.does_not_exist("Share", name)
        return share

    def names(self) -> list[str]:
        return sorted(k[0] for k in self.store.data["share"])

    def grants(self, share: str | None = None) -> list[tuple[GrantKey, dict[str, Any]]]:
        return [(k, v) for k, v in self.store.data["grant"].items() if share is None or k[0] == share]

    def usage_database(self, share: str) -> str | None:
        for key, _ in self.grants(share):
            if key[1] == "USAGE" and key[2] == "DATABASE":
                return key[3]
        return None

    def drop_grants_on(self, granted_on: tuple[str, ...], parts: tuple[str, ...]) -> None:
        """Forget every share grant on an object (dropped, or replaced without COPY GRANTS)."""
        for key, _ in self.grants():
            if key[2] in granted_on and tuple(key[3:]) == parts:
                self.store.delete("grant", key)
        for follower in self.followers:
            follower.drop_grants_on(granted_on, parts)

    def drop_grants_under(self, parts: tuple[str, ...]) -> None:
        """Forget share grants on a database or schema and everything inside it."""
        n = len(parts)
        for key, _ in self.grants():
            if tuple(key[3 : 3 + n]) == parts:
                self.store.delete("grant", key)
        for follower in self.followers:
            follower.drop_grants_under(parts)

    def rename_object(self, old: tuple[str, ...], new: tuple[str, ...]) -> None:
        for key, value in self.grants():
            if tuple(key[3:]) == old and key[2] in ("VIEW", "TABLE"):
                self.store.delete("grant", key)
                self.store.put("grant", tuple(key[:3]) + new, value)
        for follower in self.followers:
            follower.rename_object(old, new)

    # -- CREATE / ALTER / DROP SHARE -----------------------------------------------------------
    def create(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("CREATE")
        or_replace = r.accept_words("OR", "REPLACE")
        or_alter = not or_replace and r.accept_words("OR", "ALTER")
        r.expect_word("SHARE")
        if_not_exists = r.accept_words("IF", "NOT", "EXISTS")
        if or_replace and if_not_exists:
            raise r.error("OR REPLACE and IF NOT EXISTS are incompatible")
        name = r.name_part()
        comment: str | None = None
        secure_only = True
        while not r.at_end():
            option = r.expect_word("COMMENT", "SECURE_OBJECTS_ONLY")
            r.expect_op("=")
            if option == "COMMENT":
                comment = r.string()
            elif or_alter:
                raise r.error("CREATE OR ALTER SHARE changes only COMMENT")
            else:
                secure_only = r.boolean()
        existing = self.get(name)
        if existing is not None:
            if or_alter:
                self.store.put("share", (name,), dict(existing, comment=comment))
                return OK
            if if_not_exists:
                return OK
            if not or_replace:
                raise sferrors.already_exists(name)
            self._drop(name)
        self.store.put(
            "share",
            (name,),
            {
                "created_on": now_iso(),
                "comment": comment,
                "secure_objects_only": secure_only,
                "accounts": {},
                "share_restrictions": None,
            },
        )
        return [{"status": f"Share {identifiers.quote(name)} successfully created."}]

    def drop(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("DROP")
        r.expect_word("SHARE")
        if_exists = r.accept_words("IF", "EXISTS")
        name = r.name_part()
        r.expect_end()
        if self.get(name) is None:
            if if_exists:
                return OK
            raise sferrors.does_not_exist("Share", name)
        self._drop(name)
        return [{"status": f"{identifiers.quote(name)} successfully dropped."}]

    def _drop(self, name: str) -> None:
        for key, _ in self.grants(name):
            self.store.delete("grant", key)
        self.store.delete("share", (name,))

    def alter(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("ALTER")
        r.expect_word("SHARE")
        if_exists = r.accept_words("IF", "EXISTS")
        name = r.name_part()
        share = self.get(name)
        if share is None:
            if if_exists:
                return OK
            raise sferrors.does_not_exist("Share", name)
        share = dict(share, accounts=dict(share["accounts"]))
        action = r.expect_word("ADD", "REMOVE", "SET", "UNSET")
        if action in ("ADD", "REMOVE"):
            r.expect_word("ACCOUNTS")
            r.expect_op("=")
            accounts = self._accounts(r)
            if action == "ADD":
                if len(accounts) > MAX_ACCOUNTS_PER_ADD:
                    raise sferrors.too_many_accounts(name, len(accounts), MAX_ACCOUNTS_PER_ADD)
                if self.usage_database(name) is None:
                    raise sferrors.accounts_before_database(name)
                far = self.elsewhere(accounts) if self.elsewhere else []
                if far:
                    raise sferrors.accounts_in_other_regions(far)
                for account in accounts:
                    share["accounts"].setdefault(account, now_iso())  # duplicate ADD: no-op
            else:
                for account in accounts:
                    share["accounts"].pop(account, None)  # absent REMOVE: no-op
            if r.accept_word("SHARE_RESTRICTIONS"):
                if action == "REMOVE":
                    raise r.error("SHARE_RESTRICTIONS rides only on ADD or SET ACCOUNTS")
                r.expect_op("=")
                share["share_restrictions"] = r.boolean()
            r.expect_end()
        elif action == "SET":
            seen = False
            while not r.at_end():
                if r.at_word("TAG"):
                    raise sferrors.local_limitation("tags on shares are not modelled")
                option = r.expect_word("ACCOUNTS", "COMMENT", "SECURE_OBJECTS_ONLY", "SHARE_RESTRICTIONS")
                r.expect_op("=")
                seen = True
                if option == "ACCOUNTS":
                    accounts = self._accounts(r)
                    if accounts and self.usage_database(name) is None:
                        raise sferrors.accounts_before_database(name)
                    old = share["accounts"]
                    share["accounts"] = {a: old.get(a, now_iso()) for a in accounts}
                elif option == "COMMENT":
                    share["comment"] = r.string()
                elif option == "SECURE_OBJECTS_ONLY":
                    value = r.boolean()
                    if value and not share["secure_objects_only"] and self._has_non_secure_view(name):
                        raise sferrors.non_secure_view()  # FALSE→TRUE: UNCONFIRMED, refused if it would break
                    share["secure_objects_only"] = value
                else:
                    share["share_restrictions"] = r.boolean()
                r.accept_op(",")
            if not seen:
                raise r.error("expected ACCOUNTS, COMMENT or SECURE_OBJECTS_ONLY")
        else:
            if r.at_word("TAG"):
                raise sferrors.local_limitation("tags on shares are not modelled")
            r.expect_word("COMMENT")
            r.expect_end()
            share["comment"] = None
        self.store.put("share", (name,), share)
        return OK

    def _accounts(self, r: Reader) -> list[str]:
        """`a.b, c.d …` up to SHARE_RESTRICTIONS/COMMENT/end → normalised ORG.ACCOUNT list."""
        out: list[str] = []
        text, _ = r.raw_until("SHARE_RESTRICTIONS", "COMMENT", "SECURE_OBJECTS_ONLY")
        items = [t.strip() for t in text.split(",")] if text else []
        if not items or any(not item for item in items):
            raise r.error("expected an account identifier")
        for item in items:
            try:
                account, _legacy = identifiers.normalize_account(item)
            except IdentifierError as exc:
                raise sferrors.invalid_account(item, str(exc)) from None
            if account not in out:
                out.append(account)
        return out

    def _has_non_secure_view(self, share: str) -> bool:
        for key, _ in self.grants(share):
            if key[2] == "VIEW":
                meta = self.store.get("view", tuple(key[3:]))
                if not (meta and meta.get("secure")):
                    return True
        return False

    # -- GRANT / REVOKE ------------------------------------------------------------------------
    def grant_or_revoke(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        verb = r.expect_word("GRANT", "REVOKE")
        if not _targets_share(stmt):
            # Roles and users: the local account has one role, nothing to record.
            if verb == "GRANT" and any(t.is_word("REFERENCE_USAGE") for t in stmt.tokens):
                raise sferrors.reference_usage_to_role()
            return OK
        if r.at_word("DATABASE") and (after := r.peek(1)) is not None and after.is_word("ROLE"):
            raise sferrors.local_limitation("database roles granted to shares are not modelled")
        privileges = self._privileges(r)
        r.expect_word("ON")
        if r.at_word("FUTURE"):
            raise sferrors.unsupported("GRANT ON FUTURE objects TO SHARE")  # UNCONFIRMED text
        kind, targets = self._objects(r)
        r.expect_word("TO" if verb == "GRANT" else "FROM")
        r.expect_word("SHARE")
        share = r.name_part()
        with_grant_option = verb == "GRANT" and r.accept_words("WITH", "GRANT", "OPTION")
        r.expect_end()
        if with_grant_option:
            raise sferrors.unsupported("GRANT PRIVILEGES TO SHARE WITH GRANT OPTION")
        self.require(share)
        for privilege in privileges:
            for granted_on, parts in targets(privilege, verb):
                if verb == "GRANT":
                    self._grant(share, privilege, granted_on, parts)
                else:
                    self._revoke(share, privilege, granted_on, parts)
        return OK

    def _privileges(self, r: Reader) -> list[str]:
        privileges: list[str] = []
        current: list[str] = []
        while not r.at_word("ON"):
            if r.accept_op(","):
                privileges.append(" ".join(current))
                current = []
            else:
                tok = r.next()
                current.append(tok.value)
        if current:
            privileges.append(" ".join(current))
        if not privileges:
            raise r.error("expected a privilege")
        return privileges

    def _objects(self, r: Reader):
        """ON <kind> <name> → (kind, targets(privilege, verb) → [(granted_on, parts)])."""
        db, sch = self.engine.current_database, self.engine.current_schema
        if r.accept_word("ALL"):
            what = r.expect_word("TABLES", "VIEWS")
            r.expect_word("IN")
            r.expect_word("SCHEMA")
            parts = r.name(2)
            if len(parts) == 1 and db is None:
                raise sferrors.no_current("database", "SCHEMA")
            schema_parts = (parts[0], parts[1]) if len(parts) == 2 else (str(db), parts[0])  # db set: see above
            kind = "TABLE" if what == "TABLES" else "VIEW"

            def expand(privilege: str, verb: str) -> list[tuple[str, tuple[str, ...]]]:
                if verb == "GRANT":
                    self.engine.require_schema(*schema_parts)
                    objects = self.engine.objects(*schema_parts)
                    return [(kind, (*schema_parts, n)) for n, k in sorted(objects.items()) if k == kind]
                return [
                    (k[2], tuple(k[3:])) for k, _ in self.grants() if k[2] == kind and tuple(k[3:5]) == schema_parts
                ]

            return kind, expand
        kind = r.expect_word(
            "DATABASE", "SCHEMA", "TABLE", "VIEW", "EXTERNAL", "DYNAMIC", "ICEBERG", "FUNCTION", "TAG",
            "SEMANTIC", "MATERIALIZED", "PROCEDURE", "STAGE", "INTEGRATION", "WAREHOUSE",
        )  # fmt: skip
        if kind not in ("DATABASE", "SCHEMA", "TABLE", "VIEW"):
            raise sferrors.local_limitation(f"grants on {kind} objects to shares are not modelled")
        size = {"DATABASE": 1, "SCHEMA": 2}.get(kind, 3)
        parts = r.name(size)
        prefix = [db, sch][: size - len(parts)]  # unqualified parts come from the session
        if None in prefix:
            raise sferrors.no_current("database" if prefix[0] is None else "schema", kind)
        full = tuple(str(part) for part in (*prefix, *parts))  # no None: checked above

        def single(privilege: str, verb: str) -> list[tuple[str, tuple[str, ...]]]:
            return [(kind, full)]

        return kind, single

    def _grant(self, share: str, privilege: str, kind: str, parts: tuple[str, ...]) -> None:
        record = self.require(share)
        usage_db = self.usage_database(share)
        if kind == "DATABASE":
            if privilege not in ("USAGE", "REFERENCE_USAGE"):
                raise sferrors.invalid_privilege(privilege, kind)
            self.engine.require_database(parts[0])
            if privilege == "USAGE" and usage_db not in (None, parts[0]):
                raise sferrors.second_database(share, usage_db, parts[0])
            if privilege == "REFERENCE_USAGE" and usage_db is None:
                raise sferrors.reference_usage_before_usage(parts[0], share)
        elif kind == "SCHEMA":
            if privilege != "USAGE":
                raise sferrors.invalid_privilege(privilege, kind)
            self.engine.require_schema(*parts)
            if usage_db != parts[0]:
                raise sferrors.not_in_shared_database(parts[0])
        else:
            if privilege != "SELECT":
                raise sferrors.invalid_privilege(privilege, kind)
            self.engine.require_schema(*parts[:2])
            actual = self.engine.object_kind(*parts)
            if actual is None or (kind == "VIEW" and actual != "VIEW"):
                raise sferrors.does_not_exist("View" if kind == "VIEW" else "Table", *parts)
            kind = actual  # GRANT … ON TABLE of a view records the view, as Snowflake does
            if usage_db != parts[0]:
                raise sferrors.not_in_shared_database(parts[0])
            if kind == "VIEW" and record["secure_objects_only"]:
                meta = self.store.get("view", parts)
                if not (meta and meta.get("secure")):
                    raise sferrors.non_secure_view()
        key = (share, privilege, kind, *parts)
        if self.store.get("grant", key) is None:  # granting twice keeps the first grant
            self.store.put("grant", key, {"created_on": now_iso()})

    def _revoke(self, share: str, privilege: str, kind: str, parts: tuple[str, ...]) -> None:
        if kind == "TABLE" and self.store.get("grant", (share, privilege, kind, *parts)) is None:
            kind = "VIEW" if self.store.get("grant", (share, privilege, "VIEW", *parts)) else kind
        key = (share, privilege, kind, *parts)
        if privilege == "USAGE" and kind == "DATABASE" and self.store.get("grant", key) is not None:
            # Revoking the shared database takes everything in it off the share (UNCONFIRMED).
            for other, _ in self.grants(share):
                self.store.delete("grant", other)
        self.store.delete("grant", key)  # revoking what is not granted: no-op, as in Snowflake


def _targets_share(stmt: Statement) -> bool:
    words = [t.value for t in stmt.tokens if t.kind == "word"]
    return any(a in ("TO", "FROM") and b == "SHARE" for a, b in zip(words, words[1:], strict=False))
