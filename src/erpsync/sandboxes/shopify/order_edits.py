"""Order editing: ``orderEditBegin``, ``orderEditSetQuantity``, ``orderEditAddVariant``, ``orderEditCommit``.

Shopify's three steps (https://shopify.dev/docs/apps/build/orders-fulfillment/order-management-apps/edit-orders):
begin an edit of an order, stage changes on the calculated order it returns, commit them. Abandoning an edit
(never committing it) leaves the order as it was. Since 2025-10 every mutation after the first takes the
CalculatedOrder's id or the OrderEditSession's (https://shopify.dev/changelog/posts/order-editing-workflows-now-offer-direct-session-access-via-mutation-arguments-and-return-fields);
here they share one number.

Only unfulfilled units can be edited (https://shopify.dev/docs/api/admin-graphql/2026-04/mutations/orderEditCommit).
At commit the staged changes are applied (calculated_orders.apply_edit), fulfillment orders shrink or grow,
inventory moves as at orderCreate (units removed with ``restock: true`` return to available), and
``orders/edited`` then ``orders/updated`` are sent.
"""

from __future__ import annotations

from erpsync.sandboxes.shopify import order_math, rest
from erpsync.sandboxes.shopify.calculated_orders import (
    LineChange,
    apply_edit,
    calculated_line_item,
    calculated_lines,
    calculated_order,
    edit_session,
    find_edit,
)
from erpsync.sandboxes.shopify.catalog import ensure_level
from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import maybe_number
from erpsync.sandboxes.shopify.order_events import order_updated
from erpsync.sandboxes.shopify.orders import add_fulfillment_order, fulfillment_order_line
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, ref, user_error
from erpsync.sandboxes.shopify.store import Record, ShopStore, money
from erpsync.sandboxes.shopify.views import Views, quantity

# The messages are the sandbox's own: Shopify documents the orderEdit* arguments' rules but not the wording of
# the userErrors that enforce them (docs/connectors/shopify-sandbox.md, "Order editing").
NO_ORDER = "The order does not exist."
NO_EDIT = "The calculated order does not exist."
COMMITTED = "The calculated order has already been committed."
CANCELLED = "The order is cancelled and can't be edited."
CLOSED = "The order is closed and can't be edited."
NO_LINE = "The line item does not exist on the calculated order."
NEGATIVE = "Quantity can't be negative."
BELOW_FULFILLED = "Quantity can't be less than the fulfilled quantity ({fulfilled})."
NO_VARIANT = "The variant does not exist."
ARCHIVED = "The variant's product is archived and can't be added to an order."
NOT_POSITIVE = "Quantity must be greater than 0."
DUPLICATE = "The variant is already on the order; pass allowDuplicates: true to add another line for it."
NO_LOCATION = "The location does not exist."


def _uneditable(order: Record) -> str | None:
    if order.get("cancelled_at"):
        return CANCELLED
    if order.get("closed_at"):
        return CLOSED
    return None


def _open_edit(ctx: ResolveContext, edit_gid: str) -> tuple[Record, Record] | Payload:
    """The order and edit behind a CalculatedOrder or OrderEditSession id, or the error payload."""
    number = maybe_number(edit_gid, "CalculatedOrder") or maybe_number(edit_gid, "OrderEditSession")
    found = find_edit(ctx.store, number)
    if found is None:
        return _refused(NO_EDIT, ["id"])
    order, edit = found
    if edit.get("committed_at"):
        return _refused(COMMITTED, ["id"])
    problem = _uneditable(order)
    if problem:
        return _refused(problem, ["id"])
    return order, edit


def _refused(message: str, field: list[str]) -> Payload:
    return {
        "calculatedOrder": None,
        "calculatedLineItem": None,
        "orderEditSession": None,
        "order": None,
        "successMessages": None,
        "userErrors": [user_error(message, field)],
    }


def _edited(ctx: ResolveContext, order: Record, edit: Record, line_id: int | None = None) -> Payload:
    views = Views(ctx)
    line = next((li for li in calculated_lines(ctx.store, order, edit) if li.id == line_id), None)
    return {
        "calculatedOrder": calculated_order(views, order, edit),
        "calculatedLineItem": calculated_line_item(views, line) if line else None,
        "orderEditSession": edit_session(edit),
        "userErrors": [],
    }


