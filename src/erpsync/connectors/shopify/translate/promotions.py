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
