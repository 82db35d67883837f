"""Cancellations, store → ERP: an order cancelled in the store is cancelled in the ERP while it can be.

When: the order poller and the ``orders/cancelled`` webhook both run ``order_to_erp``, which re-reads the
order and, finding it cancelled, hands it here instead of writing a sales order. What happens:

- never reached the ERP (cancelled while waiting, or before the first poll): nothing is created there;
- in the ERP and not shipped yet: the sales order is cancelled (idempotent: cancelling a cancelled sales
  order does nothing);
- already shipped by the ERP (the ERP refuses to cancel a sales order with fulfilled lines): not cancelled;
  the order is parked as a data error saying so, because goods left the warehouse and only a return can
  undo that.
"""

from __future__ import annotations

from typing import Any

from erpsync.engine import FlowContext
from erpsync.errors import DataError
from erpsync.flows.hub import Hub
from erpsync.model import Order


def cancel_in_erp(ctx: FlowContext, hub: Hub, order: Order) -> dict[str, Any]:
    """Run inside ``order_to_erp`` for an order the store reports as cancelled; returns the flow's result."""
    sales_order_id: str | None = ctx.step(
        "find_sales_order", hub.store.external_id, hub.erp.system, "order", order.business_key
    )
    if sales_order_id is None:
        ctx.event(
            "skipped", message=f"{_name(order)} was cancelled before it reached the ERP: not created there"
        )
        return {"status": "cancelled_before_erp", "order_id": order.origin.id}
    ctx.step(
        "cancel_sales_order",
        _cancel_sales_order,
        hub,
        order,
        sales_order_id,
        idempotency_key=ctx.idempotency_key("cancel_sales_order"),
    )
    return {"status": "cancelled_in_erp", "order_id": order.origin.id, "sales_order_id": sales_order_id}


def _cancel_sales_order(hub: Hub, order: Order, sales_order_id: str, *, idempotency_key: str) -> None:
    try:
        hub.erp.cancel_sales_order(order, idempotency_key=idempotency_key)
    except DataError as refused:
        raise DataError(
            f"{_name(order)} was cancelled in {hub.shop.system}, but {hub.erp.system} sales order "
            f"{sales_order_id} could not be cancelled ({refused.message}): the ERP has shipped it already",
            system=hub.erp.system,
            record=f"sales order {sales_order_id}",
            field="orderStatus",
            suggested_fix=(
                "the goods have left the warehouse: create a return authorization in the ERP for the shipped "
                "lines and refund the customer in the store, then skip this exception"
            ),
        ) from refused
    hub.store.record_event(
        "order",
        order.business_key,
        "acknowledged",
        system=hub.erp.system,
        external_id=sales_order_id,
        message=f"sales order {sales_order_id} cancelled, as {_name(order)} was in {hub.shop.system}",
    )


def _name(order: Order) -> str:
    return f"store order {order.number or order.origin.id}"
