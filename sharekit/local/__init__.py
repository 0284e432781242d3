"""The embedded local Snowflake account (`--local`): fakesnow/DuckDB plus sharekit's share layer.

    from sharekit.local import open_local_account
    with open_local_account("/tmp/acct", seed="seed.sql") as account:
        account.execute("CREATE SHARE S")
        account.query("SHOW SHARES")

Modules: `account` (LocalAccount, dispatch, knobs), `shares` (share state and rules), `ddl`
(views/tables/drops with what fakesnow drops), `show` (SHOW output), `resolve` (Snowflake's
exact-name rules over DuckDB), `engine` (fakesnow on persistent DuckDB, catalog cache),
`store` (directory lock, metadata snapshot + journal), `sqltext` (tokenizer), `sferrors`
(Snowflake error numbers and texts).
"""

from __future__ import annotations

from sharekit.local.account import LocalAccount, open_local_account, resolve_local_dir

__all__ = ["LocalAccount", "open_local_account", "resolve_local_dir"]
