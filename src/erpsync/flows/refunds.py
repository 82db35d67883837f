"""Refunds both ways. Store → ERP: a refund made in the store becomes one credit memo in the ERP (or a cash
refund, as the ERP connector is configured), with the refunded lines, shipping, goodwill amount and tax.
ERP → store: a credit memo or cash refund entered in the ERP for an order that came from the store becomes a
refund of that store order (money back through the order's gateway, nothing restocked), once.

Triggers: the store's ``refunds/create`` webhook (a hint: the flow re-reads the order and takes the refund
from it, DESIGN decision 3) and its own poll of changed store orders (``poll_store_refunds``, its own
cursor), which catches refunds whose webhook was lost. Both name the refund by its business key
(``"shopify:<refund id>"``), and the ERP write is keyed by it too (the connector keeps it as the credit
memo's external id), so a refund seen twice is one credit memo.

Ownership: the store owns the refund (what was given back, to whom, how much); the ERP owns the credit
memo it books for it. A refund of an order that has not reached the ERP waits on ``"order:<system>:<id>"``
and is released when ``order_to_erp`` completes that order.

ERP → store runs on its own poll (``poll_erp_refunds``) when the ERP connector can list refunds
(``refunds_changed_since``). The two directions never echo: a pair is linked in the cross-reference under
one business key, the store refund erpsync makes carries ``FROM_ERP_NOTE`` in its note (so it is recognised
even before it is linked), and ERP connectors leave out the credits erpsync wrote itself.

Not done: return authorizations are not synced; see docs/flows.md.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from erpsync.connectors.base import ChangeBatch
from erpsync.engine import Engine, FlowContext
from erpsync.errors import DataError
from erpsync.flows.hub import Hub
from erpsync.flows.polling import register_poller
from erpsync.model import CreditMemo, Order, Refund, RefundLine

FLOW = "refund_to_erp"
POLLER = "poll_store_refunds"
TO_STORE = "refund_to_store"
ERP_POLLER = "poll_erp_refunds"
FROM_ERP_NOTE = "erpsync: refunded in the ERP as"


@runtime_checkable
class ErpRefunds(Protocol):
    """An ERP connector that can list the refunds (credit memos, cash refunds) entered in the ERP."""

    def refunds_changed_since(self, cursor: str | None) -> ChangeBatch[Refund]: ...


def refund_reference(order_id: str, refund_id: str) -> dict[str, Any]:
    """The flow's input: the store order and the refund's id in it (the flow reads the rest)."""
    return {"order_id": order_id, "refund_id": refund_id}


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.erp.system, record_type="refund")
    def refund_to_erp(ctx: FlowContext, reference: dict[str, Any]) -> dict[str, Any]:
        order: Order = ctx.step("read_order", hub.shop.get_order, str(reference["order_id"]))
        refund = refund_of(order, str(reference["refund_id"]))
        if (refund.note or "").startswith(FROM_ERP_NOTE):
            return {"status": "from_erp", "refund_id": refund.origin.id, "order_id": order.origin.id}
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

    @engine.flow(TO_STORE, queue=hub.shop.system, record_type="refund")
    def refund_to_store(ctx: FlowContext, erp_document: dict[str, Any]) -> dict[str, Any]:
        erp_refund = Refund.from_json_dict(erp_document)
        order_key = ctx.step("find_store_order", _store_order_key, hub, erp_refund.order_id)
        if order_key is None:
            return {"status": "not_from_store", "sales_order_id": erp_refund.order_id}
        linked = ctx.step(
            "already_linked", hub.store.business_key, hub.erp.system, "refund", erp_refund.origin.id
        )
        if linked is not None:
            return {"status": "already_in_store", "refund_key": linked}
        order: Order = ctx.step("read_order", hub.shop.get_order, order_key.partition(":")[2])
        refund = store_refund(erp_refund, order)
        store_refund_id = ctx.step(
            "create_refund",
            hub.shop.create_refund,
            refund,
            idempotency_key=f"refund:{erp_refund.business_key}",
        )
        ctx.step("link_store_refund", _link_store_refund, hub, order, erp_refund, store_refund_id)
        return {"status": "refunded", "refund_id": store_refund_id, "order_id": order.origin.id}

    if isinstance(hub.erp, ErpRefunds):
        register_poller(
            engine,
            hub.store,
            name=ERP_POLLER,
            queue=hub.erp.system,
            read_changes=hub.erp.refunds_changed_since,
            target_flow=TO_STORE,
        )

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


def _store_order_key(hub: Hub, sales_order_id: str) -> str | None:
    key = hub.store.business_key(hub.erp.system, "order", sales_order_id)
    if key is None or not key.startswith(f"{hub.shop.system}:"):
        return None
    return key


def store_refund(erp_refund: Refund, order: Order) -> Refund:
    """The ERP refund restated on the store order: its lines matched by SKU to the order's lines (more units
    than the order has is a data error, never silently capped), nothing restocked, and a note saying where
    it came from."""
    lines = [_store_line(line, order, erp_refund) for line in erp_refund.lines]
    return erp_refund.model_copy(
        update={
            "order_id": order.origin.id,
            "lines": lines,
            "note": f"{FROM_ERP_NOTE} {erp_refund.origin.id}"
            + (f": {erp_refund.reason}" if erp_refund.reason else ""),
        }
    )


def _store_line(line: RefundLine, order: Order, erp_refund: Refund) -> RefundLine:
    matches = [store_line for store_line in order.lines if line.sku and store_line.sku == line.sku]
    if not matches or line.quantity > matches[0].quantity:
        raise DataError(
            f"ERP refund {erp_refund.origin.id} credits {line.quantity} x SKU {line.sku}, which store order "
            f"{order.number or order.origin.id} does not have",
            system=erp_refund.origin.system,
            record=f"refund {erp_refund.origin.id}",
            field="lines.sku",
            suggested_fix="correct the credit in the ERP, or refund the store order by hand and skip this",
        )
    return line.model_copy(update={"line_id": matches[0].line_id, "restock": False})


def _link_store_refund(hub: Hub, order: Order, erp_refund: Refund, store_refund_id: str) -> None:
    # One business key for the pair, the store refund's, as for refunds that start in the store: the
    # tie-out and refund_to_erp then see the pair as one refund already in both systems.
    key = f"{hub.shop.system}:{store_refund_id}"
    hub.store.link(hub.shop.system, "refund", store_refund_id, key)
    hub.store.link(hub.erp.system, "refund", erp_refund.origin.id, key)
    hub.store.record_event(
        "order",
        order.business_key,
        "acknowledged",
        system=hub.shop.system,
        external_id=store_refund_id,
        message=f"ERP refund {erp_refund.origin.id} ({erp_refund.total}) refunded in the store",
    )
