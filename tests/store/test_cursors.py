from __future__ import annotations

from erpsync.store import Store


def test_a_flow_without_a_cursor_starts_from_none(store: Store) -> None:
    assert store.cursor("netsuite.fulfillments") is None


def test_set_cursor_replaces_the_flows_value_only(store: Store) -> None:
    store.set_cursor("netsuite.fulfillments", "2026-03-01T10:00:00Z")
    store.set_cursor("netsuite.fulfillments", "2026-03-01T11:00:00Z")
    store.set_cursor("shopify.orders", "page-token-abc")
    assert store.cursor("netsuite.fulfillments") == "2026-03-01T11:00:00Z"
    assert store.cursor("shopify.orders") == "page-token-abc"
