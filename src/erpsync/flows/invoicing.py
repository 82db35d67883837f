"""Invoice and payment in the ERP, the end of order to cash: once every unit of a store order has shipped,
the ERP bills its sales order (one invoice per order) and books the store's captured payments against it.

Trigger: its own poll of the store's changed orders (``poll_store_orders_for_invoicing``, its own cursor).
A fulfillment pushed to the store by ``fulfillment_to_store`` changes the order, so the poll sees it; only
orders with nothing left to ship are handed to ``invoice_order``. Polling the store, not the ERP, means the
invoice follows what the customer was told has shipped, and this flow needs no hook in the fulfillment flow.

Ownership: the ERP owns invoices (it bills from its own sales order and fulfilled lines); the store owns the
payments (the ERP books what the gateway captured). Idempotency: the invoice's key is the store order's
business key (the ERP keeps it as the invoice's external id), a payment's is the store transaction's, so a
replayed or re-polled order lands on the same invoice and payment. An order not yet in the ERP waits on
``"order:<system>:<id>"`` (the connector raises ``MissingPrerequisite``) and is released when it arrives.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from erpsync.connectors.base import ChangeBatch
from erpsync.engine import Engine, FlowContext
from erpsync.flows.hub import Hub
from erpsync.flows.orders import order_reference
from erpsync.flows.polling import register_poller
from erpsync.model import Invoice, Order, Transaction

FLOW = "invoice_order"
POLLER = "poll_store_orders_for_invoicing"


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.erp.system, record_type="invoice")
    def invoice_order(ctx: FlowContext, reference: dict[str, Any]) -> dict[str, Any]:
        order: Order = ctx.step("read_order", hub.shop.get_order, str(reference["order_id"]))
        if not fully_shipped(order):
            return {"status": "not_fully_shipped", "order_id": order.origin.id}
        invoice: Invoice = ctx.step(
            "create_invoice", hub.erp.create_invoice, order, idempotency_key=invoice_key(order)
        )
        ctx.step("link_invoice", _link_invoice, hub, order, invoice)
        payment_ids = [
            ctx.step(
                f"record_payment:{payment.origin.id}",
                hub.erp.record_payment,
                payment,
                idempotency_key=payment.business_key,
            )
            for payment in payments_received(order)
        ]
        return {
            "status": "invoiced",
            "order_id": order.origin.id,
            "invoice": invoice.number,
            "invoice_id": invoice.origin.id,
            "invoice_total": str(invoice.total.amount),
            "payment_ids": payment_ids,
        }

    register_poller(
        engine,
        hub.store,
        name=POLLER,
        queue=hub.shop.system,
        read_changes=lambda cursor: shipped_orders(hub.shop.orders_changed_since(cursor)),
        target_flow=FLOW,
        payload=lambda order: order_reference(order.origin.id),
    )


def invoice_key(order: Order) -> str:
    """One invoice per store order, whichever run (re-poll, retry, operator replay) asks for it."""
    return f"invoice:{order.business_key}"


def shipped_orders(batch: ChangeBatch[Order]) -> ChangeBatch[Order]:
    """The page of changed orders, keeping only those ready to bill (the cursor moves past all of them)."""
    return ChangeBatch(
        records=[order for order in batch.records if fully_shipped(order)],
        cursor=batch.cursor,
        more=batch.more,
    )


def fully_shipped(order: Order) -> bool:
    """Every unit that ships has shipped: shipped units + units refunded (never to ship) cover each line.

    A cancelled order is not billed; lines that need no shipping (gift cards, services) do not wait.
    """
    if order.cancelled_at is not None:
        return False
    shipped: Counter[str] = Counter()
    for fulfillment in order.fulfillments:
        if fulfillment.counts_as_shipped:
            for line in fulfillment.lines:
                shipped[line.line_id] += line.quantity
    refunded: Counter[str] = Counter()
    for refund in order.refunds:
        for refund_line in refund.lines:
            refunded[refund_line.line_id] += refund_line.quantity
    shippable = [line for line in order.lines if line.requires_shipping]
    if not shippable or not any(shipped.values()):
        return False
    return all(shipped[line.line_id] + refunded[line.line_id] >= line.quantity for line in shippable)


def payments_received(order: Order) -> list[Transaction]:
    """The order's successful captures and sales, in the order's currency (what the ERP books)."""
    return [
        payment
        for payment in order.payments
        if payment.is_money_received and payment.amount.currency == order.currency
    ]


def _link_invoice(hub: Hub, order: Order, invoice: Invoice) -> None:
    hub.store.link(hub.erp.system, "invoice", invoice.origin.id, order.business_key)
    hub.store.record_event(
        "order",
        order.business_key,
        "acknowledged",
        system=hub.erp.system,
        external_id=invoice.origin.id,
        message=f"invoice {invoice.number} ({invoice.total}) bills store order "
        f"{order.number or order.origin.id}",
    )
