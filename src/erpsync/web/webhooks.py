"""Webhook intake: verify, archive, dedupe, enqueue, answer — within the platform's timeout (Shopify: 5 s).

A webhook is a hint (DESIGN decision 3): the flow re-reads the record, so the intake only has to be sure
the delivery is genuine, keep the raw body, and queue the record once. What it refuses, it refuses with a
clear status and nothing stored beyond a security log line:

- 401: missing or wrong ``X-Shopify-Hmac-Sha256`` (checked in constant time against the current and the
  previous secret while a rotation settles);
- 413: a body over ``MAX_BODY_BYTES`` (read no further);
- 415: not JSON;
- 400: a signed body that is not a JSON object (archived first: a genuine delivery is never lost).

A replayed delivery (same ``X-Shopify-Webhook-Id``) is answered 200 and not queued again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from erpsync.connectors.shopify.webhooks import WebhookDelivery, WebhookRejected, verify_webhook
from erpsync.engine import Engine
from erpsync.flows import orders, refunds, returns
from erpsync.store import Store

MAX_BODY_BYTES = 2 * 1024 * 1024
DELIVERY_SYSTEM = "shopify-webhook"
ORDER_TOPICS = frozenset(
    {"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/edited"}
)
ORDER_EDITED_TOPIC = "orders/edited"
REFUND_TOPIC = "refunds/create"

security_log = logging.getLogger("erpsync.security")


class BodyTooLarge(Exception):
    pass


def shopify_webhook_router(
    *, store: Store, engine: Engine, secrets: Callable[[], Sequence[str]]
) -> APIRouter:
    """``POST /webhooks/shopify``; ``secrets`` returns the current client secret, then the previous one."""
    router = APIRouter(tags=["webhooks"])

    @router.post("/webhooks/shopify", summary="Shopify webhook deliveries (HMAC-verified)")
    async def receive_shopify_webhook(request: Request) -> JSONResponse:
        try:
            body = await _read_limited(request)
        except BodyTooLarge:
            return _refuse(413, f"body larger than {MAX_BODY_BYTES} bytes")
        if "json" not in request.headers.get("content-type", "").lower():
            return _refuse(415, "Shopify webhooks are JSON: Content-Type must be application/json")
        try:
            delivery = verify_webhook(body, request.headers, secrets())
        except WebhookRejected as rejected:
            security_log.warning(
                "refused webhook from %s: %s",
                request.client.host if request.client else "unknown",
                rejected.message,
            )
            return _refuse(401, rejected.message)
        outcome = await run_in_threadpool(_accept, store, engine, delivery, body, dict(request.headers))
        status = 400 if outcome["status"] == "malformed" else 200
        return JSONResponse(outcome, status_code=status)

    return router


async def _read_limited(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"status": "refused", "error": reason}, status_code=status)


def _accept(
    store: Store, engine: Engine, delivery: WebhookDelivery, body: bytes, headers: dict[str, str]
) -> dict[str, Any]:
    if store.business_key(DELIVERY_SYSTEM, "delivery", delivery.dedupe_key) is not None:
        return {"status": "duplicate", "webhook_id": delivery.webhook_id}
    payload_id = store.archive_payload(
        "shopify", f"webhook {delivery.topic}", body, headers=headers, correlation_id=delivery.webhook_id
    )
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    subject = _subject_id(delivery.topic, document)
    if subject is None:
        store.record_event(
            "webhook",
            delivery.dedupe_key,
            "failed",
            system="shopify",
            error_class="data",
            message=f"{delivery.topic} delivery does not name its record's id (payload {payload_id})",
            payload_id=payload_id,
        )
        return {
            "status": "malformed",
            "error": "body is not a JSON object naming its record's id",
            "payload_id": payload_id,
        }
    queued = _route(engine, delivery, document, subject)
    store.link(DELIVERY_SYSTEM, "delivery", delivery.dedupe_key, delivery.dedupe_key)
    return {"status": "queued" if queued else "archived", "workflow_id": queued, "payload_id": payload_id}


def _subject_id(topic: str, document: Any) -> str | None:
    """The id of the record a delivery is about: ``id`` at the top, except ``orders/edited``, whose body is
    ``{"order_edit": {"order_id": …}}`` (webhook schema orders/edited, API 2026-04)."""
    if not isinstance(document, dict):
        return None
    if topic == ORDER_EDITED_TOPIC:
        edit = document.get("order_edit")
        subject = edit.get("order_id") if isinstance(edit, dict) else None
    elif topic == REFUND_TOPIC and document.get("order_id") is None:
        subject = None  # a refund is booked against its order: without the order it cannot be routed
    else:
        subject = document.get("id")
    return None if subject is None or isinstance(subject, (dict, list)) else str(subject)


def _route(engine: Engine, delivery: WebhookDelivery, document: dict[str, Any], subject: str) -> str | None:
    """Queue the flow the topic feeds; topics no flow consumes are archived only."""
    if delivery.topic in ORDER_TOPICS:
        order_id = subject
        # One run per merchant action: the flow re-reads the order, so it sees this change and any later one.
        version = f"event-{delivery.event_id or delivery.webhook_id}"
        handle = engine.enqueue(
            orders.FLOW, f"shopify:{order_id}", orders.order_reference(order_id), version=version
        )
        return handle.workflow_id
    if delivery.topic == REFUND_TOPIC:
        # A refund does not change once made, so its id alone dedupes repeated deliveries; the refund poll's
        # run of the same refund lands on the same credit memo (the ERP write is keyed by the refund).
        refund_id, order_id = subject, str(document.get("order_id"))
        reference = refunds.refund_reference(order_id, refund_id)
        return engine.enqueue(refunds.FLOW, f"shopify:{refund_id}", reference).workflow_id
    if delivery.topic in returns.WEBHOOK_TOPICS:
        # A return changes (requested, then approved): one run per merchant action, which re-reads the return.
        return_id, version = subject, f"event-{delivery.event_id or delivery.webhook_id}"
        reference = returns.return_reference(return_id)
        return engine.enqueue(returns.FLOW, f"shopify:{return_id}", reference, version=version).workflow_id
    return None
