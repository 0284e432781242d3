"""One function per statement shape; each renders its template from model values."""

from __future__ import annotations

from collections.abc import Iterable

from sharekit.config.model import Column
from sharekit.sql.templates import Templates
from sharekit.state.model import Grant

MAX_ACCOUNTS_PER_STATEMENT = 10  # ALTER SHARE … ADD ACCOUNTS limit (DESIGN.md pitfalls)


def create_database(t: Templates, database: str) -> str:
    return t.render("create_database", database=database)


def create_schema(t: Templates, database: str, schema: str) -> str:
    return t.render("create_schema", database=database, schema=schema)


def view_select(t: Templates, columns: Iterable[Column], source: tuple[str, ...], where: str | None) -> str:
    return t.render("view_select", columns=list(columns), source=source, where=where)


def create_view(
    t: Templates, name: tuple[str, str, str], columns: Iterable[Column], comment: str | None, select: str
) -> str:
    return t.render("create_view", view_name=name, columns=list(columns), comment=comment, select=select)


def create_share(t: Templates, share: str, comment: str | None) -> str:
    return t.render("create_share", share=share, comment=comment)


def set_share_comment(t: Templates, share: str, comment: str | None) -> str:
    return t.render("set_share_comment", share=share, comment=comment)


def grant(t: Templates, share: str, g: Grant) -> str:
    return t.render(
        "grant_to_share", privilege=g.privilege, object_type=g.object_type.replace("_", " "),
        object_name=g.name, share=share,
    )


def revoke(t: Templates, share: str, g: Grant) -> str:
    return t.render(
        "revoke_from_share", privilege=g.privilege, object_type=g.object_type.replace("_", " "),
        object_name=g.name, share=share,
    )


def chunks(items: list[str], size: int = MAX_ACCOUNTS_PER_STATEMENT) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def add_accounts(t: Templates, share: str, accounts: list[str], share_restrictions: bool | None) -> str:
    return t.render("add_accounts", share=share, accounts=accounts, share_restrictions=share_restrictions)


def remove_accounts(t: Templates, share: str, accounts: list[str]) -> str:
    return t.render("remove_accounts", share=share, accounts=accounts)


def drop_view(t: Templates, name: tuple[str, str, str]) -> str:
    return t.render("drop_view", view_name=name)


def drop_share(t: Templates, share: str) -> str:
    return t.render("drop_share", share=share)


def set_view_secure(t: Templates, name: tuple[str, ...]) -> str:
    return t.render("set_view_secure", view_name=name)


# -- listings (consumers in other regions) -----------------------------------------------------


def _body(manifest: str) -> str:
    """A manifest for a `$$ … $$` body: one holding `$$` would end it (the loader refuses such text)."""
    if "$$" in manifest:
        raise ValueError("a listing manifest cannot contain '$$'")
    return manifest


def show_listings(t: Templates, like: str | None = None) -> str:
    return t.render("show_listings", like=like)


def describe_listing(t: Templates, listing: str) -> str:
    return t.render("describe_listing", listing=listing)


def create_listing(t: Templates, listing: str, share: str, manifest: str) -> str:
    return t.render("listing_create", listing=listing, share=share, manifest=_body(manifest))


def alter_listing(t: Templates, listing: str, manifest: str) -> str:
    return t.render("listing_alter", listing=listing, manifest=_body(manifest))


def publish_listing(t: Templates, listing: str, publish: bool) -> str:
    return t.render("listing_publish", listing=listing, publish=publish)


def drop_listing(t: Templates, listing: str) -> str:
    return t.render("listing_drop", listing=listing)


def global_sharing_enabled(t: Templates, account: str) -> str:
    return t.render("global_sharing_enabled", account=account)


def enable_global_sharing(t: Templates, account: str) -> str:
    return t.render("enable_global_sharing", account=account)


def inline(statement: str) -> str:
    """A statement quoted inside a message (a finding's fix): without its closing `;`."""
    return statement.rstrip().removesuffix(";")


# -- doctor: its reads, and the fixes it suggests ------------------------------------------------

# the account-level privileges doctor may suggest granting (a fixed list: never text from an account)
ACCOUNT_PRIVILEGES = ("CREATE SHARE", "MANAGE SHARE TARGET", "OVERRIDE SHARE RESTRICTIONS", "CREATE DATABASE",
                      "IMPORT SHARE", "CREATE ROLE", "CREATE USER", "CREATE NETWORK POLICY", "CREATE WAREHOUSE")


def doctor_context(t: Templates) -> str:
    return t.render("doctor_context")


def show_grants_to_role(t: Templates, role: str) -> str:
    return t.render("show_grants_to_role", role=role)


def doctor_probe(t: Templates, database: str) -> str:
    return t.render("doctor_probe", database=database)


def grant_on_account(t: Templates, privilege: str, role: str) -> str:
    if privilege not in ACCOUNT_PRIVILEGES:
        raise ValueError(f"not an account privilege doctor suggests: {privilege!r}")
    return t.render("grant_on_account", privilege=privilege, role=role)


def grant_database_ownership(t: Templates, database: str, role: str) -> str:
    return t.render("grant_database_ownership", database=database, role=role)


def use_role(t: Templates, role: str) -> str:
    return t.render("use_role", role=role)
