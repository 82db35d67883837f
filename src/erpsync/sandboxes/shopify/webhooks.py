"""Webhook delivery as Shopify does it: signed REST-shaped bodies, at least once, retried, maybe late.

Each delivery is a POST of the JSON body with (https://shopify.dev/docs/apps/build/webhooks/delivery-structure):

    X-Shopify-Topic: orders/create
    X-Shopify-Hmac-Sha256: base64(HMAC-SHA256(client secret, raw body))
    X-Shopify-Shop-Domain, X-Shopify-API-Version, X-Shopify-Webhook-Id (one per webhook),
    X-Shopify-Event-Id (one per merchant action), X-Shopify-Triggered-At

A 2xx answered within 5 s is a success; anything else is retried, 8 attempts over about 4 hours with
exponential backoff (https://shopify.dev/changelog/updates-to-webhook-retry-mechanism). ``time_scale``
compresses the schedule for tests (0.001 turns 4 hours into 14 s). Optional faults: ``duplicate_rate``
delivers a webhook twice (same webhook id), ``reorder_window_seconds`` delays each first attempt by a random
amount so later events can arrive first. Deliveries run on one background thread with httpx.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from erpsync.sandboxes.common import SandboxClock
from erpsync.sandboxes.shopify.store import Record, ShopStore, iso

MAX_ATTEMPTS = 8
# seven waits doubling from ~113 s add up to 4 hours: 113, 227, 454, 907, 1814, 3629, 7257 s
RETRY_DELAYS = tuple(round(14400 / 127 * 2**n, 1) for n in range(MAX_ATTEMPTS - 1))
TIMEOUT_SECONDS = 5.0
LOG_SIZE = 2000


# resources of the topics the sandbox emits; the rest of an enum name is the event (PARTIALLY_FULFILLED)
RESOURCES = (
    "bulk_operations",
    "inventory_levels",
    "inventory_items",
    "fulfillments",
    "customers",
    "companies",
    "discounts",
    "products",
    "refunds",
    "orders",
    "app",
)


def topic_of(enum_name: str) -> str:
    """GraphQL ``ORDERS_PARTIALLY_FULFILLED`` -> REST ``orders/partially_fulfilled``."""
    name = enum_name.lower()
    for resource in RESOURCES:
        if name.startswith(resource + "_"):
            return f"{resource}/{name[len(resource) + 1 :]}"
    resource, _, event = name.rpartition("_")
    return f"{resource}/{event}"


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass(order=True)
class Delivery:
    due: float
    sequence: int
    url: str = field(compare=False)
    body: bytes = field(compare=False)
    headers: dict[str, str] = field(compare=False)
    attempts: int = field(default=0, compare=False)


@dataclass
class DeliverySettings:
    time_scale: float = 1.0
    timeout_seconds: float = TIMEOUT_SECONDS
    duplicate_rate: float = 0.0
    reorder_window_seconds: float = 0.0
    seed: int | None = None


class WebhookDispatcher:
    """Queues deliveries for subscriptions and sends them from a background thread."""

    def __init__(self, secret: Callable[[], str], clock: SandboxClock) -> None:
        self._secret = secret
        self._clock = clock
        self.settings = DeliverySettings()
        self._random = random.Random()
        self._queue: list[Delivery] = []
        self._sequence = itertools.count()
        self._wake = threading.Condition()
        self._log: deque[Record] = deque(maxlen=LOG_SIZE)
        # Totals since start, beyond the log's last LOG_SIZE entries (a 10,000-order chaos run makes ~25,000)
        self._attempts = 0
        self._webhook_ids: set[str] = set()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.pending = 0

    # ------------------------------------------------------------------ configuration
    def configure(self, change: dict[str, Any]) -> None:
        for key, value in change.items():
            if not hasattr(self.settings, key):
                raise KeyError(f"unknown webhook setting {key!r}; known: {sorted(vars(self.settings))}")
            if key == "seed":
                self.settings.seed = None if value is None else int(value)
            else:
                setattr(self.settings, key, float(value))
        if not 0.0 <= self.settings.duplicate_rate <= 1.0:
            raise ValueError("duplicate_rate must be between 0 and 1")
        if self.settings.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._random = random.Random(self.settings.seed)

    def describe(self) -> dict[str, Any]:
        return {
            **vars(self.settings),
            "retry_delays_seconds": list(RETRY_DELAYS),
            "max_attempts": MAX_ATTEMPTS,
        }

    def log(self) -> list[Record]:
        with self._wake:
            return list(self._log)

    def totals(self) -> dict[str, int]:
        """Delivery attempts since start (retries and duplicate deliveries included) and the webhooks they
        carried (distinct webhook ids): unlike ``log()``, not limited to the last LOG_SIZE attempts."""
        with self._wake:
            return {"attempts": self._attempts, "webhooks": len(self._webhook_ids)}

    # ------------------------------------------------------------------ emitting
    def emit(self, store: ShopStore, topic: str, payload: Record, event_id: str | None = None) -> None:
        """Queue ``payload`` for every subscription to ``topic``; ``event_id`` names the merchant action
        (one request), shared by all the topics it triggers."""
        subscriptions = [s for s in store.rows("webhook_subscriptions") if topic_of(s["topic"]) == topic]
        if not subscriptions:
            return
        event_id = event_id or str(uuid.uuid4())
        triggered_at = iso(self._clock.now())
        for subscription in subscriptions:
            body = _trim(payload, subscription.get("include_fields") or [])
            raw = json.dumps(body, separators=(",", ":")).encode()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "Shopify-Captain-Hook",
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-Sha256": sign(self._secret(), raw),
                "X-Shopify-Shop-Domain": store.domain,
                "X-Shopify-API-Version": subscription["api_version"],
                "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                "X-Shopify-Event-Id": event_id,
                "X-Shopify-Triggered-At": triggered_at,
            }
            copies = 2 if self._random.random() < self.settings.duplicate_rate else 1
            for _ in range(copies):
                delay = self._random.uniform(0, self.settings.reorder_window_seconds)
                self._enqueue(
                    Delivery(
                        time.monotonic() + delay,
                        next(self._sequence),
                        subscription["uri"],
                        raw,
                        dict(headers),
                    )
                )

    def _enqueue(self, delivery: Delivery) -> None:
        with self._wake:
            heapq.heappush(self._queue, delivery)
            self.pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="shopify-webhooks", daemon=True)
                self._thread.start()
            self._wake.notify()

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is queued or in flight (tests and the scenario driver)."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self.pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._wake.wait(remaining)
        return True

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._queue.clear()
            self.pending = 0
            self._wake.notify_all()

    # ------------------------------------------------------------------ delivering
    def _run(self) -> None:
        with httpx.Client() as client:
            while True:
                delivery = self._next_due()
                if delivery is None:
                    return
                self._attempt(client, delivery)

    def _next_due(self) -> Delivery | None:
        with self._wake:
            while True:
                if self._stopping:
                    return None
                if self._queue and self._queue[0].due <= time.monotonic():
                    return heapq.heappop(self._queue)
                timeout = max(0.0, self._queue[0].due - time.monotonic()) if self._queue else 1.0
                self._wake.wait(timeout)

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        delivery.attempts += 1
        outcome: str
        try:
            response = client.post(
                delivery.url,
                content=delivery.body,
                headers=delivery.headers,
                timeout=self.settings.timeout_seconds,
            )
            ok = 200 <= response.status_code < 300
            outcome = str(response.status_code)
        except httpx.HTTPError as exc:
            ok, outcome = False, type(exc).__name__
        entry = {
            "webhook_id": delivery.headers["X-Shopify-Webhook-Id"],
            "topic": delivery.headers["X-Shopify-Topic"],
            "url": delivery.url,
            "attempt": delivery.attempts,
            "outcome": outcome,
            "delivered": ok,
            "at": iso(self._clock.now()),
        }
        with self._wake:
            self._log.append(entry)
            self._attempts += 1
            self._webhook_ids.add(delivery.headers["X-Shopify-Webhook-Id"])
            if not ok and delivery.attempts < MAX_ATTEMPTS:
                wait = RETRY_DELAYS[delivery.attempts - 1] * self.settings.time_scale
                delivery.due = time.monotonic() + wait
                heapq.heappush(self._queue, delivery)
            else:
                self.pending -= 1
            self._wake.notify_all()


def _trim(payload: Record, include_fields: list[str]) -> Record:
    """A subscription's ``includeFields`` keeps only those top-level fields."""
    if not include_fields:
        return payload
    return {key: value for key, value in payload.items() if key in include_fields}
