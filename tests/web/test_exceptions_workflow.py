"""An operator fixes failed records through the ops API, against a real engine, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.web.support import SETTINGS, Tokens, add_role_users, park_order, start_engine, wait_until

from erpsync.engine import Engine
from erpsync.store import Store
from erpsync.web.app import create_app


@pytest.fixture
def running(database_url: str) -> Iterator[tuple[Engine, Store, TestClient, Tokens]]:
    store = Store.open(database_url)
    engine = start_engine(database_url)
    app = create_app(settings=SETTINGS, store=store, engine=engine)
    tokens = add_role_users(app.state.users)
    try:
        yield engine, store, TestClient(app), tokens
    finally:
        engine.shutdown()
        app.state.users.close()
        store.close()


def test_edit_and_retry_completes_the_order_and_releases_its_waiting_fulfillment(
    running: tuple[Engine, Store, TestClient, Tokens],
) -> None:
    engine, store, client, tokens = running
    exception_id = park_order(engine, store, "1001", "SKU-9")
    engine.enqueue("fulfillment_to_store", "F-1", {"order": "1001"})
    wait_until(lambda: bool(store.holds(waits_on="order:1001")), "the fulfillment to wait on its order")

    listed = client.get(
        "/api/v1/exceptions", params={"flow": "order_to_erp"}, headers=tokens.header("viewer")
    )
    assert [row["id"] for row in listed.json()] == [exception_id]
    assert listed.json()[0]["system"] == "netsuite"

    detail = client.get(f"/api/v1/exceptions/{exception_id}", headers=tokens.header("viewer")).json()
    assert detail["payload"]["lines"][0]["sku"] == "SKU-9"
    assert "SKU-9" in detail["suggested_fix"]
    assert [hold["business_key"] for hold in detail["waiting"]] == ["F-1"]

    corrected = {"number": "1001", "lines": [{"sku": "SKU-1", "quantity": 1}]}
    denied = client.post(
        f"/api/v1/exceptions/{exception_id}/edit-and-retry",
        json={"payload": corrected},
        headers=tokens.header("viewer"),
    )
    assert denied.status_code == 403
    started = client.post(
        f"/api/v1/exceptions/{exception_id}/edit-and-retry",
        json={"payload": corrected},
        headers=tokens.header("operator"),
    )
    assert started.status_code == 200, started.text

    wait_until(lambda: store.exception(exception_id).status == "resolved", "the retried order to complete")
    wait_until(lambda: not store.holds(waits_on="order:1001"), "the fulfillment to be released")
    wait_until(
        lambda: any(e.step == "completed" for e in store.timeline("F-1")),
        "the fulfillment to complete",
    )
    after = client.get(f"/api/v1/exceptions/{exception_id}", headers=tokens.header("viewer")).json()
    assert after["payload"]["lines"][0]["sku"] == "SKU-9", "the original payload is kept"
    assert after["edited_payload"]["lines"][0]["sku"] == "SKU-1"
    steps = [
        event["step"] for event in client.get("/api/v1/timeline/1001", headers=tokens.header("viewer")).json()
    ]
    assert "parked" in steps and "retried" in steps
    flows = {
        flow["name"]: flow for flow in client.get("/api/v1/flows", headers=tokens.header("viewer")).json()
    }
    assert flows["order_to_erp"]["processed_last_hour"] == 1
    assert flows["order_to_erp"]["failed_last_hour"] == 1
    assert flows["order_to_erp"]["open_exceptions"] == 0


def test_skip_resolve_and_bulk_retry_each_settle_only_open_exceptions(
    running: tuple[Engine, Store, TestClient, Tokens],
) -> None:
    engine, store, client, tokens = running
    first, second, third = (park_order(engine, store, number, "SKU-9") for number in ("2001", "2002", "2003"))
    operator = tokens.header("operator")

    assert (
        client.post(
            f"/api/v1/exceptions/{first}/skip", json={"note": "test order"}, headers=operator
        ).status_code
        == 200
    )
    assert store.exception(first).status == "skipped"
    assert "test order" in (store.exception(first).note or "")
    again = client.post(f"/api/v1/exceptions/{first}/skip", json={}, headers=operator)
    assert again.status_code == 409

    resolved = client.post(
        f"/api/v1/exceptions/{second}/resolve", json={"note": "keyed in NetSuite"}, headers=operator
    )
    assert resolved.status_code == 200
    assert store.exception(second).status == "resolved"
    assert "resolved" in [event.step for event in store.timeline("2002")]

    results = client.post(
        "/api/v1/exceptions/bulk", json={"action": "retry", "ids": [first, third, 999]}, headers=operator
    ).json()
    outcome = {row["id"]: row["ok"] for row in results}
    assert outcome == {first: False, third: True, 999: False}
    # The SKU is still unknown: the retried record parks again on the same exception.
    wait_until(
        lambda: store.exception(third).status == "open" and store.exception(third).attempts == 2,
        "the retried order to park again",
    )


def test_pause_and_resume_need_admin_and_reach_the_engine(
    running: tuple[Engine, Store, TestClient, Tokens],
) -> None:
    engine, _store, client, tokens = running
    body = {"reason": "NetSuite maintenance window"}
    assert (
        client.post(
            "/api/v1/flows/order_to_erp/pause", json=body, headers=tokens.header("operator")
        ).status_code
        == 403
    )
    assert (
        client.post("/api/v1/flows/order_to_erp/pause", json=body, headers=tokens.header("admin")).status_code
        == 200
    )
    assert engine.paused("order_to_erp")
    shown = client.get("/api/v1/flows/order_to_erp", headers=tokens.header("viewer")).json()
    assert shown["state"] == "paused" and "maintenance" in shown["paused_reason"]
    assert client.post("/api/v1/flows/order_to_erp/resume", headers=tokens.header("admin")).status_code == 200
    assert not engine.paused("order_to_erp")
    assert (
        client.post("/api/v1/flows/nope/pause", json=body, headers=tokens.header("admin")).status_code == 404
    )
