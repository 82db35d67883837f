from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from erpsync.store import Store

from .conftest import ManualClock


def test_conflict_keeps_who_tried_what_against_whom(store: Store, clock: ManualClock) -> None:
    store.record_conflict(
        record_type="product",
        business_key="variant:SKU-9",
        field="price",
        owner="netsuite",
        attempted_by="shopify",
        current=Decimal("12.50"),
        proposed=Decimal("9.99"),
    )
    [conflict] = store.conflicts()
    assert (conflict.record_type, conflict.business_key, conflict.field) == (
        "product",
        "variant:SKU-9",
        "price",
    )
    assert (conflict.owner, conflict.attempted_by) == ("netsuite", "shopify")
    assert (conflict.current, conflict.proposed) == ("12.5", "9.99")
    assert conflict.occurred_at == clock.now


def test_any_json_value_round_trips(store: Store) -> None:
    values: list[object] = [None, "blue", 3, True, ["a", "b"], {"city": "Lyon"}]
    for value in values:
        store.record_conflict(
            record_type="customer",
            business_key="customer:ada",
            field="x",
            owner="netsuite",
            attempted_by="shopify",
            current=value,
            proposed=None,
        )
    assert [conflict.current for conflict in store.conflicts()] == values


def test_conflicts_filter_by_record_oldest_first(store: Store, clock: ManualClock) -> None:
    for key in ("variant:SKU-9", "variant:SKU-10", "variant:SKU-9"):
        store.record_conflict(
            record_type="product",
            business_key=key,
            field="title",
            owner="netsuite",
            attempted_by="shopify",
            current="Mug",
            proposed=f"Mug {key}",
        )
        clock.advance(timedelta(seconds=1))
    mine = store.conflicts(business_key="variant:SKU-9")
    assert [conflict.business_key for conflict in mine] == ["variant:SKU-9", "variant:SKU-9"]
    assert mine[0].occurred_at < mine[1].occurred_at
    assert len(store.conflicts()) == 3
