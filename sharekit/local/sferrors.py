"""Snowflake's error numbers and texts, raised as the connector's own exception classes.

Callers catch `snowflake.connector.errors.ProgrammingError` for real and local accounts alike,
so every refusal here carries Snowflake's errno/sqlstate and message where the reference
(`snowflake-sharing.md` §3) gives them. Codes marked UNCONFIRMED are plausible stand-ins; a text no public source quotes
ends with OWN_WORDING, so it is never mistaken for Snowflake's.
"""

from __future__ import annotations

from snowflake.connector.errors import DatabaseError, OperationalError, ProgrammingError

from sharekit.sql import identifiers

COMPILATION = "SQL compilation error:\n"


def _err(errno: int, sqlstate: str, msg: str) -> ProgrammingError:
    return ProgrammingError(msg=msg, errno=errno, sqlstate=sqlstate)


OWN_WORDING = " (the sharekit local account's wording: no public source quotes Snowflake's)"


def _own(errno: int, sqlstate: str, msg: str) -> ProgrammingError:
    """A refusal Snowflake makes but no public source quotes: the text says it is ours, so nobody
    mistakes it for Snowflake's, and sharekit never branches on its number."""
    return _err(errno, sqlstate, msg + OWN_WORDING)


def _position(text: str, offset: int) -> tuple[int, int]:
    """Offset → (1-based line, 0-based position in the line), as Snowflake reports them."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def syntax_error(text: str, offset: int, detail: str) -> ProgrammingError:
    line, pos = _position(text, offset)
    return _err(1003, "42000", f"{COMPILATION}syntax error line {line} at position {pos} {detail}.")


def empty_statement() -> ProgrammingError:
    return _err(900, "42000", "Empty SQL statement.")


def multiple_statements(count: int) -> ProgrammingError:
    return _err(
        8,
        "0A000",
        f"Actual statement count {count} did not match the desired statement count 1.",
    )


def unsupported(feature: str) -> ProgrammingError:
    """Snowflake's generic refusal, e.g. WITH GRANT OPTION on a share grant [B1096]."""
    return _err(2, "0A000", f"{COMPILATION}Unsupported feature '{feature}'.")


def show_too_large(limit: int) -> ProgrammingError:
    """Snowflake's words (snowflake-jdbc #1021); the error number is UNCONFIRMED."""
    return _err(1000, "22000", f"The result set size exceeded the max number of rows({limit}) supported for "
                               "SHOW statements. Use LIMIT option to limit result set to a smaller number.")


def local_limitation(what: str) -> ProgrammingError:
    """Something Snowflake accepts but the local account cannot model; says so plainly."""
    return _err(2, "0A000", f"Unsupported feature in the sharekit local account: {what}")


def no_current(what: str, kind: str) -> ProgrammingError:
    """An unqualified name with no current database/schema in the session (fakesnow's codes)."""
    return _err(
        90105 if what == "database" else 90106,
        "22000",
        f"Cannot perform operation on {kind}. This session does not have a current {what}. "
        f"Call 'USE {what.upper()}', or use a qualified name.",
    )


def does_not_exist(kind: str, *parts: str, sqlstate: str = "02000") -> ProgrammingError:
    """`002003 (02000): SQL compilation error: Share 'X' does not exist or not authorized.`"""
    return _err(2003, sqlstate, f"{COMPILATION}{kind} '{identifiers.fqn(*parts)}' does not exist or not authorized.")


def object_missing(*parts: str) -> ProgrammingError:
    """Missing table/view in a query: Snowflake uses sqlstate 42S02 for these."""
    return does_not_exist("Object", *parts, sqlstate="42S02")


def already_exists(name: str) -> ProgrammingError:
    return _err(2002, "42710", f"{COMPILATION}Object '{identifiers.quote(name)}' already exists.")


def invalid_identifier(text: str, offset: int, name: str) -> ProgrammingError:
    """`000904 (42000): SQL compilation error: error line L at position P invalid identifier 'N'`."""
    line, pos = _position(text, offset)
    return _err(904, "42000", f"{COMPILATION}error line {line} at position {pos}\ninvalid identifier '{name}'")


def view_column_count(view: str, declared: int, produced: int) -> ProgrammingError:
    # 002057 (42601) and the text: a public issue thread quoting Snowflake (reference §10)
    return _err(
        2057,
        "42601",
        f"{COMPILATION}View definition for '{view}' declared {declared} column(s), "
        f"but view query produces {produced} column(s).",
    )


