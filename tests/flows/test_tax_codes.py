"""Finance tables and NetSuite rules. Tax code mapping: each (jurisdiction, rate) an order charges has a
declared NetSuite tax code, or the order is parked naming the pair and the setting to edit — never booked
under a guessed code. Payment gateways: a payment's method and account. Deposits: never negative."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from erpsync.connectors.netsuite import NetSuiteConnector, NetSuiteSettings
from erpsync.connectors.netsuite.auth import auth_from_credentials
from erpsync.connectors.netsuite.errors import NetSuiteDataError
from erpsync.connectors.netsuite.finance import GatewayTable, TaxCodeTable
from erpsync.errors import ConfigError, DataError
from erpsync.model import (
    Money,
    Order,
    OrderLine,
    OrderTotals,
    Origin,
    Payout,
    PayoutAdjustment,
    TaxLine,
    Transaction,
)
from erpsync.sandboxes.common import serve_in_thread
from erpsync.sandboxes.netsuite import build_sandbox
from erpsync.sandboxes.netsuite.banking import CONNECTION_SETTINGS

NOW = datetime(2026, 12, 4, 10, tzinfo=UTC)
TABLE = TaxCodeTable.from_settings(CONNECTION_SETTINGS["tax_codes"])


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def order(order_id: str, *taxes: tuple[str, str, str]) -> Order:
    """One line of 2 x SKU-1001 at 50.00, taxed by each (title, rate, amount)."""
    tax_lines = [
        TaxLine(title=title, rate=Decimal(rate), amount=usd(amount)) for title, rate, amount in taxes
    ]
    tax = sum((t.amount.amount for t in tax_lines), Decimal(0))
    return Order(
        origin=Origin(system="shopify", id=order_id, updated_at=NOW),
        number=f"#{order_id}",
        placed_at=NOW,
        currency="USD",
        lines=[
            OrderLine(
                line_id="1",
                sku="SKU-1001",
                title="Mug",
                quantity=2,
                unit_price=usd("50.00"),
                tax_lines=tax_lines,
            )
        ],
        totals=OrderTotals(
            lines=usd("100.00"),
            discounts=usd("0"),
            shipping=usd("0"),
            tax=Money.of(tax, "USD"),
            total=Money.of(Decimal(100) + tax, "USD"),
        ),
    )


def test_each_jurisdiction_and_rate_finds_its_code_whatever_the_spelling() -> None:
    assert TABLE.tax_item_for(order("1", ("Sales tax", "0.08", "8.00"))) == {"externalId": "tax-us-8"}
    assert TABLE.tax_item_for(order("2", ("SALES TAX", "0.080", "8.00"))) == {"externalId": "tax-us-8"}
    # State and county map to their tax group: one tax item for the header.
    both = order("3", ("CA State Tax", "0.0725", "7.25"), ("Los Angeles County Tax", "0.0225", "2.25"))
    assert TABLE.tax_item_for(both) == {"externalId": "tax-ca-la"}
    assert TABLE.tax_item_for(order("4")) is None  # no tax, no tax item


def test_an_unmapped_jurisdiction_or_rate_is_a_data_error_naming_it_and_the_fix() -> None:
    with pytest.raises(DataError) as raised:
        TABLE.tax_item_for(order("5", ("Sales tax", "0.09", "9.00")))  # the rate changed
    error = raised.value
    assert "'Sales tax' at rate 0.09" in error.message and error.record == "salesOrder for order shopify:5"
    assert error.suggested_fix is not None and "tax_codes" in error.suggested_fix
    assert "erpsync.yaml" in error.suggested_fix and "'Sales tax'" in error.suggested_fix

    mixed = order("6", ("Sales tax", "0.08", "8.00"), ("CA State Tax", "0.0725", "7.25"))
    with pytest.raises(DataError, match="several NetSuite tax codes") as several:
        TABLE.tax_item_for(mixed)
    assert several.value.suggested_fix is not None and "tax group" in several.value.suggested_fix


@pytest.mark.parametrize(
    "entries",
    [
        [{"jurisdiction": "Sales tax", "rate": "8%", "tax_code": "1"}],
        [{"jurisdiction": "Sales tax", "rate": "8", "tax_code": "1"}],  # a percent, not a fraction
        [{"jurisdiction": "Sales tax", "rate": "0.08"}],
        [
            {"jurisdiction": "x", "rate": "0.1", "tax_code": "1"},
            {"jurisdiction": "X", "rate": "0.10", "tax_code": "2"},
        ],
    ],
)
def test_a_malformed_table_stops_the_connector_at_start(entries: list[dict[str, Any]]) -> None:
    with pytest.raises(ConfigError, match="tax_codes"):
        TaxCodeTable.from_settings(entries)


def test_an_unknown_gateway_is_a_data_error_naming_it_and_the_setting() -> None:
    gateways = GatewayTable.from_settings(CONNECTION_SETTINGS["payment_gateways"])
    sale = Transaction(
        origin=Origin(system="shopify", id="77", updated_at=NOW),
        order_id="1",
        kind="sale",
        status="success",
        gateway="stripe",
        amount=usd("10.00"),
    )
    assert gateways.payment_fields(sale.model_copy(update={"gateway": "Shopify_Payments"})) == {
        "paymentMethod": {"externalId": "shopify-payments"},
        "account": {"externalId": "shopify-clearing"},
    }
    with pytest.raises(DataError, match="'stripe'") as raised:
        gateways.payment_fields(sale)
    assert raised.value.suggested_fix is not None and "payment_gateways.stripe" in raised.value.suggested_fix
    with pytest.raises(ConfigError, match=r"payment_gateways\.paypal"):
        GatewayTable.from_settings({"paypal": {"payment_method": "PayPal"}})  # no account


# -- against the NetSuite sandbox, over HTTP -------------------------------------------------------------


@pytest.fixture(scope="module")
def connector() -> Iterator[NetSuiteConnector]:
    sandbox = build_sandbox(seed=7)
    with serve_in_thread(sandbox.app) as server:
        credentials = sandbox.credentials()
        guest = next(iter(sandbox.account.store.records["customer"]))
        settings = dataclasses.replace(NetSuiteSettings(guest_customer_id=guest), **CONNECTION_SETTINGS)
        erp = NetSuiteConnector(
            credentials["account_id"],
            server.url,
            auth_from_credentials(server.url, credentials),
            settings=settings,
        )
        yield erp
        erp.close()


def test_the_sales_order_carries_the_mapped_tax_code_and_the_stores_tax(connector: NetSuiteConnector) -> None:
    taxed = order("101", ("CA State Tax", "0.0725", "7.25"), ("Los Angeles County Tax", "0.0225", "2.25"))
    sales_order = connector.client.get("salesOrder", connector.upsert_sales_order(taxed, idempotency_key="k"))
    group = connector.client.get("taxGroup", "eid:tax-ca-la")
    assert sales_order["taxItem"]["id"] == group["id"]
    assert Decimal(str(sales_order["taxTotal"])) == Decimal("9.50")
    assert Decimal(str(sales_order["total"])) == taxed.totals.total.amount


def test_an_order_with_an_unmapped_tax_is_refused_before_anything_is_written(
    connector: NetSuiteConnector,
) -> None:
    with pytest.raises(DataError, match=r"'Sales tax' at rate 0\.065"):
        connector.upsert_sales_order(order("102", ("Sales tax", "0.065", "6.50")), idempotency_key="k")
    assert connector.client.find_by_external_id("salesOrder", "shopify_3A102") is None


def test_netsuite_refuses_a_sale_item_as_tax_item(connector: NetSuiteConnector) -> None:
    item_id = connector.item_ids_for_skus(["SKU-1001"])["SKU-1001"]
    body = {
        "entity": {"id": connector.settings.guest_customer_id},
        "item": {"items": [{"item": {"id": item_id}, "quantity": 1}]},
        "taxItem": {"id": item_id},
        "taxRate": 8,
    }
    with pytest.raises(NetSuiteDataError) as raised:
        connector.client.create("salesOrder", body)
    assert raised.value.error_code == "INVALID_KEY_OR_REF" and raised.value.field == "taxItem"


def test_a_payment_is_booked_with_its_gateways_method_and_clearing_account(
    connector: NetSuiteConnector,
) -> None:
    connector.upsert_sales_order(order("103", ("Sales tax", "0.08", "8.00")), idempotency_key="k")
    sale = Transaction(
        origin=Origin(system="shopify", id="9103", updated_at=NOW),
        order_id="103",
        kind="sale",
        status="success",
        gateway="shopify_payments",
        amount=usd("108.00"),
    )
    payment = connector.client.get("customerPayment", connector.record_payment(sale, idempotency_key="p"))
    clearing = connector.client.get("account", "eid:shopify-clearing")
    method = connector.client.get("paymentMethod", "eid:shopify-payments")
    assert payment["paymentMethod"]["id"] == method["id"] and payment["undepFunds"] is False
    assert payment["account"]["id"] == clearing["id"]
    with pytest.raises(DataError, match="'stripe'"):
        connector.record_payment(sale.model_copy(update={"gateway": "stripe"}), idempotency_key="p2")


def test_netsuite_refuses_a_deposit_whose_lines_net_negative(connector: NetSuiteConnector) -> None:
    bank = connector.client.get("account", "eid:operating-bank")["id"]
    fees = connector.client.get("account", "eid:merchant-fees")["id"]
    body = {
        "account": {"id": bank},
        "other": {"items": [{"account": {"id": fees}, "amount": 5}]},
        "cashBack": {"items": [{"account": {"id": fees}, "amount": 7.5}]},
    }
    with pytest.raises(NetSuiteDataError, match="cannot be negative"):
        connector.client.create("deposit", body)


def test_a_payout_that_debits_the_bank_is_parked_not_booked(connector: NetSuiteConnector) -> None:
    withdrawal = Payout(
        origin=Origin(system="shopify", id="po-9", updated_at=NOW),
        status="paid",
        gross=usd("10.00"),
        fees=usd("0.59"),
        adjustments=[PayoutAdjustment(kind="refund", amount=usd("-25.00"))],
        net=usd("-15.59"),
    )
    with pytest.raises(DataError, match="must be positive") as raised:
        connector.record_payout(withdrawal, idempotency_key="po-9")
    assert raised.value.suggested_fix is not None and "journal entry" in raised.value.suggested_fix
    assert connector.client.find_by_external_id("deposit", "shopify_3Apo-9") is None
