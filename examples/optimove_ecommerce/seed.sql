-- Source data for the optimove_ecommerce example: a small online shop (apparel, footwear,
-- accessories, home, beauty) in RAW, the database its pipelines land in.
--
-- Runs once when `sharekit ... --local` first creates the local account (config: local.seed),
-- or again with `sharekit local seed examples/optimove_ecommerce/seed.sql`. Plain Snowflake SQL,
-- one statement per ';'. It REPLACES the RAW tables: never run it against a real account.
--
-- Contents: 120 customers (5 test accounts), 300 orders (the test accounts' orders have
-- STATUS = 'TEST'), 700 order lines, 60 catalog items. Everything is deterministic except the
-- timestamps, which are relative to the moment the seed runs: orders cover the last ~30 hours and
-- every LASTUPDATED lies 5 minutes to 30 hours in the past (UTC, SYSDATE()), so
-- `sharekit check --data` passes its 36h freshness limit right after seeding.

CREATE DATABASE IF NOT EXISTS RAW;

CREATE SCHEMA IF NOT EXISTS RAW.CRM;

CREATE SCHEMA IF NOT EXISTS RAW.SALES;

CREATE SCHEMA IF NOT EXISTS RAW.CATALOG;

-- ---------------------------------------------------------------------------------------------
-- RAW.CATALOG.ITEMS: the product catalog (COST_PRICE is internal and is not shared).
CREATE OR REPLACE TABLE RAW.CATALOG.ITEMS (
    ITEM_ID      VARCHAR(20)   NOT NULL PRIMARY KEY,
    ITEM_NAME    VARCHAR(200)  NOT NULL,
    BRAND        VARCHAR(100)  NOT NULL,
    CATEGORY     VARCHAR(100)  NOT NULL,
    DEPARTMENT   VARCHAR(100)  NOT NULL,
    PRICE        NUMBER(10,2)  NOT NULL, -- Current list price in EUR, VAT included
    COST_PRICE   NUMBER(10,2)  NOT NULL, -- Purchase cost in EUR: internal, never shared
    IS_ACTIVE    BOOLEAN       NOT NULL,
    LASTUPDATED  TIMESTAMP_NTZ NOT NULL  -- UTC time the row was last inserted or changed
) COMMENT = 'Product catalog, one row per sellable item';

INSERT INTO RAW.CATALOG.ITEMS
    (ITEM_ID, ITEM_NAME, BRAND, CATEGORY, DEPARTMENT, PRICE, COST_PRICE, IS_ACTIVE, LASTUPDATED)
SELECT v.ITEM_ID, v.ITEM_NAME, v.BRAND, v.CATEGORY, v.DEPARTMENT, v.PRICE, v.COST_PRICE, v.IS_ACTIVE,
       DATEADD(minute, -v.MINUTES_AGO, SYSDATE())
