"""Shopify <-> canonical translation (the OCA *mapper*): REST webhook payloads and GraphQL nodes in,
canonical records out; canonical records in, GraphQL mutation inputs out."""

from erpsync.connectors.shopify.translate.catalog import (
    INVENTORY_LEVEL_FIELDS,
    LOCATION_FIELDS,
    PRODUCT_FIELDS,
    inventory_level_from_graphql,
    inventory_level_from_rest,
    location_from_graphql,
    location_from_rest,
    product_from_graphql,
    product_from_rest,
    product_set_input,
)
from erpsync.connectors.shopify.translate.common import gid, legacy_id
from erpsync.connectors.shopify.translate.customers import (
    COMPANY_FIELDS,
    CUSTOMER_FIELDS,
    company_create_input,
    company_from_graphql,
    company_from_rest,
    customer_from_graphql,
    customer_from_rest,
    customer_input,
)
from erpsync.connectors.shopify.translate.finance import (
    refund_from_graphql,
    refund_from_rest,
    refund_input,
    transaction_from_graphql,
    transaction_from_rest,
)
from erpsync.connectors.shopify.translate.fulfillments import (
    FulfillmentOrderLine,
    fulfillment_from_graphql,
    fulfillment_from_rest,
    fulfillment_input,
    fulfillment_order_lines,
)
from erpsync.connectors.shopify.translate.orders import (
    LINE_ITEM_FIELDS,
    ORDER_FIELDS,
    order_from_graphql,
    order_from_rest,
)
from erpsync.connectors.shopify.translate.promotions import DISCOUNT_FIELDS, discount_from_graphql

__all__ = [
    "COMPANY_FIELDS",
    "CUSTOMER_FIELDS",
    "DISCOUNT_FIELDS",
    "INVENTORY_LEVEL_FIELDS",
    "LINE_ITEM_FIELDS",
    "LOCATION_FIELDS",
    "ORDER_FIELDS",
    "PRODUCT_FIELDS",
    "FulfillmentOrderLine",
    "company_create_input",
    "company_from_graphql",
    "company_from_rest",
    "customer_from_graphql",
    "customer_from_rest",
    "customer_input",
    "discount_from_graphql",
    "fulfillment_from_graphql",
    "fulfillment_from_rest",
    "fulfillment_input",
    "fulfillment_order_lines",
    "gid",
    "inventory_level_from_graphql",
    "inventory_level_from_rest",
    "legacy_id",
    "location_from_graphql",
    "location_from_rest",
    "order_from_graphql",
    "order_from_rest",
    "product_from_graphql",
    "product_from_rest",
    "product_set_input",
    "refund_from_graphql",
    "refund_from_rest",
    "refund_input",
    "transaction_from_graphql",
    "transaction_from_rest",
]