def order_edit_begin(ctx: ResolveContext, id: str) -> Payload:
    order = ctx.store.get("orders", maybe_number(id, "Order"))
    if order is None:
        return _refused(NO_ORDER, ["id"])
    problem = _uneditable(order)
    if problem:
        return _refused(problem, ["id"])
    edit = {
        "id": ctx.store.new_id(),
        "created_at": ctx.store.now(),
        "committed_at": None,
        "quantities": {},
        "added": [],
    }
    order.setdefault("edits", []).append(edit)
    return _edited(ctx, order, edit)


def order_edit_set_quantity(
    ctx: ResolveContext, id: str, lineItemId: str, quantity: int, restock: bool | None = None
) -> Payload:
    opened = _open_edit(ctx, id)
    if not isinstance(opened, tuple):
        return opened
    order, edit = opened
    number = maybe_number(lineItemId, "CalculatedLineItem")
    line = next((li for li in calculated_lines(ctx.store, order, edit) if li.id == number), None)
    if line is None:
        return _refused(NO_LINE, ["lineItemId"])
    if quantity < 0:
        return _refused(NEGATIVE, ["quantity"])
    if quantity < line.locked:
        return _refused(BELOW_FULFILLED.format(fulfilled=line.locked), ["quantity"])
    if line.added:
        added = next(a for a in edit["added"] if a["id"] == line.id)
        added["quantity"] = quantity
        # an added variant set to 0 is taken off the calculated order again
        edit["added"] = [a for a in edit["added"] if a["quantity"] > 0]
    elif quantity == line.before:
        edit["quantities"].pop(str(line.id), None)
    else:
        edit["quantities"][str(line.id)] = {"quantity": quantity, "restock": bool(restock)}
    return _edited(ctx, order, edit, line.id)


def _default_location(store: ShopStore, order: Record) -> int | None:
    """The location of the order's first open fulfillment order, else the first active location."""
    for fulfillment_order in store.rows("fulfillment_orders"):
        if fulfillment_order["order_id"] == order["id"] and fulfillment_order["status"] == "open":
            return int(fulfillment_order["location_id"])
    active = sorted(loc["id"] for loc in store.rows("locations") if loc.get("active", True))
    return active[0] if active else None


def order_edit_add_variant(
    ctx: ResolveContext,
    id: str,
    variantId: str,
    quantity: int,
    locationId: str | None = None,
    allowDuplicates: bool = False,
) -> Payload:
    store = ctx.store
    opened = _open_edit(ctx, id)
    if not isinstance(opened, tuple):
        return opened
    order, edit = opened
    variant = store.get("variants", maybe_number(variantId, "ProductVariant"))
    if variant is None:
        return _refused(NO_VARIANT, ["variantId"])
    if store.tables["products"][variant["product_id"]]["status"] == "archived":
        return _refused(ARCHIVED, ["variantId"])
    if quantity < 1:
        return _refused(NOT_POSITIVE, ["quantity"])
    on_order = any(
        li.variant_id == variant["id"] and li.quantity > 0 for li in calculated_lines(store, order, edit)
    )
    if on_order and not allowDuplicates:
        return _refused(DUPLICATE, ["variantId"])
    location_id = maybe_number(locationId, "Location") if locationId else _default_location(store, order)
    if locationId and store.get("locations", location_id) is None:
        return _refused(NO_LOCATION, ["locationId"])
    added = {
        "id": store.new_id(),
        "variant_id": variant["id"],
        "quantity": quantity,
        "location_id": location_id,
    }
    edit["added"].append(added)
    return _edited(ctx, order, edit, added["id"])


# ---------------------------------------------------------------------- commit


def _stale_line(order: Record, edit: Record) -> str | None:
    """A staged quantity below what has been fulfilled since it was staged."""
    lines = {str(line["id"]): line for line in order["line_items"]}
    for line_id, staged in edit["quantities"].items():
        line = lines[line_id]
        fulfilled = order_math.current_quantity(line) - order_math.fulfillable_quantity(line)
        if staged["quantity"] < fulfilled:
            return BELOW_FULFILLED.format(fulfilled=fulfilled)
    return None