FROM (VALUES
    ('SKU-10001', 'Organic Cotton Crew Tee', 'Northwind', 'T-Shirts', 'Apparel', 19.90, 6.10, TRUE, 322),
    ('SKU-10002', 'Striped Breton Tee', 'Saltwater', 'T-Shirts', 'Apparel', 24.90, 7.80, TRUE, 599),
    ('SKU-10003', 'Heavyweight Pocket Tee', 'Fjell', 'T-Shirts', 'Apparel', 29.00, 9.40, TRUE, 876),
    ('SKU-10004', 'Linen Blend V-Neck Tee', 'Costa Verde', 'T-Shirts', 'Apparel', 27.50, 8.90, TRUE, 1153),
    ('SKU-10005', 'Merino Crewneck Sweater', 'Fjell', 'Knitwear', 'Apparel', 89.00, 31.20, TRUE, 1430),
    ('SKU-10006', 'Chunky Cable Cardigan', 'Alder & Co', 'Knitwear', 'Apparel', 99.00, 35.60, TRUE, 107),
    ('SKU-10007', 'Cashmere Blend Hoodie', 'Northwind', 'Knitwear', 'Apparel', 129.00, 48.00, TRUE, 384),
    ('SKU-10008', 'Cotton Half-Zip', 'Saltwater', 'Knitwear', 'Apparel', 64.90, 21.30, TRUE, 661),
    ('SKU-10009', 'Waxed Field Jacket', 'Alder & Co', 'Jackets', 'Apparel', 189.00, 72.50, TRUE, 938),
    ('SKU-10010', 'Packable Rain Shell', 'Fjell', 'Jackets', 'Apparel', 119.00, 41.00, TRUE, 1215),
    ('SKU-10011', 'Quilted Liner Jacket', 'Northwind', 'Jackets', 'Apparel', 139.00, 50.20, TRUE, 1492),
    ('SKU-10012', 'Denim Trucker Jacket', 'Ember', 'Jackets', 'Apparel', 94.50, 33.10, FALSE, 169),
    ('SKU-10013', 'Wrap Midi Dress', 'Costa Verde', 'Dresses', 'Apparel', 79.00, 26.40, TRUE, 446),
    ('SKU-10014', 'Linen Shirt Dress', 'Saltwater', 'Dresses', 'Apparel', 84.90, 28.70, TRUE, 723),
    ('SKU-10015', 'Jersey Slip Dress', 'Ember', 'Dresses', 'Apparel', 49.90, 15.80, TRUE, 1000),
    ('SKU-10016', 'Slim Chino', 'Northwind', 'Trousers', 'Apparel', 59.90, 19.90, TRUE, 1277),
    ('SKU-10017', 'Wide Leg Linen Trouser', 'Costa Verde', 'Trousers', 'Apparel', 69.00, 23.30, TRUE, 1554),
    ('SKU-10018', 'Stretch Travel Pant', 'Fjell', 'Trousers', 'Apparel', 74.90, 25.60, TRUE, 231),
    ('SKU-10019', 'Relaxed Jogger', 'Ember', 'Trousers', 'Apparel', 44.90, 13.90, TRUE, 508),
    ('SKU-10020', 'Canvas Low Sneaker', 'Saltwater', 'Sneakers', 'Footwear', 59.00, 20.50, TRUE, 785),
    ('SKU-10021', 'Leather Court Sneaker', 'Alder & Co', 'Sneakers', 'Footwear', 119.00, 43.80, TRUE, 1062),
    ('SKU-10022', 'Trail Running Shoe', 'Fjell', 'Sneakers', 'Footwear', 134.90, 52.00, TRUE, 1339),
    ('SKU-10023', 'Knit Slip-On', 'Ember', 'Sneakers', 'Footwear', 54.90, 18.10, TRUE, 1616),
    ('SKU-10024', 'Chelsea Boot', 'Alder & Co', 'Boots', 'Footwear', 169.00, 63.40, TRUE, 293),
    ('SKU-10025', 'Waterproof Hiking Boot', 'Fjell', 'Boots', 'Footwear', 179.00, 68.90, TRUE, 570),
    ('SKU-10026', 'Suede Desert Boot', 'Northwind', 'Boots', 'Footwear', 129.00, 47.20, TRUE, 847),
    ('SKU-10027', 'Leather Slide Sandal', 'Costa Verde', 'Sandals', 'Footwear', 49.00, 16.70, TRUE, 1124),
    ('SKU-10028', 'Espadrille Sandal', 'Saltwater', 'Sandals', 'Footwear', 39.90, 12.40, TRUE, 1401),
    ('SKU-10029', 'Waxed Canvas Tote', 'Alder & Co', 'Bags', 'Accessories', 69.00, 22.80, TRUE, 78),
    ('SKU-10030', 'Roll-Top Backpack', 'Fjell', 'Bags', 'Accessories', 109.00, 39.50, TRUE, 355),
    ('SKU-10031', 'Leather Crossbody Bag', 'Costa Verde', 'Bags', 'Accessories', 89.90, 31.60, TRUE, 632),
    ('SKU-10032', 'Weekender Duffel', 'Northwind', 'Bags', 'Accessories', 149.00, 55.00, TRUE, 909),
    ('SKU-10033', 'Wool Beanie', 'Fjell', 'Hats', 'Accessories', 24.90, 7.20, TRUE, 1186),
    ('SKU-10034', 'Cotton Baseball Cap', 'Saltwater', 'Hats', 'Accessories', 22.00, 6.30, TRUE, 1463),
    ('SKU-10035', 'Straw Panama Hat', 'Costa Verde', 'Hats', 'Accessories', 45.00, 14.90, FALSE, 140),
    ('SKU-10036', 'Lambswool Scarf', 'Alder & Co', 'Scarves', 'Accessories', 39.90, 12.80, TRUE, 417),
    ('SKU-10037', 'Printed Silk Scarf', 'Ember', 'Scarves', 'Accessories', 59.00, 19.40, TRUE, 694),
    ('SKU-10038', 'Leather Dress Belt', 'Northwind', 'Belts', 'Accessories', 45.00, 14.10, TRUE, 971),
    ('SKU-10039', 'Woven Stretch Belt', 'Saltwater', 'Belts', 'Accessories', 29.90, 8.70, TRUE, 1248),
    ('SKU-10040', 'Stonewashed Linen Duvet Cover', 'Lumen Home', 'Bedding', 'Home', 119.00, 44.30, TRUE, 1525),
    ('SKU-10041', 'Percale Sheet Set', 'Lumen Home', 'Bedding', 'Home', 89.00, 31.90, TRUE, 202),
    ('SKU-10042', 'Waffle Knit Throw', 'Kettle & Pine', 'Bedding', 'Home', 59.90, 20.20, TRUE, 479),
    ('SKU-10043', 'Down Alternative Pillow', 'Lumen Home', 'Bedding', 'Home', 34.90, 11.10, TRUE, 756),
    ('SKU-10044', 'Enamel Cast Iron Casserole', 'Kettle & Pine', 'Kitchen', 'Home', 139.00, 52.60, TRUE, 1033),
    ('SKU-10045', 'Stoneware Mug Set of 4', 'Kettle & Pine', 'Kitchen', 'Home', 32.00, 10.40, TRUE, 1310),
    ('SKU-10046', 'Olive Wood Serving Board', 'Costa Verde', 'Kitchen', 'Home', 38.50, 12.90, TRUE, 1587),
    ('SKU-10047', 'Pour-Over Coffee Set', 'Kettle & Pine', 'Kitchen', 'Home', 49.00, 16.80, TRUE, 264),
    ('SKU-10048', 'Linen Tea Towels Set of 3', 'Lumen Home', 'Kitchen', 'Home', 19.90, 5.70, TRUE, 541),
    ('SKU-10049', 'Cedar and Moss Candle', 'Lumen Home', 'Candles', 'Home', 28.00, 8.20, TRUE, 818),
    ('SKU-10050', 'Fig Leaf Candle', 'Lumen Home', 'Candles', 'Home', 28.00, 8.20, TRUE, 1095),
    ('SKU-10051', 'Beeswax Taper Candles', 'Kettle & Pine', 'Candles', 'Home', 16.90, 4.90, TRUE, 1372),
    ('SKU-10052', 'Ceramic Bud Vase', 'Lumen Home', 'Decor', 'Home', 24.00, 7.60, TRUE, 49),
    ('SKU-10053', 'Jute Area Rug 120x180', 'Kettle & Pine', 'Decor', 'Home', 129.00, 49.70, TRUE, 326),
    ('SKU-10054', 'Framed Botanical Print', 'Ember', 'Decor', 'Home', 54.00, 18.30, TRUE, 603),
    ('SKU-10055', 'Daily Hydrating Cream', 'Saltwater', 'Skincare', 'Beauty', 32.00, 9.10, TRUE, 880),
    ('SKU-10056', 'Gentle Foaming Cleanser', 'Saltwater', 'Skincare', 'Beauty', 22.50, 6.40, TRUE, 1157),
    ('SKU-10057', 'Mineral Sunscreen SPF 50', 'Costa Verde', 'Skincare', 'Beauty', 26.90, 7.90, TRUE, 1434),
    ('SKU-10058', 'Vitamin C Serum', 'Ember', 'Skincare', 'Beauty', 39.00, 11.80, TRUE, 111),
    ('SKU-10059', 'Vetiver Eau de Parfum 50 ml', 'Alder & Co', 'Fragrance', 'Beauty', 85.00, 24.60, TRUE, 388),
    ('SKU-10060', 'Neroli Eau de Toilette 100 ml', 'Costa Verde', 'Fragrance', 'Beauty', 72.00, 20.90, TRUE, 665)
) AS v (ITEM_ID, ITEM_NAME, BRAND, CATEGORY, DEPARTMENT, PRICE, COST_PRICE, IS_ACTIVE, MINUTES_AGO);

