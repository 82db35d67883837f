"""The default order spec on a Shopify orders/create payload: the sales order NetSuite receives."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from erpsync.engine.policy import Action, RetryPolicy
from erpsync.errors import DataError
from erpsync.mapping import Lookup, MappingDataError, MappingSpec, Prerequisite, load_spec


@pytest.fixture(scope="module")
def order_spec(default_specs_dir: Path) -> MappingSpec:
    return load_spec(default_specs_dir / "orders.yaml")


def test_shopify_order_becomes_netsuite_sales_order(
    order_spec: MappingSpec, shopify_order: dict[str, Any], order_lookup: Any
) -> None:
    sales_order = order_spec.apply(shopify_order, lookup=order_lookup).values

    assert sales_order["externalId"] == "shopify-order-820982911946154508"
    assert sales_order["otherRefNum"] == "#1042"
    assert sales_order["entity"] == {"id": "8812"}
    assert sales_order["tranDate"] == "2026-03-14"  # the order's own calendar day (-04:00), not UTC's
    assert sales_order["currency"] == {"id": "1"}
    assert sales_order["item"]["items"] == [
        {
            "item": {"id": "501"},
            "quantity": 2,
            "rate": "19.99",
            "description": "Shirt - Red / M",
            "custcol_erpsync_line_id": "866550311766439020",
            "custcol_shopify_line_discount": "4.00",
            "custcol_shopify_line_tax": "2.00",
        },
        {
            "item": {"id": "502"},
            "quantity": 1,
            "rate": "0.10",
            "description": "Mug",
            "custcol_erpsync_line_id": "141249953214522974",
            "custcol_shopify_line_discount": "0.00",
            "custcol_shopify_line_tax": "0.30",
        },
    ]
    assert sales_order["shippingCost"] == "9.90"
    assert sales_order["shipMethod"] == {"id": "1402"}
    assert sales_order["discountItem"] == {"id": "77"}
    assert sales_order["discountRate"] == "-4.00"
    assert sales_order["custbody_shopify_discount_codes"] == "SUMMER10"
    assert sales_order["custbody_shopify_tax_total"] == "3.30"
    assert sales_order["custbody_shopify_payment_status"] == "Paid"
    assert sales_order["custbody_shopify_source"] == "web"
    assert sales_order["custbody_shopify_campaign"] == "spring-sale"
    assert sales_order["shippingAddress"]["country"] == {"id": "US"}
    assert "addr2" not in sales_order["shippingAddress"]  # empty in Shopify: not sent, not blanked


def test_order_without_discount_sends_no_discount_item(
    order_spec: MappingSpec, shopify_order: dict[str, Any], order_lookup: Any
) -> None:
    shopify_order.update(total_discounts="0.00", discount_codes=[])

    sales_order = order_spec.apply(shopify_order, lookup=order_lookup).values

    assert "discountItem" not in sales_order
    assert "discountRate" not in sales_order
    assert ("netsuite", "discountItem", "shopify-discount") not in order_lookup.asked


def test_unknown_skus_name_each_missing_item_as_prerequisite(
    order_spec: MappingSpec,
    shopify_order: dict[str, Any],
    order_links: dict[tuple[str, str, str], str],
    make_lookup: Callable[..., Lookup],
) -> None:
    lookup = make_lookup({k: v for k, v in order_links.items() if k[1] != "inventoryItem"})

    with pytest.raises(MappingDataError) as caught:
        order_spec.apply(shopify_order, lookup=lookup)

    error = caught.value
    assert isinstance(error, DataError)
    assert error.prerequisites == (
        Prerequisite("netsuite", "inventoryItem", "SHIRT-RED-M"),
        Prerequisite("netsuite", "inventoryItem", "MUG-01"),
    )
    assert [p.field for p in error.problems] == ["item.items[0].item.id", "item.items[1].item.id"]
    assert "netsuite:inventoryItem:SHIRT-RED-M" in str(error)
    assert "create inventoryItem 'SHIRT-RED-M' in netsuite" in (error.suggested_fix or "")


def test_currency_missing_from_strict_value_map_is_a_data_error(
    order_spec: MappingSpec, shopify_order: dict[str, Any], order_lookup: Any
) -> None:
    shopify_order["currency"] = "JPY"

    with pytest.raises(MappingDataError) as caught:
        order_spec.apply(shopify_order, lookup=order_lookup)

    assert caught.value.prerequisites == ()
    assert "value 'JPY' is not in value map 'currencies'" in str(caught.value)
    assert "add 'JPY' to value_maps.currencies.values in orders.yaml" in (caught.value.suggested_fix or "")


def test_unknown_shipping_code_falls_back_to_the_maps_default(
    order_spec: MappingSpec, shopify_order: dict[str, Any], order_lookup: Any
) -> None:
    shopify_order["shipping_lines"][0]["code"] = "Pigeon"

    assert order_spec.apply(shopify_order, lookup=order_lookup).values["shipMethod"] == {"id": "1401"}


def test_guest_order_without_customer_waits_with_a_clear_reason(
    order_spec: MappingSpec, shopify_order: dict[str, Any], order_lookup: Any
) -> None:
    shopify_order["customer"] = None

    with pytest.raises(MappingDataError) as caught:
        order_spec.apply(shopify_order, lookup=order_lookup)

    assert [p.field for p in caught.value.problems] == ["entity.id"]
    assert "required field has no value" in str(caught.value)


def test_memo_edited_in_netsuite_is_kept_when_shopify_changes_the_note(
    order_spec: MappingSpec, shopify_order: dict[str, Any], order_lookup: Any
) -> None:
    current = {"memo": "Customer called: deliver Tuesday", "email": "old@example.com"}

    result = order_spec.apply(shopify_order, lookup=order_lookup, changed_by="shopify", current=current)

    assert result.values["memo"] == "Customer called: deliver Tuesday"
    assert result.values["email"] == "ada@example.com"  # the store owns email: its change applies
    assert [(c.field, c.owner, c.attempted_by) for c in result.conflicts] == [("memo", "netsuite", "shopify")]
    assert result.conflicts[0].current == "Customer called: deliver Tuesday"
    assert result.conflicts[0].proposed == "Leave at the back door"


def test_engine_holds_an_order_whose_only_problem_is_a_missing_item(
    order_spec: MappingSpec,
    shopify_order: dict[str, Any],
    order_links: dict[tuple[str, str, str], str],
    make_lookup: Callable[..., Lookup],
) -> None:
    del order_links[("netsuite", "inventoryItem", "MUG-01")]

    with pytest.raises(MappingDataError) as caught:
        order_spec.apply(shopify_order, lookup=make_lookup(order_links))

    decision = RetryPolicy().decide(caught.value, attempt=1)
    assert (decision.action, decision.prerequisite) == (Action.HOLD, "netsuite:inventoryItem:MUG-01")


def test_engine_parks_an_order_that_waiting_would_not_fix(
    order_spec: MappingSpec,
    shopify_order: dict[str, Any],
    order_links: dict[tuple[str, str, str], str],
    make_lookup: Callable[..., Lookup],
) -> None:
    del order_links[("netsuite", "inventoryItem", "MUG-01")]
    shopify_order["currency"] = "JPY"

    with pytest.raises(MappingDataError) as caught:
        order_spec.apply(shopify_order, lookup=make_lookup(order_links))

    assert caught.value.prerequisites == (Prerequisite("netsuite", "inventoryItem", "MUG-01"),)
    assert RetryPolicy().decide(caught.value, attempt=1).action is Action.PARK


def test_mapping_errors_survive_pickling_as_the_engine_stores_them(
    order_spec: MappingSpec, shopify_order: dict[str, Any], make_lookup: Callable[..., Lookup]
) -> None:
    with pytest.raises(MappingDataError) as caught:
        order_spec.apply(shopify_order, lookup=make_lookup())

    restored = pickle.loads(pickle.dumps(caught.value))

    assert str(restored) == str(caught.value)
    assert restored.prerequisites == caught.value.prerequisites
    assert restored.prerequisite == caught.value.prerequisite


def test_one_loaded_spec_maps_orders_from_many_threads_at_once(
    order_spec: MappingSpec, shopify_order: dict[str, Any], order_lookup: Any
) -> None:
    orders = []
    for number in range(64):
        order = copy.deepcopy(shopify_order)
        order["name"] = f"#{2000 + number}"
        order["line_items"][0]["quantity"] = number + 1
        orders.append(order)

    def sales_order(order: dict[str, Any]) -> dict[str, Any]:
        return order_spec.apply(order, lookup=order_lookup).values

    with ThreadPoolExecutor(max_workers=8) as pool:
        in_parallel = list(pool.map(sales_order, orders))

    assert in_parallel == [sales_order(order) for order in orders]
    assert [o["item"]["items"][0]["quantity"] for o in in_parallel] == list(range(1, 65))


def test_data_error_names_the_record(
    order_spec: MappingSpec, shopify_order: dict[str, Any], make_lookup: Callable[..., Lookup]
) -> None:
    with pytest.raises(MappingDataError) as caught:
        order_spec.apply(shopify_order, lookup=make_lookup())

    assert str(caught.value).startswith(
        "mapping 'shopify-order-to-netsuite-sales-order' cannot map shopify order #1042: field 'entity.id': "
        "no netsuite customer is linked to '115310627314723954'"
    )
    assert caught.value.record == "shopify order #1042"
