"""Roles, grants to roles, users, network policies, warehouses and resource monitors: what the
reader (`reader:`, the database-connection route) needs of the local account, in the store.

Handled here: CREATE / ALTER / DROP of ROLE, USER, NETWORK POLICY, WAREHOUSE and RESOURCE MONITOR;
GRANT / REVOKE … TO / FROM ROLE r and GRANT / REVOKE ROLE r TO / FROM USER u when r (or u) is one
of these records (other grants to roles stay the no-ops local/shares.py makes them: one session
role); SHOW ROLES / USERS / NETWORK POLICIES / WAREHOUSES / RESOURCE MONITORS, SHOW GRANTS TO ROLE
r and TO USER u, SHOW PARAMETERS IN USER u, DESC USER u, DESC NETWORK POLICY p. So
`sharekit local sql "SHOW GRANTS TO ROLE R"` answers "can role R read view V".

Rules kept: a TYPE = SERVICE user cannot have a password; a user's network policy must exist; a
warehouse's resource monitor must exist; dropping a role takes its grants with it; dropping a view
or table (DROP, CREATE OR REPLACE without COPY GRANTS, DROP SCHEMA / DATABASE) takes the grants on
it, as Snowflake does (reference §3.4), and a rename keeps them: local/shares.py tells `Access` of
those events. Objects a grant names are not checked to exist (local limitation). Output columns
follow the SHOW/DESC pages; where those do not list a value's form (an unset DESC USER property
as 'null', STATEMENT_TIMEOUT's `level`, a single address in ALLOWED_IP_LIST: quirk
`network_policy_cidr_hosts`), it is UNCONFIRMED.
"""

from __future__ import annotations

import binascii
from typing import Any

from snowflake.connector.errors import ProgrammingError

from sharekit.config.access import fingerprint
from sharekit.local import sferrors
from sharekit.local.context import role as current_role
from sharekit.local.quirks import active_quirks
from sharekit.local.show import EPOCH, OWNER, Filters, _ts
from sharekit.local.sqltext import NUMBER, STRING, Reader, Statement
from sharekit.local.store import Store, now_iso
from sharekit.sql import identifiers

OK = [{"status": "Statement executed successfully."}]
KINDS = {"ROLE": "role", "USER": "user", "NETWORK": "network_policy", "WAREHOUSE": "warehouse",
         "RESOURCE": "resource_monitor"}
_SHOWN = {"role": "Role", "user": "User", "network_policy": "Network policy", "warehouse": "Warehouse",
          "resource_monitor": "Resource monitor"}
SYSTEM_ROLES = ("ACCOUNTADMIN", "SECURITYADMIN", "SYSADMIN", "USERADMIN", "ORGADMIN", "PUBLIC")
# what a grant may be ON that lives in a database (a warehouse named like a database stays)
_IN_DATABASES = ("DATABASE", "SCHEMA", "TABLE", "VIEW")
USER_PARAMETERS = ("NETWORK_POLICY", "STATEMENT_TIMEOUT_IN_SECONDS")
DESC_USER_PROPERTIES = ("NAME", "TYPE", "COMMENT", "PASSWORD", "DISABLED", "DEFAULT_WAREHOUSE", "DEFAULT_NAMESPACE",
                        "DEFAULT_ROLE", "RSA_PUBLIC_KEY", "RSA_PUBLIC_KEY_FP", "RSA_PUBLIC_KEY_2",
                        "RSA_PUBLIC_KEY_2_FP")


def _words(stmt: Statement) -> list[str]:
    return [w for w in stmt.words if w not in ("OR", "REPLACE", "IF", "NOT", "EXISTS")]


