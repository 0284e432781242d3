"""The audit library without an account: SHOW output shapes the local account cannot produce
(listings, a `to` cut short, inbound shares, a full SHOW page), the query budget they cost,
personal-data names, allow-list parsing and the Markdown renderer's escaping."""

from __future__ import annotations

from typing import Any

import pytest

from sharekit.audit import (
    SHOW_ROW_LIMIT, AuditReport, Finding, ShareReport, SharedObject, audit, parse_allowed_account,
    parse_allowed_column, pii_category,
)
from sharekit.output.audit import audit_markdown
from sharekit.errors import SharekitError
from sharekit.state.model import ColumnState
from sharekit.sql.templates import Templates

T = Templates()


class FakeSession:
    """Answers the statements audit sends from canned rows; counts round-trips like a session."""

    def __init__(self, shares: list[dict], grants: dict[str, list[dict]],
                 grants_of: dict[str, list[dict]] | None = None, views: list[dict] | None = None,
                 views_in: dict[str, list[dict]] | None = None, columns: list[dict] | None = None) -> None:
        self.answers: dict[str, list[dict]] = {T.render("show_all_shares"): shares,
                                               T.render("show_views_in_account"): views or []}
        for row in shares:
            self.answers[T.render("show_shares", share=row["name"])] = [row]
        for name, rows in grants.items():
            self.answers[T.render("show_grants_to_share", share=name)] = rows
        for name, rows in (grants_of or {}).items():
            self.answers[T.render("show_grants_of_share", share=name)] = rows
        for database, rows in (views_in or {}).items():
            self.answers[T.render("show_views", database=database)] = rows
        self.columns = columns or []
        self.sent: list[str] = []

    @property
    def round_trips(self) -> int:
        return len(self.sent)

    def query(self, sql: str) -> list[dict[str, Any]]:
        self.sent.append(sql)
        if sql.startswith("SELECT"):
            return self.columns
        if sql not in self.answers:
            raise AssertionError(f"unexpected statement: {sql}")
        return self.answers[sql]

    def execute(self, sql: str) -> None:
        raise AssertionError("audit must not change the account")

    def close(self) -> None:
        pass


def share_row(name: str, to: str = "", database: str = "DB", kind: str = "OUTBOUND") -> dict:
    return {"created_on": None, "kind": kind, "owner_account": "ORG.ME", "name": name, "database_name": database,
            "to": to, "owner": "ACCOUNTADMIN", "comment": "", "listing_global_name": "", "secure_objects_only": "true"}


def grant_row(privilege: str, granted_on: str, name: str) -> dict:
    return {"created_on": None, "privilege": privilege, "granted_on": granted_on, "name": name,
            "granted_to": "SHARE", "grantee_name": "LOC.S", "grant_option": "false", "granted_by": "ACCOUNTADMIN"}


def view_row(database: str, schema: str, name: str, secure: bool = True) -> dict:
    return {"name": name, "database_name": database, "schema_name": schema, "comment": "", "text": "",
            "is_secure": "true" if secure else "false", "is_materialized": "false"}


def column_row(database: str, schema: str, table: str, column: str, data_type: str = "TEXT") -> dict:
    return {"TABLE_CATALOG": database, "TABLE_SCHEMA": schema, "TABLE_NAME": table, "COLUMN_NAME": column,
            "ORDINAL_POSITION": 1, "DATA_TYPE": data_type, "COMMENT": None}


BASE_GRANTS = [grant_row("USAGE", "DATABASE", "DB"), grant_row("USAGE", "SCHEMA", "DB.S"),
               grant_row("SELECT", "VIEW", "DB.S.V")]
COLUMNS = [column_row("DB", "S", "V", "ID", "NUMBER"), column_row("DB", "S", "V", "LASTUPDATED", "TIMESTAMP_NTZ")]


def ids(report: AuditReport) -> set[tuple[str, str, str]]:
    return {(f.id, f.share, f.object) for f in report.findings}


# --- SHOW SHARES `to` shapes (reference §2.1) --------------------------------------------------

def test_listing_share_is_reported_and_its_consumers_are_not_judged_as_missing():
    session = FakeSession(
        [share_row("L", to="ALL ACCOUNTS IN DATA EXCHANGE")], {"L": BASE_GRANTS}, grants_of={"L": []},
        views=[view_row("DB", "S", "V")], columns=COLUMNS)
    report = audit(session, T)
    (share,) = report.shares
    assert share.listing and not share.consumers_complete and share.consumers == ()
    assert ids(report) == {("share.listing", "L", "L")}  # no share.no_consumers: a listing has consumers
    assert report.findings[0].severity == "warning" and "Snowsight" in report.findings[0].message
    # SHOW SHARES, GRANTS TO, GRANTS OF (the list is not readable), SHOW VIEWS, COLUMNS
    assert report.stats["queries"] == 5 == session.round_trips


