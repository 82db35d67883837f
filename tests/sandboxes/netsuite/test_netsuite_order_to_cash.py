"""Sales orders through fulfillment, invoice and payment, with NetSuite's statuses, stock and totals."""

from __future__ import annotations

from typing import Any

RECORDS = "/services/rest/record/v1"


def _order(netsuite: Any, **changes: Any) -> dict[str, Any]:
    body = {
        "entity": {"externalId": "cust-2001"},
        "externalId": "shop-order-1001",
        "otherRefNum": "#1001",
        "location": {"externalId": "main-warehouse"},
        "custbody_store_order_id": "gid://shopify/Order/1001",
        "item": {
            "items": [
                {"item": {"externalId": "sku-1001"}, "quantity": 2, "rate": 10.00},
                {"item": {"externalId": "sku-1002"}, "quantity": 1, "rate": 25.50},
            ]
        },
        "shippingCost": 5.00,
        "taxRate": 8.25,
        "discountRate": "-4.00",
    }
    body.update(changes)
    return body


def _stock(netsuite: Any, sku: str) -> float:
    item = netsuite.get("inventoryItem", f"eid:{sku}", expandSubResources="true")
    main = next(
        line for line in item["locations"]["items"] if line["location"]["refName"] == "Main Warehouse"
    )
    return float(main["quantityOnHand"])


def _status(netsuite: Any, order_id: str) -> str:
    return str(netsuite.get("salesOrder", order_id)["status"]["refName"])


def _give_stock(netsuite: Any, sku: str, quantity: int) -> None:
    adjustment = {
        "inventory": {
            "items": [
                {
                    "item": {"externalId": sku},
                    "location": {"externalId": "main-warehouse"},
                    "adjustQtyBy": quantity,
                }
            ]
        }
    }
    netsuite.create("inventoryAdjustment", adjustment)


def test_sales_order_totals_are_lines_discount_tax_and_shipping(netsuite: Any) -> None:
    order_id = netsuite.create("salesOrder", _order(netsuite))
    order = netsuite.get("salesOrder", order_id, expandSubResources="true")
    assert order["subtotal"] == 45.50 and order["discountTotal"] == -4.00
    assert order["taxTotal"] == 3.42  # (45.50 - 4.00) x 8.25 % = 3.42375
    assert order["total"] == 49.92
    assert order["status"] == {"id": "B", "refName": "Pending Fulfillment"}
    assert order["entity"]["refName"].startswith("C2001")
    assert [line["amount"] for line in order["item"]["items"]] == [20.00, 25.50]
    assert order["custbody_store_order_id"] == "gid://shopify/Order/1001"


def test_order_line_with_an_unknown_item_fails_the_whole_order(netsuite: Any) -> None:
    body = _order(netsuite)
    body["item"]["items"].append({"item": {"externalId": "sku-does-not-exist"}, "quantity": 1})
    response = netsuite.client.post(f"{RECORDS}/salesOrder", json=body)
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "INVALID_KEY_OR_REF" and detail["o:errorPath"] == "item.items[2].item"
    assert netsuite.client.get(f"{RECORDS}/salesOrder/eid:shop-order-1001").status_code == 404


def test_fulfillment_then_invoice_moves_the_status_to_billed_and_takes_stock(netsuite: Any) -> None:
    _give_stock(netsuite, "sku-1001", 5)
    _give_stock(netsuite, "sku-1002", 5)
    before = _stock(netsuite, "sku-1001")
    order_id = netsuite.create("salesOrder", _order(netsuite))
    fulfill = netsuite.client.post(
        f"{RECORDS}/salesOrder/{order_id}/!transform/itemFulfillment",
        json={"package": {"items": [{"packageTrackingNumber": "1Z999"}]}},
    )
    assert fulfill.status_code == 204 and "/itemFulfillment/" in fulfill.headers["location"]
    fulfillment = netsuite.client.get(
        fulfill.headers["location"], params={"expandSubResources": "true"}
    ).json()
    assert fulfillment["createdFrom"]["id"] == order_id
    assert fulfillment["package"]["items"][0]["packageTrackingNumber"] == "1Z999"
    assert _stock(netsuite, "sku-1001") == before - 2
    assert _status(netsuite, order_id) == "Pending Billing"

    bill = netsuite.client.post(f"{RECORDS}/salesOrder/{order_id}/!transform/invoice")
    assert bill.status_code == 204
    invoice = netsuite.client.get(bill.headers["location"]).json()
    assert invoice["total"] == 49.92 and invoice["amountRemaining"] == 49.92
    assert invoice["total"] == round(
        invoice["subtotal"] + invoice["discountTotal"] + invoice["taxTotal"] + 5.00, 2
    )
    assert _status(netsuite, order_id) == "Billed"

    pay = netsuite.client.post(f"{RECORDS}/invoice/{invoice['id']}/!transform/customerPayment")
    assert pay.status_code == 204
    assert netsuite.get("invoice", invoice["id"])["status"]["refName"] == "Paid In Full"


