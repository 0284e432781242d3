"""Optimove table specs: the built-in `sharekit/optimove/*.yml` and a user's files merged over them."""

from __future__ import annotations

import pytest

from sharekit.checks.spec import SpecError, base_type, builtin_files, load_spec, read_spec_file

VERTICALS = {
    "ecommerce", "casino", "sport", "multi_sport_casino", "sweepstakes_casino", "social_gaming",
    "poker", "lottery", "multi_lottery", "forex", "trading", "streaming",
}


def test_one_file_per_vertical_of_the_reference():
    assert {p.stem for p in builtin_files()} == VERTICALS
    assert set(load_spec().verticals) == VERTICALS


@pytest.mark.parametrize("vertical", sorted(VERTICALS))
def test_every_vertical_knows_part_of_customers_and_marks_the_rest_incomplete(vertical):
    found = load_spec().vertical(vertical)
    customers = found.table("Customers")
    assert customers.incomplete and customers.columns  # only the top of the page could be read
    key = "Customer_ID" if vertical in ("ecommerce", "forex", "trading") else "Player_ID"
    assert customers.column(key).required == "always"
    assert customers.columns[0].name.upper() == key.upper()
    for table in found.tables:
        if table.name != "Customers":
            assert table.incomplete and table.columns == (), f"{vertical} {table.name}"


def test_ecommerce_customers_as_the_reference_lists_it():
    customers = load_spec().table("ecommerce", "Customers")
    by_name = {c.name: c for c in customers.columns}
    assert by_name["Registration_Date"].type == "date" and by_name["Registration_Date"].required == "always"
    assert by_name["Email"].required == "conditional" and by_name["Email"].max_length == 250
    assert by_name["Allow_SMS"].values == ("Yes", "No")
    assert by_name["Gender"].values == ("Male", "Female", "Unknown")
    assert by_name["Date_Of_Birth"].required == "optional"
    assert [t.name for t in load_spec().vertical("ecommerce").tables] == [
        "Customers", "Orders_Summary", "Orders_Items", "Items_Catalog"]


def test_names_match_ignoring_case_spaces_and_old_names():
    spec = load_spec()
    assert spec.table("ECommerce", "customers").name == "Customers"
    assert spec.table("ecommerce", "Orders").name == "Orders_Summary"  # the older page's name
    assert spec.table("multi-sport-casino", "Bets Details").name == "Bets_Details"
    assert spec.table("ecommerce", "Customers").column("allow_sms").name == "Allow_SMS"
    assert spec.vertical("retail") is None and spec.table("ecommerce", "Nope") is None
    assert spec.suggest_vertical("ecomerce") == "ecommerce"
    assert spec.suggest_table("ecommerce", "Item_Catalog") == "Items_Catalog"


def test_a_user_file_extends_overrides_and_adds(write_config):
    path = write_config("""
        vertical: ecommerce
        tables:
          Customers:
            columns:
              - {name: EMAIL, type: string, required: always}      # stricter than the built-in
              - {name: Loyalty_Tier, type: string, values: ['Gold', 'Silver']}
          Orders:                                                 # the alias of Orders_Summary
            incomplete: false
            columns:
              - {name: Order_ID, type: id, required: always}
          Wishlists:
            columns: [{name: Customer_ID, type: id, required: always}]
    """, name="mine.yml")
    spec = load_spec([path])
    customers = spec.table("ecommerce", "Customers")
    assert customers.incomplete  # not given: kept
    assert customers.column("Email").required == "always" and customers.column("Email").max_length is None
    assert customers.column("Loyalty_Tier").values == ("Gold", "Silver")
    assert customers.column("Registration_Date") is not None  # the rest stays
    orders = spec.table("ecommerce", "Orders_Summary")
    assert not orders.incomplete and [c.name for c in orders.columns] == ["Order_ID"]
    assert spec.table("ecommerce", "Wishlists").column("customer_id").required == "always"
    assert spec.vertical("ecommerce").files[-1].endswith("mine.yml")
    assert load_spec().table("ecommerce", "Orders_Summary").incomplete  # built-ins untouched


