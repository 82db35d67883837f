"""Shopify code discounts → canonical ``Discount``.

The ``discounts/create``/``update`` webhooks carry only ``admin_graphql_api_id``, title and status, so a
discount is always read through GraphQL (``codeDiscountNode``). ``DiscountCodeBasic.customerGets.value`` is
a ``DiscountPercentage`` whose ``percentage`` is a fraction (0.1 = 10 %,
https://shopify.dev/docs/api/admin-graphql/latest/objects/DiscountPercentage) or a ``DiscountAmount``.
Other discount kinds (BXGY, free shipping, automatic) are not translated yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from erpsync.connectors.shopify.translate.common import (
    decimal,
    graphql_money,
    nodes,
    origin,
    parse_time,
    translator,
)
from erpsync.errors import DataError
from erpsync.model import Discount

DISCOUNT_FIELDS = """
  id
  codeDiscount {
    __typename
    ... on DiscountCodeBasic {
      title startsAt endsAt usageLimit appliesOncePerCustomer createdAt updatedAt
      customerGets { value {
        __typename
        ... on DiscountPercentage { percentage }
        ... on DiscountAmount { amount { amount currencyCode } appliesOnEachItem }
      } }
      codes(first: 20) { nodes { code } }
    }
  }
"""
"""The fields of a ``DiscountCodeNode`` that ``discount_from_graphql`` reads."""


@translator("discount")
def discount_from_graphql(node: Mapping[str, Any]) -> Discount:
    rule = node.get("codeDiscount") or {}
    typename = rule.get("__typename", "DiscountCodeBasic")
    record = f"discount {node.get('id')}"
    if typename != "DiscountCodeBasic":
        raise DataError(
            f"Shopify {record} is a {typename}; only basic code discounts are translated",
            system="shopify",
            record=record,
            suggested_fix="sync this discount by hand, or extend translate/promotions.py",
        )
    value = (rule.get("customerGets") or {}).get("value") or {}
    percentage = amount = None
    if value.get("percentage") is not None:
        kind = "percentage"
        percentage = decimal(value["percentage"], field="customerGets.value.percentage", record=record) * 100
    else:
        kind = "fixed_amount"
        amount = graphql_money(value.get("amount"), field="customerGets.value.amount", record=record)
    return Discount(
        origin=origin(node["id"], rule.get("updatedAt"), rule.get("createdAt")),
        title=str(rule.get("title") or "(untitled discount)"),
        codes=[str(c["code"]) for c in nodes(rule.get("codes")) if c.get("code")],
        kind=kind,
        percentage=percentage,
        amount=amount,
        usage_limit=rule.get("usageLimit") or None,
        once_per_customer=bool(rule.get("appliesOncePerCustomer")),
        starts_at=parse_time(rule.get("startsAt")),
        ends_at=parse_time(rule.get("endsAt")),
    )


def discount_input(discount: Discount) -> dict[str, Any]:
    """A canonical discount as ``DiscountCodeBasicInput``: the whole order, every customer, its first code.

    Percentages go as a fraction (10 % → 0.1). Only percentage and fixed-amount discounts on the whole order
    have a basic-code form; other kinds are a DataError naming the discount.
    """
    record = f"discount {discount.business_key}"
    if discount.kind not in ("percentage", "fixed_amount") or discount.scope != "order" or not discount.codes:
        raise DataError(
            f"{record} is a {discount.kind} discount on {discount.scope} with {len(discount.codes)} code(s); "
            "only one-code percentage or fixed-amount discounts on the whole order are synced to Shopify",
            system="shopify",
            record=record,
            field="kind",
            suggested_fix="create this discount in Shopify by hand",
        )
    if discount.kind == "percentage":
        assert discount.percentage is not None  # the model's rule check
        value: dict[str, Any] = {"percentage": float(discount.percentage / 100)}
    else:
        assert discount.amount is not None
        value = {"discountAmount": {"amount": str(discount.amount.amount), "appliesOnEachItem": False}}
    return {
        "title": discount.title,
        "code": discount.codes[0],
        "startsAt": discount.starts_at.isoformat() if discount.starts_at else None,
        "endsAt": discount.ends_at.isoformat() if discount.ends_at else None,
        "usageLimit": discount.usage_limit,
        "appliesOncePerCustomer": discount.once_per_customer,
        "customerGets": {"value": value, "items": {"all": True}},
        "context": {"all": "ALL"},
    }
