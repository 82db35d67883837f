"""Shopify fulfillments and fulfillment orders ↔ canonical ``Fulfillment``.

Reading: a REST fulfillment (``fulfillments/create``, or nested in an order) names its order line items;
a GraphQL ``Fulfillment`` lists ``fulfillmentLineItems { quantity lineItem { id sku } }``.

Writing: Shopify ships *fulfillment orders*, not orders. Each order is split into fulfillment orders, one per
assigned location, whose line items point at order line items
(https://shopify.dev/docs/apps/build/orders-fulfillment/order-management-apps/manage-fulfillments).
``fulfillment_input`` finds, for each canonical line, open fulfillment order lines with remaining quantity
and builds ``FulfillmentInput { lineItemsByFulfillmentOrder, trackingInfo, notifyCustomer }``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from erpsync.connectors.shopify.translate.common import (
    legacy_id,
    nodes,
    optional_id,
    origin,
    parse_time,
    translator,
)
from erpsync.errors import DataError
from erpsync.model import Fulfillment, FulfillmentLine, TrackingInfo

_STATUSES = {"pending", "open", "success", "cancelled", "error", "failure"}
_OPEN_FULFILLMENT_ORDER = {"OPEN", "IN_PROGRESS", "SCHEDULED"}


def _status(value: Any) -> str:
    status = str(value or "").lower()
    return status if status in _STATUSES else "pending"


@translator("fulfillment")
def fulfillment_from_rest(payload: Mapping[str, Any]) -> Fulfillment:
    numbers = list(payload.get("tracking_numbers") or [])
    if not numbers and payload.get("tracking_number"):
        numbers = [payload["tracking_number"]]
    urls = list(payload.get("tracking_urls") or [])
    if not urls and payload.get("tracking_url"):
        urls = [payload["tracking_url"]]
    tracking = [
        TrackingInfo(
            number=str(number),
            company=payload.get("tracking_company"),
            url=urls[index] if index < len(urls) else None,
        )
        for index, number in enumerate(numbers)
        if number
    ]
    lines = [
        FulfillmentLine(
            line_id=legacy_id(item["id"]), sku=item.get("sku") or None, quantity=int(item["quantity"])
        )
        for item in payload.get("line_items") or []
        if int(item.get("quantity") or 0) > 0
    ]
    return Fulfillment(
        origin=origin(payload["id"], payload.get("updated_at"), payload.get("created_at")),
        order_id=legacy_id(payload["order_id"]),
        status=_status(payload.get("status")),
        location_code=optional_id(payload.get("location_id")),
        tracking=tracking,
        lines=lines,
        shipped_at=parse_time(payload.get("created_at")),
    )


@translator("fulfillment")
def fulfillment_from_graphql(node: Mapping[str, Any], *, order_id: str | None = None) -> Fulfillment:
    order = node.get("order") or {}
    tracking = [
        TrackingInfo(number=str(info["number"]), company=info.get("company"), url=info.get("url"))
        for info in node.get("trackingInfo") or []
        if info.get("number")
    ]
    lines = [
        FulfillmentLine(
            line_id=legacy_id((item.get("lineItem") or {}).get("id")),
            sku=(item.get("lineItem") or {}).get("sku") or None,
            quantity=int(item["quantity"]),
        )
        for item in nodes(node.get("fulfillmentLineItems"))
        if int(item.get("quantity") or 0) > 0
    ]
    return Fulfillment(
        origin=origin(node["id"], node.get("updatedAt"), node.get("createdAt")),
        order_id=order_id or legacy_id(order.get("id")),
        status=_status(node.get("status")),
        location_code=optional_id((node.get("location") or {}).get("id")),
        tracking=tracking,
        lines=lines,
        shipped_at=parse_time(node.get("createdAt")),
    )


@dataclass(frozen=True)
class FulfillmentOrderLine:
    """One open line of a fulfillment order: which order line, how many units are still to ship, where."""

    fulfillment_order_id: str
    fulfillment_order_line_id: str
    line_id: str
    sku: str | None
    remaining: int
    location_code: str | None


def fulfillment_order_lines(fulfillment_orders: Sequence[Mapping[str, Any]]) -> list[FulfillmentOrderLine]:
    """Open fulfillment order lines of GraphQL ``FulfillmentOrder`` nodes (closed/cancelled ones skipped)."""
    lines: list[FulfillmentOrderLine] = []
    for fulfillment_order in fulfillment_orders:
        if str(fulfillment_order.get("status")) not in _OPEN_FULFILLMENT_ORDER:
            continue
        location = ((fulfillment_order.get("assignedLocation") or {}).get("location") or {}).get("id")
        for item in nodes(fulfillment_order.get("lineItems")):
            line_item = item.get("lineItem") or {}
            lines.append(
                FulfillmentOrderLine(
                    fulfillment_order_id=str(fulfillment_order["id"]),
                    fulfillment_order_line_id=str(item["id"]),
                    line_id=legacy_id(line_item.get("id")),
                    sku=item.get("sku") or line_item.get("sku"),
                    remaining=int(item.get("remainingQuantity") or 0),
                    location_code=optional_id(location),
                )
            )
    return lines


def fulfillment_input(fulfillment: Fulfillment, open_lines: Sequence[FulfillmentOrderLine]) -> dict[str, Any]:
    """Canonical fulfillment → GraphQL ``FulfillmentInput``; DataError when a line cannot be shipped.

    A canonical line matches fulfillment order lines by ``line_id`` (or by SKU when the line id is not one
    of this order's, e.g. an ERP shipment that only knows SKUs); units are taken from fulfillment orders at
    ``fulfillment.location_code`` first.
    """
    record = f"fulfillment {fulfillment.business_key} of Shopify order {fulfillment.order_id}"
    remaining = {line.fulfillment_order_line_id: line.remaining for line in open_lines}
    by_order: dict[str, list[dict[str, Any]]] = {}
    for index, line in enumerate(fulfillment.lines):
        candidates = [c for c in open_lines if c.line_id == line.line_id] or [
            c for c in open_lines if line.sku and c.sku == line.sku
        ]
        candidates.sort(key=lambda c: c.location_code != fulfillment.location_code)
        needed = line.quantity
        for candidate in candidates:
            take = min(needed, remaining[candidate.fulfillment_order_line_id])
            if take <= 0:
                continue
            remaining[candidate.fulfillment_order_line_id] -= take
            needed -= take
            by_order.setdefault(candidate.fulfillment_order_id, []).append(
                {"id": candidate.fulfillment_order_line_id, "quantity": take}
            )
            if needed == 0:
                break
        if needed:
            raise DataError(
                f"Shopify cannot ship {record}: line {line.line_id} (SKU {line.sku}) needs {line.quantity} "
                f"units but its open fulfillment orders hold {line.quantity - needed}",
                system="shopify",
                record=record,
                field=f"lines.{index}.quantity",
                suggested_fix="check the line was not shipped already, or is on hold in Shopify",
            )
    payload: dict[str, Any] = {
        "lineItemsByFulfillmentOrder": [
            {"fulfillmentOrderId": order_id, "fulfillmentOrderLineItems": items}
            for order_id, items in by_order.items()
        ],
        "notifyCustomer": fulfillment.notify_customer,
    }
    if fulfillment.tracking:
        first = fulfillment.tracking[0]
        tracking: dict[str, Any] = {"number": first.number}
        if len(fulfillment.tracking) > 1:
            tracking["numbers"] = [t.number for t in fulfillment.tracking]
        if first.company:
            tracking["company"] = first.company
        if first.url:
            tracking["url"] = first.url
        payload["trackingInfo"] = tracking
    return payload
