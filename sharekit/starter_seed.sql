-- seed.sql: sample source tables for the starter sharekit.yml, used only by --local.
-- The local account runs this once, when it is first created (`local: seed:` in sharekit.yml).
-- Against real Snowflake your own RAW tables are the sources; delete this file then.
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.CRM;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;

CREATE TABLE RAW.CRM.CUSTOMERS (
    CUSTOMER_ID NUMBER NOT NULL,
    CREATED_AT DATE,
    EMAIL VARCHAR,
    IS_TEST BOOLEAN,
    LASTUPDATED TIMESTAMP_NTZ
);
INSERT INTO RAW.CRM.CUSTOMERS VALUES
    (1, '2025-01-15', 'Ada@example.com', FALSE, DATEADD(hour, -2, SYSDATE())),
    (2, '2025-03-02', 'grace@example.com', FALSE, DATEADD(hour, -5, SYSDATE())),
    (3, '2025-06-20', 'qa+1@example.com', TRUE, DATEADD(hour, -1, SYSDATE()));

CREATE TABLE RAW.SALES.ORDERS (
    ORDER_ID NUMBER NOT NULL,
    CUSTOMER_ID NUMBER,
    TOTAL NUMBER(12, 2),
    STATUS VARCHAR,
    LASTUPDATED TIMESTAMP_NTZ
);
INSERT INTO RAW.SALES.ORDERS VALUES
    (100, 1, 42.50, 'PAID', DATEADD(hour, -3, SYSDATE())),
    (101, 2, 19.99, 'PAID', DATEADD(hour, -4, SYSDATE())),
    (102, 3, 1.00, 'TEST', DATEADD(hour, -1, SYSDATE()));
