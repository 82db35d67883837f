"""Webhook intake: real signed deliveries from the Shopify sandbox become sales orders, once; forged,
oversized, mistyped and malformed deliveries are refused clearly, and a genuine delivery is never lost."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from erpsync.connectors.shopify.webhooks import signature
from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.sandboxes.common import serve_in_thread
from erpsync.web.webhooks import MAX_BODY_BYTES, shopify_webhook_router

SUBSCRIBE = """
mutation subscribe($topic: WebhookSubscriptionTopic!, $url: URL!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {callbackUrl: $url}) {
    webhookSubscription { id } userErrors { field message }
  }
}"""


Intake = tuple[DemoEnvironment, httpx.Client, str]


@pytest.fixture
def intake(sqlite_url: str) -> Iterator[Intake]:
    with demo_environment(sqlite_url) as env:
        secret = env.shopify_credentials["webhook_secret"]
        app = FastAPI()
        app.include_router(
            shopify_webhook_router(store=env.hub.store, engine=env.engine, secrets=lambda: [secret])
        )
        with (
            serve_in_thread(app) as erpsync_web,
            httpx.Client(base_url=erpsync_web.url, timeout=10) as client,
        ):
            yield env, client, secret


def _headers(
    body: bytes, secret: str, webhook_id: str = "d-1", topic: str = "orders/create"
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": signature(body, secret),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": "erpsync-dev.myshopify.com",
        "X-Shopify-Webhook-Id": webhook_id,
    }


def test_sandbox_deliveries_duplicated_become_one_sales_order(intake: Intake) -> None:
    env, client, _ = intake
    env.sync_catalog()
    env.shopify_sandbox.webhooks.configure({"duplicate_rate": 1.0})  # every delivery arrives twice
    created = env._graphql(
        SUBSCRIBE, {"topic": "ORDERS_CREATE", "url": f"{client.base_url}/webhooks/shopify"}
    )
    assert not created["webhookSubscriptionCreate"]["userErrors"]
    sku = sorted(env._variants_by_sku())[0]
    order_id = env.place_order([(sku, 1)], email="grace@example.com")
    assert env.shopify_sandbox.webhooks.wait_idle(30)

    deliveries = env.shopify_sandbox.webhooks.log()
    assert len(deliveries) == 2 and deliveries[0]["webhook_id"] == deliveries[1]["webhook_id"]
    assert [d["outcome"] for d in deliveries] == ["200", "200"]
    deadline = time.monotonic() + 60
    while env.hub.store.external_id("netsuite", "order", f"shopify:{order_id}") is None:
        assert time.monotonic() < deadline, "the webhook never produced a sales order"
        time.sleep(0.2)
    sales_orders = env.hub.erp.client.suiteql_rows("SELECT id FROM transaction WHERE type = 'SalesOrd'")
    assert len(list(sales_orders)) == 1


def test_forged_signature_is_refused_and_nothing_is_stored(intake: Intake) -> None:
    env, client, _ = intake
    body = json.dumps({"id": 42, "updated_at": "2026-12-04T10:00:00Z"}).encode()
    refused = client.post("/webhooks/shopify", content=body, headers=_headers(body, "not-the-secret"))
    assert refused.status_code == 401
    assert "X-Shopify-Hmac-Sha256" in refused.json()["error"]
    assert env.hub.store.timeline("shopify:42") == []
    missing = client.post("/webhooks/shopify", content=body, headers={"Content-Type": "application/json"})
    assert missing.status_code == 401


def test_oversized_wrong_type_and_malformed_bodies_get_clear_answers(intake: Intake) -> None:
    env, client, secret = intake
    huge = b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}"
    assert client.post("/webhooks/shopify", content=huge, headers=_headers(huge, secret)).status_code == 413
    form = b"id=1"
    headers = {**_headers(form, secret), "Content-Type": "application/x-www-form-urlencoded"}
    assert client.post("/webhooks/shopify", content=form, headers=headers).status_code == 415

    not_an_object = b"[1, 2, 3]"
    answer = client.post(
        "/webhooks/shopify", content=not_an_object, headers=_headers(not_an_object, secret, "d-9")
    )
    assert answer.status_code == 400
    kept = env.hub.store.payload(answer.json()["payload_id"])
    assert kept.body == not_an_object, "a signed delivery is archived even when it cannot be used"


def test_an_order_edit_is_routed_to_its_order_and_a_refund_without_its_order_is_refused(
    intake: Intake,
) -> None:
    env, client, secret = intake
    env.sync_catalog()
    order_id = env.place_order([(sorted(env._variants_by_sku())[0], 1)], email="edit@example.com")
    # orders/edited carries no top-level id: the order is order_edit.order_id (webhook schema, API 2026-04).
    edited = {
        "order_edit": {
            "id": 7001,
            "app_id": None,
            "created_at": "2026-12-04T10:00:00Z",
            "committed_at": "2026-12-04T10:01:00Z",
            "notify_customer": False,
            "order_id": int(order_id),
            "staff_note": "",
            "user_id": None,
            "line_items": {"additions": [], "removals": [{"id": 1, "delta": 1}]},
            "discounts": {"line_item": {"additions": [], "removals": []}},
            "shipping_lines": {"additions": [], "removals": []},
        }
    }
    body = json.dumps(edited).encode()
    answer = client.post(
        "/webhooks/shopify", content=body, headers=_headers(body, secret, "e-1", "orders/edited")
    )

    assert answer.status_code == 200 and answer.json()["status"] == "queued", answer.text
    assert env.engine.handle(answer.json()["workflow_id"]).result(60).status == "completed"
    assert env.hub.store.external_id("netsuite", "order", f"shopify:{order_id}") is not None

    refund = json.dumps({"id": 99, "note": "no order named"}).encode()
    refused = client.post(
        "/webhooks/shopify", content=refund, headers=_headers(refund, secret, "e-2", "refunds/create")
    )
    assert refused.status_code == 400 and refused.json()["status"] == "malformed", refused.text
