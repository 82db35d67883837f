"""Finance end to end over HTTP, through the real flows and both sandboxes: Shopify Payments payouts become
NetSuite bank deposits once (fees, refunds and adjustments on their own lines, total = net), only once paid;
the day ties out payout by payout; a payout that does not balance, and an order charging a tax with no
NetSuite tax code, are parked with their reason."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from erpsync.connectors.netsuite.connector import NetSuiteConnector
from erpsync.connectors.netsuite.finance import GatewayTable, TaxCodeTable
from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.flows import orders, payouts, tieout
from erpsync.sandboxes.netsuite.banking import CONNECTION_SETTINGS

FEE_RATE, FEE_FIXED = Decimal("0.029"), Decimal("0.30")
ORDER_CREATE = """
mutation orderCreate($order: OrderCreateOrderInput!) {
  orderCreate(order: $order) { order { id } userErrors { field message } }
}"""


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        erp = environment.hub.erp
        assert isinstance(erp, NetSuiteConnector)
        erp.settings = dataclasses.replace(erp.settings, **CONNECTION_SETTINGS)
        erp.tax_codes = TaxCodeTable.from_settings(erp.settings.tax_codes)
        erp.gateways = GatewayTable.from_settings(erp.settings.payment_gateways)
        yield environment


def place_paid_order(env: DemoEnvironment, price: str, *, sku: str = "CUSTOM-1", tax: Any = None) -> str:
    """A shopper pays ``price`` (+ tax) through Shopify Payments for one custom line of ``sku``."""
    line: dict[str, Any] = {
        "title": "Gift card",
        "sku": sku,
        "quantity": 1,
        "requiresShipping": False,
        "priceSet": {"shopMoney": {"amount": price, "currencyCode": "USD"}},
    }
    charged = Decimal(price)
    if tax is not None:
        title, rate = tax
        line["taxLines"] = [{"title": title, "rate": rate}]
        charged += (Decimal(price) * Decimal(rate)).quantize(Decimal("0.01"))
    order = {
        "email": "ada@example.com",
        "lineItems": [line],
        "financialStatus": "PAID",
        "transactions": [
            {
                "kind": "SALE",
                "status": "SUCCESS",
                "gateway": "shopify_payments",
                "amountSet": {"shopMoney": {"amount": str(charged), "currencyCode": "USD"}},
            }
        ],
    }
    credentials = env.shopify_credentials
    response = httpx.post(
        f"{env.shopify_url}{credentials['graphql_path']}",
        json={"query": ORDER_CREATE, "variables": {"order": order}},
        headers={"X-Shopify-Access-Token": credentials["access_token"]},
        timeout=30,
    )
    created = response.json()["data"]["orderCreate"]
    assert not created["userErrors"], created
    return str(created["order"]["id"]).rsplit("/", 1)[-1]


def run_payout(env: DemoEnvironment, day: date, **options: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{env.shopify_url}/_sandbox/shopify/payouts", json={"date": day.isoformat(), **options}, timeout=30
    )
    response.raise_for_status()
    return dict(response.json())


def deposits(env: DemoEnvironment) -> list[dict[str, Any]]:
    rows = env.hub.erp.client.suiteql_rows("SELECT id FROM transaction WHERE type = 'Deposit'")  # type: ignore[attr-defined]
    return [env.hub.erp.client.get("deposit", str(row["id"])) for row in rows]  # type: ignore[attr-defined]


def fee(amount: Decimal) -> Decimal:
    return (amount * FEE_RATE + FEE_FIXED).quantize(Decimal("0.01"))


def test_payouts_become_one_deposit_each_once_paid_and_tie_out(env: DemoEnvironment) -> None:
    first = place_paid_order(env, "120.00")
    place_paid_order(env, "45.50")
    env.refund_in_store(first, "CUSTOM-1", 1, restock=False)
    day = env.hub.shop.get_order(first).placed_at.astimezone(UTC).date()
    refunded = env.hub.shop.get_order(first).refunds[0].total.amount

    made = run_payout(env, day, adjustments=[{"amount": "2.50"}])  # a dispute won back, say
    fees = fee(Decimal("120.00")) + fee(Decimal("45.50"))
    net = Decimal("165.50") - fees - refunded + Decimal("2.50")
    assert Decimal(made["net"]) == net and made["transaction_type"] == "DEPOSIT"

    (booked,) = env.run_poll(payouts.POLLER, "1")
    assert booked.status == "completed", booked
    assert booked.value["status"] == "deposited" and Decimal(booked.value["net"]) == net
    (deposit,) = deposits(env)
    assert Decimal(str(deposit["total"])) == net
    other = [(line["memo"], Decimal(str(line["amount"]))) for line in deposit["other"]["items"]]
    cash_back = sorted((line["memo"], Decimal(str(line["amount"]))) for line in deposit["cashBack"]["items"])
    assert other == [("charges", Decimal("165.50")), ("adjustmentsGross", Decimal("2.50"))]
    assert cash_back == sorted([("fees", fees), ("refundsFeeGross", refunded)])
    bank = env.hub.erp.client.get("account", "eid:operating-bank")  # type: ignore[attr-defined]
    assert deposit["account"]["id"] == bank["id"]

    # Polled again, or replayed under another version: still one deposit.
    assert env.run_poll(payouts.POLLER, "2") == []
    payout = env.hub.shop.payouts_changed_since(None).records[0]  # type: ignore[attr-defined]
    again = env.engine.enqueue(payouts.FLOW, payout.business_key, payout.to_json_dict(), version="replayed")
    assert again.result(60).value["deposit_id"] == booked.value["deposit_id"]
    assert len(deposits(env)) == 1

    # The next payout is on its way to the bank: not booked, not a difference; booked once paid.
    place_paid_order(env, "30.00")
    in_transit = run_payout(env, day, status="IN_TRANSIT")
    (waiting,) = env.run_poll(payouts.POLLER, "3")
    assert waiting.value["status"] == "not_paid" and waiting.value["payout_status"] == "in_transit"
    report = tieout.run_tieout(env.hub, day)
    payout_counts = report["counts"]["payout"]
    assert (payout_counts["store"], payout_counts["erp"], payout_counts["not_paid"]) == (1, 1, 1)
    assert payout_counts["erp_total"] == {"USD": str(net)} and report["not_compared"] == []
    assert [row for row in report["rows"] if row["record_type"] == "payout"] == []

    paid = httpx.put(
        f"{env.shopify_url}/_sandbox/shopify/payouts/{in_transit['id']}", json={"status": "PAID"}, timeout=30
    )
    paid.raise_for_status()
    (booked_later,) = env.run_poll(payouts.POLLER, "4")
    assert booked_later.value["status"] == "deposited" and len(deposits(env)) == 2
    assert tieout.run_tieout(env.hub, day)["counts"]["payout"]["differences"] == 0


def test_an_unbalanced_payout_and_an_unmapped_tax_are_parked_with_their_reason(env: DemoEnvironment) -> None:
    first = place_paid_order(env, "80.00")
    day = env.hub.shop.get_order(first).placed_at.astimezone(UTC).date()
    unbalanced = run_payout(env, day, net_override="1.00")  # Shopify's net disagrees with its summary
    assert env.run_poll(payouts.POLLER, "1") == []  # parked by the poll: it cannot become a payout
    (exception,) = env.hub.store.exceptions(flow=payouts.FLOW)
    assert exception.business_key == f"shopify:{unbalanced['id']}" and exception.error_class == "data"
    assert "net" in exception.message and "does not equal" in exception.message, exception.message
    assert deposits(env) == []

    taxed = place_paid_order(env, "50.00", sku="SKU-1001", tax=("Mystery tax", "0.05"))
    results = env.run_poll(orders.POLLER, "1")  # the first order waits for its SKU; the taxed one is parked
    assert sorted(r.status for r in results) == ["held", "parked"], results
    (parked,) = [r for r in results if r.status == "parked"]
    assert parked.reason is not None and "'Mystery tax' at rate 0.05" in parked.reason
    (order_exception,) = env.hub.store.exceptions(flow=orders.FLOW)
    assert order_exception.business_key == f"shopify:{taxed}"
    assert order_exception.suggested_fix is not None and "tax_codes" in order_exception.suggested_fix
