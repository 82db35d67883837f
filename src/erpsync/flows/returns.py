"""Returns both ways, and the refund when the goods are back.

Store → ERP (``return_to_erp``): a return the store has approved (Shopify: ``returnApproveRequest`` or
``returnCreate``, status OPEN) becomes one return authorization in the ERP, made from the order's sales
order, lines matched by SKU, keyed by the return (NetSuite external id), so a return seen twice is one RMA.
A requested return waits for the merchant's approval (the approval's webhook or the next poll runs the flow
again); declined and cancelled returns are left alone. A return of an order not in the ERP yet waits on
``"order:<system>:<id>"``. A return the ERP cannot authorize (a SKU the sales order does not have, more
units than it shipped) is parked with its reason.

ERP → store (``return_from_erp``, on the ERP's poll of return authorizations):

- an RMA entered in the ERP (customer service) for a store order becomes a return in the store
  (``create_return``), so the store shows it; a line for a SKU the store order does not have is parked, and
  the store refuses more units than it shipped (the store's own error is parked);
- once the ERP has received the goods (NetSuite: item receipt, status Pending Refund), the refund is due:
  a credit memo made from the RMA in the ERP, and a refund of the same lines in the store, restocked at the
  store location that ``Hub.location_map`` maps the receiving ERP location to; then the store return is
  closed. When the store refunded those units first (its refund went to the ERP through ``refund_to_erp``),
  neither is made again (the store return is closed all the same).

No ping-pong: the pair (store return, RMA) is linked in the cross-reference under one business key, the
store's return id (``"shopify:<id>"``); the RMA erpsync writes carries that key as its external id
(``Return.source_key``), and the store return erpsync writes carries ``FROM_ERP_NOTE`` on its lines. The
store refund erpsync writes carries ``refunds.FROM_ERP_NOTE``, so ``refund_to_erp`` does not book it again,
and the ERP connector leaves out of its refund poll the credit memos erpsync wrote (they have external ids).

Ownership: the store owns what the customer sends back and why; the ERP owns the receipt (what arrived,
where) and the credit. Not done: exchanges, restocking and return shipping fees, and crediting an RMA whose
units the store refunded first (it stays Pending Refund in the ERP; the store refund's credit memo carries
the money).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from erpsync.connectors.base import ChangeBatch
from erpsync.engine import Engine, FlowContext
from erpsync.errors import DataError
from erpsync.flows import refunds
from erpsync.flows.hub import Hub
from erpsync.flows.polling import register_poller
from erpsync.model import CreditMemo, Money, Order, Origin, Refund, RefundLine, Return, ReturnLine

FLOW = "return_to_erp"
POLLER = "poll_store_returns"
FROM_ERP = "return_from_erp"
ERP_POLLER = "poll_erp_returns"
FROM_ERP_NOTE = "erpsync: authorized in the ERP as RMA"
WEBHOOK_TOPICS = frozenset({"returns/request", "returns/approve"})
NOT_YET_APPROVED = frozenset({"requested"})
LEFT_ALONE = frozenset({"declined", "cancelled"})


@runtime_checkable
class StoreReturns(Protocol):
    """A store connector that reads and writes returns."""

    def get_return(self, return_id: str) -> Return: ...
    def returns_changed_since(self, cursor: str | None) -> ChangeBatch[Return]: ...
    def create_return(self, store_return: Return, *, idempotency_key: str) -> str: ...
    def close_return(self, return_id: str, *, idempotency_key: str) -> None: ...


@runtime_checkable
class ErpReturns(Protocol):
    """An ERP connector with return authorizations: create one for a store return, list those changed,
    credit a received one."""

    def create_return_authorization(self, store_return: Return, *, idempotency_key: str) -> str: ...
    def return_authorizations_changed_since(self, cursor: str | None) -> ChangeBatch[Return]: ...
    def refund_return_authorization(self, rma_id: str, *, idempotency_key: str) -> CreditMemo: ...


def return_reference(return_id: str) -> dict[str, Any]:
    """The flow's input: the store return's id (the flow reads the rest)."""
    return {"return_id": return_id}


def supported(hub: Hub) -> bool:
    return isinstance(hub.shop, StoreReturns) and isinstance(hub.erp, ErpReturns)


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.erp.system, record_type="return")
    def return_to_erp(ctx: FlowContext, reference: dict[str, Any]) -> dict[str, Any]:
        shop, erp = _connectors(hub)
        store_return: Return = ctx.step("read_return", shop.get_return, str(reference["return_id"]))
        result = {"return_id": store_return.origin.id, "order_id": store_return.order_id}
        if is_from_erp(store_return):
            return {**result, "status": "from_erp"}
        if store_return.status in NOT_YET_APPROVED | LEFT_ALONE:
            status = "awaiting_approval" if store_return.status in NOT_YET_APPROVED else store_return.status
            ctx.event("skipped", message=f"return {store_return.number} is {store_return.status}: no RMA")
            return {**result, "status": status}
        order_key = f"{hub.shop.system}:{store_return.order_id}"
        in_erp = ctx.step("order_in_erp", hub.store.external_id, hub.erp.system, "order", order_key)
        if in_erp is None:
            ctx.wait_for(f"order:{order_key}")
        rma_id: str = ctx.step(
            "create_return_authorization",
            erp.create_return_authorization,
            store_return,
            idempotency_key=store_return.business_key,
        )
        ctx.step("link", _link_rma, hub, store_return, rma_id, order_key)
        return {**result, "status": "authorized", "rma_id": rma_id}

    @engine.flow(FROM_ERP, queue=hub.shop.system, record_type="return")
    def return_from_erp(ctx: FlowContext, erp_document: dict[str, Any]) -> dict[str, Any]:
        rma = Return.from_json_dict(erp_document)
        result: dict[str, Any] = {"rma_id": rma.origin.id, "rma_status": rma.status}
        order_key = ctx.step("find_store_order", _store_order_key, hub, rma.order_id)
        if order_key is None:
            return {**result, "status": "not_from_store"}
        key = ctx.step("find_return", _return_key, hub, rma)
        if key is None:
            if rma.status not in ("open", "received"):
                return {**result, "status": "not_open"}
            store_return = store_return_for(rma, ctx.step("read_order", hub.shop.get_order, _id(order_key)))
            store_return_id: str = ctx.step(
                "create_store_return",
                _connectors(hub)[0].create_return,
                store_return,
                idempotency_key=f"return:{rma.business_key}",
            )
            key = ctx.step("link_store_return", _link_store_return, hub, rma, store_return_id, order_key)
            result["store_return_id"] = store_return_id
        result["return_key"] = key
        if rma.status != "received":
            waiting = "awaiting_receipt" if rma.status in ("open", "requested") else rma.status
            return {**result, "status": "in_store" if "store_return_id" in result else waiting}
        return {**result, **refund_received(ctx, hub, rma, key, order_key)}

    if not supported(hub):
        return
    shop, erp = _connectors(hub)
    register_poller(
        engine,
        hub.store,
        name=POLLER,
        queue=hub.shop.system,
        read_changes=shop.returns_changed_since,
        target_flow=FLOW,
        payload=lambda store_return: return_reference(store_return.origin.id),
        reread_payload=return_reference,
        record_type="return",
    )
    register_poller(
        engine,
        hub.store,
        name=ERP_POLLER,
        queue=hub.erp.system,
        read_changes=erp.return_authorizations_changed_since,
        target_flow=FROM_ERP,
        record_type="return",
    )


def refund_received(ctx: FlowContext, hub: Hub, rma: Return, key: str, order_key: str) -> dict[str, Any]:
    """The goods of ``rma`` are back in the ERP: credit them there and refund them in the store, once,
    unless the store refunded those units already."""
    shop, erp = _connectors(hub)
    order: Order = ctx.step("read_order_for_refund", hub.shop.get_order, _id(order_key))
    wanted = _refund_quantities(rma, order)
    store_return_id = ctx.step("find_store_return", hub.store.external_id, hub.shop.system, "return", key)
    if not wanted:
        ctx.event("skipped", message=f"the store refunded the units of RMA {rma.number} before they arrived")
        _close(ctx, shop, store_return_id, key)
        return {"status": "refunded_in_store_first"}
    credit_memo: CreditMemo = ctx.step(
        "credit_return", erp.refund_return_authorization, rma.origin.id, idempotency_key=f"credit:{key}"
    )
    store_location = hub.location_map.get(rma.location_code or "")
    refund = store_refund_for(rma, order, credit_memo, wanted, store_location)
    refund_id: str = ctx.step(
        "refund_in_store", hub.shop.create_refund, refund, idempotency_key=f"return-refund:{key}"
    )
    ctx.step("link_refund", _link_refund, hub, rma, order_key, credit_memo, refund_id, store_location)
    _close(ctx, shop, store_return_id, key)
    return {
        "status": "refunded",
        "credit_memo_id": credit_memo.origin.id,
        "refund_id": refund_id,
        "total": str(credit_memo.total.amount),
        "restock_location": store_location,
    }


def _close(ctx: FlowContext, shop: StoreReturns, store_return_id: str | None, key: str) -> None:
    """The goods are back and paid back: the store return is complete."""
    if store_return_id is not None:
        ctx.step("close_store_return", shop.close_return, store_return_id, idempotency_key=f"close:{key}")


def is_from_erp(store_return: Return) -> bool:
    return any((line.note or "").startswith(FROM_ERP_NOTE) for line in store_return.lines)


def store_return_for(rma: Return, order: Order) -> Return:
    """The ERP's RMA restated as a return of the store order: lines matched by SKU (a SKU the order does
    not have is a data error), a note naming the RMA on every line."""
    lines = []
    for index, line in enumerate(rma.lines):
        match = next((o for o in order.lines if line.sku and o.sku == line.sku), None)
        if match is None:
            raise DataError(
                f"ERP return authorization {rma.number or rma.origin.id} returns SKU {line.sku}, which store "
                f"order {order.number or order.origin.id} does not have",
                system=rma.origin.system,
                record=f"return authorization {rma.origin.id}",
                field=f"lines.{index}.sku",
                suggested_fix="correct the return authorization in the ERP, or skip this exception",
            )
        note = f"{FROM_ERP_NOTE} {rma.number or rma.origin.id}"
        lines.append(ReturnLine(line_id=match.line_id, sku=line.sku, quantity=line.quantity, note=note))
    return Return(
        origin=Origin(
            system=order.origin.system, id=f"rma-{rma.origin.id}", updated_at=rma.origin.updated_at
        ),
        order_id=order.origin.id,
        number=rma.number,
        status="open",
        lines=lines,
        note=rma.note,
    )


def _refund_quantities(rma: Return, order: Order) -> dict[str, int]:
    """Store line id → units of the RMA still to refund in the store: the RMA's units less those the store
    refunded since the RMA was made (a refund of the returned goods made first in the store, or an ERP
    credit erpsync already refunded there), and never more than the order line has left unrefunded."""
    since = (rma.created_at or rma.origin.updated_at).replace(microsecond=0)
    refunded: dict[str, int] = {}
    refunded_since: dict[str, int] = {}
    for refund in order.refunds:
        recent = refund.created_at is None or refund.created_at >= since
        for refund_line in refund.lines:
            line_id, units = refund_line.line_id, refund_line.quantity
            refunded[line_id] = refunded.get(line_id, 0) + units
            if recent:
                refunded_since[line_id] = refunded_since.get(line_id, 0) + units
    wanted = {}
    for line in rma.lines:
        match = next((o for o in order.lines if line.sku and o.sku == line.sku), None)
        if match is None:
            continue
        left = min(
            line.quantity - refunded_since.get(match.line_id, 0),
            match.quantity - refunded.get(match.line_id, 0),
        )
        if left > 0:
            wanted[match.line_id] = left
    return wanted


def store_refund_for(
    rma: Return, order: Order, credit_memo: CreditMemo, wanted: dict[str, int], store_location: str | None
) -> Refund:
    """The store refund of the received units: the credit memo's amounts per SKU (so both systems show the
    same money), its tax spread over the lines by amount, restocked at ``store_location``."""
    currency = credit_memo.total.currency
    by_sku: dict[str, Decimal] = {}
    for document_line in credit_memo.lines:
        sku = document_line.sku or ""
        by_sku[sku] = by_sku.get(sku, Decimal(0)) + document_line.amount.amount
    order_lines = {line.line_id: line for line in order.lines}
    amounts = [by_sku.get(order_lines[line_id].sku or "", Decimal(0)) for line_id in wanted]
    taxes = _spread(credit_memo.tax.amount, amounts)
    lines = [
        RefundLine(
            line_id=line_id,
            sku=order_lines[line_id].sku,
            quantity=quantity,
            restock=True,
            restock_location_code=store_location,
            subtotal=Money.of(amount, currency),
            tax=Money.of(tax, currency) if tax else None,
        )
        for (line_id, quantity), amount, tax in zip(wanted.items(), amounts, taxes, strict=True)
    ]
    total = sum(amounts, Decimal(0)) + sum(taxes, Decimal(0))
    return Refund(
        origin=Origin(
            system=credit_memo.origin.system,
            id=credit_memo.origin.id,
            updated_at=credit_memo.origin.updated_at or datetime.now(UTC),
        ),
        order_id=order.origin.id,
        reason=f"return {rma.number or rma.origin.id} received",
        note=f"{refunds.FROM_ERP_NOTE} {credit_memo.number} (return {rma.number or rma.origin.id})",
        lines=lines,
        total=Money.of(total, currency),
    )


def _spread(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` in cents over ``weights`` by size, the rounding remainder on the last part."""
    if not weights:
        return []
    base = sum(weights, Decimal(0))
    parts = [
        (total * weight / base).quantize(Decimal("0.01")) if base else Decimal(0) for weight in weights[:-1]
    ]
    return [*parts, total - sum(parts, Decimal(0))]


