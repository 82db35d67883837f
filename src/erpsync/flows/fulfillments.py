"""Fulfillment to store: a shipment made in the ERP becomes a fulfillment of the store order, with its
tracking number, company and URL, and the shipping confirmation e-mail to the customer: the store's own
(``notify_customer``) or, for stores that do not send one, erpsync's (``hub.shipping_notifier``, a durable
step after the store fulfillment exists, sent once per fulfillment; see ``erpsync.notify``).

The ERP knows its own sales order and line numbers; the store order is found through the cross-reference
written by ``order_to_erp``, and lines are matched by SKU (quantities beyond what is still unfulfilled are
a data error, never silently capped). A fulfillment for a sales order that did not come from the store is
not the store's business: it completes with ``"not_from_store"``.
"""

from __future__ import annotations

from typing import Any

from erpsync.engine import Engine, FlowContext
from erpsync.errors import DataError
from erpsync.flows.hub import Hub
from erpsync.flows.polling import register_poller
from erpsync.model import Fulfillment, FulfillmentLine, Order, TrackingInfo

FLOW = "fulfillment_to_store"
POLLER = "poll_erp_fulfillments"

# Tracking URL templates by carrier, for ERPs that send only the number (NetSuite package sublist).
TRACKING_URLS = {
    "UPS": "https://www.ups.com/track?tracknum={number}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "DHL Express": "https://www.dhl.com/en/express/tracking.html?AWB={number}",
}


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.shop.system, record_type="fulfillment")
    def fulfillment_to_store(ctx: FlowContext, shipment: dict[str, Any]) -> dict[str, Any]:
        erp_fulfillment = Fulfillment.from_json_dict(shipment)
        if erp_fulfillment.status != "success":
            # Picked or packed, not shipped (Tryton reports every state): the store hears of it once shipped.
            return {"status": "not_shipped_yet", "erp_status": erp_fulfillment.status}
        order_key = ctx.step("find_store_order", _store_order_key, hub, erp_fulfillment)
        if order_key is None:
            ctx.event(
                "skipped", message=f"sales order {erp_fulfillment.order_id} did not come from the store"
            )
            return {"status": "not_from_store", "sales_order_id": erp_fulfillment.order_id}
        store_order_id = order_key.partition(":")[2]
        order: Order = ctx.step("read_order", hub.shop.get_order, store_order_id)
        fulfillment = store_fulfillment(erp_fulfillment, order, notify_customer=hub.notify_customer)
        fulfillment_id = ctx.step(
            "create_fulfillment",
            hub.shop.create_fulfillment,
            fulfillment,
            idempotency_key=ctx.idempotency_key("create_fulfillment"),
        )
        ctx.step("link", _link, hub, erp_fulfillment, fulfillment_id, order_key)
        result: dict[str, Any] = {
            "status": "fulfilled",
            "fulfillment_id": fulfillment_id,
            "order_id": store_order_id,
        }
        if hub.shipping_notifier is not None:
            # After the store fulfillment exists; once per fulfillment, however often the step runs.
            result["email"] = ctx.step(
                "send_shipping_confirmation",
                hub.shipping_notifier.send_shipping_confirmation,
                order,
                fulfillment,
                key=erp_fulfillment.business_key,
                order_key=order_key,
            )
        return result

    register_poller(
        engine,
        hub.store,
        name=POLLER,
        queue=hub.erp.system,
        read_changes=hub.erp.fulfillments_changed_since,
        target_flow=FLOW,
    )


def _store_order_key(hub: Hub, erp_fulfillment: Fulfillment) -> str | None:
    key = hub.store.business_key(hub.erp.system, "order", erp_fulfillment.order_id)
    if key is None or not key.startswith(f"{hub.shop.system}:"):
        return None
    return key


def store_fulfillment(erp_fulfillment: Fulfillment, order: Order, *, notify_customer: bool) -> Fulfillment:
    """The ERP shipment restated on the store order: store line ids, tracking with company and URL."""
    lines = [_store_line(line, order, erp_fulfillment) for line in erp_fulfillment.lines]
    return erp_fulfillment.model_copy(
        update={
            "order_id": order.origin.id,
            "lines": lines,
            "tracking": [_with_url(tracking) for tracking in erp_fulfillment.tracking],
            "notify_customer": notify_customer,
        }
    )


def _store_line(line: FulfillmentLine, order: Order, erp_fulfillment: Fulfillment) -> FulfillmentLine:
    matches = [store_line for store_line in order.lines if line.sku and store_line.sku == line.sku]
    if not matches:
        raise DataError(
            f"ERP fulfillment {erp_fulfillment.origin.id} ships SKU {line.sku}, which store order "
            f"{order.number or order.origin.id} does not contain",
            system=erp_fulfillment.origin.system,
            record=f"fulfillment {erp_fulfillment.origin.id}",
            field="lines.sku",
            suggested_fix="correct the fulfillment in the ERP, or skip this exception",
        )
    return FulfillmentLine(line_id=matches[0].line_id, sku=line.sku, quantity=line.quantity)


def _with_url(tracking: TrackingInfo) -> TrackingInfo:
    if tracking.url or tracking.company not in TRACKING_URLS:
        return tracking
    return tracking.model_copy(update={"url": TRACKING_URLS[tracking.company].format(number=tracking.number)})


def _link(hub: Hub, erp_fulfillment: Fulfillment, fulfillment_id: str, order_key: str) -> None:
    key = erp_fulfillment.business_key
    hub.store.link(hub.erp.system, "fulfillment", erp_fulfillment.origin.id, key)
    hub.store.link(hub.shop.system, "fulfillment", fulfillment_id, key)
    numbers = ", ".join(tracking.number for tracking in erp_fulfillment.tracking) or "no tracking number"
    hub.store.record_event(
        "order",
        order_key,
        "acknowledged",
        system=hub.shop.system,
        external_id=fulfillment_id,
        message=f"fulfilled in the store from ERP shipment {erp_fulfillment.origin.id} ({numbers})",
    )
