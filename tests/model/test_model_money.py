"""Money is exact: floats never get in, currencies never mix, and JSON round trips keep every digit."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from erpsync.errors import DataError, classify
from erpsync.model import CurrencyMismatchError, Money, sum_money


@pytest.mark.parametrize("amount", [0.1, 10.5, 3.0])
def test_float_amount_is_rejected(amount: float) -> None:
    with pytest.raises(ValidationError, match="must not be a float"):
        Money.of(amount, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="must not be a float"):
        Money(amount=amount, currency="USD")  # type: ignore[arg-type]


def test_float_amount_in_json_is_rejected() -> None:
    with pytest.raises(ValidationError, match="must not be a float") as caught:
        Money.model_validate_json('{"amount": 19.99, "currency": "USD"}')
    assert caught.value.errors()[0]["loc"] == ("amount",)


def test_bool_amount_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Money.model_validate({"amount": True, "currency": "USD"})


@pytest.mark.parametrize("amount", ["19.99", 20, Decimal("19.990")])
def test_string_int_and_decimal_amounts_are_accepted_exactly(amount: str | int | Decimal) -> None:
    assert Money.of(amount, "USD").amount == Decimal(str(amount))


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "abc"])
def test_non_numbers_are_rejected(amount: str) -> None:
    with pytest.raises(ValidationError):
        Money.of(amount, "USD")


@pytest.mark.parametrize("currency", ["usd", "US", "USDX", "U$D", ""])
def test_currency_must_be_three_uppercase_letters(currency: str) -> None:
    with pytest.raises(ValidationError, match="ISO 4217") as caught:
        Money.of("1", currency)
    assert caught.value.errors()[0]["loc"] == ("currency",)


def test_adding_different_currencies_raises_a_data_error() -> None:
    with pytest.raises(CurrencyMismatchError, match="USD vs EUR") as caught:
        _ = Money.of("1.00", "USD") + Money.of("1.00", "EUR")
    assert isinstance(caught.value, DataError)
    assert classify(caught.value) == "data"


def test_comparing_and_summing_different_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatchError):
        _ = Money.of("1", "USD") < Money.of("2", "EUR")
    with pytest.raises(CurrencyMismatchError):
        sum_money([Money.of("1", "EUR")], "USD")


def test_multiplying_by_a_float_is_refused() -> None:
    with pytest.raises(TypeError):
        _ = Money.of("1.10", "USD") * 3.0  # type: ignore[operator]
    assert Money.of("1.10", "USD") * 3 == Money.of("3.30", "USD")


def test_money_is_immutable() -> None:
    money = Money.of("1", "USD")
    with pytest.raises(ValidationError):
        money.amount = Decimal(2)


def test_sum_of_nothing_is_zero_in_the_asked_currency() -> None:
    assert sum_money([], "JPY") == Money.of(0, "JPY")


def test_json_keeps_the_amount_as_a_string_with_its_scale() -> None:
    money = Money.of("10.50", "EUR")
    assert money.model_dump(mode="json") == {"amount": "10.50", "currency": "EUR"}
    assert Money.model_validate_json(money.model_dump_json()).amount.as_tuple() == Decimal("10.50").as_tuple()


amounts = st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**12), max_value=10**12)
currencies = st.sampled_from(["USD", "EUR", "JPY", "KWD"])


@given(amounts, amounts, amounts, currencies)
def test_addition_is_exact_commutative_and_associative(a: Decimal, b: Decimal, c: Decimal, cur: str) -> None:
    x, y, z = (Money.of(v, cur) for v in (a, b, c))
    assert x + y == y + x
    assert (x + y) + z == x + (y + z)
    assert (x + y).amount == a + b
    assert x + y - y == x
    assert sum_money([x, y, z], cur).amount == a + b + c


@given(amounts, currencies)
def test_json_round_trip_preserves_the_decimal_exactly(amount: Decimal, currency: str) -> None:
    money = Money.of(amount, currency)
    text = json.dumps(money.model_dump(mode="json"))
    back = Money.model_validate(json.loads(text))
    assert back == money
    assert back.amount.as_tuple() == amount.as_tuple()