def test_a_user_file_adds_a_vertical(write_config):
    path = write_config("""
        vertical: Retail Banking
        title: Retail banking
        tables:
          Accounts:
            columns: [{name: Account_ID, type: id, required: always}]
    """, name="bank.yml")
    spec = load_spec([path])
    assert spec.vertical("retail-banking").title == "Retail banking"
    assert spec.table("retail_banking", "accounts").column("ACCOUNT_ID") is not None


@pytest.mark.parametrize("text, expected", [
    ("vertical: x\ntables:\n  T:\n    colums: []\n", "mine.yml:4: tables.T.colums: unknown key; did you mean 'columns'?"),
    ("vertical: x\ntables:\n  T:\n    columns:\n      - {name: A, type: string, values: [Yes, No]}\n",
     "mine.yml:5: tables.T.columns[0].values: YAML read True as a boolean: quote the values, e.g. ['Yes', 'No']"),
    ("vertical: x\ntables:\n  T:\n    columns:\n      - {name: A, type: text}\n",
     "mine.yml:5: tables.T.columns[0].type: 'text' is not a type: use one of string, id, int, decimal, date, datetime"),
    ("vertical: x\ntables:\n  T:\n    columns:\n      - {name: A, type: string, required: yes}\n",
     "mine.yml:5: tables.T.columns[0].required: YAML read True as a boolean: quote the text, e.g. 'Yes'"),
    ("vertical: x\ntables:\n  T:\n    columns:\n      - {name: A, type: string, required: must}\n",
     "mine.yml:5: tables.T.columns[0].required: 'must': use always ('**' on Optimove's page), conditional ('*') or optional"),
    ("tables: {}\n", "mine.yml:1: vertical: is required"),
    ("vertical: x\ntables: [a]\n", "mine.yml:2: tables: must be a mapping of table name → table"),
    ("vertical: [x\n", "mine.yml:2: YAML error"),
])
def test_bad_spec_files_say_where(write_config, text, expected):
    path = write_config(text, name="mine.yml")
    with pytest.raises(SpecError) as info:
        read_spec_file(path)
    assert expected.replace("mine.yml", str(path)) in str(info.value)


def test_a_missing_spec_file_is_an_error(tmp_path):
    with pytest.raises(SpecError, match="cannot read the Optimove spec file"):
        load_spec([tmp_path / "nope.yml"])


@pytest.mark.parametrize("family, data_type, fit", [
    ("string", "TEXT", "ok"), ("string", "VARCHAR(250)", "ok"), ("string", "NUMBER", "error"),
    ("id", "NUMBER", "ok"), ("id", "TEXT", "ok"), ("id", "DATE", "error"),
    ("int", "NUMBER", "ok"), ("int", "FLOAT", "warning"),
    ("decimal", "NUMBER", "ok"), ("decimal", "FLOAT", "ok"), ("decimal", "TEXT", "error"),
    ("date", "DATE", "ok"), ("date", "TIMESTAMP_NTZ", "warning"), ("date", "TEXT", "error"),
    ("datetime", "TIMESTAMP_LTZ", "ok"), ("datetime", "DATE", "warning"),
    ("string", None, None),
])
def test_type_families(family, data_type, fit):
    from sharekit.checks.spec import SpecColumn

    assert SpecColumn("C", family).fits(data_type) == fit


def test_allowed_values_need_text():
    from sharekit.checks.spec import SpecColumn

    flag = SpecColumn("Is_OptIn", "string", values=("Yes", "No"))
    assert flag.fits("TEXT") == "ok" and flag.fits("BOOLEAN") == "error"


def test_base_type():
    assert [base_type(t) for t in ("varchar(10)", "TIMESTAMP", "DATETIME", "INT", "DOUBLE", None)] == [
        "TEXT", "TIMESTAMP_NTZ", "TIMESTAMP_NTZ", "NUMBER", "FLOAT", None]
