"""The reader (database-connection route) outside plan/apply: key rotation and the connection
facts Optimove asks for (`handoff`).

Key rotation without downtime, in two steps:
  1. put the new key in `reader.public_key`; `sharekit reader rotate-key` (or `apply`) sets it as
     RSA_PUBLIC_KEY_2, beside the old key: either private key logs in;
  2. once Optimove logs in with the new key, `sharekit reader rotate-key --swap` makes it
     RSA_PUBLIC_KEY and unsets RSA_PUBLIC_KEY_2; the next plan is empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sharekit.config.model import Config
from sharekit.connect.session import Session
from sharekit.errors import PlanError
from sharekit.plan.access import swap_statements
from sharekit.sql import identifiers
from sharekit.sql.templates import Templates
from sharekit.state.access import read_reader


@dataclass(frozen=True)
class Rotation:
    step: int  # 1: the new key added as RSA_PUBLIC_KEY_2; 2: swapped in, the old one gone
    statements: tuple[str, ...]
    fingerprint: str
    applied: bool

    @property
    def summary(self) -> str:
        done = "is" if self.applied else "would be"
        if self.step == 1:
            return (f"Step 1 of 2 {done} done: {self.fingerprint} is RSA_PUBLIC_KEY_2, both keys work. Once Optimove "
                    "logs in with the new key, run `sharekit reader rotate-key --swap`.")
        return f"Step 2 of 2 {done} done: {self.fingerprint} is the only key."

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "statements": list(self.statements), "fingerprint": self.fingerprint,
                "applied": self.applied, "summary": self.summary}

    def to_markdown(self) -> str:
        return "```sql\n" + "\n".join(self.statements) + "\n```\n\n" + self.summary + "\n"


def rotate_key(config: Config, session: Session, t: Templates, swap: bool = False, dry_run: bool = False) -> Rotation:
    """Step 1 (RSA_PUBLIC_KEY_2 = the configured key) or, with `swap`, step 2."""
    reader = config.reader
    if reader is None:
        raise PlanError(f"{config.path} has no `reader:` section: there is no reader user to rotate a key of")
    live = read_reader(session, config, t)
    if swap:
        statements = swap_statements(t, reader, live)
    else:
        user = live.user
        shown = identifiers.quote(reader.user)
        if user is None:
            raise PlanError(f"reader user {shown} does not exist: run `sharekit apply` first")
        if user.key_fp == reader.key_fingerprint:
            raise PlanError(f"{shown} already uses the configured key {reader.key_fingerprint}: to rotate, put the "
                            "new public key in `reader.public_key` first")
        if user.key_2_fp == reader.key_fingerprint:
            raise PlanError(f"step 1 is done: {reader.key_fingerprint} is RSA_PUBLIC_KEY_2 of {shown}; once Optimove "
                            "logs in with it, run `sharekit reader rotate-key --swap`")
        statements = [t.render("reader_alter_user", user=reader.user, property="RSA_PUBLIC_KEY_2",
                               value=identifiers.string_literal(reader.public_key))]
    if not dry_run:
        for sql in statements:
            session.execute(sql)
    return Rotation(2 if swap else 1, tuple(statements), reader.key_fingerprint, not dry_run)


def connection_facts(config: Config, account_url: str) -> dict[str, Any]:
    """What Optimove's ETL needs to connect, for `handoff`: host (the account URL, e.g.
    `myorg-myaccount.snowflakecomputing.com`), port 443, user, key-pair authentication, role,
    warehouse, database, the key's fingerprint and the addresses it may connect from."""
    reader = config.reader
    if reader is None:
        raise PlanError(f"{config.path} has no `reader:` section")
    return {"host": account_url, "port": 443, "user": reader.user, "authentication": "key pair (SNOWFLAKE_JWT)",
            "public_key_fingerprint": reader.key_fingerprint, "role": reader.role, "warehouse": reader.warehouse,
            "database": config.share.database, "allowed_ips": list(reader.allowed_ips)}
