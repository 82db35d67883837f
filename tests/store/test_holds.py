from __future__ import annotations

import threading

from erpsync.store import Store


def _hold(store: Store, business_key: str, waits_on: str, *, flow: str = "order_to_erp") -> None:
    store.hold(
        flow=flow,
        record_type="order",
        business_key=business_key,
        waits_on=waits_on,
        workflow_id=f"wf-{business_key}",
        payload={"order": business_key},
    )


def test_release_returns_exactly_the_holds_waiting_on_that_key(store: Store) -> None:
    _hold(store, "order:1", "variant:SKU-9")
    _hold(store, "order:2", "variant:SKU-9")
    _hold(store, "order:3", "variant:SKU-10")
    _hold(store, "order:4", "customer:ada@example.com")
    released = store.release("variant:SKU-9")
    assert [hold.business_key for hold in released] == ["order:1", "order:2"]
    assert {hold.status for hold in released} == {"released"}
    assert all(hold.released_at is not None for hold in released)
    assert released[0].workflow_id == "wf-order:1"
    assert released[0].payload == {"order": "order:1"}
    assert [hold.business_key for hold in store.holds()] == ["order:3", "order:4"]


def test_a_second_release_returns_nothing(store: Store) -> None:
    _hold(store, "order:1", "variant:SKU-9")
    assert len(store.release("variant:SKU-9")) == 1
    assert store.release("variant:SKU-9") == []
    assert store.release("variant:never-held") == []


def test_holding_again_refreshes_the_one_waiting_hold(store: Store) -> None:
    _hold(store, "order:1", "variant:SKU-9")
    store.hold(
        flow="order_to_erp",
        record_type="order",
        business_key="order:1",
        waits_on="variant:SKU-9",
        workflow_id="wf-retry",
        payload={"order": "order:1", "note": "newer"},
    )
    [hold] = store.holds(waits_on="variant:SKU-9")
    assert hold.workflow_id == "wf-retry"
    assert hold.payload == {"order": "order:1", "note": "newer"}


def test_a_record_can_wait_on_several_prerequisites(store: Store) -> None:
    _hold(store, "order:1", "variant:SKU-9")
    _hold(store, "order:1", "customer:ada@example.com")
    store.release("variant:SKU-9")
    assert [hold.waits_on for hold in store.holds()] == ["customer:ada@example.com"]


def test_a_released_record_can_be_held_again(store: Store) -> None:
    _hold(store, "order:1", "variant:SKU-9")
    store.release("variant:SKU-9")
    _hold(store, "order:1", "variant:SKU-9")
    assert len(store.holds(waits_on="variant:SKU-9")) == 1
    assert len(store.holds(waits_on="variant:SKU-9", status=None)) == 2


def test_concurrent_releases_hand_each_hold_out_once(store: Store) -> None:
    for number in range(20):
        _hold(store, f"order:{number}", "variant:SKU-9")
    handed_out: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def release() -> None:
        try:
            start.wait(timeout=60)
            handed_out.extend(hold.business_key for hold in store.release("variant:SKU-9"))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=release, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert sorted(handed_out) == sorted(f"order:{number}" for number in range(20))