def _connectors(hub: Hub) -> tuple[StoreReturns, ErpReturns]:
    if not (isinstance(hub.shop, StoreReturns) and isinstance(hub.erp, ErpReturns)):
        raise DataError(
            f"returns are not synced between {hub.shop.system} and {hub.erp.system}: a connector of the pair "
            "cannot read or write returns",
            system=hub.erp.system,
            suggested_fix="skip this exception; returns are handled by hand in both systems",
        )
    return hub.shop, hub.erp


def _id(business_key: str) -> str:
    return business_key.partition(":")[2]


def _store_order_key(hub: Hub, sales_order_id: str) -> str | None:
    key = hub.store.business_key(hub.erp.system, "order", sales_order_id)
    return key if key is not None and key.startswith(f"{hub.shop.system}:") else None


def _return_key(hub: Hub, rma: Return) -> str | None:
    """The pair's business key: linked already, or the store return the RMA was written from."""
    linked = hub.store.business_key(hub.erp.system, "return", rma.origin.id)
    if linked is not None:
        return linked
    if rma.source_key and rma.source_key.startswith(f"{hub.shop.system}:"):
        hub.store.link(hub.erp.system, "return", rma.origin.id, rma.source_key)
        return rma.source_key
    return None


def _link_rma(hub: Hub, store_return: Return, rma_id: str, order_key: str) -> None:
    key = store_return.business_key
    hub.store.link(hub.shop.system, "return", store_return.origin.id, key)
    hub.store.link(hub.erp.system, "return", rma_id, key)
    hub.store.record_event(
        "order",
        order_key,
        "acknowledged",
        system=hub.erp.system,
        external_id=rma_id,
        message=f"return {store_return.number} ({store_return.reason}) authorized in the ERP as RMA {rma_id}",
    )


