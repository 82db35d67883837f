"""NetSuite promotions <-> canonical discounts: rates, inclusive end dates, what is refused; and the Tryton
connector's promotion methods say they are not built."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from erpsync.connectors.netsuite.promotions import discount_from_netsuite, discount_to_netsuite
from erpsync.connectors.tryton import TrytonConnector
from erpsync.errors import ConfigError, DataError
from erpsync.model import Discount, LoyaltyEvent, Money, Origin

PROMOTION = {
    "id": "7",
    "name": "Winter 15%",
    "code": "WINTER15",
    "rate": "-15%",
    "startDate": "2026-12-01",
    "endDate": "2026-12-31",
    "lastModifiedDate": "2026-12-01T08:00:00Z",
}


def _discount(**fields: Any) -> Discount:
    data: dict[str, Any] = {
        "origin": Origin(system="shopify", id="1", updated_at=datetime(2026, 12, 1, tzinfo=UTC)),
        "title": "Five off",
        "codes": ["FIVEOFF"],
        "kind": "fixed_amount",
        "amount": Money.of(Decimal("5"), "USD"),
        **fields,
    }
    return Discount(**data)


def test_promotion_reads_as_a_discount_with_an_inclusive_end_day() -> None:
    discount = discount_from_netsuite(PROMOTION, currency="USD")
    assert (discount.kind, discount.percentage, discount.codes) == ("percentage", Decimal("15"), ["WINTER15"])
    assert discount.starts_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert discount.ends_at == datetime(2027, 1, 1, tzinfo=UTC)  # valid through Dec 31
    amount_off = discount_from_netsuite({**PROMOTION, "rate": "5.00"}, currency="USD")
    assert amount_off.amount == Money.of(Decimal("5.00"), "USD")
    with pytest.raises(DataError, match="no rate"):
        discount_from_netsuite({**PROMOTION, "rate": None}, currency="USD")


def test_discount_writes_as_a_promotion_and_round_trips() -> None:
    ends = datetime(2027, 1, 1, tzinfo=UTC)
    body = discount_to_netsuite(_discount(ends_at=ends), discount_item_id="12")
    assert body == {
        "name": "Five off",
        "code": "FIVEOFF",
        "discount": {"id": "12"},
        "rate": "5.00",
        "startDate": None,
        "endDate": "2026-12-31",
    }
    percent = discount_to_netsuite(
        _discount(kind="percentage", percentage=Decimal("12.50")), discount_item_id="12"
    )
    assert percent["rate"] == "12.5%"
    back = discount_from_netsuite({**PROMOTION, **{k: v for k, v in body.items() if v}}, currency="USD")
    assert back.ends_at == ends


def test_what_netsuite_cannot_hold_is_refused_with_the_fix() -> None:
    with pytest.raises(DataError, match="free_shipping"):
        discount_to_netsuite(_discount(kind="free_shipping", amount=None), discount_item_id="12")
    with pytest.raises(ConfigError, match="discount_item_id"):
        discount_to_netsuite(_discount(), discount_item_id=None)


def test_tryton_says_promotions_are_not_built() -> None:
    tryton = TrytonConnector(client=None)  # type: ignore[arg-type]
    event = LoyaltyEvent(
        origin=Origin(system="shopify", id="1@x", updated_at=datetime(2026, 12, 1, tzinfo=UTC)),
        kind="earned",
        points=5,
        customer_id="1",
        occurred_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    calls = [
        lambda: tryton.discounts_changed_since(None),
        lambda: tryton.get_discount("1"),
        lambda: tryton.find_discount_by_code("WELCOME10"),
        lambda: tryton.upsert_discount(_discount(), idempotency_key="k"),
        lambda: tryton.loyalty_points("1"),
        lambda: tryton.post_loyalty_event(event, customer_id="1", idempotency_key="k"),
    ]
    for call in calls:
        with pytest.raises(ConfigError, match="not built for Tryton"):
            call()
