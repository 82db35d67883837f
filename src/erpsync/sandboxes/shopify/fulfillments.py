"""Fulfillment mutations: ``fulfillmentCreate`` (with tracking) and ``fulfillmentCancel``.

A fulfillment ships quantities of fulfillment order lines, all from one location
(https://shopify.dev/docs/api/admin-graphql/latest/mutations/fulfillmentCreate); without
``fulfillmentOrderLineItems`` it ships everything the fulfillment order still holds.
"""

from __future__ import annotations

from typing import Any

from erpsync.sandboxes.shopify import notifications, order_math, rest
from erpsync.sandboxes.shopify.catalog import ensure_level
from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import maybe_number
from erpsync.sandboxes.shopify.order_events import order_updated
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, ref, user_error
from erpsync.sandboxes.shopify.store import Record, ShopStore
from erpsync.sandboxes.shopify.views import quantity

FULFILLABLE_STATUSES = ("open", "in_progress")


class FulfillmentInputError(Exception):
    def __init__(self, message: str, field: list[str]) -> None:
        super().__init__(message)
        self.error = user_error(message, field)


def _planned_lines(store: ShopStore, groups: list[dict[str, Any]]) -> list[tuple[Record, Record, int]]:
    """(fulfillment order, its line, quantity) for every line the input ships; raises on a bad input."""
    planned = []
    for index, group in enumerate(groups):
        field = ["fulfillment", "lineItemsByFulfillmentOrder", str(index)]
        fulfillment_order = store.get(
            "fulfillment_orders", maybe_number(group["fulfillmentOrderId"], "FulfillmentOrder")
        )
        if fulfillment_order is None:
            raise FulfillmentInputError("Fulfillment order does not exist.", [*field, "fulfillmentOrderId"])
        if fulfillment_order["status"] not in FULFILLABLE_STATUSES:
            raise FulfillmentInputError(
                f"Fulfillment order {group['fulfillmentOrderId']} has an unfulfillable "
                f"status= {fulfillment_order['status']}.",
                [*field, "fulfillmentOrderId"],
            )
        wanted = group.get("fulfillmentOrderLineItems")
        lines = {line["id"]: line for line in fulfillment_order["line_items"]}
        if wanted is None:
            planned += [
                (fulfillment_order, line, line["remaining_quantity"])
                for line in lines.values()
                if line["remaining_quantity"]
            ]
            continue
        for line_index, item in enumerate(wanted):
            line = lines.get(maybe_number(item["id"], "FulfillmentOrderLineItem") or -1)
            if line is None:
                raise FulfillmentInputError(
                    "Fulfillment order line item does not exist.",
                    [*field, "fulfillmentOrderLineItems", str(line_index), "id"],
                )
            if item["quantity"] < 1 or item["quantity"] > line["remaining_quantity"]:
                raise FulfillmentInputError(
                    "Invalid fulfillment order line item quantity requested.",
                    [*field, "fulfillmentOrderLineItems", str(line_index), "quantity"],
                )
            planned.append((fulfillment_order, line, item["quantity"]))
    if not planned:
        raise FulfillmentInputError(
            "No line items to fulfill.", ["fulfillment", "lineItemsByFulfillmentOrder"]
        )
    orders = {fo["order_id"] for fo, _, _ in planned}
    locations = {fo["location_id"] for fo, _, _ in planned}
    if len(orders) > 1 or len(locations) > 1:
        raise FulfillmentInputError(
            "All fulfillment orders must belong to the same order and location.",
            ["fulfillment", "lineItemsByFulfillmentOrder"],
        )
    return planned


def fulfillment_create(
    ctx: ResolveContext, fulfillment: dict[str, Any], message: str | None = None
) -> Payload:
    store = ctx.store
    try:
        planned = _planned_lines(store, fulfillment["lineItemsByFulfillmentOrder"])
    except FulfillmentInputError as problem:
        return {"fulfillment": None, "userErrors": [problem.error]}
    record = ship(
        ctx, planned, fulfillment.get("trackingInfo") or {}, bool(fulfillment.get("notifyCustomer"))
    )
    return {"fulfillment": ref("fulfillments", record["id"]), "userErrors": []}


def fulfill_everything(ctx: ResolveContext, order: Record) -> None:
    """``orderCreate(fulfillmentStatus: FULFILLED)``: each fulfillment order shipped by one fulfillment."""
    for fulfillment_order in ctx.store.rows("fulfillment_orders"):
        if fulfillment_order["order_id"] == order["id"]:
            lines = fulfillment_order["line_items"]
            ship(ctx, [(fulfillment_order, line, line["remaining_quantity"]) for line in lines], {}, False)