def _link_store_return(hub: Hub, rma: Return, store_return_id: str, order_key: str) -> str:
    key = f"{hub.shop.system}:{store_return_id}"
    hub.store.link(hub.shop.system, "return", store_return_id, key)
    hub.store.link(hub.erp.system, "return", rma.origin.id, key)
    hub.store.record_event(
        "order",
        order_key,
        "acknowledged",
        system=hub.shop.system,
        external_id=store_return_id,
        message=f"ERP return authorization {rma.number or rma.origin.id} shown in the store as a return",
    )
    return key


def _link_refund(
    hub: Hub,
    rma: Return,
    order_key: str,
    credit_memo: CreditMemo,
    refund_id: str,
    store_location: str | None,
) -> None:
    # One business key for the refund pair, the store refund's, as refund_to_store does: the tie-out then
    # sees one refund in both systems.
    refund_key = f"{hub.shop.system}:{refund_id}"
    hub.store.link(hub.shop.system, "refund", refund_id, refund_key)
    hub.store.link(hub.erp.system, "refund", credit_memo.origin.id, refund_key)
    where = f"restocked at store location {store_location}" if store_location else "restocked"
    hub.store.record_event(
        "order",
        order_key,
        "acknowledged",
        system=hub.shop.system,
        external_id=refund_id,
        message=(
            f"return {rma.number or rma.origin.id} received: credited as {credit_memo.number} in the ERP, "
            f"refunded ({credit_memo.total}) and {where} in the store"
        ),
    )
