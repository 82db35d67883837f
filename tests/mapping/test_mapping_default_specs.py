"""The default Shopify <-> NetSuite specs on realistic records of each platform."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from erpsync.mapping import Lookup, MappingDataError, MappingSpec, Prerequisite, load_spec


def spec(directory: Path, name: str) -> MappingSpec:
    return load_spec(directory / name)


def test_shipped_netsuite_fulfillment_becomes_shopify_fulfillment_with_tracking(
    default_specs_dir: Path, netsuite_records: dict[str, dict[str, Any]], make_lookup: Callable[..., Lookup]
) -> None:
    lookup = make_lookup(
        {
            ("shopify", "fulfillmentOrder", "7001"): "gid://shopify/FulfillmentOrder/5501",
            (
                "shopify",
                "fulfillmentOrderLineItem",
                "866550311766439020",
            ): "gid://shopify/FulfillmentOrderLineItem/61",
        }
    )

    fulfillment = (
        spec(default_specs_dir, "fulfillments.yaml")
        .apply(netsuite_records["itemFulfillment"], lookup=lookup)
        .values
    )

    assert fulfillment == {
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/5501",
                "fulfillmentOrderLineItems": [
                    {"id": "gid://shopify/FulfillmentOrderLineItem/61", "quantity": 2}
                ],
            }
        ],
        "trackingInfo": {"number": "1Z999AA10123456784", "company": "UPS"},
        "notifyCustomer": True,
    }


def test_fulfillment_of_an_order_shopify_does_not_know_waits_for_it(
    default_specs_dir: Path, netsuite_records: dict[str, dict[str, Any]], make_lookup: Callable[..., Lookup]
) -> None:
    with pytest.raises(MappingDataError) as caught:
        spec(default_specs_dir, "fulfillments.yaml").apply(
            netsuite_records["itemFulfillment"], lookup=make_lookup()
        )

    assert Prerequisite("shopify", "fulfillmentOrder", "7001") in caught.value.prerequisites


def test_netsuite_stock_becomes_absolute_available_quantities_per_mapped_location(
    default_specs_dir: Path, netsuite_records: dict[str, dict[str, Any]], make_lookup: Callable[..., Lookup]
) -> None:
    lookup = make_lookup(
        {("shopify", "inventoryItem", "SHIRT-RED-M"): "gid://shopify/InventoryItem/30322695"}
    )

    quantities = (
        spec(default_specs_dir, "inventory.yaml")
        .apply(netsuite_records["inventoryItem"], lookup=lookup)
        .values
    )

    assert quantities == {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "netsuite://inventoryItem/501",
        "ignoreCompareQuantity": True,
        "quantities": [
            {
                "inventoryItemId": "gid://shopify/InventoryItem/30322695",
                "locationId": "gid://shopify/Location/71234560001",
                "quantity": 37,
            },
            {
                "inventoryItemId": "gid://shopify/InventoryItem/30322695",
                "locationId": "gid://shopify/Location/71234560002",
                "quantity": 0,
            },
        ],
    }


def test_netsuite_item_becomes_product_set_input_with_exact_base_price(
    default_specs_dir: Path, netsuite_records: dict[str, dict[str, Any]]
) -> None:
    product = spec(default_specs_dir, "items.yaml").apply(netsuite_records["inventoryItem"]).values

    assert product["title"] == "Red Shirt M"
    assert product["status"] == "ACTIVE"
    assert product["productType"] == "Shirts"
    assert product["descriptionHtml"] == "<p>Soft cotton.</p>"
    assert product["variants"] == [
        {
            "optionValues": [{"optionName": "Title", "name": "Default Title"}],
            "sku": "SHIRT-RED-M",
            "price": "19.99",
            "barcode": "012345678905",
            "inventoryItem": {"tracked": True, "measurement": {"weight": {"value": 0.4, "unit": "POUNDS"}}},
        }
    ]


def test_item_update_from_netsuite_keeps_the_web_teams_description(
    default_specs_dir: Path, netsuite_records: dict[str, dict[str, Any]]
) -> None:
    current = {"title": "Red Shirt M", "descriptionHtml": "<p>Our best seller.</p>"}

    result = spec(default_specs_dir, "items.yaml").apply(
        netsuite_records["inventoryItem"], changed_by="netsuite", current=current
    )

    assert result.values["descriptionHtml"] == "<p>Our best seller.</p>"
    assert [(c.field, c.owner) for c in result.conflicts] == [("descriptionHtml", "shopify")]


def test_shopify_customer_becomes_netsuite_customer(
    default_specs_dir: Path, shopify_payload: Callable[[str, dict[str, Any]], dict[str, Any]]
) -> None:
    customer = shopify_payload(
        "customers/create",
        {
            "id": 706405506930370084,
            "email": "Ada@Example.com",
            "first_name": "Ada",
            "last_name": " ",
            "tax_exempt": False,
            "tags": "vip, newsletter",
            "email_marketing_consent": {"state": "subscribed"},
        },
    )

    values = spec(default_specs_dir, "customers-to-netsuite.yaml").apply(customer).values

    assert values["externalId"] == "shopify-customer-706405506930370084"
    assert values["email"] == "ada@example.com"
    assert values["lastName"] == "(no name)"
    assert values["taxable"] is True
    assert values["globalSubscriptionStatus"] == {"id": "1"}
    assert values["custentity_shopify_tags"] == "vip, newsletter"


def test_shopify_customer_update_cannot_change_netsuite_tax_status(
    default_specs_dir: Path, shopify_payload: Callable[[str, dict[str, Any]], dict[str, Any]]
) -> None:
    customer = shopify_payload("customers/update", {"id": 7, "email": "a@example.com", "tax_exempt": True})

    result = spec(default_specs_dir, "customers-to-netsuite.yaml").apply(
        customer, changed_by="shopify", current={"taxable": True, "email": "old@example.com"}
    )

    assert result.values["taxable"] is True
    assert result.values["email"] == "a@example.com"
    assert [(c.field, c.current, c.proposed) for c in result.conflicts] == [("taxable", True, False)]


def test_netsuite_customer_becomes_shopify_customer_with_terms_tag(
    default_specs_dir: Path, netsuite_records: dict[str, dict[str, Any]]
) -> None:
    values = spec(default_specs_dir, "customers-to-shopify.yaml").apply(netsuite_records["customer"]).values

    assert values == {
        "email": "buyer@acme-corp.example",
        "firstName": "Grace",
        "lastName": "Hopper",
        "taxExempt": True,
        "tags": ["terms-net30"],
        "metafields": [
            {"namespace": "erp", "key": "credit_limit", "type": "number_decimal", "value": "25000.0"}
        ],
    }


def test_netsuite_edit_of_a_customers_email_is_a_conflict_not_an_overwrite(
    default_specs_dir: Path, netsuite_records: dict[str, dict[str, Any]]
) -> None:
    result = spec(default_specs_dir, "customers-to-shopify.yaml").apply(
        netsuite_records["customer"],
        changed_by="netsuite",
        current={"email": "grace@acme-corp.example", "lastName": "Hopper"},
    )

    assert result.values["email"] == "grace@acme-corp.example"
    assert ("email", "shopify", "netsuite") in [(c.field, c.owner, c.attempted_by) for c in result.conflicts]


def test_full_example_in_the_mapping_language_doc_is_a_valid_spec(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "mapping-language.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "example.yaml").write_text(example)

    spec = load_spec(tmp_path / "example.yaml")

    assert spec.name == "shopify-order-to-netsuite-sales-order"
    assert spec.value_maps["currencies"].strict and not spec.value_maps["shipping_methods"].strict