class Access:
    """The reader's objects over the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.quirks = active_quirks()

    # -- dispatch -------------------------------------------------------------------------------
    def handles(self, stmt: Statement) -> bool:
        words = _words(stmt)
        first, second = (words + ["", ""])[:2]
        if first in ("CREATE", "ALTER", "DROP") and second in KINDS:
            return second != "RESOURCE" or (words[2:3] == ["MONITOR"])
        if first in ("GRANT", "REVOKE"):
            return self._grant_target(stmt) is not None
        if first == "SHOW":
            rest = " ".join(w for w in words[1:4] if w != "TERSE")
            if rest.startswith(("ROLES", "USERS", "NETWORK POLICIES", "WAREHOUSES", "RESOURCE MONITORS",
                                "PARAMETERS")):
                return not rest.startswith("PARAMETERS") or self._parameters_user(stmt) is not None
            if rest.startswith("GRANTS TO"):
                return self._show_grants_target(stmt) is not None
        return first in ("DESC", "DESCRIBE") and second in ("USER", "NETWORK")

    def run(self, stmt: Statement) -> list[dict[str, Any]]:
        words = _words(stmt)
        first, second = words[0], words[1] if len(words) > 1 else ""
        if first == "CREATE":
            return self._create(stmt, KINDS[second])
        if first == "ALTER":
            return self._alter(stmt, KINDS[second])
        if first == "DROP":
            return self._drop(stmt, KINDS[second])
        if first in ("GRANT", "REVOKE"):
            return self._grant_or_revoke(stmt)
        if first == "SHOW":
            return self._show(stmt)
        return self._describe(stmt)

    # -- helpers --------------------------------------------------------------------------------
    def _require(self, kind: str, name: str) -> dict[str, Any]:
        value = self.store.get(kind, (name,))
        if value is None:
            raise sferrors.does_not_exist(_SHOWN[kind], name)
        return value

    def _head(self, stmt: Statement, kind: str) -> tuple[Reader, bool, bool, str]:
        """CREATE|ALTER|DROP [OR REPLACE] <KIND> [IF [NOT] EXISTS] name → (reader, or_replace, if_, name)."""
        r = Reader(stmt)
        r.next()
        or_replace = r.accept_words("OR", "REPLACE")
        r.next()
        if kind in ("network_policy", "resource_monitor"):
            r.next()
        if_ = r.accept_words("IF", "NOT", "EXISTS") or r.accept_words("IF", "EXISTS")
        return r, or_replace, if_, r.name_part()

    def _props(self, r: Reader, stop: tuple[str, ...] = ()) -> dict[str, Any]:
        """`NAME = value …` (commas allowed between): strings, numbers, names, (list of strings)."""
        props: dict[str, Any] = {}
        while not r.at_end() and not r.at_word(*stop):
            if r.accept_op(","):
                continue
            key = r.next().value.upper()
            if not r.accept_op("="):
                raise r.error(f"expected '=' after {key}")
            if r.accept_op("("):
                items: list[str] = []
                while not r.accept_op(")"):
                    if not r.accept_op(","):
                        items.append(r.string())
                props[key] = items
                continue
            tok = r.peek()
            if tok is not None and tok.kind == STRING:
                props[key] = r.string()
            elif tok is not None and tok.kind == NUMBER:
                props[key] = float(r.next().text)
            else:
                props[key] = r.name_part()
        return props

    # -- CREATE / ALTER / DROP ------------------------------------------------------------------
    def _create(self, stmt: Statement, kind: str) -> list[dict[str, Any]]:
        r, or_replace, if_not_exists, name = self._head(stmt, kind)
        r.accept_word("WITH")
        props = self._props(r, ("TRIGGERS",))
        triggers = r.raw_until()[0] if r.accept_word("TRIGGERS") else None
        if self.store.get(kind, (name,)) is not None:
            if if_not_exists:
                return OK
            if not or_replace:
                raise sferrors.already_exists(name)
            self._forget(kind, name)
        record: dict[str, Any] = {"created_on": now_iso(), "comment": props.pop("COMMENT", None)}
        if kind == "user":
            record["props"] = {}
            self._set_user(name, record, props)
        elif kind == "network_policy":
            record.update(allowed=props.get("ALLOWED_IP_LIST", []), blocked=props.get("BLOCKED_IP_LIST", []))
        elif kind == "warehouse":
            record.update(size=str(props.get("WAREHOUSE_SIZE", "XSMALL")), resource_monitor=None)
            if "RESOURCE_MONITOR" in props:
                record["resource_monitor"] = self._monitor(props["RESOURCE_MONITOR"])
        elif kind == "resource_monitor":
            record.update(credit_quota=props.get("CREDIT_QUOTA"), triggers=triggers)
        self.store.put(kind, (name,), record)
        return [{"status": f"{_SHOWN[kind]} {identifiers.quote(name)} successfully created."}]

    def _alter(self, stmt: Statement, kind: str) -> list[dict[str, Any]]:
        r, _, if_exists, name = self._head(stmt, kind)
        if self.store.get(kind, (name,)) is None and if_exists:
            return OK
        record = dict(self._require(kind, name))
        verb = r.expect_word("SET", "UNSET", "SUSPEND", "RESUME", "RENAME", "ADD", "REMOVE")
        if verb in ("SUSPEND", "RESUME") and kind == "warehouse":
            return OK
        if verb not in ("SET", "UNSET"):
            raise sferrors.local_limitation(f"ALTER {kind.replace('_', ' ').upper()} … {verb}")
        if verb == "SET":
            props = self._props(r, ("TRIGGERS",))
        else:
            props = {}
            while not r.at_end():
                if not r.accept_op(","):
                    props[r.next().value.upper()] = None
        if "COMMENT" in props:
            record["comment"] = props.pop("COMMENT")
        if kind == "user":
            record["props"] = dict(record["props"])
            self._set_user(name, record, props)
        elif kind == "network_policy":
            for key, field in (("ALLOWED_IP_LIST", "allowed"), ("BLOCKED_IP_LIST", "blocked")):
                if key in props:
                    record[field] = props[key] or []
        elif kind == "warehouse" and "RESOURCE_MONITOR" in props:
            record["resource_monitor"] = self._monitor(props["RESOURCE_MONITOR"]) if verb == "SET" else None
        elif kind == "resource_monitor" and "CREDIT_QUOTA" in props:
            record["credit_quota"] = props["CREDIT_QUOTA"]
        self.store.put(kind, (name,), record)
        return OK

    def _monitor(self, name: str) -> str:
        self._require("resource_monitor", name)
        return name

    def _set_user(self, name: str, record: dict[str, Any], props: dict[str, Any]) -> None:
        """User properties, with Snowflake's rules for service users and network policies."""
        current = record["props"]
        for key, value in props.items():
            if value is None:
                current.pop(key, None)
                continue
            if key in ("RSA_PUBLIC_KEY", "RSA_PUBLIC_KEY_2"):
                try:
                    fingerprint(str(value))
                except (binascii.Error, ValueError):
                    raise sferrors.local_limitation(f"{key} that is not base64 (Snowflake refuses it too)") from None
            if key == "NETWORK_POLICY":
                self._require("network_policy", str(value))
            current[key] = value if not isinstance(value, float) else int(value)
        kind = str(current.get("TYPE", "")).upper()
        if kind == "SERVICE" and current.get("PASSWORD"):
            # UNCONFIRMED wording: the user-management page says service users cannot have a password
            raise sferrors._own(2000, "22023", f"SQL compilation error: User {identifiers.quote(name)} of TYPE "
                                "SERVICE cannot have a PASSWORD")

    def _drop(self, stmt: Statement, kind: str) -> list[dict[str, Any]]:
        r, _, if_exists, name = self._head(stmt, kind)
        if self.store.get(kind, (name,)) is None:
            if if_exists:
                return OK
            self._require(kind, name)
        self._forget(kind, name)
        return [{"status": f"{identifiers.quote(name)} successfully dropped."}]

    def _forget(self, kind: str, name: str) -> None:
        self.store.delete(kind, (name,))
        if kind in ("role", "user"):
            for key in list(self.store.data["role_grant"]):
                if (kind == "role" and key[0] == name) or (key[1:3] == ("ROLE", name)):
                    self.store.delete("role_grant", key)
            for key in list(self.store.data["user_role"]):
                if key[0 if kind == "user" else 1] == name:
                    self.store.delete("user_role", key)

    # -- GRANT / REVOKE -------------------------------------------------------------------------
    def _grant_target(self, stmt: Statement) -> tuple[str, str] | None:
        """('role', R) for privileges (or a role) to role R, ('user', U) for a role to user U, when
        R or U is modelled here; else None (the no-op of local/shares.py)."""
        tokens = stmt.tokens
        for i, tok in enumerate(tokens[:-2]):
            if tok.is_word("TO", "FROM") and tokens[i + 1].is_word("ROLE", "USER"):
                kind = tokens[i + 1].value.lower()
                try:
                    name = Reader(stmt, i + 2).name_part()
                except ProgrammingError:  # not a name: the statement's own parser reports it
                    return None
                return (kind, name) if self.store.get(kind, (name,)) is not None else None
        return None

    def _grant_or_revoke(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        verb = r.expect_word("GRANT", "REVOKE")
        kind, grantee = self._grant_target(stmt)  # type: ignore[misc]
        if r.accept_word("ROLE"):
            granted = r.name_part()
            if granted not in SYSTEM_ROLES and granted != current_role():  # those exist without a record
                self._require("role", granted)
            key: tuple[str, ...] = (grantee, granted) if kind == "user" else (grantee, "USAGE", "ROLE", granted)
            table = "user_role" if kind == "user" else "role_grant"
        else:
            privileges = [p.strip() for p in r.raw_until("ON")[0].upper().split(",")]
            r.expect_word("ON")
            if r.at_word("FUTURE", "ALL"):
                raise sferrors.local_limitation("grants ON FUTURE / ALL objects to a role")
            tokens = []
            while not r.at_word("TO", "FROM"):
                tokens.append(r.next())
            name = self._dotted(tokens)
            granted_on = "_".join(t.value for t in tokens[: len(tokens) - (2 * len(name) - 1)])
            if granted_on == "WAREHOUSE":
                self._require("warehouse", name[-1])
            if "REFERENCE_USAGE" in privileges and verb == "GRANT":
                raise sferrors.reference_usage_to_role()
            table = "role_grant"
            for privilege in privileges:
                self._put_or_delete(verb, table, (grantee, privilege, granted_on, *name))
            return OK
        self._put_or_delete(verb, table, key)
        return OK

    @staticmethod
    def _dotted(tokens: list[Any]) -> tuple[str, ...]:
        """The trailing `a.b.c` of ON <kind> a.b.c, as stored parts."""
        parts: list[str] = []
        i = len(tokens) - 1
        while i >= 0:
            tok = tokens[i]
            parts.insert(0, tok.value if tok.kind == "qident" else identifiers.normalize(tok.text))
            if i >= 1 and tokens[i - 1].is_op("."):
                i -= 2
                continue
            break
        return tuple(parts)

    def _put_or_delete(self, verb: str, table: str, key: tuple[str, ...]) -> None:
        if verb == "GRANT":
            if self.store.get(table, key) is None:
                self.store.put(table, key, {"created_on": now_iso()})
        elif self.store.get(table, key) is not None:
            self.store.delete(table, key)

    # -- objects dropped, replaced or renamed (told by local/shares.py) ---------------------------
    def _grants_on(self, match: Any) -> list[tuple[Any, ...]]:
        return [key for key in self.store.data["role_grant"] if key[2] in _IN_DATABASES and match(tuple(key[3:]))]

    def drop_grants_on(self, granted_on: tuple[str, ...], parts: tuple[str, ...]) -> None:
        for key in self._grants_on(lambda name: name == parts):
            if key[2] in granted_on:
                self.store.delete("role_grant", key)

    def drop_grants_under(self, parts: tuple[str, ...]) -> None:
        for key in self._grants_on(lambda name: name[: len(parts)] == parts):
            self.store.delete("role_grant", key)

    def rename_object(self, old: tuple[str, ...], new: tuple[str, ...]) -> None:
        for key in self._grants_on(lambda name: name == old):
            if key[2] in ("VIEW", "TABLE"):
                value = self.store.get("role_grant", key)
                self.store.delete("role_grant", key)
                self.store.put("role_grant", (*key[:3], *new), value)

    # -- SHOW / DESC ----------------------------------------------------------------------------
    def _show_grants_target(self, stmt: Statement) -> tuple[str, str] | None:
        r = Reader(stmt)
        r.expect_word("SHOW")
        r.expect_word("GRANTS")
        r.expect_word("TO")
        kind = r.accept_word("ROLE", "USER")
        if kind is None or r.at_end():
            return None
        name = r.name_part()
        if self.store.get(kind.lower(), (name,)) is None or (kind == "ROLE" and name == current_role()):
            return None  # the session's own role: local/context.py answers
        return kind.lower(), name

    def _parameters_user(self, stmt: Statement) -> str | None:
        r = Reader(stmt)
        while not r.at_end() and not r.at_word("IN"):
            r.next()
        if not r.accept_word("IN") or not r.accept_word("USER"):
            return None
        return r.name_part()

    def _show(self, stmt: Statement) -> list[dict[str, Any]]:
        words = [w for w in _words(stmt)[1:4] if w != "TERSE"]
        if words[0] == "GRANTS":
            kind, name = self._show_grants_target(stmt)  # type: ignore[misc]
            return self._grants_to_role(name) if kind == "role" else self._grants_to_user(name)
        if words[0] == "PARAMETERS":
            return self._parameters(str(self._parameters_user(stmt)), stmt)
        r, filters = Reader(stmt), Filters()
        while not r.at_end():
            if not filters.read(r):
                r.next()
        kind = {"ROLES": "role", "USERS": "user", "NETWORK": "network_policy", "WAREHOUSES": "warehouse",
                "RESOURCE": "resource_monitor"}[words[0]]
        rows = [getattr(self, f"_{kind}_row")(key[0], value) for key, value in sorted(self.store.data[kind].items())]
        return filters.apply(rows)

    def _grants_to_role(self, role: str) -> list[dict[str, Any]]:
        return [{"created_on": _ts(value["created_on"]), "privilege": key[1], "granted_on": key[2].replace("_", " "),
                 "name": identifiers.fqn(*key[3:]), "granted_to": "ROLE", "grantee_name": role, "grant_option": "false",
                 "granted_by": OWNER}
                for key, value in sorted(self.store.data["role_grant"].items()) if key[0] == role]

    def _grants_to_user(self, user: str) -> list[dict[str, Any]]:
        return [{"created_on": _ts(value["created_on"]), "role": key[1], "granted_to": "USER", "grantee_name": user,
                 "granted_by": OWNER}
                for key, value in sorted(self.store.data["user_role"].items()) if key[0] == user]

    def _parameters(self, user: str, stmt: Statement) -> list[dict[str, Any]]:
        props = self._require("user", user)["props"]
        r, filters = Reader(stmt), Filters()
        while not r.at_end():
            if not filters.read(r):
                r.next()
        defaults = {"NETWORK_POLICY": "", "STATEMENT_TIMEOUT_IN_SECONDS": "172800"}
        rows = [{"key": key, "value": str(props.get(key, defaults[key])), "default": defaults[key],
                 "level": "USER" if key in props else "", "description": "", "type": "STRING"}
                for key in USER_PARAMETERS]
        return filters.apply(rows, "key")

    def _role_row(self, name: str, value: dict[str, Any]) -> dict[str, Any]:
        granted = sum(1 for key in self.store.data["user_role"] if key[1] == name)
        return {"created_on": _ts(value["created_on"]), "name": name, "is_default": "N", "is_current": "N",
                "is_inherited": "N", "assigned_to_users": granted, "granted_to_roles": 0, "granted_roles": 0,
                "owner": OWNER, "comment": value.get("comment") or ""}

    def _user_row(self, name: str, value: dict[str, Any]) -> dict[str, Any]:
        props = value["props"]
        return {"name": name, "created_on": _ts(value["created_on"]), "login_name": name, "display_name": name,
                "comment": value.get("comment"), "disabled": "false",
                "default_warehouse": props.get("DEFAULT_WAREHOUSE"),
                "default_namespace": props.get("DEFAULT_NAMESPACE"), "default_role": props.get("DEFAULT_ROLE"),
                "owner": OWNER, "has_password": "true" if props.get("PASSWORD") else "false",
                "has_rsa_public_key": "true" if props.get("RSA_PUBLIC_KEY") else "false",
                "type": props.get("TYPE")}

    def _network_policy_row(self, name: str, value: dict[str, Any]) -> dict[str, Any]:
        return {"created_on": _ts(value["created_on"]), "name": name, "comment": value.get("comment") or "",
                "entries_in_allowed_ip_list": len(value["allowed"]),
                "entries_in_blocked_ip_list": len(value["blocked"])}

    def _warehouse_row(self, name: str, value: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "state": "SUSPENDED", "type": "STANDARD", "size": value.get("size"),
                "created_on": _ts(value["created_on"]), "owner": OWNER, "comment": value.get("comment") or "",
                "resource_monitor": value.get("resource_monitor") or "null"}

    def _resource_monitor_row(self, name: str, value: dict[str, Any]) -> dict[str, Any]:
        quota = value.get("credit_quota")
        warehouses = [key[0] for key, w in self.store.data["warehouse"].items() if w.get("resource_monitor") == name]
        return {"name": name, "credit_quota": None if quota is None else f"{float(quota):.2f}", "used_credits": "0.00",
                "remaining_credits": None if quota is None else f"{float(quota):.2f}",
                "level": "WAREHOUSE" if warehouses else None, "frequency": "MONTHLY", "start_time": EPOCH,
                "end_time": None, "notify_at": None, "suspend_at": "100%" if value.get("triggers") else None,
                "suspend_immediately_at": None, "created_on": _ts(value["created_on"]), "owner": OWNER,
                "comment": value.get("comment") or ""}

    def _describe(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.next()
        if r.accept_word("USER"):
            name = r.name_part()
            r.expect_end()
            value = self._require("user", name)
            props = dict(value["props"], NAME=name, COMMENT=value.get("comment"))
            for slot in ("RSA_PUBLIC_KEY", "RSA_PUBLIC_KEY_2"):
                if props.get(slot):
                    props[f"{slot}_FP"] = fingerprint(str(props[slot]))
            if props.get("PASSWORD"):
                props["PASSWORD"] = "********"  # noqa: S105 - DESC USER masks it
            return [{"property": key, "value": "null" if props.get(key) is None else str(props[key]),
                     "default": "null", "description": ""} for key in DESC_USER_PROPERTIES]
        r.expect_word("NETWORK")
        r.expect_word("POLICY")
        name = r.name_part()
        r.expect_end()
        value = self._require("network_policy", name)
        allowed = value["allowed"]
        if "network_policy_cidr_hosts" in self.quirks:
            allowed = [ip if "/" in ip else f"{ip}/32" for ip in allowed]
        return [{"name": "ALLOWED_IP_LIST", "value": ",".join(allowed)}] + (
            [{"name": "BLOCKED_IP_LIST", "value": ",".join(value["blocked"])}] if value["blocked"] else [])