-- ---------------------------------------------------------------------------------------------
-- RAW.CRM.CUSTOMERS: one row per customer account, with the raw e-mail and mobile number.
-- Customer N (1..120) gets id 100000 + N; names, cities and consents follow fixed patterns.
-- Customers 13, 42, 77, 101 and 118 are QA test accounts (IS_TEST = TRUE).
CREATE OR REPLACE TABLE RAW.CRM.CUSTOMERS (
    CUSTOMER_ID    NUMBER(10,0)  NOT NULL PRIMARY KEY,
    CREATED_AT     DATE          NOT NULL, -- Date the account was registered
    FIRST_NAME     VARCHAR(100)  NOT NULL,
    LAST_NAME      VARCHAR(100)  NOT NULL,
    EMAIL          VARCHAR(250)  NOT NULL, -- As typed at signup: case and spaces not normalised
    MOBILE         VARCHAR(20),            -- E.164, NULL when not given
    DATE_OF_BIRTH  DATE,                   -- NULL when not given (never a placeholder date)
    GENDER         VARCHAR(10)   NOT NULL, -- Male, Female or Unknown
    COUNTRY        VARCHAR(100)  NOT NULL,
    CITY           VARCHAR(100)  NOT NULL,
    IS_OPTIN       BOOLEAN       NOT NULL, -- General marketing consent
    ALLOW_EMAIL    BOOLEAN       NOT NULL,
    ALLOW_SMS      BOOLEAN       NOT NULL,
    IS_BLOCKED     BOOLEAN       NOT NULL, -- Blocked for fraud or abuse
    IS_TEST        BOOLEAN       NOT NULL, -- Internal QA account
    LASTUPDATED    TIMESTAMP_NTZ NOT NULL  -- UTC time the row was last inserted or changed
) COMMENT = 'Customer master data from the shop backend';

