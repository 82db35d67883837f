from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from erpsync.store import canonical_json, field_hash

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.decimals(allow_nan=False, places=4),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(item) for item in value]
    return value


@given(json_values)
def test_key_order_never_changes_the_hash(value: Any) -> None:
    assert field_hash(_reversed_keys(value)) == field_hash(value)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2), st.integers(min_value=1, max_value=6))
def test_trailing_zeros_never_change_a_decimals_hash(amount: Decimal, extra_zeros: int) -> None:
    padded = Decimal(f"{amount:f}{'' if '.' in f'{amount:f}' else '.'}{'0' * extra_zeros}")
    assert padded == amount
    assert field_hash(padded) == field_hash(amount)


def test_amounts_beyond_28_digits_are_not_rounded_together() -> None:
    assert field_hash(Decimal("1234567890123456789012345678901.5")) != field_hash(
        Decimal("1234567890123456789012345678901.6")
    )


def test_different_amounts_hash_differently() -> None:
    assert field_hash(Decimal("12.50")) != field_hash(Decimal("12.51"))
    assert field_hash(Decimal("100")) != field_hash(Decimal("10"))


def test_decimals_are_written_as_plain_strings() -> None:
    assert canonical_json({"b": Decimal("1E+2"), "a": Decimal("-0.00")}) == '{"a":"0","b":"100"}'


class Colour(Enum):
    BLUE = "blue"


class Money(BaseModel):
    amount: Decimal
    currency: str


def test_business_values_have_one_json_spelling() -> None:
    value = {
        "when": dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC),
        "day": dt.date(2026, 3, 1),
        "colour": Colour.BLUE,
        "tags": {"b", "a"},
        "price": Money(amount=Decimal("9.90"), currency="EUR"),
    }
    assert canonical_json(value) == (
        '{"colour":"blue","day":"2026-03-01","price":{"amount":"9.90","currency":"EUR"},'
        '"tags":["a","b"],"when":"2026-03-01T12:00:00+00:00"}'
    )


def test_values_without_a_json_form_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot store a object"):
        canonical_json({"x": object()})
