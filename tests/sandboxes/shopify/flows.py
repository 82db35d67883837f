"""GraphQL documents and small steps the Shopify sandbox tests share (an order placed, shipped, refunded)."""

from __future__ import annotations

from typing import Any

from tests.sandboxes.shopify.conftest import Shop

ORDER_CREATE = """mutation($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order {
      id name displayFinancialStatus displayFulfillmentStatus
      totalPriceSet { shopMoney { amount currencyCode } }
      lineItems(first: 10) { nodes { id quantity unfulfilledQuantity } }
      fulfillmentOrders(first: 5) { nodes { id status assignedLocation { location { id } }
        lineItems(first: 10) { nodes { id remainingQuantity lineItem { id } } } } }
    }
    userErrors { field message code }
  }
}"""

FULFILLMENT_CREATE = """mutation($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id name status trackingInfo { company number url } }
    userErrors { field message }
  }
}"""


def stocked_variant(shop: Shop) -> dict[str, Any]:
    """A seeded variant with stock somewhere."""
    query = """{ productVariants(first: 50) { nodes { id sku price inventoryQuantity
        inventoryItem { id inventoryLevels(first: 3) { nodes { location { id }
        quantities(names: ["available", "committed", "on_hand"]) { name quantity } } } } } } }"""
    variants = shop.data(query)["productVariants"]["nodes"]
    return next(v for v in variants if (v["inventoryQuantity"] or 0) >= 5)


def place_order(shop: Shop, variant_id: str, quantity: int = 2, **extra: Any) -> dict[str, Any]:
    customer = shop.data("{ customers(first: 1) { nodes { id } } }")["customers"]["nodes"][0]
    order = {
        "lineItems": [{"variantId": variant_id, "quantity": quantity}],
        "customer": {"toAssociate": {"id": customer["id"]}},
        "financialStatus": "PAID",
        "shippingLines": [
            {"title": "Ground", "priceSet": {"shopMoney": {"amount": "5.00", "currencyCode": "USD"}}}
        ],
        "taxLines": [{"title": "State tax", "rate": "0.06"}],
        **extra,
    }
    options = {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY"}
    result = shop.data(ORDER_CREATE, {"order": order, "options": options})["orderCreate"]
    assert result["userErrors"] == [], result["userErrors"]
    created: dict[str, Any] = result["order"]
    return created


def ship_everything(shop: Shop, order: dict[str, Any]) -> dict[str, Any]:
    fulfillment_order = order["fulfillmentOrders"]["nodes"][0]
    fulfillment = {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fulfillment_order["id"]}],
        "trackingInfo": {
            "company": "UPS",
            "number": "1Z999AA10123456784",
            "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        },
    }
    result = shop.data(FULFILLMENT_CREATE, {"fulfillment": fulfillment})["fulfillmentCreate"]
    assert result["userErrors"] == [], result["userErrors"]
    shipped: dict[str, Any] = result["fulfillment"]
    return shipped
