"""Catalog and reference data: productSet upserts, bulk variant updates, status, collections, discounts."""

from __future__ import annotations

from tests.sandboxes.shopify.conftest import Shop

PRODUCT_SET = """mutation($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier) {
    product { id handle title status options { name values }
      variants(first: 10) { nodes { id sku price selectedOptions { name value } } } }
    userErrors { field message code } } }"""
SHIRT = {
    "title": "Sandbox Shirt",
    "handle": "sandbox-shirt",
    "productOptions": [{"name": "Size", "values": [{"name": "S"}, {"name": "M"}]}],
    "variants": [
        {"optionValues": [{"optionName": "Size", "name": "S"}], "sku": "SH-S", "price": "20.00"},
        {"optionValues": [{"optionName": "Size", "name": "M"}], "sku": "SH-M", "price": "21.00"},
    ],
}


def test_product_set_creates_then_upserts_by_handle_and_drops_variants_left_out(shop: Shop) -> None:
    created = shop.data(PRODUCT_SET, {"input": SHIRT})["productSet"]
    assert created["userErrors"] == []
    product = created["product"]
    assert [v["sku"] for v in product["variants"]["nodes"]] == ["SH-S", "SH-M"]
    assert product["options"] == [{"name": "Size", "values": ["S", "M"]}]
    only_m = {**SHIRT, "title": "Sandbox Shirt 2", "variants": [{**SHIRT["variants"][1], "price": "25.00"}]}
    updated = shop.data(PRODUCT_SET, {"input": only_m, "identifier": {"handle": "sandbox-shirt"}})[
        "productSet"
    ]
    assert updated["product"]["id"] == product["id"]
    assert updated["product"]["title"] == "Sandbox Shirt 2"
    variants = updated["product"]["variants"]["nodes"]
    assert [(v["sku"], v["price"]) for v in variants] == [("SH-M", "25.00")]
    assert variants[0]["id"] == product["variants"]["nodes"][1]["id"]  # same variant, updated in place


def test_product_set_user_errors(shop: Shop) -> None:
    untitled = shop.data(PRODUCT_SET, {"input": {"handle": "x"}})["productSet"]
    assert untitled["userErrors"] == [
        {"field": ["input", "title"], "message": "Title can't be blank", "code": "BLANK"}
    ]
    missing = shop.data(PRODUCT_SET, {"input": {"id": "gid://shopify/Product/1", "title": "t"}})["productSet"]
    assert missing["userErrors"][0]["code"] == "PRODUCT_DOES_NOT_EXIST"


def test_variants_bulk_update_and_change_status(shop: Shop) -> None:
    product = shop.data(PRODUCT_SET, {"input": SHIRT})["productSet"]["product"]
    first = product["variants"]["nodes"][0]["id"]
    update = """mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) {
      productVariantsBulkUpdate(productId: $p, variants: $v) {
      productVariants { id price barcode } userErrors { field message code } } }"""
    result = shop.data(update, {"p": product["id"], "v": [{"id": first, "price": "19.50", "barcode": "123"}]})
    assert result["productVariantsBulkUpdate"]["productVariants"] == [
        {"id": first, "price": "19.50", "barcode": "123"}
    ]
    unknown = shop.data(
        update, {"p": product["id"], "v": [{"id": "gid://shopify/ProductVariant/1", "price": "1"}]}
    )
    assert unknown["productVariantsBulkUpdate"]["userErrors"][0]["code"] == "PRODUCT_VARIANT_DOES_NOT_EXIST"
    status = (
        "mutation($p: ID!) { productChangeStatus(productId: $p, status: ARCHIVED) { product { status } } }"
    )
    assert shop.data(status, {"p": product["id"]})["productChangeStatus"]["product"]["status"] == "ARCHIVED"
    archived = shop.data('{ products(first: 50, query: "status:archived") { nodes { id } } }')["products"][
        "nodes"
    ]
    assert archived == [{"id": product["id"]}]


