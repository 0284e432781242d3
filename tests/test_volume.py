"""Optimove's volume rule in `sharekit check --data` (`views[].volume`): `volume.drop` when the
rows dated yesterday are below `ratio` × the daily average of the `days` before, inside the one
data query (no query more), and the cases it leaves alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sharekit.checks.volume import volume_findings
from sharekit.cli import app
from sharekit.config.model import Volume

HEAD = ("CREATE DATABASE RAW;\nCREATE SCHEMA RAW.SALES;\nCREATE TABLE RAW.SALES.ORDERS "
        "(ORDER_ID INT, ORDER_DATE TIMESTAMP_NTZ, NOTE VARCHAR, LASTUPDATED TIMESTAMP_NTZ);\n")


def orders(first: int, count: int, days_ago: int) -> str:
    rows = ", ".join(f"({first + i}, DATEADD(hour, 12, CAST(DATEADD(day, -{days_ago}, CAST(SYSDATE() AS DATE)) "
                     "AS TIMESTAMP_NTZ)), 'x', SYSDATE())" for i in range(count))
    return f"INSERT INTO RAW.SALES.ORDERS VALUES {rows};\n"


CONFIG = """\
version: 1
share: {{name: S, database: SDB, consumers: [{{account: OPTIMOVE.EU_PROD}}]}}
local: {{seed: seed.sql}}
views:
  - name: ORDERS
    from: RAW.SALES.ORDERS
    columns: [ORDER_ID, ORDER_DATE, NOTE, LASTUPDATED]
{volume}"""


def check(tmp_path: Path, seed: str, volume: str = "    volume: {date_column: ORDER_DATE}\n") -> dict:
    (tmp_path / "seed.sql").write_text(HEAD + seed)
    (tmp_path / "sharekit.yml").write_text(CONFIG.format(volume=volume))
    common = ["--local", "--local-dir", str(tmp_path / "acct"), "-f", str(tmp_path / "sharekit.yml")]
    runner = CliRunner()
    assert runner.invoke(app, ["apply", "--yes", *common]).exit_code == 0
    result = runner.invoke(app, ["check", "--data", "--format", "json", *common])
    data = json.loads(result.stdout)
    data["exit_code"] = result.exit_code
    return data


def test_a_drop_is_an_error_with_the_figures(tmp_path):
    # yesterday 1 row; the 180 days before (2 to 181 days ago): 30 rows on 3 days, an average of 10
    data = check(tmp_path, orders(1, 1, 1) + orders(10, 10, 2) + orders(20, 10, 5) + orders(30, 10, 181))
    assert data["exit_code"] == 1
    assert data["checks"] == [{
        "id": "volume.drop", "severity": "error", "object": "SDB.OPTIMOVE.ORDERS",
        "message": "1 row dated yesterday (UTC, by ORDER_DATE), below 0.2 × the daily average of 10.0 over the "
                   "180 days before (3 with rows): Optimove's volume check fails the daily load; check what feeds "
                   "the view, or lower `volume.ratio` if the drop is expected"}]
    assert data["stats"]["queries"] == 7  # as without a volume rule: six to read the account, one data query


def test_the_window_ends_days_before_yesterday_and_ratio_is_the_limit(tmp_path):
    # 182 days ago is outside a 180-day window; with days: 3 only the day before yesterday counts
    seed = orders(1, 2, 1) + orders(10, 10, 2) + orders(100, 100, 182)
    assert check(tmp_path, seed)["checks"] == []  # 2 ≥ 0.2 × 10
    (tmp_path / "b").mkdir()
    data = check(tmp_path / "b", seed, "    volume: {date_column: ORDER_DATE, ratio: 0.5, days: 3}\n")
    assert [c["id"] for c in data["checks"]] == ["volume.drop"]
    assert "below 0.5 × the daily average of 10.0 over the 3 days before (1 with rows)" in data["checks"][0]["message"]


def test_nothing_is_judged_without_history_and_a_text_column_is_skipped(tmp_path):
    assert check(tmp_path, orders(1, 1, 1))["checks"] == []  # a new table: no average yet
    (tmp_path / "b").mkdir()
    data = check(tmp_path / "b", orders(1, 1, 1), "    volume: {date_column: NOTE}\n")
    assert data["checks"] == [{"id": "data.skipped", "severity": "warning", "object": "SDB.OPTIMOVE.ORDERS",
                               "message": "skipped the volume check (NOTE is TEXT, not a date or timestamp)"}]


@pytest.mark.parametrize("row, drop", [
    ({"VOL_YESTERDAY": 0, "VOL_WINDOW_ROWS": 10, "VOL_WINDOW_DAYS": 10}, True),   # 0 < 0.2 × 1
    ({"VOL_YESTERDAY": 2, "VOL_WINDOW_ROWS": 100, "VOL_WINDOW_DAYS": 10}, False),  # 2 = 0.2 × 10: not below
    ({"VOL_YESTERDAY": None, "VOL_WINDOW_ROWS": None, "VOL_WINDOW_DAYS": None}, False),  # DuckDB's NULL counts
])
def test_the_rule_at_its_edges(row, drop):
    found = volume_findings(Volume("D"), "V", row)
    assert bool(found) is drop
    if drop:
        assert found[0].figures == {"yesterday": 0, "average": 1.0, "ratio": 0.2, "days": 180, "days_with_rows": 10}
