"""Order to ERP: an order placed in the store becomes a sales order in the ERP, once.

Webhooks are hints (DESIGN decision 3): the flow re-reads the order from the store, so a late, duplicated
or out-of-order delivery writes the order as it is now. An operator's edit-and-retry may instead carry a
corrected canonical order under ``"order"``, which is then used as given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from erpsync.engine import Engine, FlowContext
from erpsync.flows import cancellations, companies
from erpsync.flows.hub import Hub
from erpsync.flows.polling import register_poller, sweep_unsynced
from erpsync.model import Customer, Order

FLOW = "order_to_erp"
POLLER = "poll_store_orders"
GUEST_PREFIX = "guest:"


def order_reference(order_id: str, order: Order | None = None) -> dict[str, Any]:
    """The flow's input: the store's order id, and optionally the canonical order to use as it is."""
    reference: dict[str, Any] = {"order_id": order_id}
    if order is not None:
        reference["order"] = order.to_json_dict()
    return reference


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.erp.system, record_type="order")
    def order_to_erp(ctx: FlowContext, reference: dict[str, Any]) -> dict[str, Any]:
        order = _order(ctx, hub, reference)
        if order.cancelled_at is not None:
            return cancellations.cancel_in_erp(ctx, hub, order)
        if order.customer_id is None and order.customer_email:
            buyer = ctx.step("resolve_guest", _guest_buyer, hub, order.customer_email)
            order = order.model_copy(update={"customer_id": buyer})
        if order.customer_id is not None:
            ctx.step("upsert_customer", _upsert_customer, hub, order, ctx.idempotency_key("customer"))
        if order.company_id is not None:
            # B2B: the sales order is booked to the company's account, which must exist first.
            ctx.step(
                "upsert_company",
                companies.upsert_company_in_erp,
                hub,
                order.company_id,
                idempotency_key=ctx.idempotency_key("company"),
            )
        sales_order_id = ctx.step("upsert_sales_order", _write_sales_order, hub, order)
        return {"sales_order_id": sales_order_id, "order_id": order.origin.id}

    # The safety net under webhooks (late, lost or never subscribed): every changed order is read again.
    register_poller(
        engine,
        hub.store,
        name=POLLER,
        queue=hub.shop.system,
        read_changes=hub.shop.orders_changed_since,
        target_flow=FLOW,
        payload=lambda order: order_reference(order.origin.id),
        reread_payload=order_reference,
        unsynced=_unsynced_orders(hub),
    )


def _unsynced_orders(hub: Hub) -> Callable[[], list[list[str]]] | None:
    """The reconcile sweep: from one bulk read of every store order's id, the orders without a sales order
    link, and the cancelled ones (a lost cancellation must reach the ERP too; each runs once per version)."""
    order_ids = getattr(hub.shop, "order_ids", None)
    if order_ids is None:
        return None  # a store connector without id listing: a reconcile re-reads every order
    system = hub.shop.system

    def unsynced() -> list[list[str]]:
        listed = ((oid, f"{system}:{oid}", updated, cancelled) for oid, updated, cancelled in order_ids())
        return sweep_unsynced(listed, hub.store, system=hub.erp.system, record_type="order")

    return unsynced


def _order(ctx: FlowContext, hub: Hub, reference: dict[str, Any]) -> Order:
    if "order" in reference:
        return Order.from_json_dict(reference["order"])
    order: Order = ctx.step("read_order", hub.shop.get_order, str(reference["order_id"]))
    return order


def guest_customer_id(email: str) -> str:
    """The customer id a guest checkout is booked under: one ERP customer per e-mail, so a guest's repeated
    orders land on one account (a guest who later registers in the store gets an account of their own)."""
    return f"{GUEST_PREFIX}{email.strip().lower()}"


def _guest_buyer(hub: Hub, email: str) -> str:
    """A guest whose e-mail belongs to a registered store customer is booked on that customer's account."""
    registered = hub.store.external_id(hub.shop.system, "customer", email.strip().lower())
    return registered or guest_customer_id(email)


