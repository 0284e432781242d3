"""Convergence properties (hypothesis): random valid configs × random pre-existing account states.

For every generated case, on a fresh copy of one seeded local account:

1. `render` equals the SQL of a plan from the empty account: the same statements, and within
   each rendered file in the plan's order;
2. the pre-existing state is built behind sharekit's back (a partial share, extra grants and
   consumers, views replaced with or without COPY GRANTS, non-secure views, a decoy share whose
   name matches the share's `SHOW SHARES LIKE` pattern, …);
3. the plan of that state is deterministic: two plans of the same state are byte-identical
   JSON once `stats` (timings) are left out;
4. `apply --yes --allow-destroy` succeeds (or, for a share already on another database without
   `prune`, refuses with one clear message), and the next plan is empty.

Examples: `SHAREKIT_RELIABILITY_EXAMPLES` (default 20, derandomized so CI is reproducible); run
with e.g. `SHAREKIT_RELIABILITY_EXAMPLES=300 SHAREKIT_RELIABILITY_RANDOM=1` to explore.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from snowflake.connector.errors import Error as ConnectorError
from typer.testing import CliRunner

from sharekit.sql import identifiers
from sharekit.cli import app
from sharekit.local import open_local_account
from sharekit.local.quirks import locator_of
from sharekit.local.sqltext import split_statements

EXAMPLES = int(os.environ.get("SHAREKIT_RELIABILITY_EXAMPLES", "20"))
RANDOM = os.environ.get("SHAREKIT_RELIABILITY_RANDOM") == "1"

SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER, CUSTOMER_ID NUMBER, TOTAL NUMBER(12,2), STATUS VARCHAR,
    "Email Addr" VARCHAR, LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO RAW.SALES.ORDERS VALUES
    (1, 10, 9.99, 'PAID', 'a@x.com', '2026-01-01 10:00:00'),
    (2, 11, 5.00, 'TEST', NULL, '2026-01-02 10:00:00'),
    (3, 10, 0, 'it''s', 'c@x.com', '2026-01-03 10:00:00');
CREATE DATABASE IF NOT EXISTS EXT;
CREATE SCHEMA IF NOT EXISTS EXT.CRM;
CREATE TABLE EXT.CRM."Customers" (CUSTOMER_ID NUMBER, "Name" VARCHAR, "ORDER" VARCHAR, LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO EXT.CRM."Customers" VALUES (10, 'Ann', 'x', '2026-01-01 10:00:00'), (11, 'Bob', NULL, '2026-01-01 11:00:00');
CREATE DATABASE IF NOT EXISTS UNUSED_DB;
CREATE SCHEMA IF NOT EXISTS UNUSED_DB.S;
"""

# source (written) → its columns (written), expressions and row filters that fit it
SOURCES = {
    "RAW.SALES.ORDERS": {
        "columns": ["ORDER_ID", "CUSTOMER_ID", "TOTAL", "STATUS", '"Email Addr"'],
        "exprs": ['SHA2(LOWER("Email Addr"))', "ROUND(TOTAL, 1)", "IFF(STATUS = 'PAID', 'Yes', 'No')",
                  "TOTAL * 100", "COALESCE(STATUS, $$n/a$$)", "'it''s -- /* $$'"],
        "wheres": ["STATUS <> 'TEST'", "TOTAL > 0 AND \"Email Addr\" IS NOT NULL", "STATUS IN ('PAID', $$it's$$)",
                   "NOT (ORDER_ID = 3)", "STATUS <> 'a;b -- c /* d'"],
    },
    'EXT.CRM."Customers"': {
        "columns": ["CUSTOMER_ID", '"Name"', '"ORDER"'],
        "exprs": ['UPPER("Name")', 'LENGTH("ORDER")', "CUSTOMER_ID + 1"],
        "wheres": ['"Name" LIKE \'A%\'', '"ORDER" IS NULL OR CUSTOMER_ID > 0'],
    },
}
QUERY = """SELECT o.ORDER_ID, c."Name" AS CUSTOMER_NAME, o.LASTUPDATED
FROM RAW.SALES.ORDERS o JOIN EXT.CRM."Customers" c ON c.CUSTOMER_ID = o.CUSTOMER_ID
WHERE o.STATUS <> 'TEST'"""