def test_targeted_within_organization_is_a_listing_too():
    session = FakeSession([share_row("L", to="TARGETED WITHIN ORGANIZATION")], {"L": BASE_GRANTS},
                          grants_of={"L": [{"grantee_name": "ORG.A"}]}, views=[view_row("DB", "S", "V")],
                          columns=COLUMNS)
    report = audit(session, T, allow_accounts=["ORG.B"])
    assert report.shares[0].listing and report.shares[0].consumers == ("ORG.A",)
    assert ids(report) == {("share.listing", "L", "L"), ("consumer.unexpected", "L", "ORG.A")}


def test_truncated_to_is_completed_from_show_grants_of_share():
    accounts = [f"ORG.A{i}" for i in range(4)]
    session = FakeSession(
        [share_row("T", to="ORG.A0, ORG.A1,ORG.A2,ORG.A3...")], {"T": BASE_GRANTS},
        grants_of={"T": [{"grantee_name": a} for a in accounts]}, views=[view_row("DB", "S", "V")], columns=COLUMNS)
    report = audit(session, T, allow_accounts=accounts)
    (share,) = report.shares
    assert share.consumers == tuple(accounts) and share.consumers_complete and not share.listing
    assert ids(report) == {("share.truncated_accounts", "T", "T")}
    assert "read 4 from SHOW GRANTS OF SHARE" in report.findings[0].message
    assert report.stats["queries"] == 5


def test_complete_to_costs_no_show_grants_of_share_and_inbound_shares_are_skipped():
    session = FakeSession(
        [share_row("S1", to="ORG.A"), share_row("S2", to="ORG.A"), share_row("IN", kind="INBOUND")],
        {"S1": BASE_GRANTS, "S2": BASE_GRANTS}, views=[view_row("DB", "S", "V")], columns=COLUMNS)
    report = audit(session, T)
    assert [s.name for s in report.shares] == ["S1", "S2"]
    assert report.findings == ()
    assert report.stats["queries"] == 3 + 2  # fixed: SHOW SHARES, SHOW VIEWS, COLUMNS; one per share
    assert not any("GRANTS OF" in sql for sql in session.sent)
    with pytest.raises(SharekitError, match="INBOUND"):
        audit(FakeSession([share_row("IN", kind="INBOUND")], {}), T, share="IN")


def test_a_full_show_views_page_falls_back_to_each_shared_database():
    filler = [view_row("OTHER", "S", f"V{i}") for i in range(SHOW_ROW_LIMIT - 1)]
    session = FakeSession(
        [share_row("S1", to="ORG.A")], {"S1": BASE_GRANTS}, views=[*filler, view_row("DB", "S", "V", secure=True)],
        views_in={"DB": [view_row("DB", "S", "V", secure=False)]}, columns=COLUMNS)
    report = audit(session, T)
    assert T.render("show_views", database="DB") in session.sent
    assert ids(report) == {("object.not_secure", "S1", "DB.S.V")}  # read from SHOW VIEWS IN DATABASE


def test_unreadable_secure_flag_and_odd_grants_do_not_crash():
    grants = [*BASE_GRANTS, grant_row("USAGE", "DATABASE_ROLE", "DB.READER"),
              grant_row("USAGE", "FUNCTION", "DB.S.F(NUMBER):NUMBER")]
    session = FakeSession([share_row("S1", to="ORG.A")], {"S1": grants}, views=[], columns=[])
    report = audit(session, T)
    view = next(o for o in report.shares[0].objects if o.kind == "VIEW")
    assert view.secure is None and view.columns is None
    assert report.findings == ()


# --- heuristics for views no config describes --------------------------------------------------

@pytest.mark.parametrize("columns, expected", [
    ([("ID", "NUMBER")], {("last_updated.missing", "warning")}),
    ([("LastUpdated", "TIMESTAMP_NTZ")], {("identifier.case_sensitive", "warning")}),
    ([("LASTUPDATED", "DATE")], {("last_updated.type", "warning")}),
    ([("LASTUPDATED", "TIMESTAMP_LTZ")], set()),
])
def test_last_updated_heuristics_are_warnings(columns, expected):
    rows = [column_row("DB", "S", "V", name, data_type) for name, data_type in columns]
    session = FakeSession([share_row("S1", to="ORG.A")], {"S1": BASE_GRANTS}, views=[view_row("DB", "S", "V")],
                          columns=rows)
    assert {(f.id, f.severity) for f in audit(session, T).findings} == expected


