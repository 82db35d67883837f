"""The store's shipping-confirmation e-mail, as Shopify sends it when a fulfillment is created with
``notifyCustomer: true`` ("If true, then a notification is sent when the fulfillment is created. The default
value is false." — https://shopify.dev/docs/api/admin-graphql/2025-04/input-objects/FulfillmentInput).

Real Shopify sends the mail itself, from the store's sender address, with its "Shipping confirmation"
template (order name, shipped items, carrier, tracking number and link). The sandbox sends it over SMTP to
the host and port it is configured with (``PUT /_sandbox/shopify/settings {"notifications": {"smtp_host":
"127.0.0.1", "smtp_port": 2525}}``), e.g. the email sink. Every attempt is kept in ``deliveries`` (in the
sandbox state): ``sent``, or ``not_sent`` with the reason (no SMTP configured, no customer e-mail, the SMTP
server refused or was down). A failed mail never fails the mutation: Shopify's mail goes out after the
fulfillment exists, and the API caller never hears of it.
"""

from __future__ import annotations

import smtplib
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.store import Record

SMTP_TIMEOUT_SECONDS = 5.0


@dataclass
class ShopNotifications:
    """Where the sandbox's store mails go, and what happened to each."""

    smtp_host: str | None = None
    smtp_port: int | None = None
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def configure(self, change: dict[str, Any]) -> dict[str, Any]:
        """``{"smtp_host": "127.0.0.1", "smtp_port": 2525}``; ``{"smtp_host": null}`` stops sending."""
        unknown = sorted(set(change) - {"smtp_host", "smtp_port"})
        if unknown:
            raise ValueError(f"unknown notifications setting(s): {', '.join(unknown)}")
        if "smtp_host" in change:
            self.smtp_host = str(change["smtp_host"]) if change["smtp_host"] else None
        if "smtp_port" in change:
            self.smtp_port = int(change["smtp_port"]) if change["smtp_port"] else None
        return self.describe()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            deliveries = [dict(delivery) for delivery in self.deliveries]
        return {"smtp_host": self.smtp_host, "smtp_port": self.smtp_port, "deliveries": deliveries}

    def record(self, delivery: dict[str, Any]) -> None:
        with self._lock:
            self.deliveries.append(delivery)


def shipping_confirmation(ctx: ResolveContext, order: Record, fulfillment: Record) -> None:
    """Send the shipping confirmation of ``fulfillment`` to the order's customer (hook of ``ship``)."""
    notifications = ctx.extra.get("notifications")
    if not isinstance(notifications, ShopNotifications):
        return  # a resolver run outside a served sandbox (bulk operations, unit tests of the store)
    delivery: dict[str, Any] = {
        "template": "shipping_confirmation",
        "order_id": order["id"],
        "order_name": order["name"],
        "fulfillment_id": fulfillment["id"],
        "to": order.get("email"),
        "at": ctx.store.clock.now().isoformat(),
    }
    if not order.get("email"):
        notifications.record({**delivery, "status": "not_sent", "reason": "the order has no e-mail"})
        return
    if not notifications.smtp_host or not notifications.smtp_port:
        notifications.record({**delivery, "status": "not_sent", "reason": "no SMTP server configured"})
        return
    message = _message(ctx, order, fulfillment)
    try:
        with smtplib.SMTP(
            notifications.smtp_host, notifications.smtp_port, timeout=SMTP_TIMEOUT_SECONDS
        ) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        notifications.record({**delivery, "status": "not_sent", "reason": f"SMTP: {error}"})
        return
    notifications.record({**delivery, "status": "sent", "message_id": message["Message-ID"]})


def _message(ctx: ResolveContext, order: Record, fulfillment: Record) -> EmailMessage:
    store = ctx.store
    shipped = {line["id"]: line for line in order["line_items"]}
    items = [
        f"  {shipped[item['line_item_id']]['name']} × {item['quantity']}"
        for item in fulfillment["line_items"]
        if item["line_item_id"] in shipped
    ]
    carrier = fulfillment.get("tracking_company") or "the carrier"
    tracking = [
        f"  {carrier} tracking number: {number}" + (f"\n  {url}" if url else "")
        for number, url in zip(
            fulfillment["tracking_numbers"],
            fulfillment["tracking_urls"] + [None] * len(fulfillment["tracking_numbers"]),
            strict=False,
        )
    ]
    message = EmailMessage()
    message["From"] = f"{store.name} <store+{store.domain.split('.', 1)[0]}@shopifyemail.com>"
    message["To"] = order["email"]
    message["Subject"] = f"A shipment from order {order['name']} is on the way"
    message["Date"] = format_datetime(store.clock.now())
    message["Message-ID"] = make_msgid(f"fulfillment-{fulfillment['id']}", domain=store.domain)
    message["X-Shopify-Fulfillment-Id"] = str(fulfillment["id"])
    message.set_content(
        "\n".join(
            [
                f"Your order {order['name']} is on the way.",
                "",
                "Items in this shipment:",
                *items,
                "",
                *(tracking or ["  no tracking number"]),
                "",
                f"{store.name}",
            ]
        )
    )
    return message
