"""Returns through the connectors' translations: Shopify Return nodes in, ReturnInput out, and the NetSuite
external id of a return read back as its business key."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from erpsync.connectors.netsuite.client import external_id_for
from erpsync.connectors.netsuite.returns import key_of_external_id
from erpsync.connectors.shopify.translate.returns import return_from_graphql, return_input
from erpsync.model import Origin, Return, ReturnLine


@given(st.text(min_size=1))
def test_a_return_key_survives_the_netsuite_external_id(key: str) -> None:
    assert key_of_external_id(external_id_for(key)) == key


def _line(line_id: str, fulfillment_line: str, quantity: int, reason: str = "DEFECTIVE") -> dict[str, object]:
    return {
        "id": f"gid://shopify/ReturnLineItem/{fulfillment_line}",
        "quantity": quantity,
        "returnReason": reason,
        "returnReasonNote": "",
        "customerNote": "scratched",
        "fulfillmentLineItem": {
            "id": f"gid://shopify/FulfillmentLineItem/{fulfillment_line}",
            "lineItem": {"id": f"gid://shopify/LineItem/{line_id}", "sku": f"SKU-{line_id}"},
        },
    }


def test_two_shipments_of_one_line_returned_together_are_one_canonical_line() -> None:
    node = {
        "id": "gid://shopify/Return/9",
        "name": "#1001-R1",
        "status": "OPEN",
        "createdAt": "2026-12-04T10:00:00Z",
        "requestApprovedAt": "2026-12-04T11:00:00Z",
        "closedAt": None,
        "order": {"id": "gid://shopify/Order/5"},
        "returnLineItems": {
            "nodes": [_line("1", "71", 1), _line("1", "72", 2), _line("2", "73", 1, "UNWANTED")]
        },
    }
    store_return = return_from_graphql(node)
    assert (store_return.business_key, store_return.order_id, store_return.status) == (
        "shopify:9",
        "5",
        "open",
    )
    assert store_return.origin.updated_at == datetime(2026, 12, 4, 11, tzinfo=UTC)
    assert [(ln.line_id, ln.sku, ln.quantity, ln.reason) for ln in store_return.lines] == [
        ("1", "SKU-1", 3, "defective"),
        ("2", "SKU-2", 1, "unwanted"),
    ]


def test_return_input_takes_units_from_what_is_left_of_each_shipment() -> None:
    store_return = Return(
        origin=Origin(system="shopify", id="rma-1", updated_at=datetime(2026, 12, 4, tzinfo=UTC)),
        order_id="5",
        status="open",
        lines=[ReturnLine(line_id="1", sku="SKU-1", quantity=3, note="erpsync: RMA 1")],
    )
    shipped = [
        {
            "id": "gid://shopify/FulfillmentLineItem/71",
            "quantity": 2,
            "lineItem": {"id": "gid://shopify/LineItem/1"},
        },
        {
            "id": "gid://shopify/FulfillmentLineItem/72",
            "quantity": 2,
            "lineItem": {"id": "gid://shopify/LineItem/1"},
        },
    ]
    returned = {"gid://shopify/FulfillmentLineItem/71": 1}
    payload = return_input(
        store_return, order_gid="gid://shopify/Order/5", shipped=shipped, returned=returned
    )
    assert [(ln["fulfillmentLineItemId"][-2:], ln["quantity"]) for ln in payload["returnLineItems"]] == [
        ("71", 1),
        ("72", 2),
    ]
    assert {ln["returnReasonNote"] for ln in payload["returnLineItems"]} == {"erpsync: RMA 1"}
