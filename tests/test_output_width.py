"""Text output fits the terminal: at 80 and 200 columns, colours on and off, no line of `plan`,
`check`, `audit`, `doctor` and `local sql` is wider than the terminal (but the SQL a plan shows
as it runs), no finding id is broken, no line ends in spaces, and tables too wide become lists.
And progress: shown on stderr when it is a terminal, nothing extra when piped.

The account is the bundled example, applied, then given a config with 25 consumers, a view with
a long name and long findings, a breaking change with a diff, and two more shares made by hand.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sharekit.cli import app
from sharekit.local import open_local_account

REPO = Path(__file__).resolve().parents[1]
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
LONG_VIEW = "CUSTOMER_LIFETIME_VALUE_BY_ACQUISITION_CHANNEL_AND_REGION_DAILY"
BY_HAND = f"""
CREATE VIEW RAW.CRM.CUSTOMERS_PLAIN_FOR_THE_PARTNER_WITH_A_VERY_LONG_NAME AS
    SELECT CUSTOMER_ID, FIRST_NAME, EMAIL FROM RAW.CRM.CUSTOMERS;
CREATE SHARE PARTNER_SHARE_WITH_A_LONG_NAME SECURE_OBJECTS_ONLY = FALSE
    COMMENT = 'for a partner who reads everything the shop has, every day: {"a long comment " * 4}';
GRANT USAGE ON DATABASE RAW TO SHARE PARTNER_SHARE_WITH_A_LONG_NAME;
GRANT USAGE ON SCHEMA RAW.CRM TO SHARE PARTNER_SHARE_WITH_A_LONG_NAME;
GRANT SELECT ON TABLE RAW.CRM.CUSTOMERS TO SHARE PARTNER_SHARE_WITH_A_LONG_NAME;
GRANT SELECT ON VIEW RAW.CRM.CUSTOMERS_PLAIN_FOR_THE_PARTNER_WITH_A_VERY_LONG_NAME TO SHARE
    PARTNER_SHARE_WITH_A_LONG_NAME;
