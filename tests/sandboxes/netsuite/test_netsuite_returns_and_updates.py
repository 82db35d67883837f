"""Returns, credits, deposits and payments; order edits; the q filter; state dump and reset."""

from __future__ import annotations

from typing import Any

from erpsync.sandboxes import build_sandbox

RECORDS = "/services/rest/record/v1"


def _order(netsuite: Any, quantity: int = 2) -> str:
    """An order for ``quantity`` SKU-1004 shipped from the East Coast DC, which is given the stock first."""
    stock = {
        "item": {"externalId": "sku-1004"},
        "location": {"externalId": "east-dc"},
        "adjustQtyBy": quantity,
    }
    netsuite.create("inventoryAdjustment", {"inventory": {"items": [stock]}})
    return str(
        netsuite.create(
            "salesOrder",
            {
                "entity": {"externalId": "cust-2002"},
                "location": {"externalId": "east-dc"},
                "item": {"items": [{"item": {"externalId": "sku-1004"}, "quantity": quantity, "rate": 12.5}]},
            },
        )
    )


def _transform(netsuite: Any, record_type: str, record_id: str, target: str, body: Any = None) -> str:
    response = netsuite.client.post(f"{RECORDS}/{record_type}/{record_id}/!transform/{target}", json=body)
    assert response.status_code == 204, response.text
    return str(response.headers["location"].rsplit("/", 1)[-1])


def test_cash_refund_from_a_return_authorization_marks_it_refunded(netsuite: Any) -> None:
    order_id = _order(netsuite)
    rma_id = _transform(netsuite, "salesOrder", order_id, "returnAuthorization")
    assert netsuite.get("returnAuthorization", rma_id)["status"]["refName"] == "Pending Refund"
    refund_id = _transform(netsuite, "returnAuthorization", rma_id, "cashRefund")
    refund = netsuite.get("cashRefund", refund_id)
    assert refund["total"] == 25.00 and refund["createdFrom"]["id"] == rma_id
    assert netsuite.get("returnAuthorization", rma_id)["status"]["refName"] == "Refunded"


def test_credit_memo_from_an_invoice_pays_it_down(netsuite: Any) -> None:
    order_id = _order(netsuite)
    _transform(netsuite, "salesOrder", order_id, "itemFulfillment")
    invoice_id = _transform(netsuite, "salesOrder", order_id, "invoice")
    body = {"item": {"items": [{"item": {"externalId": "sku-1004"}, "quantity": 1, "rate": 12.5}]}}
    _transform(netsuite, "invoice", invoice_id, "creditMemo", body)
    invoice = netsuite.get("invoice", invoice_id)
    assert (invoice["amountRemaining"], invoice["status"]["refName"]) == (12.5, "Open")


def test_payment_cannot_apply_more_than_is_due(netsuite: Any) -> None:
    order_id = _order(netsuite)
    _transform(netsuite, "salesOrder", order_id, "itemFulfillment")
    invoice_id = _transform(netsuite, "salesOrder", order_id, "invoice")
    payment = {
        "customer": {"externalId": "cust-2002"},
        "payment": 100,
        "apply": {"items": [{"doc": {"id": invoice_id}, "apply": True, "amount": 30}]},
    }
    response = netsuite.client.post(f"{RECORDS}/customerPayment", json=payment)
    assert response.status_code == 400 and response.json()["o:errorDetails"][0]["o:errorPath"].startswith(
        "apply"
    )
    assert netsuite.get("invoice", invoice_id)["amountRemaining"] == 25.0
    assert netsuite.client.get(f"{RECORDS}/customerPayment").json()["totalResults"] == 0


def test_customer_deposit_against_an_order(netsuite: Any) -> None:
    order_id = _order(netsuite)
    deposit_id = netsuite.create(
        "customerDeposit",
        {"customer": {"externalId": "cust-2002"}, "salesOrder": {"id": order_id}, "payment": "25.00"},
    )
    deposit = netsuite.get("customerDeposit", deposit_id)
    assert deposit["total"] == 25.0 and deposit["salesOrder"]["id"] == order_id


def test_patch_updates_a_line_by_number_and_replace_swaps_the_sublist(netsuite: Any) -> None:
    order_id = _order(netsuite)
    patched = netsuite.client.patch(
        f"{RECORDS}/salesOrder/{order_id}", json={"item": {"items": [{"line": "1", "quantity": 4}]}}
    )
    assert patched.status_code == 204
    assert netsuite.get("salesOrder", order_id)["total"] == 50.0
    netsuite.client.patch(
        f"{RECORDS}/salesOrder/{order_id}",
        json={"item": {"items": [{"item": {"externalId": "sku-1005"}, "quantity": 1, "rate": 3}]}},
    )
    assert netsuite.get("salesOrder", order_id)["total"] == 53.0
    netsuite.client.patch(
        f"{RECORDS}/salesOrder/{order_id}",
        params={"replace": "item"},
        json={"item": {"items": [{"item": {"externalId": "sku-1005"}, "quantity": 2, "rate": 3}]}},
    )
    order = netsuite.get("salesOrder", order_id, expandSubResources="true")
    assert order["total"] == 6.0 and len(order["item"]["items"]) == 1


def test_q_filter_on_text_ids_and_dates(netsuite: Any) -> None:
    def total(record_type: str, query: str) -> int:
        response = netsuite.client.get(f"{RECORDS}/{record_type}", params={"q": query})
        assert response.status_code == 200, response.text
        return int(response.json()["totalResults"])

    assert total("inventoryItem", 'itemId START_WITH "SKU-100"') == 9
    assert total("customer", 'externalId ANY_OF ["cust-2001", "cust-2002", "nobody"]') == 2
    assert total("customer", 'externalId ANY_OF_NOT ["cust-2001", "cust-2002"]') == 6
    assert total("inventoryItem", "basePrice BETWEEN [0, 1000000]") == 12
    today = netsuite.sandbox.clock.now()
    assert total("customer", f'lastModifiedDate ON_OR_AFTER "{today.month}/{today.day}/{today.year}"') == 8
    assert total("customer", 'lastModifiedDate AFTER "2099-01-01T00:00:00Z"') == 0
    bad = netsuite.client.get(f"{RECORDS}/customer", params={"q": "colour IS red"})
    assert bad.status_code == 400


def test_state_dump_is_json_and_reset_restores_the_seed(netsuite: Any) -> None:
    _order(netsuite)
    state = netsuite.client.get("/_sandbox/state").json()
    assert len(state["records"]["salesOrder"]) == 1 and state["governance"]["concurrency_limit"] == 15
    assert netsuite.client.post("/_sandbox/reset").status_code == 200
    state = netsuite.client.get("/_sandbox/state").json()
    assert state["records"]["salesOrder"] == [] and len(state["records"]["customer"]) == 8


def test_registry_builds_the_netsuite_sandbox_with_every_credential() -> None:
    sandbox = build_sandbox("netsuite", seed=None)
    assert sandbox.platform == "netsuite"
    credentials = sandbox.credentials()
    assert {"account_id", "consumer_key", "consumer_secret", "token_id", "token_secret", "client_id",
            "certificate_id", "private_key_pem"} <= set(credentials)  # fmt: skip
    assert credentials["private_key_pem"].startswith("-----BEGIN PRIVATE KEY-----")
    assert sandbox.dump_state()["records"]["customer"] == []
