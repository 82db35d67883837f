"""Order editing: begin, stage quantities and variants on a calculated order, commit; what the order, its
fulfillment orders, inventory and webhooks show afterwards, and the edits Shopify refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from tests.sandboxes.shopify.conftest import Shop
from tests.sandboxes.shopify.flows import FULFILLMENT_CREATE, place_order
from tests.sandboxes.shopify.test_webhooks import (  # noqa: F401 (receiver is a fixture)
    SCHEMAS,
    Receiver,
    receiver,
    schema_for,
    subscribe,
)

from erpsync.sandboxes.common import serve_in_thread
from erpsync.sandboxes.shopify import ShopifySandbox, build_sandbox

BEGIN = """mutation($id: ID!) { orderEditBegin(id: $id) {
  calculatedOrder { id committed lineItems(first: 10) { nodes { id quantity editableQuantity } } }
  orderEditSession { id }
  userErrors { field message } } }"""
SET_QUANTITY = """mutation($id: ID!, $line: ID!, $quantity: Int!, $restock: Boolean) {
  orderEditSetQuantity(id: $id, lineItemId: $line, quantity: $quantity, restock: $restock) {
    calculatedLineItem { id quantity editableQuantity editableQuantityBeforeChanges restockable restocking }
    calculatedOrder { id totalPriceSet { shopMoney { amount } } }
    userErrors { field message } } }"""
ADD_VARIANT = """mutation($id: ID!, $variant: ID!, $quantity: Int!, $location: ID, $duplicates: Boolean) {
  orderEditAddVariant(id: $id, variantId: $variant, quantity: $quantity, locationId: $location,
                      allowDuplicates: $duplicates) {
    calculatedLineItem { id quantity title sku originalUnitPriceSet { shopMoney { amount } } }
    calculatedOrder { id addedLineItems(first: 5) { nodes { id quantity } }
      subtotalPriceSet { shopMoney { amount } } totalPriceSet { shopMoney { amount } }
      totalOutstandingSet { shopMoney { amount } } }
    userErrors { field message } } }"""
COMMIT = """mutation($id: ID!, $notify: Boolean, $note: String) {
  orderEditCommit(id: $id, notifyCustomer: $notify, staffNote: $note) {
    order { id edited } successMessages userErrors { field message } } }"""
ORDER = """query($id: ID!) { order(id: $id) {
  edited updatedAt displayFinancialStatus taxesIncluded
  totalPriceSet { shopMoney { amount } } originalTotalPriceSet { shopMoney { amount } }
  subtotalPriceSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } }
  totalDiscountsSet { shopMoney { amount } } totalShippingPriceSet { shopMoney { amount } }
  currentTotalPriceSet { shopMoney { amount } } currentSubtotalPriceSet { shopMoney { amount } }
  totalOutstandingSet { shopMoney { amount } }
  lineItems(first: 10) { nodes { id quantity currentQuantity unfulfilledQuantity
    originalUnitPriceSet { shopMoney { amount } } variant { id }
    taxLines { priceSet { shopMoney { amount } } } } }
  fulfillmentOrders(first: 5) { nodes { status assignedLocation { location { id } }
    lineItems(first: 10) { nodes { id totalQuantity remainingQuantity lineItem { id } } } } }
  refunds { refundLineItems(first: 10) { nodes { quantity restockType lineItem { id } } } } } }"""
LEVELS = """query($id: ID!) { productVariant(id: $id) { inventoryItem { inventoryLevels(first: 5) { nodes {
  location { id } quantities(names: ["available", "committed"]) { name quantity } } } } } }"""
REFUND = """mutation($input: RefundInput!) @idempotent(key: "edit-refund") {
  refundCreate(input: $input) { userErrors { field message } } }"""
DISCOUNT = """mutation($d: DiscountCodeBasicInput!) { discountCodeBasicCreate(basicCodeDiscount: $d) {
  userErrors { message } } }"""


def money(bag: dict[str, Any]) -> Decimal:
    return Decimal(bag["shopMoney"]["amount"])


def two_variants(shop: Shop) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two seeded variants of different products, each with stock."""
    query = """{ productVariants(first: 50) { nodes { id sku price inventoryQuantity product { id } } } }"""
    nodes = shop.data(query)["productVariants"]["nodes"]
    stocked = [v for v in nodes if (v["inventoryQuantity"] or 0) >= 5]
    first = stocked[0]
    second = next(v for v in stocked if v["product"]["id"] != first["product"]["id"])
    return first, second