def ship(
    ctx: ResolveContext, planned: list[tuple[Record, Record, int]], tracking: dict[str, Any], notify: bool
) -> Record:
    store = ctx.store
    order = store.tables["orders"][planned[0][0]["order_id"]]
    location_id = planned[0][0]["location_id"]
    order_lines = {line["id"]: line for line in order["line_items"]}
    numbers = list(tracking.get("numbers") or ([tracking["number"]] if tracking.get("number") else []))
    urls = list(tracking.get("urls") or ([tracking["url"]] if tracking.get("url") else []))
    count = sum(1 for f in store.rows("fulfillments") if f["order_id"] == order["id"])
    shipped = []
    for fulfillment_order, line, amount in planned:
        line["remaining_quantity"] -= amount
        order_line = order_lines[line["line_item_id"]]
        order_line["fulfilled_quantity"] = order_line.get("fulfilled_quantity", 0) + amount
        shipped.append(
            {
                "id": store.new_id(),
                "line_item_id": line["line_item_id"],
                "quantity": amount,
                "fulfillment_order_id": fulfillment_order["id"],
                "fulfillment_order_line_item_id": line["id"],
            }
        )
        _ship_stock(ctx, order, order_line, location_id, amount)
    for fulfillment_order in {fo["id"]: fo for fo, _, _ in planned}.values():
        done = all(line["remaining_quantity"] == 0 for line in fulfillment_order["line_items"])
        fulfillment_order["status"] = "closed" if done else "in_progress"
        store.touch(fulfillment_order)
    record = store.add(
        "fulfillments",
        {
            "order_id": order["id"],
            "location_id": location_id,
            "name": f"{order['name']}.{count + 1}",
            "status": "success",
            "tracking_company": tracking.get("company"),
            "tracking_numbers": numbers,
            "tracking_urls": urls,
            "notify_customer": notify,
            "line_items": shipped,
        },
    )
    _announce(ctx, order, record, "fulfillments/create")
    if notify:
        notifications.shipping_confirmation(ctx, order, record)
    return record


def _ship_stock(ctx: ResolveContext, order: Record, line: Record, location_id: int, amount: int) -> None:
    """Shipped goods leave on-hand stock through ``committed``, when the order reserved them."""
    if not line.get("inventory_item_id"):
        return
    store = ctx.store
    level = ensure_level(store, line["inventory_item_id"], location_id)
    bucket = "committed" if order.get("inventory_decremented") else None
    if bucket is None:
        return  # orders created with inventoryBehaviour BYPASS never touch inventory
    level["quantities"][bucket] = quantity(level, bucket) - amount
    store.touch(level)


def _announce(ctx: ResolveContext, order: Record, fulfillment: Record, topic: str) -> None:
    store = ctx.store
    ctx.emit(store, topic, rest.fulfillment(store, fulfillment))
    order_updated(ctx, order)
    status = order_math.fulfillment_status(order)
    if topic == "fulfillments/create":
        ctx.emit(
            store,
            "orders/fulfilled" if status == "fulfilled" else "orders/partially_fulfilled",
            rest.order(store, order),
        )


def fulfillment_cancel(ctx: ResolveContext, id: str) -> Payload:
    store = ctx.store
    record = store.get("fulfillments", maybe_number(id, "Fulfillment"))
    if record is None:
        return {"fulfillment": None, "userErrors": [user_error("Fulfillment does not exist.", ["id"])]}
    if record["status"] == "cancelled":
        return {
            "fulfillment": ref("fulfillments", record["id"]),
            "userErrors": [user_error("Fulfillment is already cancelled.", ["id"])],
        }
    order = store.tables["orders"][record["order_id"]]
    order_lines = {line["id"]: line for line in order["line_items"]}
    for shipped in record["line_items"]:
        order_line = order_lines[shipped["line_item_id"]]
        order_line["fulfilled_quantity"] = order_line.get("fulfilled_quantity", 0) - shipped["quantity"]
        fulfillment_order = store.get("fulfillment_orders", shipped["fulfillment_order_id"])
        if fulfillment_order is None:
            continue
        for line in fulfillment_order["line_items"]:
            if line["id"] == shipped["fulfillment_order_line_item_id"]:
                line["remaining_quantity"] += shipped["quantity"]
        fulfillment_order["status"] = "open"
        store.touch(fulfillment_order)
        if order.get("inventory_decremented") and order_line.get("inventory_item_id"):
            level = ensure_level(store, order_line["inventory_item_id"], record["location_id"])
            level["quantities"]["committed"] = quantity(level, "committed") + shipped["quantity"]
            store.touch(level)
    record["status"] = "cancelled"
    store.touch(record)
    _announce(ctx, order, record, "fulfillments/update")
    return {"fulfillment": ref("fulfillments", record["id"]), "userErrors": []}


MUTATIONS: dict[str, MutationResolver] = {
    "fulfillmentCreate": fulfillment_create,
    "fulfillmentCancel": fulfillment_cancel,
}
