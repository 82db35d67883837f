"""Shopify Payments payouts as canonical payouts: the summary's lines, their signs, withdrawals, and a
summary that does not add up to the net."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from erpsync.connectors.shopify.translate.finance import payout_from_graphql
from erpsync.errors import DataError
from erpsync.model import Money


def usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": "USD"}


def node(net: str, transaction_type: str = "DEPOSIT", **summary: str) -> dict[str, Any]:
    lines = {
        name: usd(summary.get(name, "0.00"))
        for name in (
            "chargesGross",
            "chargesFee",
            "refundsFeeGross",
            "refundsFee",
            "adjustmentsGross",
            "adjustmentsFee",
            "reservedFundsGross",
            "reservedFundsFee",
            "retriedPayoutsGross",
            "retriedPayoutsFee",
            "advanceGross",
            "advanceFees",
        )
    }
    return {
        "id": "gid://shopify/ShopifyPaymentsPayout/512",
        "legacyResourceId": "512",
        "issuedAt": "2026-12-04T23:59:59Z",
        "status": "PAID",
        "transactionType": transaction_type,
        "net": usd(net),
        "summary": lines,
    }


def test_charges_fees_and_signed_adjustments_add_up_to_the_net() -> None:
    payout = payout_from_graphql(
        node(
            "90.60",
            chargesGross="110.00",
            chargesFee="3.49",
            refundsFeeGross="-20.00",
            refundsFee="-0.09",  # a fee handed back
            adjustmentsGross="5.00",
            adjustmentsFee="1.00",
        )
    )
    assert payout.business_key == "shopify:512" and payout.status == "paid"
    assert (payout.gross, payout.fees, payout.net) == (
        Money.of("110.00", "USD"),
        Money.of("3.49", "USD"),
        Money.of("90.60", "USD"),
    )
    assert sorted((a.kind, a.description, a.amount.amount) for a in payout.adjustments) == [
        ("adjustment", "adjustmentsGross", Decimal("5.00")),
        ("fee", "adjustmentsFee", Decimal("-1.00")),
        ("fee", "refundsFee", Decimal("0.09")),
        ("refund", "refundsFeeGross", Decimal("-20.00")),
    ]


def test_a_withdrawal_takes_its_net_out_of_the_bank() -> None:
    payout = payout_from_graphql(node("12.00", "WITHDRAWAL", chargesGross="0.00", refundsFeeGross="-12.00"))
    assert payout.net == Money.of("-12.00", "USD")


def test_a_summary_that_does_not_add_up_to_the_net_is_refused_naming_both() -> None:
    with pytest.raises(DataError) as raised:
        payout_from_graphql(node("100.00", chargesGross="100.00", chargesFee="3.20"))
    assert "payout 512" in raised.value.message and "96.80" in raised.value.message
