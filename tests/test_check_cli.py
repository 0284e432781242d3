"""`sharekit check` through the CLI: exit codes, the JSON shape, Markdown, text, options.

Accounts are prepared with the helpers of `test_check_data` (a seeded copy, the fixture applied,
then closed) and read by the command through `--local --local-dir`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from test_check_data import FIXTURES, base_account_dir, prepare  # noqa: F401 - fixture

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "optimove_ecommerce"


def prepared(case: str, tmp_path: Path, base: Path, apply: bool = True) -> tuple[Path, Path]:
    """(config file to check, local dir) with the case applied and the account closed again."""
    config, account = prepare(case, tmp_path, base, apply)
    account.close()
    directory = FIXTURES / f"check_{case}"
    checked = directory / "checked.yml"
    return (checked if checked.exists() else directory / "sharekit.yml"), tmp_path / "account"


def check(cli, config: Path, local_dir: Path, *args):
    return cli("check", "-f", config, "--local", "--local-dir", local_dir, *args)


def test_the_example_passes_check_data_after_apply(cli, tmp_path, monkeypatch):
    local_dir = tmp_path / "local"
    monkeypatch.setenv("SHAREKIT_LOCAL_DIR", str(local_dir))
    config = EXAMPLE / "sharekit.yml"
    applied = cli("apply", "-f", config, "--local", "--yes")
    assert applied.exit_code == 0, applied.output
    result = cli("check", "-f", config, "--local", "--data")
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.stdout and "Traceback" not in result.output
    data = json.loads(cli("check", "-f", config, "--local", "--data", "--format", "json").stdout)
    assert not [c for c in data["checks"] if c["severity"] == "error"]
    assert data["stats"]["queries"] == 7  # six to read the metadata, one for the data of the 4 views


def test_the_example_before_apply_says_the_data_was_not_checked(cli, tmp_path):
    result = cli("check", "-f", EXAMPLE / "sharekit.yml", "--local", "--local-dir", tmp_path / "local",
                 "--data", "--format", "json")
    assert result.exit_code == 0, result.output
    skipped = [c for c in json.loads(result.stdout)["checks"] if c["id"] == "data.skipped"]
    assert len(skipped) == 4 and all("does not exist in the account yet" in c["message"] for c in skipped)


def test_json_shape_and_exit_1_on_an_error(cli, tmp_path, base_account_dir):
    config, local_dir = prepared("last_updated_future", tmp_path, base_account_dir)
    result = check(cli, config, local_dir, "--data", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) == {"checks", "skipped_checks", "stats"}
    assert [set(c) for c in data["checks"]] == [{"id", "severity", "object", "message"}]
    assert data["checks"][0]["id"] == "last_updated.future"
    assert data["checks"][0]["object"] == "OPTIMOVE_SHARE_DB.OPTIMOVE.ORDERS"
    assert data["skipped_checks"] == []
    assert isinstance(data["stats"]["queries"], int) and isinstance(data["stats"]["seconds"], float)
    assert data["stats"]["queries"] == 7
    assert result.stderr.startswith("Error: 1 check failed with severity error")
    assert "Traceback" not in result.output


def test_skip_check_waives_the_error(cli, tmp_path, base_account_dir):
    config, local_dir = prepared("last_updated_future", tmp_path, base_account_dir)
    result = check(cli, config, local_dir, "--data", "--skip-check", "last_updated.future")
    assert result.exit_code == 0, result.output
    assert "Skipped checks (--skip-check): last_updated.future" in result.stdout
    data = json.loads(check(cli, config, local_dir, "--data", "--format", "json",
                            "--skip-check", "last_updated.future").stdout)
    assert data["checks"] == [] and data["skipped_checks"] == ["last_updated.future"]


def test_without_data_only_metadata_is_read(cli, tmp_path, base_account_dir):
    config, local_dir = prepared("last_updated_future", tmp_path, base_account_dir)
    result = check(cli, config, local_dir, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"checks": [], "skipped_checks": [],
                                         "stats": json.loads(result.stdout)["stats"]}
    assert json.loads(result.stdout)["stats"]["queries"] == 6
    text = check(cli, config, local_dir)
    assert "(structural checks; add --data to read the data)" in text.stdout


def test_warnings_alone_exit_0(cli, tmp_path, base_account_dir):
    config, local_dir = prepared("last_updated_stale", tmp_path, base_account_dir)
    assert check(cli, config, local_dir, "--data").exit_code == 1  # ORDERS: error
    result = check(cli, config, local_dir, "--data", "--skip-check", "last_updated.stale", "--format", "json")
    assert result.exit_code == 0
    config, local_dir = prepared("optimove_decimals", tmp_path / "two", base_account_dir)
    result = check(cli, config, local_dir, "--data", "--format", "json")
    assert result.exit_code == 0
    assert [c["severity"] for c in json.loads(result.stdout)["checks"]] == ["warning"]


def test_text_is_a_table_grouped_by_view(cli, tmp_path, base_account_dir):
    config, local_dir = prepared("optimove_gender_values", tmp_path, base_account_dir)
    shutil.copy(config, tmp_path / "sharekit.yml")
    with open(tmp_path / "sharekit.yml", "a", encoding="utf-8") as extra:
        extra.write("  - name: ORDERS\n    from: RAW.S.ORDERS\n    primary_key: [ORDER_ID]\n"
                    "    columns: [ORDER_ID, CUSTOMER_ID, TOTAL, STATUS, LASTUPDATED]\n")
    cli("apply", "-f", tmp_path / "sharekit.yml", "--local", "--local-dir", local_dir, "--yes")
    result = check(cli, tmp_path / "sharekit.yml", local_dir, "--data")
    assert result.exit_code == 1
    out = result.stdout
    # the heading wraps at the terminal's width (a pytest path is long): compare its words
    heading = f"sharekit check for share OPTIMOVE_SHARE on the local account ({local_dir})"
    assert " ".join(out.split()).startswith(heading)
    assert "views in OPTIMOVE_SHARE_DB" in out
    lines = out.splitlines()
    customers = next(i for i, line in enumerate(lines) if "OPTIMOVE.CUSTOMERS" in line)
    orders = next(i for i, line in enumerate(lines) if "OPTIMOVE.ORDERS " in line)
    assert customers < orders
    assert "optimove.gender.values" in lines[customers] and "error" in lines[customers]
    assert "ok" in lines[orders] and "every check passes" in lines[orders]
    assert "1 error, 0 warnings in 2 views (structural and data checks)." in out
    assert "Read the account in 7 queries" in out


def test_markdown_for_a_pull_request(cli, tmp_path, base_account_dir):
    config, local_dir = prepared("optimove_flag_values", tmp_path, base_account_dir)
    result = check(cli, config, local_dir, "--data", "--format", "markdown")
    assert result.exit_code == 1
    md = result.stdout
    assert md.startswith(f"### sharekit check: <code>OPTIMOVE_SHARE</code> on the local account ({local_dir})\n")
    assert "**1 error, 0 warnings in 1 view (structural and data checks).**" in md
    assert "#### <code>OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS</code>" in md
    assert "| severity | check | object | message |" in md
    row = next(line for line in md.splitlines() if "optimove.flag.values" in line)
    assert row.startswith("| :x: error | <code>optimove.flag.values</code> | "
                          "<code>OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS.ALLOW_SMS</code> | ")
    assert "IFF(&lt;condition&gt;, 'Yes', 'No')" in row and row.count(" | ") == 3
    assert md.rstrip().endswith("</sub>")


def test_markdown_escapes_cells():
    from sharekit.checks.findings import Finding
    from sharekit.output.check import report_markdown
    from sharekit.checks.run import CheckReport

    report = CheckReport("S", ("DB.S.V",), (Finding("x.y", "warning", "DB.S.V", "a | b <c>\nd"),))
    md = report_markdown(report, "t")
    assert "| :warning: warning | <code>x.y</code> | <code>DB.S.V</code> | a &#124; b &lt;c&gt; d |" in md


def test_names_are_printed_as_they_are(cli, tmp_path, base_account_dir):
    config, local_dir = prepared("identifier_case_sensitive", tmp_path, base_account_dir)
    text = (FIXTURES / "check_identifier_case_sensitive" / "sharekit.yml").read_text(encoding="utf-8")
    marked = tmp_path / "marked.yml"
    marked.write_text(text.replace('"OrderId"', '"[bold]Id"'), encoding="utf-8")
    result = check(cli, marked, local_dir)
    assert '"[bold]Id"' in result.stdout  # rich markup in a name is printed, not interpreted


def test_bad_future_tolerance(cli, tmp_path):
    result = cli("check", "-f", EXAMPLE / "sharekit.yml", "--local", "--local-dir", tmp_path, "--future-tolerance", "soon")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --future-tolerance: 'soon' is not a duration")


def test_optimove_spec_option(cli, tmp_path, base_account_dir, write_config):
    config, local_dir = prepared("optimove_spec_incomplete", tmp_path, base_account_dir)
    plain = json.loads(check(cli, config, local_dir, "--format", "json").stdout)
    assert [c["id"] for c in plain["checks"]] == ["optimove.spec.incomplete"]
    spec = write_config("""
        vertical: ecommerce
        tables:
          Orders_Summary:
            incomplete: false
            columns: [{name: Order_Total, type: decimal, required: always}]
    """, name="spec.yml")
    result = check(cli, config, local_dir, "--format", "json", "--optimove-spec", spec)
    assert result.exit_code == 1
    assert [c["id"] for c in json.loads(result.stdout)["checks"]] == ["optimove.column.missing"]
    bad = write_config("vertical: ecommerce\ntables:\n  Orders_Summary:\n    colums: []\n", name="bad.yml")
    result = check(cli, config, local_dir, "--optimove-spec", bad)
    assert result.exit_code == 1
    assert f"{bad}:4: tables.Orders_Summary.colums: unknown key" in result.stderr
    assert "Traceback" not in result.output


def test_optimove_spec_from_the_environment(cli, tmp_path, base_account_dir, write_config, monkeypatch):
    config, local_dir = prepared("optimove_spec_incomplete", tmp_path, base_account_dir)
    spec = write_config("""
        vertical: ecommerce
        tables:
          Orders_Summary: {incomplete: false, columns: [{name: Order_Total, type: decimal, required: always}]}
    """, name="spec.yml")
    monkeypatch.setenv("SHAREKIT_OPTIMOVE_SPEC", str(spec))
    result = check(cli, config, local_dir, "--format", "json")
    assert [c["id"] for c in json.loads(result.stdout)["checks"]] == ["optimove.column.missing"]


def test_a_bad_config_is_one_error_line(cli, write_config, tmp_path):
    config = write_config("version: 2\n")
    result = cli("check", "-f", config, "--local", "--local-dir", tmp_path / "local")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.output


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_every_format_reports_a_clean_share(cli, tmp_path, base_account_dir, fmt):
    config, local_dir = prepared("clean", tmp_path, base_account_dir)
    result = check(cli, config, local_dir, "--data", "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert json.loads(result.stdout)["checks"] == []
    elif fmt == "markdown":
        assert result.stdout.count(":white_check_mark: every check passes") == 4
    else:
        assert result.stdout.count("every check passes") == 4
        assert "0 errors, 0 warnings in 4 views (structural and data checks)." in result.stdout
