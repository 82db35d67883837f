"""An order edit's staged changes, and the order they make: ``CalculatedOrder`` and ``CalculatedLineItem``.

An edit (``order["edits"]``, begun by ``orderEditBegin``) stages quantities for the order's lines and variants
to add; nothing on the order changes until ``orderEditCommit`` (order_edits.py). A calculated order
(https://shopify.dev/docs/api/admin-graphql/2026-04/objects/CalculatedOrder) is the order with those changes
applied to a copy, so its amounts are the ones the order shows once the edit is committed; the commit applies
the same changes (``apply_edit``) to the order itself.

    edit = {"id": 1000000123, "created_at": "...", "committed_at": None,
            "quantities": {"1000000045": {"quantity": 1, "restock": True}},   # line id -> staged quantity
            "added": [{"id": 1000000124, "variant_id": 1000000012, "quantity": 2, "location_id": 1000000001}]}

Amounts follow orderCreate (orders.py): units an edit removes leave the line's priced quantity
(``edit_removed_quantity``, order_math.ordered_quantity); a line's percentage discount is recomputed on what
remains and a fixed one scaled to it, in cents; taxes are the line's rates on its discounted amount, rounded
to the cent. Units added to a line are not discounted; an added variant gets the order's tax rates and no
discount code.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from erpsync.sandboxes.shopify import order_math
from erpsync.sandboxes.shopify.ids import gid
from erpsync.sandboxes.shopify.store import Record, ShopStore, money
from erpsync.sandboxes.shopify.views import View, Views

CENT = Decimal("0.01")
D = order_math.dec


@dataclass(frozen=True)
class CalculatedLine:
    """One line of a calculated order: an order line at its staged quantity, or a variant being added."""

    id: int  # the LineItem's number for an order line; the CalculatedLineItem's own for an added variant
    quantity: int  # units after the edit
    before: int  # units before it (currentQuantity; 0 for an added variant)
    locked: int  # units that cannot be edited: fulfilled ones
    restock: bool
    restockable: bool
    added: bool
    title: str
    sku: str | None
    price: str
    variant_id: int | None


@dataclass(frozen=True)
class LineChange:
    """What a committed edit did to one line: ``delta`` units added (> 0) or removed (< 0)."""

    line: Record
    delta: int
    restock: bool
    added: bool


def find_edit(store: ShopStore, number: int | None) -> tuple[Record, Record] | None:
    """The order and edit of a CalculatedOrder / OrderEditSession number (they share it)."""
    if number is None:
        return None
    for order in store.rows("orders"):
        for edit in order.get("edits", []):
            if edit["id"] == number:
                return order, edit
    return None


def _staged(edit: Record) -> bool:
    return edit.get("committed_at") is None


def calculated_lines(store: ShopStore, order: Record, edit: Record) -> list[CalculatedLine]:
    staged = edit["quantities"] if _staged(edit) else {}
    lines = []
    for line in order["line_items"]:
        before = order_math.current_quantity(line)
        locked = before - order_math.fulfillable_quantity(line)
        change = staged.get(str(line["id"]), {})
        lines.append(
            CalculatedLine(
                id=line["id"],
                quantity=change.get("quantity", before),
                before=before,
                locked=locked,
                restock=bool(change.get("restock")),
                restockable=bool(line.get("inventory_item_id")) and before > locked,
                added=False,
                title=line["title"],
                sku=line.get("sku"),
                price=line["price"],
                variant_id=line.get("variant_id"),
            )
        )
    for added in edit["added"] if _staged(edit) else []:
        variant = store.tables["variants"][added["variant_id"]]
        product = store.tables["products"][variant["product_id"]]
        lines.append(
            CalculatedLine(
                id=added["id"],
                quantity=added["quantity"],
                before=0,
                locked=0,
                restock=False,
                restockable=False,
                added=True,
                title=product["title"],
                sku=variant.get("sku"),
                price=money(variant["price"]),
                variant_id=variant["id"],
            )
        )
    return lines


# ---------------------------------------------------------------------- applying an edit to an order


def _retax(line: Record) -> None:
    base = order_math.line_gross(line) - order_math.line_discount(line)
    for tax in line.get("tax_lines", []):
        tax["price"] = money((base * D(tax["rate"])).quantize(CENT))


def _rescale_discounts(order: Record, line: Record, ordered_before: int) -> None:
    applications = order.get("discount_applications", [])
    ordered = order_math.ordered_quantity(line)
    for allocation in line.get("discount_allocations", []):
        index = allocation["discount_application_index"]
        application = applications[index] if index < len(applications) else {}
        if application.get("value_type") == "percentage":
            share = order_math.line_gross(line) * D(application["value"]) / 100
        else:
            share = D(allocation["amount"]) * ordered / ordered_before if ordered_before else order_math.ZERO
        allocation["amount"] = money(share.quantize(CENT))


def _sync_discount_codes(order: Record) -> None:
    """A code's amount on the order is what its allocations add up to (REST ``discount_codes[].amount``)."""
    applications = order.get("discount_applications", [])
    for index, code in enumerate(order.get("discount_codes", [])):
        if index >= len(applications) or applications[index]["target_type"] != "line_item":
            continue
        allocated = sum(
            (
                D(a["amount"])
                for line in order["line_items"]
                for a in line.get("discount_allocations", [])
                if a["discount_application_index"] == index
            ),
            order_math.ZERO,
        )
        code["amount"] = money(allocated)


