"""Return authorizations received in the warehouse: item receipts, NetSuite's RMA statuses, stock back."""

from __future__ import annotations

from typing import Any

RECORDS = "/services/rest/record/v1"


def _transform(netsuite: Any, record_type: str, record_id: str, target: str, body: Any = None) -> Any:
    return netsuite.client.post(f"{RECORDS}/{record_type}/{record_id}/!transform/{target}", json=body)


def _created(response: Any) -> str:
    assert response.status_code == 204, response.text
    return str(response.headers["location"].rsplit("/", 1)[-1])


def _on_hand(netsuite: Any, sku: str, location: str) -> float:
    item = netsuite.get("inventoryItem", f"eid:{sku.lower()}", expandSubResources="true")
    return float(
        next(ln for ln in item["locations"]["items"] if ln["location"]["refName"] == location)[
            "quantityOnHand"
        ]
    )


def _shipped_rma(netsuite: Any, quantity: int) -> str:
    """A shipped order for ``quantity`` x SKU-1004 and its return authorization, Pending Receipt."""
    stock = {
        "item": {"externalId": "sku-1004"},
        "location": {"externalId": "east-dc"},
        "adjustQtyBy": quantity,
    }
    netsuite.create("inventoryAdjustment", {"inventory": {"items": [stock]}})
    order_id = netsuite.create(
        "salesOrder",
        {
            "entity": {"externalId": "cust-2002"},
            "location": {"externalId": "east-dc"},
            "item": {"items": [{"item": {"externalId": "sku-1004"}, "quantity": quantity, "rate": 12.5}]},
        },
    )
    _created(_transform(netsuite, "salesOrder", order_id, "itemFulfillment"))
    return _created(
        _transform(netsuite, "salesOrder", order_id, "returnAuthorization", {"orderStatus": {"id": "B"}})
    )


def test_receipt_moves_the_rma_to_pending_refund_and_puts_the_goods_back_on_hand(netsuite: Any) -> None:
    rma_id = _shipped_rma(netsuite, 2)
    assert netsuite.get("returnAuthorization", rma_id)["status"]["refName"] == "Pending Receipt"
    before = _on_hand(netsuite, "SKU-1004", "East Coast DC")

    first = {"item": {"items": [{"orderLine": "1", "quantity": 1, "location": {"externalId": "east-dc"}}]}}
    _created(_transform(netsuite, "returnAuthorization", rma_id, "itemReceipt", first))
    assert netsuite.get("returnAuthorization", rma_id)["status"]["refName"] == "Partially Received"
    receipt_id = _created(_transform(netsuite, "returnAuthorization", rma_id, "itemReceipt"))

    receipt = netsuite.get("itemReceipt", receipt_id, expandSubResources="true")
    assert receipt["createdFrom"]["id"] == rma_id and receipt["item"]["items"][0]["quantity"] == 1
    assert netsuite.get("returnAuthorization", rma_id)["status"]["refName"] == "Pending Refund"
    assert _on_hand(netsuite, "SKU-1004", "East Coast DC") == before + 2
    _created(_transform(netsuite, "returnAuthorization", rma_id, "creditMemo"))
    assert netsuite.get("returnAuthorization", rma_id)["status"]["refName"] == "Refunded"


def test_receipt_of_more_than_authorized_or_of_a_received_rma_is_refused(netsuite: Any) -> None:
    rma_id = _shipped_rma(netsuite, 1)
    too_many = {"item": {"items": [{"orderLine": "1", "quantity": 3}]}}
    refused = _transform(netsuite, "returnAuthorization", rma_id, "itemReceipt", too_many)
    assert refused.status_code == 400 and "only 1 are authorized" in refused.text, refused.text
    _created(_transform(netsuite, "returnAuthorization", rma_id, "itemReceipt"))
    again = _transform(netsuite, "returnAuthorization", rma_id, "itemReceipt")
    assert again.status_code == 400 and "itemreceipt" in again.text, again.text
