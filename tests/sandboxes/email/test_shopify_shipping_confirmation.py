"""The Shopify sandbox sends the store's shipping confirmation when a fulfillment is created with
``notifyCustomer: true`` (as real Shopify does), to the SMTP server it is configured with."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.sandboxes.shopify.conftest import Shop
from tests.sandboxes.shopify.flows import FULFILLMENT_CREATE, place_order, stocked_variant

from erpsync.sandboxes.common import serve_in_thread
from erpsync.sandboxes.email import EmailSink, running_sink
from erpsync.sandboxes.shopify import build_sandbox


@pytest.fixture
def shop() -> Iterator[Shop]:
    sandbox = build_sandbox(seed=7)
    with serve_in_thread(sandbox.app) as running, httpx.Client(base_url=running.url, timeout=10) as http:
        yield Shop(sandbox, http)
    sandbox.webhooks.stop()


@pytest.fixture
def sink() -> Iterator[EmailSink]:
    with running_sink() as running:
        yield running


def _ship(shop: Shop, *, notify: bool, email: str = "ada@example.com") -> dict[str, Any]:
    order = place_order(shop, stocked_variant(shop)["id"], email=email)
    fulfillment = {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": order["fulfillmentOrders"]["nodes"][0]["id"]}],
        "trackingInfo": {
            "company": "UPS",
            "number": "1Z999AA10123456784",
            "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        },
        "notifyCustomer": notify,
    }
    result = shop.data(FULFILLMENT_CREATE, {"fulfillment": fulfillment})["fulfillmentCreate"]
    assert result["userErrors"] == []
    return {"order": order, "fulfillment": result["fulfillment"]}


def _configure_smtp(shop: Shop, sink: EmailSink) -> None:
    change = {"notifications": {"smtp_host": sink.host, "smtp_port": sink.smtp_port}}
    assert shop.http.put("/_sandbox/shopify/settings", json=change).status_code == 200


def test_notify_customer_sends_the_shipping_confirmation(shop: Shop, sink: EmailSink) -> None:
    _configure_smtp(shop, sink)
    shipped = _ship(shop, notify=True)

    [mail] = sink.messages(to="ada@example.com")
    assert mail.subject == f"A shipment from order {shipped['order']['name']} is on the way"
    assert "UPS tracking number: 1Z999AA10123456784" in mail.text
    assert "https://www.ups.com/track?tracknum=1Z999AA10123456784" in mail.text
    assert mail.header("X-Shopify-Fulfillment-Id") == shipped["fulfillment"]["id"].rsplit("/", 1)[-1]
    [delivery] = shop.http.get("/_sandbox/state").json()["notifications"]["deliveries"]
    assert delivery["status"] == "sent" and delivery["to"] == "ada@example.com"


def test_without_notify_customer_nothing_is_sent(shop: Shop, sink: EmailSink) -> None:
    _configure_smtp(shop, sink)
    _ship(shop, notify=False)
    assert sink.messages() == []
    assert shop.sandbox.notifications.deliveries == []


def test_without_smtp_the_fulfillment_succeeds_and_the_mail_is_recorded_not_sent(shop: Shop) -> None:
    _ship(shop, notify=True)
    [delivery] = shop.sandbox.notifications.deliveries
    assert delivery["status"] == "not_sent" and delivery["reason"] == "no SMTP server configured"


def test_smtp_refusing_the_recipient_never_fails_the_fulfillment(shop: Shop, sink: EmailSink) -> None:
    _configure_smtp(shop, sink)
    sink.configure({"rejected_recipients": ["@bounce.test"]})
    shipped = _ship(shop, notify=True, email="gone@bounce.test")
    assert shipped["fulfillment"]["status"] == "SUCCESS"
    [delivery] = shop.sandbox.notifications.deliveries
    assert delivery["status"] == "not_sent" and "550" in delivery["reason"]
    assert sink.messages() == []