def test_search_and_sort_over_products(shop: Shop) -> None:
    by_sku = shop.data('{ products(first: 5, query: "sku:SKU-003") { nodes { title } } }')["products"][
        "nodes"
    ]
    assert by_sku == [{"title": "Trail Mug"}]
    prefix = shop.data('{ products(first: 50, query: "sku:SKU-00*") { nodes { id } } }')["products"]["nodes"]
    assert len(prefix) == 9
    titles = shop.data("{ products(first: 50, sortKey: TITLE, reverse: true) { nodes { title } } }")[
        "products"
    ]["nodes"]
    assert [t["title"] for t in titles] == sorted((t["title"] for t in titles), reverse=True)


def test_paging_visits_every_product_once_and_pageinfo_tells_when_to_stop(shop: Shop) -> None:
    page = """query($after: String) { products(first: 10, after: $after) {
      edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }"""
    seen, after, pages = [], None, []
    while True:
        products = shop.data(page, {"after": after})["products"]
        pages.append(products["pageInfo"])
        seen += [edge["node"]["id"] for edge in products["edges"]]
        assert products["pageInfo"]["endCursor"] == products["edges"][-1]["cursor"]
        if not products["pageInfo"]["hasNextPage"]:
            break
        after = products["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 24
    assert [p["hasPreviousPage"] for p in pages] == [False, True, True]
    back = """query($before: String) { products(last: 10, before: $before) { nodes { id } } }"""
    previous = shop.data(back, {"before": pages[1]["startCursor"]})["products"]["nodes"]
    assert [p["id"] for p in previous] == seen[:10]


def test_collections_locations_customers_and_companies_read_back(shop: Shop) -> None:
    data = shop.data(
        """{ collections(first: 10) { nodes { title productsCount { count } } }
            locations(first: 5) { nodes { name isActive address { countryCode } } }
            customers(first: 2) { nodes { email defaultAddress { city countryCodeV2 } } }
            companies(first: 5) { nodes { name externalId mainContact { customer { email } }
              locations(first: 3) { nodes { name shippingAddress { countryCode } } } } }
            codeDiscountNodes(first: 5) { nodes { codeDiscount { ... on DiscountCodeBasic { title status
              codes(first: 1) { nodes { code } } customerGets { value { __typename } } } } } } }"""
    )
    assert sum(c["productsCount"]["count"] for c in data["collections"]["nodes"]) == 24
    assert {loc["name"] for loc in data["locations"]["nodes"]} == {
        "Main Warehouse",
        "West Coast DC",
        "Downtown Store",
    }
    assert all(c["defaultAddress"]["countryCodeV2"] == "US" for c in data["customers"]["nodes"])
    assert [c["externalId"] for c in data["companies"]["nodes"]] == ["B2B-001", "B2B-002", "B2B-003"]
    codes = {d["codeDiscount"]["codes"]["nodes"][0]["code"] for d in data["codeDiscountNodes"]["nodes"]}
    assert codes == {"WELCOME10", "FIVEOFF", "SPRING20"}


def test_discount_code_create_rejects_a_taken_code(shop: Shop) -> None:
    create = """mutation($d: DiscountCodeBasicInput!) { discountCodeBasicCreate(basicCodeDiscount: $d) {
      codeDiscountNode { codeDiscount { ... on DiscountCodeBasic { title status } } }
      userErrors { field code } } }"""
    fresh = {"title": "Ten", "code": "TEN", "customerGets": {"value": {"discountAmount": {"amount": "10"}}}}
    made = shop.data(create, {"d": fresh})["discountCodeBasicCreate"]
    assert made["codeDiscountNode"]["codeDiscount"] == {"title": "Ten", "status": "ACTIVE"}
    taken = shop.data(create, {"d": {**fresh, "code": "welcome10"}})["discountCodeBasicCreate"]
    assert taken["userErrors"] == [{"field": ["basicCodeDiscount", "code"], "code": "TAKEN"}]