def _guest_customer(order: Order) -> Customer:
    assert order.customer_id is not None and order.customer_email
    address = order.billing_address or order.shipping_address
    first, _, last = ((address.name if address else None) or "").partition(" ")
    return Customer(
        origin=order.origin.model_copy(update={"id": order.customer_id}),
        email=order.customer_email,
        first_name=first or None,
        last_name=last or None,
        addresses=[address] if address else [],
        tags=["guest"],
    )


def _upsert_customer(hub: Hub, order: Order, idempotency_key: str) -> str:
    assert order.customer_id is not None
    if order.customer_id.startswith(GUEST_PREFIX):
        # Keyed by the guest id, not the e-mail: the e-mail key belongs to a registered account if one
        # appears later, and one key never names two ERP customers.
        customer = _guest_customer(order)
        erp_id = hub.erp.upsert_customer(customer, idempotency_key=idempotency_key)
        hub.store.link(hub.erp.system, "customer", erp_id, order.customer_id)
        return erp_id
    customer = hub.shop.get_customer(order.customer_id)
    erp_id = hub.erp.upsert_customer(customer, idempotency_key=idempotency_key)
    hub.store.link(hub.erp.system, "customer", erp_id, customer.business_key)
    hub.store.link(hub.shop.system, "customer", order.customer_id, customer.business_key)
    return erp_id


def _write_sales_order(hub: Hub, order: Order) -> str:
    """Write and link in one step, so no fulfillment can be polled for a sales order we have not linked.
    An order the ERP already holds is amended instead when the store has edited it since (order edits)."""
    known = hub.store.external_id(hub.erp.system, "order", order.business_key)
    if known is not None:
        _amend_if_edited(hub, order, known)
        return known
    sales_order_id = hub.erp.upsert_sales_order(order, idempotency_key=order.business_key)
    hub.store.remember_fields(hub.erp.system, "order", order.business_key, _edited_fields(order))
    hub.store.link(hub.shop.system, "order", order.origin.id, order.business_key)
    hub.store.link(hub.erp.system, "order", sales_order_id, order.business_key)
    if order.number:
        hub.store.link(f"{hub.shop.system}-number", "order", order.number.lstrip("#"), order.business_key)
    hub.store.record_event(
        "order",
        order.business_key,
        "acknowledged",
        system=hub.erp.system,
        external_id=sales_order_id,
        message=f"sales order {sales_order_id} holds store order {order.number or order.origin.id}",
    )
    return sales_order_id


def _edited_fields(order: Order) -> dict[str, Any]:
    """What a store order edit changes (lines, their units and prices, the total), remembered per order so
    that only a real edit costs a look at the sales order."""
    return {
        "lines": sorted([ln.line_id, ln.sku, ln.quantity, ln.unit_price.amount] for ln in order.lines),
        "total": order.totals.total.amount,
    }


def _amend_if_edited(hub: Hub, order: Order, sales_order_id: str) -> None:
    """Apply a store edit to the sales order (the ERP connector plans and checks it; what the ERP cannot
    take, such as fewer units than it has shipped, is a DataError that parks this run with its reason)."""
    fields = _edited_fields(order)
    if not hub.store.changed_fields(hub.erp.system, "order", order.business_key, fields):
        return
    changes = hub.erp.amend_sales_order(order, idempotency_key=f"{order.business_key}:edit")
    hub.store.remember_fields(hub.erp.system, "order", order.business_key, fields)
    if changes:
        hub.store.record_event(
            "order",
            order.business_key,
            "written",
            system=hub.erp.system,
            external_id=sales_order_id,
            message=(
                f"sales order {sales_order_id} follows the store's edit of order "
                f"{order.number or order.origin.id}: {'; '.join(changes)}"
            ),
            detail={"changes": changes},
        )