SHARE_NAMES = ["SK_SHARE", '"Sk Share"', '"it\'s ""the"" share"', "SHARE_1"]
DATABASES = ["SK_DB", '"sk_db"']  # the local account names a database's file after it: no spaces
SCHEMAS = ["OPTIMOVE", '"Mixed Schema"', "S2"]
VIEW_NAMES = ["ORDERS_A", "orders_b", '"Mixed View"', '"it\'s ""quoted"" view"', '"Ünïcode view"',
              '"semi;colon -- view"', '"TABLE"', "V_9"]
RENAMES = ["ORDER_NO", '"Order No"', '"we""ird col"', '"ÉTÉ"', "AMOUNT", '"select"']
ACCOUNTS = ["OPTIMOVE.EU_PROD", "OPTIMOVE.US_PROD", "AB12345"] + [f"ORG{i}.ACCT_{i}" for i in range(12)]

# Comments: every character that needs care in a SQL literal or in YAML.
ODD = "'\"\\$-/*;\n\t\r é😀\u2028%_"
comments = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(["it's", "a \\ b", "$$x$$", "-- not a comment", "/* nor this */", "two\nlines", "tab\there"]),
    st.text(alphabet=st.sampled_from(ODD + "abcXYZ"), max_size=12),
)


def stored(written: str) -> str:
    return identifiers.normalize(written)


@st.composite
def view_specs(draw: Any, name: str, schema: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name}
    if schema != "OPTIMOVE":
        spec["schema"] = schema
    if draw(st.integers(0, 5)) == 0:
        spec["query"] = QUERY
    else:
        source = draw(st.sampled_from(sorted(SOURCES)))
        info = SOURCES[source]
        spec["from"] = source
        chosen = draw(st.lists(st.sampled_from(info["columns"]), unique=True, min_size=0))
        used = {stored(c).upper() for c in chosen} | {"LASTUPDATED"}
        columns: list[Any] = []
        for column in chosen:
            how = draw(st.sampled_from(["plain", "plain", "rename", "comment"]))
            if how == "rename":
                free = [r for r in RENAMES if stored(r).upper() not in used]
                if free:
                    new = draw(st.sampled_from(free))
                    used.add(stored(new).upper())
                    item = {"name": new, "from": column}
                    comment = draw(comments)
                    if comment is not None:
                        item["comment"] = comment
                    columns.append(item)
                    continue
            if how == "comment":
                columns.append({"name": column, "comment": draw(comments)})
                continue
            columns.append(column)
        for index, expr in enumerate(draw(st.lists(st.sampled_from(info["exprs"]), unique=True, max_size=2))):
            item = {"name": f"X_{index}", "expr": expr}
            comment = draw(comments)
            if comment is not None:
                item["comment"] = comment
            columns.append(item)
        columns.insert(draw(st.integers(0, len(columns))), "LASTUPDATED")
        spec["columns"] = columns
        where = draw(st.one_of(st.none(), st.sampled_from(info["wheres"])))
        if where is not None:
            spec["where"] = where
    spec["kind"] = draw(st.sampled_from(["transactional", "fact", "dimension"]))
    comment = draw(comments)
    if comment is not None:
        spec["comment"] = comment
    return spec


@st.composite
def configs(draw: Any) -> dict[str, Any]:
    schemas = draw(st.lists(st.sampled_from(SCHEMAS), unique=True, min_size=1, max_size=3))
    names = draw(st.lists(st.sampled_from(VIEW_NAMES), unique_by=lambda n: stored(n).upper(), min_size=1, max_size=4))
    views = [draw(view_specs(name, draw(st.sampled_from(schemas)))) for name in names]
    consumers = []
    for account in draw(st.lists(st.sampled_from(ACCOUNTS), unique=True, max_size=13)):
        flag = draw(st.sampled_from([None, None, False, True]))
        consumer = {"account": account} if flag is None else {"account": account, "share_restrictions": flag}
        if "accounts_locator" in os.environ.get("SHAREKIT_LOCAL_QUIRKS", "") and "." in account:
            consumer["locator"] = locator_of(account.upper())  # what a user adds once the plan asks
        consumers.append(consumer)
    share: dict[str, Any] = {"name": draw(st.sampled_from(SHARE_NAMES)), "database": draw(st.sampled_from(DATABASES))}
    comment = draw(comments)
    if comment is not None:
        share["comment"] = comment
    if consumers:
        share["consumers"] = consumers
    share["prune"] = draw(st.booleans())
    return {"version": 1, "share": share, "local": {"seed": "seed.sql"}, "views": views}


