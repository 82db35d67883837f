"""A Shopify customer's loyalty metafield → ``LoyaltyBalance``.

The balance is an integer metafield on the customer (type ``number_integer``), at the namespace and key the
loyalty app uses (``loyalty.points`` by default). Its ``compareDigest`` is the balance's version: Shopify
changes it with the value (https://shopify.dev/docs/api/admin-graphql/latest/mutations/metafieldsSet).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from erpsync.connectors.shopify.translate.common import legacy_id, origin, translator
from erpsync.errors import DataError
from erpsync.model.loyalty import LoyaltyBalance

LOYALTY_QUERY = """
query loyalty($id: ID!, $namespace: String!, $key: String!) {
  customer(id: $id) {
    id email
    metafield(namespace: $namespace, key: $key) { value type compareDigest updatedAt }
  }
}"""


@translator("loyalty_balance")
def loyalty_balance_from_graphql(customer: Mapping[str, Any], metafield: str) -> LoyaltyBalance | None:
    """The balance in the customer's ``metafield`` ("namespace.key"), or None when the customer has none."""
    field = customer.get("metafield")
    if not field:
        return None
    value = str(field.get("value", "")).strip()
    record = f"customer {customer.get('id')} metafield {metafield}"
    if not value.isdigit():
        raise DataError(
            f"Shopify {record} holds {value!r}, not a whole number of points",
            system="shopify",
            record=record,
            field=metafield,
            suggested_fix="set the loyalty metafield to a number_integer (the loyalty app's balance)",
        )
    return LoyaltyBalance(
        origin=origin(customer["id"], field.get("updatedAt")),
        customer_id=legacy_id(customer["id"]),
        customer_email=customer.get("email") or None,
        points=int(value),
        version=str(field.get("compareDigest") or value),
    )
