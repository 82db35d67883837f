from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from erpsync.store import RecordNotFound, Store
from erpsync.store.archive import REDACTED, PayloadArchive

from .conftest import ManualClock, raw_engine

BODY = b'{"id": 5501, "name": "#1042", "total_price": "12.50"}'


def test_archived_payload_reads_back_byte_for_byte(store: Store, clock: ManualClock) -> None:
    payload_id = store.archive_payload(
        "shopify",
        "webhook:orders/create",
        BODY,
        headers={"X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": "c2lnbmF0dXJl"},
        correlation_id="corr-1",
    )
    archived = store.payload(payload_id)
    assert archived.body == BODY
    assert archived.system == "shopify"
    assert archived.kind == "webhook:orders/create"
    assert archived.correlation_id == "corr-1"
    assert archived.body_sha256 == hashlib.sha256(BODY).hexdigest()
    assert archived.headers["X-Shopify-Hmac-Sha256"] == "c2lnbmF0dXJl"
    assert archived.received_at == clock.now
    assert archived.received_at.utcoffset() == timedelta(0)


def test_credentials_in_headers_are_never_stored(store: Store) -> None:
    headers = {
        "Authorization": "Bearer abc",
        "X-Shopify-Access-Token": "shpat_123",
        "Cookie": "session=1",
        "X-Shopify-Topic": "orders/create",
    }
    archived = store.payload(store.archive_payload("shopify", "read:order", BODY, headers=headers))
    assert archived.headers == {
        "Authorization": REDACTED,
        "X-Shopify-Access-Token": REDACTED,
        "Cookie": REDACTED,
        "X-Shopify-Topic": "orders/create",
    }


def test_the_archive_api_can_add_read_and_purge_but_not_change() -> None:
    public = {name for name in vars(PayloadArchive) if not name.startswith("_")}
    assert public == {"archive_payload", "payload", "purge_payloads", "purge_expired_payloads"}


def test_the_database_rejects_changing_an_archived_payload(store: Store, store_url: str) -> None:
    payload_id = store.archive_payload("shopify", "webhook:orders/create", BODY)
    tamper = text("UPDATE payloads SET body = :body WHERE id = :id")
    with (
        raw_engine(store_url) as engine,
        pytest.raises(DBAPIError, match="immutable"),
        engine.begin() as connection,
    ):
        connection.execute(tamper, {"body": b"x", "id": payload_id})
    assert store.payload(payload_id).body == BODY


def test_purge_removes_only_payloads_older_than_the_age(store: Store, clock: ManualClock) -> None:
    old = store.archive_payload("shopify", "webhook:orders/create", b"old")
    clock.advance(timedelta(days=20))
    recent = store.archive_payload("shopify", "webhook:orders/create", b"recent")
    clock.advance(timedelta(days=20))
    assert store.purge_payloads(timedelta(days=30)) == 1
    with pytest.raises(RecordNotFound):
        store.payload(old)
    assert store.payload(recent).body == b"recent"
    assert store.purge_payloads(timedelta(days=30)) == 0


def test_purge_keeps_the_timeline_that_pointed_at_a_payload(store: Store, clock: ManualClock) -> None:
    payload_id = store.archive_payload("shopify", "webhook:orders/create", BODY)
    store.record_event("order", "order:shopify:1042", "received", system="shopify", payload_id=payload_id)
    clock.advance(timedelta(days=31))
    assert store.purge_payloads(timedelta(days=30)) == 1
    [event] = store.timeline("order:shopify:1042")
    assert event.step == "received"
    assert event.payload_id is None


def test_retention_setting_drives_purge_expired_payloads(store_url: str, clock: ManualClock) -> None:
    with Store.open(store_url, clock=clock, payload_retention=timedelta(days=7)) as store:
        store.archive_payload("netsuite", "read:sales_order", b"{}")
        clock.advance(timedelta(days=6))
        assert store.purge_expired_payloads() == 0
        clock.advance(timedelta(days=2))
        assert store.purge_expired_payloads() == 1
    with Store.open(store_url, clock=clock) as keep_forever:
        keep_forever.archive_payload("netsuite", "read:sales_order", b"{}")
        clock.advance(timedelta(days=3650))
        assert keep_forever.purge_expired_payloads() == 0


def test_unknown_payload_id_is_record_not_found(store: Store) -> None:
    with pytest.raises(RecordNotFound, match="no archived payload 404"):
        store.payload(404)
