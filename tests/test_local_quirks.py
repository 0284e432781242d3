"""Behaviours no public source settles, as `SHAREKIT_LOCAL_QUIRKS` switches: sharekit stays correct
(the plan after apply is empty) and says what it could not see. CI also runs the convergence and
fault suites under each quirk."""

from __future__ import annotations

import json

import pytest

from tests.test_plan_apply import account, assert_converged, sk, write  # noqa: F401 - fixture by name


def checks(sk, config) -> dict[str, list[dict]]:
    plan = json.loads(sk("plan", "-f", str(config), "--local", "--format", "json").output)
    found: dict[str, list[dict]] = {}
    for check in plan["checks"]:
        found.setdefault(check["id"], []).append(check)
    return found


def test_an_unknown_quirk_is_one_clear_error(sk, tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_QUIRKS", "secure_text_hiden")
    result = sk("plan", "-f", str(write(tmp_path)), "--local")
    assert result.exit_code == 1
    assert "$SHAREKIT_LOCAL_QUIRKS: unknown quirk secure_text_hiden; known: reference_usage_hidden" in result.stderr


def test_hidden_reference_usage_is_implied_by_the_granted_views(sk, tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_QUIRKS", "reference_usage_hidden")
    config = write(tmp_path)
    assert sk("apply", "-f", str(config), "--local", "--yes").exit_code == 0
    with account(sk) as live:
        listed = {r["privilege"] for r in live.query("SHOW GRANTS TO SHARE SK_SHARE")}
    assert "REFERENCE_USAGE" not in listed  # the quirk hides it
    assert_converged(sk, config)  # no endless re-grant
    [note] = checks(sk, config)["share.reference_usage_unlisted"]
    assert "counts REFERENCE_USAGE on DATABASE RAW as granted" in note["message"]


def test_a_secure_view_whose_text_is_hidden_is_not_replaced(sk, tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_QUIRKS", "secure_text_hidden")
    config = write(tmp_path, views=1)
    assert sk("apply", "-f", str(config), "--local", "--yes").exit_code == 0
    assert_converged(sk, config)  # an empty text is unknown, not different
    [note] = checks(sk, config)["view.unreadable"]
    assert note["object"] == "SK_DB.OPTIMOVE.ORDERS_0"
    assert "only to the role that owns it (DATA_PLATFORM)" in note["message"]
    assert "run sharekit with role DATA_PLATFORM" in note["message"]


def test_a_rewritten_view_text_does_not_churn(sk, tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_QUIRKS", "view_text_rewritten")
    config = write(tmp_path, views=2)
    first = json.loads(sk("plan", "-f", str(config), "--local", "--format", "json").output)
    sent = next(c["sql"] for c in first["changes"] if c["object"] == "SK_DB.OPTIMOVE.ORDERS_0")
    assert sk("apply", "-f", str(config), "--local", "--yes").exit_code == 0
    with account(sk) as live:
        shown = live.query("SHOW VIEWS IN DATABASE SK_DB")[0]["text"]
    assert shown.split() != sent.split()  # not the statement as sent
    assert_converged(sk, config)
    config.write_text(config.read_text().replace("STATUS <> 'TEST'", "STATUS <> 'VOID'"))
    plan = json.loads(sk("plan", "-f", str(config), "--local", "--format", "json").output)
    assert [c["action"] for c in plan["changes"] if c["object_type"] == "view"] == ["replace", "replace"]


@pytest.mark.parametrize("consumers", [4, 12])
def test_a_cut_consumer_list_is_read_in_full_elsewhere(sk, tmp_path, consumers):
    extra = "".join(f"    - account: ORG{i}.ACCT_{i}\n" for i in range(consumers - 1))
    config = write(tmp_path, extra_consumers=extra.rstrip("\n"))
    assert sk("apply", "-f", str(config), "--local", "--yes").exit_code == 0
    with account(sk) as live:
        to = live.query("SHOW SHARES")[0]["to"]
    assert to.endswith(f", ... ({consumers} TOTAL)") and to.count(",") == 3
    assert_converged(sk, config)  # no re-adding what the cut hid


def test_consumers_that_cannot_be_read_in_full_are_neither_added_nor_removed():
    from sharekit.config import parse_config
    from sharekit.plan.builder import build_plan
    from sharekit.sql.templates import Templates
    from sharekit.state.desired import desired_state
    from sharekit.state.model import ShareState

    config = parse_config(
        "version: 1\nshare: {name: S, database: D, prune: true, consumers: [{account: ORG.NEW}]}\n"
        "views: [{name: V, from: RAW.S.T, columns: [LASTUPDATED]}]\n", "sharekit.yml")
    t = Templates()
    desired = desired_state(config, t)
    assert desired.share is not None
    live = ShareState("S", None, "D", frozenset({"ORG.OLD"}), desired.share.grants, accounts_complete=False)
    actual = type(desired)(share=live, databases=desired.databases, schemas=desired.schemas,
                           views=desired.views, columns={})
    plan = build_plan(config, desired, actual, t)
    assert not [c for c in plan.changes if c.object_type == "accounts"]
    [note] = [c for c in plan.checks if c.id == "share.consumers_unreadable"]
    assert "adds and removes no consumer; not seen: ORG.NEW" in note.message


def test_a_share_name_with_a_dot_round_trips(sk, tmp_path):
    config = write(tmp_path, views=1)
    config.write_text(config.read_text().replace("name: SK_SHARE", "name: '\"SK.SHARE\"'"))
    applied = sk("apply", "-f", str(config), "--local", "--yes")
    assert applied.exit_code == 0, applied.output + applied.stderr
    with account(sk) as live:
        assert [r["name"] for r in live.query("SHOW SHARES")] == ["SK.SHARE"]  # raw, as Snowflake shows it
    assert_converged(sk, config)


def test_consumers_listed_by_locator_match_the_declared_locator(sk, tmp_path, monkeypatch):
    from sharekit.local.quirks import locator_of

    monkeypatch.setenv("SHAREKIT_LOCAL_QUIRKS", "accounts_locator")
    config = write(tmp_path, views=1)
    text = config.read_text().replace("      locator: " + locator_of("OPTIMOVE.EU_PROD") + "\n", "")
    config.write_text(text)
    assert sk("apply", "-f", str(config), "--local", "--yes").exit_code == 0
    assert_converged(sk, config)  # no endless add/remove: it adds and removes nothing it cannot match
    [note] = checks(sk, config)["share.consumer_locators"]
    assert f"by legacy locator ({locator_of('OPTIMOVE.EU_PROD')})" in note["message"]
    config.write_text(text.replace("    - account: OPTIMOVE.EU_PROD\n",
                                   f"    - account: OPTIMOVE.EU_PROD\n      locator: {locator_of('OPTIMOVE.EU_PROD')}\n"))
    assert_converged(sk, config)
    assert "share.consumer_locators" not in checks(sk, config)
