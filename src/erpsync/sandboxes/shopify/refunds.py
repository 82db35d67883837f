"""Refunds: ``refundCreate`` and ``Order.suggestedRefund``.

A refund returns line quantities (restocked when ``restockType`` is RETURN or CANCEL) and money through
refund transactions on the order's gateway (https://shopify.dev/docs/api/admin-graphql/latest/mutations/refundCreate).
``suggestedRefund`` computes what a refund of the given lines would return, without creating anything.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from erpsync.sandboxes.shopify import order_math, rest
from erpsync.sandboxes.shopify.catalog import ensure_level
from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import maybe_number
from erpsync.sandboxes.shopify.order_events import order_updated
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, ref, user_error
from erpsync.sandboxes.shopify.store import Record, ShopStore, money
from erpsync.sandboxes.shopify.views import View, Views, quantity

CENT = Decimal("0.01")
D = order_math.dec


def _line_share(line: Record, amount: int) -> tuple[Decimal, Decimal]:
    """Subtotal (after discounts) and tax of ``amount`` units of a line (as ordered after edits)."""
    ordered = order_math.ordered_quantity(line)
    if not ordered:
        return order_math.ZERO, order_math.ZERO
    net = order_math.line_gross(line) - order_math.line_discount(line)
    subtotal = (net * amount / ordered).quantize(CENT)
    tax = (order_math.line_tax(line) * amount / ordered).quantize(CENT)
    return subtotal, tax


def _refund_lines(order: Record, lines_input: list[dict[str, Any]]) -> list[Record]:
    lines = {line["id"]: line for line in order["line_items"]}
    planned = []
    for index, data in enumerate(lines_input):
        line = lines.get(maybe_number(data["lineItemId"], "LineItem") or -1)
        if line is None:
            raise ValueError(f"refundLineItems.{index}.lineItemId: Line item does not exist")
        refundable = order_math.refundable_quantity(line)
        if data["quantity"] < 1 or data["quantity"] > refundable:
            raise ValueError(
                f"refundLineItems.{index}.quantity: Quantity cannot refund more items than were purchased"
            )
        subtotal, tax = _line_share(line, data["quantity"])
        planned.append(
            {
                "line_item_id": line["id"],
                "quantity": data["quantity"],
                "restock_type": str(data.get("restockType") or "NO_RESTOCK").lower(),
                "location_id": maybe_number(data.get("locationId"), "Location") or line.get("location_id"),
                "subtotal": money(subtotal),
                "total_tax": money(tax),
            }
        )
    return planned


def _maximum_refundable(order: Record) -> Decimal:
    amounts = order_math.totals(order)
    return max(order_math.ZERO, amounts.received - amounts.refunded)


def refund_create(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    store = ctx.store
    order = store.get("orders", maybe_number(input["orderId"], "Order"))
    if order is None:
        return {
            "refund": None,
            "order": None,
            "userErrors": [user_error("Order does not exist", ["orderId"])],
        }
    try:
        refund_lines = _refund_lines(order, input.get("refundLineItems") or [])
    except ValueError as problem:
        field, _, message = str(problem).partition(": ")
        return {
            "refund": None,
            "order": ref("orders", order["id"]),
            "userErrors": [user_error(message, field.split("."))],
        }
    requested = sum((D(t["amount"]) for t in input.get("transactions") or []), order_math.ZERO)
    if requested > _maximum_refundable(order):
        received = money(_maximum_refundable(order))
        message = f"Refund amount {money(requested)} is greater than net payment received {received}"
        return {
            "refund": None,
            "order": ref("orders", order["id"]),
            "userErrors": [user_error(message, ["transactions"])],
        }
    record = store.add(
        "refunds", {"order_id": order["id"], "note": input.get("note"), "refund_line_items": []}
    )
    record["processed_at"] = record["created_at"]
    for refund_line in refund_lines:
        refund_line["id"] = store.new_id()
        _return_stock(ctx, order, refund_line)
    record["refund_line_items"] = refund_lines
    _add_transactions(store, order, record, input.get("transactions") or [])
    order_updated(ctx, order)
    ctx.emit(store, "refunds/create", rest.refund(store, record))
    return {"refund": ref("refunds", record["id"]), "order": ref("orders", order["id"]), "userErrors": []}


def _return_stock(ctx: ResolveContext, order: Record, refund_line: Record) -> None:
    store = ctx.store
    line = next(li for li in order["line_items"] if li["id"] == refund_line["line_item_id"])
    line["refunded_quantity"] = line.get("refunded_quantity", 0) + refund_line["quantity"]
    if refund_line["restock_type"] == "cancel":
        # cancelling unshipped units removes them from the fulfillment orders
        removable = min(refund_line["quantity"], order_math.fulfillable_quantity(line))
        line["removed_quantity"] = line.get("removed_quantity", 0) + removable
        _shrink_fulfillment_orders(store, order, line["id"], removable)
    if (
        refund_line["restock_type"] in ("return", "cancel")
        and line.get("inventory_item_id")
        and refund_line.get("location_id")
    ):
        level = ensure_level(store, line["inventory_item_id"], refund_line["location_id"])
        if refund_line["restock_type"] == "cancel" and order.get("inventory_decremented"):
            level["quantities"]["committed"] = quantity(level, "committed") - refund_line["quantity"]
        level["quantities"]["available"] = quantity(level, "available") + refund_line["quantity"]
        store.touch(level)
        ctx.emit(store, "inventory_levels/update", rest.inventory_level(level))


def _shrink_fulfillment_orders(store: ShopStore, order: Record, line_item_id: int, amount: int) -> None:
    for fulfillment_order in store.rows("fulfillment_orders"):
        if fulfillment_order["order_id"] != order["id"] or amount <= 0:
            continue
        for line in fulfillment_order["line_items"]:
            if line["line_item_id"] == line_item_id and line["remaining_quantity"]:
                taken = min(amount, line["remaining_quantity"])
                line["remaining_quantity"] -= taken
                amount -= taken
        if all(line["remaining_quantity"] == 0 for line in fulfillment_order["line_items"]):
            fulfillment_order["status"] = "closed"
        store.touch(fulfillment_order)


def _add_transactions(
    store: ShopStore, order: Record, refund: Record, transactions: list[dict[str, Any]]
) -> None:
    now = store.now()
    for data in transactions:
        order["transactions"].append(
            {
                "id": store.new_id(),
                "kind": str(data.get("kind") or "REFUND").lower(),
                "status": "success",
                "gateway": data.get("gateway") or "manual",
                "amount": money(data["amount"]),
                "test": False,
                "created_at": now,
                "processed_at": now,
                "parent_id": maybe_number(data.get("parentId"), "OrderTransaction"),
                "refund_id": refund["id"],
            }
        )


def suggested_refund(views: Views, order: Record, args: dict[str, Any]) -> View:
    """``Order.suggestedRefund(refundLineItems:, refundShipping:, shippingAmount:, suggestFullRefund:)``."""
    if args.get("suggestFullRefund"):
        lines_input = [
            {
                "lineItemId": f"gid://shopify/LineItem/{li['id']}",
                "quantity": order_math.refundable_quantity(li),
            }
            for li in order["line_items"]
            if order_math.refundable_quantity(li) > 0
        ]
    else:
        lines_input = args.get("refundLineItems") or []
    try:
        planned = _refund_lines(order, lines_input)
    except ValueError:
        planned = []
    subtotal = sum((D(p["subtotal"]) for p in planned), order_math.ZERO)
    tax = sum((D(p["total_tax"]) for p in planned), order_math.ZERO)
    shipping_total = order_math.shipping_price(order)
    if args.get("refundShipping") or args.get("suggestFullRefund"):
        shipping = shipping_total
    else:
        shipping = D(args["shippingAmount"]) if args.get("shippingAmount") is not None else order_math.ZERO
    maximum = _maximum_refundable(order)
    amount = min(subtotal + tax + shipping, maximum)
    sale = next(
        (
            t
            for t in order.get("transactions", [])
            if t["kind"] in ("sale", "capture") and t["status"] == "success"
        ),
        None,
    )
    lines = {li["id"]: li for li in order["line_items"]}
    refund_line_views = []
    for p in planned:
        refund_line_views.append(views.refund_line_item(order, p) if p["line_item_id"] in lines else None)
    suggested_transactions = []
    if sale is not None and amount > 0:
        suggested_transactions.append(
            {
                "kind": "SUGGESTED_REFUND",
                "gateway": sale.get("gateway") or "manual",
                "amountSet": views.bag(amount),
                "maximumRefundableSet": views.bag(maximum),
                "parentTransaction": views.transaction(sale, order),
            }
        )
    return {
        "amountSet": views.bag(amount),
        "subtotalSet": views.bag(subtotal),
        "totalTaxSet": views.bag(tax),
        "totalCartDiscountAmountSet": views.bag("0"),
        "maximumRefundableSet": views.bag(maximum),
        "refundLineItems": refund_line_views,
        "suggestedTransactions": suggested_transactions,
        "shipping": {
            "amountSet": views.bag(shipping),
            "maximumRefundableSet": views.bag(shipping_total),
            "taxSet": views.bag("0"),
        },
    }


MUTATIONS: dict[str, MutationResolver] = {"refundCreate": refund_create}
