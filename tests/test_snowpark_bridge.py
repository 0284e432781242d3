"""The monitor procedure's code against a REAL `snowflake.snowpark.Session`, talking to fakesnow's
server (the connector's wire protocol; DuckDB underneath): the bridge to sharekit's Session
interface, and the handler run from the code archive, imported as a zip the way Snowflake
imports it, writing the results table.

What is real: Snowpark's Session, its `sql().collect()`, the connector, every statement the
check code sends except one. fakesnow's server cannot parse SHOW SHARES, so the handler's
session answers that one statement with no rows (`NoShares`): the share's checks are not run
here, its views' data checks are. What is not: Snowflake's Python runtime, IMPORTS, PACKAGES,
the stage, PUT and the task (the local account models those: tests/test_monitor.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("snowflake.snowpark", reason="Snowpark is an optional extra: pip install 'sharekit[snowpark]'")

from test_reliability_secrets import fakesnow_server

from sharekit.config import parse_config
from sharekit.errors import StatementRefused
from sharekit.monitor.package import build_archive
from sharekit.monitor.procedure import SnowparkSession

CONFIG = """\
version: 1
share: {name: S, database: SPSDB, consumers: [{account: OPTIMOVE.EU_PROD}]}
monitor: {schema: SPSDB.MON, warehouse: WH, schedule: USING CRON 0 4 * * * UTC}
views:
  - name: ORDERS
    from: SPRAW.SALES.ORDERS
    primary_key: [ORDER_ID]
    columns: [ORDER_ID, ORDER_DATE, LASTUPDATED]
    volume: {date_column: ORDER_DATE}
"""
# names of their own: the fakesnow server is shared by every test of the process (test_reliability_secrets)
SEED = [
    "CREATE DATABASE SPRAW", "CREATE SCHEMA SPRAW.SALES",
    "CREATE TABLE SPRAW.SALES.ORDERS (ORDER_ID INT, ORDER_DATE DATE, LASTUPDATED TIMESTAMP_NTZ)",
    "INSERT INTO SPRAW.SALES.ORDERS SELECT 1, DATEADD(day, -1, CAST(SYSDATE() AS DATE)), SYSDATE()",
    *["INSERT INTO SPRAW.SALES.ORDERS SELECT 1, DATEADD(day, -2, CAST(SYSDATE() AS DATE)), SYSDATE()"] * 6,
    "CREATE DATABASE SPSDB", "CREATE SCHEMA SPSDB.OPTIMOVE", "CREATE SCHEMA SPSDB.MON",
    "CREATE VIEW SPSDB.OPTIMOVE.ORDERS AS SELECT ORDER_ID, ORDER_DATE, LASTUPDATED FROM SPRAW.SALES.ORDERS",
    "CREATE TABLE SPSDB.MON.SHAREKIT_RESULTS (RUN_ID VARCHAR, RUN_AT TIMESTAMP_NTZ, VIEW_NAME VARCHAR, "
    "CHECK_ID VARCHAR, SEVERITY VARCHAR, MESSAGE VARCHAR, FIGURES VARIANT)",
]


def snowpark_session(port: int, **extra):
    from snowflake.snowpark import Session

    return Session.builder.configs({"account": "fakesnow", "user": "fake", "password": "snow", "host": "127.0.0.1",
                                    "port": port, "protocol": "http", "network_timeout": 5,
                                    "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
                                    **extra}).create()


def close(session) -> None:
    """Session.close() sends SELECT SYSTEM$CANCEL_ALL_QUERIES(…), which fakesnow's server lacks: the
    connector's connection is closed instead."""
    session.connection.close()


@pytest.fixture(scope="module")
def port():
    with fakesnow_server() as number:
        yield number


def test_the_bridge_queries_executes_counts_and_refuses(port):
    raw = snowpark_session(port)
    try:
        session = SnowparkSession(raw)
        assert session.query("SELECT 1 AS X, 'a' AS \"low\"") == [{"X": 1, "low": "a"}]
        session.execute("CREATE DATABASE BRIDGE")
        assert "BRIDGE" in [row["name"] for row in session.query("SHOW DATABASES")]
        with pytest.raises(StatementRefused) as refused:
            session.query("SELECT * FROM NO_DB.NO_SCHEMA.NO_TABLE")
        assert refused.value.errno is not None and "NO_TABLE" in str(refused.value).upper()
        assert session.round_trips == 4
    finally:
        close(raw)


HANDLER = textwrap.dedent("""\
    import json, os, sys
    sys.path.insert(0, os.environ["ARCHIVE"])          # as Snowflake puts IMPORTS on sys.path
    import sharekit.monitor.procedure as procedure
    assert ".zip" in procedure.__file__, procedure.__file__
    from snowflake.snowpark import Session

    class NoShares:
        # fakesnow's server cannot parse SHOW SHARES: that statement alone gets no rows
        def __init__(self, session):
            self.session = session
        def sql(self, text):
            if text.lstrip().upper().startswith("SHOW SHARES"):
                return self.session.sql("SELECT 1 AS X WHERE 1 = 0")
            return self.session.sql(text)

    session = Session.builder.configs({"account": "fakesnow", "user": "fake", "password": "snow",
        "host": "127.0.0.1", "port": int(os.environ["PORT"]), "protocol": "http", "network_timeout": 5,
        "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False}}).create()
    summary = procedure.run(NoShares(session))
    rows = [r.as_dict() for r in session.sql(
        "SELECT CHECK_ID, SEVERITY, VIEW_NAME, TO_VARCHAR(FIGURES) AS F FROM SPSDB.MON.SHAREKIT_RESULTS").collect()]
    print(json.dumps({"summary": summary, "rows": rows, "loaded_from": sys.modules["sharekit"].__file__}))
    session.connection.close()  # not session.close(): see close() in the test
""")


def test_the_handler_runs_from_the_code_archive_and_writes_results(port, tmp_path):
    seed = snowpark_session(port)
    try:
        for statement in SEED:
            seed.sql(statement).collect()
    finally:
        close(seed)
    config_file = tmp_path / "sharekit.yml"
    config_file.write_text(CONFIG)
    archive = build_archive(parse_config(CONFIG, str(config_file)))
    zipped = tmp_path / archive.name
    zipped.write_bytes(archive.data)
    env = {**os.environ, "ARCHIVE": str(zipped), "PORT": str(port), "TMPDIR": str(tmp_path),
           "PYTHONPATH": ""}
    done = subprocess.run([sys.executable, "-c", HANDLER], capture_output=True, text=True, env=env, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["loaded_from"].startswith(str(Path(tmp_path) / archive.name.removesuffix(".zip")))  # extracted
    summary = out["summary"]
    assert summary["views"] == 1 and summary["errors"] >= 1
    by_check = {row["CHECK_ID"]: row for row in out["rows"]}
    assert json.loads(by_check["volume.drop"]["F"]) == {"average": 6.0, "days": 180, "days_with_rows": 1,
                                                        "ratio": 0.2, "yesterday": 1}
    assert by_check["volume.drop"]["VIEW_NAME"] == "SPSDB.OPTIMOVE.ORDERS"
    assert json.loads(by_check["monitor.run"]["F"])["run_id"] == summary["run_id"]
    assert len(out["rows"]) == summary["errors"] + summary["warnings"] + 1
