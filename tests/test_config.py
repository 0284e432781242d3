"""`sharekit.yml` → Config (`load_config`, `parse_config`); one bad file per problem lives in
`tests/corpus/bad_configs/` (see test_config_errors.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sharekit.config import Column, Consumer, load_config, parse_config, parse_duration
from sharekit.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "optimove_ecommerce" / "sharekit.yml"

BASE = """\
version: 1
share:
  name: optimove_share
  database: optimove_share_db
  consumers:
    - account: optimove.eu_prod
views:
  - name: orders
    from: raw.sales.orders
    columns: [ORDER_ID, LastUpdated]
"""


def problems(text: str, **kwargs) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, **kwargs)
    return [(p.line, p.key, p.message) for p in info.value.problems]


def test_minimal_config_and_defaults():
    config = parse_config(BASE)
    assert config.share.name == "OPTIMOVE_SHARE"
    assert config.share.database == "OPTIMOVE_SHARE_DB"
    assert config.share.consumers == (Consumer("OPTIMOVE.EU_PROD", None, 6),)
    assert config.share.prune is False
    assert config.share.comment is None
    assert config.schema == "OPTIMOVE"
    assert config.last_updated == "LASTUPDATED"
    assert config.max_age == timedelta(hours=36)
    (view,) = config.views
    assert (view.schema, view.name, view.kind) == ("OPTIMOVE", "ORDERS", "transactional")
    assert view.column_names == ("ORDER_ID", "LASTUPDATED")
    assert view.source == view.sources[0] == ("RAW", "SALES", "ORDERS")
    assert config.warnings == ()


def test_example_config_loads():
    config = load_config(EXAMPLE)
    assert config.share.name == "OPTIMOVE_SHARE"
    assert [v.name for v in config.views] == ["CUSTOMERS", "ORDERS_SUMMARY", "ORDERS_ITEMS", "ITEMS_CATALOG"]
    assert config.reference_databases == ("RAW",)
    assert config.seed == EXAMPLE.parent / "seed.sql"


def test_starter_config_loads():
    config = load_config(REPO / "sharekit" / "starter.yml")
    assert {v.name for v in config.views} == {"CUSTOMERS", "ORDERS"}


def test_columns_plain_renamed_and_computed():
    config = parse_config(BASE.replace(
        "    columns: [ORDER_ID, LastUpdated]\n",
        "    columns:\n"
        "      - ORDER_ID\n"
        "      - name: ORDER_DATE\n"
        "        from: ORDER_TS\n"
        "      - name: EMAIL_HASH\n"
        "        expr: sha2(lower(EMAIL))\n"
        "        comment: hashed\n"
        "      - '\"LastUpdated\"'\n"
        "    last_updated: '\"LastUpdated\"'\n",
    ))
    assert config.views[0].columns == (
        Column("ORDER_ID", source="ORDER_ID", line=11),
        Column("ORDER_DATE", source="ORDER_TS", line=12),
        Column("EMAIL_HASH", expr="SHA2(LOWER(EMAIL))", comment="hashed", line=14),
        Column("LastUpdated", source="LastUpdated", line=17),
    )
    assert config.views[0].last_updated == "LastUpdated"


def test_query_view_reads_columns_and_sources():
    config = parse_config(BASE.replace(
        "    from: raw.sales.orders\n    columns: [ORDER_ID, LastUpdated]\n",
        "    query: SELECT o.ORDER_ID, c.LastUpdated FROM RAW.SALES.ORDERS o\n"
        "      JOIN CRM.PUBLIC.CUSTOMERS c ON c.ID = o.CUSTOMER_ID\n",
    ))
    view = config.views[0]
    assert view.column_names == ("ORDER_ID", "LASTUPDATED")
    assert view.source is None
    assert view.sources == (("CRM", "PUBLIC", "CUSTOMERS"), ("RAW", "SALES", "ORDERS"))
    assert config.reference_databases == ("CRM", "RAW")


def test_reference_databases_exclude_the_share_database():
    config = parse_config(BASE.replace("raw.sales.orders", "optimove_share_db.staging.orders"))
    assert config.reference_databases == ()


def test_consumer_as_plain_string_and_share_restrictions():
    config = parse_config(BASE.replace(
        "    - account: optimove.eu_prod\n",
        "    - optimove.eu_prod\n    - account: optimove.us_prod\n      share_restrictions: false\n",
    ))
    assert [(c.account, c.share_restrictions) for c in config.share.consumers] == [
        ("OPTIMOVE.EU_PROD", None), ("OPTIMOVE.US_PROD", False)]


def test_legacy_locator_warns():
    config = parse_config(BASE.replace("optimove.eu_prod", "xy12345"))
    assert config.share.consumers[0].account == "XY12345"
    assert any("legacy account locator" in w for w in config.warnings)


NO_CONSUMERS = ("sharekit.yml:{line}: share.consumers: none declared; the share will reach no account: "
                "add `- account: ORG.ACCOUNT` under `consumers:` (Optimove gives you its ORG.ACCOUNT)")


@pytest.mark.parametrize("consumers, line", [
    ("", 3),                 # no `consumers:` key: the share's line
    ("  consumers: []\n", 5),  # an empty list: the key's line
    ("  consumers:\n", 5),     # a key with no value
])
def test_no_consumers_warns_once_the_same_way_missing_or_empty(consumers, line):
    config = parse_config(BASE.replace("  consumers:\n    - account: optimove.eu_prod\n", consumers))
    assert config.share.consumers == ()
    assert config.warnings == (NO_CONSUMERS.format(line=line),)


def test_a_warning_found_twice_is_kept_once():
    from sharekit.config.reader import Reader

    reader = Reader("sharekit.yml", {})
    for _ in range(2):
        reader.warn(6, "share.consumers[0].account", "XY12345 is a legacy account locator")
    reader.warn(7, "share.consumers[1].account", "XY12345 is a legacy account locator")
    assert reader.warnings == [
        "sharekit.yml:6: share.consumers[0].account: XY12345 is a legacy account locator",
        "sharekit.yml:7: share.consumers[1].account: XY12345 is a legacy account locator",
    ]


# --- YAML anchors and merge keys (`<<: *base`) ------------------------------------------------

MERGED = """\
version: 1
share: {name: S, database: D, consumers: [optimove.eu_prod]}
defaults: &defaults
  max_age: 2d
