"""The NetSuite connector's returns against the sandbox: a return authorization made once from the sales
order (goods only, at the price paid), refused for what the order did not ship, read back when received,
and credited once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from erpsync.errors import DataError
from erpsync.model import Customer, Origin, Return, ReturnLine

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def _return(*lines: tuple[str, int]) -> Return:
    return Return(
        origin=Origin(system="shopify", id="ret-1", updated_at=NOW),
        order_id="1042",
        number="#1042-R1",
        status="open",
        lines=[
            ReturnLine(line_id=f"L{i}", sku=sku, quantity=quantity, reason="defective")
            for i, (sku, quantity) in enumerate(lines)
        ],
    )


def test_a_store_return_becomes_one_rma_of_the_goods_at_the_price_paid(account: Any, make_order: Any) -> None:
    connector = account.connector()
    customer = Customer(origin=Origin(system="shopify", id="77", updated_at=NOW), email="ada@example.com")
    connector.upsert_customer(customer, idempotency_key="c")
    sales_order_id = connector.upsert_sales_order(make_order(), idempotency_key="o")
    connector.client.transform("salesOrder", sales_order_id, "itemFulfillment", {})

    for wrong, why in (((("SKU-1002", 2)), "shipped only 1"), ((("SKU-9999", 1)), "does not have")):
        with pytest.raises(DataError, match=why):
            connector.create_return_authorization(_return(wrong), idempotency_key="shopify:ret-1")

    rma_id = connector.create_return_authorization(_return(("SKU-1001", 1)), idempotency_key="shopify:ret-1")
    again = connector.create_return_authorization(_return(("SKU-1001", 1)), idempotency_key="shopify:ret-1")
    assert again == rma_id
    rma = connector.client.get("returnAuthorization", rma_id)
    assert rma["createdFrom"]["id"] == sales_order_id and rma["status"]["refName"] == "Pending Receipt"
    # 10.00 less its share of the order's 2.00 discount (23.50 / 25.50 paid), no shipping credited.
    [line] = rma["item"]["items"]
    assert Decimal(str(line["amount"])) == Decimal("9.22") and not rma.get("shippingCost")
    assert "defective" in rma["memo"] and rma["externalId"] == "shopify_3Aret-1"

    connector.client.transform(
        "returnAuthorization",
        rma_id,
        "itemReceipt",
        {"item": {"items": [{"orderLine": "1", "location": {"externalId": "main-warehouse"}}]}},
    )
    [received] = [
        r for r in connector.return_authorizations_changed_since(None).records if r.origin.id == rma_id
    ]
    assert (received.status, received.order_id, received.source_key) == (
        "received",
        sales_order_id,
        "shopify:ret-1",
    )
    assert received.location_code == "main-warehouse" and [
        (ln.sku, ln.quantity) for ln in received.lines
    ] == [("SKU-1001", 1)]

    memo = connector.refund_return_authorization(rma_id, idempotency_key="credit:shopify:ret-1")
    assert connector.refund_return_authorization(rma_id, idempotency_key="credit:shopify:ret-1") == memo
    stored = connector.client.get("creditMemo", memo.origin.id)
    assert memo.total.amount == Decimal(str(stored["total"])) and stored["createdFrom"]["id"] == rma_id
    assert connector.client.get("returnAuthorization", rma_id)["status"]["refName"] == "Refunded"
