"""Shopify order transactions and refunds ↔ canonical ``Transaction`` and ``Refund``.

REST refund (``refunds/create``)::

    {"id": 929361464, "order_id": 820982911, "created_at": "...", "note": "wrong size",
     "refund_line_items": [{"line_item_id": 866550311, "quantity": 1, "restock_type": "return",
        "location_id": 487838322,
        "subtotal_set": {"shop_money": {"amount": "199.00", "currency_code": "USD"}},
        "total_tax_set": {...}, "line_item": {"sku": "IPOD-342-N", ...}}],
     "order_adjustments": [{"kind": "shipping_refund", "amount": "-5.00", "tax_amount": "-0.50", ...}],
     "transactions": [{"kind": "refund", "status": "success", "amount": "209.00", "currency": "USD", ...}]}

Shopify signs adjustments from the merchant's view (a shipping refund is ``-5.00``); canonical refund
amounts are non-negative, so their absolute value is taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from erpsync.connectors.shopify.translate.common import (
    SYSTEM,
    decimal,
    gid,
    graphql_money,
    legacy_id,
    money,
    nodes,
    optional_id,
    origin,
    parse_time,
    rest_money,
    translator,
)
from erpsync.errors import DataError
from erpsync.model import Money, Payout, PayoutAdjustment, Refund, RefundLine, Transaction
from erpsync.model.common import sum_money
from erpsync.model.finance import TransactionKind, TransactionStatus

_KINDS = set(get_args(TransactionKind))
_STATUSES = set(get_args(TransactionStatus))
_RESTOCKING = {"return", "cancel", "legacy_restock"}


def _kind(value: Any) -> str:
    kind = str(value or "").lower()
    return kind if kind in _KINDS else "sale" if kind == "change" else kind


def _status(value: Any) -> str:
    status = str(value or "").lower()
    return status if status in _STATUSES else "pending" if status == "awaiting_response" else "error"


@translator("transaction")
def transaction_from_rest(payload: Mapping[str, Any], *, currency: str | None = None) -> Transaction:
    """A REST transaction (``order_transactions/create`` or nested in a refund)."""
    record = f"transaction {payload.get('id')}"
    details = payload.get("payment_details") or {}
    code = payload.get("currency") or currency
    return Transaction(
        origin=origin(payload["id"], payload.get("processed_at"), payload.get("created_at")),
        order_id=optional_id(payload.get("order_id")),
        kind=_kind(payload.get("kind")),
        status=_status(payload.get("status")),
        gateway=str(payload.get("gateway") or "unknown"),
        amount=money(payload.get("amount", "0"), str(code), field="amount", record=record),
        payment_method=details.get("credit_card_company") or details.get("payment_method_name"),
        parent_id=optional_id(payload.get("parent_id")),
        reference=payload.get("authorization") or payload.get("payment_id"),
        processed_at=parse_time(payload.get("processed_at") or payload.get("created_at")),
    )


@translator("transaction")
def transaction_from_graphql(node: Mapping[str, Any], *, order_id: str | None = None) -> Transaction:
    record = f"transaction {legacy_id(node.get('id'))}"
    amount = graphql_money(node.get("amountSet"), field="amountSet", record=record)
    parent = node.get("parentTransaction") or {}
    return Transaction(
        origin=origin(node["id"], node.get("processedAt"), node.get("createdAt")),
        order_id=order_id,
        kind=_kind(node.get("kind")),
        status=_status(node.get("status")),
        gateway=str(node.get("gateway") or "unknown"),
        amount=amount if amount is not None else Money.zero("XXX"),
        parent_id=optional_id(parent.get("id")),
        processed_at=parse_time(node.get("processedAt") or node.get("createdAt")),
    )


@translator("refund")
def refund_from_rest(payload: Mapping[str, Any], *, currency: str | None = None) -> Refund:
    """A REST refund; ``currency`` is the shop currency when the refund carries no money set to tell it."""
    record = f"refund {payload.get('id')} of order {payload.get('order_id')}"
    code = currency or _refund_currency(payload) or "XXX"
    lines = [_refund_line_from_rest(item, code, record) for item in payload.get("refund_line_items") or []]
    shipping, adjustment = _adjustments(payload.get("order_adjustments") or [], code, record)
    transactions = [
        transaction_from_rest(t, currency=code)
        for t in payload.get("transactions") or []
        if str(t.get("kind")) == "refund" and (t.get("currency") or code) == code
    ]
    parts = [ln.subtotal for ln in lines] + [ln.tax for ln in lines if ln.tax]
    parts += [amount for amount in (shipping, adjustment) if amount is not None]
    return Refund(
        origin=origin(payload["id"], payload.get("processed_at"), payload.get("created_at")),
        order_id=legacy_id(payload["order_id"]),
        created_at=parse_time(payload.get("created_at")),
        note=payload.get("note") or None,
        lines=lines,
        shipping=shipping,
        adjustment=adjustment,
        total=sum_money(parts, code),
        transactions=transactions,
    )


@translator("refund")
def refund_from_graphql(node: Mapping[str, Any], *, order_id: str) -> Refund:
    record = f"refund {legacy_id(node.get('id'))} of order {order_id}"
    lines: list[RefundLine] = []
    for item in nodes(node.get("refundLineItems")):
        subtotal = graphql_money(item.get("subtotalSet"), field="subtotalSet", record=record)
        line_item = item.get("lineItem") or {}
        restock = str(item.get("restockType") or "").lower() in _RESTOCKING
        location = (item.get("location") or {}).get("id")
        lines.append(
            RefundLine(
                line_id=legacy_id(line_item.get("id")),
                sku=line_item.get("sku") or None,
                quantity=int(item["quantity"]),
                restock=restock,
                restock_location_code=optional_id(location) if restock else None,
                subtotal=subtotal if subtotal is not None else Money.zero("XXX"),
                tax=graphql_money(item.get("totalTaxSet"), field="totalTaxSet", record=record),
            )
        )
    total = graphql_money(node.get("totalRefundedSet"), field="totalRefundedSet", record=record)
    currency = total.currency if total else (lines[0].subtotal.currency if lines else "XXX")
    transactions = [
        transaction_from_graphql(t, order_id=order_id)
        for t in nodes(node.get("transactions"))
        if str(t.get("kind")).lower() == "refund"
    ]
    computed = sum_money([ln.subtotal for ln in lines] + [ln.tax for ln in lines if ln.tax], currency)
    # GraphQL's totalRefundedSet is the money paid back; what it holds beyond the lines is shipping or a
    # goodwill amount, which the refund object does not break down further in this query.
    extra = (total - computed) if total is not None and total > computed else None
    return Refund(
        origin=origin(node["id"], node.get("updatedAt"), node.get("createdAt")),
        order_id=order_id,
        created_at=parse_time(node.get("createdAt")),
        note=node.get("note") or None,
        lines=lines,
        adjustment=extra,
        total=total if total is not None and extra is not None else computed,
        transactions=[t for t in transactions if t.amount.currency == currency],
    )


def refund_input(refund: Refund, *, order_gid: str, gateway: str | None = None) -> dict[str, Any]:
    """Canonical refund → GraphQL ``RefundInput`` (refund lines, shipping, and one refund transaction).

    The transaction refunds ``refund.total`` through ``gateway`` (the order's original gateway, which the
    caller looks up); without a gateway the refund records restocking only and moves no money.
    """
    refund_lines = []
    for line in refund.lines:
        item: dict[str, Any] = {
            "lineItemId": gid("LineItem", line.line_id),
            "quantity": line.quantity,
            "restockType": "RETURN" if line.restock else "NO_RESTOCK",
        }
        if line.restock and line.restock_location_code:
            item["locationId"] = gid("Location", line.restock_location_code)
        refund_lines.append(item)
    payload: dict[str, Any] = {"orderId": order_gid, "refundLineItems": refund_lines}
    if refund.note or refund.reason:
        payload["note"] = refund.note or refund.reason
    if refund.shipping is not None and not refund.shipping.is_zero():
        payload["shipping"] = {"amount": str(refund.shipping.amount)}
    if gateway and not refund.total.is_zero():
        payload["transactions"] = [
            {"orderId": order_gid, "gateway": gateway, "kind": "REFUND", "amount": str(refund.total.amount)}
        ]
    payload["currency"] = refund.currency
    return payload


def _refund_currency(payload: Mapping[str, Any]) -> str | None:
    for item in payload.get("refund_line_items") or []:
        side = (item.get("subtotal_set") or {}).get("shop_money") or {}
        if side.get("currency_code"):
            return str(side["currency_code"])
    for transaction in payload.get("transactions") or []:
        if transaction.get("currency"):
            return str(transaction["currency"])
    return None


def _refund_line_from_rest(item: Mapping[str, Any], currency: str, record: str) -> RefundLine:
    restock = str(item.get("restock_type") or "").lower() in _RESTOCKING
    subtotal = rest_money(item, "subtotal", currency, record=record)
    return RefundLine(
        line_id=legacy_id(item["line_item_id"]),
        sku=(item.get("line_item") or {}).get("sku") or None,
        quantity=int(item["quantity"]),
        restock=restock,
        restock_location_code=optional_id(item.get("location_id")) if restock else None,
        subtotal=subtotal if subtotal is not None else Money.zero(currency),
        tax=rest_money(item, "total_tax", currency, record=record),
    )


def _adjustments(
    adjustments: list[Mapping[str, Any]], currency: str, record: str
) -> tuple[Money | None, Money | None]:
    shipping: list[Money] = []
    other: list[Money] = []
    for adjustment in adjustments:
        amount = decimal(adjustment.get("amount", "0"), field="order_adjustments.amount", record=record)
        tax = decimal(
            adjustment.get("tax_amount") or "0", field="order_adjustments.tax_amount", record=record
        )
        total = money(abs(amount + tax), currency, field="order_adjustments", record=record)
        (shipping if adjustment.get("kind") == "shipping_refund" else other).append(total)
    return (
        sum_money(shipping, currency) if shipping else None,
        sum_money(other, currency) if other else None,
    )


# -- payouts -------------------------------------------------------------------------------------------------

PAYOUT_FIELDS = """
  id legacyResourceId issuedAt status transactionType
  net { amount currencyCode }
  summary {
    chargesGross { amount currencyCode } chargesFee { amount currencyCode }
    refundsFeeGross { amount currencyCode } refundsFee { amount currencyCode }
    adjustmentsGross { amount currencyCode } adjustmentsFee { amount currencyCode }
    reservedFundsGross { amount currencyCode } reservedFundsFee { amount currencyCode }
    retriedPayoutsGross { amount currencyCode } retriedPayoutsFee { amount currencyCode }
    advanceGross { amount currencyCode } advanceFees { amount currencyCode }
  }
