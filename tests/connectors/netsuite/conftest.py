"""Fixtures for the NetSuite connector tests: canonical records to translate, and a NetSuite sandbox served
on loopback (one server per test module, emptied and re-seeded before each test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from erpsync.connectors.netsuite import (
    NetSuiteConnector,
    NetSuiteSettings,
    OAuth2ClientCredentials,
    RetryRule,
    TokenBasedAuth,
)
from erpsync.connectors.netsuite.auth import TOKEN_PATH
from erpsync.model import (
    Attribution,
    DiscountApplication,
    Money,
    Order,
    OrderLine,
    OrderTotals,
    Origin,
    ShippingLine,
    TaxLine,
)
from erpsync.sandboxes.common import serve_in_thread
from erpsync.sandboxes.netsuite import build_sandbox

PLACED_AT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


OrderFactory = Callable[..., Order]


@pytest.fixture
def make_order() -> OrderFactory:
    """A store order: 2 x SKU-1001 at 10.00 and 1 x SKU-1002 at 5.50, a 2.00 code discount, 4.95
    shipping and 1.82 tax (7.25 % of 25.50 - 2.00 = 23.50 is 1.70375; the store says 1.82 with shipping
    taxed too). Keyword arguments replace fields."""

    def build(**changes: Any) -> Order:
        lines = [
            OrderLine(line_id="L1", sku="SKU-1001", title="Hoodie", quantity=2, unit_price=usd("10.00")),
            OrderLine(line_id="L2", sku="SKU-1002", title="Mug", quantity=1, unit_price=usd("5.50")),
        ]
        fields: dict[str, Any] = {
            "origin": Origin(system="shopify", id="1042", updated_at=PLACED_AT),
            "number": "#1042",
            "placed_at": PLACED_AT,
            "customer_id": "77",
            "customer_email": "ada@example.com",
            "currency": "USD",
            "lines": lines,
            "discounts": [DiscountApplication(code="SUMMER", kind="fixed_amount", amount=usd("2.00"))],
            "shipping_lines": [ShippingLine(title="Ground", code="ground", price=usd("4.95"))],
            "tax_lines": [TaxLine(title="State tax", rate=Decimal("0.0725"), amount=usd("1.82"))],
            "totals": OrderTotals(
                lines=usd("25.50"),
                discounts=usd("2.00"),
                shipping=usd("4.95"),
                tax=usd("1.82"),
                total=usd("30.27"),
            ),
            "attribution": Attribution(source_name="web", utm_campaign="black-friday"),
        }
        fields.update(changes)
        return Order(**fields)

    return build


# -- the sandbox -----------------------------------------------------------------------------------


@dataclass
class Account:
    """A served sandbox with what tests need to reach it."""

    sandbox: Any
    url: str
    credentials: dict[str, str]

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.url}/_sandbox/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def tba(self, **overrides: str) -> TokenBasedAuth:
        c = {**self.credentials, **overrides}
        return TokenBasedAuth(
            c["account_id"], c["consumer_key"], c["consumer_secret"], c["token_id"], c["token_secret"]
        )

    def oauth2(self, private_key_pem: str | None = None) -> OAuth2ClientCredentials:
        c = self.credentials
        key = private_key_pem or c["private_key_pem"]
        return OAuth2ClientCredentials(self.url + TOKEN_PATH, c["client_id"], c["certificate_id"], key)

    def connector(self, auth: httpx.Auth | None = None, **options: Any) -> NetSuiteConnector:
        options.setdefault("retry", RetryRule(attempts=4, base_delay=0.0, max_delay=0.0))
        options.setdefault("settings", self.settings())
        return NetSuiteConnector(self.credentials["account_id"], self.url, auth or self.tba(), **options)

    def settings(self) -> NetSuiteSettings:
        """Settings pointing at the seeded account's discount item and warehouse."""
        state = self.sandbox.account.store
        discount = next(iter(state.records["discountItem"].values()))
        warehouse = next(
            r for r in state.records["location"].values() if r.get("externalId") == "main-warehouse"
        )
        return NetSuiteSettings(discount_item_id=discount["id"], location_id=warehouse["id"])


@pytest.fixture(scope="module")
def served_sandbox() -> Iterator[Account]:
    sandbox = build_sandbox(seed=7)
    with serve_in_thread(sandbox.app) as running:
        yield Account(sandbox=sandbox, url=running.url, credentials=sandbox.credentials())


@pytest.fixture
def account(served_sandbox: Account) -> Account:
    served_sandbox.control("POST", "reset")
    served_sandbox.control("DELETE", "faults")
    served_sandbox.control("PUT", "warehouse", {"enabled": False})
    return served_sandbox
