"""erpsync's own shipping confirmation, for stores that do not send one (``notifications:
shipping_confirmation: erpsync`` in erpsync.yaml).

The fulfillment flow sends it as a durable step once the store fulfillment exists. Once per fulfillment:
before sending, the store is asked whether this fulfillment's mail was sent (cross-reference ``email`` /
``shipping_confirmation`` keyed by the fulfillment's business key); after the server accepted it, the
message id is linked there and the order's timeline says so. A step replayed after that point (a crash
before the engine kept the step's result, an operator's retry) finds the record and does not send again.
The one window left is a crash between the server's "250 accepted" and the link: the replay sends a second
copy with the same ``Message-ID`` (at least once, never zero times), which mail clients show as one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from erpsync.model import Fulfillment, Order
from erpsync.notify.mailer import SYSTEM, SmtpMailer
from erpsync.store import Store

RECORD_TYPE = "shipping_confirmation"
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    autoescape=False,  # plain-text mail
)


@dataclass(frozen=True)
class ShippingNotifier:
    """Renders and sends the shipping-confirmation mail of one store fulfillment, once."""

    mailer: SmtpMailer
    sender: str
    store: Store
    shop_name: str = "our shop"

    def render(self, order: Order, fulfillment: Fulfillment, *, key: str) -> EmailMessage:
        """The mail for ``fulfillment`` (the store's: its lines are ``order``'s lines)."""
        by_line = {line.line_id: line for line in order.lines}
        lines = [
            {
                "title": by_line[line.line_id].title if line.line_id in by_line else (line.sku or "item"),
                "sku": line.sku,
                "quantity": line.quantity,
            }
            for line in fulfillment.lines
        ]
        shipped = sum(line.quantity for line in fulfillment.lines)
        number = order.number or order.origin.id
        address_name = order.shipping_address.name if order.shipping_address else None
        name = address_name.split()[0] if address_name else None
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = order.customer_email or ""
        message["Subject"] = f"Your order {number} is on the way"
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = message_id(key)
        message["X-Erpsync-Fulfillment"] = key
        message.set_content(
            TEMPLATES.get_template("shipping_confirmation.txt.j2").render(
                name=name,
                order_number=number,
                partial=shipped < sum(line.quantity for line in order.lines),
                lines=lines,
                tracking=[t.model_dump() for t in fulfillment.tracking],
                shop_name=self.shop_name,
            )
        )
        return message

    def send_shipping_confirmation(
        self, order: Order, fulfillment: Fulfillment, *, key: str, order_key: str
    ) -> dict[str, Any]:
        """Send the mail unless this fulfillment's was sent; ``key`` is the fulfillment's business key,
        ``order_key`` the order's (its timeline gets the event). Raises TransientError / DataError /
        ConfigError from the SMTP server's answer (``SmtpMailer.send``)."""
        sent = self.store.external_id(SYSTEM, RECORD_TYPE, key)
        if sent is not None:
            return {"status": "already_sent", "message_id": sent}
        if not order.customer_email:
            self.store.record_event(
                "order",
                order_key,
                "skipped",
                system=SYSTEM,
                message=f"no shipping confirmation for fulfillment {key}: the order has no e-mail",
            )
            return {"status": "not_sent", "reason": "the order has no e-mail address"}
        message = self.render(order, fulfillment, key=key)
        reply = self.mailer.send(message, record=f"shipping confirmation of fulfillment {key}")
        self.store.link(SYSTEM, RECORD_TYPE, str(message["Message-ID"]), key)
        self.store.record_event(
            "order",
            order_key,
            "acknowledged",
            system=SYSTEM,
            external_id=str(message["Message-ID"]),
            message=f"shipping confirmation for fulfillment {key} sent to {order.customer_email}",
            detail={"fulfillment": key, "to": order.customer_email, "reply": reply},
        )
        return {"status": "sent", "message_id": str(message["Message-ID"]), "to": order.customer_email}


def message_id(key: str) -> str:
    """The same ``Message-ID`` for every send of one fulfillment's mail (a duplicate looks like one)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"<shipping-confirmation.{digest}@erpsync>"
