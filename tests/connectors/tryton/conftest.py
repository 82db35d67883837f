"""Fixtures for the Tryton connector tests: one real trytond for the whole test session (installed and
prepared by erpsync.sandboxes.tryton on first use, then started from the cached template in ~2 s), a
connector per test, and canonical customers and orders (a unique order id per call)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from erpsync.connectors.tryton import TrytonClient, TrytonConnector
from erpsync.model import Customer, Money, Order
from erpsync.sandboxes.tryton import TrytonServer, running_tryton

SEED_SKUS = {"ERP-TEE-S": Decimal("25.00"), "ERP-MUG": Decimal("12.50")}
_numbers = itertools.count(1001)


@pytest.fixture(scope="session")
def tryton_server() -> Iterator[TrytonServer]:
    """A trytond on loopback. A failed install or start raises: the tests fail, they are never skipped."""
    with running_tryton() as server:
        yield server


@pytest.fixture
def tryton_client(tryton_server: TrytonServer) -> Iterator[TrytonClient]:
    client = TrytonClient(
        tryton_server.url, tryton_server.database, tryton_server.login, tryton_server.password
    )
    yield client
    client.close()


@pytest.fixture
def connector(tryton_client: TrytonClient) -> TrytonConnector:
    return TrytonConnector(tryton_client)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def make_customer(customer_id: str, email: str) -> Customer:
    return Customer.model_validate(
        {
            "origin": {"system": "shopify", "id": customer_id, "updated_at": datetime.now(UTC)},
            "email": email,
            "first_name": "Ann",
            "last_name": "Buyer",
            "phone": "+1 555 0100",
            "addresses": [
                {"name": "Ann Buyer", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345"}
            ],
        }
    )


OrderFactory = Callable[..., Order]


@pytest.fixture
def make_order() -> OrderFactory:
    """A Shopify order with a fresh id: 2 x ERP-TEE-S at 25.00 and 1 x ERP-MUG at 12.50 (or ``lines``)."""

    def build(customer_id: str | None = None, lines: list[tuple[str, int, str]] | None = None) -> Order:
        number = next(_numbers)
        chosen = lines or [("ERP-TEE-S", 2, "25.00"), ("ERP-MUG", 1, "12.50")]
        order_lines = [
            {
                "line_id": f"{number}-{index}",
                "sku": sku,
                "title": sku.title(),
                "quantity": quantity,
                "unit_price": usd(price),
            }
            for index, (sku, quantity, price) in enumerate(chosen)
        ]
        subtotal = sum((Decimal(price) * quantity for _, quantity, price in chosen), Decimal(0))
        return Order.model_validate(
            {
                "origin": {"system": "shopify", "id": str(9000 + number), "updated_at": datetime.now(UTC)},
                "number": f"#{number}",
                "placed_at": datetime.now(UTC),
                "customer_id": customer_id,
                "currency": "USD",
                "lines": order_lines,
                "shipping_address": {
                    "name": "Ann Buyer",
                    "line1": "1 Main St",
                    "city": "Springfield",
                    "postal_code": "12345",
                },
                "totals": {
                    "lines": usd(str(subtotal)),
                    "discounts": usd("0"),
                    "shipping": usd("0"),
                    "tax": usd("0"),
                    "total": usd(str(subtotal)),
                },
                "note": "leave at the door",
            }
        )

    return build
