"""Shopify payloads become canonical records with exact money, and canonical records become Shopify inputs.

REST fixtures are built from the 2026-04 webhook schemas and validated against them (shopify_payloads.py).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from erpsync.connectors.shopify import translate
from erpsync.connectors.shopify.translate.orders import units_after_edits
from erpsync.errors import DataError
from erpsync.model import (
    Company,
    CompanyContact,
    CompanyLocation,
    Fulfillment,
    FulfillmentLine,
    Money,
    Origin,
    Product,
    ProductOption,
    Refund,
    RefundLine,
    TrackingInfo,
    Variant,
)

Build = Callable[..., dict[str, Any]]

ORDER_TOPICS = ["orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled"]


def money_set(amount: str, currency: str = "USD", presentment: str | None = None) -> dict[str, Any]:
    return {
        "shop_money": {"amount": amount, "currency_code": currency},
        "presentment_money": {"amount": amount, "currency_code": presentment or currency},
    }


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def tax(title: str, rate: float, amount: str) -> dict[str, Any]:
    return {
        "title": title,
        "rate": rate,
        "price": amount,
        "price_set": money_set(amount),
        "channel_liable": False,
    }


def allocation(amount: str, index: int = 0) -> dict[str, Any]:
    return {"amount": amount, "amount_set": money_set(amount), "discount_application_index": index}


def order_overrides(total: str = "182.32") -> dict[str, Any]:
    """A B2B order: 2 x 50.00 + 1 x 80.00, code SPRING10 takes 10 % off the lines, 10.00 shipping, tax."""
    line = {
        "price_set": None,
        "requires_shipping": True,
        "taxable": True,
        "properties": [{"name": "engraving", "value": "A.B."}],
    }
    return {
        "id": 820982911946154508,
        "name": "#1042",
        "email": "buyer@acme.example",
        "currency": "USD",
        "presentment_currency": "EUR",
        "created_at": "2026-04-01T12:00:00-04:00",
        "updated_at": "2026-04-01T12:05:00-04:00",
        "processed_at": "2026-04-01T12:00:00-04:00",
        "taxes_included": False,
        "tags": "wholesale, vip",
        "source_name": "web",
        "landing_site": "/products/x?utm_source=news&utm_medium=email&utm_campaign=spring",
        "referring_site": "https://news.example/",
        "company": {"id": 4512, "location_id": 7781},
        "line_items": [
            {
                **line,
                "id": 111,
                "sku": "MUG-BLUE",
                "title": "Mug",
                "variant_title": "Blue",
                "quantity": 2,
                "price": "50.00",
                "price_set": money_set("50.00"),
                "discount_allocations": [allocation("10.00")],
                "tax_lines": [tax("State Tax", 0.06, "5.40")],
            },
            {
                **line,
                "id": 222,
                "sku": "TEAPOT",
                "title": "Teapot",
                "variant_title": None,
                "quantity": 1,
                "price": "80.00",
                "price_set": money_set("80.00"),
                "discount_allocations": [allocation("8.00")],
                "tax_lines": [tax("State Tax", 0.06, "4.32")],
            },
        ],
        "shipping_lines": [
            {
                "id": 9,
                "title": "Standard",
                "code": "STD",
                "price": "10.00",
                "price_set": money_set("10.00"),
                "discounted_price": "10.00",
                "discounted_price_set": money_set("10.00"),
                "tax_lines": [tax("State Tax", 0.06, "0.60")],
            }
        ],
        "tax_lines": [tax("State Tax", 0.06, "10.32")],
        "discount_applications": [
            {
                "type": "discount_code",
                "code": "SPRING10",
                "value": "10.0",
                "value_type": "percentage",
                "target_type": "line_item",
                "target_selection": "all",
                "allocation_method": "across",
                "title": "SPRING10",
                "description": "10 % off",
            }
        ],
        "discount_codes": [{"code": "SPRING10", "amount": "18.00", "type": "percentage"}],
        "total_line_items_price": "180.00",
        "total_line_items_price_set": money_set("180.00"),
        "total_discounts": "18.00",
        "total_discounts_set": money_set("18.00"),
        "total_shipping_price_set": money_set("10.00"),
        "total_tax": "10.32",
        "total_tax_set": money_set("10.32"),
        "total_price": total,
        "total_price_set": money_set(total, presentment="EUR"),
    }


@pytest.mark.parametrize("topic", ORDER_TOPICS)
def test_rest_order_translates_lines_discounts_taxes_shipping_and_company(
    topic: str, build_payload: Build
) -> None:
    order = translate.order_from_rest(build_payload(topic, order_overrides()))

    assert order.business_key == "shopify:820982911946154508"
    assert order.number == "#1042"
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in order.lines] == [
        ("MUG-BLUE", 2, usd("50.00")),
        ("TEAPOT", 1, usd("80.00")),
    ]
    assert order.lines[0].discount == usd("10.00")
    assert order.lines[0].properties == {"engraving": "A.B."}
    assert order.discount_codes == ["SPRING10"]
    assert order.discounts[0].amount == usd("18.00")
    assert order.discounts[0].kind == "percentage" and order.discounts[0].value == Decimal("10.0")
    assert order.tax_lines == [], "order-level tax lines repeat the line taxes and must not count twice"
    assert order.totals.tax == usd("10.32") and order.totals.shipping == usd("10.00")
    assert order.totals.total == usd("182.32")
    assert order.presentment_total == Money(amount=Decimal("182.32"), currency="EUR")
    assert (order.company_id, order.company_location_id) == ("4512", "7781")
    assert order.tags == ["wholesale", "vip"]
    assert order.attribution is not None and order.attribution.utm_campaign == "spring"


def test_rest_order_whose_total_does_not_add_up_is_a_data_error(build_payload: Build) -> None:
    with pytest.raises(DataError):
        translate.order_from_rest(build_payload("orders/create", order_overrides(total="199.99")))


def test_rest_order_money_stays_exact_decimal(build_payload: Build) -> None:
    order = translate.order_from_rest(build_payload("orders/create", order_overrides()))
    assert all(isinstance(t.amount.amount, Decimal) for ln in order.lines for t in ln.tax_lines)
    assert str(order.lines[1].tax_lines[0].amount.amount) == "4.32"


def graphql_order(total: str = "172.32") -> dict[str, Any]:
    def bag(amount: str, currency: str = "USD") -> dict[str, Any]:
        return {"shopMoney": {"amount": amount, "currencyCode": currency}}

    def gql_tax(amount: str) -> dict[str, Any]:
        return {"title": "State Tax", "rate": 0.06, "priceSet": bag(amount)}

    return {
        "id": "gid://shopify/Order/820982911946154508",
        "name": "#1042",
        "createdAt": "2026-04-01T16:00:00Z",
        "updatedAt": "2026-04-01T16:05:00Z",
        "processedAt": "2026-04-01T16:00:00Z",
        "currencyCode": "USD",
        "presentmentCurrencyCode": "USD",
        "taxesIncluded": False,
        "tags": ["wholesale"],
        "displayFinancialStatus": "PAID",
        "purchasingEntity": {
            "__typename": "PurchasingCompany",
            "company": {"id": "gid://shopify/Company/4512"},
            "location": {"id": "gid://shopify/CompanyLocation/7781"},
        },
        "totalPriceSet": bag(total),
        "totalTaxSet": bag("10.32"),
        "discountApplications": {
            "nodes": [
                {
                    "index": 0,
                    "targetType": "LINE_ITEM",
                    "value": {"__typename": "PricingPercentageValue", "percentage": 10.0},
                    "code": "SPRING10",
                },
                {
                    "index": 1,
                    "targetType": "SHIPPING_LINE",
                    "value": {"__typename": "PricingPercentageValue", "percentage": 100.0},
                    "code": "FREESHIP",
                },
            ]
        },
        "lineItems": {
            "nodes": [
                {
                    "id": "gid://shopify/LineItem/111",
                    "title": "Mug",
                    "sku": "MUG-BLUE",
                    "quantity": 2,
                    "originalUnitPriceSet": bag("50.00"),
                    "taxLines": [gql_tax("5.40")],
                    "discountAllocations": [
                        {"allocatedAmountSet": bag("10.00"), "discountApplication": {"index": 0}}
                    ],
                },
                {
                    "id": "gid://shopify/LineItem/222",
                    "title": "Teapot",
                    "sku": "TEAPOT",
                    "quantity": 1,
                    "originalUnitPriceSet": bag("80.00"),
                    "taxLines": [gql_tax("4.32")],
                    "discountAllocations": [
                        {"allocatedAmountSet": bag("8.00"), "discountApplication": {"index": 0}}
                    ],
                },
            ]
        },
        "shippingLines": {
            "nodes": [
                {
                    "title": "Standard",
                    "code": "STD",
                    "originalPriceSet": bag("10.00"),
                    "discountedPriceSet": bag("0.00"),
                    "taxLines": [gql_tax("0.60")],
                }
            ]
        },
        "transactions": [
            {
                "id": "gid://shopify/OrderTransaction/5",
                "kind": "SALE",
                "status": "SUCCESS",
                "gateway": "shopify_payments",
                "amountSet": bag(total),
                "createdAt": "2026-04-01T16:00:00Z",
            }
        ],
        "fulfillments": [
            {
                "id": "gid://shopify/Fulfillment/77",
                "status": "SUCCESS",
                "createdAt": "2026-04-02T09:00:00Z",
                "updatedAt": "2026-04-02T09:00:00Z",
                "location": {"id": "gid://shopify/Location/655"},
                "trackingInfo": [{"company": "UPS", "number": "1Z999", "url": "https://ups.example/1Z999"}],
                "fulfillmentLineItems": {
                    "nodes": [
                        {"quantity": 2, "lineItem": {"id": "gid://shopify/LineItem/111", "sku": "MUG-BLUE"}}
                    ]
                },
            }
        ],
        "refunds": [],
    }


def test_graphql_order_translates_with_shipping_discount_payments_and_fulfillments() -> None:
    order = translate.order_from_graphql(graphql_order())

    assert order.business_key == "shopify:820982911946154508"
    assert order.totals.lines == usd("180.00")
    assert {d.code: d.amount for d in order.discounts} == {"SPRING10": usd("18.00"), "FREESHIP": usd("10.00")}
    assert order.discounts[1].kind == "free_shipping"
    assert order.totals.total == usd("172.32")
    assert order.payments[0].is_money_received and order.payments[0].amount == usd("172.32")
    assert order.fulfillments[0].tracking[0].number == "1Z999"
    assert order.fulfillments[0].location_code == "655"
    assert order.company_location_id == "7781"
    assert order.financial_status == "paid"


def test_rest_and_graphql_shapes_of_one_order_share_the_business_key(build_payload: Build) -> None:
    rest = translate.order_from_rest(build_payload("orders/create", order_overrides()))
    graphql = translate.order_from_graphql(graphql_order())
    assert rest.business_key == graphql.business_key
    assert [ln.line_id for ln in rest.lines] == [ln.line_id for ln in graphql.lines]


def test_rest_refund_translates_lines_restock_shipping_and_transactions(build_payload: Build) -> None:
    payload = build_payload(
        "refunds/create",
        {
            "id": 929361464,
            "order_id": 820982911946154508,
            "created_at": "2026-04-05T10:00:00-04:00",
            "processed_at": "2026-04-05T10:00:00-04:00",
            "note": "wrong colour",
            "refund_line_items": [
                {
                    "id": 1,
                    "line_item_id": 111,
                    "quantity": 1,
                    "restock_type": "return",
                    "location_id": 655,
                    "subtotal": 45.0,
                    "subtotal_set": money_set("45.00"),
                    "total_tax": 2.7,
                    "total_tax_set": money_set("2.70"),
                    "line_item": {"id": 111, "sku": "MUG-BLUE"},
                }
            ],
            "order_adjustments": [
                {
                    "id": 3,
                    "kind": "shipping_refund",
                    "amount": "-10.00",
                    "amount_set": money_set("-10.00"),
                    "tax_amount": "-0.60",
                    "tax_amount_set": money_set("-0.60"),
                    "order_id": 820982911946154508,
                    "refund_id": 929361464,
                    "reason": "Shipping refund",
                }
            ],
            "transactions": [
                {
                    "id": 55,
                    "order_id": 820982911946154508,
                    "kind": "refund",
                    "status": "success",
                    "gateway": "shopify_payments",
                    "amount": "58.30",
                    "currency": "USD",
                    "created_at": "2026-04-05T10:00:00-04:00",
                    "processed_at": "2026-04-05T10:00:00-04:00",
                }
            ],
        },
    )
    refund = translate.refund_from_rest(payload)

    assert refund.order_id == "820982911946154508"
    line = refund.lines[0]
    assert (line.line_id, line.sku, line.quantity, line.restock, line.restock_location_code) == (
        "111",
        "MUG-BLUE",
        1,
        True,
        "655",
    )
    assert line.subtotal == usd("45.00") and line.tax == usd("2.70")
    assert refund.shipping == usd("10.60")
    assert refund.total == usd("58.30")
    assert refund.transactions[0].amount == usd("58.30") and refund.transactions[0].kind == "refund"


def test_rest_fulfillment_translates_tracking_and_lines(build_payload: Build) -> None:
    payload = build_payload(
        "fulfillments/create",
        {
            "id": 4567,
            "order_id": 820982911946154508,
            "status": "success",
            "location_id": 655,
            "tracking_company": "UPS",
            "tracking_number": "1Z999",
            "tracking_numbers": ["1Z999", "1Z998"],
            "tracking_url": "https://ups.example/1Z999",
            "tracking_urls": ["https://ups.example/1Z999", "https://ups.example/1Z998"],
            "line_items": [{"id": 111, "sku": "MUG-BLUE", "quantity": 2}],
        },
    )
    fulfillment = translate.fulfillment_from_rest(payload)
    assert fulfillment.order_id == "820982911946154508" and fulfillment.status == "success"
    assert [t.number for t in fulfillment.tracking] == ["1Z999", "1Z998"]
    assert fulfillment.tracking[1].url == "https://ups.example/1Z998"
    assert fulfillment.lines == [FulfillmentLine(line_id="111", sku="MUG-BLUE", quantity=2)]
    assert fulfillment.location_code == "655"


@pytest.mark.parametrize("topic", ["customers/create", "customers/update"])
def test_rest_customer_translates_addresses_tags_and_consent(topic: str, build_payload: Build) -> None:
    address = {
        "id": 1,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "address1": "1 Main St",
        "city": "Ottawa",
        "province_code": "ON",
        "country_code": "CA",
        "zip": "K1A 0B1",
        "default": True,
    }
    payload = build_payload(
        topic,
        {
            "id": 706405506930370084,
            "email": "Ada@Example.com",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "tags": "b2b, newsletter",
            "tax_exempt": True,
            "tax_exemptions": ["CA_STATUS_CARD_EXEMPTION"],
            "addresses": [address],
            "default_address": address,
            "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in"},
        },
    )
    customer = translate.customer_from_rest(payload)
    assert customer.business_key == "ada@example.com"
    assert customer.default_address is not None and customer.default_address.country_code == "CA"
    assert customer.default_address.region == "ON"
    assert customer.tags == ["b2b", "newsletter"] and customer.tax_exemptions == ["CA_STATUS_CARD_EXEMPTION"]
    assert customer.accepts_marketing and customer.tax_exempt


@pytest.mark.parametrize("topic", ["products/create", "products/update"])
def test_rest_product_translates_options_variants_and_prices(topic: str, build_payload: Build) -> None:
    variant = {
        "id": 1,
        "product_id": 632910392,
        "title": "S / Blue",
        "sku": "TEE-S-BLUE",
        "price": "19.99",
        "compare_at_price": "24.99",
        "option1": "S",
        "option2": "Blue",
        "option3": None,
        "weight": 0.2,
        "weight_unit": "kg",
        "taxable": True,
        "requires_shipping": True,
        "inventory_management": "shopify",
    }
    payload = build_payload(
        topic,
        {
            "id": 632910392,
            "title": "Tee",
            "handle": "tee",
            "status": "active",
            "tags": "summer",
            "options": [
                {"id": 1, "name": "Size", "position": 1, "values": ["S", "M"]},
                {"id": 2, "name": "Colour", "position": 2, "values": ["Blue"]},
            ],
            "variants": [
                variant,
                {**variant, "id": 2, "sku": "TEE-M-BLUE", "option1": "M", "price": "21.00"},
            ],
        },
    )
    product = translate.product_from_rest(payload, currency="USD")
    assert [v.sku for v in product.variants] == ["TEE-S-BLUE", "TEE-M-BLUE"]
    assert product.variants[0].options == {"Size": "S", "Colour": "Blue"}
    assert product.variants[0].price == usd("19.99") and product.variants[0].compare_at_price == usd("24.99")
    assert product.variants[0].weight is not None and product.variants[0].weight.value == Decimal("0.2")
    assert product.variants[1].price == usd("21.00")


def test_rest_inventory_level_uses_the_resolved_sku_and_location_id(build_payload: Build) -> None:
    payload = build_payload(
        "inventory_levels/update",
        {"inventory_item_id": 271878346596884015, "location_id": 655, "available": 7},
    )
    level = translate.inventory_level_from_rest(payload, sku="MUG-BLUE")
    assert (level.business_key, level.available, level.on_hand) == ("MUG-BLUE@655", 7, 7)


def test_graphql_inventory_level_counts_committed_units_as_reserved() -> None:
    level = translate.inventory_level_from_graphql(
        {
            "updatedAt": "2026-04-01T16:00:00Z",
            "item": {"id": "gid://shopify/InventoryItem/9", "sku": "MUG-BLUE"},
            "location": {"id": "gid://shopify/Location/655"},
            "quantities": [
                {"name": "available", "quantity": 5},
                {"name": "on_hand", "quantity": 8},
                {"name": "committed", "quantity": 3},
                {"name": "reserved", "quantity": 0},
            ],
        }
    )
    assert (level.sku, level.location_code, level.on_hand, level.reserved, level.available) == (
        "MUG-BLUE",
        "655",
        8,
        3,
        5,
    )


def test_rest_location_code_is_the_shopify_location_id(build_payload: Build) -> None:
    payload = build_payload(
        "locations/create", {"id": 655, "name": "Main warehouse", "country_code": "DE", "active": True}
    )
    location = translate.location_from_rest(payload)
    assert (location.code, location.name, location.active) == ("655", "Main warehouse", True)
    assert location.address is not None and location.address.country_code == "DE"


def test_rest_company_code_is_its_external_id(build_payload: Build) -> None:
    payload = build_payload(
        "companies/create", {"name": "Acme Corp", "external_id": "C-1001", "note": "net 30"}
    )
    company = translate.company_from_rest({**payload, "id": 4512})
    assert (company.name, company.code, company.business_key) == ("Acme Corp", "C-1001", "C-1001")


def test_rest_transaction_translates_kind_gateway_and_card_brand(build_payload: Build) -> None:
    payload = build_payload(
        "order_transactions/create",
        {
            "id": 389404469,
            "order_id": 820982911946154508,
            "kind": "capture",
            "status": "success",
            "gateway": "shopify_payments",
            "amount": "193.15",
            "currency": "USD",
            "parent_id": 389404468,
            "authorization": "ch_123",
            "payment_details": {"credit_card_company": "Visa", "credit_card_number": "•••• 4242"},
        },
    )
    transaction = translate.transaction_from_rest(payload)
    assert transaction.is_money_received and transaction.amount == usd("193.15")
    assert (transaction.payment_method, transaction.parent_id, transaction.reference) == (
        "Visa",
        "389404468",
        "ch_123",
    )


def graphql_company() -> dict[str, Any]:
    return {
        "id": "gid://shopify/Company/4512",
        "name": "Acme Corp",
        "externalId": "C-1001",
        "updatedAt": "2026-04-01T16:00:00Z",
        "mainContact": {"id": "gid://shopify/CompanyContact/1"},
        "contacts": {
            "nodes": [
                {
                    "id": "gid://shopify/CompanyContact/1",
                    "title": "Buyer",
                    "customer": {"email": "buyer@acme.example", "firstName": "Bo"},
                }
            ]
        },
        "locations": {
            "nodes": [
                {
                    "id": "gid://shopify/CompanyLocation/7781",
                    "name": "Acme Berlin",
                    "externalId": "SHIP-7",
                    "taxExemptions": [],
                    "shippingAddress": {"address1": "Str. 1", "city": "Berlin", "countryCode": "DE"},
                }
            ]
        },
    }


def test_graphql_company_translates_contacts_and_locations() -> None:
    company = translate.company_from_graphql(graphql_company())
    assert company.code == "C-1001"
    assert company.contacts[0].is_main_contact and company.contacts[0].business_key == "buyer@acme.example"
    assert company.locations[0].business_key == "SHIP-7"
    assert company.locations[0].shipping_address is not None
    assert company.locations[0].shipping_address.country_code == "DE"


# ------------------------------------------------------------------------------ canonical → Shopify


def origin(record_id: str = "1") -> Origin:
    return Origin(system="erp", id=record_id, updated_at="2026-04-01T00:00:00Z")


def test_product_becomes_product_set_input_with_options_and_skus() -> None:
    product = Product(
        origin=origin(),
        title="Tee",
        handle="tee",
        options=[ProductOption(name="Size", values=["S", "M"])],
        variants=[
            Variant(origin=origin("v1"), sku="TEE-S", options={"Size": "S"}, price=usd("19.99")),
            Variant(origin=origin("v2"), sku="TEE-M", options={"Size": "M"}, price=usd("21.00")),
        ],
    )
    payload = translate.product_set_input(product)
    assert payload["handle"] == "tee" and payload["status"] == "ACTIVE"
    assert payload["productOptions"] == [
        {"name": "Size", "position": 1, "values": [{"name": "S"}, {"name": "M"}]}
    ]
    assert payload["variants"][1]["optionValues"] == [{"optionName": "Size", "name": "M"}]
    assert payload["variants"][1]["price"] == "21.00"
    assert payload["variants"][0]["inventoryItem"]["sku"] == "TEE-S"


def open_fulfillment_orders() -> list[dict[str, Any]]:
    def line(fo_line: str, line_id: str, remaining: int) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/FulfillmentOrderLineItem/{fo_line}",
            "remainingQuantity": remaining,
            "lineItem": {"id": f"gid://shopify/LineItem/{line_id}", "sku": "MUG-BLUE"},
        }

    return [
        {
            "id": "gid://shopify/FulfillmentOrder/1",
            "status": "OPEN",
            "assignedLocation": {"location": {"id": "gid://shopify/Location/655"}},
            "lineItems": {"nodes": [line("11", "111", 1)]},
        },
        {
            "id": "gid://shopify/FulfillmentOrder/2",
            "status": "OPEN",
            "assignedLocation": {"location": {"id": "gid://shopify/Location/700"}},
            "lineItems": {"nodes": [line("21", "111", 1)]},
        },
        {
            "id": "gid://shopify/FulfillmentOrder/3",
            "status": "CLOSED",
            "assignedLocation": {"location": {"id": "gid://shopify/Location/655"}},
            "lineItems": {"nodes": [line("31", "111", 5)]},
        },
    ]


def shipment(quantity: int) -> Fulfillment:
    return Fulfillment(
        origin=origin("shp-1"),
        order_id="820982911946154508",
        status="success",
        location_code="700",
        tracking=[TrackingInfo(number="1Z999", company="UPS")],
        lines=[FulfillmentLine(line_id="111", sku="MUG-BLUE", quantity=quantity)],
    )


def test_fulfillment_takes_units_from_open_fulfillment_orders_at_its_location_first() -> None:
    lines = translate.fulfillment_order_lines(open_fulfillment_orders())
    payload = translate.fulfillment_input(shipment(2), lines)
    assert payload["lineItemsByFulfillmentOrder"] == [
        {
            "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/2",
            "fulfillmentOrderLineItems": [{"id": "gid://shopify/FulfillmentOrderLineItem/21", "quantity": 1}],
        },
        {
            "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1",
            "fulfillmentOrderLineItems": [{"id": "gid://shopify/FulfillmentOrderLineItem/11", "quantity": 1}],
        },
    ]
    assert payload["trackingInfo"] == {"number": "1Z999", "company": "UPS"}


def test_fulfillment_of_more_units_than_open_is_a_data_error_naming_the_line() -> None:
    lines = translate.fulfillment_order_lines(open_fulfillment_orders())
    with pytest.raises(DataError, match="line 111") as error:
        translate.fulfillment_input(shipment(3), lines)
    assert error.value.field == "lines.0.quantity"


def test_refund_becomes_refund_input_with_restock_and_one_refund_transaction() -> None:
    refund = Refund(
        origin=origin("r1"),
        order_id="820982911946154508",
        lines=[
            RefundLine(
                line_id="111", quantity=1, restock=True, restock_location_code="655", subtotal=usd("45.00")
            )
        ],
        shipping=usd("10.00"),
        total=usd("55.00"),
    )
    payload = translate.refund_input(
        refund, order_gid="gid://shopify/Order/820982911946154508", gateway="shopify_payments"
    )
    assert payload["refundLineItems"] == [
        {
            "lineItemId": "gid://shopify/LineItem/111",
            "quantity": 1,
            "restockType": "RETURN",
            "locationId": "gid://shopify/Location/655",
        }
    ]
    assert payload["shipping"] == {"amount": "10.00"}
    assert payload["transactions"][0]["amount"] == "55.00"


def test_company_becomes_company_create_input_with_main_contact_and_location() -> None:
    company = Company(
        origin=origin("c1"),
        name="Acme Corp",
        code="C-1001",
        contacts=[CompanyContact(origin=origin("p1"), email="buyer@acme.example", is_main_contact=True)],
        locations=[CompanyLocation(origin=origin("l1"), name="Acme Berlin", code="SHIP-7")],
    )
    payload = translate.company_create_input(company)
    assert payload["company"] == {"name": "Acme Corp", "externalId": "C-1001"}
    assert payload["companyContact"] == {"email": "buyer@acme.example"}
    assert payload["companyLocation"] == {"name": "Acme Berlin", "externalId": "SHIP-7"}


# -- order edits (GraphQL): a line's units after committed edits, before refunds -----------------------


@pytest.mark.parametrize(
    ("quantity", "current", "cancelled", "as_placed", "expected", "case"),
    [
        (3, 3, 0, False, 3, "never edited"),
        (3, 1, 0, False, 1, "an edit removed two units"),
        (3, 0, 0, False, 0, "an edit removed the line"),
        (3, 1, 2, False, 3, "a refund cancelled two unshipped units: still ordered, refunded separately"),
        (3, 0, 1, False, 1, "an edit removed two units, a refund cancelled the third"),
        (3, 1, 5, False, 3, "a refund claiming more cancelled units than ordered never adds units"),
        (3, 0, 0, True, 3, "a cancelled order keeps its lines as placed"),
        (3, None, 0, False, 3, "a selection without currentQuantity shows no edit"),
    ],
)
def test_units_after_edits_separate_edits_from_refunds(
    quantity: int, current: int | None, cancelled: int, as_placed: bool, expected: int, case: str
) -> None:
    assert units_after_edits(quantity, current, cancelled, as_placed) == expected, case
