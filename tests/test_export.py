"""`sharekit export` end to end on the local account: files written by COPY INTO a stage, read
back (gzip CSV with a header, JSON lines, Parquet), incremental by LastUpdated, --full,
--dry-run, `views[].export: false`, and the `export:` config errors."""

from __future__ import annotations

import csv
import gzip
import json
import re
import textwrap
from pathlib import Path

import pytest

from sharekit.sql.templates import Templates

SEED = """
CREATE DATABASE RAW;
CREATE SCHEMA RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID INT, CUSTOMER_ID VARCHAR, COUPON VARCHAR, TOTAL NUMBER(10, 2),
                               LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO RAW.SALES.ORDERS VALUES
    (1, 'C1', NULL, 10.50, '2024-05-01 10:00:00'),
    (2, 'C2', 'say "hi", ok', 20.00, '2024-05-02 11:30:00'),
    (3, 'C1', NULL, 30.25, '2024-05-03 12:45:10');
CREATE SCHEMA RAW.CRM;
CREATE TABLE RAW.CRM.CUSTOMERS (CUSTOMER_ID VARCHAR, EMAIL VARCHAR);
INSERT INTO RAW.CRM.CUSTOMERS VALUES ('C1', 'a@x.com'), ('C2', 'b@x.com');
"""

CONFIG = """
version: 1
share:
  name: OPTIMOVE_SHARE
  database: OPTIMOVE_SHARE_DB
  consumers:
    - account: OPTIMOVE.EU_PROD
local:
  seed: seed.sql
export:
  stage: EXPORTS
  format: {format}
  max_file_mb: 200
  path: optimove/daily
views:
  - name: ORDERS
    from: RAW.SALES.ORDERS
    primary_key: [ORDER_ID]
    columns: [ORDER_ID, CUSTOMER_ID, COUPON, TOTAL, LastUpdated]
  - name: CUSTOMERS
    from: RAW.CRM.CUSTOMERS
    kind: dimension
    primary_key: [CUSTOMER_ID]
    columns: [CUSTOMER_ID, EMAIL]
    export: {customers}
"""


@pytest.fixture
def project(tmp_path, cli):
    """`project(format=…, customers=…)` → (config, local dir), the views applied by a config
    without `export:` (so `sharekit export` meets an account where nobody applied its objects:
    its own CREATE … IF NOT EXISTS make them; tests/test_export_schedule.py applies them)."""

    def make(format: str = "csv", customers: str = "false") -> tuple[Path, Path]:
        (tmp_path / "seed.sql").write_text(SEED, encoding="utf-8")
        config = tmp_path / "sharekit.yml"
        text = textwrap.dedent(CONFIG).format(format=format, customers=customers)
        config.write_text(re.sub(r"(?m)^export:\n(  .*\n)+", "", text), encoding="utf-8")
        local_dir = tmp_path / "account"
        applied = cli("apply", "-f", config, "--local", "--local-dir", local_dir, "--yes")
        assert applied.exit_code == 0, applied.output
        config.write_text(text, encoding="utf-8")
        return config, local_dir

    return make