def order_view(shop: Shop, order_id: str) -> dict[str, Any]:
    order: dict[str, Any] = shop.data(ORDER, {"id": order_id})["order"]
    return order


def levels(shop: Shop, variant_id: str) -> dict[str, dict[str, int]]:
    item = shop.data(LEVELS, {"id": variant_id})["productVariant"]["inventoryItem"]
    return {
        node["location"]["id"]: {q["name"]: q["quantity"] for q in node["quantities"]}
        for node in item["inventoryLevels"]["nodes"]
    }


def begin(shop: Shop, order_id: str) -> dict[str, Any]:
    result: dict[str, Any] = shop.data(BEGIN, {"id": order_id})["orderEditBegin"]
    assert result["userErrors"] == []
    return result


def errors(result: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = next(iter(result.values()))["userErrors"]
    return found


def assert_consistent(order: dict[str, Any], units_after_edits: dict[str, int]) -> None:
    """The lead's translator relies on this: units per line from currentQuantity and CANCEL refunds, and the
    total from those units."""
    cancelled: dict[str, int] = {}
    for refund in order["refunds"]:
        for refund_line in refund["refundLineItems"]["nodes"]:
            if refund_line["restockType"] == "CANCEL":
                line_id = refund_line["lineItem"]["id"]
                cancelled[line_id] = cancelled.get(line_id, 0) + refund_line["quantity"]
    gross = Decimal("0")
    for line in order["lineItems"]["nodes"]:
        units = line["currentQuantity"] + cancelled.get(line["id"], 0)
        assert units == units_after_edits[line["id"]], line
        gross += money(line["originalUnitPriceSet"]) * units
    tax = Decimal("0") if order["taxesIncluded"] else money(order["totalTaxSet"])
    shipping = money(order["totalShippingPriceSet"])
    assert gross - money(order["totalDiscountsSet"]) + shipping + tax == money(order["totalPriceSet"])


def test_commit_decreases_a_line_adds_a_variant_and_keeps_the_order_consistent(shop: Shop) -> None:
    first, second = two_variants(shop)
    placed = place_order(shop, first["id"], quantity=3)
    line_id = placed["lineItems"]["nodes"][0]["id"]
    before = order_view(shop, placed["id"])
    stock_before = levels(shop, first["id"])
    started = begin(shop, placed["id"])
    edit_id = started["calculatedOrder"]["id"]
    assert started["orderEditSession"]["id"].endswith(edit_id.rsplit("/", 1)[1])
    calculated_line = "gid://shopify/CalculatedLineItem/" + line_id.rsplit("/", 1)[1]

    decreased = shop.data(
        SET_QUANTITY, {"id": edit_id, "line": calculated_line, "quantity": 1, "restock": True}
    )["orderEditSetQuantity"]
    assert decreased["userErrors"] == []
    assert decreased["calculatedLineItem"] == {
        "id": calculated_line,
        "quantity": 1,
        "editableQuantity": 1,
        "editableQuantityBeforeChanges": 3,
        "restockable": True,
        "restocking": True,
    }
    # the session id works as well as the calculated order's (2025-10 and later)
    added = shop.data(
        ADD_VARIANT, {"id": started["orderEditSession"]["id"], "variant": second["id"], "quantity": 2}
    )["orderEditAddVariant"]
    assert added["userErrors"] == []
    assert added["calculatedLineItem"]["quantity"] == 2
    assert money(added["calculatedLineItem"]["originalUnitPriceSet"]) == Decimal(second["price"])
    assert [n["quantity"] for n in added["calculatedOrder"]["addedLineItems"]["nodes"]] == [2]
    preview_total = money(added["calculatedOrder"]["totalPriceSet"])
    assert order_view(shop, placed["id"]) == before  # staged, not applied

    shop.sandbox.clock.advance(5)
    committed = shop.data(COMMIT, {"id": edit_id, "note": "customer phoned"})["orderEditCommit"]
    assert committed["userErrors"] == []
    assert committed["order"]["edited"] is True

    after = order_view(shop, placed["id"])
    assert after["edited"] is True
    assert after["updatedAt"] > before["updatedAt"]
    assert money(after["totalPriceSet"]) == preview_total
    assert money(after["originalTotalPriceSet"]) == money(before["totalPriceSet"])
    lines = {n["id"]: n for n in after["lineItems"]["nodes"]}
    assert lines[line_id]["currentQuantity"] == 1 and lines[line_id]["quantity"] == 3
    new_line = next(n for n in after["lineItems"]["nodes"] if n["id"] != line_id)
    assert new_line["variant"]["id"] == second["id"] and new_line["currentQuantity"] == 2
    assert [t["priceSet"]["shopMoney"]["amount"] for t in new_line["taxLines"]] == [
        str((Decimal(second["price"]) * 2 * Decimal("0.06")).quantize(Decimal("0.01")))
    ]
    expected_subtotal = Decimal(first["price"]) + Decimal(second["price"]) * 2
    assert money(after["subtotalPriceSet"]) == expected_subtotal
    assert_consistent(after, {line_id: 1, new_line["id"]: 2})
    # the removed units left the fulfillment order; the added ones joined the open one
    fo_lines = {
        fl["lineItem"]["id"]: fl
        for fo in after["fulfillmentOrders"]["nodes"]
        for fl in fo["lineItems"]["nodes"]
    }
    assert (fo_lines[line_id]["totalQuantity"], fo_lines[line_id]["remainingQuantity"]) == (1, 1)
    assert fo_lines[new_line["id"]]["remainingQuantity"] == 2
    # restocked: two units back to available, released from committed
    stock_after = levels(shop, first["id"])
    location = placed["fulfillmentOrders"]["nodes"][0]["assignedLocation"]["location"]["id"]
    assert stock_after[location]["available"] == stock_before[location]["available"] + 2
    assert stock_after[location]["committed"] == stock_before[location]["committed"] - 2


def test_an_abandoned_edit_changes_nothing(shop: Shop) -> None:
    first, second = two_variants(shop)
    placed = place_order(shop, first["id"], quantity=2)
    before = order_view(shop, placed["id"])
    stock = levels(shop, first["id"])
    edit_id = begin(shop, placed["id"])["calculatedOrder"]["id"]
    line = "gid://shopify/CalculatedLineItem/" + placed["lineItems"]["nodes"][0]["id"].rsplit("/", 1)[1]
    shop.data(SET_QUANTITY, {"id": edit_id, "line": line, "quantity": 0, "restock": True})
    shop.data(ADD_VARIANT, {"id": edit_id, "variant": second["id"], "quantity": 1})
    assert order_view(shop, placed["id"]) == before
    assert levels(shop, first["id"]) == stock


def test_a_paid_order_that_grew_is_partially_paid_with_the_difference_outstanding(shop: Shop) -> None:
    first, _second = two_variants(shop)
    placed = place_order(shop, first["id"], quantity=1)
    paid = money(order_view(shop, placed["id"])["totalPriceSet"])
    stock = levels(shop, first["id"])
    edit_id = begin(shop, placed["id"])["calculatedOrder"]["id"]
    line = "gid://shopify/CalculatedLineItem/" + placed["lineItems"]["nodes"][0]["id"].rsplit("/", 1)[1]
    grown = shop.data(SET_QUANTITY, {"id": edit_id, "line": line, "quantity": 3})["orderEditSetQuantity"]
    assert grown["calculatedLineItem"]["quantity"] == 3 and grown["calculatedLineItem"]["restocking"] is False
    assert shop.data(COMMIT, {"id": edit_id})["orderEditCommit"]["userErrors"] == []
    after = order_view(shop, placed["id"])
    assert after["displayFinancialStatus"] == "PARTIALLY_PAID"
    assert money(after["totalOutstandingSet"]) == money(after["totalPriceSet"]) - paid
    assert after["lineItems"]["nodes"][0]["quantity"] == 3
    assert after["lineItems"]["nodes"][0]["currentQuantity"] == 3
    assert_consistent(after, {placed["lineItems"]["nodes"][0]["id"]: 3})
    location = placed["fulfillmentOrders"]["nodes"][0]["assignedLocation"]["location"]["id"]
    assert levels(shop, first["id"])[location]["committed"] == stock[location]["committed"] + 2
    assert levels(shop, first["id"])[location]["available"] == stock[location]["available"] - 2


def test_edits_after_a_discount_and_a_cancel_refund_keep_the_translator_invariant(shop: Shop) -> None:
    first, second = two_variants(shop)
    discount = {"title": "Ten", "code": "EDIT10", "customerGets": {"value": {"percentage": 0.1}}}
    shop.data(DISCOUNT, {"d": discount})
    placed = place_order(
        shop, first["id"], quantity=5, discountCode={"itemPercentageDiscountCode": {"code": "EDIT10"}}
    )
    line_id = placed["lineItems"]["nodes"][0]["id"]
    refund = {
        "orderId": placed["id"],
        "refundLineItems": [{"lineItemId": line_id, "quantity": 1, "restockType": "CANCEL"}],
    }
    assert shop.data(REFUND, {"input": refund})["refundCreate"]["userErrors"] == []
    edit_id = begin(shop, placed["id"])["calculatedOrder"]["id"]
    line = "gid://shopify/CalculatedLineItem/" + line_id.rsplit("/", 1)[1]
    shop.data(SET_QUANTITY, {"id": edit_id, "line": line, "quantity": 2})
    shop.data(ADD_VARIANT, {"id": edit_id, "variant": second["id"], "quantity": 1})
    assert shop.data(COMMIT, {"id": edit_id})["orderEditCommit"]["userErrors"] == []
    after = order_view(shop, placed["id"])
    new_line = next(n["id"] for n in after["lineItems"]["nodes"] if n["id"] != line_id)
    # 5 ordered, 1 cancelled by the refund (still priced), 2 of the remaining 4 removed by the edit
    assert_consistent(after, {line_id: 3, new_line: 1})
    percent_off = (Decimal(first["price"]) * 3 * Decimal("0.1")).quantize(Decimal("0.01"))
    assert money(after["totalDiscountsSet"]) == percent_off  # the added variant gets no code discount


def test_a_line_removed_to_zero_stays_with_current_quantity_zero(shop: Shop) -> None:
    first, second = two_variants(shop)
    placed = place_order(shop, first["id"], quantity=2)
    line_id = placed["lineItems"]["nodes"][0]["id"]
    edit_id = begin(shop, placed["id"])["calculatedOrder"]["id"]
    line = "gid://shopify/CalculatedLineItem/" + line_id.rsplit("/", 1)[1]
    shop.data(SET_QUANTITY, {"id": edit_id, "line": line, "quantity": 0})
    shop.data(ADD_VARIANT, {"id": edit_id, "variant": second["id"], "quantity": 1})
    assert shop.data(COMMIT, {"id": edit_id})["orderEditCommit"]["userErrors"] == []
    after = order_view(shop, placed["id"])
    lines = {n["id"]: n for n in after["lineItems"]["nodes"]}
    assert lines[line_id]["currentQuantity"] == 0 and lines[line_id]["unfulfilledQuantity"] == 0
    assert all(t["priceSet"]["shopMoney"]["amount"] == "0.00" for t in lines[line_id]["taxLines"])
    new_line = next(i for i in lines if i != line_id)
    assert_consistent(after, {line_id: 0, new_line: 1})


def test_commit_sends_orders_edited_and_orders_updated_that_match_their_schemas(
    shop: Shop,
    receiver: Receiver,  # noqa: F811
) -> None:
    subscribe(shop, receiver.url, ["ORDERS_EDITED", "ORDERS_UPDATED"])
    first, second = two_variants(shop)
    placed = place_order(shop, first["id"], quantity=3)
    line_id = placed["lineItems"]["nodes"][0]["id"]
    edit_id = begin(shop, placed["id"])["calculatedOrder"]["id"]
    line = "gid://shopify/CalculatedLineItem/" + line_id.rsplit("/", 1)[1]
    shop.data(SET_QUANTITY, {"id": edit_id, "line": line, "quantity": 2, "restock": True})
    shop.data(ADD_VARIANT, {"id": edit_id, "variant": second["id"], "quantity": 4})
    shop.data(COMMIT, {"id": edit_id, "notify": True, "note": "swap"})
    assert shop.sandbox.webhooks.wait_idle(timeout=30)
    received = receiver.by_topic()
    # orders/edited is not an order body: its schema is used as it is (schema_for adjusts order bodies')
    edited_schema = json.loads((SCHEMAS / "orders" / "edited.json").read_text())
    for topic, schema in (("orders/edited", edited_schema), ("orders/updated", schema_for("orders/updated"))):
        validator = jsonschema.Draft202012Validator(schema)
        for _headers, body in received[topic]:
            problems = [e.message for e in validator.iter_errors(json.loads(body))]
            assert problems == [], f"{topic}: {problems[:5]}"
    [(_headers, body)] = received["orders/edited"]
    edit = json.loads(body)["order_edit"]
    number = int(line_id.rsplit("/", 1)[1])
    after = order_view(shop, placed["id"])
    new_line = next(n for n in after["lineItems"]["nodes"] if n["id"] != line_id)
    assert edit["order_id"] == int(placed["id"].rsplit("/", 1)[1])
    assert edit["line_items"]["removals"] == [{"delta": 1, "id": number}]
    assert edit["line_items"]["additions"] == [{"delta": 4, "id": int(new_line["id"].rsplit("/", 1)[1])}]
    assert (edit["notify_customer"], edit["staff_note"]) == (True, "swap")
    # the orders/updated sent with the commit shows the edit, as GraphQL does
    updated = json.loads(received["orders/updated"][-1][1])
    current = {li["admin_graphql_api_id"]: li["current_quantity"] for li in updated["line_items"]}
    assert current == {n["id"]: n["currentQuantity"] for n in after["lineItems"]["nodes"]}
    assert Decimal(updated["total_price"]) == money(after["totalPriceSet"])


# ---------------------------------------------------------------------- refusals


def test_edits_of_unknown_orders_edits_and_lines_are_refused(shop: Shop) -> None:
    first, _second = two_variants(shop)
    unknown_order = shop.data(BEGIN, {"id": "gid://shopify/Order/1"})["orderEditBegin"]
    assert unknown_order["calculatedOrder"] is None
    assert unknown_order["userErrors"] == [{"field": ["id"], "message": "The order does not exist."}]
    placed = place_order(shop, first["id"], quantity=1)
    edit_id = begin(shop, placed["id"])["calculatedOrder"]["id"]
    unknown_edit = {"id": "gid://shopify/CalculatedOrder/1", "line": "gid://shopify/CalculatedLineItem/1"}
    assert errors(shop.data(SET_QUANTITY, {**unknown_edit, "quantity": 1})) == [
        {"field": ["id"], "message": "The calculated order does not exist."}
    ]
    assert errors(shop.data(COMMIT, {"id": "gid://shopify/CalculatedOrder/1"}))[0]["field"] == ["id"]
    unknown_line = {"id": edit_id, "line": "gid://shopify/CalculatedLineItem/1", "quantity": 1}
    assert errors(shop.data(SET_QUANTITY, unknown_line)) == [
        {"field": ["lineItemId"], "message": "The line item does not exist on the calculated order."}
    ]


def test_cancelled_and_closed_orders_cannot_be_edited(shop: Shop) -> None:
    first, _second = two_variants(shop)
    cancelled = place_order(shop, first["id"], quantity=1)
    shop.data(
        """mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, refund: false, restock: true) {
        userErrors { message } } }""",
        {"id": cancelled["id"]},
    )
    assert errors(shop.data(BEGIN, {"id": cancelled["id"]})) == [
        {"field": ["id"], "message": "The order is cancelled and can't be edited."}
    ]
    closed = place_order(shop, first["id"], quantity=1)
    edit_id = begin(shop, closed["id"])["calculatedOrder"]["id"]
    shop.data(
        "mutation($id: ID!) { orderClose(input: {id: $id}) { userErrors { message } } }", {"id": closed["id"]}
    )
    assert (
        errors(shop.data(BEGIN, {"id": closed["id"]}))[0]["message"]
        == "The order is closed and can't be edited."
    )
    # an edit begun before the order was closed cannot be committed either
    assert (
        errors(shop.data(COMMIT, {"id": edit_id}))[0]["message"] == "The order is closed and can't be edited."
    )


def test_quantities_below_zero_or_below_the_fulfilled_units_are_refused(shop: Shop) -> None:
    first, _second = two_variants(shop)
    placed = place_order(shop, first["id"], quantity=3)
    fulfillment_order = placed["fulfillmentOrders"]["nodes"][0]
    one = [{"id": fulfillment_order["lineItems"]["nodes"][0]["id"], "quantity": 1}]
    by_order = [{"fulfillmentOrderId": fulfillment_order["id"], "fulfillmentOrderLineItems": one}]
    shop.data(FULFILLMENT_CREATE, {"fulfillment": {"lineItemsByFulfillmentOrder": by_order}})
    edit = begin(shop, placed["id"])
    edit_id = edit["calculatedOrder"]["id"]
    [calculated] = edit["calculatedOrder"]["lineItems"]["nodes"]
    assert (calculated["quantity"], calculated["editableQuantity"]) == (3, 2)
    negative = shop.data(SET_QUANTITY, {"id": edit_id, "line": calculated["id"], "quantity": -1})
    assert errors(negative) == [{"field": ["quantity"], "message": "Quantity can't be negative."}]
    below = shop.data(SET_QUANTITY, {"id": edit_id, "line": calculated["id"], "quantity": 0})
    assert errors(below) == [
        {"field": ["quantity"], "message": "Quantity can't be less than the fulfilled quantity (1)."}
    ]
    at_fulfilled = shop.data(SET_QUANTITY, {"id": edit_id, "line": calculated["id"], "quantity": 1})
    assert errors(at_fulfilled) == []
    assert shop.data(COMMIT, {"id": edit_id})["orderEditCommit"]["userErrors"] == []
    after = order_view(shop, placed["id"])
    assert after["lineItems"]["nodes"][0]["currentQuantity"] == 1
    assert after["lineItems"]["nodes"][0]["unfulfilledQuantity"] == 0


def test_committing_twice_is_refused(shop: Shop) -> None:
    first, _second = two_variants(shop)
    placed = place_order(shop, first["id"], quantity=2)
    edit_id = begin(shop, placed["id"])["calculatedOrder"]["id"]
    assert shop.data(COMMIT, {"id": edit_id})["orderEditCommit"]["userErrors"] == []
    again = shop.data(COMMIT, {"id": edit_id})["orderEditCommit"]
    assert again["order"] is None
    assert again["userErrors"] == [
        {"field": ["id"], "message": "The calculated order has already been committed."}
    ]
    # an edit with no changes leaves the order as it was
    assert order_view(shop, placed["id"])["edited"] is False


def test_adding_unknown_archived_or_zero_quantity_variants_is_refused(shop: Shop) -> None:
    first, second = two_variants(shop)
    placed = place_order(shop, first["id"], quantity=1)
    edit_id = begin(shop, placed["id"])["calculatedOrder"]["id"]
    unknown = {"id": edit_id, "variant": "gid://shopify/ProductVariant/1", "quantity": 1}
    assert errors(shop.data(ADD_VARIANT, unknown)) == [
        {"field": ["variantId"], "message": "The variant does not exist."}
    ]
    zero = {"id": edit_id, "variant": second["id"], "quantity": 0}
    assert errors(shop.data(ADD_VARIANT, zero)) == [
        {"field": ["quantity"], "message": "Quantity must be greater than 0."}
    ]
    duplicate = {"id": edit_id, "variant": first["id"], "quantity": 1}
    assert errors(shop.data(ADD_VARIANT, duplicate))[0]["field"] == ["variantId"]
    assert errors(shop.data(ADD_VARIANT, {**duplicate, "duplicates": True})) == []
    archive = """mutation($p: ID!) {
      productChangeStatus(productId: $p, status: ARCHIVED) { userErrors { message } } }"""
    shop.data(archive, {"p": second["product"]["id"]})
    archived = {"id": edit_id, "variant": second["id"], "quantity": 1}
    assert errors(shop.data(ADD_VARIANT, archived)) == [
        {
            "field": ["variantId"],
            "message": "The variant's product is archived and can't be added to an order.",
        }
    ]


def test_unknown_calculated_order_fields_fail_validation(shop: Shop) -> None:
    body = shop.gql(
        'mutation { orderEditBegin(id: "gid://shopify/Order/1") { calculatedOrder { notAField } } }'
    )
    assert "errors" in body and "data" not in body


def test_order_edit_mutations_cost_ten_points_like_every_mutation(shop: Shop) -> None:
    first, _second = two_variants(shop)
    placed = place_order(shop, first["id"], quantity=1)
    body = shop.gql(BEGIN, {"id": placed["id"]})
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10
    edit_id = body["data"]["orderEditBegin"]["calculatedOrder"]["id"]
    assert shop.gql(COMMIT, {"id": edit_id})["extensions"]["cost"]["requestedQueryCost"] == 10


def test_a_paid_order_that_shrank_stays_paid_with_nothing_outstanding(shop: Shop) -> None:
    first, _second = two_variants(shop)
    placed = place_order(shop, first["id"], quantity=2)
    edit_id = begin(shop, placed["id"])["calculatedOrder"]["id"]
    line = "gid://shopify/CalculatedLineItem/" + placed["lineItems"]["nodes"][0]["id"].rsplit("/", 1)[1]
    shop.data(SET_QUANTITY, {"id": edit_id, "line": line, "quantity": 1})
    assert shop.data(COMMIT, {"id": edit_id})["orderEditCommit"]["userErrors"] == []
    after = order_view(shop, placed["id"])
    assert money(after["totalPriceSet"]) < money(after["originalTotalPriceSet"])
    assert (after["displayFinancialStatus"], money(after["totalOutstandingSet"])) == ("PAID", Decimal("0"))


def test_an_edit_staged_before_a_restart_is_committed_after_it(tmp_path: Path) -> None:
    state = tmp_path / "shop.json"
    with _served(build_sandbox(seed=7, state_file=state)) as shop:
        first, second = two_variants(shop)
        placed = place_order(shop, first["id"], quantity=2)
        edit_id = begin(shop, placed["id"])["calculatedOrder"]["id"]
        line = "gid://shopify/CalculatedLineItem/" + placed["lineItems"]["nodes"][0]["id"].rsplit("/", 1)[1]
        shop.data(SET_QUANTITY, {"id": edit_id, "line": line, "quantity": 1})
        shop.data(ADD_VARIANT, {"id": edit_id, "variant": second["id"], "quantity": 1})
    with _served(build_sandbox(seed=7, state_file=state)) as shop:
        assert shop.data(COMMIT, {"id": edit_id})["orderEditCommit"]["userErrors"] == []
        after = order_view(shop, placed["id"])
        assert [n["currentQuantity"] for n in after["lineItems"]["nodes"]] == [1, 1]


@contextmanager
def _served(sandbox: ShopifySandbox) -> Iterator[Shop]:
    with serve_in_thread(sandbox.app) as running, httpx.Client(base_url=running.url, timeout=10) as http:
        yield Shop(sandbox, http)
    sandbox.webhooks.stop()


def test_a_refund_after_an_edit_refunds_only_the_units_left_at_their_price(shop: Shop) -> None:
    first, _ = two_variants(shop)
    placed = place_order(shop, first["id"], quantity=4)
    line_id = placed["lineItems"]["nodes"][0]["id"]
    edit_id = begin(shop, placed["id"])["calculatedOrder"]["id"]
    line = "gid://shopify/CalculatedLineItem/" + line_id.rsplit("/", 1)[1]
    shop.data(SET_QUANTITY, {"id": edit_id, "line": line, "quantity": 1})
    assert shop.data(COMMIT, {"id": edit_id})["orderEditCommit"]["userErrors"] == []

    too_many = {"orderId": placed["id"], "refundLineItems": [{"lineItemId": line_id, "quantity": 2}]}
    refused = shop.data(
        """mutation($input: RefundInput!) @idempotent(key: "too-many") {
          refundCreate(input: $input) { userErrors { field message } } }""",
        {"input": too_many},
    )["refundCreate"]["userErrors"]
    assert refused, "3 of the 4 units left the order with the edit: only 1 is refundable"
    one = {"orderId": placed["id"], "refundLineItems": [{"lineItemId": line_id, "quantity": 1}]}
    made = shop.data(
        """mutation($input: RefundInput!) @idempotent(key: "one") { refundCreate(input: $input) {
          refund { refundLineItems(first: 5) { nodes { subtotalSet { shopMoney { amount } } } } }
          userErrors { field message } } }""",
        {"input": one},
    )["refundCreate"]
    assert made["userErrors"] == []
    [refunded] = made["refund"]["refundLineItems"]["nodes"]
    assert money(refunded["subtotalSet"]) == Decimal(first["price"])  # one unit's price, not a quarter of it
