"""Shopify returns ↔ canonical ``Return`` (https://shopify.dev/docs/api/admin-graphql/latest/objects/Return).

In: a GraphQL ``Return`` node; its lines name fulfillment line items, which are folded into one canonical
line per order line item (two shipments of one line returned together are one line). Out: the
``ReturnInput`` of ``returnCreate``, given the order's fulfillment line items to return units from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from erpsync.connectors.shopify.translate.common import legacy_id, origin, parse_time, translator
from erpsync.errors import DataError
from erpsync.model import Return, ReturnLine

RETURN_LINE_FIELDS = (
    "id quantity returnReason returnReasonNote customerNote fulfillmentLineItem { id lineItem { id sku } }"
)
RETURN_FIELDS = (
    "id name status createdAt requestApprovedAt closedAt order { id } "
    "returnLineItems(first: 20) { nodes { " + RETURN_LINE_FIELDS + " } }"
)
_STATUSES = {
    "REQUESTED": "requested",
    "OPEN": "open",
    "CLOSED": "closed",
    "DECLINED": "declined",
    "CANCELED": "cancelled",
}
_REASONS = {
    "COLOR", "DEFECTIVE", "NOT_AS_DESCRIBED", "OTHER", "SIZE_TOO_LARGE", "SIZE_TOO_SMALL", "STYLE", "UNKNOWN",
    "UNWANTED", "WRONG_ITEM",
}  # fmt: skip
COUNTED_STATUSES = ("REQUESTED", "OPEN", "CLOSED")  # declined and canceled returns give their units back


def _nodes(connection: Any) -> list[dict[str, Any]]:
    if isinstance(connection, Mapping):
        return list(connection.get("nodes") or [])
    return list(connection or [])


@translator("return")
def return_from_graphql(node: Mapping[str, Any]) -> Return:
    lines: dict[str, ReturnLine] = {}
    for item in _nodes(node.get("returnLineItems")):
        line_item = (item.get("fulfillmentLineItem") or {}).get("lineItem") or {}
        line_id = legacy_id(line_item["id"])
        note = item.get("returnReasonNote") or item.get("customerNote") or None
        if line_id in lines:
            lines[line_id] = lines[line_id].model_copy(
                update={"quantity": lines[line_id].quantity + int(item["quantity"])}
            )
            continue
        lines[line_id] = ReturnLine(
            line_id=line_id,
            sku=line_item.get("sku") or None,
            quantity=int(item["quantity"]),
            reason=str(item.get("returnReason") or "UNKNOWN").lower(),
            note=note,
        )
    return Return(
        origin=origin(node["id"], node.get("closedAt"), node.get("requestApprovedAt"), node.get("createdAt")),
        order_id=legacy_id(node["order"]["id"]),
        number=node.get("name"),
        status=_STATUSES[str(node["status"])],
        created_at=parse_time(node.get("createdAt")),
        lines=list(lines.values()),
    )


def return_input(
    store_return: Return, *, order_gid: str, shipped: Sequence[Mapping[str, Any]], returned: Mapping[str, int]
) -> dict[str, Any]:
    """``ReturnInput`` for ``returnCreate``: each line's units taken from the order's shipped fulfillment line
    items of that line item (``shipped``: ``{"id", "quantity", "lineItem": {"id"}}``) minus what other
    returns took already (``returned``: fulfillment line item gid → units). A line asking for more than is
    left goes to Shopify as asked, so Shopify's own userError says what is wrong."""
    return_lines = []
    for index, line in enumerate(store_return.lines):
        candidates = [s for s in shipped if legacy_id((s.get("lineItem") or {}).get("id")) == line.line_id]
        if not candidates:
            raise DataError(
                f"return {store_return.business_key}: line item {line.line_id} (SKU {line.sku}) of Shopify "
                f"order {store_return.order_id} has not been shipped, so nothing of it can be returned",
                system="shopify",
                record=f"return {store_return.business_key}",
                field=f"lines.{index}.quantity",
                suggested_fix="ship the line first, or correct the return in the ERP, then retry",
            )
        wanted = line.quantity
        for position, candidate in enumerate(candidates):
            left = int(candidate.get("quantity") or 0) - returned.get(str(candidate["id"]), 0)
            take = wanted if position == len(candidates) - 1 else min(wanted, max(left, 0))
            if take <= 0:
                continue
            reason = line.reason.upper()
            return_lines.append(
                {
                    "fulfillmentLineItemId": str(candidate["id"]),
                    "quantity": take,
                    "returnReason": reason if reason in _REASONS else "OTHER",
                    "returnReasonNote": (line.note or "")[:255],
                }
            )
            wanted -= take
            if wanted == 0:
                break
    return {"orderId": order_gid, "returnLineItems": return_lines, "notifyCustomer": False}


__all__ = ["RETURN_FIELDS", "return_from_graphql", "return_input"]
