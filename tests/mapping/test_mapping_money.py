"""Money stays exact from the source payload to the target field; float arithmetic is caught, not shipped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from erpsync.mapping import MappingDataError, load_spec
from erpsync.mapping.transforms import TRANSFORMS
from erpsync.model import Money, Origin, Price

HEADER = """\
spec_version: 1
name: money-spec
flow: order_to_erp
description: Money handling.
source: {system: shopify, record_type: order}
target: {system: netsuite, record_type: salesOrder}
trigger: {type: webhook}
"""


def test_cents_survive_where_float_arithmetic_would_lose_them(write_spec: Callable[..., Path]) -> None:
    spec = load_spec(
        write_spec(
            HEADER
            + """\
fields:
  taxTotal: {from: tax_lines.price, transform: money_sum}
  firstTax: {from: "tax_lines[0].price", transform: money}
  lineAmounts:
    each: tax_lines
    fields:
      amount: {from: price, transform: money}
"""
        )
    )
    assert 0.1 + 0.2 != 0.3  # the trap this test is about

    values = spec.apply({"tax_lines": [{"price": "0.10"}, {"price": "0.20"}]}).values

    assert values["taxTotal"] == "0.30"
    assert values["firstTax"] == "0.10"
    assert values["lineAmounts"] == [{"amount": "0.10"}, {"amount": "0.20"}]


def test_decimal_money_in_a_canonical_record_reaches_expressions_exactly(
    write_spec: Callable[..., Path],
) -> None:
    spec = load_spec(write_spec(HEADER + "fields:\n  rate: {from: price, transform: money}\n"))

    values = spec.apply({"price": Decimal("12345678901234.57")}).values

    assert values["rate"] == "12345678901234.57"


def test_float_arithmetic_on_money_is_a_data_error_not_a_lost_cent(write_spec: Callable[..., Path]) -> None:
    spec = load_spec(write_spec(HEADER + "fields:\n  total: {from: '$sum(lines.price)', transform: money}\n"))

    with pytest.raises(MappingDataError) as caught:
        spec.apply({"lines": [{"price": 0.1}, {"price": 0.2}]})

    assert "float-arithmetic noise" in str(caught.value)
    assert "sum with money_sum" in (caught.value.suggested_fix or "")


def test_money_sent_as_a_json_number_keeps_the_digits_it_was_written_with() -> None:
    # NetSuite REST sends amounts as JSON numbers: 19.99 parses to the float nearest 19.99.
    assert TRANSFORMS["money"](19.99) == "19.99"
    assert TRANSFORMS["money"](0.1) == "0.1"
    assert TRANSFORMS["money"](20) == "20"


@pytest.mark.parametrize("bad", ["12,50", "abc", "NaN", "Infinity", True, {"amount": "1"}])
def test_money_refuses_what_is_not_an_amount(bad: object) -> None:
    with pytest.raises(ValueError):
        TRANSFORMS["money"](bad)


def test_money_sum_of_nothing_is_zero_and_skips_missing_amounts() -> None:
    assert TRANSFORMS["money_sum"]([]) == "0"
    assert TRANSFORMS["money_sum"](["1.10", None, "2.20"]) == "3.30"
    assert TRANSFORMS["money_sum"]("4.00") == "4.00"


def test_canonical_record_maps_with_its_decimal_money_exact(write_spec: Callable[..., Path]) -> None:
    spec = load_spec(
        write_spec(
            """\
spec_version: 1
name: price-to-shopify
flow: catalog
description: Canonical prices to Shopify variant prices.
source: {system: canonical, record_type: price, model: price}
target: {system: shopify, record_type: ProductVariantsBulkInput}
trigger: {type: poll, every: 15m}
fields:
  price: {from: "sale_price ? sale_price.amount : list_price.amount", transform: money}
  compareAtPrice: {from: "sale_price ? list_price.amount", transform: money}
  inventoryItem.sku: {from: sku}
"""
        )
    )
    price = Price(
        origin=Origin(system="netsuite", id="501", updated_at=datetime(2026, 3, 1, tzinfo=UTC)),
        sku="SHIRT-RED-M",
        list_price=Money(amount=Decimal("19.99"), currency="USD"),
        sale_price=Money(amount=Decimal("17.10"), currency="USD"),
    )

    values = spec.apply(price).values

    assert values == {"price": "17.10", "compareAtPrice": "19.99", "inventoryItem": {"sku": "SHIRT-RED-M"}}
