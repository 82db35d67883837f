"""Webhook deliveries are accepted only with a valid HMAC of the raw body, under the current or previous
secret, and their headers become a delivery whose dedupe key is the webhook id."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from erpsync.connectors.shopify.webhooks import (
    WebhookRejected,
    parse_headers,
    signature_matches,
    verify_webhook,
)
from erpsync.errors import ConfigError

BODY = json.dumps({"id": 820982911946154508, "email": "jon@example.com"}).encode()
CURRENT, PREVIOUS = "current-secret", "previous-secret"


def signed_headers(body: bytes, secret: str) -> dict[str, str]:
    # Computed independently of the module under test, as Shopify documents it: base64(HMAC-SHA256(body)).
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "X-Shopify-Hmac-Sha256": digest,
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": "acme.myshopify.com",
        "X-Shopify-API-Version": "2026-04",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
        "X-Shopify-Triggered-At": "2026-04-02T18:03:52.018357Z",
    }


def test_delivery_signed_with_current_secret_is_accepted() -> None:
    delivery = verify_webhook(BODY, signed_headers(BODY, CURRENT), [CURRENT, PREVIOUS])
    assert delivery.topic == "orders/create"
    assert delivery.shop_domain == "acme.myshopify.com"
    assert delivery.event_id == "98880550-7158-44d4-b7cd-2c97c8a091b5"
    assert delivery.api_version == "2026-04"
    assert delivery.triggered_at is not None and delivery.triggered_at.utcoffset() is not None
    assert delivery.dedupe_key == "acme.myshopify.com:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"


def test_delivery_signed_with_previous_secret_is_accepted_during_rotation() -> None:
    assert verify_webhook(BODY, signed_headers(BODY, PREVIOUS), [CURRENT, PREVIOUS]).topic == "orders/create"


def test_delivery_signed_with_a_retired_secret_is_rejected() -> None:
    with pytest.raises(WebhookRejected):
        verify_webhook(BODY, signed_headers(BODY, PREVIOUS), [CURRENT])


def test_tampered_body_is_rejected() -> None:
    headers = signed_headers(BODY, CURRENT)
    with pytest.raises(WebhookRejected, match="Hmac"):
        verify_webhook(BODY.replace(b"jon", b"eve"), headers, [CURRENT])


def test_reserialised_body_is_rejected_because_only_raw_bytes_verify() -> None:
    headers = signed_headers(BODY, CURRENT)
    reserialised = json.dumps(json.loads(BODY), indent=2).encode()
    assert not signature_matches(reserialised, headers["X-Shopify-Hmac-Sha256"], [CURRENT])


def test_missing_signature_is_rejected() -> None:
    headers = signed_headers(BODY, CURRENT)
    del headers["X-Shopify-Hmac-Sha256"]
    with pytest.raises(WebhookRejected):
        verify_webhook(BODY, headers, [CURRENT])


def test_no_configured_secret_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        verify_webhook(BODY, signed_headers(BODY, CURRENT), [])


def test_header_names_are_case_insensitive() -> None:
    headers = {k.lower(): v for k, v in signed_headers(BODY, CURRENT).items()}
    assert verify_webhook(BODY, headers, [CURRENT]).webhook_id == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"


def test_delivery_without_webhook_id_is_rejected() -> None:
    headers = signed_headers(BODY, CURRENT)
    del headers["X-Shopify-Webhook-Id"]
    with pytest.raises(WebhookRejected, match="X-Shopify-Webhook-Id"):
        parse_headers(headers)


def test_retried_delivery_shares_the_dedupe_key_while_other_topics_of_one_event_do_not() -> None:
    first = parse_headers(signed_headers(BODY, CURRENT))
    retry = parse_headers(signed_headers(BODY, CURRENT))
    other_topic = parse_headers(
        {**signed_headers(BODY, CURRENT), "X-Shopify-Topic": "orders/paid", "X-Shopify-Webhook-Id": "other"}
    )
    assert first.dedupe_key == retry.dedupe_key
    assert other_topic.event_id == first.event_id and other_topic.dedupe_key != first.dedupe_key
