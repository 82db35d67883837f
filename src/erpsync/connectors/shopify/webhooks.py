"""Shopify webhook deliveries: HMAC verification of the raw body and the delivery headers as a dataclass.

No web framework here: the web layer hands over the raw body bytes and the headers, persists the payload,
enqueues it and answers within Shopify's 5 s timeout. Shopify signs each delivery with
``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(app client secret, raw body))
(https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook). After a secret
rotation Shopify may sign with the old secret for up to an hour, so every configured secret is tried::

    delivery = verify_webhook(raw_body, request.headers, secrets=[current_secret, previous_secret])
    store.persist_raw(delivery.dedupe_key, delivery.topic, raw_body)   # then enqueue, then answer 200

Dedupe key: ``X-Shopify-Webhook-Id``. platform-apis.md §1 records a CONFLICT: an older Shopify page names
``X-Shopify-Event-Id`` as the key, the newer delivery-structure page ``X-Shopify-Webhook-Id`` (unique per
delivery; Event-Id is shared by all deliveries of one merchant action, to every topic). We dedupe deliveries
by webhook id (a retried delivery keeps its id) and, downstream, flows dedupe by business identity (store +
order id) and re-read the record, so a duplicate that slips past either key is still written once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from erpsync.errors import ConfigError, DataError

SYSTEM = "shopify"

HMAC_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
SHOP_HEADER = "X-Shopify-Shop-Domain"
API_VERSION_HEADER = "X-Shopify-API-Version"
WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"
EVENT_ID_HEADER = "X-Shopify-Event-Id"
TRIGGERED_AT_HEADER = "X-Shopify-Triggered-At"
SUBSCRIPTION_NAME_HEADER = "X-Shopify-Name"


class WebhookRejected(DataError):
    """The delivery is not from Shopify (bad or missing signature) or lacks a header; answer 401/400."""


@dataclass(frozen=True)
class WebhookDelivery:
    """One verified delivery's headers. ``topic`` as Shopify spells it ("orders/create")."""

    topic: str
    shop_domain: str
    webhook_id: str
    event_id: str | None
    triggered_at: datetime | None
    api_version: str | None
    subscription_name: str | None = None

    @property
    def dedupe_key(self) -> str:
        """The id a retried delivery keeps: duplicates of one delivery share it (see module docstring)."""
        return f"{self.shop_domain}:{self.webhook_id}"


def signature(raw_body: bytes, secret: str) -> str:
    """The ``X-Shopify-Hmac-Sha256`` value Shopify sends for ``raw_body`` signed with ``secret``."""
    digest = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(raw_body: bytes, hmac_header: str | None, secrets: Sequence[str]) -> bool:
    """True when ``hmac_header`` is the signature of ``raw_body`` under any of ``secrets``.

    Compared in constant time, and every secret is tried even after a match, so timing tells an attacker
    neither how much of a forged signature was right nor which secret is current.
    """
    if not hmac_header:
        return False
    given = hmac_header.strip().encode("ascii", errors="replace")
    matched = False
    for secret in secrets:
        if secret and hmac.compare_digest(signature(raw_body, secret).encode("ascii"), given):
            matched = True
    return matched


def parse_headers(headers: Mapping[str, str]) -> WebhookDelivery:
    """The delivery dataclass from Shopify's headers (names matched case-insensitively)."""
    lowered = {name.lower(): value for name, value in headers.items()}

    def header(name: str) -> str | None:
        value = lowered.get(name.lower())
        return value.strip() if isinstance(value, str) and value.strip() else None

    missing = [name for name in (TOPIC_HEADER, SHOP_HEADER, WEBHOOK_ID_HEADER) if header(name) is None]
    if missing:
        raise WebhookRejected(
            f"Shopify webhook delivery lacks header(s) {', '.join(missing)}",
            system=SYSTEM,
            suggested_fix="only Shopify's webhook deliveries may call this endpoint",
        )
    return WebhookDelivery(
        topic=header(TOPIC_HEADER) or "",
        shop_domain=header(SHOP_HEADER) or "",
        webhook_id=header(WEBHOOK_ID_HEADER) or "",
        event_id=header(EVENT_ID_HEADER),
        triggered_at=_parse_time(header(TRIGGERED_AT_HEADER)),
        api_version=header(API_VERSION_HEADER),
        subscription_name=header(SUBSCRIPTION_NAME_HEADER),
    )


def verify_webhook(raw_body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> WebhookDelivery:
    """Verify the signature of the raw body, then parse the headers; raise ``WebhookRejected`` otherwise.

    ``secrets``: the app's current client secret first, then the previous one while a rotation settles.
    """
    if not any(secrets):
        raise ConfigError(
            "no Shopify webhook secret is configured, so no delivery can be verified",
            system=SYSTEM,
            suggested_fix="set the Shopify app's client secret in the connector configuration",
        )
    lowered = {name.lower(): value for name, value in headers.items()}
    if not signature_matches(raw_body, lowered.get(HMAC_HEADER.lower()), secrets):
        raise WebhookRejected(
            "Shopify webhook delivery has a missing or wrong X-Shopify-Hmac-Sha256 signature",
            system=SYSTEM,
            suggested_fix="check that the configured secret is the app's current (or previous) client "
            "secret and that the raw body reaches the verifier unmodified",
        )
    return parse_headers(headers)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
