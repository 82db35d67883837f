"""B2B price lists and company location catalogs behave as the Admin GraphQL API documents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.sandboxes.shopify.conftest import Shop

PRICE_LIST_CREATE = """
mutation create($input: PriceListCreateInput!) {
  priceListCreate(input: $input) {
    priceList { id name currency parent { adjustment { type value } } catalog { id title } }
    userErrors { field message code }
  }
}"""
PRICE_LIST_UPDATE = """
mutation update($id: ID!, $input: PriceListUpdateInput!) {
  priceListUpdate(id: $id, input: $input) {
    priceList { id name currency parent { adjustment { type value } } catalog { id } }
    userErrors { field message code }
  }
}"""
FIXED_PRICES_UPDATE = """
mutation prices($id: ID!, $add: [PriceListPriceInput!]!, $delete: [ID!]!) {
  priceListFixedPricesUpdate(priceListId: $id, pricesToAdd: $add, variantIdsToDelete: $delete) {
    priceList { id fixedPricesCount }
    pricesAdded { variant { id } price { amount currencyCode } compareAtPrice { amount } originType }
    deletedFixedPriceVariantIds
    userErrors { field message code }
  }
}"""
CATALOG_CREATE = """
mutation create($input: CatalogCreateInput!) {
  catalogCreate(input: $input) {
    catalog { id title status priceList { id }
      ... on CompanyLocationCatalog { companyLocations(first: 5) { nodes { id } } } }
    userErrors { field message code }
  }
}"""
CATALOG_CONTEXT_UPDATE = """
mutation context($id: ID!, $add: CatalogContextInput, $remove: CatalogContextInput) {
  catalogContextUpdate(catalogId: $id, contextsToAdd: $add, contextsToRemove: $remove) {
    catalog { id ... on CompanyLocationCatalog { companyLocations(first: 5) { nodes { id } } } }
    userErrors { field message code }
  }
}"""
PRICES = """
query($id: ID!, $origin: PriceListPriceOriginType, $first: Int!, $after: String) {
  priceList(id: $id) {
    name catalog { id title }
    prices(first: $first, after: $after, originType: $origin) {
      nodes { variant { id price } price { amount currencyCode } compareAtPrice { amount currencyCode }
              originType }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""
TEN_OFF = {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 10.0}}


def _codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


def _create_price_list(shop: Shop, name: str = "Wholesale", **more: Any) -> dict[str, Any]:
    answer = shop.data(
        PRICE_LIST_CREATE, {"input": {"name": name, "currency": "USD", "parent": TEN_OFF, **more}}
    )
    payload: dict[str, Any] = answer["priceListCreate"]
    return payload


def _company_locations(shop: Shop) -> list[str]:
    companies = shop.data("{ companies(first: 5) { nodes { locations(first: 5) { nodes { id } } } } }")
    return [loc["id"] for c in companies["companies"]["nodes"] for loc in c["locations"]["nodes"]]


def _variants(shop: Shop, count: int) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = shop.data(
        "query($n: Int!) { productVariants(first: $n) { nodes { id price } } }", {"n": count}
    )["productVariants"]["nodes"]
    return nodes


def _catalog(
    shop: Shop, location: str, price_list: str | None = None, title: str = "Acme B2B"
) -> dict[str, Any]:
    input_ = {"title": title, "status": "ACTIVE", "context": {"companyLocationIds": [location]}}
    if price_list:
        input_["priceListId"] = price_list
    payload: dict[str, Any] = shop.data(CATALOG_CREATE, {"input": input_})["catalogCreate"]
    return payload


def _usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": "USD"}


def _all_prices(shop: Shop, price_list: str, origin: str | None = None) -> dict[str, dict[str, Any]]:
    """Every price of the list by variant id, read page by page."""
    found: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        variables = {"id": price_list, "origin": origin, "first": 50, "after": after}
        prices = shop.data(PRICES, variables)["priceList"]["prices"]
        found.update({node["variant"]["id"]: node for node in prices["nodes"]})
        if not prices["pageInfo"]["hasNextPage"]:
            return found
        after = prices["pageInfo"]["endCursor"]


def test_wholesale_price_list_with_catalog_fixed_and_relative_prices(shop: Shop) -> None:
    created = _create_price_list(shop)
    assert created["userErrors"] == []
    price_list = created["priceList"]
    assert price_list["id"].startswith("gid://shopify/PriceList/")
    assert price_list["parent"] == TEN_OFF
    assert price_list["catalog"] is None

    location = _company_locations(shop)[0]
    catalog = _catalog(shop, location, price_list["id"])
    assert catalog["userErrors"] == []
    assert catalog["catalog"]["id"].startswith("gid://shopify/CompanyLocationCatalog/")
    assert catalog["catalog"]["priceList"] == {"id": price_list["id"]}
    assert catalog["catalog"]["companyLocations"]["nodes"] == [{"id": location}]

    first, second, third = _variants(shop, 3)
    added = shop.data(
        FIXED_PRICES_UPDATE,
        {
            "id": price_list["id"],
            "add": [
                {"variantId": first["id"], "price": _usd("12.50"), "compareAtPrice": _usd("15")},
                {"variantId": second["id"], "price": _usd("7")},
            ],
            "delete": [],
        },
    )["priceListFixedPricesUpdate"]
    assert added["userErrors"] == []
    assert added["priceList"]["fixedPricesCount"] == 2
    assert [(p["variant"]["id"], p["price"]["amount"], p["originType"]) for p in added["pricesAdded"]] == [
        (first["id"], "12.50", "FIXED"),
        (second["id"], "7.00", "FIXED"),
    ]

    fixed = _all_prices(shop, price_list["id"], "FIXED")
    assert set(fixed) == {first["id"], second["id"]}
    assert fixed[first["id"]]["compareAtPrice"] == _usd("15.00")
    relative = _all_prices(shop, price_list["id"], "RELATIVE")
    assert first["id"] not in relative
    expected = (Decimal(third["price"]) * Decimal("0.9")).quantize(Decimal("0.01"))
    assert relative[third["id"]]["price"] == _usd(str(expected))
    assert relative[third["id"]]["originType"] == "RELATIVE"
    everything = _all_prices(shop, price_list["id"])
    assert len(everything) == len(fixed) + len(relative)  # every variant priced once, fixed or relative

    read = shop.data(
        "query($id: ID!, $c: ID!) { priceList(id: $id) { catalog { id title } } "
        "catalog(id: $c) { id title status priceList { id } } }",
        {"id": price_list["id"], "c": catalog["catalog"]["id"]},
    )
    assert read["priceList"]["catalog"] == {"id": catalog["catalog"]["id"], "title": "Acme B2B"}
    assert read["catalog"]["status"] == "ACTIVE"


def test_a_fixed_price_is_replaced_then_deleted(shop: Shop) -> None:
    price_list = _create_price_list(shop)["priceList"]["id"]
    [variant] = _variants(shop, 1)
    for amount in ("10.00", "9.00"):
        answer = shop.data(
            FIXED_PRICES_UPDATE,
            {"id": price_list, "add": [{"variantId": variant["id"], "price": _usd(amount)}], "delete": []},
        )["priceListFixedPricesUpdate"]
        assert answer["userErrors"] == []
    fixed = _all_prices(shop, price_list, "FIXED")
    assert {v: p["price"]["amount"] for v, p in fixed.items()} == {variant["id"]: "9.00"}

    deleted = shop.data(FIXED_PRICES_UPDATE, {"id": price_list, "add": [], "delete": [variant["id"]]})
    answer = deleted["priceListFixedPricesUpdate"]
    assert (answer["userErrors"], answer["deletedFixedPriceVariantIds"]) == ([], [variant["id"]])
    assert _all_prices(shop, price_list, "FIXED") == {}
    assert _all_prices(shop, price_list, "RELATIVE")[variant["id"]]["originType"] == "RELATIVE"


def test_fixed_prices_refusals_change_nothing(shop: Shop) -> None:
    price_list = _create_price_list(shop)["priceList"]["id"]
    [variant, other] = _variants(shop, 2)

    def update(add: list[dict[str, Any]], delete: list[str], id_: str = price_list) -> dict[str, Any]:
        answer: dict[str, Any] = shop.data(FIXED_PRICES_UPDATE, {"id": id_, "add": add, "delete": delete})
        return answer["priceListFixedPricesUpdate"]

    missing_list = update([], [], "gid://shopify/PriceList/1")
    assert (_codes(missing_list), missing_list["userErrors"][0]["field"]) == (
        ["PRICE_LIST_NOT_FOUND"],
        ["priceListId"],
    )
    unknown_variant = update([{"variantId": "gid://shopify/ProductVariant/1", "price": _usd("5")}], [])
    assert unknown_variant["userErrors"] == [
        {
            "field": ["pricesToAdd", "0", "variantId"],
            "message": "Variant does not exist.",
            "code": "VARIANT_NOT_FOUND",
        }
    ]
    euros = {"amount": "5", "currencyCode": "EUR"}
    mismatch = update(
        [{"variantId": variant["id"], "price": _usd("5")}, {"variantId": other["id"], "price": euros}], []
    )
    assert _codes(mismatch) == ["PRICE_LIST_CURRENCY_MISMATCH"]
    assert mismatch["userErrors"][0]["field"] == ["pricesToAdd", "1", "price", "currencyCode"]
    assert _codes(update([], [variant["id"]])) == ["PRICE_NOT_FIXED"]  # only a relative price to delete
    assert _codes(update([], ["gid://shopify/ProductVariant/1"])) == ["VARIANT_NOT_FOUND"]
    assert _all_prices(shop, price_list, "FIXED") == {}  # the valid first price of `mismatch` was not kept

    too_many = [{"variantId": variant["id"], "price": _usd("1")}] * 251
    body = shop.gql(FIXED_PRICES_UPDATE, {"id": price_list, "add": too_many, "delete": []})
    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    assert update(too_many[:250], [])["userErrors"] == []


def test_price_list_create_and_update_refusals(shop: Shop) -> None:
    first = _create_price_list(shop)["priceList"]
    taken = _create_price_list(shop)
    assert taken["priceList"] is None
    assert taken["userErrors"] == [
        {"field": ["input", "name"], "message": "Name has already been taken", "code": "TAKEN"}
    ]
    negative = {"adjustment": {"type": "PERCENTAGE_INCREASE", "value": -1.0}}
    assert _codes(_create_price_list(shop, "Negative", parent=negative)) == ["INVALID_ADJUSTMENT_MIN_VALUE"]
    too_deep = {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 100.5}}
    assert _codes(_create_price_list(shop, "Too deep", parent=too_deep)) == ["INVALID_ADJUSTMENT_MAX_VALUE"]
    markup = {"adjustment": {"type": "PERCENTAGE_INCREASE", "value": 150.0}}
    assert _create_price_list(shop, "Markup", parent=markup)["userErrors"] == []
    unknown_catalog = _create_price_list(shop, "Orphan", catalogId="gid://shopify/CompanyLocationCatalog/1")
    assert _codes(unknown_catalog) == ["CATALOG_DOES_NOT_EXIST"]
    assert _codes(_create_price_list(shop, "")) == ["BLANK"]

    location = _company_locations(shop)[0]
    catalog = _catalog(shop, location, first["id"])["catalog"]["id"]
    second = _create_price_list(shop, "Second")["priceList"]["id"]

    def update(id_: str, input_: dict[str, Any]) -> dict[str, Any]:
        payload: dict[str, Any] = shop.data(PRICE_LIST_UPDATE, {"id": id_, "input": input_})[
            "priceListUpdate"
        ]
        return payload

    assert _codes(update("gid://shopify/PriceList/1", {"name": "x"})) == ["PRICE_LIST_NOT_FOUND"]
    assert _codes(update(second, {"name": "Wholesale"})) == ["TAKEN"]
    assert _codes(update(second, {"catalogId": catalog})) == ["CATALOG_TAKEN"]
    renamed = update(first["id"], {"name": "Wholesale EU", "currency": "EUR", "parent": too_deep})
    assert _codes(renamed) == ["INVALID_ADJUSTMENT_MAX_VALUE"]
    renamed = update(first["id"], {"name": "Wholesale EU", "currency": "EUR"})
    assert renamed["userErrors"] == []
    assert (renamed["priceList"]["name"], renamed["priceList"]["currency"]) == ("Wholesale EU", "EUR")
    assert renamed["priceList"]["parent"] == TEN_OFF  # not given: kept
    assert renamed["priceList"]["catalog"] == {"id": catalog}


def test_a_new_price_list_takes_its_catalog_from_the_former_one(shop: Shop) -> None:
    # "If the catalog was already associated with another price list then it will be unlinked."
    former = _create_price_list(shop)["priceList"]["id"]
    catalog = _catalog(shop, _company_locations(shop)[0], former)["catalog"]["id"]
    taker = _create_price_list(shop, "Wholesale 2027", catalogId=catalog)
    assert taker["userErrors"] == []
    assert taker["priceList"]["catalog"]["id"] == catalog
    read = shop.data(
        "query($a: ID!, $c: ID!) { priceList(id: $a) { catalog { id } } "
        "catalog(id: $c) { priceList { id } } }",
        {"a": former, "c": catalog},
    )
    assert read == {
        "priceList": {"catalog": None},
        "catalog": {"priceList": {"id": taker["priceList"]["id"]}},
    }


def test_catalog_create_and_context_update(shop: Shop) -> None:
    first, second = _company_locations(shop)[:2]
    assert _codes(_catalog(shop, "gid://shopify/CompanyLocation/1")) == ["COMPANY_LOCATION_NOT_FOUND"]
    price_list = _create_price_list(shop)["priceList"]["id"]
    assert _codes(_catalog(shop, first, "gid://shopify/PriceList/1")) == ["PRICE_LIST_NOT_FOUND"]
    assert _catalog(shop, first, price_list)["userErrors"] == []
    assert _codes(_catalog(shop, first, price_list, "Another")) == ["TAKEN"]  # a list prices one catalog

    catalog = _catalog(shop, first, title="Second catalog")["catalog"]["id"]

    def context(add: list[str] | None, remove: list[str] | None, id_: str = catalog) -> dict[str, Any]:
        variables = {
            "id": id_,
            "add": {"companyLocationIds": add} if add is not None else None,
            "remove": {"companyLocationIds": remove} if remove is not None else None,
        }
        payload: dict[str, Any] = shop.data(CATALOG_CONTEXT_UPDATE, variables)["catalogContextUpdate"]
        return payload

    added = context([second], None)
    assert added["userErrors"] == []
    assert added["catalog"]["companyLocations"]["nodes"] == [{"id": first}, {"id": second}]
    removed = context(None, [first])
    assert removed["catalog"]["companyLocations"]["nodes"] == [{"id": second}]
    assert _codes(context(["gid://shopify/CompanyLocation/1"], None)) == ["COMPANY_LOCATION_NOT_FOUND"]
    assert _codes(context([second], None, "gid://shopify/CompanyLocationCatalog/1")) == ["CATALOG_NOT_FOUND"]
    assert _codes(context(None, None)) == ["REQUIRES_CONTEXTS_TO_ADD_OR_REMOVE"]

    listed = shop.data(
        "query($loc: ID!) { catalogs(first: 10, type: COMPANY_LOCATION) { nodes { id title } } "
        "markets: catalogs(first: 10, type: MARKET) { nodes { id } } "
        "companyLocation(id: $loc) { catalogs(first: 5) { nodes { id title } } } "
        "priceLists(first: 5) { nodes { id name } pageInfo { hasNextPage } } }",
        {"loc": second},
    )
    assert [c["title"] for c in listed["catalogs"]["nodes"]] == ["Acme B2B", "Second catalog"]
    assert listed["markets"]["nodes"] == []
    assert listed["companyLocation"]["catalogs"]["nodes"] == [{"id": catalog, "title": "Second catalog"}]
    assert listed["priceLists"]["nodes"] == [{"id": price_list, "name": "Wholesale"}]


def test_unknown_price_list_field_is_rejected(shop: Shop) -> None:
    price_list = _create_price_list(shop)["priceList"]["id"]
    body = shop.gql("query($id: ID!) { priceList(id: $id) { id discountPercent } }", {"id": price_list})
    assert "data" not in body
    assert body["errors"][0]["extensions"] == {
        "code": "undefinedField",
        "typeName": "PriceList",
        "fieldName": "discountPercent",
    }


def test_state_dump_shows_price_lists_and_catalogs(shop: Shop) -> None:
    price_list = _create_price_list(shop)["priceList"]["id"]
    _catalog(shop, _company_locations(shop)[0], price_list)
    [store] = shop.http.get("/_sandbox/state").json()["stores"].values()
    assert [p["name"] for p in store["tables"]["price_lists"]] == ["Wholesale"]
    assert [c["title"] for c in store["tables"]["catalogs"]] == ["Acme B2B"]
    assert store["tables"]["price_list_prices"] == []