INSERT INTO RAW.CRM.CUSTOMERS
    (CUSTOMER_ID, CREATED_AT, FIRST_NAME, LAST_NAME, EMAIL, MOBILE, DATE_OF_BIRTH, GENDER,
     COUNTRY, CITY, IS_OPTIN, ALLOW_EMAIL, ALLOW_SMS, IS_BLOCKED, IS_TEST, LASTUPDATED)
SELECT
    100000 + g.N,
    DATEADD(day, g.N * 8, '2022-09-01'::DATE),
    fn.FIRST_NAME,
    ln.LAST_NAME,
    CASE
        WHEN g.N IN (13, 42, 77, 101, 118) THEN 'qa+' || TO_VARCHAR(g.N) || '@shop-test.example'
        WHEN MOD(g.N, 7) = 0 THEN fn.FIRST_NAME || '.' || ln.LAST_NAME || TO_VARCHAR(g.N) || '@' || UPPER(dm.DOMAIN) || ' '
        ELSE LOWER(fn.FIRST_NAME || '.' || ln.LAST_NAME) || TO_VARCHAR(g.N) || '@' || dm.DOMAIN
    END,
    IFF(MOD(g.N, 9) = 0, NULL, ct.DIAL_CODE || TO_VARCHAR(1500000000 + MOD(g.N * 7919, 99999999))),
    IFF(MOD(g.N, 11) = 0, NULL, DATEADD(day, -MOD(g.N * 523, 14600), '2006-06-30'::DATE)),
    IFF(MOD(g.N, 13) = 0, 'Unknown', fn.GENDER),
    ct.COUNTRY,
    ct.CITY,
    MOD(g.N, 5) <> 0,
    MOD(g.N, 5) <> 0 AND MOD(g.N, 7) <> 3,
    MOD(g.N, 5) <> 0 AND MOD(g.N, 9) <> 0 AND MOD(g.N, 2) = 0,
    MOD(g.N, 40) = 0,
    g.N IN (13, 42, 77, 101, 118),
    DATEADD(minute, -(g.N * 13 + 7), SYSDATE())
