"""The Shopify side of promotions and loyalty (the ``ShopifyConnector`` methods delegate here).

- Discount codes: read with ``codeDiscountNode``/``codeDiscountNodes`` (polled on ``updated_at``, oldest
  first), written with ``discountCodeBasicCreate``, or ``discountCodeBasicUpdate`` when a discount with the
  code exists (looked up with ``codeDiscountNodeByCode``, so a replayed create finds its first attempt).
- Loyalty: the balance in a customer metafield (``loyalty.points`` by default), read for the customers
  changed since the cursor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from erpsync.connectors.base import ChangeBatch, Unreadable
from erpsync.connectors.shopify.errors import SYSTEM
from erpsync.connectors.shopify.translate import DISCOUNT_FIELDS, discount_from_graphql, gid, legacy_id
from erpsync.connectors.shopify.translate.loyalty import LOYALTY_QUERY, loyalty_balance_from_graphql
from erpsync.connectors.shopify.translate.promotions import discount_input
from erpsync.errors import DataError
from erpsync.model import Discount
from erpsync.model.loyalty import LoyaltyBalance

if TYPE_CHECKING:
    from erpsync.connectors.shopify.connector import ShopifyConnector

DISCOUNT_QUERY = "query discount($id: ID!) { codeDiscountNode(id: $id) { " + DISCOUNT_FIELDS + " } }"
DISCOUNT_BY_CODE = "query discountByCode($code: String!) { codeDiscountNodeByCode(code: $code) { id } }"
DISCOUNTS_CHANGED = """
query discountsChanged($first: Int!, $after: String, $query: String) {
  codeDiscountNodes(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { id codeDiscount { ... on DiscountCodeBasic { updatedAt } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
DISCOUNT_CREATE = """
mutation discountCreate($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode { id } userErrors { field message code }
  }
}"""
DISCOUNT_UPDATE = """
mutation discountUpdate($id: ID!, $input: DiscountCodeBasicInput!) {
  discountCodeBasicUpdate(id: $id, basicCodeDiscount: $input) {
    codeDiscountNode { id } userErrors { field message code }
  }
}"""
DEFAULT_LOYALTY_METAFIELD = "loyalty.points"


def get_discount(connector: ShopifyConnector, discount_id: str) -> Discount:
    node = connector.client.execute(DISCOUNT_QUERY, {"id": gid("DiscountCodeNode", discount_id)})
    found = node.get("codeDiscountNode")
    if not found:
        raise DataError(
            f"Shopify has no code discount {discount_id}",
            system=SYSTEM,
            record=f"discount {discount_id}",
            suggested_fix="the discount was deleted in Shopify; skip this record",
        )
    return discount_from_graphql(found)


def find_discount_by_code(connector: ShopifyConnector, code: str) -> str | None:
    """The id of the discount with this code (Shopify matches codes case-insensitively), or None."""
    found = connector.client.execute(DISCOUNT_BY_CODE, {"code": code}).get("codeDiscountNodeByCode")
    return legacy_id(found["id"]) if found else None


def discounts_changed_since(connector: ShopifyConnector, cursor: str | None) -> ChangeBatch[Discount]:
    from erpsync.connectors.shopify.connector import _ChangeCursor

    state = _ChangeCursor.decode(cursor)
    while True:
        query = f"updated_at:>='{state.since}'" if state.since else None
        data = connector.client.execute(
            DISCOUNTS_CHANGED, {"first": connector.page_size, "after": state.after, "query": query}
        )
        connection = data["codeDiscountNodes"]
        # Only basic code discounts carry updatedAt in this selection; others are not synced (translate).
        flat = [
            {"id": n["id"], "updatedAt": (n.get("codeDiscount") or {}).get("updatedAt")}
            for n in connection["nodes"]
            if (n.get("codeDiscount") or {}).get("updatedAt")
        ]
        fresh = [n for n in flat if not state.already_returned(n)]
        page_info = connection.get("pageInfo") or {}
        more = bool(page_info.get("hasNextPage"))
        state = state.advanced(fresh, page_info.get("endCursor") if more else None)
        if fresh or not more:
            break
    discounts, unreadable = [], []
    for node in fresh:
        discount_id = legacy_id(node["id"])
        try:
            discounts.append(get_discount(connector, discount_id))
        except DataError as exc:
            unreadable.append(Unreadable.of(discount_id, f"{SYSTEM}:{discount_id}", exc))
    return ChangeBatch(discounts, state.encode(), more, unreadable)


def upsert_discount(connector: ShopifyConnector, discount: Discount) -> str:
    """Create the discount, or update the one that has its code (codes are unique in a shop)."""
    record = f"discount {discount.business_key}"
    body = discount_input(discount)
    found = find_discount_by_code(connector, body["code"])
    if found:
        payload = connector.client.mutate(
            DISCOUNT_UPDATE,
            {"id": gid("DiscountCodeNode", found), "input": body},
            payload_key="discountCodeBasicUpdate",
            record=record,
        )
    else:
        payload = connector.client.mutate(
            DISCOUNT_CREATE, {"input": body}, payload_key="discountCodeBasicCreate", record=record
        )
    return legacy_id(payload["codeDiscountNode"]["id"])


def loyalty_balances_changed_since(
    connector: ShopifyConnector, cursor: str | None
) -> ChangeBatch[LoyaltyBalance]:
    """The loyalty balances of the customers changed since the cursor (customers without one left out)."""
    metafield = getattr(connector, "loyalty_metafield", DEFAULT_LOYALTY_METAFIELD)
    namespace, _, key = metafield.rpartition(".")
    from erpsync.connectors.shopify.connector import CUSTOMERS_CHANGED_QUERY

    ids, next_cursor, more = connector._changed_since(CUSTOMERS_CHANGED_QUERY, "customers", cursor)
    balances: list[LoyaltyBalance] = []
    unreadable: list[Unreadable] = []
    for customer_id in ids:
        variables: dict[str, Any] = {"id": gid("Customer", customer_id), "namespace": namespace, "key": key}
        customer = connector.client.execute(LOYALTY_QUERY, variables).get("customer")
        if not customer:
            continue
        try:
            balance = loyalty_balance_from_graphql(customer, metafield)
        except DataError as exc:
            unreadable.append(Unreadable.of(customer_id, f"loyalty:{SYSTEM}:{customer_id}", exc))
            continue
        if balance is not None:
            balances.append(balance)
    return ChangeBatch(balances, next_cursor, more, unreadable)
