"""Discount codes both ways between the Shopify and NetSuite sandboxes (ownership honoured, conflicts
recorded, erpsync's own writes never bounce back), and an order's code on its NetSuite sales order."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.engine import FlowResult
from erpsync.flows import promotions

DISCOUNT_UPDATE = """
mutation update($id: ID!, $input: DiscountCodeBasicInput!) {
  discountCodeBasicUpdate(id: $id, basicCodeDiscount: $input) { userErrors { field message code } }
}"""
DISCOUNT_CREATE = """
mutation create($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) { userErrors { field message code } }
}"""
SHOPIFY_CODES = """
{ codeDiscountNodes(first: 20) { nodes { id codeDiscount { ... on DiscountCodeBasic {
  title codes(first: 1) { nodes { code } }
  customerGets { value {
    ... on DiscountPercentage { percentage } ... on DiscountAmount { amount { amount } }
  } }
} } } } }"""


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        erp: Any = environment.hub.erp
        [row] = erp.client.suiteql_rows("SELECT id FROM item WHERE itemid = 'DISCOUNT'")
        erp.settings = dataclasses.replace(erp.settings, discount_item_id=str(row["id"]))
        yield environment


def _statuses(results: list[FlowResult]) -> dict[str, str]:
    assert all(result.status == "completed" for result in results), results
    return {result.value["discount"]: result.value["status"] for result in results}


def _netsuite_promotions(env: DemoEnvironment) -> dict[str, dict[str, Any]]:
    client = env.hub.erp.client  # type: ignore[attr-defined]
    rows = client.suiteql_rows("SELECT id, code FROM promotioncode ORDER BY id")
    return {str(row["code"]): client.get("promotionCode", str(row["id"])) for row in rows}


def _shopify_codes(env: DemoEnvironment) -> dict[str, dict[str, Any]]:
    nodes = env._graphql(SHOPIFY_CODES, {})["codeDiscountNodes"]["nodes"]
    return {
        n["codeDiscount"]["codes"]["nodes"][0]["code"]: {"id": n["id"], **n["codeDiscount"]} for n in nodes
    }


def test_codes_move_both_ways_and_settle_without_ping_pong(env: DemoEnvironment) -> None:
    client = env.hub.erp.client  # type: ignore[attr-defined]
    discount_item = env.hub.erp.settings.discount_item_id  # type: ignore[attr-defined]
    client.create(
        "promotionCode",
        {"name": "Winter 15%", "code": "WINTER15", "discount": {"id": discount_item}, "rate": "15%"},
    )

    to_erp = _statuses(env.run_poll(promotions.STORE_POLLER, "1"))
    assert to_erp == {"WELCOME10": "written", "FIVEOFF": "written", "SPRING20": "written"}
    to_store = _statuses(env.run_poll(promotions.ERP_POLLER, "1"))
    # The three came back from NetSuite as erpsync wrote them: no change. NetSuite's own code reached Shopify.
    assert to_store == {"WELCOME10": "unchanged", "FIVEOFF": "unchanged", "SPRING20": "unchanged"} | {
        "WINTER15": "written"
    }

    # Second round: every record either side reports is erpsync's own write, so nothing moves any more.
    again = _statuses(env.run_poll(promotions.STORE_POLLER, "2"))
    assert set(again.values()) == {"unchanged"} and "WINTER15" in again, again
    assert set(_statuses(env.run_poll(promotions.ERP_POLLER, "2")).values()) <= {"unchanged"}
    assert env.hub.store.conflicts() == []

    in_netsuite = _netsuite_promotions(env)
    assert sorted(in_netsuite) == ["FIVEOFF", "SPRING20", "WELCOME10", "WINTER15"]  # each code once
    assert (in_netsuite["WELCOME10"]["rate"], in_netsuite["FIVEOFF"]["rate"]) == ("10%", "5.00")
    assert in_netsuite["WELCOME10"]["discount"]["id"] == discount_item
    winter = _shopify_codes(env)["WINTER15"]
    assert (winter["title"], winter["customerGets"]["value"]["percentage"]) == ("Winter 15%", 0.15)


def test_each_field_moves_only_from_its_owner(env: DemoEnvironment) -> None:
    env.run_poll(promotions.STORE_POLLER, "1")
    env.run_poll(promotions.ERP_POLLER, "1")
    welcome = _shopify_codes(env)["WELCOME10"]

    # Marketing renames the code in Shopify (the store's) and raises its value (NetSuite's).
    changed = {"title": "Welcome back 12%", "customerGets": {"value": {"percentage": 0.12}}}
    updated = env._graphql(DISCOUNT_UPDATE, {"id": welcome["id"], "input": changed})[
        "discountCodeBasicUpdate"
    ]
    assert updated["userErrors"] == []
    assert _statuses(env.run_poll(promotions.STORE_POLLER, "2"))["WELCOME10"] == "conflict"
    in_netsuite = _netsuite_promotions(env)["WELCOME10"]
    assert (in_netsuite["name"], in_netsuite["rate"]) == ("Welcome back 12%", "10%")
    [conflict] = env.hub.store.conflicts(business_key="WELCOME10")
    assert (conflict.field, conflict.owner, conflict.attempted_by) == ("percentage", "netsuite", "shopify")
    assert (conflict.current, conflict.proposed) == ("10", "12")

    # Finance sets the value in NetSuite: it is NetSuite's, so it reaches Shopify; the title stays.
    env.hub.erp.client.update("promotionCode", in_netsuite["id"], {"rate": "20%"})  # type: ignore[attr-defined]
    assert _statuses(env.run_poll(promotions.ERP_POLLER, "2"))["WELCOME10"] == "written"
    in_shopify = _shopify_codes(env)["WELCOME10"]
    assert (in_shopify["title"], in_shopify["customerGets"]["value"]["percentage"]) == (
        "Welcome back 12%",
        0.2,
    )

    # Settled: each side's latest values are remembered; the conflict was recorded once.
    assert set(_statuses(env.run_poll(promotions.STORE_POLLER, "3")).values()) <= {"unchanged"}
    assert set(_statuses(env.run_poll(promotions.ERP_POLLER, "3")).values()) <= {"unchanged"}
    assert len(env.hub.store.conflicts(business_key="WELCOME10")) == 1


def test_a_code_both_systems_have_is_linked_not_duplicated(env: DemoEnvironment) -> None:
    # Go-live: NetSuite has a promotion whose code Shopify already has, spelled differently, never linked.
    # Codes match case-insensitively (Shopify refuses a second discount with it), so erpsync links the two
    # and applies ownership from the first sync on: Shopify keeps its title and dates, nothing is duplicated.
    discount_item = env.hub.erp.settings.discount_item_id  # type: ignore[attr-defined]
    env.hub.erp.client.create(  # type: ignore[attr-defined]
        "promotionCode",
        {"name": "Five off (ERP)", "code": "fiveoff", "discount": {"id": discount_item}, "rate": "5.00"},
    )
    assert _statuses(env.run_poll(promotions.ERP_POLLER, "1")) == {"FIVEOFF": "conflict"}
    codes = _shopify_codes(env)
    assert [code for code in codes if code.upper() == "FIVEOFF"] == ["FIVEOFF"]  # one discount, linked
    assert codes["FIVEOFF"]["title"] == "Five off"
    conflicts = env.hub.store.conflicts(business_key="FIVEOFF")
    assert sorted((c.field, c.owner, c.attempted_by) for c in conflicts) == [
        ("starts_at", "shopify", "netsuite"),
        ("title", "shopify", "netsuite"),
    ]
    linked = env.hub.store.external_id("shopify", "discount", "FIVEOFF")
    assert linked == codes["FIVEOFF"]["id"].rsplit("/", 1)[-1]
    # A brand-new Shopify discount with that code in another spelling is refused (TAKEN).
    refused = env._graphql(
        DISCOUNT_CREATE,
        {"input": {"title": "x", "code": "FiveOff", "customerGets": {"value": {"percentage": 0.1}}}},
    )["discountCodeBasicCreate"]
    assert [e["code"] for e in refused["userErrors"]] == ["TAKEN"]


def test_order_with_a_code_keeps_it_and_names_the_promotion_on_the_sales_order(env: DemoEnvironment) -> None:
    env.run_poll(promotions.STORE_POLLER, "1")  # WELCOME10 becomes a NetSuite promotion
    sku = sorted(env._variants_by_sku())[0]  # a Shopify product; NetSuite gets an item for its SKU
    env.desk.add_item(sku, f"Item {sku}", "20.00")
    order_id = env.place_order([(sku, 2)], email="coupon.shopper@example.com", code="WELCOME10")
    # The shopper came from the winter newsletter: the storefront recorded the visit that converted.
    [shop] = env.shopify_sandbox.stores.values()
    shop.get("orders", int(order_id))["landing_site"] = (
        "https://shop.example.com/collections/coats?utm_source=newsletter&utm_medium=email"
        "&utm_campaign=winter-sale"
    )
    [result] = env.sync_orders()
    assert result.status == "completed", result
    client = env.hub.erp.client  # type: ignore[attr-defined]
    sales_order = client.get("salesOrder", result.value["sales_order_id"])
    promotion_id = _netsuite_promotions(env)["WELCOME10"]["id"]
    assert sales_order["promoCode"]["id"] == promotion_id
    assert sales_order["custbody_erpsync_discount_codes"] == "WELCOME10"
    assert sales_order["discountItem"]["id"] == env.hub.erp.settings.discount_item_id  # type: ignore[attr-defined]
    assert float(sales_order["discountTotal"]) < 0 or float(sales_order["discountRate"]) < 0
    # Campaign and source attribution travel with the order: the sales channel and the UTM campaign.
    assert sales_order["custbody_erpsync_source"] == "web"
    assert sales_order["custbody_erpsync_campaign"] == "winter-sale"
    attribution = env.hub.shop.get_order(order_id).attribution
    assert attribution is not None
    assert (attribution.utm_source, attribution.utm_medium) == ("newsletter", "email")
    assert env.hub.shop.get_order(order_id).discount_codes == ["WELCOME10"]