FROM (SELECT ROW_NUMBER() OVER (ORDER BY SEQ4()) AS N FROM TABLE(GENERATOR(ROWCOUNT => 120))) AS g
JOIN (VALUES
    (0, 'Anna', 'Female'), (1, 'Sophie', 'Female'), (2, 'Emma', 'Female'), (3, 'Lea', 'Female'),
    (4, 'Chloe', 'Female'), (5, 'Julia', 'Female'), (6, 'Sara', 'Female'), (7, 'Laura', 'Female'),
    (8, 'Mia', 'Female'), (9, 'Elena', 'Female'), (10, 'Lukas', 'Male'), (11, 'Thomas', 'Male'),
    (12, 'Hugo', 'Male'), (13, 'Daan', 'Male'), (14, 'Oliver', 'Male'), (15, 'Marco', 'Male'),
    (16, 'Pablo', 'Male'), (17, 'Jonas', 'Male'), (18, 'Leon', 'Male'), (19, 'Matteo', 'Male')
) AS fn (IDX, FIRST_NAME, GENDER) ON fn.IDX = MOD(g.N * 7, 20)
JOIN (VALUES
    (0, 'Berg'), (1, 'Martin'), (2, 'Jansen'), (3, 'Smith'), (4, 'Garcia'), (5, 'Rossi'),
    (6, 'Schmidt'), (7, 'Dubois'), (8, 'Bakker'), (9, 'Brown'), (10, 'Lopez'), (11, 'Bianchi'),
    (12, 'Weber'), (13, 'Laurent'), (14, 'Visser'), (15, 'Taylor'), (16, 'Moreno'), (17, 'Romano'),
    (18, 'Fischer'), (19, 'Bernard')
) AS ln (IDX, LAST_NAME) ON ln.IDX = MOD(g.N * 3 + (g.N - MOD(g.N, 20)) / 20, 20)
JOIN (VALUES
    (0, 'Berlin', 'Germany', '+49'), (1, 'Munich', 'Germany', '+49'),
    (2, 'Paris', 'France', '+33'), (3, 'Lyon', 'France', '+33'),
    (4, 'Amsterdam', 'Netherlands', '+31'), (5, 'Rotterdam', 'Netherlands', '+31'),
    (6, 'London', 'United Kingdom', '+44'), (7, 'Manchester', 'United Kingdom', '+44'),
    (8, 'Madrid', 'Spain', '+34'), (9, 'Barcelona', 'Spain', '+34'),
    (10, 'Milan', 'Italy', '+39'), (11, 'Rome', 'Italy', '+39')
) AS ct (IDX, CITY, COUNTRY, DIAL_CODE) ON ct.IDX = MOD(g.N, 12)
JOIN (VALUES
    (0, 'gmail.com'), (1, 'outlook.com'), (2, 'yahoo.com'), (3, 'icloud.com'), (4, 'gmx.net'),
    (5, 'proton.me')
) AS dm (IDX, DOMAIN) ON dm.IDX = MOD(g.N * 5, 6);

-- ---------------------------------------------------------------------------------------------
-- RAW.SALES.ORDER_ITEMS: one row per line of an order. Order K (1..300) gets id 500000 + K and
-- 1 to 4 lines (a repeating 1,2,3,1,4,3 pattern: 700 lines); line prices come from the catalog.
CREATE OR REPLACE TABLE RAW.SALES.ORDER_ITEMS (
    ORDER_ID     NUMBER(10,0)  NOT NULL,
    LINE_NUMBER  NUMBER(3,0)   NOT NULL,
    ITEM_ID      VARCHAR(20)   NOT NULL,
    QUANTITY     NUMBER(5,0)   NOT NULL,
    UNIT_PRICE   NUMBER(10,2)  NOT NULL, -- EUR, VAT included
    LINE_AMOUNT  NUMBER(12,2)  NOT NULL, -- QUANTITY x UNIT_PRICE, EUR
    LASTUPDATED  TIMESTAMP_NTZ NOT NULL, -- UTC; touched whenever the line or its order changes
    PRIMARY KEY (ORDER_ID, LINE_NUMBER)
) COMMENT = 'Order lines from the shop backend';

INSERT INTO RAW.SALES.ORDER_ITEMS
    (ORDER_ID, LINE_NUMBER, ITEM_ID, QUANTITY, UNIT_PRICE, LINE_AMOUNT, LASTUPDATED)
SELECT
    500000 + o.K,
    s.LINE_NUMBER,
    i.ITEM_ID,
    IFF(MOD(o.K + s.LINE_NUMBER, 5) = 0, 2, 1),
    i.PRICE,
    i.PRICE * IFF(MOD(o.K + s.LINE_NUMBER, 5) = 0, 2, 1),
    DATEADD(minute, -((301 - o.K) * 6), SYSDATE())
FROM (SELECT ROW_NUMBER() OVER (ORDER BY SEQ4()) AS K FROM TABLE(GENERATOR(ROWCOUNT => 300))) AS o
JOIN (SELECT ROW_NUMBER() OVER (ORDER BY SEQ4()) AS LINE_NUMBER FROM TABLE(GENERATOR(ROWCOUNT => 4))) AS s
    ON s.LINE_NUMBER <= DECODE(MOD(o.K, 6), 0, 1, 1, 2, 2, 3, 3, 1, 4, 4, 5, 3)
