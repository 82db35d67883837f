"""Finance end to end over HTTP: Shopify Payments payouts become NetSuite bank deposits once, fees and
adjustments on their own lines, the day ties out payout by payout, and a payout that does not balance is
parked with its reason."""

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
from erpsync.flows import invoicing, payouts, tieout
from erpsync.sandboxes.netsuite.banking import CONNECTION_SETTINGS

FEE_RATE, FEE_FIXED = Decimal("0.029"), Decimal("0.30")


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        erp = environment.hub.erp
        assert isinstance(erp, NetSuiteConnector)
        erp.settings = dataclasses.replace(erp.settings, **CONNECTION_SETTINGS)
        erp.tax_codes = TaxCodeTable.from_settings(erp.settings.tax_codes)
        erp.gateways = GatewayTable.from_settings(erp.settings.payment_gateways)
        yield environment


def run_payout(env: DemoEnvironment, day: date, **options: Any) -> dict[str, Any]:
    with httpx.Client(base_url=env.shopify_url, timeout=30) as client:
        response = client.post("/_sandbox/shopify/payouts", json={"date": day.isoformat(), **options})
        response.raise_for_status()
        return dict(response.json())


def erp_rows(env: DemoEnvironment, query: str) -> list[dict[str, Any]]:
    return list(env.hub.erp.client.suiteql_rows(query))  # type: ignore[attr-defined]


def deposit(env: DemoEnvironment, deposit_id: str) -> dict[str, Any]:
    return dict(env.hub.erp.client.get("deposit", deposit_id))  # type: ignore[attr-defined]


def fee(amount: Decimal) -> Decimal:
    return (amount * FEE_RATE + FEE_FIXED).quantize(Decimal("0.01"))


def test_a_days_payout_becomes_one_deposit_of_its_net_and_ties_out(env: DemoEnvironment) -> None:
    env.sync_catalog()
    skus = [sku for sku in env.erp_skus() if sku.startswith("SKU-")]  # stocked items, priced
    first = env.place_order([(skus[0], 2)], email="ada@example.com")
    second = env.place_order([(skus[1], 1)], email="grace@example.com")
    assert [r.status for r in env.sync_orders()] == ["completed", "completed"]
    env.refund_in_store(first, skus[0], 1)
    placed = [env.hub.shop.get_order(order_id) for order_id in (first, second)]
    day = placed[0].placed_at.astimezone(UTC).date()
    charges = [order.totals.total.amount for order in placed]
    refunded = placed[0].refunds[0].total.amount

    made = run_payout(env, day, adjustments=[{"amount": "2.50"}])  # a dispute won back, say
    fees = sum((fee(charge) for charge in charges), Decimal(0))
    net = sum(charges, Decimal(0)) - fees - refunded + Decimal("2.50")
    assert Decimal(made["net"]) == net and made["transaction_type"] == "DEPOSIT"

    (booked,) = env.run_poll(payouts.POLLER, "1")
    assert booked.status == "completed", booked
    assert booked.value["status"] == "deposited" and Decimal(booked.value["net"]) == net
    body = deposit(env, booked.value["deposit_id"])
    assert Decimal(str(body["total"])) == net
    other = [(line["memo"], Decimal(str(line["amount"]))) for line in body["other"]["items"]]
    cash_back = sorted((line["memo"], Decimal(str(line["amount"]))) for line in body["cashBack"]["items"])
    assert other == [("charges", sum(charges, Decimal(0))), ("adjustmentsGross", Decimal("2.50"))]
    assert cash_back == sorted([("fees", fees), ("refundsFeeGross", refunded)])

    # Polled again, or the flow replayed with another version: still one deposit.
    assert env.run_poll(payouts.POLLER, "2") == []
    payout = env.hub.shop.payouts_changed_since(None).records[0]  # type: ignore[attr-defined]
    again = env.engine.enqueue(
        payouts.FLOW, payout.business_key, payout.to_json_dict(), version="replayed"
    ).result(60)
    assert again.value["deposit_id"] == booked.value["deposit_id"]
    assert len(erp_rows(env, "SELECT id FROM transaction WHERE type = 'Deposit'")) == 1

    report = tieout.run_tieout(env.hub, day)
    assert report["counts"]["payout"]["store"] == 1 and report["counts"]["payout"]["erp"] == 1
    assert report["counts"]["payout"]["erp_total"] == {"USD": str(net)}
    assert [row for row in report["rows"] if row["record_type"] == "payout"] == []
    assert report["not_compared"] == []


def test_a_payout_is_booked_when_paid_and_one_that_does_not_balance_is_parked(env: DemoEnvironment) -> None:
    env.sync_catalog()
    skus = [sku for sku in env.erp_skus() if sku.startswith("SKU-")]  # stocked items, priced
    order_id = env.place_order([(skus[0], 1)], email="alan@example.com")
    day = env.hub.shop.get_order(order_id).placed_at.astimezone(UTC).date()

    in_transit = run_payout(env, day, status="IN_TRANSIT")
    (waiting,) = env.run_poll(payouts.POLLER, "1")
    assert waiting.value == {
        "status": "not_paid",
        "payout_id": str(in_transit["id"]),
        "payout_status": "in_transit",
    }
    report = tieout.tie_out(env.hub, day)
    assert report["counts"]["payout"]["not_paid"] == 1 and report["counts"]["payout"]["differences"] == 0

    with httpx.Client(base_url=env.shopify_url, timeout=30) as client:
        client.put(
            f"/_sandbox/shopify/payouts/{in_transit['id']}", json={"status": "PAID"}
        ).raise_for_status()
    (paid,) = env.run_poll(payouts.POLLER, "2")
    assert paid.value["status"] == "deposited", paid

    # A second order's payout whose net Shopify reports differently from its own summary.
    env.place_order([(skus[1], 1)], email="barbara@example.com")
    unbalanced = run_payout(env, day, net_override="1.00")
    assert env.run_poll(payouts.POLLER, "3") == []  # parked by the poll: it cannot become a payout
    (exception,) = env.hub.store.exceptions(flow=payouts.FLOW)
    assert exception.business_key == f"shopify:{unbalanced['id']}" and exception.error_class == "data"
    assert "net" in exception.message and "1.00" in exception.message, exception.message
    assert len(erp_rows(env, "SELECT id FROM transaction WHERE type = 'Deposit'")) == 1


def test_payments_are_booked_with_their_gateways_method_and_account(env: DemoEnvironment) -> None:
    env.sync_catalog()
    skus = [sku for sku in env.erp_skus() if sku.startswith("SKU-")]  # stocked items, priced
    env.place_order([(skus[0], 1)], email="edsger@example.com")
    env.sync_orders()
    env.ship_open_orders()
    env.sync_fulfillments()
    (invoiced,) = env.run_poll(invoicing.POLLER, "1")
    assert invoiced.status == "completed", invoiced
    (payment_id,) = invoiced.value["payment_ids"]
    payment = env.hub.erp.client.get("customerPayment", payment_id)  # type: ignore[attr-defined]
    assert payment["paymentMethod"] == "Shopify Payments"
    clearing = env.hub.erp.client.get("account", "eid:shopify-clearing")  # type: ignore[attr-defined]
    assert payment["account"]["id"] == clearing["id"] and payment["undepFunds"] is False