def order_edit_commit(
    ctx: ResolveContext, id: str, notifyCustomer: bool | None = None, staffNote: str | None = None
) -> Payload:
    store = ctx.store
    opened = _open_edit(ctx, id)
    if not isinstance(opened, tuple):
        return opened
    order, edit = opened
    stale = _stale_line(order, edit)
    if stale:
        return _refused(stale, ["id"])
    total_before = order_math.totals(order).total
    changes = apply_edit(store, order, edit, lambda _added: store.new_id())
    for change in changes:
        _move_fulfillment_orders(store, order, change)
        _move_inventory(ctx, order, change)
    edit.update(
        {"committed_at": store.now(), "notify_customer": bool(notifyCustomer), "staff_note": staffNote or ""}
    )
    if changes:
        order.setdefault("original_total_price", money(total_before))
        order["edited"] = True
    ctx.emit(store, "orders/edited", rest.order_edit(order, edit, changes))
    order_updated(ctx, order)
    return {"order": ref("orders", order["id"]), "successMessages": ["Order updated"], "userErrors": []}


def _move_fulfillment_orders(store: ShopStore, order: Record, change: LineChange) -> None:
    line = change.line
    open_orders = [
        fo
        for fo in store.rows("fulfillment_orders")
        if fo["order_id"] == order["id"] and fo["status"] in ("open", "in_progress")
    ]
    if change.delta < 0:
        removed = -change.delta
        for fulfillment_order in open_orders:
            fo_line = next(
                (fl for fl in fulfillment_order["line_items"] if fl["line_item_id"] == line["id"]), None
            )
            if fo_line is None or not removed or not fo_line["remaining_quantity"]:
                continue
            taken = min(removed, fo_line["remaining_quantity"])
            fo_line["remaining_quantity"] -= taken
            fo_line["total_quantity"] -= taken
            removed -= taken
            if all(fl["remaining_quantity"] == 0 for fl in fulfillment_order["line_items"]):
                fulfillment_order["status"] = "closed"
            store.touch(fulfillment_order)
        return
    for fulfillment_order in open_orders:
        fo_line = next(
            (fl for fl in fulfillment_order["line_items"] if fl["line_item_id"] == line["id"]), None
        )
        if fo_line is not None:
            fo_line["total_quantity"] += change.delta
            fo_line["remaining_quantity"] += change.delta
            store.touch(fulfillment_order)
            return
    location_id = line.get("location_id") or _default_location(store, order)
    line["location_id"] = location_id
    fo_line = fulfillment_order_line(store, line["id"], change.delta)
    target = next((fo for fo in open_orders if fo["location_id"] == location_id), None)
    if target is not None:
        target["line_items"].append(fo_line)
        store.touch(target)
        return
    add_fulfillment_order(store, order["id"], location_id, [fo_line])


def _move_inventory(ctx: ResolveContext, order: Record, change: LineChange) -> None:
    """Stock moves only for orders that took it at orderCreate (``inventoryBehaviour`` DECREMENT_*)."""
    line = change.line
    if (
        not order.get("inventory_decremented")
        or not line.get("inventory_item_id")
        or not line.get("location_id")
    ):
        return
    level = ensure_level(ctx.store, line["inventory_item_id"], line["location_id"])
    quantities = level["quantities"]
    quantities["committed"] = quantity(level, "committed") + change.delta
    # added units are taken from available as at orderCreate; removed ones go back only when restocked
    if change.delta > 0 or change.restock:
        quantities["available"] = quantity(level, "available") - change.delta
    ctx.store.touch(level)
    ctx.emit(ctx.store, "inventory_levels/update", rest.inventory_level(level))


MUTATIONS: dict[str, MutationResolver] = {
    "orderEditBegin": order_edit_begin,
    "orderEditSetQuantity": order_edit_set_quantity,
    "orderEditAddVariant": order_edit_add_variant,
    "orderEditCommit": order_edit_commit,
}