def test_partial_fulfillment_by_order_line(netsuite: Any) -> None:
    _give_stock(netsuite, "sku-1001", 5)
    order_id = netsuite.create("salesOrder", _order(netsuite))
    body = {"item": {"items": [{"orderLine": "1", "quantity": 1, "itemReceive": True}]}}
    first = netsuite.client.post(f"{RECORDS}/salesOrder/{order_id}/!transform/itemFulfillment", json=body)
    assert first.status_code == 204, first.text
    assert _status(netsuite, order_id) == "Pending Billing/Partially Fulfilled"
    netsuite.client.post(f"{RECORDS}/salesOrder/{order_id}/!transform/invoice")
    assert _status(netsuite, order_id) == "Partially Fulfilled"


def test_nothing_to_bill_and_short_stock_are_refused(netsuite: Any) -> None:
    order_id = netsuite.create(
        "salesOrder",
        _order(netsuite, item={"items": [{"item": {"externalId": "sku-1003"}, "quantity": 1000}]}),
    )
    bill = netsuite.client.post(f"{RECORDS}/salesOrder/{order_id}/!transform/invoice")
    assert bill.status_code == 400
    fulfill = netsuite.client.post(f"{RECORDS}/salesOrder/{order_id}/!transform/itemFulfillment")
    assert fulfill.status_code == 400 and "Insufficient stock" in fulfill.text
    assert _status(netsuite, order_id) == "Pending Fulfillment"


def test_two_lines_of_one_item_cannot_ship_more_than_is_on_hand_together(netsuite: Any) -> None:
    on_hand = int(_stock(netsuite, "sku-1001"))
    _give_stock(netsuite, "sku-1001", 3 - on_hand)  # exactly 3 on hand
    line = {"item": {"externalId": "sku-1001"}, "quantity": 2, "rate": 1}
    order_id = netsuite.create("salesOrder", _order(netsuite, item={"items": [line, dict(line)]}))
    fulfill = netsuite.client.post(f"{RECORDS}/salesOrder/{order_id}/!transform/itemFulfillment")
    assert fulfill.status_code == 400 and "Insufficient stock" in fulfill.text
    assert _stock(netsuite, "sku-1001") == 3


def test_warehouse_ships_open_orders_after_the_delay_with_tracking(netsuite: Any) -> None:
    _give_stock(netsuite, "sku-1001", 5)
    _give_stock(netsuite, "sku-1002", 5)
    netsuite.client.put("/_sandbox/warehouse", json={"enabled": True, "delay_seconds": 600})
    [shipping] = netsuite.suiteql("SELECT id FROM item WHERE itemid = 'SHIPPING'").json()["items"]
    order_id = netsuite.create("salesOrder", _order(netsuite, shipMethod={"id": shipping["id"]}))
    netsuite.client.put("/_sandbox/clock", json={"advance_seconds": 300})
    assert _status(netsuite, order_id) == "Pending Fulfillment"
    netsuite.client.put("/_sandbox/clock", json={"advance_seconds": 301})
    assert _status(netsuite, order_id) == "Pending Billing"
    shipped = netsuite.client.get("/_sandbox/warehouse").json()["shipped"]
    assert [entry["salesOrder"] for entry in shipped] == [order_id]
    fulfillment = netsuite.get("itemFulfillment", shipped[0]["itemFulfillment"], expandSubResources="true")
    # UPS (the warehouse's default carrier) ships with NetSuite's UPS package sublist; the ship method and
    # anything else come from the sales order.
    [package] = fulfillment["packageUps"]["items"]
    assert package["packageTrackingNumberUps"] == shipped[0]["tracking"]
    assert fulfillment["package"]["items"] == []
    assert fulfillment["shipMethod"]["id"] == shipping["id"]

    # A carrier without an integration in NetSuite ships on the plain package sublist.
    netsuite.client.put("/_sandbox/warehouse", json={"carrier": "DHL Express"})
    second = netsuite.create(
        "salesOrder", _order(netsuite, externalId="shop-order-1002", otherRefNum="#1002")
    )
    netsuite.client.put("/_sandbox/clock", json={"advance_seconds": 601})
    assert _status(netsuite, second) == "Pending Billing"
    entry = next(
        e for e in netsuite.client.get("/_sandbox/warehouse").json()["shipped"] if e["salesOrder"] == second
    )
    plain = netsuite.get("itemFulfillment", entry["itemFulfillment"], expandSubResources="true")
    assert plain["package"]["items"][0]["packageTrackingNumber"] == entry["tracking"]
    assert plain["packageUps"]["items"] == []
