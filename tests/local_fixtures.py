"""Shared fixtures for the local-account tests (imported explicitly by tests/test_local_*.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from snowflake.connector.errors import ProgrammingError

from sharekit.local import LocalAccount, open_local_account

SOURCE_SQL = """
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.CRM;
CREATE TABLE RAW.CRM.CUSTOMERS (
    CUSTOMER_ID INT,
    EMAIL VARCHAR(200) COMMENT 'raw e-mail',
    IS_TEST BOOLEAN,
    "LastUpdated" TIMESTAMP_LTZ,
    CREATED_AT TIMESTAMP_NTZ
);
INSERT INTO RAW.CRM.CUSTOMERS VALUES
    (1, 'A@x.com', FALSE, '2024-01-01 10:00:00', '2023-01-01 00:00:00'),
    (2, 'b@x.com', FALSE, '2024-01-02 10:00:00', '2023-01-02 00:00:00'),
    (3, 'test@x.com', TRUE, '2024-01-03 10:00:00', '2023-01-03 00:00:00');
CREATE DATABASE IF NOT EXISTS OPTIMOVE_SHARE_DB;
CREATE SCHEMA IF NOT EXISTS OPTIMOVE_SHARE_DB.OPTIMOVE;
CREATE DATABASE IF NOT EXISTS OTHER_DB;
CREATE SCHEMA IF NOT EXISTS OTHER_DB.S;
"""

# What sharekit renders (sql_templates/create_view.sql.j2), trailing `;` included.
CUSTOMERS_VIEW = """CREATE OR REPLACE SECURE VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS (
    CUSTOMER_ID,
    EMAIL_HASH COMMENT 'SHA-256 of the lower-cased e-mail',
    "LastUpdated"
)
COPY GRANTS
COMMENT = 'One row per customer'
AS
SELECT
    CUSTOMER_ID,
    SHA2(LOWER(EMAIL)) AS EMAIL_HASH,
    "LastUpdated"
FROM RAW.CRM.CUSTOMERS
WHERE IS_TEST = FALSE;"""

PLAIN_VIEW = "CREATE VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.PLAIN AS SELECT CUSTOMER_ID FROM RAW.CRM.CUSTOMERS"


@pytest.fixture
def account(tmp_path, monkeypatch) -> Iterator[LocalAccount]:
    monkeypatch.delenv("SHAREKIT_LOCAL_LATENCY_MS", raising=False)
    monkeypatch.delenv("SHAREKIT_LOCAL_FAIL_AT", raising=False)
    acct = open_local_account(tmp_path / "acct")
    try:
        yield acct
    finally:
        acct.close()


@pytest.fixture
def seeded(account: LocalAccount) -> LocalAccount:
    """Source data, the share database, a secure view and an empty share S."""
    account.run_script(SOURCE_SQL)
    account.execute(CUSTOMERS_VIEW)
    account.execute(PLAIN_VIEW)
    account.execute("CREATE SHARE S")
    return account


@pytest.fixture
def shared(seeded: LocalAccount) -> LocalAccount:
    """`seeded` with the share database, schema and secure view granted to S."""
    seeded.execute("GRANT USAGE ON DATABASE OPTIMOVE_SHARE_DB TO SHARE S")
    seeded.execute("GRANT USAGE ON SCHEMA OPTIMOVE_SHARE_DB.OPTIMOVE TO SHARE S")
    seeded.execute("GRANT SELECT ON VIEW OPTIMOVE_SHARE_DB.OPTIMOVE.CUSTOMERS TO SHARE S")
    return seeded


def sf_error(call: Callable[[], Any]) -> ProgrammingError:
    """Run `call`, expecting Snowflake's ProgrammingError; return it."""
    with pytest.raises(ProgrammingError) as info:
        call()
    return info.value


def grants(account: LocalAccount, share: str = "S") -> list[tuple[str, str, str]]:
    return [(r["privilege"], r["granted_on"], r["name"]) for r in account.query(f"SHOW GRANTS TO SHARE {share}")]