def export(cli, config: Path, local_dir: Path, *args: object) -> dict:
    result = cli("export", "-f", config, "--local", "--local-dir", local_dir, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def stage_files(local_dir: Path) -> list[Path]:
    root = local_dir / "stages" / "OPTIMOVE_SHARE_DB" / "SHAREKIT_EXPORT" / "EXPORTS" / "files"
    return sorted(p for p in root.rglob("*") if p.is_file())


def csv_rows(path: Path) -> list[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def test_a_full_export_writes_gzip_csv_with_a_header_holding_the_views_rows(cli, project, tmp_path):
    config, local_dir = project()
    report = export(cli, config, local_dir, "--download", tmp_path / "out")
    assert [v["view"] for v in report["views"]] == ["OPTIMOVE_SHARE_DB.OPTIMOVE.ORDERS"]
    (view,) = report["views"]
    assert view["rows"] == 3 and view["watermark"] == "2024-05-03 12:45:10" and view["previous_watermark"] is None
    assert view["location"] == f"@OPTIMOVE_SHARE_DB.SHAREKIT_EXPORT.EXPORTS/optimove/daily/ORDERS/{report['run_id']}/"
    (file,) = view["files"]
    assert file["name"] == f"optimove/daily/ORDERS/{report['run_id']}/data_0_0_0.csv.gz" and file["rows"] == 3
    (written,) = stage_files(local_dir)
    assert written.stat().st_size == file["size"] == view["bytes"]
    assert csv_rows(written) == [
        ["ORDER_ID", "CUSTOMER_ID", "COUPON", "TOTAL", "LASTUPDATED"],
        ["1", "C1", "", "10.50", "2024-05-01 10:00:00"],
        ["2", "C2", 'say "hi", ok', "20.00", "2024-05-02 11:30:00"],
        ["3", "C1", "", "30.25", "2024-05-03 12:45:10"],
    ]
    # every value quoted, NULL an empty unquoted field
    assert gzip.decompress(written.read_bytes()).decode().splitlines()[1] == '"1","C1",,"10.50","2024-05-01 10:00:00"'
    downloaded = tmp_path / "out" / "ORDERS" / "data_0_0_0.csv.gz"
    assert downloaded.read_bytes() == written.read_bytes()
    assert view["downloaded"] == ["data_0_0_0.csv.gz"]


def test_json_lines_one_object_a_line_with_nulls_kept(cli, project):
    config, local_dir = project(format="json")
    export(cli, config, local_dir)
    (written,) = stage_files(local_dir)
    assert written.name == "data_0_0_0.json.gz"
    lines = gzip.decompress(written.read_bytes()).decode().splitlines()
    assert len(lines) == 3 and not lines[0].startswith("[")
    first = json.loads(lines[0])
    assert first["ORDER_ID"] == 1 and first["COUPON"] is None and "COUPON" in first
    assert list(first) == ["ORDER_ID", "CUSTOMER_ID", "COUPON", "TOTAL", "LASTUPDATED"]


def test_parquet_keeps_column_names_and_rows(cli, project):
    import pyarrow.parquet as pq

    config, local_dir = project(format="parquet")
    export(cli, config, local_dir)
    (written,) = stage_files(local_dir)
    table = pq.read_table(written)
    assert table.column_names == ["ORDER_ID", "CUSTOMER_ID", "COUPON", "TOTAL", "LASTUPDATED"]
    assert table.column("ORDER_ID").to_pylist() == [1, 2, 3]


def test_a_second_run_exports_only_newer_rows_and_full_exports_all(cli, project):
    config, local_dir = project()
    export(cli, config, local_dir)
    again = export(cli, config, local_dir)
    assert again["views"][0]["rows"] == 0 and again["views"][0]["note"] == "no new rows"
    assert again["views"][0]["statements"] == [] and len(stage_files(local_dir)) == 1
    inserted = cli("local", "sql", "--local-dir", local_dir,
                   "INSERT INTO RAW.SALES.ORDERS VALUES (4, 'C3', NULL, 5.00, '2024-05-04 08:00:00')")
    assert inserted.exit_code == 0, inserted.output
    third = export(cli, config, local_dir)
    (view,) = third["views"]
    assert view["previous_watermark"] == "2024-05-03 12:45:10" and view["watermark"] == "2024-05-04 08:00:00"
    newest = [p for p in stage_files(local_dir) if third["run_id"] in str(p)]
    assert [row[0] for row in csv_rows(newest[0])] == ["ORDER_ID", "4"]
    full = export(cli, config, local_dir, "--full")
    assert full["views"][0]["rows"] == 4 and full["views"][0]["previous_watermark"] is None


def test_dry_run_prints_the_statements_and_changes_nothing(cli, project):
    config, local_dir = project()
    result = cli("export", "-f", config, "--local", "--local-dir", local_dir, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "COPY INTO '@OPTIMOVE_SHARE_DB.SHAREKIT_EXPORT.EXPORTS/optimove/daily/ORDERS/" in result.stdout
    assert "CREATE STAGE IF NOT EXISTS OPTIMOVE_SHARE_DB.SHAREKIT_EXPORT.EXPORTS" in result.stdout
    assert "INSERT INTO OPTIMOVE_SHARE_DB.SHAREKIT_EXPORT.WATERMARKS" in result.stdout
    assert not (local_dir / "stages").exists()
    schemas = cli("local", "sql", "--local-dir", local_dir, "--format", "json",
                  "SELECT COUNT(*) AS N FROM OPTIMOVE_SHARE_DB.INFORMATION_SCHEMA.SCHEMATA "
                  "WHERE SCHEMA_NAME = 'SHAREKIT_EXPORT'")
    assert schemas.exit_code == 0, schemas.output
    assert json.loads(schemas.stdout) == [{"N": 0}]


def test_export_false_leaves_a_view_out_and_a_dimension_goes_whole(cli, project):
    config, local_dir = project()
    refused = cli("export", "-f", config, "--local", "--local-dir", local_dir, "--view", "CUSTOMERS")
    assert refused.exit_code == 1 and "`export: false`" in refused.stderr
    config, local_dir = project(customers="true")
    report = export(cli, config, local_dir, "--view", "customers")
    (view,) = report["views"]
    assert view["view"] == "OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS" and not view["incremental"] and view["rows"] == 2


@pytest.mark.parametrize("line, value, message", [
    (11, "format: xml", "export.format: 'xml' is not an export format: use one of csv, json, parquet"),
    (12, "max_file_mb: 2048", "export.max_file_mb: 2048 MB is out of range"),
    (13, "path: ../up", "export.path: '../up' is not a stage path"),
])
def test_config_errors_name_file_line_and_key(cli, write_config, line, value, message):
    text = textwrap.dedent(CONFIG).format(format="csv", customers="false").lstrip("\n")
    key = value.split(":")[0]
    lines = text.splitlines()
    index = next(i for i, text_line in enumerate(lines) if text_line.strip().startswith(f"{key}:"))
    assert index + 1 == line
    lines[index] = f"  {value}"
    path = write_config("\n".join(lines) + "\n")
    result = cli("validate", "-f", path)
    assert result.exit_code == 1
    assert f"{path}:{line}: {message}" in result.stderr


def test_a_url_needs_a_storage_integration(cli, write_config):
    text = textwrap.dedent(CONFIG).format(format="csv", customers="false").lstrip("\n")
    path = write_config(text.replace("  stage: EXPORTS\n", "  stage: EXPORTS\n  url: s3://bucket/optimove/\n"))
    result = cli("validate", "-f", path)
    assert result.exit_code == 1 and f"{path}:11: export.storage_integration: is required with `url:`" in result.stderr


T = Templates()


def test_copy_statement_shapes():
    common = {"location": "@DB.S.STG/p/V/run/", "view": ("DB", "S", "V"), "columns": ["ID", "LastUpdated"],
              "last_updated": "LastUpdated", "low": "2024-01-01 00:00:00", "high": "2024-02-01 00:00:00",
              "max_file_size": 200 * 1024 * 1024}
    csv_copy = T.render("export_copy", format="csv", **common)
    assert csv_copy.startswith("COPY INTO '@DB.S.STG/p/V/run/'\nFROM (\n    SELECT ID, \"LastUpdated\"\n")
    assert "WHERE \"LastUpdated\" > '2024-01-01 00:00:00' AND \"LastUpdated\" <= '2024-02-01 00:00:00'" in csv_copy
    assert "TYPE = CSV COMPRESSION = GZIP" in csv_copy and "HEADER = TRUE" in csv_copy
    assert csv_copy.endswith("MAX_FILE_SIZE = 209715200\nDETAILED_OUTPUT = TRUE;")
    json_copy = T.render("export_copy", format="json", **{**common, "low": None})
    assert "OBJECT_CONSTRUCT_KEEP_NULL('ID', ID, 'LastUpdated', \"LastUpdated\")" in json_copy
    assert "WHERE \"LastUpdated\" <= '2024-02-01 00:00:00'" in json_copy and "HEADER" not in json_copy
    parquet = T.render("export_copy", format="parquet", **{**common, "high": None})
    assert "WHERE" not in parquet and "TYPE = PARQUET COMPRESSION = SNAPPY" in parquet


def test_get_and_stage_statements():
    assert T.render("export_get", location="@DB.S.STG/p/", target="file:///tmp/out/") == \
        "GET '@DB.S.STG/p/' 'file:///tmp/out/';"
    assert T.render("export_create_stage", stage=("DB", "S", "Stg"), url="s3://b/p/", storage_integration="INT") == \
        "CREATE STAGE IF NOT EXISTS DB.S.\"Stg\"\nURL = 's3://b/p/'\nSTORAGE_INTEGRATION = INT\n" \
        "COMMENT = 'sharekit export: files for Optimove';"
