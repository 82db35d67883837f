"""B2B price lists, NetSuite → Shopify: a price level becomes a price list on a catalog for the companies that
buy on it; only real changes are written; a SKU Shopify does not sell yet follows once it does."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from erpsync.demo import COMPANIES_QUERY, DemoEnvironment, demo_environment
from erpsync.flows import companies, price_lists

SHOP_LIST = """
query {
  priceLists(first: 3) {
    nodes {
      id name currency parent { adjustment { type value } }
      catalog { id ... on CompanyLocationCatalog { companyLocations(first: 5) { nodes { id } } } }
      prices(first: 10, originType: FIXED) { nodes { variant { id sku } price { amount currencyCode } } }
    }
  }
}"""


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        yield environment


def test_a_price_level_reaches_the_companies_on_it_as_a_price_list(env: DemoEnvironment) -> None:
    client: Any = env.hub.erp.client  # type: ignore[attr-defined]
    env.sync_catalog()
    wholesale = _level(client, "Wholesale")
    erp_prices = _erp_prices(client, wholesale["id"])
    assert len(erp_prices) >= 2, "the NetSuite sandbox seeds Wholesale prices for two items"
    # A B2B company known to both systems, whose NetSuite account finance puts on Wholesale.
    company = env._graphql(COMPANIES_QUERY, {})["companies"]["nodes"][0]
    account = companies.upsert_company_in_erp(env.hub, company["id"].rsplit("/", 1)[-1], idempotency_key="t1")
    client.update("customer", account, {"priceLevel": {"id": wholesale["id"]}})

    [result] = env.run_poll(price_lists.POLLER, "1")
    assert result.status == "completed" and result.value["status"] == "written", result
    assert result.value["missing_skus"] == []

    shop_list = _shop_list(env, "Wholesale")
    assert shop_list["currency"] == "USD"
    discount = -Decimal(str(wholesale["discountpct"]))  # NetSuite -20 %: 20 % below the store's prices
    assert shop_list["parent"]["adjustment"] == {"type": "PERCENTAGE_DECREASE", "value": float(discount)}
    assert _fixed(shop_list) == erp_prices
    locations = {node["id"] for node in company["locations"]["nodes"]}
    assert {n["id"] for n in shop_list["catalog"]["companyLocations"]["nodes"]} == locations

    # Nothing changed in NetSuite: the next run reads, compares and writes nothing.
    [again] = env.run_poll(price_lists.POLLER, "2")
    assert again.value["status"] == "unchanged", again

    # Finance changes a price and takes the company off Wholesale; a new item gets a Wholesale price
    # before it is sold in Shopify.
    sku, _ = sorted(erp_prices.items())[0]
    _set_price(client, sku, wholesale["id"], Decimal("1.23"))
    client.update("customer", account, {"priceLevel": None})
    [changed] = env.run_poll(price_lists.POLLER, "3")
    assert changed.value["status"] == "written", changed
    shop_list = _shop_list(env, "Wholesale")
    assert _fixed(shop_list)[sku] == Decimal("1.23")
    assert shop_list["catalog"]["companyLocations"]["nodes"] == []


def test_a_sku_the_store_does_not_sell_yet_is_named_and_priced_once_it_is(env: DemoEnvironment) -> None:
    client: Any = env.hub.erp.client  # type: ignore[attr-defined]
    env.sync_catalog()
    wholesale = _level(client, "Wholesale")
    client.upsert(
        "inventoryItem",
        "sku-new-2001",
        {
            "itemId": "SKU-2001",
            "displayName": "Trade counter display",
            "basePrice": 80,
            "price": {"items": [{"priceLevel": {"id": wholesale["id"]}, "price": 64}]},
        },
    )

    [first] = env.run_poll(price_lists.POLLER, "1")
    assert first.value["status"] == "written" and first.value["missing_skus"] == ["SKU-2001"], first
    assert "SKU-2001" not in _fixed(_shop_list(env, "Wholesale"))
    events = env.hub.store.timeline("Wholesale")  # the business key: the level's name
    assert any("not in the store yet: SKU SKU-2001" in (e.message or "") for e in events)

    # The catalog flow creates the product; the next run (nothing else changed) prices it.
    env.sync_catalog("2")
    [second] = env.run_poll(price_lists.POLLER, "2")
    assert second.value["status"] == "written" and second.value["missing_skus"] == [], second
    assert _fixed(_shop_list(env, "Wholesale"))["SKU-2001"] == Decimal("64")


def _level(client: Any, name: str) -> dict[str, Any]:
    rows = list(client.suiteql_rows(f"SELECT id, name, discountpct FROM pricelevel WHERE name = '{name}'"))
    assert len(rows) == 1, rows
    return rows[0]


def _erp_prices(client: Any, level_id: str) -> dict[str, Decimal]:
    query = (
        "SELECT item.itemid AS sku, pricing.unitprice AS unitprice FROM pricing "
        f"JOIN item ON item.id = pricing.item WHERE pricing.pricelevel = {int(level_id)}"
    )
    return {str(row["sku"]): Decimal(str(row["unitprice"])) for row in client.suiteql_rows(query)}


def _set_price(client: Any, sku: str, level_id: str, price: Decimal) -> None:
    [item] = list(client.suiteql_rows(f"SELECT id FROM item WHERE itemid = '{sku}'"))
    body = client.get("inventoryItem", str(item["id"]))
    lines = [
        {**line, "price": float(price)} if str(line["priceLevel"]["id"]) == str(level_id) else line
        for line in body["price"]["items"]
    ]
    client.update("inventoryItem", str(item["id"]), {"price": {"items": lines}}, replace="price")


def _shop_list(env: DemoEnvironment, name: str) -> dict[str, Any]:
    [found] = [n for n in env._graphql(SHOP_LIST, {})["priceLists"]["nodes"] if n["name"] == name]
    return dict(found)


def _fixed(shop_list: dict[str, Any]) -> dict[str, Decimal]:
    return {n["variant"]["sku"]: Decimal(str(n["price"]["amount"])) for n in shop_list["prices"]["nodes"]}
