from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from erpsync.store import Step, Store

from .conftest import ManualClock

ORDER = "order:shopify:1042"


def _order_story(store: Store, clock: ManualClock) -> None:
    store.link("shopify", "order", "5501", ORDER)
    store.record_event("order", ORDER, "received", system="shopify", external_id="5501", correlation_id="c-1")
    clock.advance(timedelta(seconds=1))
    store.record_event("order", ORDER, "mapped", correlation_id="c-1")
    clock.advance(timedelta(seconds=1))
    store.link("netsuite", "sales_order", "8841", ORDER)
    store.record_event("order", ORDER, "written", system="netsuite", external_id="8841", correlation_id="c-1")


def test_timeline_by_business_key_lists_every_step_in_order(store: Store, clock: ManualClock) -> None:
    _order_story(store, clock)
    assert [event.step for event in store.timeline(ORDER)] == ["received", "mapped", "written"]


def test_timeline_by_another_systems_id_resolves_through_the_xref(store: Store, clock: ManualClock) -> None:
    _order_story(store, clock)
    store.link("shopify", "fulfillment_order", "7001", "fulfillment:shopify:7001")
    store.record_event("fulfillment_order", "fulfillment:shopify:7001", "received", system="shopify")
    by_erp_id = store.timeline("8841")
    assert [event.step for event in by_erp_id] == ["received", "mapped", "written"]
    assert by_erp_id[0].system == "shopify" and by_erp_id[0].external_id == "5501"
    assert [event.step for event in store.timeline("8841", system="netsuite")] == [
        "received",
        "mapped",
        "written",
    ]


def test_a_system_filter_reads_the_id_as_that_systems_id_only(store: Store, clock: ManualClock) -> None:
    _order_story(store, clock)
    assert store.timeline("8841", system="shopify") == []
    assert store.timeline(ORDER, system="shopify") == []
    assert store.timeline("no-such-id") == []


def test_an_id_seen_on_events_is_traceable_before_it_is_linked(store: Store) -> None:
    store.record_event("order", "order:shopify:2001", "received", system="shopify", external_id="6601")
    store.record_event("order", "order:shopify:2001", "failed", error_class="transient", message="timeout")
    assert [event.step for event in store.timeline("6601", system="shopify")] == ["received", "failed"]


def test_an_external_id_traces_its_own_record_type_only(store: Store) -> None:
    store.link("shopify", "order", "5501", "1042")
    store.record_event("order", "1042", "received", system="shopify")
    store.record_event("invoice", "1042", "written", system="netsuite")
    assert [event.record_type for event in store.timeline("5501")] == ["order"]
    assert [event.record_type for event in store.timeline("1042")] == ["order", "invoice"]


def test_event_carries_every_detail(store: Store, clock: ManualClock) -> None:
    payload_id = store.archive_payload("netsuite", "read:sales_order", b"{}")
    store.record_event(
        "order",
        ORDER,
        Step.FAILED,
        system="netsuite",
        external_id="8841",
        correlation_id="c-9",
        error_class="data",
        message="item SKU-9 has no NetSuite item",
        detail={"sku": "SKU-9", "amount": Decimal("12.50")},
        payload_id=payload_id,
    )
    [event] = store.timeline(ORDER)
    assert event.step == "failed"
    assert (event.system, event.external_id, event.correlation_id) == ("netsuite", "8841", "c-9")
    assert (event.error_class, event.message) == ("data", "item SKU-9 has no NetSuite item")
    assert event.detail == {"sku": "SKU-9", "amount": "12.5"}
    assert event.payload_id == payload_id
    assert event.occurred_at == clock.now


@pytest.mark.parametrize("step", [s.value for s in Step])
def test_every_documented_step_is_accepted(sqlite_url: str, step: str) -> None:
    with Store.open(sqlite_url) as store:
        store.record_event("order", ORDER, step)
        assert [event.step for event in store.timeline(ORDER)] == [step]


def test_an_unknown_step_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown timeline step 'shipped'"):
        store.record_event("order", ORDER, "shipped")
    assert store.timeline(ORDER) == []


def test_events_since_returns_every_records_events_in_the_window(store: Store, clock: ManualClock) -> None:
    store.record_event("order", "order:1", "received")
    clock.advance(timedelta(minutes=30))
    window_start = clock.now
    store.record_event("order", "order:2", "received")
    clock.advance(timedelta(minutes=30))
    store.record_event("order", "order:2", "failed", error_class="transient")
    clock.advance(timedelta(minutes=1))
    window_end = clock.now
    store.record_event("order", "order:3", "received")
    in_window = store.events_since(window_start, until=window_end)
    assert [(event.business_key, event.step) for event in in_window] == [
        ("order:2", "received"),
        ("order:2", "failed"),
    ]
    assert len(store.events_since(window_start)) == 3
