"""Orders through their life: created with discount and taxes, shipped with tracking, refunded, cancelled."""

from __future__ import annotations

from decimal import Decimal

from tests.sandboxes.shopify.conftest import Shop
from tests.sandboxes.shopify.flows import FULFILLMENT_CREATE, place_order, ship_everything, stocked_variant

ORDER_STATE = """query($id: ID!) { order(id: $id) {
  displayFulfillmentStatus displayFinancialStatus closed cancelledAt
  fulfillments { name status trackingInfo { company number url } }
  fulfillmentOrders(first: 5) { nodes { status lineItems(first: 5) { nodes { remainingQuantity } } } }
  lineItems(first: 5) { nodes { id quantity unfulfilledQuantity refundableQuantity } }
  totalRefundedSet { shopMoney { amount } }
} }"""

LEVEL = """query($item: ID!, $location: ID!) { inventoryItem(id: $item) {
  inventoryLevel(locationId: $location) {
  quantities(names: ["available", "committed", "on_hand"]) { name quantity } } } }"""


def quantities(shop: Shop, item: str, location: str) -> dict[str, int]:
    level = shop.data(LEVEL, {"item": item, "location": location})["inventoryItem"]["inventoryLevel"]
    return {q["name"]: q["quantity"] for q in level["quantities"]}


def test_order_create_then_fulfillment_create_with_tracking_ships_and_moves_stock(shop: Shop) -> None:
    variant = stocked_variant(shop)
    order = place_order(shop, variant["id"], quantity=2)
    fulfillment_order = order["fulfillmentOrders"]["nodes"][0]
    location = fulfillment_order["assignedLocation"]["location"]["id"]
    item = variant["inventoryItem"]["id"]
    before = quantities(shop, item, location)
    assert before["committed"] == 2  # DECREMENT_OBEYING_POLICY reserved them
    assert order["displayFinancialStatus"] == "PAID"
    assert order["displayFulfillmentStatus"] == "UNFULFILLED"

    fulfillment = ship_everything(shop, order)

    assert fulfillment["status"] == "SUCCESS"
    assert fulfillment["name"] == f"{order['name']}.1"
    assert fulfillment["trackingInfo"] == [
        {
            "company": "UPS",
            "number": "1Z999AA10123456784",
            "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        }
    ]
    state = shop.data(ORDER_STATE, {"id": order["id"]})["order"]
    assert state["displayFulfillmentStatus"] == "FULFILLED"
    assert state["fulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"
    assert state["lineItems"]["nodes"][0]["unfulfilledQuantity"] == 0
    after = quantities(shop, item, location)
    assert after == {"available": before["available"], "committed": 0, "on_hand": before["on_hand"] - 2}


def test_totals_apply_the_discount_code_before_taxes_and_add_shipping(shop: Shop) -> None:
    variant = stocked_variant(shop)
    order = place_order(
        shop, variant["id"], quantity=2, discountCode={"itemPercentageDiscountCode": {"code": "WELCOME10"}}
    )
    price = Decimal(variant["price"])
    subtotal = (price * 2 * Decimal("0.9")).quantize(Decimal("0.01"))
    tax = (subtotal * Decimal("0.06")).quantize(Decimal("0.01"))
    assert Decimal(order["totalPriceSet"]["shopMoney"]["amount"]) == subtotal + tax + Decimal("5.00")


def test_fulfilling_more_than_remains_is_a_user_error(shop: Shop) -> None:
    order = place_order(shop, stocked_variant(shop)["id"], quantity=1)
    fulfillment_order = order["fulfillmentOrders"]["nodes"][0]
    line = fulfillment_order["lineItems"]["nodes"][0]
    fulfillment = {
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": fulfillment_order["id"],
                "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 2}],
            }
        ]
    }
    result = shop.data(FULFILLMENT_CREATE, {"fulfillment": fulfillment})["fulfillmentCreate"]
    assert result["fulfillment"] is None
    assert result["userErrors"][0]["message"] == "Invalid fulfillment order line item quantity requested."


