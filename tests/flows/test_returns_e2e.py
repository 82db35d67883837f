"""Returns both ways and the refund on receipt, through the real flows and both sandboxes over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI

from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.engine import FlowResult
from erpsync.flows import refunds, returns
from erpsync.sandboxes.common import serve_in_thread
from erpsync.web.webhooks import shopify_webhook_router

RETURN_REQUEST = """
mutation returnRequest($input: ReturnRequestInput!) {
  returnRequest(input: $input) { return { id status } userErrors { field message code } }
}"""
RETURN_APPROVE = """
mutation returnApproveRequest($input: ReturnApproveRequestInput!) {
  returnApproveRequest(input: $input) { return { id status } userErrors { field message code } }
}"""
ORDER_RETURNS = """
query orderReturns($id: ID!) {
  order(id: $id) {
    fulfillments(first: 10) { fulfillmentLineItems(first: 20) { nodes { id lineItem { sku } } } }
    returns(first: 10) { nodes { id status returnLineItems(first: 10) { nodes {
      quantity returnReason returnReasonNote fulfillmentLineItem { lineItem { sku } } } } } }
  }
}"""


SUBSCRIBE = """
mutation subscribe($topic: WebhookSubscriptionTopic!, $url: URL!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {callbackUrl: $url}) {
    webhookSubscription { id } userErrors { field message }
  }
}"""


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoEnvironment]:
    """One environment for the module (the catalog sync is most of a test's time), with erpsync's webhook
    endpoint subscribed to the returns topics: each test uses its own order and picks its own records out
    of what a poll returns."""
    database = tmp_path_factory.mktemp("returns") / "erpsync.db"
    with demo_environment(f"sqlite:///{database}") as environment:
        secret = environment.shopify_credentials["webhook_secret"]
        app = FastAPI()
        router = shopify_webhook_router(
            store=environment.hub.store, engine=environment.engine, secrets=lambda: [secret]
        )
        app.include_router(router)
        with serve_in_thread(app) as erpsync_web:
            for topic in ("RETURNS_REQUEST", "RETURNS_APPROVE"):
                variables = {"topic": topic, "url": f"{erpsync_web.url}/webhooks/shopify"}
                created = environment._graphql(SUBSCRIBE, variables)["webhookSubscriptionCreate"]
                assert created["userErrors"] == [], created
            environment.sync_catalog()
            yield environment


def only(results: list[FlowResult], field: str, value: str) -> FlowResult:
    """The one run of a poll about the record whose result ``field`` is ``value``."""
    matching = [r for r in results if r.value and str(r.value.get(field)) == value]
    assert len(matching) == 1, results
    return matching[0]


ORDERS = {  # each test's order: SKU index in the ERP catalog and quantity
    "one": [(0, 2), (1, 1)],
    "two": [(2, 2)],
    "three": [(4, 1)],
}


@pytest.fixture(scope="module")
def shipped(env: DemoEnvironment) -> dict[str, str]:
    """Each test's order, placed in the store, in NetSuite, shipped there, its fulfillment back in the store
    (all three in one pass of the order and fulfillment polls)."""
    skus = env.erp_skus()
    orders = {
        name: env.place_order(
            [(skus[index], quantity) for index, quantity in lines], email=f"{name}@example.com"
        )
        for name, lines in ORDERS.items()
    }
    env.sync_orders("returns")
    env.ship_open_orders()
    env.sync_fulfillments("returns")
    return orders


def order_returns(env: DemoEnvironment, order_id: str) -> dict[str, Any]:
    return env._graphql(ORDER_RETURNS, {"id": f"gid://shopify/Order/{order_id}"})["order"]


def request_return(
    env: DemoEnvironment, order_id: str, sku: str, quantity: int, reason: str = "DEFECTIVE"
) -> dict[str, Any]:
    """The customer asks to send ``quantity`` x ``sku`` back (Shopify returnRequest): the payload."""
    fulfilled = order_returns(env, order_id)["fulfillments"]
    line_id = next(
        item["id"]
        for fulfillment in fulfilled
        for item in fulfillment["fulfillmentLineItems"]["nodes"]
        if item["lineItem"]["sku"] == sku
    )
    lines = [{"fulfillmentLineItemId": line_id, "quantity": quantity, "returnReason": reason}]
    variables = {"input": {"orderId": f"gid://shopify/Order/{order_id}", "returnLineItems": lines}}
    return dict(env._graphql(RETURN_REQUEST, variables)["returnRequest"])


def approve(env: DemoEnvironment, return_gid: str) -> None:
    approved = env._graphql(RETURN_APPROVE, {"input": {"id": return_gid}})["returnApproveRequest"]
    assert approved["userErrors"] == [] and approved["return"]["status"] == "OPEN", approved


def netsuite(env: DemoEnvironment) -> Any:
    return env.hub.erp.client  # type: ignore[attr-defined]


def transactions(env: DemoEnvironment, kind: str, created_from: str) -> list[dict[str, Any]]:
    query = (
        "SELECT id, externalid, status, createdfrom, foreigntotal FROM transaction "
        f"WHERE type = '{kind}' AND createdfrom = {int(created_from)}"
    )
    return list(netsuite(env).suiteql_rows(query))


def staff_rma(env: DemoEnvironment, order_id: str, sku: str, quantity: int) -> str:
    """Customer service enters a return authorization in NetSuite for the store order (no external id)."""
    sales_order_id = env.wait_for_sales_order(order_id)
    item_id = env.hub.erp.item_ids_for_skus([sku])[sku]  # type: ignore[attr-defined]
    body = {
        "orderStatus": {"id": "B"},
        "memo": "damaged in transit, per phone call",
        "item": {"items": [{"item": {"id": item_id}, "quantity": quantity}]},
    }
    return str(netsuite(env).transform("salesOrder", sales_order_id, "returnAuthorization", body))


def receive(env: DemoEnvironment, rma_id: str) -> str:
    """NetSuite's warehouse receives the goods at the first mapped ERP location: returns that location."""
    erp_location = next(iter(env.hub.location_map))
    # Goods arrive days later, never within the second the ERP poll last saw the RMA: NetSuite's change cursor
    # counts whole seconds (a same-second change is a known limit, docs/connectors/netsuite.md).
    time.sleep(1.1)
    body = {"item": {"items": [{"orderLine": "1", "location": {"externalId": erp_location}}]}}
    netsuite(env).transform("returnAuthorization", rma_id, "itemReceipt", body)
    return erp_location


def test_an_approved_store_return_becomes_one_rma_and_its_receipt_refunds_both_sides_once(
    env: DemoEnvironment, shipped: dict[str, str]
) -> None:
    skus, order_id = env.erp_skus(), shipped["one"]

    requested = request_return(env, order_id, skus[0], 1)
    assert requested["userErrors"] == [] and requested["return"]["status"] == "REQUESTED", requested
    return_id = requested["return"]["id"].rsplit("/", 1)[-1]
    sales_order_id = env.wait_for_sales_order(order_id)
    waiting = only(env.run_poll(returns.POLLER, "one-1"), "return_id", return_id)
    assert waiting.status == "completed" and waiting.value["status"] == "awaiting_approval", waiting
    assert transactions(env, "RtnAuth", sales_order_id) == []

    approve(env, requested["return"]["id"])
    twice = env._graphql(RETURN_APPROVE, {"input": {"id": requested["return"]["id"]}})["returnApproveRequest"]
    assert [error["code"] for error in twice["userErrors"]] == ["INVALID_STATE"], twice
    # The returns/approve webhook (signed, delivered by the sandbox) runs the flow: the RMA appears.
    deadline = time.monotonic() + 60
    while env.hub.store.external_id("netsuite", "return", f"shopify:{return_id}") is None:
        assert time.monotonic() < deadline, "the returns/approve webhook did not make the RMA"
        time.sleep(0.1)
    delivered = [d for d in env.shopify_sandbox.webhooks.log() if d["topic"].startswith("returns/")]
    assert {(d["topic"], d["outcome"]) for d in delivered} >= {("returns/approve", "200")}, delivered
    # The poll, later, finds the approved return too: the same RMA, not a second one.
    authorized = only(env.run_poll(returns.POLLER, "one-2"), "return_id", return_id)
    assert authorized.status == "completed" and authorized.value["status"] == "authorized", authorized
    assert authorized.value["rma_id"] == env.hub.store.external_id(
        "netsuite", "return", f"shopify:{return_id}"
    )
    [rma_row] = transactions(env, "RtnAuth", sales_order_id)
    rma_id = str(rma_row["id"])
    rma = netsuite(env).get("returnAuthorization", rma_id)
    assert rma["createdFrom"]["id"] == sales_order_id and rma["status"]["refName"] == "Pending Receipt"
    assert [(ln["item"]["refName"], ln["quantity"]) for ln in rma["item"]["items"]] == [(skus[0], 1)]
    assert "defective" in rma["memo"]

    # The ERP poll sees erpsync's own RMA: no return is echoed back to the store.
    echo = only(env.run_poll(returns.ERP_POLLER, "one-1"), "rma_id", rma_id)
    assert echo.value["status"] == "awaiting_receipt", echo
    assert len(order_returns(env, order_id)["returns"]["nodes"]) == 1

    erp_location = receive(env, rma_id)
    refunded = only(env.run_poll(returns.ERP_POLLER, "one-2"), "rma_id", rma_id)
    assert refunded.status == "completed" and refunded.value["status"] == "refunded", refunded
    [memo] = transactions(env, "CustCred", rma_id)
    assert memo["externalid"] and str(memo["id"]) == refunded.value["credit_memo_id"]
    assert netsuite(env).get("returnAuthorization", rma_id)["status"]["refName"] == "Refunded"
    [refund] = env.hub.shop.get_order(order_id).refunds
    [line] = refund.lines
    assert (line.sku, line.quantity, line.restock) == (skus[0], 1, True)
    assert line.restock_location_code == env.hub.location_map[erp_location]
    assert refund.total.amount == Decimal(str(memo["foreigntotal"])) > 0
    [closed] = order_returns(env, order_id)["returns"]["nodes"]
    assert closed["status"] == "CLOSED"  # goods back, money back: the store return is complete

    # Neither refund is booked again: the store poll sees erpsync's refund, the ERP poll skips its credit.
    from_erp = only(env.sync_refunds("one-after-return"), "refund_id", refund.origin.id)
    assert from_erp.value["status"] == "from_erp", from_erp
    assert [r for r in env.run_poll(refunds.ERP_POLLER, "one-1") if r.value["order_id"] == order_id] == []
    assert len(transactions(env, "CustCred", rma_id)) == 1
    assert len(env.hub.shop.get_order(order_id).refunds) == 1
    assert env.tie_out()["counts"]["refund"]["differences"] == 0
    assert env.hub.store.exceptions(status="open") == []


def test_an_rma_entered_in_the_erp_shows_in_the_store_without_echo_and_a_store_refund_is_not_repeated(
    env: DemoEnvironment, shipped: dict[str, str]
) -> None:
    skus, order_id = env.erp_skus(), shipped["two"]
    rma_id = staff_rma(env, order_id, skus[2], 1)

    shown = only(env.run_poll(returns.ERP_POLLER, "two-1"), "rma_id", rma_id)
    assert shown.status == "completed" and shown.value["status"] == "in_store", shown
    [store_return] = order_returns(env, order_id)["returns"]["nodes"]
    [line] = store_return["returnLineItems"]["nodes"]
    assert store_return["status"] == "OPEN" and line["quantity"] == 1
    assert line["returnReasonNote"].startswith(returns.FROM_ERP_NOTE)
    skipped = only(env.run_poll(returns.POLLER, "two-1"), "return_id", shown.value["store_return_id"])
    assert skipped.value["status"] == "from_erp", skipped
    assert len(transactions(env, "RtnAuth", env.wait_for_sales_order(order_id))) == 1

    # The store refunds the unit before it arrives; refund_to_erp books that refund as a credit memo.
    env.refund_in_store(order_id, skus[2], 1, restock=True)
    credited = only(env.sync_refunds("two-store-first"), "order_id", order_id)
    assert credited.value["status"] == "credited", credited
    receive(env, rma_id)
    received = only(env.run_poll(returns.ERP_POLLER, "two-2"), "rma_id", rma_id)
    assert received.value["status"] == "refunded_in_store_first", received
    assert transactions(env, "CustCred", rma_id) == []  # the store refund's credit memo is the only one
    assert len(env.hub.shop.get_order(order_id).refunds) == 1
    assert [r["status"] for r in order_returns(env, order_id)["returns"]["nodes"]] == ["CLOSED"]


def test_returns_of_lines_never_shipped_or_not_ordered_are_refused_or_parked(
    env: DemoEnvironment, shipped: dict[str, str]
) -> None:
    skus, order_id = env.erp_skus(), shipped["three"]

    # Shopify refuses a return of more units than were fulfilled, with its own userError.
    refused = request_return(env, order_id, skus[4], 2)
    assert refused["return"] is None
    [error] = refused["userErrors"]
    assert error["code"] == "LESS_THAN_OR_EQUAL_TO" and error["field"][-1] == "quantity", error
    # ... and one naming a fulfillment line item the order does not have.
    unknown_line = {
        "fulfillmentLineItemId": "gid://shopify/FulfillmentLineItem/1",
        "quantity": 1,
        "returnReason": "OTHER",
    }
    variables = {"input": {"orderId": f"gid://shopify/Order/{order_id}", "returnLineItems": [unknown_line]}}
    not_found = env._graphql(RETURN_REQUEST, variables)["returnRequest"]
    assert [(e["code"], e["field"][-1]) for e in not_found["userErrors"]] == [
        ("NOT_FOUND", "fulfillmentLineItemId")
    ], not_found

    # Customer service enters two RMAs in NetSuite: one for more units than the store shipped (Shopify's
    # refusal is parked), one for a SKU the store order does not have (parked before any store write).
    rma_ids = {staff_rma(env, order_id, skus[4], 3), staff_rma(env, order_id, skus[5], 1)}
    results = env.run_poll(returns.ERP_POLLER, "three-1")
    assert [result.status for result in results if result.status != "completed"] == ["parked", "parked"]
    exceptions = env.hub.store.exceptions(status="open")
    assert {exception.business_key for exception in exceptions} == {f"netsuite:{i}" for i in rma_ids}
    reasons = [exception.message for exception in exceptions]
    assert any("returnable quantity" in reason for reason in reasons), reasons
    assert any(f"SKU {skus[5]}" in reason and "does not have" in reason for reason in reasons), reasons
    assert order_returns(env, order_id)["returns"]["nodes"] == []
