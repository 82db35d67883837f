from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from erpsync.errors import DataError, TransientError
from erpsync.store import RecordNotFound, Store

from .conftest import ManualClock

ORDER = "order:shopify:1042"
NO_ITEM = DataError(
    "NetSuite rejected sales order for Shopify order #1042: item SKU-9 has no NetSuite item",
    system="netsuite",
    record=ORDER,
    field="lines[0].sku",
    suggested_fix="add the item in NetSuite, or map it in mappings/items.yaml",
)
PAYLOAD = {"name": "#1042", "lines": [{"sku": "SKU-9", "quantity": 1}]}


def _park(
    store: Store, *, payload: Mapping[str, Any] = PAYLOAD, error: BaseException | Mapping[str, Any] = NO_ITEM
) -> int:
    return store.open_exception(
        flow="order_to_erp",
        record_type="order",
        business_key=ORDER,
        error=error,
        payload=payload,
        workflow_id="wf-order-1042",
    )


def test_opening_an_exception_keeps_reason_fix_and_payload(store: Store, clock: ManualClock) -> None:
    exception = store.exception(_park(store))
    assert exception.status == "open"
    assert (exception.flow, exception.record_type, exception.business_key) == ("order_to_erp", "order", ORDER)
    assert (exception.system, exception.error_class, exception.error_type) == (
        "netsuite",
        "data",
        "DataError",
    )
    assert exception.message.startswith("NetSuite rejected sales order")
    assert exception.field == "lines[0].sku"
    assert exception.suggested_fix == "add the item in NetSuite, or map it in mappings/items.yaml"
    assert exception.payload == PAYLOAD
    assert exception.edited_payload is None
    assert exception.workflow_id == "wf-order-1042"
    assert exception.attempts == 1
    assert exception.created_at == exception.updated_at == clock.now


def test_reopening_bumps_attempts_and_keeps_one_open_row(store: Store, clock: ManualClock) -> None:
    first = _park(store)
    clock.advance(timedelta(minutes=5))
    again = _park(store, error=TransientError("NetSuite timed out", system="netsuite"))
    assert again == first
    [exception] = store.exceptions()
    assert exception.attempts == 2
    assert exception.error_class == "transient"
    assert exception.message == "NetSuite timed out"
    assert exception.updated_at - exception.created_at == timedelta(minutes=5)


def test_a_retrying_exception_that_fails_again_reopens_the_same_row(store: Store) -> None:
    exception_id = _park(store)
    store.set_exception_status(exception_id, "retrying")
    assert _park(store) == exception_id
    assert store.exception(exception_id).status == "open"
    assert store.exception(exception_id).attempts == 2


def test_a_new_failure_after_resolution_opens_a_new_exception(store: Store) -> None:
    first = _park(store)
    store.set_exception_status(first, "resolved", note="item created in NetSuite")
    second = _park(store)
    assert second != first
    assert store.exception(first).status == "resolved"
    assert store.exception(first).note == "item created in NetSuite"
    assert [exception.id for exception in store.exceptions(status=None)] == [first, second]


def test_edit_keeps_the_original_payload(store: Store) -> None:
    exception_id = _park(store)
    edited = {"name": "#1042", "lines": [{"sku": "SKU-9-BLUE", "quantity": 1}]}
    store.edit_exception_payload(exception_id, edited)
    exception = store.exception(exception_id)
    assert exception.payload == PAYLOAD
    assert exception.edited_payload == edited
    assert exception.retry_payload == edited


def test_a_failed_retry_of_an_edit_keeps_both_versions(store: Store) -> None:
    exception_id = _park(store)
    edited = {"name": "#1042", "lines": [{"sku": "SKU-9-BLUE", "quantity": 1}]}
    store.edit_exception_payload(exception_id, edited)
    _park(store, payload=edited)
    exception = store.exception(exception_id)
    assert (exception.payload, exception.edited_payload, exception.attempts) == (PAYLOAD, edited, 2)


def test_before_any_edit_the_payload_follows_the_latest_input(store: Store) -> None:
    exception_id = _park(store)
    newer = {"name": "#1042", "lines": [{"sku": "SKU-9", "quantity": 2}]}
    _park(store, payload=newer)
    assert store.exception(exception_id).payload == newer
    assert store.exception(exception_id).retry_payload == newer


def test_closed_exceptions_cannot_be_edited(store: Store) -> None:
    exception_id = _park(store)
    store.set_exception_status(exception_id, "skipped", note="test order")
    with pytest.raises(ValueError, match="skipped"):
        store.edit_exception_payload(exception_id, {"name": "#1042"})


def test_exceptions_filter_by_status_flow_class_system_and_age(store: Store, clock: ManualClock) -> None:
    old = _park(store)
    clock.advance(timedelta(hours=3))
    config = store.open_exception(
        flow="inventory",
        record_type="inventory_level",
        business_key="inventory:SKU-1:WH1",
        error={"error_class": "config", "type": "ConfigError", "message": "bad token", "system": "shopify"},
        payload={"available": 3},
    )
    resolved = store.open_exception(
        flow="inventory",
        record_type="inventory_level",
        business_key="inventory:SKU-2:WH1",
        error=NO_ITEM,
        payload={},
    )
    store.set_exception_status(resolved, "resolved")

    def ids(**filters: Any) -> list[int]:
        return [exception.id for exception in store.exceptions(**filters)]

    assert ids() == [old, config]
    assert ids(status="resolved") == [resolved]
    assert ids(status=None) == [old, config, resolved]
    assert ids(flow="inventory") == [config]
    assert ids(error_class="config") == [config]
    assert ids(system="netsuite") == [old]
    assert ids(older_than=timedelta(hours=2)) == [old]
    with pytest.raises(ValueError, match="unknown exception status"):
        store.exceptions(status="pending")


def test_any_exception_can_be_parked_with_its_class(store: Store) -> None:
    exception = store.exception(_park(store, error=KeyError("sku")))
    assert (exception.error_class, exception.error_type) == ("transient", "KeyError")


def test_active_exception_finds_the_open_one_to_resolve(store: Store) -> None:
    assert store.active_exception(flow="order_to_erp", business_key=ORDER) is None
    exception_id = _park(store)
    active = store.active_exception(flow="order_to_erp", business_key=ORDER)
    assert active is not None and active.id == exception_id
    store.set_exception_status(exception_id, "resolved")
    assert store.active_exception(flow="order_to_erp", business_key=ORDER) is None


def test_reactivating_a_closed_exception_while_another_is_open_is_refused(store: Store) -> None:
    first = _park(store)
    store.set_exception_status(first, "skipped")
    _park(store)
    with pytest.raises(ValueError, match="already has an active exception"):
        store.set_exception_status(first, "open")
    assert store.exception(first).status == "skipped"


def test_unknown_status_and_id_are_refused(store: Store) -> None:
    exception_id = _park(store)
    with pytest.raises(ValueError, match="unknown exception status 'done'"):
        store.set_exception_status(exception_id, "done")
    with pytest.raises(RecordNotFound):
        store.exception(exception_id + 100)
    with pytest.raises(RecordNotFound):
        store.set_exception_status(exception_id + 100, "resolved")


def test_workers_parking_one_record_at_once_share_one_open_row(store: Store) -> None:
    failures: list[BaseException] = []
    ids: list[int] = []
    start = threading.Barrier(5)

    def park() -> None:
        try:
            start.wait(timeout=60)
            ids.append(_park(store))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=park, daemon=True) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert len(set(ids)) == 1
    [exception] = store.exceptions()
    assert exception.attempts == 5
