"""Returns: ``returnRequest`` (a customer's request, REQUESTED), ``returnApproveRequest`` (REQUESTED -> OPEN),
``returnCreate`` (a merchant's return, OPEN at once) and ``returnClose`` (OPEN -> CLOSED).

A return names fulfillment line items, so only shipped units can come back: asking for more units than a
fulfillment line item has left to return (after the other requested, open or closed returns of it) or for a
fulfillment line item of another order is refused with a ``ReturnUserError``. Codes are Shopify's
``ReturnErrorCode`` values; the messages are the sandbox's own wording.
https://shopify.dev/docs/api/admin-graphql/latest/mutations/returnRequest,
https://shopify.dev/docs/api/admin-graphql/latest/mutations/returnApproveRequest,
https://shopify.dev/docs/api/admin-graphql/latest/mutations/returnCreate.

``returnClose`` completes an OPEN return (CLOSED). Webhooks: ``returns/request``, ``returns/approve`` and
``returns/close`` (with ``orders/updated``: the order changed).
"""

from __future__ import annotations

from typing import Any

from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import maybe_number
from erpsync.sandboxes.shopify.order_events import order_updated
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, ref, user_error
from erpsync.sandboxes.shopify.return_views import return_webhook, returns_of
from erpsync.sandboxes.shopify.store import Record, ShopStore

COUNTED_STATUSES = ("requested", "open", "closed")  # declined and canceled returns free their units


class _Refused(Exception):
    def __init__(self, message: str, field: list[str], code: str) -> None:
        super().__init__(message)
        self.error = user_error(message, field, code)


def _returned_already(store: ShopStore, order_id: int, fulfillment_line_id: int) -> int:
    return sum(
        line["quantity"]
        for record in returns_of(store, order_id)
        if record["status"] in COUNTED_STATUSES
        for line in record["return_line_items"]
        if line["fulfillment_line_item_id"] == fulfillment_line_id
    )


def _shipped_lines(store: ShopStore, order_id: int) -> dict[int, tuple[Record, Record]]:
    """Fulfillment line item id -> (fulfillment, fulfillment line) of the order's shipped fulfillments."""
    found = {}
    for fulfillment in store.rows("fulfillments"):
        if fulfillment["order_id"] == order_id and fulfillment["status"] == "success":
            for line in fulfillment["line_items"]:
                found[line["id"]] = (fulfillment, line)
    return found


def _planned_lines(
    store: ShopStore, order: Record, lines_input: list[dict[str, Any]], path: list[str], *, requested: bool
) -> list[Record]:
    if not lines_input:
        raise _Refused("Return line items can't be blank.", [*path, "returnLineItems"], "BLANK")
    shipped = _shipped_lines(store, order["id"])
    planned: list[Record] = []
    for index, data in enumerate(lines_input):
        field = [*path, "returnLineItems", str(index)]
        number = maybe_number(data["fulfillmentLineItemId"], "FulfillmentLineItem")
        if number is None or number not in shipped:
            raise _Refused(
                "Fulfillment line item does not exist on this order or has not been fulfilled.",
                [*field, "fulfillmentLineItemId"],
                "NOT_FOUND",
            )
        fulfillment, line = shipped[number]
        quantity = int(data["quantity"])
        if quantity < 1:
            raise _Refused("Quantity must be greater than 0.", [*field, "quantity"], "GREATER_THAN")
        same_line = sum(p["quantity"] for p in planned if p["fulfillment_line_item_id"] == number)
        returnable = line["quantity"] - _returned_already(store, order["id"], number) - same_line
        if quantity > returnable:
            raise _Refused(
                f"Quantity {quantity} exceeds the returnable quantity {max(returnable, 0)} of the "
                "fulfillment line item.",
                [*field, "quantity"],
                "LESS_THAN_OR_EQUAL_TO",
            )
        reason = data.get("returnReason") or ("UNKNOWN" if not requested else None)
        if reason is None:
            raise _Refused("Return reason can't be blank.", [*field, "returnReason"], "BLANK")
        planned.append(
            {
                "id": store.new_id(),
                "fulfillment_id": fulfillment["id"],
                "fulfillment_line_item_id": number,
                "line_item_id": line["line_item_id"],
                "quantity": quantity,
                "return_reason": str(reason).lower(),
                "return_reason_note": data.get("returnReasonNote") or "",
                "customer_note": data.get("customerNote"),
            }
        )
    return planned