# -- share rules (reference §3) --------------------------------------------------------------


def reference_usage_before_usage(database: str, share: str) -> ProgrammingError:
    """[I-4018] verbatim."""
    return _err(
        500130,
        "22000",
        f"Cannot grant REFERENCE_USAGE on database {identifiers.quote(database)} to share "
        f"{identifiers.quote(share)}. Grant USAGE on a database to share prior to granting REFERENCE_USAGE.",
    )


def reference_usage_to_role() -> ProgrammingError:
    # [B944] text; errno UNCONFIRMED.
    return _err(3001, "42501", f"{COMPILATION}REFERENCE_USAGE ON DATABASE can only be granted to share(s).")


def second_database(share: str, granted: str, wanted: str) -> ProgrammingError:
    # the rule is documented (one database per share [GPS]); errno and text are not
    return _own(
        3032,
        "0A000",
        f"{COMPILATION}Share '{identifiers.quote(share)}' already has USAGE on database "
        f"'{identifiers.quote(granted)}'; a share can include only one database. Revoke it first, "
        f"or grant REFERENCE_USAGE on '{identifiers.quote(wanted)}' for a view that reads from it.",
    )


def not_in_shared_database(database: str) -> ProgrammingError:
    """[I-4398] text; used for schema/object grants outside the share's USAGE database."""
    return _err(
        3033,
        "0A000",
        f"{COMPILATION}Database '{identifiers.quote(database)}' does not belong to the database that is being shared.",
    )


def non_secure_view() -> ProgrammingError:
    # [B1220] text (DB-role path); same text for a direct grant and the errno: UNCONFIRMED.
    return _err(
        3037,
        "0A000",
        f"{COMPILATION}A view can only be shared if it is created as a SECURE view, "
        "or marked SECURE using ALTER VIEW V SET SECURE.",
    )


def accounts_before_database(share: str) -> ProgrammingError:
    # errno 003516 per I-5010; message UNCONFIRMED.
    return _own(
        3516,
        "0A000",
        f"{COMPILATION}Cannot add accounts to share '{identifiers.quote(share)}': no database has been "
        "granted to it yet. Grant USAGE on a database to the share first.",
    )


def too_many_accounts(share: str, count: int, limit: int) -> ProgrammingError:
    # UNCONFIRMED, and no source gives a limit at all (reference §10: Terraform and SnowDDL send
    # every account in one statement); kept so sharekit's chunking stays exercised
    return _own(
        3517,
        "0A000",
        f"{COMPILATION}Cannot add {count} accounts to share '{identifiers.quote(share)}' in one statement; "
        f"at most {limit} accounts can be added per ALTER SHARE … ADD ACCOUNTS.",
    )


def invalid_account(text: str, why: str) -> ProgrammingError:
    # errno and text UNCONFIRMED.
    return _own(2043, "02000", f"{COMPILATION}Invalid account identifier '{text}': {why}")


def accounts_in_other_regions(accounts: list[str]) -> ProgrammingError:
    # text from a real refusal quoted in Terraform issue 2641 (accounts in another region);
    # errno and sqlstate UNCONFIRMED
    return _err(3518, "0A000", f"{COMPILATION}Following accounts cannot be added to this share: "
                f"{', '.join(accounts)}.")


def listing_problem(name: str, why: str) -> ProgrammingError:
    """A listing statement the local account refuses (manifest, state, attachment): Snowflake
    refuses these too (listing and manifest documentation) but no source quotes its words."""
    return _own(3600, "0A000", f"{COMPILATION}Listing '{identifiers.quote(name)}': {why}")


def invalid_privilege(privilege: str, kind: str) -> ProgrammingError:
    return unsupported(f"GRANT {privilege} ON {kind} TO SHARE")


# -- connection-level --------------------------------------------------------------------------


def dropped_connection(k: int) -> OperationalError:
    return OperationalError(
        msg=(f"sharekit local account: simulated dropped connection at statement {k} (SHAREKIT_LOCAL_FAIL_AT={k})"),
        errno=250003,
        sqlstate="08001",
    )


def closed() -> DatabaseError:
    return DatabaseError(msg="Connection is closed", errno=250002, sqlstate="08003")