ALTER SHARE PARTNER_SHARE_WITH_A_LONG_NAME ADD ACCOUNTS = ACME.PROD, ACME.STAGING, INITECH.ANALYTICS_WAREHOUSE;
CREATE SHARE EMPTY_SHARE;
"""


def sk(*args: object, columns: int = 80, colour: bool = False, terminal: bool = False):
    """The CLI as a terminal of `columns` would run it: colours forced on (a terminal), or off
    (piped; `terminal` forces the terminal flag without colours)."""
    env = {"COLUMNS": str(columns), "TERM": "xterm-256color", "NO_COLOR": None, "FORCE_COLOR": None}
    if colour or terminal:
        env["FORCE_COLOR"] = "1"
    if terminal and not colour:
        env["NO_COLOR"] = "1"
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("width")
    shutil.copytree(REPO / "examples" / "optimove_ecommerce", root / "ex")
    example = root / "ex" / "sharekit.yml"
    applied = sk("apply", "--local", "--local-dir", root / "acct", "-f", example, "--yes")
    assert applied.exit_code == 0, applied.output
    data = yaml.safe_load(example.read_text())
    data["share"]["consumers"] += [{"account": f"PARTNERORGANISATION{i:02}.ANALYTICS_ACCOUNT_{i:02}"}
                                   for i in range(24)]
    customers = data["views"][0]
    customers["columns"] = [c for c in customers["columns"] if c != "COUNTRY"]  # breaking, with a diff
    customers["comment"] = "Optimove Customers, without the country"
    data["views"].append({"name": LONG_VIEW, "from": "RAW.CRM.CUSTOMERS", "kind": "transactional",
                          "columns": ["CUSTOMER_ID", "EMAIL", "FIRST_NAME"],
                          "optimove": {"vertical": "ecommerce", "table": "Customers"}})
    wide = root / "ex" / "wide.yml"
    wide.write_text(yaml.safe_dump(data, sort_keys=False))
    exported = yaml.safe_load(example.read_text()) | {"export": {"stage": "EXPORTS"}}
    (root / "ex" / "export.yml").write_text(yaml.safe_dump(exported, sort_keys=False))
    with open_local_account(root / "acct") as account:
        account.run_script(BY_HAND)
    return {"dir": root / "acct", "example": example, "wide": wide, "export": root / "ex" / "export.yml"}


COMMANDS = {
    "plan": lambda p: ("plan", "-f", p["wide"]),
    "plan-example": lambda p: ("plan", "-f", p["example"]),
    "check": lambda p: ("check", "-f", p["wide"]),
    "check-data": lambda p: ("check", "-f", p["wide"], "--data"),
    "check-example": lambda p: ("check", "-f", p["example"], "--data"),
    "audit": lambda p: ("audit", "-f", p["wide"]),
    "audit-no-config": lambda p: ("audit",),
    "doctor": lambda p: ("doctor", "-f", p["wide"]),
}


def run(project: dict[str, Path], name: str, **how: object):
    return sk(*COMMANDS[name](project), "--local", "--local-dir", project["dir"], **how)


def plain(result) -> str:
    return ESCAPES.sub("", result.stdout)


def assert_fits(text: str, columns: int, verbatim: set[str] = frozenset()) -> None:
    lines = text.splitlines()
    assert lines
    wide = [line for line in lines if len(line) > columns and line.strip() not in verbatim]
    assert not wide, f"{len(wide)} lines wider than {columns}:\n" + "\n".join(wide[:5])
    trailing = [line for line in lines if line != line.rstrip()]
    assert not trailing, f"{len(trailing)} lines end in spaces: {trailing[:3]!r}"


def as_json(project: dict[str, Path], name: str) -> dict:
    args = (*COMMANDS[name](project), "--local", "--local-dir", project["dir"], "--format", "json")
    return json.loads(sk(*args).stdout)


def finding_ids(data: dict) -> list[str]:
    """Every finding id a report holds, once per finding."""
    return [f["id"] for f in data.get("checks") or data.get("findings") or []] + \
        [p["id"] for p in data.get("passed", [])]


def sql_lines(data: dict) -> set[str]:
    """The lines of the SQL (and diffs) a plan shows as it runs: exempt from the width."""
    return {line.strip() for c in data.get("changes", []) for line in (c["diff"] or c["sql"]).splitlines()}


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "colour"])
@pytest.mark.parametrize("columns", [80, 200])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_line_fits_and_no_id_is_broken(project, name, columns, colour):
    result = run(project, name, columns=columns, colour=colour)
    assert "Traceback" not in result.output and result.exit_code in (0, 1), result.output
    assert ("\x1b[" in result.stdout) is colour  # colours really are on (or off)
    text, data = plain(result), as_json(project, name)
    assert_fits(text, columns, sql_lines(data))
    ids = finding_ids(data)
    assert ids or name == "plan-example"
    for finding in set(ids):
        assert text.count(finding) >= ids.count(finding), f"{finding} is broken or missing"
    assert not re.search(r"[a-z_]\.\n\s*[a-z_]", text)  # no id cut at its dot either


def test_the_plan_keeps_its_sql_whole_however_narrow(project):
    text = plain(run(project, "plan", columns=80))
    accounts = ", ".join(f"PARTNERORGANISATION{i:02}.ANALYTICS_ACCOUNT_{i:02}" for i in range(10))
    assert f"      ALTER SHARE OPTIMOVE_SHARE ADD ACCOUNTS = {accounts};\n" in text
    assert f"      GRANT SELECT ON VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.{LONG_VIEW} TO SHARE OPTIMOVE_SHARE;\n" in text
    assert "      -    COUNTRY,\n" in text  # the diff, as it is
    # what is not SQL wraps under its first line: the reason continues as a comment
    reason = [line for line in text.splitlines() if line.startswith("      # ")]
    assert len(reason) >= 2 and all(len(line) <= 80 for line in reason)


def test_a_table_too_wide_becomes_a_list(project):
    narrow, wide = plain(run(project, "check", columns=80)), plain(run(project, "check", columns=200))
    assert "┃ View" in wide and "│ optimove.column.missing" in wide  # a table at 200 columns
    assert "┃" not in narrow and "│" not in narrow  # a list at 80: the view, then each finding
    lines = narrow.splitlines()
    view = lines.index(f"OPTIMOVE.{LONG_VIEW}")
    assert lines[view + 1] == "  error  last_updated.missing"
    assert lines[view + 2].startswith("      (") and "wide.yml:" in lines[view + 2]
    audit = plain(run(project, "audit", columns=80))
    assert "  error  consumer.unexpected  ACME.PROD\n" in audit
    assert "\n  SELECT  TABLE  RAW.CRM.CUSTOMERS  NO\n      CUSTOMER_ID, CREATED_AT," in audit
    assert "\n  SELECT  VIEW  RAW.CRM.CUSTOMERS_PLAIN_FOR_THE_PARTNER_WITH_A_VERY_LONG_NAME\n    NO\n" in audit


def test_local_sql_fits_as_a_table_or_a_list_of_rows(project):
    wide = sk("local", "sql", "SELECT * FROM RAW.CRM.CUSTOMERS ORDER BY CUSTOMER_ID LIMIT 2",
              "--local-dir", project["dir"], columns=80)
    assert wide.exit_code == 0, wide.output
    text = plain(wide)
    assert_fits(text, 80)
    assert text.startswith("row 1\nCUSTOMER_ID    100001\n") and "\nrow 2\n" in text and text.endswith("2 rows\n")
    for columns in (80, 200):
        for colour in (False, True):
            result = sk("local", "sql", "SHOW GRANTS TO SHARE PARTNER_SHARE_WITH_A_LONG_NAME",
                        "--local-dir", project["dir"], columns=columns, colour=colour)
            assert_fits(plain(result), columns)
    narrow = plain(sk("local", "sql", "SELECT 1 AS A, 'x [red]y[/red]' AS B", "--local-dir", project["dir"]))
    assert "┃ A ┃ B" in narrow and "x [red]y[/red]" in narrow  # a table; values are not markup


# --- progress ------------------------------------------------------------------------------------

PROGRESS = {
    "plan": (lambda p: ("plan", "-f", p["example"]), "Reading the account"),
    "audit": (lambda p: ("audit", "-f", p["example"], "--fail-on", "none"), "Auditing the account"),
    "check --data": (lambda p: ("check", "-f", p["example"], "--data"), "Checking the data"),
    "export": (lambda p: ("export", "-f", p["export"], "--dry-run"), "Reading"),
}


def timeless(text: str) -> str:
    """Without what differs from run to run (timings, export run ids), its digits all zeros."""
    return re.sub(r"\d", "0", text)


@pytest.mark.parametrize("command", list(PROGRESS))
def test_progress_on_a_terminal_and_nothing_when_piped(project, command):
    args, shown = PROGRESS[command]
    call = (*args(project), "--local", "--local-dir", project["dir"])
    piped, terminal = sk(*call), sk(*call, terminal=True)
    assert piped.exit_code == terminal.exit_code == 0, piped.output + terminal.output
    assert piped.stderr == ""  # no bar, no spinner, no blank line it leaves
    assert shown in ESCAPES.sub("", terminal.stderr)
    assert timeless(plain(terminal)) == timeless(piped.stdout)  # the same report (NO_COLOR keeps bold)
