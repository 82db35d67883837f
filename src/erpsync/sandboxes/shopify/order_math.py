"""An order's amounts and statuses, derived from its lines, so GraphQL views and webhooks agree.

Shopify's ``subtotal`` is the line items after discounts, before shipping and taxes; ``total`` adds
shipping and (unless prices include taxes) taxes (https://shopify.dev/docs/api/admin-graphql/latest/objects/Order).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from erpsync.sandboxes.shopify.store import Record

ZERO = Decimal("0.00")


def dec(value: str | int | float | Decimal | None) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else ZERO


def ordered_quantity(line: Record) -> int:
    """Units ordered after order edits: units an edit removed leave the order and its amounts, while units
    a refund cancelled (``removed_quantity``) stay priced, the refund being a record of its own."""
    return int(line["quantity"]) - int(line.get("edit_removed_quantity", 0))


def current_quantity(line: Record) -> int:
    """``LineItem.currentQuantity``: the units ordered after edits, less the units removed by refunds."""
    return ordered_quantity(line) - int(line.get("removed_quantity", 0))


def refundable_quantity(line: Record) -> int:
    """``LineItem.refundableQuantity``: units still on the order after edits that no refund has taken."""
    return max(0, ordered_quantity(line) - int(line.get("refunded_quantity", 0)))


def line_gross(line: Record) -> Decimal:
    return dec(line["price"]) * ordered_quantity(line)


def line_discount(line: Record) -> Decimal:
    return sum((dec(a["amount"]) for a in line.get("discount_allocations", [])), ZERO)


def line_tax(line: Record) -> Decimal:
    return sum((dec(t["price"]) for t in line.get("tax_lines", [])), ZERO)


def shipping_price(order: Record) -> Decimal:
    return sum((dec(s["price"]) - shipping_discount(s) for s in order.get("shipping_lines", [])), ZERO)


def shipping_discount(shipping_line: Record) -> Decimal:
    return sum((dec(a["amount"]) for a in shipping_line.get("discount_allocations", [])), ZERO)


def shipping_tax(order: Record) -> Decimal:
    return sum(
        (dec(t["price"]) for s in order.get("shipping_lines", []) for t in s.get("tax_lines", [])), ZERO
    )


@dataclass(frozen=True)
class OrderTotals:
    line_items: Decimal
    discounts: Decimal
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    received: Decimal
    refunded: Decimal

    @property
    def outstanding(self) -> Decimal:
        return max(ZERO, self.total - self.received + self.refunded) if self.received else self.total

    @property
    def current_total(self) -> Decimal:
        return self.total - self.refunded


def totals(order: Record) -> OrderTotals:
    lines = order.get("line_items", [])
    line_items = sum((line_gross(line) for line in lines), ZERO)
    line_discounts = sum((line_discount(line) for line in lines), ZERO)
    shipping_discounts = sum((shipping_discount(s) for s in order.get("shipping_lines", [])), ZERO)
    tax = sum((line_tax(line) for line in lines), ZERO) + shipping_tax(order)
    subtotal = line_items - line_discounts
    shipping = shipping_price(order)
    total = subtotal + shipping + (ZERO if order.get("taxes_included") else tax)
    transactions = order.get("transactions", [])
    received = sum(
        (
            dec(t["amount"])
            for t in transactions
            if t["kind"] in ("sale", "capture") and t["status"] == "success"
        ),
        ZERO,
    )
    refunded = sum(
        (dec(t["amount"]) for t in transactions if t["kind"] == "refund" and t["status"] == "success"), ZERO
    )
    return OrderTotals(
        line_items=line_items,
        discounts=line_discounts + shipping_discounts,
        subtotal=subtotal,
        shipping=shipping,
        tax=tax,
        total=total,
        received=received,
        refunded=refunded,
    )


def financial_status(order: Record) -> str:
    """REST ``financial_status``: pending, authorized, paid, partially_paid, (partially_)refunded."""
    if order.get("financial_status_override"):
        return str(order["financial_status_override"])
    amounts = totals(order)
    if amounts.refunded > 0:
        return "refunded" if amounts.refunded >= amounts.received else "partially_refunded"
    if amounts.received >= amounts.total and amounts.received > 0:
        return "paid"
    if amounts.received > 0:
        return "partially_paid"
    kinds = {t["kind"] for t in order.get("transactions", []) if t["status"] == "success"}
    return "authorized" if "authorization" in kinds else "pending"


def fulfillable_quantity(line: Record) -> int:
    return max(0, current_quantity(line) - line.get("fulfilled_quantity", 0))


def fulfillment_status(order: Record) -> str | None:
    """REST ``fulfillment_status``: null (unfulfilled), partial, fulfilled."""
    shipped = [line for line in order.get("line_items", []) if line.get("requires_shipping", True)]
    fulfilled = sum(line.get("fulfilled_quantity", 0) for line in shipped)
    if not shipped or fulfilled == 0:
        return None
    if all(fulfillable_quantity(line) == 0 for line in shipped):
        return "fulfilled"
    return "partial"


def display_fulfillment_status(order: Record) -> str:
    status = fulfillment_status(order)
    return {None: "UNFULFILLED", "partial": "PARTIALLY_FULFILLED", "fulfilled": "FULFILLED"}[status]


def allocate(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` over ``weights`` in cents; the rounding remainder goes to the last share."""
    cent = Decimal("0.01")
    total_weight = sum(weights, ZERO)
    if not weights:
        return []
    if total_weight == 0:
        shares = [ZERO for _ in weights]
    else:
        shares = [(amount * w / total_weight).quantize(cent) for w in weights]
    shares[-1] += amount - sum(shares, ZERO)
    return shares