def _order_tax_rates(order: Record) -> list[tuple[str, str]]:
    rates: list[tuple[str, str]] = []
    for line in order["line_items"]:
        for tax in line.get("tax_lines", []):
            if (tax["title"], str(tax["rate"])) not in rates:
                rates.append((tax["title"], str(tax["rate"])))
    return rates


def variant_line(store: ShopStore, variant: Record, quantity: int, line_id: int) -> Record:
    """A LineItem record for a variant, as orderCreate makes one (orders.py), untaxed and undiscounted."""
    product = store.tables["products"][variant["product_id"]]
    item = store.tables["inventory_items"][variant["inventory_item_id"]]
    variant_title = None if variant["title"] == "Default Title" else variant["title"]
    return {
        "id": line_id,
        "quantity": quantity,
        "tax_lines": [],
        "discount_allocations": [],
        "variant_id": variant["id"],
        "product_id": product["id"],
        "inventory_item_id": item["id"],
        "title": product["title"],
        "variant_title": variant_title,
        "name": product["title"] + (f" - {variant_title}" if variant_title else ""),
        "sku": variant.get("sku"),
        "vendor": product.get("vendor"),
        "price": money(variant["price"]),
        "requires_shipping": item.get("requires_shipping", True),
        "taxable": variant.get("taxable", True),
        "grams": 0,
    }


def apply_edit(
    store: ShopStore, order: Record, edit: Record, new_line_id: Callable[[Record], int]
) -> list[LineChange]:
    """Apply the edit's staged changes to ``order``'s lines and amounts (not inventory, not fulfillment
    orders); ``new_line_id(added)`` numbers the line item of an added variant."""
    changes = []
    lines = {str(line["id"]): line for line in order["line_items"]}
    for line_id, staged in edit["quantities"].items():
        line = lines[line_id]
        delta = staged["quantity"] - order_math.current_quantity(line)
        if delta == 0:
            continue
        ordered_before = order_math.ordered_quantity(line)
        if delta < 0:
            line["edit_removed_quantity"] = line.get("edit_removed_quantity", 0) - delta
            _rescale_discounts(order, line, ordered_before)
        else:
            line["quantity"] += delta
        _retax(line)
        changes.append(LineChange(line, delta, bool(staged.get("restock")), added=False))
    rates = _order_tax_rates(order)
    for added in edit["added"]:
        variant = store.tables["variants"][added["variant_id"]]
        line = variant_line(store, variant, added["quantity"], new_line_id(added))
        line["location_id"] = added["location_id"]
        if line["taxable"]:
            line["tax_lines"] = [
                {"title": title, "rate": rate, "price": "0.00", "channel_liable": False}
                for title, rate in rates
            ]
            _retax(line)
        order["line_items"].append(line)
        changes.append(LineChange(line, added["quantity"], restock=False, added=True))
    _sync_discount_codes(order)
    return changes


def staged_order(store: ShopStore, order: Record, edit: Record) -> Record:
    """A copy of ``order`` with the edit applied (the order itself once committed)."""
    if not _staged(edit):
        return order
    copied = copy.deepcopy(order)
    apply_edit(store, copied, edit, lambda added: int(added["id"]))
    return copied


# ---------------------------------------------------------------------- views


def edit_session(edit: Record) -> View:
    return {"__typename": "OrderEditSession", "id": gid("OrderEditSession", edit["id"])}


def calculated_line_item(views: Views, line: CalculatedLine) -> View:
    variant = views.store.get("variants", line.variant_id)
    return {
        "__typename": "CalculatedLineItem",
        "id": gid("CalculatedLineItem", line.id),
        "quantity": line.quantity,
        "editableQuantity": line.quantity - line.locked,
        "editableQuantityBeforeChanges": line.before - line.locked,
        "restockable": line.restockable,
        "restocking": line.restock and line.quantity < line.before,
        "title": line.title,
        "sku": line.sku,
        "variant": (lambda _info: views.variant(variant)) if variant else None,
        "originalUnitPriceSet": views.bag(line.price),
    }


def calculated_order(views: Views, order: Record, edit: Record) -> View:
    lines = calculated_lines(views.store, order, edit)
    amounts = order_math.totals(staged_order(views.store, order, edit))

    def page(rows: list[CalculatedLine], args: dict[str, Any]) -> View:
        by_id = {line.id: line for line in rows}
        return views.page(
            [{"id": line.id} for line in rows],
            lambda row: calculated_line_item(views, by_id[row["id"]]),
            args,
        )

    return {
        "__typename": "CalculatedOrder",
        "id": gid("CalculatedOrder", edit["id"]),
        "originalOrder": lambda _info: views.order(order),
        "lineItems": lambda _info, **args: page(lines, args),
        "addedLineItems": lambda _info, **args: page([line for line in lines if line.added], args),
        "subtotalPriceSet": views.bag(amounts.subtotal),
        "totalPriceSet": views.bag(amounts.total),
        "totalOutstandingSet": views.bag(amounts.outstanding),
        "committed": not _staged(edit),
    }