def test_refund_with_restock_returns_stock_and_money(shop: Shop) -> None:
    variant = stocked_variant(shop)
    order = place_order(shop, variant["id"], quantity=2)
    ship_everything(shop, order)
    line = order["lineItems"]["nodes"][0]["id"]
    suggested = shop.data(
        """query($id: ID!, $lines: [RefundLineItemInput!]) { order(id: $id) {
          suggestedRefund(refundLineItems: $lines) { amountSet { shopMoney { amount } }
            suggestedTransactions { gateway amountSet { shopMoney { amount } }
              parentTransaction { id } } } } }""",
        {"id": order["id"], "lines": [{"lineItemId": line, "quantity": 1}]},
    )["order"]["suggestedRefund"]
    amount = suggested["amountSet"]["shopMoney"]["amount"]
    transaction = suggested["suggestedTransactions"][0]
    refund = {
        "orderId": order["id"],
        "refundLineItems": [{"lineItemId": line, "quantity": 1, "restockType": "RETURN"}],
        "transactions": [
            {
                "amount": amount,
                "gateway": transaction["gateway"],
                "kind": "REFUND",
                "orderId": order["id"],
                "parentId": transaction["parentTransaction"]["id"],
            }
        ],
    }
    created = shop.data(
        """mutation($input: RefundInput!) @idempotent(key: "refund-1") { refundCreate(input: $input) {
          refund { id totalRefundedSet { shopMoney { amount } } } userErrors { field message } } }""",
        {"input": refund},
    )["refundCreate"]
    assert created["userErrors"] == []
    assert created["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == amount
    state = shop.data(ORDER_STATE, {"id": order["id"]})["order"]
    assert state["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert state["lineItems"]["nodes"][0]["refundableQuantity"] == 1


def test_cancel_releases_reserved_stock_and_closes_the_order(shop: Shop) -> None:
    variant = stocked_variant(shop)
    order = place_order(shop, variant["id"], quantity=2)
    location = order["fulfillmentOrders"]["nodes"][0]["assignedLocation"]["location"]["id"]
    before = quantities(shop, variant["inventoryItem"]["id"], location)
    cancel = shop.data(
        """mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, refund: true, restock: true) {
          job { done } orderCancelUserErrors { code message } } }""",
        {"id": order["id"]},
    )["orderCancel"]
    assert cancel == {"job": {"done": True}, "orderCancelUserErrors": []}
    state = shop.data(ORDER_STATE, {"id": order["id"]})["order"]
    assert state["closed"] is True and state["cancelledAt"] is not None
    assert state["displayFinancialStatus"] == "REFUNDED"
    assert state["fulfillmentOrders"]["nodes"][0]["status"] == "CANCELLED"
    after = quantities(shop, variant["inventoryItem"]["id"], location)
    assert after["available"] == before["available"] + 2 and after["committed"] == before["committed"] - 2


def test_orders_search_syntax_used_by_incremental_readers(shop: Shop) -> None:
    variant = stocked_variant(shop)
    first = place_order(shop, variant["id"], quantity=1)
    shop.http.put("/_sandbox/clock", json={"advance_seconds": 3600})
    second = place_order(shop, variant["id"], quantity=1)
    first_number = int(first["id"].rsplit("/", 1)[1])
    newer = shop.data(f'{{ orders(first: 10, query: "id:>{first_number}") {{ nodes {{ id }} }} }}')
    assert [o["id"] for o in newer["orders"]["nodes"]] == [second["id"]]
    moment = shop.http.put("/_sandbox/clock", json={"advance_seconds": 2}).json()["now"][:19] + "Z"
    shop.data(
        "mutation($id: ID!) { orderClose(input: {id: $id}) { userErrors { message } } }", {"id": first["id"]}
    )
    by_update = "query($q: String) { orders(first: 10, query: $q, sortKey: UPDATED_AT) { nodes { id } } }"
    updated = shop.data(by_update, {"q": f"updated_at:>='{moment}'"})
    assert [o["id"] for o in updated["orders"]["nodes"]] == [first["id"]]
    open_orders = shop.data('{ orders(first: 10, query: "status:open") { nodes { id } } }')
    assert [o["id"] for o in open_orders["orders"]["nodes"]] == [second["id"]]


def test_b2b_order_for_a_company_location(shop: Shop) -> None:
    location = shop.data("{ companies(first: 1) { nodes { id locations(first: 1) { nodes { id } } } } }")
    company = location["companies"]["nodes"][0]
    company_location = company["locations"]["nodes"][0]["id"]
    order = place_order(
        shop, stocked_variant(shop)["id"], quantity=1, companyLocationId=company_location, customer=None
    )
    entity = shop.data(
        """query($id: ID!) { order(id: $id) { purchasingEntity { __typename
          ... on PurchasingCompany { company { id } location { id } contact { customer { email } } } } } }""",
        {"id": order["id"]},
    )["order"]["purchasingEntity"]
    assert entity["__typename"] == "PurchasingCompany"
    assert (entity["company"]["id"], entity["location"]["id"]) == (company["id"], company_location)
    assert entity["contact"]["customer"]["email"]


def test_historical_import_creates_an_order_already_fulfilled(shop: Shop) -> None:
    order = place_order(shop, stocked_variant(shop)["id"], quantity=1, fulfillmentStatus="FULFILLED")
    state = shop.data(ORDER_STATE, {"id": order["id"]})["order"]
    assert state["displayFulfillmentStatus"] == "FULFILLED"
    assert [f["status"] for f in state["fulfillments"]] == ["SUCCESS"]
