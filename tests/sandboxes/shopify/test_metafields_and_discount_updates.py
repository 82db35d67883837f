"""Customer metafields (``metafieldsSet``) and ``discountCodeBasicUpdate`` behave as Shopify documents."""

from __future__ import annotations

from tests.sandboxes.shopify.conftest import Shop

METAFIELDS_SET = """
mutation set($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { key namespace value type compareDigest }
    userErrors { field message code elementIndex }
  }
}"""
CUSTOMER_POINTS = """
query($id: ID!) { customer(id: $id) {
  updatedAt metafield(namespace: "loyalty", key: "points") { value compareDigest updatedAt }
  metafields(first: 5, namespace: "loyalty") { nodes { key value } }
} }"""
DISCOUNT_UPDATE = """
mutation update($id: ID!, $input: DiscountCodeBasicInput!) {
  discountCodeBasicUpdate(id: $id, basicCodeDiscount: $input) {
    codeDiscountNode { id codeDiscount { ... on DiscountCodeBasic {
      title codes(first: 2) { nodes { code } }
      customerGets { value { ... on DiscountPercentage { percentage } } }
    } } }
    userErrors { field message code }
  }
}"""


def _customer_id(shop: Shop) -> str:
    return str(shop.data("{ customers(first: 1) { nodes { id } } }")["customers"]["nodes"][0]["id"])


def test_metafields_set_creates_then_compare_and_sets(shop: Shop) -> None:
    owner = _customer_id(shop)
    points = {"ownerId": owner, "namespace": "loyalty", "key": "points", "type": "number_integer"}
    created = shop.data(METAFIELDS_SET, {"metafields": [{**points, "value": "120", "compareDigest": None}]})
    [metafield] = created["metafieldsSet"]["metafields"]
    assert (metafield["value"], created["metafieldsSet"]["userErrors"]) == ("120", [])

    stale = shop.data(METAFIELDS_SET, {"metafields": [{**points, "value": "90", "compareDigest": "nope"}]})
    assert stale["metafieldsSet"]["userErrors"][0]["code"] == "STALE_OBJECT"
    fresh = {**points, "value": "90", "compareDigest": metafield["compareDigest"]}
    assert shop.data(METAFIELDS_SET, {"metafields": [fresh]})["metafieldsSet"]["userErrors"] == []

    customer = shop.data(CUSTOMER_POINTS, {"id": owner})["customer"]
    assert customer["metafield"]["value"] == "90"
    assert customer["metafields"]["nodes"] == [{"key": "points", "value": "90"}]
    assert customer["updatedAt"] == customer["metafield"]["updatedAt"]


def test_metafields_set_is_atomic_and_limited(shop: Shop) -> None:
    owner = _customer_id(shop)
    good = {"ownerId": owner, "namespace": "loyalty", "key": "points", "type": "number_integer", "value": "5"}
    bad = {**good, "key": "tier", "value": "gold"}
    answer = shop.data(METAFIELDS_SET, {"metafields": [good, bad]})["metafieldsSet"]
    assert [(e["code"], e["elementIndex"]) for e in answer["userErrors"]] == [("INVALID_VALUE", 1)]
    assert shop.data(CUSTOMER_POINTS, {"id": owner})["customer"]["metafield"] is None  # nothing written

    too_many = [{**good, "key": f"k{n:02d}"} for n in range(26)]
    errors = shop.data(METAFIELDS_SET, {"metafields": too_many})["metafieldsSet"]["userErrors"]
    assert [e["code"] for e in errors] == ["LESS_THAN_OR_EQUAL_TO"]
    untyped = {key: value for key, value in good.items() if key != "type"}
    errors = shop.data(METAFIELDS_SET, {"metafields": [untyped]})["metafieldsSet"]["userErrors"]
    assert [e["code"] for e in errors] == ["BLANK"]


def test_discount_update_changes_given_fields_and_refuses_a_taken_code(shop: Shop) -> None:
    nodes = shop.data("{ codeDiscountNodes(first: 5) { nodes { id } } }")["codeDiscountNodes"]["nodes"]
    first, second = nodes[0]["id"], nodes[1]["id"]
    updated = shop.data(
        DISCOUNT_UPDATE,
        {"id": first, "input": {"title": "Welcome 15%", "customerGets": {"value": {"percentage": 0.15}}}},
    )["discountCodeBasicUpdate"]
    assert updated["userErrors"] == []
    rule = updated["codeDiscountNode"]["codeDiscount"]
    assert (rule["title"], rule["customerGets"]["value"]["percentage"]) == ("Welcome 15%", 0.15)
    assert rule["codes"]["nodes"] == [{"code": "WELCOME10"}]  # not given: kept

    taken = shop.data(DISCOUNT_UPDATE, {"id": second, "input": {"code": "welcome10"}})
    assert [e["code"] for e in taken["discountCodeBasicUpdate"]["userErrors"]] == ["TAKEN"]


CUSTOMER_CREATE = """
mutation create($input: CustomerInput!) {
  customerCreate(input: $input) { customer { id } userErrors { field message } }
}"""


def test_customer_input_metafields_are_written_with_the_customer_or_not_at_all(shop: Shop) -> None:
    limit = {"namespace": "erp", "key": "credit_limit", "type": "number_decimal"}
    created = shop.data(
        CUSTOMER_CREATE, {"input": {"email": "mf@example.com", "metafields": [{**limit, "value": "2500.00"}]}}
    )["customerCreate"]
    assert created["userErrors"] == []
    read = (
        'query($id: ID!) { customer(id: $id) { metafield(namespace: "erp", key: "credit_limit") { value } } }'
    )
    customer = shop.data(read, {"id": created["customer"]["id"]})["customer"]
    assert customer["metafield"] == {"value": "2500.00"}

    refused = shop.data(
        CUSTOMER_CREATE,
        {"input": {"email": "bad-mf@example.com", "metafields": [{**limit, "value": "lots"}]}},
    )["customerCreate"]
    assert refused["customer"] is None
    assert [e["message"] for e in refused["userErrors"]] == ["Value must be a valid number decimal."]
    emails = shop.data('{ customers(first: 50, query: "email:bad-mf@example.com") { nodes { email } } }')
    assert emails["customers"]["nodes"] == []  # the customer was not created without its metafield
