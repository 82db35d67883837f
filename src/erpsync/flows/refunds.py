"""Refunds store → ERP: a refund made in the store becomes one credit memo in the ERP (or a cash refund, as
the ERP connector is configured), with the refunded lines, shipping, goodwill amount and tax.

Triggers: the store's ``refunds/create`` webhook (a hint: the flow re-reads the order and takes the refund
from it, DESIGN decision 3) and its own poll of changed store orders (``poll_store_refunds``, its own
cursor), which catches refunds whose webhook was lost. Both name the refund by its business key
(``"shopify:<refund id>"``), and the ERP write is keyed by it too (the connector keeps it as the credit
memo's external id), so a refund seen twice is one credit memo.

Ownership: the store owns the refund (what was given back, to whom, how much); the ERP owns the credit
memo it books for it. A refund of an order that has not reached the ERP waits on ``"order:<system>:<id>"``
and is released when ``order_to_erp`` completes that order.

Not done: ERP-initiated refunds (a credit memo or cash refund entered in the ERP) are not pushed to the
store, and return authorizations are not synced; see docs/flows.md.
"""

from __future__ import annotations

from typing import Any

from erpsync.connectors.base import ChangeBatch
from erpsync.engine import Engine, FlowContext
from erpsync.errors import DataError
from erpsync.flows.hub import Hub
from erpsync.flows.polling import register_poller
from erpsync.model import CreditMemo, Order, Refund

FLOW = "refund_to_erp"
POLLER = "poll_store_refunds"


def refund_reference(order_id: str, refund_id: str) -> dict[str, Any]:
    """The flow's input: the store order and the refund's id in it (the flow reads the rest)."""
    return {"order_id": order_id, "refund_id": refund_id}


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.erp.system, record_type="refund")
    def refund_to_erp(ctx: FlowContext, reference: dict[str, Any]) -> dict[str, Any]:
        order: Order = ctx.step("read_order", hub.shop.get_order, str(reference["order_id"]))
        refund = refund_of(order, str(reference["refund_id"]))
        in_erp = ctx.step("order_in_erp", hub.store.external_id, hub.erp.system, "order", order.business_key)
        if in_erp is None:
            ctx.wait_for(f"order:{order.business_key}")
        credit_memo: CreditMemo = ctx.step(
            "create_credit_memo", hub.erp.create_credit_memo, refund, idempotency_key=refund.business_key
        )
        ctx.step("link", _link, hub, order, refund, credit_memo)
        return {
            "status": "credited",
            "refund_id": refund.origin.id,
            "order_id": order.origin.id,
            "credit_memo": credit_memo.number,
            "credit_memo_id": credit_memo.origin.id,
            "total": str(credit_memo.total.amount),
        }

    register_poller(
        engine,
        hub.store,
        name=POLLER,
        queue=hub.shop.system,
        read_changes=lambda cursor: refunds_in(hub.shop.orders_changed_since(cursor)),
        target_flow=FLOW,
        payload=lambda refund: refund_reference(refund.order_id, refund.origin.id),
    )


def refunds_in(batch: ChangeBatch[Order]) -> ChangeBatch[Refund]:
    """The refunds carried by a page of changed orders (the cursor moves past every order of the page)."""
    return ChangeBatch(
        records=[refund for order in batch.records for refund in order.refunds],
        cursor=batch.cursor,
        more=batch.more,
    )


def refund_of(order: Order, refund_id: str) -> Refund:
    for refund in order.refunds:
        if refund.origin.id == refund_id:
            return refund
    raise DataError(
        f"store order {order.number or order.origin.id} has no refund {refund_id}",
        system=order.origin.system,
        record=f"refund {refund_id}",
        suggested_fix="check the refund still exists in the store, or skip this exception",
    )


def _link(hub: Hub, order: Order, refund: Refund, credit_memo: CreditMemo) -> None:
    hub.store.link(hub.shop.system, "refund", refund.origin.id, refund.business_key)
    hub.store.link(hub.erp.system, "refund", credit_memo.origin.id, refund.business_key)
    hub.store.record_event(
        "order",
        order.business_key,
        "acknowledged",
        system=hub.erp.system,
        external_id=credit_memo.origin.id,
        message=f"refund {refund.origin.id} ({refund.total}) booked as {credit_memo.number} in the ERP",
    )