views:
  - &orders
    name: ORDERS
    from: raw.sales.orders
    kind: fact
    columns: [ORDER_ID, LastUpdated]
    comment: base
  - <<: *orders
    name: ORDERS_EU
    where: REGION = 'EU'
  - {<<: [{comment: first, kind: dimension}, *orders], name: ORDERS_US, max_age: 1d}
"""


def test_merge_keys_with_overrides_load_by_yaml_1_1_rules():
    """A merge key followed by an override was 'duplicate key' (the override looked like a second
    `name:`): own keys win over merged ones, and an earlier merged mapping over a later one."""
    orders, eu, us = parse_config(MERGED).views
    assert [v.name for v in (orders, eu, us)] == ["ORDERS", "ORDERS_EU", "ORDERS_US"]
    assert eu.source == us.source == orders.source == ("RAW", "SALES", "ORDERS")
    assert eu.column_names == us.column_names == ("ORDER_ID", "LASTUPDATED")
    assert (eu.kind, eu.comment, eu.where) == ("fact", "base", "REGION = 'EU'")
    assert (us.kind, us.comment, us.where) == ("dimension", "first", None)
    assert (orders.max_age, eu.max_age, us.max_age) == (timedelta(days=2), timedelta(days=2), timedelta(days=1))
    assert (orders.line, eu.line, us.line) == (6, 12, 15)


def test_merged_keys_keep_the_line_where_they_are_written():
    from sharekit.config.source import load

    views = load(MERGED)["views"]
    assert views[1].key_lines == {"name": 13, "from": 8, "kind": 9, "columns": 10, "comment": 11, "where": 14}
    assert views[2].key_lines["comment"] == views[2].key_lines["name"] == 15
    assert views[2].key_lines["from"] == 8


def test_a_problem_in_a_merged_base_points_at_the_base():
    found = problems(MERGED.replace("    kind: fact\n", "    kind: facts\n"))
    assert [(line, key) for line, key, _ in found] == [(9, "views[0](ORDERS).kind"), (9, "views[1](ORDERS_EU).kind")]


def test_a_key_written_twice_next_to_a_merge_is_still_a_duplicate():
    text = MERGED.replace("    where: REGION = 'EU'\n", "    where: REGION = 'EU'\n    name: AGAIN\n")
    assert problems(text) == [(15, "", "YAML syntax error: duplicate key 'name' (first at line 13); "
                                       "check indentation and quoting")]


@pytest.mark.parametrize("merge, message", [
    ("<<: *orders\n    <<: *defaults", "duplicate merge key '<<' (first at line 12): merge several mappings "
                                       "with one `<<: [*a, *b]`"),
    ("<<: orders", "the merge key '<<' takes a mapping or a list of mappings (`<<: *base` or `<<: [*a, *b]`), "
                   "not a plain value"),
    ("<<: [*orders, [x]]", "the merge key '<<' takes a mapping or a list of mappings"),
])
def test_a_merge_key_that_cannot_merge_is_a_clear_error(merge, message):
    (found,) = problems(MERGED.replace("<<: *orders", merge, 1))
    assert found[0] in (12, 13) and found[1] == ""
    assert found[2].startswith(message)


def test_merging_many_aliases_does_not_multiply_keys():
    """Merging node lists (PyYAML's flatten_mapping) would copy every merged pair: ten aliases of
    ten aliases of … is a merge bomb. Merged mappings hold each key once."""
    from sharekit.config.source import load

    lines = ["a0: &a0 {x: 1, y: 2}"] + [f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * 10)}]}}" for i in range(1, 9)]
    assert load("\n".join(lines))["a8"] == {"x": 1, "y": 2}


def test_missing_last_updated_is_not_a_config_error():
    # LastUpdated presence is the blocking check `last_updated.missing` (see the corpus), so the
    # config itself loads; `validate` reports it with its check id.
    config = parse_config(BASE.replace("[ORDER_ID, LastUpdated]", "[ORDER_ID]"))
    assert config.views[0].column_names == ("ORDER_ID",)


def test_per_view_last_updated_and_max_age():
    config = parse_config(
        BASE.replace("[ORDER_ID, LastUpdated]", "[ORDER_ID, UPDATED_AT]")
        + "    last_updated: UPDATED_AT\n    max_age: 2d\n"
    )
    assert config.views[0].last_updated == "UPDATED_AT"
    assert config.views[0].max_age == timedelta(days=2)


def test_integer_max_age_means_hours():
    config = parse_config(BASE + "    max_age: 48\n")
    assert config.views[0].max_age == timedelta(hours=48)


def test_primary_key_string_or_list():
    assert parse_config(BASE + "    primary_key: order_id\n").views[0].primary_key == ("ORDER_ID",)
    assert parse_config(BASE + "    primary_key: [ORDER_ID, LASTUPDATED]\n").views[0].primary_key == (
        "ORDER_ID", "LASTUPDATED")


@pytest.mark.parametrize(
    "text, expected",
    [("36h", timedelta(hours=36)), ("2d", timedelta(days=2)), ("90m", timedelta(minutes=90)),
     ("1d12h", timedelta(days=1, hours=12)), (" 7d ", timedelta(days=7))],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "3 days", "h", "12", "1h1d", "-1h"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


# --- ${VAR} substitution -------------------------------------------------------------------

VARS = BASE.replace("optimove.eu_prod", "${OPTIMOVE_ACCOUNT}").replace("optimove_share_db", "${ENV}_DB")


def test_variables_fill_any_string():
    config = parse_config(VARS, variables={"OPTIMOVE_ACCOUNT": "optimove.dev", "ENV": "DEV"})
    assert config.share.consumers[0].account == "OPTIMOVE.DEV"
    assert config.share.database == "DEV_DB"


def test_unset_variable_is_an_error_naming_both_ways_to_set_it():
    assert problems(VARS, variables={"ENV": "DEV"})[0] == (
        6, "share.consumers[0].account",
        "variable ${OPTIMOVE_ACCOUNT} is not set: pass --var OPTIMOVE_ACCOUNT=VALUE "
        "or set SHAREKIT_VAR_OPTIMOVE_ACCOUNT")


def test_unset_variable_is_one_problem_not_two():
    assert len(problems(VARS, variables={"ENV": "DEV"})) == 1


def test_load_config_reads_sharekit_var_environment(tmp_path, monkeypatch):
    path = tmp_path / "sharekit.yml"
    path.write_text(VARS, encoding="utf-8")
    monkeypatch.setenv("SHAREKIT_VAR_OPTIMOVE_ACCOUNT", "optimove.from_env")
    monkeypatch.setenv("SHAREKIT_VAR_ENV", "ENVIRON")
    config = load_config(path, {"ENV": "ARG"})  # explicit variables win over the environment
    assert config.share.consumers[0].account == "OPTIMOVE.FROM_ENV"
    assert config.share.database == "ARG_DB"


# --- problems: located, collected, all at once ----------------------------------------------

def test_every_problem_is_reported_at_once_with_its_line():
    text = BASE.replace("name: optimove_share", "name: optimove-share").replace(
        "optimove.eu_prod", "optimove-eu_prod") + "    kind: facts\n"
    found = problems(text)
    assert [(line, key) for line, key, _ in found] == [
        (3, "share.name"), (6, "share.consumers[0].account"), (11, "views[0](orders).kind")]


def test_problem_string_is_file_line_key_message():
    with pytest.raises(ConfigError) as info:
        parse_config(BASE + "    kind: facts\n", path="conf/share.yml")
    assert str(info.value) == (
        "1 problem in config:\n"
        "  conf/share.yml:11: views[0](orders).kind: 'facts' is not a kind: "
        "use one of transactional, fact, dimension"
    )


def test_many_problems_are_cut_after_twenty():
    text = BASE + "".join(f"    bad_key_{i}: x\n" for i in range(25))
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert len(info.value.problems) == 25
    assert str(info.value).startswith("25 problems in config:")
    assert str(info.value).endswith("… and 5 more")


# --- limits: nesting and size ---------------------------------------------------------------

@pytest.mark.parametrize("views", [
    "[" * 10_000 + "]" * 10_000,
    "{a: " * 10_000 + "1" + "}" * 10_000,
    "\n" + "".join("  " * i + "- \n" for i in range(1, 2_000)),
], ids=["lists", "mappings", "block"])
def test_deep_nesting_is_one_clear_error(views):
    (found,) = problems(f"version: 1\nshare: {{name: S, database: D}}\nviews: {views}\n")
    assert found[0] is not None and found[1] == ""
    assert found[2].startswith("nested too deeply: sharekit reads at most 100 levels of lists and mappings")


def test_nesting_up_to_the_limit_loads():
    from sharekit.config.source import MAX_DEPTH, load

    assert load("[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)) is not None


def test_text_over_the_size_limit_is_refused_before_parsing(monkeypatch):
    from sharekit.config import load as config_load

    monkeypatch.setattr(config_load, "load", lambda text: pytest.fail("parsed a text over the limit"))
    with pytest.raises(ConfigError) as info:
        parse_config("#" * (config_load.MAX_CONFIG_BYTES + 1), path="big.yml")
    assert str(info.value.problems[0]) == (
        "big.yml: the file is 16,777,217 characters, over the 16 MiB limit for a config: a sharekit.yml is "
        "a few KB, so check that -f names the config and not a data file")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found: create one with `sharekit init`"):
        load_config(tmp_path / "nope.yml")