JOIN RAW.CATALOG.ITEMS AS i
    ON i.ITEM_ID = 'SKU-' || TO_VARCHAR(10001 + MOD(o.K * 7 + s.LINE_NUMBER * 13, 60));

-- ---------------------------------------------------------------------------------------------
-- RAW.SALES.ORDERS: one row per order, amounts summed from its lines. Orders go to customers
-- 1..110 (customers 111..120 have not ordered yet); the test accounts' orders are STATUS 'TEST'.
CREATE OR REPLACE TABLE RAW.SALES.ORDERS (
    ORDER_ID         NUMBER(10,0)  NOT NULL PRIMARY KEY,
    CUSTOMER_ID      NUMBER(10,0)  NOT NULL,
    ORDER_TS         TIMESTAMP_NTZ NOT NULL, -- UTC time the order was placed
    STATUS           VARCHAR(20)   NOT NULL, -- PROCESSING, SHIPPED, CANCELLED or TEST
    CHANNEL          VARCHAR(10)   NOT NULL, -- Web or App
    CURRENCY         VARCHAR(3)    NOT NULL,
    SUBTOTAL_AMOUNT  NUMBER(12,2)  NOT NULL,
    DISCOUNT_AMOUNT  NUMBER(12,2)  NOT NULL,
    SHIPPING_AMOUNT  NUMBER(12,2)  NOT NULL,
    TOTAL_AMOUNT     NUMBER(12,2)  NOT NULL, -- Subtotal - discount + shipping, VAT included
    TAX_AMOUNT       NUMBER(12,4)  NOT NULL, -- VAT part of TOTAL_AMOUNT, 4 decimals from the tax engine
    LASTUPDATED      TIMESTAMP_NTZ NOT NULL  -- UTC time the row was last inserted or changed
) COMMENT = 'Order headers from the shop backend';

INSERT INTO RAW.SALES.ORDERS
    (ORDER_ID, CUSTOMER_ID, ORDER_TS, STATUS, CHANNEL, CURRENCY, SUBTOTAL_AMOUNT, DISCOUNT_AMOUNT,
     SHIPPING_AMOUNT, TOTAL_AMOUNT, TAX_AMOUNT, LASTUPDATED)
SELECT
    t.ORDER_ID,
    t.CUSTOMER_ID,
    DATEADD(minute, -5, t.LASTUPDATED),
    CASE
        WHEN t.CUSTOMER_ID IN (100013, 100042, 100077, 100101, 100118) THEN 'TEST'
        WHEN MOD(t.ORDER_ID, 25) = 0 THEN 'CANCELLED'
        WHEN t.ORDER_ID > 500270 THEN 'PROCESSING'
        ELSE 'SHIPPED'
    END,
    IFF(MOD(t.ORDER_ID, 3) = 0, 'App', 'Web'),
    'EUR',
    t.SUBTOTAL,
    t.DISCOUNT,
    t.SHIPPING,
    t.SUBTOTAL - t.DISCOUNT + t.SHIPPING,
    CAST((t.SUBTOTAL - t.DISCOUNT + t.SHIPPING) * 19 / 119 AS NUMBER(12,4)),
    t.LASTUPDATED
FROM (
    SELECT
        a.ORDER_ID,
        100001 + MOD((a.ORDER_ID - 500000) * 37, 110) AS CUSTOMER_ID,
        a.SUBTOTAL,
        IFF(MOD(a.ORDER_ID, 4) = 0, ROUND(a.SUBTOTAL * 0.10, 2), 0) AS DISCOUNT,
        IFF(a.SUBTOTAL >= 50, 0, 4.95) AS SHIPPING,
        a.LASTUPDATED
    FROM (
        -- the CAST keeps the sum exact on the local account (fakesnow sums decimals as DOUBLE)
        SELECT ORDER_ID, CAST(SUM(LINE_AMOUNT) AS NUMBER(12,2)) AS SUBTOTAL, MAX(LASTUPDATED) AS LASTUPDATED
        FROM RAW.SALES.ORDER_ITEMS
        GROUP BY ORDER_ID
    ) AS a
) AS t;
