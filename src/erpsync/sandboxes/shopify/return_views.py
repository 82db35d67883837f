"""GraphQL views of returns (``Return``, ``ReturnLineItem``) and their REST webhook payloads.

Kept apart from ``views.py`` (which calls ``return_view``) so the two modules do not import each other;
``views`` is the request's ``Views`` object, used for the order, line item and connection views.
"""

from __future__ import annotations

from typing import Any

from erpsync.sandboxes.shopify.ids import gid
from erpsync.sandboxes.shopify.store import Record, ShopStore

View = dict[str, Any]


def returns_of(store: ShopStore, order_id: int) -> list[Record]:
    return [r for r in store.rows("returns") if r["order_id"] == order_id]


def fulfillment_line(store: ShopStore, fulfillment_id: int, fulfillment_line_id: int) -> Record:
    fulfillment = store.tables["fulfillments"][fulfillment_id]
    return next(fl for fl in fulfillment["line_items"] if fl["id"] == fulfillment_line_id)


def return_view(views: Any, record: Record) -> View:
    store: ShopStore = views.store
    order = store.tables["orders"][record["order_id"]]
    lines = {line["id"]: line for line in order["line_items"]}

    def line_view(line: Record) -> View:
        shipped = fulfillment_line(store, line["fulfillment_id"], line["fulfillment_line_item_id"])
        return {
            "__typename": "ReturnLineItem",
            "id": gid("ReturnLineItem", line["id"]),
            "quantity": line["quantity"],
            "returnReason": line["return_reason"].upper(),
            "returnReasonNote": line.get("return_reason_note") or "",
            "customerNote": line.get("customer_note"),
            "fulfillmentLineItem": {
                "__typename": "FulfillmentLineItem",
                "id": gid("FulfillmentLineItem", shipped["id"]),
                "quantity": shipped["quantity"],
                "lineItem": views.line_item(order, lines[line["line_item_id"]]),
            },
        }

    return {
        "__typename": "Return",
        "id": gid("Return", record["id"]),
        "name": record["name"],
        "status": record["status"].upper(),
        "createdAt": record["created_at"],
        "requestApprovedAt": record.get("request_approved_at"),
        "closedAt": record.get("closed_at"),
        "totalQuantity": sum(line["quantity"] for line in record["return_line_items"]),
        "order": lambda _info: views.order(order),
        "returnLineItems": lambda _info, **args: views.page(record["return_line_items"], line_view, args),
    }


def return_webhook(store: ShopStore, record: Record) -> Record:
    """The ``returns/request`` and ``returns/approve`` body (https://shopify.dev/docs/api/webhooks/latest,
    topic ``returns/approve``): ids as numbers with ``admin_graphql_api_id``, the order as a reference."""
    return {
        "id": record["id"],
        "admin_graphql_api_id": gid("Return", record["id"]),
        "name": record["name"],
        "status": record["status"],
        "order": {"id": record["order_id"], "admin_graphql_api_id": gid("Order", record["order_id"])},
        "total_return_line_items": len(record["return_line_items"]),
        "return_line_items": [
            {
                "id": line["id"],
                "admin_graphql_api_id": gid("ReturnLineItem", line["id"]),
                "fulfillment_line_item": {
                    "id": line["fulfillment_line_item_id"],
                    "admin_graphql_api_id": gid("FulfillmentLineItem", line["fulfillment_line_item_id"]),
                    "line_item": {
                        "id": line["line_item_id"],
                        "admin_graphql_api_id": gid("LineItem", line["line_item_id"]),
                    },
                },
                "quantity": line["quantity"],
                "return_reason": line["return_reason"],
                "return_reason_note": line.get("return_reason_note") or "",
                "customer_note": line.get("customer_note"),
            }
            for line in record["return_line_items"]
        ],
    }
