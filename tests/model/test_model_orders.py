"""An order that does not add up, or a shipment/refund that is not of its lines, never enters the flows."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from erpsync.errors import DataError
from erpsync.model import Fulfillment, InconsistentRecordError, Order, Refund

Samples = dict[str, Callable[..., dict[str, Any]]]


def usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


def test_sample_order_is_valid_and_keyed_by_store_and_id(samples: Samples) -> None:
    order = Order.model_validate(samples["order"]())
    assert order.business_key == "shopify:5001"
    assert order.discount_codes == ["SAVE10"]
    assert order.lines[0].subtotal.amount == Decimal("50.00")


def test_wrong_total_is_rejected_naming_the_field(samples: Samples) -> None:
    data = samples["order"]()
    data["totals"]["total"] = usd("63.70")
    with pytest.raises(ValidationError, match=r"totals\.total: 63\.70 USD does not equal .* = 63\.72 USD"):
        Order.model_validate(data)


@pytest.mark.parametrize(
    ("field", "wrong"), [("lines", "61.00"), ("discounts", "5.00"), ("shipping", "4.00"), ("tax", "4.70")]
)
def test_each_declared_sum_must_match_its_parts(samples: Samples, field: str, wrong: str) -> None:
    data = samples["order"]()
    data["totals"][field] = usd(wrong)
    with pytest.raises(ValidationError, match=rf"totals\.{field}:"):
        Order.model_validate(data)


def test_a_cent_of_rounding_passes_only_when_the_tolerance_is_declared(samples: Samples) -> None:
    data = samples["order"]()
    data["totals"]["total"] = usd("63.73")
    with pytest.raises(ValidationError, match=r"totals\.total"):
        Order.model_validate(data)
    assert Order.model_validate({**data, "rounding_tolerance": "0.01"}).totals.total.amount == Decimal(
        "63.73"
    )


def test_tolerance_does_not_hide_a_larger_difference(samples: Samples) -> None:
    data = {**samples["order"](), "rounding_tolerance": "0.01"}
    data["totals"]["total"] = usd("63.74")
    with pytest.raises(ValidationError, match=r"totals\.total"):
        Order.model_validate(data)


def test_tolerance_above_one_cent_is_refused(samples: Samples) -> None:
    with pytest.raises(ValidationError) as caught:
        Order.model_validate({**samples["order"](), "rounding_tolerance": "0.05"})
    assert caught.value.errors()[0]["loc"] == ("rounding_tolerance",)


def test_tax_inclusive_prices_do_not_add_tax_again(samples: Samples) -> None:
    data = {**samples["order"](), "taxes_included": True}
    with pytest.raises(ValidationError, match=r"taxes included"):
        Order.model_validate(data)
    data["totals"]["total"] = usd("59.00")
    assert Order.model_validate(data).totals.total.amount == Decimal("59.00")


def test_line_quantity_must_be_positive(samples: Samples) -> None:
    data = samples["order"]()
    data["lines"][0]["quantity"] = 0
    with pytest.raises(ValidationError) as caught:
        Order.model_validate(data)
    assert caught.value.errors()[0]["loc"] == ("lines", 0, "quantity")


def test_an_amount_in_another_currency_is_named(samples: Samples) -> None:
    data = samples["order"]()
    data["lines"][1]["unit_price"] = {"amount": "10.00", "currency": "CAD"}
    with pytest.raises(ValidationError, match=r"lines\.1\.unit_price: 10\.00 CAD is not in .* USD"):
        Order.model_validate(data)


def test_payments_may_be_in_presentment_currency_but_not_a_third(samples: Samples) -> None:
    data = samples["order"]()
    data["payments"][0]["amount"] = {"amount": "58.90", "currency": "GBP"}
    with pytest.raises(ValidationError, match=r"payments\.0\.amount"):
        Order.model_validate(data)


def test_fulfillment_of_an_unknown_line_is_rejected(samples: Samples) -> None:
    bad = samples["fulfillment"](lines=[{"line_id": "L9", "quantity": 1}])
    with pytest.raises(ValidationError, match=r"fulfillments\.0\.lines\.0\.line_id: 'L9' is not a line"):
        Order.model_validate({**samples["order"](), "fulfillments": [bad]})


def test_shipping_more_units_than_ordered_is_rejected(samples: Samples) -> None:
    first = samples["fulfillment"]()
    second = samples["fulfillment"](
        origin={**first["origin"], "id": "F2"}, lines=[{"line_id": "L1", "quantity": 1}]
    )
    with pytest.raises(ValidationError, match="'L1' has 3 units in fulfillments but only 2 ordered"):
        Order.model_validate({**samples["order"](), "fulfillments": [first, second]})


def test_a_cancelled_fulfillment_does_not_count_as_shipped(samples: Samples) -> None:
    cancelled = samples["fulfillment"](status="cancelled")
    reshipped = samples["fulfillment"](origin={**cancelled["origin"], "id": "F2"})
    order = Order.model_validate({**samples["order"](), "fulfillments": [cancelled, reshipped]})
    assert [f.counts_as_shipped for f in order.fulfillments] == [False, True]


def test_a_fulfillment_arriving_alone_is_checked_against_its_order(samples: Samples) -> None:
    order = Order.model_validate({**samples["order"](), "fulfillments": [samples["fulfillment"]()]})
    order.check_fulfillment(Fulfillment.model_validate(samples["fulfillment"]()))  # the same one again: fine
    extra = Fulfillment.model_validate(
        samples["fulfillment"](origin={**samples["fulfillment"]()["origin"], "id": "F3"})
    )
    with pytest.raises(DataError, match="only 2 ordered"):
        order.check_fulfillment(extra)
    other_order = Fulfillment.model_validate(samples["fulfillment"](order_id="9999"))
    with pytest.raises(InconsistentRecordError, match=r"fulfillment\.order_id"):
        order.check_fulfillment(other_order)


def test_refunding_more_units_than_ordered_is_rejected(samples: Samples) -> None:
    order = Order.model_validate(samples["order"]())
    order.check_refund(Refund.model_validate(samples["refund"]()))
    too_many = samples["refund"]()
    too_many["lines"][0]["quantity"] = 2
    with pytest.raises(InconsistentRecordError, match="'L2' has 2 units in refunds but only 1 ordered"):
        order.check_refund(Refund.model_validate(too_many))


def test_fulfillment_needs_at_least_one_line(samples: Samples) -> None:
    with pytest.raises(ValidationError) as caught:
        Fulfillment.model_validate(samples["fulfillment"](lines=[]))
    assert caught.value.errors()[0]["loc"] == ("lines",)


cents = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)


def _order(
    prices: list[tuple[Decimal, int, Decimal]], discount: Decimal, shipping: Decimal
) -> dict[str, Any]:
    lines = [
        {
            "line_id": f"L{i}",
            "title": f"Item {i}",
            "quantity": qty,
            "unit_price": usd(str(price)),
            "tax_lines": [{"title": "VAT", "amount": usd(str(tax))}],
        }
        for i, (price, qty, tax) in enumerate(prices)
    ]
    line_sum = sum((price * qty for price, qty, _ in prices), Decimal(0))
    tax = sum((t for _, _, t in prices), Decimal(0))
    return {
        "origin": {"system": "shop", "id": "1", "updated_at": "2026-03-01T12:00:00Z"},
        "placed_at": "2026-03-01T12:00:00Z",
        "currency": "USD",
        "lines": lines,
        "discounts": [{"kind": "fixed_amount", "amount": usd(str(discount))}],
        "shipping_lines": [{"title": "Post", "price": usd(str(shipping))}],
        "totals": {
            "lines": usd(str(line_sum)),
            "discounts": usd(str(discount)),
            "shipping": usd(str(shipping)),
            "tax": usd(str(tax)),
            "total": usd(str(line_sum - discount + shipping + tax)),
        },
    }


@given(
    st.lists(st.tuples(cents, st.integers(1, 50), cents), min_size=1, max_size=5),
    cents,
    cents,
    st.sampled_from([Decimal("0.01"), Decimal("-0.01"), Decimal("0.02"), Decimal("-1")]),
)
def test_total_is_accepted_exactly_and_off_by_more_than_the_tolerance_is_not(
    prices: list[tuple[Decimal, int, Decimal]], discount: Decimal, shipping: Decimal, off_by: Decimal
) -> None:
    data = _order(prices, discount, shipping)
    computed = Decimal(data["totals"]["total"]["amount"])
    assume(computed + off_by >= 0)
    assert Order.model_validate(data).totals.total.amount == computed
    data["totals"]["total"] = usd(str(computed + off_by))
    with pytest.raises(ValidationError, match=r"totals\.total"):
        Order.model_validate(data)
    tolerated = {**data, "rounding_tolerance": "0.01"}
    if abs(off_by) <= Decimal("0.01"):
        assert Order.model_validate(tolerated).totals.total.amount == computed + off_by
    else:
        with pytest.raises(ValidationError, match=r"totals\.total"):
            Order.model_validate(tolerated)
