"""The ``refunds/create`` webhook, delivered (signed) by the Shopify sandbox, books one credit memo."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from tests.flows.test_refunds_e2e import credit_memos, wait_for_credit_memo

from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.flows import refunds
from erpsync.sandboxes.common import serve_in_thread
from erpsync.web.webhooks import REFUND_TOPIC, shopify_webhook_router

SUBSCRIBE = """
mutation subscribe($topic: WebhookSubscriptionTopic!, $url: URL!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {callbackUrl: $url}) {
    webhookSubscription { id } userErrors { field message }
  }
}"""


@pytest.fixture
def env_with_webhooks(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as env:
        secret = env.shopify_credentials["webhook_secret"]
        app = FastAPI()
        app.include_router(
            shopify_webhook_router(store=env.hub.store, engine=env.engine, secrets=lambda: [secret])
        )
        with serve_in_thread(app) as erpsync_web:
            created = env._graphql(
                SUBSCRIBE, {"topic": "REFUNDS_CREATE", "url": f"{erpsync_web.url}/webhooks/shopify"}
            )
            assert not created["webhookSubscriptionCreate"]["userErrors"]
            yield env


def test_refund_webhook_delivered_twice_books_one_credit_memo(env_with_webhooks: DemoEnvironment) -> None:
    env = env_with_webhooks
    env.sync_catalog()
    skus = env.erp_skus()
    order_id = env.place_order([(skus[0], 1), (skus[1], 1)], email="webhook.refund@example.com")
    env.sync_orders()
    env.shopify_sandbox.webhooks.configure({"duplicate_rate": 1.0})  # every delivery arrives twice
    refund_id = env.refund_in_store(order_id, skus[1], 1, restock=True)
    assert env.shopify_sandbox.webhooks.wait_idle(30)
    deliveries = [d for d in env.shopify_sandbox.webhooks.log() if d["topic"] == REFUND_TOPIC]
    assert [d["outcome"] for d in deliveries] == ["200", "200"], deliveries

    memo_id = wait_for_credit_memo(env, f"shopify:{refund_id}")
    time.sleep(0.5)  # room for a wrongly queued second run to write (there must be none)
    assert [memo["id"] for memo in credit_memos(env)] == [memo_id]
    # The poll, run afterwards, finds the same refund and lands on the same credit memo.
    for result in env.run_poll(refunds.POLLER, "after-webhook"):
        assert result.value["credit_memo_id"] == memo_id
    assert len(credit_memos(env)) == 1
