"""Valid canonical records of every type, as plain dicts, so each test changes only what it is about."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

UPDATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def origin(record_id: str = "1001", system: str = "shopify") -> dict[str, Any]:
    return {"system": system, "id": record_id, "updated_at": UPDATED}


def usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


def order_data() -> dict[str, Any]:
    """2 x 25.00 + 1 x 10.00 = 60.00, code SAVE10 -6.00, shipping 5.00, tax 4.32 + 0.40: total 63.72."""
    return {
        "origin": origin("5001"),
        "number": "#1042",
        "placed_at": UPDATED,
        "customer_email": "Ada@Example.com",
        "currency": "USD",
        "presentment_currency": "EUR",
        "presentment_total": {"amount": "58.90", "currency": "EUR"},
        "lines": [
            {
                "line_id": "L1",
                "sku": "MUG-RED",
                "title": "Mug",
                "quantity": 2,
                "unit_price": usd("25.00"),
                "tax_lines": [{"title": "NY State Tax", "rate": "0.08", "amount": usd("3.60")}],
            },
            {
                "line_id": "L2",
                "sku": "TEA-01",
                "title": "Tea",
                "quantity": 1,
                "unit_price": usd("10.00"),
                "tax_lines": [{"title": "NY State Tax", "rate": "0.08", "amount": usd("0.72")}],
            },
        ],
        "discounts": [{"code": "SAVE10", "kind": "percentage", "value": "10", "amount": usd("6.00")}],
        "shipping_lines": [
            {
                "title": "Standard",
                "code": "STD",
                "price": usd("5.00"),
                "tax_lines": [{"title": "NY State Tax", "amount": usd("0.40")}],
            }
        ],
        "totals": {
            "lines": usd("60.00"),
            "discounts": usd("6.00"),
            "shipping": usd("5.00"),
            "tax": usd("4.72"),
            "total": usd("63.72"),
        },
        "payments": [
            {
                "origin": origin("T1"),
                "order_id": "5001",
                "kind": "sale",
                "status": "success",
                "gateway": "shopify_payments",
                "amount": {"amount": "58.90", "currency": "EUR"},
            }
        ],
        "attribution": {"source_name": "web", "utm_source": "newsletter", "utm_campaign": "spring"},
    }


def fulfillment_data(**changes: Any) -> dict[str, Any]:
    data = {
        "origin": origin("F1"),
        "order_id": "5001",
        "status": "success",
        "tracking": [{"number": "1Z999", "company": "UPS", "url": "https://ups.example/1Z999"}],
        "lines": [{"line_id": "L1", "sku": "MUG-RED", "quantity": 2}],
    }
    return {**data, **changes}


def refund_data(**changes: Any) -> dict[str, Any]:
    data = {
        "origin": origin("R1"),
        "order_id": "5001",
        "lines": [
            {"line_id": "L2", "quantity": 1, "restock": True, "subtotal": usd("9.00"), "tax": usd("0.72")}
        ],
        "shipping": usd("5.00"),
        "total": usd("14.72"),
        "transactions": [
            {
                "origin": origin("T2"),
                "kind": "refund",
                "status": "success",
                "gateway": "shopify_payments",
                "amount": usd("14.72"),
            }
        ],
    }
    return {**data, **changes}


def invoice_data() -> dict[str, Any]:
    return {
        "origin": origin("INV-77", "netsuite"),
        "number": "INV-77",
        "order_id": "SO-9",
        "lines": [
            {
                "sku": "MUG-RED",
                "quantity": "2",
                "unit_price": usd("25.00"),
                "amount": usd("50.00"),
                "tax": usd("4.00"),
            },
            {"sku": "SVC", "quantity": "1.5", "unit_price": usd("10.00"), "amount": usd("15.00")},
        ],
        "subtotal": usd("65.00"),
        "tax": usd("4.00"),
        "total": usd("69.00"),
        "amount_due": usd("69.00"),
    }


SAMPLES: dict[str, Callable[..., dict[str, Any]]] = {
    "product": lambda: {
        "origin": origin("P1"),
        "title": "Mug",
        "handle": "mug",
        "options": [{"name": "Color", "values": ["Red", "Blue"]}],
        "variants": [
            {
                "origin": origin("V1"),
                "sku": "MUG-RED",
                "barcode": "0123456789012",
                "options": {"Color": "Red"},
                "price": usd("25.00"),
                "weight": {"value": "0.35", "unit": "kg"},
            }
        ],
    },
    "variant": lambda: {
        "origin": origin("V1"),
        "sku": "MUG-RED",
        "price": usd("25.00"),
        "compare_at_price": usd("30.00"),
        "weight": {"value": 12.5, "unit": "oz"},
    },
    "price": lambda: {
        "origin": origin("PR1", "netsuite"),
        "sku": "MUG-RED",
        "price_list": "WHOLESALE",
        "list_price": usd("18.00"),
        "min_quantity": 12,
    },
    "price_list": lambda: {
        "origin": origin("PL1", "netsuite"),
        "code": "WHOLESALE",
        "currency": "USD",
        "adjustment_percent": "-10",
    },
    "location": lambda: {"origin": origin("LOC1"), "code": "NYC-1", "name": "New York warehouse"},
    "inventory_level": lambda: {
        "origin": origin("IL1", "netsuite"),
        "sku": "MUG-RED",
        "location_code": "NYC-1",
        "on_hand": 10,
        "reserved": 3,
    },
    "customer": lambda: {
        "origin": origin("C1"),
        "email": "Ada.Lovelace@Example.com",
        "addresses": [{"line1": "1 Main St", "city": "Albany", "region": "NY", "country_code": "US"}],
        "tags": ["vip"],
        "tax_exempt": True,
        "tax_exemptions": ["US_NY_RESELLER"],
    },
    "company": lambda: {
        "origin": origin("CO1"),
        "name": "Acme Corp",
        "code": "CUST-0042",
        "tax_ids": [{"value": "DE123456789", "country_code": "DE", "kind": "vat"}],
        "payment_terms": {"name": "Net 30", "due_in_days": 30},
        "price_list": "WHOLESALE",
        "credit_limit": usd("5000.00"),
        "locations": [{"origin": origin("CL1"), "name": "Acme Berlin", "code": "SHIP-7"}],
        "contacts": [{"origin": origin("CC1"), "email": "Buyer@Acme.example", "role": "admin"}],
    },
    "company_location": lambda: {"origin": origin("CL1"), "name": "Acme Berlin", "code": "SHIP-7"},
    "company_contact": lambda: {"origin": origin("CC1"), "email": "Buyer@Acme.example"},
    "order": order_data,
    "fulfillment": fulfillment_data,
    "transaction": lambda: {
        "origin": origin("T1"),
        "order_id": "5001",
        "kind": "capture",
        "status": "success",
        "gateway": "stripe",
        "amount": usd("63.72"),
        "parent_id": "T0",
    },
    "refund": refund_data,
    "return": lambda: {
        "origin": origin("R1"),
        "order_id": "5001",
        "number": "#1001-R1",
        "status": "open",
        "lines": [{"line_id": "L1", "sku": "SKU-1", "quantity": 1, "reason": "defective"}],
    },
    "payout": lambda: {
        "origin": origin("PO1"),
        "status": "paid",
        "gross": usd("1000.00"),
        "fees": usd("29.30"),
        "adjustments": [{"kind": "refund", "amount": usd("-14.72"), "order_id": "5001"}],
        "net": usd("955.98"),
    },
    "invoice": invoice_data,
    "credit_memo": lambda: {**invoice_data(), "number": "CM-3", "applies_to_invoice": "INV-77"},
    "discount": lambda: {
        "origin": origin("D1"),
        "title": "Spring sale",
        "codes": ["save10"],
        "kind": "percentage",
        "percentage": "10",
        "minimum_subtotal": usd("50.00"),
        "starts_at": UPDATED,
    },
    "loyalty_event": lambda: {
        "origin": origin("LE1", "smile"),
        "kind": "spent",
        "points": 500,
        "customer_email": "ada@example.com",
        "occurred_at": UPDATED,
    },
}


@pytest.fixture
def samples() -> dict[str, Callable[..., dict[str, Any]]]:
    return SAMPLES
