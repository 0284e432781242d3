"""The JSON Schema of sharekit.yml: committed in step with its generator, printed by `sharekit
schema`, in agreement with what `sharekit.config.load` accepts, and accepting the bundled example
and init's starter (checked with `check-jsonschema`, as a user's CI or editor would)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sharekit.config import parse_config
from sharekit.config.schema import SCHEMA_FILE, SCHEMA_URL, config_schema, schema_text
from sharekit.errors import ConfigError

jsonschema = pytest.importorskip("jsonschema", reason="pip install '.[test]' (check-jsonschema brings jsonschema)")

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / SCHEMA_FILE
EXAMPLE = ROOT / "examples" / "optimove_ecommerce" / "sharekit.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"

MINIMAL = """\
version: 1
share:
  name: S
  database: D
  consumers: [{account: OPTIMOVE.EU_PROD}]
defaults: {schema: OPTIMOVE}
local: {seed: seed.sql}
export: {stage: EXPORTS}
views:
  - name: V
    from: RAW.CRM.T
    columns: [A, {name: B, from: C}, LASTUPDATED]
    optimove: {vertical: ecommerce, table: Customers}
"""


def schema_errors(text: str) -> list[str]:
    import yaml

    validator = jsonschema.Draft7Validator(config_schema())
    return [error.message for error in validator.iter_errors(yaml.safe_load(text))]


def loader_problems(text: str) -> list[str]:
    try:
        parse_config(text)
    except ConfigError as error:
        return [str(problem) for problem in error.problems]
    return []


def run_check_jsonschema(*files: Path) -> subprocess.CompletedProcess:
    if not CHECK_JSONSCHEMA.exists():
        pytest.skip("check-jsonschema is not installed: pip install '.[test]'")
    return subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(COMMITTED), *map(str, files)],
                          capture_output=True, text=True)


# --- one source of truth -----------------------------------------------------------------------

def test_the_committed_schema_is_the_generators():
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        f"{SCHEMA_FILE} is stale: run `sharekit schema > {SCHEMA_FILE}`")


def test_sharekit_schema_prints_it(cli):
    result = cli("schema")
    assert result.exit_code == 0, result.output
    assert result.stdout == schema_text()
    assert json.loads(result.stdout)["$id"] == SCHEMA_URL


def test_it_is_a_valid_draft_07_schema():
    jsonschema.Draft7Validator.check_schema(config_schema())
    assert config_schema()["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_its_patterns_are_ecma_262_regexes():
    """JSON Schema patterns are ECMA 262 (what editors run), stricter than Python's `re`, e.g. about
    escapes in a character class: check-jsonschema checks them so."""
    if not CHECK_JSONSCHEMA.exists():
        pytest.skip("check-jsonschema is not installed: pip install '.[test]'")
    result = subprocess.run([str(CHECK_JSONSCHEMA), "--check-metaschema", str(COMMITTED)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _keys(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """(path, schema) of every key the schema declares, at any depth."""
    found = []
    if isinstance(node, dict):
        for name, child in node.get("properties", {}).items():
            found.append((f"{path}.{name}".lstrip("."), child))
        for word, child in node.items():
            if word == "properties":
                found += [item for name, sub in child.items() for item in _keys(sub, f"{path}.{name}".lstrip("."))]
            elif word in ("items", "anyOf", "oneOf"):
                for sub in child if isinstance(child, list) else [child]:
                    found += _keys(sub, path + ("[]" if word == "items" else ""))
    return found


def test_every_key_has_a_description_and_an_example():
    keys = _keys(config_schema())
    assert len(keys) >= 30
    for path, schema in keys:
        assert schema.get("description"), f"{path} has no description"
        assert schema.get("examples"), f"{path} has no example"


# Where an unknown key goes in MINIMAL, and where the schema declares that mapping's keys.
PLACES = {
    "top level": (lambda d: d, lambda s: s),
    "share": (lambda d: d["share"], lambda s: s["properties"]["share"]),
    "share.consumers[]": (lambda d: d["share"]["consumers"][0],
                          lambda s: s["properties"]["share"]["properties"]["consumers"]["items"]["anyOf"][1]),
    "defaults": (lambda d: d["defaults"], lambda s: s["properties"]["defaults"]),
    "local": (lambda d: d["local"], lambda s: s["properties"]["local"]),
    "views[]": (lambda d: d["views"][0], lambda s: s["properties"]["views"]["items"]),
    "views[].columns[]": (lambda d: d["views"][0]["columns"][1],
                          lambda s: s["properties"]["views"]["items"]["properties"]["columns"]["items"]["anyOf"][1]),
    "export": (lambda d: d["export"], lambda s: s["properties"]["export"]),
    "views[].optimove": (lambda d: d["views"][0]["optimove"],
                         lambda s: s["properties"]["views"]["items"]["properties"]["optimove"]),
}


@pytest.mark.parametrize("place", PLACES)
def test_each_mappings_keys_are_the_keys_the_loader_accepts(place):
    """The loader names its allowed keys when a key is unknown and nothing is close: read them
    from there, so a key added to load.py and not to the schema (or back) fails here."""
    import yaml

    document = yaml.safe_load(MINIMAL)
    in_document, in_schema = PLACES[place]
    in_document(document)["zzzzzzzzzz"] = 1
    problems = loader_problems(yaml.safe_dump(document, sort_keys=False))
    hints = [p.split("allowed: ", 1)[1] for p in problems if "zzzzzzzzzz: unknown key; allowed: " in p]
    assert len(hints) == 1, problems
    accepted = set(hints[0].split(", "))
    declared = in_schema(config_schema())
    assert set(declared["properties"]) == accepted
    assert declared["additionalProperties"] is False


def test_kinds_and_required_keys_come_from_the_model():
    from sharekit.config.model import KINDS

    schema = config_schema()
    view = schema["properties"]["views"]["items"]
    assert view["properties"]["kind"]["anyOf"][0]["enum"] == list(KINDS)
    assert schema["required"] == ["version", "share", "views"]
    assert schema["properties"]["share"]["required"] == ["name", "database"]
    assert view["required"] == ["name"]


# --- the schema and the loader judge configs alike ----------------------------------------------

def variant(old: str, new: str) -> str:
    assert old in MINIMAL
    return MINIMAL.replace(old, new)


AGREED = {
    "minimal": (MINIMAL, True),
    "kind dimension": (variant("    from: RAW", "    kind: dimension\n    from: RAW"), True),
    "kind from a variable": (variant("    from: RAW", "    kind: ${KIND}\n    from: RAW"), True),
    "a consumer as a bare string": (variant("[{account: OPTIMOVE.EU_PROD}]", "[OPTIMOVE.EU_PROD]"), True),
    "max_age 1d12h": (variant("{schema: OPTIMOVE}", "{max_age: 1d12h}"), True),
    "max_age as hours": (variant("{schema: OPTIMOVE}", "{max_age: 48}"), True),
    "primary_key one name": (variant("    columns:", "    primary_key: A\n    columns:"), True),
    "a query view": (variant("    from: RAW.CRM.T\n    columns: [A, {name: B, from: C}, LASTUPDATED]\n",
                             "    query: SELECT A, LASTUPDATED FROM RAW.CRM.T\n"), True),
    "null comment": (variant("  database: D\n", "  database: D\n  comment:\n"), True),
    "an external export stage": (variant("{stage: EXPORTS}", "{stage: X.Y.Z, url: 's3://b/p/', "
                                         "storage_integration: S3, format: parquet, max_file_mb: 200}"), True),
    "a view left out of the export": (variant("    columns:", "    export: false\n    columns:"), True),
    "no version": (variant("version: 1\n", ""), False),
    "version 2": (variant("version: 1", "version: 2"), False),
    "no share name": (variant("  name: S\n", ""), False),
    "a typo in a key": (variant("  database: D", "  databse: D"), False),
    "an unknown kind": (variant("    from: RAW", "    kind: snapshot\n    from: RAW"), False),
    "no views": (variant(MINIMAL[MINIMAL.index("views:"):], "views: []\n"), False),
    "from and query": (variant("    from: RAW", "    query: SELECT A FROM RAW.CRM.T\n    from: RAW"), False),
    "neither from nor query": (variant("    from: RAW.CRM.T\n", ""), False),
    "from without columns": (variant("    columns: [A, {name: B, from: C}, LASTUPDATED]\n", ""), False),
    "where with query": (variant("    from: RAW.CRM.T\n    columns: [A, {name: B, from: C}, LASTUPDATED]\n",
                                 "    query: SELECT A FROM RAW.CRM.T\n    where: A = 1\n"), False),
    "SELECT *": (variant("[A, {name", "['*', {name"), False),
    "rename and expression": (variant("{name: B, from: C}", "{name: B, from: C, expr: UPPER(C)}"), False),
    "a bad duration": (variant("{schema: OPTIMOVE}", "{max_age: 3 days}"), False),
    "prune as text": (variant("  database: D\n", "  database: D\n  prune: 'no'\n"), False),
    "an account with a space": (variant("OPTIMOVE.EU_PROD", "OPTIMOVE EU"), False),
    "an account in URL form": (variant("OPTIMOVE.EU_PROD", "OPTIMOVE-EU_PROD"), False),
    "optimove without table": (variant("{vertical: ecommerce, table: Customers}", "{vertical: ecommerce}"), False),
    "defaults not a mapping": (variant("{schema: OPTIMOVE}", "OPTIMOVE"), False),
    "an unknown export format": (variant("{stage: EXPORTS}", "{stage: EXPORTS, format: xlsx}"), False),
    "export files over 1 GB": (variant("{stage: EXPORTS}", "{stage: EXPORTS, max_file_mb: 2048}"), False),
    "an export url without its integration": (variant("{stage: EXPORTS}", "{stage: EXPORTS, url: 's3://b/p/'}"),
                                              False),
    "view export as text": (variant("    columns:", "    export: 'no'\n    columns:"), False),
    "an empty primary_key": (variant("    columns:", "    primary_key: []\n    columns:"), False),
}


@pytest.mark.parametrize("case", AGREED)
def test_the_schema_and_the_loader_agree(case):
    text, valid = AGREED[case]
    errors, problems = schema_errors(text), loader_problems(text) if "${" not in text else []
    if valid:
        assert errors == [] and problems == [], (errors, problems)
    else:
        assert errors, f"the schema accepts what the loader refuses: {problems}"
        assert problems, f"the loader accepts what the schema refuses: {errors}"


def test_the_schema_refuses_null_where_the_loader_drops_a_value():
    """`query:` and a column's `from:` left empty make the loader skip the view or the column
    without a word (reported as a bug in config/load.py); the schema refuses both."""
    assert schema_errors(variant("    from: RAW.CRM.T\n    columns: [A, {name: B, from: C}, LASTUPDATED]\n",
                                 "    query:\n"))
    assert schema_errors(variant("{name: B, from: C}", "{name: B, from: }"))


# --- the example and the starter, as a user's CI checks them -----------------------------------

def test_check_jsonschema_accepts_the_example_and_the_starter(cli, tmp_path):
    (tmp_path / ".git").mkdir()  # init looks for a schema up to the repository root: none here
    assert cli("init", tmp_path / "share").exit_code == 0
    result = run_check_jsonschema(EXAMPLE, tmp_path / "share" / "sharekit.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_jsonschema_names_a_typo(tmp_path):
    bad = tmp_path / "sharekit.yml"
    bad.write_text(variant("  database: D", "  databse: D"), encoding="utf-8")
    result = run_check_jsonschema(bad)
    assert result.returncode == 1
    assert "databse" in result.stdout


def test_the_example_points_editors_at_the_committed_schema():
    first = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../sharekit.schema.json"
    assert (EXAMPLE.parent / "../../sharekit.schema.json").resolve() == COMMITTED


# --- init's first line ----------------------------------------------------------------------

def test_init_points_at_a_schema_in_the_repository(cli, tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / SCHEMA_FILE).write_text(schema_text(), encoding="utf-8")
    assert cli("init", tmp_path / "shares" / "optimove").exit_code == 0
    text = (tmp_path / "shares" / "optimove" / "sharekit.yml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../sharekit.schema.json\n# sharekit.yml")


def test_init_points_at_the_published_schema_without_one(cli, tmp_path):
    (tmp_path / ".git").mkdir()
    assert cli("init", tmp_path).exit_code == 0
    first = (tmp_path / "sharekit.yml").read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={SCHEMA_URL}"


def test_the_starter_with_its_first_line_still_validates(cli, tmp_path):
    (tmp_path / ".git").mkdir()
    assert cli("init", tmp_path).exit_code == 0
    assert cli("validate", "-f", tmp_path / "sharekit.yml").exit_code == 0
