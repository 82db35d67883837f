"""NetSuite ↔ canonical translation: round trips, and NetSuite arithmetic reproducing the store totals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erpsync.connectors.netsuite import translate
from erpsync.connectors.netsuite.translate import NetSuiteSettings
from erpsync.errors import DataError
from erpsync.model import (
    Address,
    Customer,
    Money,
    OrderLine,
    OrderTotals,
    Origin,
    Refund,
    RefundLine,
    TaxLine,
    Transaction,
)

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
SETTINGS = NetSuiteSettings(
    discount_item_id="900",
    tax_item_id="-8",
    location_id="101",
    ship_methods={"ground": "950"},
    subsidiary_id="1",
)
ITEMS = {"SKU-1001": "103", "SKU-1002": "104"}
CENT = Decimal("0.01")


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def netsuite_total(body: dict[str, Any]) -> Decimal:
    """What NetSuite computes for a transaction body: lines, header discount, tax rate on the discounted
    subtotal, shipping (the sandbox applies the same rules)."""
    lines = body["item"]["items"]
    subtotal = sum(
        (
            cents(Decimal(str(ln["amount"])))
            if "amount" in ln
            else cents(ln["quantity"] * Decimal(str(ln["rate"])))
            for ln in lines
        ),
        Decimal(0),
    )
    discount = Decimal(body.get("discountRate", "0"))
    tax = cents((subtotal + discount) * Decimal(str(body.get("taxRate", 0))) / 100)
    return subtotal + discount + tax + Decimal(str(body.get("shippingCost", 0)))


# -- customers -------------------------------------------------------------------------------------


def as_netsuite_answers(body: dict[str, Any], record_id: str) -> dict[str, Any]:
    """A written body as NetSuite answers it on GET: id, system dates, references and country as objects."""
    answer = {**body, "id": record_id, "lastModifiedDate": "2026-12-04T10:00:00Z"}
    for line in answer.get("addressBook", {}).get("items", []):
        address = line["addressBookAddress"]
        address["country"] = {"id": address["country"], "refName": "United States"}
    return answer


def test_customer_round_trip_keeps_names_contact_and_addresses() -> None:
    home = Address(
        name="Ada Lovelace",
        line1="1 Main St",
        city="Austin",
        region="TX",
        postal_code="78701",
        country_code="US",
        phone="+1 512 555 0100",
        is_default=True,
    )
    office = Address(
        name="Ada Lovelace",
        company="Analytical Ltd",
        line1="2 Side St",
        city="Boston",
        region="MA",
        postal_code="02108",
        country_code="US",
    )
    customer = Customer(
        origin=Origin(system="shopify", id="77", updated_at=NOW),
        email="ada@example.com",
        first_name="Ada",
        last_name="Lovelace",
        phone="+1 512 555 0100",
        addresses=[office, home],
        note="VIP",
    )
    body = translate.customer_to_netsuite(customer, external_id="shopify_3A77", settings=SETTINGS)
    assert body["externalId"] == "shopify_3A77" and body["isPerson"] is True
    assert body["subsidiary"] == {"id": "1"}
    assert body["addressBook"]["items"][1]["defaultShipping"] is True
    assert body["addressBook"]["items"][0]["addressBookAddress"]["addressee"] == "Analytical Ltd"

    back = translate.customer_from_netsuite(as_netsuite_answers(body, "119"))
    assert back.origin.system == "netsuite" and back.origin.id == "119"
    assert back.origin.updated_at == NOW
    assert (back.email, back.first_name, back.last_name, back.phone, back.note) == (
        "ada@example.com",
        "Ada",
        "Lovelace",
        "+1 512 555 0100",
        "VIP",
    )
    assert [a.model_dump(exclude={"is_default"}) for a in back.addresses] == [
        a.model_dump(exclude={"is_default"}) for a in (office, home)
    ]
    assert back.default_address == back.addresses[1]


def test_customer_without_names_still_satisfies_netsuite() -> None:
    customer = Customer(origin=Origin(system="shopify", id="5", updated_at=NOW), email="zed@example.com")
    body = translate.customer_to_netsuite(customer, external_id="x", settings=SETTINGS)
    assert body["firstName"] == "zed" and body["lastName"] == "-"


# -- sales orders ----------------------------------------------------------------------------------


def test_sales_order_body_carries_lines_discount_code_shipping_tax_and_attribution(make_order: Any) -> None:
    order = make_order()
    body = translate.sales_order_to_netsuite(
        order,
        external_id="shopify_3A1042",
        customer={"externalId": "shopify_3A77"},
        item_ids=ITEMS,
        settings=SETTINGS,
    )
    assert body["externalId"] == "shopify_3A1042"
    assert body["entity"] == {"externalId": "shopify_3A77"}
    assert body["otherRefNum"] == "#1042"
    assert body["tranDate"] == "2026-12-04"
    assert body["item"]["items"] == [
        {
            "item": {"id": "103"},
            "quantity": 2,
            "rate": 10,
            "description": "Hoodie",
            "custcol_erpsync_line_id": "L1",
        },
        {
            "item": {"id": "104"},
            "quantity": 1,
            "rate": 5.5,
            "description": "Mug",
            "custcol_erpsync_line_id": "L2",
        },
    ]
    assert body["discountItem"] == {"id": "900"} and body["discountRate"] == "-2.00"
    assert body["custbody_erpsync_discount_codes"] == "SUMMER"
    assert body["shippingCost"] == 4.95 and body["shipMethod"] == {"id": "950"}
    assert body["custbody_erpsync_source"] == "web"
    assert body["custbody_erpsync_campaign"] == "black-friday"
    assert body["location"] == {"id": "101"} and body["taxItem"] == {"id": "-8"}
    assert netsuite_total(body) == order.totals.total.amount


def test_tax_inclusive_order_reconciles_to_the_store_total(make_order: Any) -> None:
    lines = [
        OrderLine(
            line_id="L1",
            sku="SKU-1001",
            title="Hoodie",
            quantity=2,
            unit_price=usd("11.90"),
            tax_lines=[TaxLine(title="VAT", rate=Decimal("0.19"), amount=usd("3.80"))],
        ),
        OrderLine(
            line_id="L2",
            sku="SKU-1002",
            title="Mug",
            quantity=3,
            unit_price=usd("5.95"),
            tax_lines=[TaxLine(title="VAT", rate=Decimal("0.19"), amount=usd("2.85"))],
        ),
    ]
    order = make_order(
        lines=lines,
        taxes_included=True,
        tax_lines=[],
        shipping_lines=[],
        discounts=[],
        totals=OrderTotals(
            lines=usd("41.65"), discounts=usd("0"), shipping=usd("0"), tax=usd("6.65"), total=usd("41.65")
        ),
    )
    body = translate.sales_order_to_netsuite(
        order, external_id="x", customer={"id": "1"}, item_ids=ITEMS, settings=SETTINGS
    )
    assert [line["amount"] for line in body["item"]["items"]] == [20, 15]
    assert all("rate" not in line for line in body["item"]["items"])
    assert netsuite_total(body) == Decimal("41.65")


@given(
    amounts=st.lists(st.integers(min_value=1, max_value=2_000_000), min_size=1, max_size=8),
    discount=st.integers(min_value=0, max_value=100),
    tax_per_mille=st.integers(min_value=0, max_value=250),
)
def test_header_tax_rate_reproduces_the_store_tax_to_the_cent(
    amounts: list[int], discount: int, tax_per_mille: int
) -> None:
    base = sum(Decimal(a) / 100 for a in amounts)
    taken = cents(base * discount / 1000)
    tax = cents((base - taken) * tax_per_mille / 1000 + Decimal("0.003"))  # store rounding is its own
    rate = translate.tax_rate_percent(tax, base - taken)
    if base - taken > 0:
        assert cents((base - taken) * rate / 100) == tax


def test_unknown_sku_is_a_data_error_naming_it(make_order: Any) -> None:
    with pytest.raises(DataError, match="SKU-1002") as caught:
        translate.sales_order_to_netsuite(
            make_order(),
            external_id="x",
            customer={"id": "1"},
            item_ids={"SKU-1001": "103"},
            settings=SETTINGS,
        )
    assert caught.value.field == "lines.L2.sku" and caught.value.suggested_fix


def test_discount_without_a_discount_item_is_a_data_error(make_order: Any) -> None:
    with pytest.raises(DataError, match="discount item"):
        translate.sales_order_to_netsuite(
            make_order(), external_id="x", customer={"id": "1"}, item_ids=ITEMS, settings=NetSuiteSettings()
        )


# -- catalog ---------------------------------------------------------------------------------------

INVENTORY_ITEM = {
    "id": "103",
    "itemId": "SKU-1001",
    "displayName": "Hoodie Sand",
    "salesDescription": "Hoodie, sand",
    "upcCode": "0123456789012",
    "basePrice": 10.16,
    "itemType": "InvtPart",
    "isInactive": False,
    "lastModifiedDate": "2026-12-04T10:00:00Z",
    "locations": {
        "items": [
            {
                "location": {"id": "101", "refName": "Main Warehouse"},
                "quantityOnHand": 7.0,
                "quantityCommitted": 2.0,
                "quantityAvailable": 5.0,
            },
        ]
    },
}


def test_inventory_item_becomes_a_product_with_one_priced_variant() -> None:
    product = translate.product_from_item(INVENTORY_ITEM, currency="USD")
    variant = product.variants[0]
    assert product.title == "Hoodie Sand" and product.status == "active"
    assert product.description == "Hoodie, sand"
    assert variant.sku == "SKU-1001" and variant.barcode == "0123456789012"
    assert variant.price == usd("10.16") and variant.inventory_tracked
    service = translate.product_from_item(
        {"id": "120", "itemId": "GIFT-WRAP", "basePrice": 4, "itemType": "NonInvtPart", "isInactive": True},
        currency="USD",
    )
    assert service.status == "archived" and not service.variants[0].inventory_tracked


def test_stock_row_becomes_an_inventory_level() -> None:
    level = translate.inventory_level_from_row(
        {
            "item_id": "103",
            "sku": "SKU-1001",
            "location_id": "101",
            "location_code": "main-warehouse",
            "on_hand": 7.0,
            "committed": 2.0,
            "available": 5.0,
        },
        as_of=NOW,
    )
    assert (level.sku, level.location_code, level.on_hand, level.reserved, level.available) == (
        "SKU-1001",
        "main-warehouse",
        7,
        2,
        5,
    )
    assert level.business_key == "SKU-1001@main-warehouse"


def test_location_code_is_its_external_id_else_its_name() -> None:
    location = translate.location_from_netsuite(
        {
            "id": "101",
            "name": "Main Warehouse",
            "externalId": "main-warehouse",
            "makeInventoryAvailable": True,
            "mainAddress": {"city": "Portland", "country": {"id": "US"}},
        }
    )
    assert location.code == "main-warehouse" and location.address and location.address.country_code == "US"
    assert translate.location_from_netsuite({"id": "102", "name": "East DC"}).code == "East DC"


# -- fulfillments and billing ----------------------------------------------------------------------


def test_item_fulfillment_becomes_a_shipped_fulfillment_with_tracking() -> None:
    fulfillment = translate.fulfillment_from_netsuite(
        {
            "id": "300",
            "createdFrom": {"id": "250", "refName": "Sales Order #SO250"},
            "shipStatus": {"id": "C", "refName": "Shipped"},
            "tranDate": "2026-12-04",
            "lastModifiedDate": "2026-12-04T10:00:00Z",
            "item": {
                "items": [
                    {
                        "orderLine": "1",
                        "item": {"id": "103", "refName": "SKU-1001"},
                        "quantity": 2.0,
                        "itemReceive": True,
                        "location": {"id": "101"},
                    },
                ]
            },
            "package": {"items": [{"packageTrackingNumber": "1Z999AA10123456784"}]},
        },
        location_codes={"101": "main-warehouse"},
    )
    assert fulfillment.order_id == "250" and fulfillment.status == "success"
    assert [t.number for t in fulfillment.tracking] == ["1Z999AA10123456784"]
    assert [(ln.line_id, ln.sku, ln.quantity) for ln in fulfillment.lines] == [("1", "SKU-1001", 2)]
    assert fulfillment.location_code == "main-warehouse" and fulfillment.shipped_at


@pytest.mark.parametrize(
    ("packages", "carriers", "expected"),
    [
        # Integrated carriers: the sublist names the carrier, whatever the ship method.
        ({"packageUps": {"items": [{"packageTrackingNumberUps": "1Z1"}]}}, {}, [("1Z1", "UPS")]),
        ({"packageFedEx": {"items": [{"packageTrackingNumberFedEx": "7489"}]}}, {}, [("7489", "FedEx")]),
        ({"packageUsps": {"items": [{"packageTrackingNumberUsps": "9400"}]}}, {}, [("9400", "USPS")]),
        # The plain sublist: the carrier the settings give the ship method, by name or by internal id.
        (
            {"package": {"items": [{"packageTrackingNumber": "JD01"}]}},
            {"DHL Worldwide": "DHL Express"},
            [("JD01", "DHL Express")],
        ),
        (
            {"package": {"items": [{"packageTrackingNumber": "JD01"}]}},
            {"1405": "DHL Express"},
            [("JD01", "DHL Express")],
        ),
        ({"package": {"items": [{"packageTrackingNumber": "JD01"}]}}, {}, [("JD01", None)]),
        # Several parcels, on both kinds of sublist; an empty tracking number is no parcel.
        (
            {
                "package": {"items": [{"packageTrackingNumber": ""}]},
                "packageUps": {
                    "items": [{"packageTrackingNumberUps": "1Z1"}, {"packageTrackingNumberUps": "1Z2"}]
                },
            },
            {},
            [("1Z1", "UPS"), ("1Z2", "UPS")],
        ),
    ],
)
def test_each_package_is_tracked_with_its_carrier(
    packages: dict[str, Any], carriers: dict[str, str], expected: list[tuple[str, str | None]]
) -> None:
    body = {
        "id": "301",
        "createdFrom": {"id": "250"},
        "shipStatus": {"id": "C"},
        "shipMethod": {"id": "1405", "refName": "DHL Worldwide"},
        "item": {"items": [{"orderLine": "1", "item": {"id": "103", "refName": "SKU-1001"}, "quantity": 1}]},
        **packages,
    }
    fulfillment = translate.fulfillment_from_netsuite(body, carriers=carriers)
    assert [(t.number, t.company) for t in fulfillment.tracking] == expected


def test_invoice_lines_carry_the_discount_and_shipping_so_totals_match_netsuite() -> None:
    invoice = translate.invoice_from_netsuite(
        {
            "id": "400",
            "tranId": "INV400",
            "tranDate": "2026-12-04",
            "createdFrom": {"id": "250"},
            "entity": {"id": "119"},
            "currency": {"id": "1", "refName": "USD"},
            "item": {
                "items": [
                    {"item": {"refName": "SKU-1001"}, "quantity": 2.0, "rate": 10.0, "amount": 20.0},
                    {"item": {"refName": "SKU-1002"}, "quantity": 1.0, "rate": 5.5, "amount": 5.5},
                ]
            },
            "discountTotal": -2.0,
            "taxTotal": 1.82,
            "shippingCost": 4.95,
            "total": 30.27,
            "amountRemaining": 30.27,
            "status": {"id": "A"},
            "lastModifiedDate": "2026-12-04T10:00:00Z",
        },
        settings=SETTINGS,
    )
    assert invoice.number == "INV400" and invoice.order_id == "250" and invoice.status == "open"
    assert invoice.total == usd("30.27") and invoice.amount_due == usd("30.27")
    assert [line.amount for line in invoice.lines] == [usd("18.43"), usd("5.07"), usd("4.95")]


@given(
    total=st.integers(min_value=0, max_value=100_000),
    weights=st.lists(st.integers(min_value=1, max_value=1_000_000), min_size=1, max_size=10),
)
def test_allocation_adds_up_exactly(total: int, weights: list[int]) -> None:
    parts = translate.allocate(Decimal(total) / 100, [Decimal(w) / 100 for w in weights])
    assert sum(parts, Decimal(0)) == Decimal(total) / 100
    assert all(part >= 0 for part in parts)


# -- payments, refunds, payouts --------------------------------------------------------------------


def _capture(kind: str = "capture") -> Transaction:
    return Transaction(
        origin=Origin(system="shopify", id="t-9", updated_at=NOW),
        order_id="1042",
        kind=kind,
        status="success",
        gateway="shopify_payments",
        amount=usd("30.27"),
        reference="ch_123",
        processed_at=NOW,
    )


def test_capture_becomes_a_customer_payment_applied_to_the_invoice() -> None:
    body = translate.customer_payment_to_netsuite(
        _capture(), external_id="p", customer={"id": "119"}, invoice_id="400", settings=SETTINGS
    )
    assert body["payment"] == 30.27 and body["customer"] == {"id": "119"}
    assert body["apply"] == {"items": [{"doc": {"id": "400"}, "apply": True, "amount": 30.27}]}
    assert "ch_123" in body["memo"]
    with pytest.raises(DataError, match="not money received"):
        translate.customer_payment_to_netsuite(
            _capture("authorization"),
            external_id="p",
            customer={"id": "1"},
            invoice_id=None,
            settings=SETTINGS,
        )


def test_refund_becomes_a_credit_memo_body_with_lines_shipping_and_tax() -> None:
    refund = Refund(
        origin=Origin(system="shopify", id="r-1", updated_at=NOW),
        order_id="1042",
        reason="damaged",
        lines=[RefundLine(line_id="L1", sku="SKU-1001", quantity=1, subtotal=usd("10.00"), tax=usd("0.73"))],
        shipping=usd("4.95"),
        total=usd("15.68"),
    )
    body = translate.refund_to_netsuite(
        refund, external_id="shopify_3Ar-1", customer={"id": "119"}, item_ids=ITEMS, settings=SETTINGS
    )
    assert body["item"]["items"][0] == {
        "item": {"id": "103"},
        "quantity": 1,
        "amount": 10,
        "custcol_erpsync_line_id": "L1",
    }
    assert body["shippingCost"] == 4.95 and body["memo"] == "damaged" and body["otherRefNum"] == "1042"
    assert netsuite_total(body) == Decimal("15.68")
