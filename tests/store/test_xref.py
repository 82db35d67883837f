from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from erpsync.errors import DataError
from erpsync.store import Store


def test_link_is_found_both_ways(store: Store) -> None:
    store.link("netsuite", "sales_order", "8841", "order:shopify:1042")
    assert store.business_key("netsuite", "sales_order", "8841") == "order:shopify:1042"
    assert store.external_id("netsuite", "sales_order", "order:shopify:1042") == "8841"


def test_unknown_ids_and_keys_are_none(store: Store) -> None:
    store.link("netsuite", "sales_order", "8841", "order:shopify:1042")
    assert store.business_key("netsuite", "sales_order", "9999") is None
    assert store.external_id("netsuite", "sales_order", "order:shopify:9999") is None
    assert store.external_id("netsuite", "invoice", "order:shopify:1042") is None
    assert store.external_id("shopify", "sales_order", "order:shopify:1042") is None


def test_linking_the_same_pair_twice_is_a_no_op(store: Store) -> None:
    store.link("shopify", "order", "5501", "order:shopify:1042")
    store.link("shopify", "order", "5501", "order:shopify:1042")
    assert store.business_key("shopify", "order", "5501") == "order:shopify:1042"


def test_an_external_id_cannot_point_at_two_business_keys(store: Store) -> None:
    store.link("netsuite", "item", "301", "variant:SKU-9")
    with pytest.raises(DataError, match="already linked to variant:SKU-9"):
        store.link("netsuite", "item", "301", "variant:SKU-10")
    assert store.business_key("netsuite", "item", "301") == "variant:SKU-9"


def test_a_business_key_cannot_have_two_ids_in_one_system(store: Store) -> None:
    store.link("netsuite", "item", "301", "variant:SKU-9")
    with pytest.raises(DataError, match="netsuite item 301 is already linked"):
        store.link("netsuite", "item", "302", "variant:SKU-9")
    assert store.external_id("netsuite", "item", "variant:SKU-9") == "301"


def test_the_same_key_links_to_one_id_per_system_and_record_type(store: Store) -> None:
    store.link("netsuite", "item", "301", "variant:SKU-9")
    store.link("shopify", "variant", "301", "variant:SKU-9")
    store.link("shopify", "inventory_item", "77", "variant:SKU-9")
    assert store.external_id("shopify", "variant", "variant:SKU-9") == "301"
    assert store.external_id("shopify", "inventory_item", "variant:SKU-9") == "77"


def test_unlink_lets_a_recreated_record_take_a_new_id(store: Store) -> None:
    store.link("netsuite", "customer", "12", "customer:ada@example.com")
    assert store.unlink("netsuite", "customer", business_key="customer:ada@example.com") is True
    assert store.unlink("netsuite", "customer", external_id="12") is False
    store.link("netsuite", "customer", "13", "customer:ada@example.com")
    assert store.external_id("netsuite", "customer", "customer:ada@example.com") == "13"
    with pytest.raises(ValueError, match="exactly one"):
        store.unlink("netsuite", "customer")


def test_concurrent_links_of_one_pair_leave_one_link(store: Store) -> None:
    failures: list[BaseException] = []
    start = threading.Barrier(6)

    def link() -> None:
        try:
            start.wait(timeout=60)
            store.link("shopify", "order", "5501", "order:shopify:1042")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=link, daemon=True) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert store.external_id("shopify", "order", "order:shopify:1042") == "5501"


def test_every_field_is_changed_before_anything_was_remembered(store: Store) -> None:
    fields = {"title": "Mug", "price": Decimal("12.50")}
    assert store.changed_fields("shopify", "product", "product:MUG", fields) == {"title", "price"}


def test_changed_fields_reports_only_real_changes(store: Store) -> None:
    store.remember_fields(
        "shopify",
        "product",
        "product:MUG",
        {"title": "Mug", "price": Decimal("12.50"), "tags": {"b": 2, "a": 1}, "barcode": None},
    )
    incoming = {
        "title": "Mug",
        "price": Decimal("12.5"),  # same money, other spelling
        "tags": {"a": 1, "b": 2},  # same content, other key order
        "barcode": "400638133393",
    }
    assert store.changed_fields("shopify", "product", "product:MUG", incoming) == {"barcode"}
    assert store.changed_fields("shopify", "product", "product:MUG", {"price": Decimal("13.00")}) == {"price"}
    assert store.changed_fields("shopify", "product", "product:MUG", {"title": "mug"}) == {"title"}


def test_remembered_fields_are_per_system_and_record(store: Store) -> None:
    store.remember_fields("shopify", "product", "product:MUG", {"title": "Mug"})
    assert store.changed_fields("netsuite", "product", "product:MUG", {"title": "Mug"}) == {"title"}
    assert store.changed_fields("shopify", "product", "product:CUP", {"title": "Mug"}) == {"title"}


def test_remembering_some_fields_keeps_the_others(store: Store) -> None:
    store.remember_fields("shopify", "product", "product:MUG", {"title": "Mug", "vendor": "Acme"})
    store.remember_fields("shopify", "product", "product:MUG", {"title": "Big mug"})
    current = {"title": "Big mug", "vendor": "Acme"}
    assert store.changed_fields("shopify", "product", "product:MUG", current) == set()