"""
_PAYOUT_STATUSES = {
    "SCHEDULED": "scheduled",
    "IN_TRANSIT": "in_transit",
    "PAID": "paid",
    "FAILED": "failed",
    "CANCELED": "cancelled",
}
# Summary gross amounts besides the charges, and the canonical adjustment kind each becomes.
_GROSS_KINDS = (
    ("refundsFeeGross", "refund"),
    ("adjustmentsGross", "adjustment"),
    ("reservedFundsGross", "reserve"),
    ("retriedPayoutsGross", "other"),
    ("advanceGross", "other"),
)
_FEES = ("refundsFee", "adjustmentsFee", "reservedFundsFee", "retriedPayoutsFee", "advanceFees")


@translator("payout")
def payout_from_graphql(node: Mapping[str, Any]) -> Payout:
    """A ``ShopifyPaymentsPayout`` (https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsPayout)
    with its ``summary`` (https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsPayoutSummary).

    The summary's gross amounts are signed from the merchant's view (refunds negative) and its fees are what
    Shopify kept (a fee handed back is negative); so ``net = Σ gross - Σ fees``. Canonically: ``gross`` is
    the charges' gross, ``fees`` the charges' fees, and every other non-zero summary line is a signed
    adjustment (a fee on refunds or disputes is an adjustment of kind ``fee``, its sign flipped). A
    ``WITHDRAWAL`` payout takes ``net`` out of the bank: its canonical net is negative. When the summary does
    not add up to the net, the canonical ``Payout`` refuses it, and the payout is parked with both figures.
    """
    record = f"payout {legacy_id(node.get('id'))}"
    net = graphql_money(node.get("net"), field="net", record=record)
    if net is None:
        raise DataError(f"Shopify {record} has no net amount", system=SYSTEM, record=record, field="net")
    currency = net.currency
    summary = node.get("summary") or {}

    def line(name: str) -> Money:
        amount = graphql_money(summary.get(name), field=f"summary.{name}", record=record)
        return amount if amount is not None else Money.zero(currency)

    adjustments = [
        PayoutAdjustment(kind=kind, amount=line(name), description=name)
        for name, kind in _GROSS_KINDS
        if not line(name).is_zero()
    ]
    adjustments += [
        PayoutAdjustment(kind="fee", amount=-line(name), description=name)
        for name in _FEES
        if not line(name).is_zero()
    ]
    signed_net = -net if str(node.get("transactionType") or "DEPOSIT").upper() == "WITHDRAWAL" else net
    issued_at = parse_time(node.get("issuedAt"))
    return Payout(
        origin=origin(node["id"], node.get("issuedAt")),
        status=_PAYOUT_STATUSES.get(str(node.get("status") or "").upper(), "scheduled"),
        issued_at=issued_at,
        gross=line("chargesGross"),
        fees=line("chargesFee"),
        adjustments=adjustments,
        net=signed_net,
    )
