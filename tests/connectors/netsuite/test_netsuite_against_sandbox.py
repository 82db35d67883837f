"""The NetSuite connector against the NetSuite sandbox over real HTTP on loopback: both auth methods,
idempotent writes, retries on injected faults, paging, SuiteQL change polling, transforms."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from erpsync.connectors.netsuite import (
    LocalConcurrencyBudget,
    NetSuiteClient,
    NetSuiteSettings,
    OAuth2ClientCredentials,
    RetryRule,
    TokenBasedAuth,
    auth_from_credentials,
)
from erpsync.errors import ConfigError, DataError, MissingPrerequisite, TransientError
from erpsync.model import Customer, Money, Origin, Payout, Refund, RefundLine, Transaction
from erpsync.sandboxes.netsuite.banking import CONNECTION_SETTINGS

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def _customer(store_id: str = "77", **changes: Any) -> Customer:
    fields: dict[str, Any] = {
        "origin": Origin(system="shopify", id=store_id, updated_at=NOW),
        "email": f"buyer{store_id}@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
    }
    return Customer(**{**fields, **changes})


def _with_external_id(account: Any, record_type: str, external_id: str) -> list[dict[str, Any]]:
    records = account.sandbox.account.store.records[record_type].values()
    return [r for r in records if r.get("externalId") == external_id]


# -- auth ------------------------------------------------------------------------------------------


def test_token_based_auth_reads_the_account(account: Any) -> None:
    with NetSuiteClient(account.url, account.tba()) as client:
        assert client.get("location", "eid:main-warehouse")["name"] == "Main Warehouse"


def test_wrong_token_secret_is_a_config_error(account: Any) -> None:
    with (
        NetSuiteClient(account.url, account.tba(token_secret="0" * 64)) as client,
        pytest.raises(ConfigError),
    ):
        client.get("location", "eid:main-warehouse")


def test_stale_tba_timestamp_is_a_config_error(account: Any) -> None:
    c = account.credentials
    keys = (c["consumer_key"], c["consumer_secret"], c["token_id"], c["token_secret"])
    an_hour_slow = TokenBasedAuth(c["account_id"], *keys, clock=lambda: time.time() - 3600)
    with NetSuiteClient(account.url, an_hour_slow) as client, pytest.raises(ConfigError):
        client.get("location", "eid:main-warehouse")


def test_oauth2_client_credentials_read_the_account_with_one_token(account: Any) -> None:
    tokens_before = len(account.sandbox.oauth2._tokens)
    with NetSuiteClient(account.url, account.oauth2()) as client:
        assert client.get("location", "eid:main-warehouse")["name"] == "Main Warehouse"
        assert len(list(client.list_ids("location"))) == 2
    assert len(account.sandbox.oauth2._tokens) - tokens_before == 1


def test_oauth2_with_a_key_netsuite_does_not_know_is_a_config_error(account: Any) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with NetSuiteClient(account.url, account.oauth2(stranger.decode())) as client, pytest.raises(ConfigError):
        client.get("location", "eid:main-warehouse")


# -- idempotent writes and retries -----------------------------------------------------------------


def test_upserting_a_customer_twice_makes_one_record(account: Any) -> None:
    connector = account.connector()
    first = connector.upsert_customer(_customer(), idempotency_key="k1")
    second = connector.upsert_customer(_customer(last_name="Byron"), idempotency_key="k1")
    assert first == second
    [stored] = _with_external_id(account, "customer", "shopify_3A77")
    assert stored["lastName"] == "Byron" and stored["email"] == "buyer77@example.com"


def test_throttle_server_error_and_reset_are_retried_without_doubling(account: Any) -> None:
    script = [{"kind": kind, "operation": "PUT customer"} for kind in ("throttle", "server_error", "reset")]
    account.control("PUT", "faults", {"script": script})
    connector = account.connector()
    connector.upsert_customer(_customer("88"), idempotency_key="k")
    assert len(_with_external_id(account, "customer", "shopify_3A88")) == 1
    assert account.control("GET", "faults")["injected"] == {"throttle": 1, "server_error": 1, "reset": 1}


def test_faults_beyond_the_retry_budget_surface_as_transient(account: Any) -> None:
    account.control("PUT", "faults", {"script": [{"kind": "server_error", "operation": "PUT customer"}] * 3})
    connector = account.connector(retry=RetryRule(attempts=3, base_delay=0.0, max_delay=0.0))
    with pytest.raises(TransientError, match="500"):
        connector.upsert_customer(_customer("89"), idempotency_key="k")
    assert _with_external_id(account, "customer", "shopify_3A89") == []


def test_account_concurrency_limit_429s_are_absorbed_by_retries(account: Any) -> None:
    account.control("PUT", "rate-limit", {"preset": "limit-1"})
    try:
        client = NetSuiteClient(account.url, account.tba(), retry=RetryRule(attempts=30, base_delay=0.01))
        failures: list[BaseException] = []

        def read() -> None:
            try:
                for _ in range(3):
                    client.get("location", "eid:main-warehouse")
            except BaseException as exc:  # collected for the assertion below
                failures.append(exc)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
    finally:
        account.control("PUT", "rate-limit", {"preset": "default"})


def test_local_budget_keeps_requests_under_the_account_limit(account: Any) -> None:
    account.control("PUT", "rate-limit", {"preset": "limit-2"})
    try:
        client = NetSuiteClient(
            account.url, account.tba(), budget=LocalConcurrencyBudget(2), retry=RetryRule(attempts=1)
        )
        failures: list[BaseException] = []

        def read() -> None:
            try:
                for _ in range(3):
                    client.get("location", "eid:main-warehouse")
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=read) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []  # with no retries at all, not one request met a 429
    finally:
        account.control("PUT", "rate-limit", {"preset": "default"})


def test_netsuite_validation_error_names_the_record_and_field(account: Any) -> None:
    with NetSuiteClient(account.url, account.tba()) as client, pytest.raises(DataError) as caught:
        client.upsert("customer", "bad-1", {"isPerson": True, "lastName": "X", "shoeSize": 44})
    assert caught.value.record == "customer eid:bad-1" and caught.value.field == "shoeSize"


# -- paging ----------------------------------------------------------------------------------------


def test_record_list_pages_through_every_id(account: Any) -> None:
    with NetSuiteClient(account.url, account.tba()) as client:
        ids = list(client.list_ids("inventoryItem", limit=5))
        page = client.list_page("inventoryItem", limit=5)
    assert len(ids) == len(set(ids)) == 12
    assert page.total_results == 12 and page.has_more and page.next_offset == 5


def test_suiteql_rows_page_through_a_query(account: Any) -> None:
    with NetSuiteClient(account.url, account.tba()) as client:
        rows = list(client.suiteql_rows("SELECT id, itemid FROM item ORDER BY id", limit=4))
    skus = [row["itemid"] for row in rows]
    assert len(skus) == len(set(skus)) and {f"SKU-{1000 + n}" for n in range(1, 13)} <= set(skus)


# -- orders, transforms and polling ----------------------------------------------------------------


def _sales_orders(account: Any, external_id: str) -> list[dict[str, Any]]:
    return _with_external_id(account, "salesOrder", external_id)


def test_sales_order_upserted_twice_is_one_order_with_the_store_total(account: Any, make_order: Any) -> None:
    connector = account.connector()
    connector.upsert_customer(_customer("77"), idempotency_key="c")
    order = make_order()
    first = connector.upsert_sales_order(order, idempotency_key=order.business_key)
    second = connector.upsert_sales_order(order, idempotency_key=order.business_key)
    assert first == second
    [stored] = _sales_orders(account, "shopify_3A1042")
    assert stored["otherRefNum"] == "#1042"
    assert stored["custbody_erpsync_discount_codes"] == "SUMMER"
    assert stored["custbody_erpsync_source"] == "web"
    assert stored["total"] == order.totals.total.amount


def test_order_for_a_customer_not_yet_in_netsuite_waits_for_it(account: Any, make_order: Any) -> None:
    with pytest.raises(MissingPrerequisite) as caught:
        account.connector().upsert_sales_order(make_order(customer_id="404"), idempotency_key="k")
    assert caught.value.prerequisite == "customer:shopify:404"


def test_order_with_an_unknown_sku_waits_for_the_item(account: Any, make_order: Any) -> None:
    order = make_order()
    order.lines[1].sku = "SKU-NOPE"
    with pytest.raises(MissingPrerequisite) as caught:
        account.connector().upsert_sales_order(order, idempotency_key="k")
    assert caught.value.prerequisite == "variant:SKU-NOPE"


def test_fulfillment_and_invoice_by_transform_once_per_key(account: Any, make_order: Any) -> None:
    connector = account.connector()
    connector.upsert_customer(_customer("77"), idempotency_key="c")
    order = make_order()
    sales_order_id = connector.upsert_sales_order(order, idempotency_key="o")
    fulfillment_id = connector.client.transform(
        "salesOrder",
        sales_order_id,
        "itemFulfillment",
        {"package": {"items": [{"packageTrackingNumber": "1Z999AA10123456784"}]}},
    )

    batch = connector.fulfillments_changed_since(None)
    [fulfillment] = [f for f in batch.records if f.origin.id == fulfillment_id]
    assert fulfillment.order_id == sales_order_id and fulfillment.status == "success"
    assert fulfillment.location_code == "main-warehouse"
    assert [t.number for t in fulfillment.tracking] == ["1Z999AA10123456784"]
    assert sorted((ln.sku, ln.quantity) for ln in fulfillment.lines) == [("SKU-1001", 2), ("SKU-1002", 1)]

    invoice = connector.create_invoice(order, idempotency_key="invoice-1042")
    again = connector.create_invoice(order, idempotency_key="invoice-1042")
    assert invoice.origin.id == again.origin.id
    assert len(_with_external_id(account, "invoice", "invoice-1042")) == 1
    assert invoice.total == order.totals.total and invoice.amount_due == order.totals.total
    status = account.sandbox.account.store.records["salesOrder"][sales_order_id]["status"]["id"]
    assert status == "G"  # billed

    payment = Transaction(
        origin=Origin(system="shopify", id="t-1", updated_at=NOW),
        order_id="1042",
        kind="capture",
        status="success",
        gateway="shopify_payments",
        amount=order.totals.total,
    )
    connector.record_payment(payment, idempotency_key="p")
    connector.record_payment(payment, idempotency_key="p")
    stored_invoice = account.sandbox.account.store.records["invoice"][invoice.origin.id]
    assert stored_invoice["amountRemaining"] == 0
    assert len(_with_external_id(account, "customerPayment", "shopify_3At-1")) == 1


def test_customer_polling_delivers_changes_once_across_the_overlap(account: Any) -> None:
    connector = account.connector()
    first = connector.customers_changed_since(None)
    seeded = {c.origin.id for c in first.records}
    assert len(seeded) == 8 and not first.more
    assert connector.customers_changed_since(first.cursor).records == []

    account.control("PUT", "clock", {"advance_seconds": 5})
    new_id = connector.upsert_customer(_customer("501"), idempotency_key="k")
    changed = connector.customers_changed_since(first.cursor)
    assert [c.origin.id for c in changed.records] == [new_id]
    assert changed.records[0].email == "buyer501@example.com"
    assert connector.customers_changed_since(changed.cursor).records == []


def test_polling_pages_in_batches(account: Any) -> None:
    connector = account.connector(poll_page_size=3)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        batch = connector.products_changed_since(cursor)
        seen += [p.variants[0].sku or "" for p in batch.records]
        cursor = batch.cursor
        if not batch.more:
            break
    assert len(seen) == len(set(seen)) and {f"SKU-{1000 + n}" for n in range(1, 13)} <= set(seen)


def test_inventory_levels_per_location_follow_fulfillments(account: Any, make_order: Any) -> None:
    connector = account.connector()
    levels = connector.inventory_changed_since(None)
    before = {lv.business_key: lv for lv in levels.records}
    assert "SKU-1001@main-warehouse" in before and "SKU-1001@east-dc" in before

    connector.upsert_customer(_customer("77"), idempotency_key="c")
    account.control("PUT", "clock", {"advance_seconds": 5})
    sales_order_id = connector.upsert_sales_order(make_order(), idempotency_key="o")
    connector.client.transform("salesOrder", sales_order_id, "itemFulfillment", {})
    after = {lv.business_key: lv for lv in connector.inventory_changed_since(levels.cursor).records}
    shipped = before["SKU-1001@main-warehouse"].on_hand - after["SKU-1001@main-warehouse"].on_hand
    assert shipped == 2


def test_locations_are_translated_with_codes(account: Any) -> None:
    codes = {location.code for location in account.connector().locations()}
    assert codes == {"main-warehouse", "east-dc"}


def test_cancelling_an_unfulfilled_order_and_refusing_a_shipped_one(account: Any, make_order: Any) -> None:
    connector = account.connector()
    connector.upsert_customer(_customer("77"), idempotency_key="c")
    open_order = make_order()
    sales_order_id = connector.upsert_sales_order(open_order, idempotency_key="o")
    connector.cancel_sales_order(open_order, idempotency_key="x")
    connector.cancel_sales_order(open_order, idempotency_key="x")
    assert account.sandbox.account.store.records["salesOrder"][sales_order_id]["status"]["id"] == "C"

    shipped = make_order(origin=Origin(system="shopify", id="1043", updated_at=NOW))
    shipped_id = connector.upsert_sales_order(shipped, idempotency_key="o2")
    connector.client.transform("salesOrder", shipped_id, "itemFulfillment", {})
    with pytest.raises(DataError, match="cannot be cancelled"):
        connector.cancel_sales_order(shipped, idempotency_key="x")


def test_refund_becomes_one_credit_memo_and_payout_one_deposit(account: Any, make_order: Any) -> None:
    connector = account.connector()
    connector.upsert_customer(_customer("77"), idempotency_key="c")
    order = make_order()
    connector.upsert_sales_order(order, idempotency_key="o")
    refund = Refund(
        origin=Origin(system="shopify", id="r-1", updated_at=NOW),
        order_id="1042",
        lines=[RefundLine(line_id="L1", sku="SKU-1001", quantity=1, subtotal=usd("10.00"), tax=usd("0.73"))],
        shipping=usd("4.95"),
        total=usd("15.68"),
    )
    memo = connector.create_credit_memo(refund, idempotency_key="r")
    again = connector.create_credit_memo(refund, idempotency_key="r")
    assert memo.origin.id == again.origin.id and memo.refund_id == "r-1"
    assert memo.total == usd("15.68")
    assert len(_with_external_id(account, "creditMemo", "shopify_3Ar-1")) == 1

    # A payout is a bank deposit (the net of charges and fees), not a customer deposit.
    payouts = account.connector(settings=NetSuiteSettings(**CONNECTION_SETTINGS))
    payout = Payout(
        origin=Origin(system="shopify", id="po-1", updated_at=NOW),
        status="paid",
        gross=usd("100.00"),
        fees=usd("3.20"),
        net=usd("96.80"),
    )
    first = payouts.record_payout(payout, idempotency_key="po")
    assert payouts.record_payout(payout, idempotency_key="po") == first
    [deposit] = _with_external_id(account, "deposit", "shopify_3Apo-1")
    assert deposit["total"] == Decimal("96.80")


def test_sandbox_ready_line_credentials_choose_oauth2_else_tba(account: Any) -> None:
    oauth2 = auth_from_credentials(account.url, account.credentials)
    tba_only = {k: v for k, v in account.credentials.items() if k not in ("client_id", "private_key_pem")}
    tba = auth_from_credentials(account.url, tba_only)
    assert isinstance(oauth2, OAuth2ClientCredentials) and isinstance(tba, TokenBasedAuth)
    for auth in (oauth2, tba):
        with NetSuiteClient(account.url, auth) as client:
            assert client.get("location", "eid:main-warehouse")["name"] == "Main Warehouse"
    with pytest.raises(ConfigError, match="token_secret"):
        auth_from_credentials(account.url, {**tba_only, "token_secret": ""})
