"""Reading SHOW output the way Snowflake prints it, including its awkward corners."""

from __future__ import annotations

from sharekit.state.introspect import parse_accounts, parse_grant, share_name_of
from sharekit.state.model import Grant


def test_to_column_is_trimmed_and_upper_cased():
    assert parse_accounts("optimove.eu_prod, OPTIMOVE.US_PROD ,") == (
        frozenset({"OPTIMOVE.EU_PROD", "OPTIMOVE.US_PROD"}), True)


def test_empty_to_column_is_no_consumers():
    assert parse_accounts("") == (frozenset(), True)
    assert parse_accounts(None) == (frozenset(), True)


def test_bare_locators_are_accounts():
    # a consumer added by legacy locator shows up without a dot (reference §2.1)
    assert parse_accounts("IEDKCNV.UNWRAP_US_EAST,XY12345") == (frozenset({"IEDKCNV.UNWRAP_US_EAST", "XY12345"}), True)


def test_listing_markers_make_the_list_incomplete():
    for marker in ("ALL ACCOUNTS IN DATA EXCHANGE", "TARGETED WITHIN ORGANIZATION"):
        accounts, complete = parse_accounts(marker)
        assert (accounts, complete) == (frozenset(), False)


def test_a_truncated_tail_makes_the_list_incomplete_but_keeps_what_was_read():
    accounts, complete = parse_accounts("ORG.A1,ORG.A2,ORG.A3...")
    assert accounts == {"ORG.A1", "ORG.A2"} and complete is False


def test_share_name_is_the_last_part_before_and_after_bundle_2023_05():
    assert share_name_of({"name": "OPTIMOVE_SHARE"}) == "OPTIMOVE_SHARE"
    legacy = {"owner_account": "COMPANY.SFC_SAMPLES"}
    assert share_name_of({**legacy, "name": "COMPANY.SFC_SAMPLES.SAMPLE_DATA"}) == "SAMPLE_DATA"
    assert share_name_of({"owner_account": "ORG.ACCT", "name": 'ORG.ACCT."My.Share"'}) == "My.Share"
    # bare names come back raw: a quoted dotted name is one name (reference §10)
    assert share_name_of({"owner_account": "ORG.ACCT", "name": "MY.SHARE"}) == "MY.SHARE"


def test_grant_rows_normalise_granted_on_and_unquote_names():
    row = {"privilege": "SELECT", "granted_on": "MATERIALIZED VIEW",
           "name": 'SK_DB."Optimove"."Order ""Items"""', "granted_to": "SHARE"}
    assert parse_grant(row) == Grant("SELECT", "MATERIALIZED_VIEW", ("SK_DB", "Optimove", 'Order "Items"'))
    assert parse_grant({"privilege": "usage", "granted_on": "DATABASE", "name": "SK_DB"}) == Grant(
        "USAGE", "DATABASE", ("SK_DB",))