def _create(
    ctx: ResolveContext, data: dict[str, Any], path: list[str], *, status: str
) -> tuple[Record | None, list[dict[str, Any]]]:
    store = ctx.store
    order = store.get("orders", maybe_number(data["orderId"], "Order"))
    if order is None:
        return None, [user_error("Order does not exist.", [*path, "orderId"], "NOT_FOUND")]
    try:
        lines = _planned_lines(
            store, order, data.get("returnLineItems") or [], path, requested=status == "requested"
        )
    except _Refused as refused:
        return None, [refused.error]
    number = len(returns_of(store, order["id"])) + 1
    record = store.add(
        "returns",
        {
            "order_id": order["id"],
            "name": f"{order['name']}-R{number}",
            "status": status,
            "request_approved_at": None if status == "requested" else store.now(),
            "closed_at": None,
            "return_line_items": lines,
        },
    )
    order_updated(ctx, order)
    return record, []


def return_request(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    record, errors = _create(ctx, input, ["input"], status="requested")
    if record is None:
        return {"return": None, "userErrors": errors}
    ctx.emit(ctx.store, "returns/request", return_webhook(ctx.store, record))
    return {"return": ref("returns", record["id"]), "userErrors": []}


def return_approve_request(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    store = ctx.store
    record = store.get("returns", maybe_number(input["id"], "Return"))
    if record is None:
        return {"return": None, "userErrors": [user_error("Return does not exist.", ["id"], "NOT_FOUND")]}
    if record["status"] != "requested":
        message = "Return is not approvable. Only returns with status REQUESTED can be approved."
        return {
            "return": ref("returns", record["id"]),
            "userErrors": [user_error(message, ["id"], "INVALID_STATE")],
        }
    record["status"] = "open"
    record["request_approved_at"] = store.now()
    store.touch(record)
    order_updated(ctx, store.tables["orders"][record["order_id"]])
    ctx.emit(store, "returns/approve", return_webhook(store, record))
    return {"return": ref("returns", record["id"]), "userErrors": []}


def return_create(ctx: ResolveContext, returnInput: dict[str, Any]) -> Payload:
    record, errors = _create(ctx, returnInput, ["returnInput"], status="open")
    if record is None:
        return {"return": None, "userErrors": errors}
    return {"return": ref("returns", record["id"]), "userErrors": []}


def return_close(ctx: ResolveContext, id: str) -> Payload:
    """An open return is complete (refunded, goods back): CLOSED
    (https://shopify.dev/docs/api/admin-graphql/latest/mutations/returnClose)."""
    store = ctx.store
    record = store.get("returns", maybe_number(id, "Return"))
    if record is None:
        return {"return": None, "userErrors": [user_error("Return does not exist.", ["id"], "NOT_FOUND")]}
    if record["status"] != "open":
        message = "Return is not closable. Only returns with status OPEN can be closed."
        error = user_error(message, ["id"], "INVALID_STATE")
        return {"return": ref("returns", record["id"]), "userErrors": [error]}
    record["status"] = "closed"
    record["closed_at"] = store.now()
    store.touch(record)
    order_updated(ctx, store.tables["orders"][record["order_id"]])
    ctx.emit(store, "returns/close", return_webhook(store, record))
    return {"return": ref("returns", record["id"]), "userErrors": []}


MUTATIONS: dict[str, MutationResolver] = {
    "returnRequest": return_request,
    "returnApproveRequest": return_approve_request,
    "returnCreate": return_create,
    "returnClose": return_close,
}
