"""Store order edits applied to the NetSuite sales order (``amend_sales_order``), over HTTP on loopback
against the NetSuite sandbox: units changed, lines added and removed in one PATCH, totals that still agree
with the store's, and the edits NetSuite cannot take refused before any write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from erpsync.errors import DataError
from erpsync.model import Money, Order, OrderLine, OrderTotals, TaxLine

from .test_netsuite_against_sandbox import _customer


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def edited(order: Order, lines: list[OrderLine], tax: str) -> Order:
    """``order`` after a store edit to ``lines``, with the store's new tax and totals."""
    subtotal = sum((line.subtotal.amount for line in lines), Decimal(0))
    total = subtotal - Decimal("2.00") + Decimal("4.95") + Decimal(tax)
    return order.model_copy(
        update={
            "lines": lines,
            "tax_lines": [TaxLine(title="State tax", rate=Decimal("0.0725"), amount=usd(tax))],
            "totals": OrderTotals(
                lines=usd(f"{subtotal:.2f}"),
                discounts=usd("2.00"),
                shipping=usd("4.95"),
                tax=usd(tax),
                total=usd(f"{total:.2f}"),
            ),
        }
    )


def hoodies(quantity: int) -> OrderLine:
    return OrderLine(line_id="L1", sku="SKU-1001", title="Hoodie", quantity=quantity, unit_price=usd("10.00"))


MUG = OrderLine(line_id="L2", sku="SKU-1002", title="Mug", quantity=1, unit_price=usd("5.50"))
CAP = OrderLine(line_id="L3", sku="SKU-1003", title="Cap", quantity=2, unit_price=usd("7.00"))


@pytest.fixture
def placed(account: Any, make_order: Any) -> tuple[Any, Order, str]:
    connector = account.connector()
    connector.upsert_customer(_customer("77"), idempotency_key="c")
    order = make_order()
    return connector, order, connector.upsert_sales_order(order, idempotency_key="o")


def _sales_order(account: Any, sales_order_id: str) -> dict[str, Any]:
    record: dict[str, Any] = account.sandbox.account.store.records["salesOrder"][sales_order_id]
    return record


def _units(record: dict[str, Any]) -> dict[str, Decimal]:
    return {line["custcol_erpsync_line_id"]: line["quantity"] for line in record["item"]["items"]}


def test_units_changed_and_a_line_added_reach_the_sales_order_once(
    account: Any, placed: tuple[Any, Order, str]
) -> None:
    connector, order, sales_order_id = placed
    line_numbers = [line["line"] for line in _sales_order(account, sales_order_id)["item"]["items"]]
    change = edited(order, [hoodies(1), MUG, CAP], tax="2.10")

    changes = connector.amend_sales_order(change, idempotency_key="e")

    record = _sales_order(account, sales_order_id)
    assert _units(record) == {"L1": 1, "L2": 1, "L3": 2}
    assert [line["line"] for line in record["item"]["items"][:2]] == line_numbers  # kept
    assert record["total"] == change.totals.total.amount  # 10 + 5.50 + 14 - 2 + 4.95 + 2.10 = 34.55
    assert any("2 → 1 units" in c for c in changes) and any(c.startswith("added 2 × ") for c in changes)
    modified = record["lastModifiedDate"]
    account.control("PUT", "clock", {"advance_seconds": 5})
    assert connector.amend_sales_order(change, idempotency_key="e") == []  # already applied: no write
    assert _sales_order(account, sales_order_id)["lastModifiedDate"] == modified


def test_a_line_the_edit_removed_is_deleted_from_the_sales_order(
    account: Any, placed: tuple[Any, Order, str]
) -> None:
    connector, order, sales_order_id = placed
    change = edited(order, [hoodies(2)], tax="1.45")

    changes = connector.amend_sales_order(change, idempotency_key="e")

    record = _sales_order(account, sales_order_id)
    assert _units(record) == {"L1": 2}
    assert record["total"] == change.totals.total.amount
    assert len(changes) == 1 and changes[0].startswith("removed line 2"), changes


def test_fewer_units_than_shipped_are_refused_and_nothing_is_written(
    account: Any, placed: tuple[Any, Order, str]
) -> None:
    connector, order, sales_order_id = placed
    connector.client.transform("salesOrder", sales_order_id, "itemFulfillment", {})
    before = _units(_sales_order(account, sales_order_id))

    with pytest.raises(DataError, match="already shipped 2") as refused:
        connector.amend_sales_order(edited(order, [hoodies(1), MUG], tax="1.10"), idempotency_key="e")
    assert "refund or return" in (refused.value.suggested_fix or "")
    with pytest.raises(DataError, match="already shipped 1"):
        connector.amend_sales_order(edited(order, [hoodies(2)], tax="1.45"), idempotency_key="e")
    assert _units(_sales_order(account, sales_order_id)) == before


def test_an_edit_of_a_cancelled_sales_order_is_refused(account: Any, placed: tuple[Any, Order, str]) -> None:
    connector, order, _ = placed
    connector.cancel_sales_order(order, idempotency_key="x")
    with pytest.raises(DataError, match="is cancelled in NetSuite"):
        connector.amend_sales_order(edited(order, [hoodies(3), MUG], tax="2.50"), idempotency_key="e")


def test_the_sandbox_refuses_what_netsuite_refuses(account: Any, placed: tuple[Any, Order, str]) -> None:
    connector, _, sales_order_id = placed
    connector.client.transform("salesOrder", sales_order_id, "itemFulfillment", {})
    first = _sales_order(account, sales_order_id)["item"]["items"][0]["line"]
    with pytest.raises(DataError, match="cannot be less than"):
        connector.client.update(
            "salesOrder", sales_order_id, {"item": {"items": [{"line": first, "quantity": 1}]}}
        )
    with pytest.raises(DataError, match="cannot delete line"):
        connector.client.update("salesOrder", sales_order_id, {"item": {"items": []}}, replace="item")
