"""Every record type: registered by name, keyed by business identity, strict about fields, exact in JSON."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

import erpsync.model as model
from erpsync.errors import DataError
from erpsync.model import (
    RECORD_TYPES,
    BillingDocument,
    Company,
    CreditMemo,
    Customer,
    Discount,
    InvalidRecordError,
    InventoryLevel,
    Invoice,
    LoyaltyEvent,
    Payment,
    Payout,
    Product,
    Record,
    Refund,
    Transaction,
    Variant,
    Weight,
    build_record,
    record_class,
)

Samples = dict[str, Callable[..., dict[str, Any]]]


def usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


def test_every_record_class_is_registered_under_its_record_type() -> None:
    classes = {c for _, c in inspect.getmembers(model, inspect.isclass) if issubclass(c, Record)}
    concrete = classes - {Record, BillingDocument}
    assert set(RECORD_TYPES.values()) == concrete
    for name, cls in RECORD_TYPES.items():
        assert name == cls.record_type or (name, cls) == ("payment", Transaction)


def test_payment_is_the_transaction_record() -> None:
    assert record_class("payment") is Payment is Transaction


def test_unknown_record_type_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: company"):
        record_class("salesorder")


def test_every_record_type_has_a_sample(samples: Samples) -> None:
    assert set(RECORD_TYPES) - {"payment"} == set(samples)


@pytest.mark.parametrize("record_type", sorted(set(RECORD_TYPES) - {"payment"}))
def test_json_round_trip_is_exact(samples: Samples, record_type: str) -> None:
    cls = RECORD_TYPES[record_type]
    record = cls.model_validate(samples[record_type]())
    text = json.dumps(record.to_json_dict())
    back = cls.from_json_dict(json.loads(text))
    assert back == record
    assert back.to_json_dict() == record.to_json_dict()
    assert cls.model_validate_json(record.model_dump_json()) == record


def test_money_travels_as_a_string_with_its_scale(samples: Samples) -> None:
    data = Invoice.model_validate(samples["invoice"]()).to_json_dict()
    assert data["total"] == {"amount": "69.00", "currency": "USD"}
    assert data["lines"][1]["quantity"] == "1.5"


@pytest.mark.parametrize("record_type", sorted(set(RECORD_TYPES) - {"payment"}))
def test_unknown_field_is_rejected(samples: Samples, record_type: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RECORD_TYPES[record_type].model_validate({**samples[record_type](), "colour": "red"})
    assert caught.value.errors()[0]["type"] == "extra_forbidden"
    assert caught.value.errors()[0]["loc"] == ("colour",)


def test_unknown_field_in_a_nested_part_is_rejected(samples: Samples) -> None:
    data = samples["order"]()
    data["lines"][0]["discount_pct"] = "10"
    with pytest.raises(ValidationError) as caught:
        model.Order.model_validate(data)
    assert caught.value.errors()[0]["loc"] == ("lines", 0, "discount_pct")


def test_origin_time_must_carry_a_timezone(samples: Samples) -> None:
    data = samples["location"]()
    data["origin"]["updated_at"] = datetime(2026, 3, 1, 12, 0)
    with pytest.raises(ValidationError) as caught:
        model.Location.model_validate(data)
    assert caught.value.errors()[0]["loc"] == ("origin", "updated_at")


@pytest.mark.parametrize(
    ("record_type", "key"),
    [
        ("variant", "MUG-RED"),
        ("customer", "ada.lovelace@example.com"),
        ("company", "CUST-0042"),
        ("company_location", "SHIP-7"),
        ("company_contact", "buyer@acme.example"),
        ("location", "NYC-1"),
        ("inventory_level", "MUG-RED@NYC-1"),
        ("price", "WHOLESALE:MUG-RED:USD:12"),
        ("price_list", "WHOLESALE"),
        ("order", "shopify:5001"),
        ("fulfillment", "shopify:F1"),
        ("refund", "shopify:R1"),
        ("transaction", "shopify:T1"),
        ("payout", "shopify:PO1"),
        ("invoice", "netsuite:INV-77"),
        ("credit_memo", "netsuite:CM-3"),
        ("discount", "SAVE10"),
        ("loyalty_event", "smile:LE1"),
        ("product", "shopify:P1"),
    ],
)
def test_business_key(samples: Samples, record_type: str, key: str) -> None:
    assert RECORD_TYPES[record_type].model_validate(samples[record_type]()).business_key == key


def test_keys_fall_back_to_origin_without_a_business_identity(samples: Samples) -> None:
    assert Variant.model_validate({**samples["variant"](), "sku": None}).business_key == "shopify:V1"
    assert Customer.model_validate({**samples["customer"](), "email": None}).business_key == "shopify:C1"
    assert Company.model_validate({**samples["company"](), "code": None}).business_key == "shopify:CO1"
    two_codes = {**samples["discount"](), "codes": ["A", "B"]}
    assert Discount.model_validate(two_codes).business_key == "shopify:D1"


def test_customer_email_must_look_like_one(samples: Samples) -> None:
    with pytest.raises(ValidationError) as caught:
        Customer.model_validate({**samples["customer"](), "email": "not-an-email"})
    assert caught.value.errors()[0]["loc"] == ("email",)


def test_available_stock_is_on_hand_minus_reserved_unless_given(samples: Samples) -> None:
    assert InventoryLevel.model_validate(samples["inventory_level"]()).available == 7
    explicit = {**samples["inventory_level"](), "available": 5}
    assert InventoryLevel.model_validate(explicit).available == 5
    oversold = {**samples["inventory_level"](), "on_hand": 1}
    assert InventoryLevel.model_validate(oversold).available == -2


def test_weight_keeps_a_float_at_its_written_value(samples: Samples) -> None:
    variant = Variant.model_validate(samples["variant"]())
    assert variant.weight is not None
    assert variant.weight.value == Decimal("12.5")


def test_variant_option_must_be_a_product_option(samples: Samples) -> None:
    data = samples["product"]()
    data["variants"][0]["options"] = {"Size": "M"}
    with pytest.raises(ValidationError, match=r"variants\.0\.options: \['Size'\] are not options"):
        Product.model_validate(data)


def test_a_sku_appears_once_per_product(samples: Samples) -> None:
    data = samples["product"]()
    data["variants"].append({**data["variants"][0], "origin": {**data["variants"][0]["origin"], "id": "V2"}})
    with pytest.raises(ValidationError, match=r"variants\.1\.sku: SKU 'MUG-RED' appears twice"):
        Product.model_validate(data)


def test_refund_amounts_must_not_be_negative(samples: Samples) -> None:
    data = samples["refund"]()
    data["lines"][0]["subtotal"] = usd("-9.00")
    with pytest.raises(ValidationError, match="must not be negative") as caught:
        Refund.model_validate(data)
    assert caught.value.errors()[0]["loc"] == ("lines", 0, "subtotal")


def test_refund_total_must_add_up(samples: Samples) -> None:
    with pytest.raises(ValidationError, match=r"total: 20\.00 USD does not equal .* = 14\.72 USD"):
        Refund.model_validate({**samples["refund"](), "total": usd("20.00")})


def test_refund_transactions_are_refunds(samples: Samples) -> None:
    data = samples["refund"]()
    data["transactions"][0]["kind"] = "capture"
    with pytest.raises(ValidationError, match=r"transactions\.0\.kind"):
        Refund.model_validate(data)


def test_payout_net_is_gross_minus_fees_plus_adjustments(samples: Samples) -> None:
    with pytest.raises(ValidationError, match=r"net: 970\.70 USD does not equal .* = 955\.98 USD"):
        Payout.model_validate({**samples["payout"](), "net": usd("970.70")})


def test_invoice_subtotal_and_total_must_add_up(samples: Samples) -> None:
    data = samples["invoice"]()
    data["subtotal"] = usd("64.00")
    with pytest.raises(ValidationError, match=r"subtotal: 64\.00 USD"):
        Invoice.model_validate(data)
    data = samples["credit_memo"]()
    data["total"] = usd("70.00")
    with pytest.raises(ValidationError, match=r"total: 70\.00 USD"):
        CreditMemo.model_validate(data)


def test_amount_due_cannot_exceed_the_total(samples: Samples) -> None:
    with pytest.raises(ValidationError, match="amount_due"):
        Invoice.model_validate({**samples["invoice"](), "amount_due": usd("70.00")})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"percentage": None}, "percentage"),
        ({"kind": "fixed_amount"}, "amount"),
        ({"kind": "buy_x_get_y"}, "buy_quantity"),
        ({"scope": "products"}, "skus"),
        ({"ends_at": "2026-02-01T00:00:00Z"}, "ends_at"),
    ],
)
def test_incomplete_discount_rule_is_rejected(samples: Samples, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=f"{field}:"):
        Discount.model_validate({**samples["discount"](), **changes})


def test_loyalty_points_take_their_sign_from_the_kind(samples: Samples) -> None:
    assert LoyaltyEvent.model_validate(samples["loyalty_event"]()).signed_points == -500
    earned = {**samples["loyalty_event"](), "kind": "earned"}
    assert LoyaltyEvent.model_validate(earned).signed_points == 500
    with pytest.raises(ValidationError, match="counted positive"):
        LoyaltyEvent.model_validate({**earned, "points": -5})
    with pytest.raises(ValidationError, match="customer_id"):
        LoyaltyEvent.model_validate({**earned, "customer_email": None})


def test_build_record_turns_a_bad_payload_into_a_data_error_naming_each_field(samples: Samples) -> None:
    data = samples["order"]()
    data["lines"][0]["quantity"] = 0
    data["totals"]["total"] = {"amount": 63.72, "currency": "USD"}
    with pytest.raises(InvalidRecordError) as caught:
        build_record("order", data)
    error = caught.value
    assert isinstance(error, DataError)
    assert [path for path, _ in error.problems] == ["lines.0.quantity", "totals.total.amount"]
    assert error.message.startswith(
        "order 5001 from shopify is not a valid canonical order: lines.0.quantity:"
    )
    assert error.field == "lines.0.quantity"
    assert error.suggested_fix


def test_build_record_reports_consistency_errors_without_pydantic_noise(samples: Samples) -> None:
    data = samples["payout"]()
    data["net"] = usd("1.00")
    with pytest.raises(
        InvalidRecordError, match=r"shopify is not a valid canonical payout: \(record\): net: 1\.00"
    ):
        build_record("payout", data)


def test_build_record_returns_the_typed_record(samples: Samples) -> None:
    record = build_record("inventory_level", samples["inventory_level"]())
    assert isinstance(record, InventoryLevel)
    assert record.business_key == "MUG-RED@NYC-1"


def test_weight_converts_between_units_exactly() -> None:
    pound = Weight(value=Decimal(1), unit="lb")
    assert pound.in_unit("g").value == Decimal("453.59237")
    assert pound.in_unit("oz").value == 16
    assert Weight(value=Decimal(500), unit="g").in_unit("kg").value == Decimal("0.5")


def test_decimals_serialize_in_fixed_point_never_exponent() -> None:
    weight = Weight(value=Decimal("1E+2"), unit="g")
    assert weight.model_dump(mode="json") == {"value": "100", "unit": "g"}


def test_json_schema_describes_money_as_a_string_in_every_record_that_has_money() -> None:
    with_money = 0
    for cls in set(RECORD_TYPES.values()):
        money = cls.model_json_schema().get("$defs", {}).get("Money")
        if money is not None:
            with_money += 1
            assert money["properties"]["amount"]["type"] == "string"
            assert money["properties"]["currency"]["pattern"] == "^[A-Z]{3}$"
    assert with_money >= 10