# --- personal data -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, category", [
    ("EMAIL", "an e-mail address"), ("E_MAIL", "an e-mail address"), ("CustomerEmail", "an e-mail address"),
    ("EMAILADDRESS", "an e-mail address"), ("MOBILE", "a phone number"), ("PHONE_NUMBER", "a phone number"),
    ("DATE_OF_BIRTH", "a birth date"), ("BIRTHDATE", "a birth date"), ("DOB", "a birth date"),
    ("ADDRESS_LINE_1", "a postal address"), ("STREET", "a postal address"), ("ZIP_CODE", "a postal address"),
    ("POSTCODE", "a postal address"), ("FIRST_NAME", "a person's name"), ("LASTNAME", "a person's name"),
    ("lastName", "a person's name"), ("SURNAME", "a person's name"), ("FULL_NAME", "a person's name"),
    ("EMAIL_HASH", None), ("MOBILE_SHA256", None), ("HASHED_EMAIL", None), ("ALLOW_EMAIL", None),
    ("IS_EMAIL_VERIFIED", None), ("ALLOW_SMS", None), ("ITEM_NAME", None), ("LASTUPDATED", None),
    ("CUSTOMER_ID", None), ("CITY", None), ("COUNTRY", None), ("REGISTRATION_DATE", None),
])
def test_pii_category(name, category):
    assert pii_category(name) == category


def test_allow_lists_parse_like_snowflake_names():
    assert parse_allowed_account(" optimove.eu_prod ") == "OPTIMOVE.EU_PROD"
    assert parse_allowed_column("customers.email") == ("CUSTOMERS", "EMAIL")
    assert parse_allowed_column('db.s."My View"."E-mail"') == ("DB", "S", "My View", "E-mail")
    for bad in ("EMAIL", "a.b.c.d.e", 'a."b'):
        with pytest.raises(SharekitError, match="--allow-column"):
            parse_allowed_column(bad)
    with pytest.raises(SharekitError, match="--allow-account 'org-acct'"):
        parse_allowed_account("org-acct")


def test_allow_column_matches_by_suffix():
    rows = [column_row("DB", "S", "V", "EMAIL"), column_row("DB", "S", "V", "LASTUPDATED", "TIMESTAMP_NTZ")]

    def pii(*allowed: str) -> set[str]:
        session = FakeSession([share_row("S1", to="ORG.A")], {"S1": BASE_GRANTS}, views=[view_row("DB", "S", "V")],
                              columns=rows)
        return {f.object for f in audit(session, T, allow_columns=allowed).findings if f.id == "pii.exposed"}

    assert pii() == {"DB.S.V.EMAIL"}
    assert pii("v.email") == pii("S.V.EMAIL") == pii("DB.S.V.EMAIL") == set()
    assert pii("OTHER.EMAIL") == pii("X.S.V.EMAIL") == {"DB.S.V.EMAIL"}


def test_fails_on():
    def report(*severities: str) -> AuditReport:
        return AuditReport((), tuple(Finding("x", s, "O", "m", share="S") for s in severities))

    assert [report().fails(f) for f in ("error", "warning", "none")] == [False, False, False]
    assert [report("warning").fails(f) for f in ("error", "warning", "none")] == [False, True, False]
    assert [report("error").fails(f) for f in ("error", "warning", "none")] == [True, True, False]


# --- Markdown ----------------------------------------------------------------------------------

def test_markdown_escapes_names_and_messages():
    obj = SharedObject("SELECT", "VIEW", ("DB", "S", "a|b`c"), True, (ColumnState("x|y"),))
    finding = Finding("pii.exposed", "warning", 'DB.S."a|b`c"', "line one\nline <two> | three", share="S|1")
    share = ShareReport("S|1", "DB", "it's <b>bold</b> | piped", ("ORG.A",), True, False, None, (obj,), (finding,))
    md = audit_markdown(AuditReport((share,), (finding,), stats={"queries": 3, "seconds": 0.01}), "the <local> account")
    assert md.startswith("# sharekit audit: the &lt;local&gt; account\n")
    assert ('| warning | <code>pii.exposed</code> | <code>S&#124;1</code> | <code>DB.S."a&#124;b`c"</code> '
            '| line one line &lt;two&gt; &#124; three |') in md
    assert "- Comment: it's &lt;b&gt;bold&lt;/b&gt; &#124; piped" in md
    assert '| SELECT | VIEW | <code>DB.S."a&#124;b`c"</code> | yes | <code>x&#124;y</code> |' in md
    assert md.endswith("<sub>sharekit audit: Read the account in 3 queries, 0.01 s.</sub>\n")