# Pre-existing states. The base is nothing, a prefix of sharekit's own plan (a partial share),
# or the full plan; then a few changes made behind sharekit's back, each skipped when the account
# refuses it (e.g. a grant on a view that does not exist yet).
MUTATIONS = ["extra_view_grant", "extra_table_grant", "extra_schema_grant", "extra_reference_usage",
             "replace_copy_grants", "replace_no_copy_grants", "replace_secure_copy_grants", "unsecure",
             "extra_consumer", "remove_consumer", "share_comment", "unset_share_comment", "revoke_select",
             "drop_view", "view_comment", "column_comment", "decoy_share", "share_on_other_db",
             "precreate_non_secure"]


@st.composite
def prestates(draw: Any) -> dict[str, Any]:
    return {
        "base": draw(st.sampled_from(["nothing", "partial", "partial", "full"])),
        "fraction": draw(st.floats(0, 1)),
        "mutations": draw(st.lists(st.sampled_from(MUTATIONS), max_size=4)),
        "pick": draw(st.integers(0, 1000)),
    }


def sk(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "SHAREKIT_LOCAL_FAIL_AT": None,
                                                    "SHAREKIT_LOCAL_LATENCY_MS": None})


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded local account, copied for each example (seeding costs more than copying)."""
    root = tmp_path_factory.mktemp("convergence")
    (root / "seed.sql").write_text(SEED, encoding="utf-8")
    result = sk("local", "init", "--seed", str(root / "seed.sql"), "--local-dir", str(root / "account"))
    assert result.exit_code == 0, result.output
    return root


def plan_json(config: Path, account: Path) -> tuple[int, str, dict[str, Any] | None]:
    result = sk("plan", "-f", str(config), "--local", "--local-dir", str(account), "--format", "json")
    if result.exit_code != 0:
        return result.exit_code, result.stderr, None
    return 0, result.stdout, json.loads(result.stdout)


def without_stats(text: str) -> str:
    data = json.loads(text)
    data.pop("stats")
    return json.dumps(data, indent=2)


def assert_render_matches_plan(config: Path, plan: dict[str, Any], out_dir: Path) -> None:
    result = sk("render", "-f", str(config), "--out-dir", str(out_dir))
    assert result.exit_code == 0, result.output
    planned = [change["sql"].rstrip(";") for change in plan["changes"]]
    rendered: list[str] = []
    for path in sorted(out_dir.rglob("*.sql")):
        statements = [s.text.rstrip(";") for s in split_statements(path.read_text(encoding="utf-8"))]
        order = [planned.index(s) if s in planned else -1 for s in statements]
        assert -1 not in order, f"{path.name} holds a statement the plan does not: {statements[order.index(-1)]}"
        assert order == sorted(order), f"{path.name}: statements out of the plan's order"
        rendered += statements
    assert sorted(rendered) == sorted(planned)


def _views(config: dict[str, Any]) -> list[tuple[str, str, str]]:
    db = stored(config["share"]["database"])
    return [(db, stored(v.get("schema", "OPTIMOVE")), stored(v["name"])) for v in config["views"]]


def build_prestate(account_dir: Path, config: dict[str, Any], plan: dict[str, Any], pre: dict[str, Any]) -> None:
    share = identifiers.quote(stored(config["share"]["name"]))
    db = stored(config["share"]["database"])
    views = _views(config)
    view = identifiers.fqn(*views[pre["pick"] % len(views)])
    schema = views[pre["pick"] % len(views)][1]
    sql = [change["sql"] for change in plan["changes"]]
    if pre["base"] == "partial":
        sql = sql[: int(len(sql) * pre["fraction"])]
    elif pre["base"] == "nothing":
        sql = []
    consumers = [c["account"] for c in config["share"].get("consumers", [])]
    mutations = {
        "extra_view_grant": [f"CREATE SECURE VIEW {identifiers.fqn(db, schema, 'EXTRA_V')} AS SELECT ORDER_ID FROM RAW.SALES.ORDERS",
                             f"GRANT SELECT ON VIEW {identifiers.fqn(db, schema, 'EXTRA_V')} TO SHARE {share}"],
        "extra_table_grant": [f"CREATE TABLE {identifiers.fqn(db, schema, 'EXTRA_T')} (A NUMBER)",
                              f"GRANT SELECT ON TABLE {identifiers.fqn(db, schema, 'EXTRA_T')} TO SHARE {share}"],
        "extra_schema_grant": [f"CREATE SCHEMA IF NOT EXISTS {identifiers.fqn(db, 'EXTRA_S')}",
                               f"GRANT USAGE ON SCHEMA {identifiers.fqn(db, 'EXTRA_S')} TO SHARE {share}"],
        "extra_reference_usage": [f"GRANT REFERENCE_USAGE ON DATABASE UNUSED_DB TO SHARE {share}"],
        "replace_copy_grants": [f"CREATE OR REPLACE SECURE VIEW {view} COPY GRANTS AS SELECT ORDER_ID FROM RAW.SALES.ORDERS"],
        "replace_no_copy_grants": [f"CREATE OR REPLACE VIEW {view} AS SELECT ORDER_ID, LASTUPDATED FROM RAW.SALES.ORDERS"],
        "replace_secure_copy_grants": [f"CREATE OR REPLACE SECURE VIEW {view} COPY GRANTS COMMENT = 'hand made' AS "
                                       "SELECT ORDER_ID AS LASTUPDATED FROM RAW.SALES.ORDERS"],
        "unsecure": [f"ALTER VIEW {view} UNSET SECURE"],
        "extra_consumer": [f"ALTER SHARE {share} ADD ACCOUNTS = STRANGER.ACCOUNT"],
        "remove_consumer": [f"ALTER SHARE {share} REMOVE ACCOUNTS = {consumers[0]}"] if consumers else [],
        "share_comment": [f"ALTER SHARE {share} SET COMMENT = 'changed by hand'"],
        "unset_share_comment": [f"ALTER SHARE {share} UNSET COMMENT"],
        "revoke_select": [f"REVOKE SELECT ON VIEW {view} FROM SHARE {share}"],
        "drop_view": [f"DROP VIEW {view}"],
        "view_comment": [f"ALTER VIEW {view} SET COMMENT = 'by hand'"],
        "column_comment": [f"ALTER VIEW {view} ALTER COLUMN LASTUPDATED COMMENT 'by hand'"],
        "decoy_share": ["CREATE SHARE IF NOT EXISTS SHAREX1", "CREATE SHARE IF NOT EXISTS \"Sk Sharf\""],
        "share_on_other_db": [f"CREATE SHARE {share}", f"GRANT USAGE ON DATABASE UNUSED_DB TO SHARE {share}",
                              f"ALTER SHARE {share} ADD ACCOUNTS = STRANGER.OTHER"],
        "precreate_non_secure": [f"CREATE DATABASE IF NOT EXISTS {identifiers.quote(db)}",
                                 f"CREATE SCHEMA IF NOT EXISTS {identifiers.fqn(db, schema)}",
                                 f"CREATE VIEW {view} AS SELECT ORDER_ID, LASTUPDATED FROM RAW.SALES.ORDERS"],
    }
    with open_local_account(account_dir) as account:
        for statement in sql:
            account.execute(statement)
        for name in pre["mutations"]:
            for statement in mutations[name]:
                try:
                    account.execute(statement)
                except ConnectorError:
                    break  # refused in this state (the object is not there yet): skip the rest


# No shrinking: one example costs about a second, and the failing example is printed as drawn.
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(config=configs(), pre=prestates())
def test_apply_converges_from_any_state(template: Path, config: dict[str, Any], pre: dict[str, Any]) -> None:
    work = Path(tempfile.mkdtemp(dir=template))
    try:
        account = work / "account"
        shutil.copytree(template / "account", account)
        shutil.copy(template / "seed.sql", work / "seed.sql")
        path = work / "sharekit.yml"
        text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=1000)
        assert yaml.safe_load(text) == config
        path.write_text(text, encoding="utf-8")

        code, output, from_empty = plan_json(path, account)
        assert code == 0 and from_empty is not None, output
        assert_render_matches_plan(path, from_empty, work / "sql")

        build_prestate(account, config, from_empty, pre)
        code, first, plan = plan_json(path, account)
        if code != 0:
            # the one refusal a generated state may earn: the share is on another database
            assert "already uses database" in first and "Traceback" not in first, first
            assert not config["share"]["prune"] and "share_on_other_db" in pre["mutations"]
            refused = sk("apply", "-f", str(path), "--local", "--local-dir", str(account), "--yes")
            assert refused.exit_code == 1 and "already uses database" in refused.stderr
            return
        again = plan_json(path, account)[1]
        assert without_stats(first) == without_stats(again), "two plans of one state differ"

        applied = sk("apply", "-f", str(path), "--local", "--local-dir", str(account), "--yes", "--allow-destroy")
        assert applied.exit_code == 0, applied.output + applied.stderr
        code, output, after = plan_json(path, account)
        assert code == 0 and after is not None, output
        assert after["changes"] == [], "apply did not converge:\n" + "\n".join(
            f"{c['action']} {c['object']}: {c['reason']}" for c in after["changes"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
