"""Daily finance tie-out: store orders, refunds and payouts against the ERP's documents, record by record."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from erpsync.connectors.base import LedgerEntry, Unreadable
from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.errors import DataError
from erpsync.flows import Hub, refunds, tieout
from erpsync.model import Money, Origin, Payout, PayoutAdjustment
from erpsync.store import Store

DAY = date(2026, 12, 3)


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        yield environment


def test_a_day_with_an_order_missing_in_the_erp_lists_that_order(env: DemoEnvironment) -> None:
    env.sync_catalog()
    skus = env.erp_skus()
    synced = [env.place_order([(sku, 2)], email=f"buyer{n}@example.com") for n, sku in enumerate(skus[:2])]
    env.sync_orders()
    refund_id = env.refund_in_store(synced[0], skus[0], 1, restock=True)
    assert [r.status for r in env.run_poll(refunds.POLLER, "1")] == ["completed"]
    missing = env.place_order([(skus[2], 1)], email="never.synced@example.com")  # never reaches NetSuite
    day = env.hub.shop.get_order(missing).placed_at.astimezone(UTC).date()

    finished = env.engine.enqueue(tieout.FLOW, day.isoformat(), {"date": day.isoformat()}).result(60)
    assert finished.status == "completed", finished

    report = tieout.latest_report(env.hub.store)
    assert report is not None and report["date"] == day.isoformat()
    assert [(row["record_type"], row["difference"], row["store_id"]) for row in report["rows"]] == [
        ("order", "missing_in_erp", missing)
    ]
    missing_total = env.hub.shop.get_order(missing).totals.total.amount
    assert report["rows"][0]["amount_difference"] == str(missing_total)
    assert report["counts"]["order"]["store"] == 3 and report["counts"]["order"]["erp"] == 2
    assert report["counts"]["refund"]["store"] == 1 and report["counts"]["refund"]["differences"] == 0
    refund = next(r for r in env.hub.shop.get_order(synced[0]).refunds if r.origin.id == refund_id)
    assert report["counts"]["refund"]["erp_total"] == {"USD": str(refund.total.amount)}

    exported = list(csv.DictReader(io.StringIO(tieout.to_csv(report))))
    assert [(row["business_key"], row["difference"]) for row in exported] == [
        (f"shopify:{missing}", "missing_in_erp")
    ]
    printed = tieout.summary(report)
    assert f"missing_in_erp: order shopify:{missing}" in printed and "not compared" not in printed
    assert "payouts: store 0 (0), ERP 0 (0), 0 difference(s)" in printed  # no payout was made that day
    # A run that crossed midnight ties out each day since it began: the order is listed once, on its own day.
    since = env.tie_out_since(day - timedelta(days=1))
    assert since["days"][:2] == [(day - timedelta(days=1)).isoformat(), day.isoformat()]
    assert [(row["difference"], row["store_id"]) for row in since["rows"]] == [("missing_in_erp", missing)]
    # Once the order reaches the ERP, the same day ties out clean; the stored report is replaced.
    env.sync_orders("again")
    clean = tieout.run_tieout(env.hub, day)
    assert clean["rows"] == []
    assert tieout.report_for(env.hub.store, day) == clean


class ShopWithAnUnreadableOrder:
    system = "shopify"

    def orders_updated_since(self, since: datetime) -> tuple[list[object], list[Unreadable]]:
        error = DataError("line 7 has a negative quantity", system="shopify", record="order 4242")
        return [], [Unreadable.of("4242", "shopify:4242", error)]


class ErpWithOneOrder:
    system = "netsuite"

    def ledger_entries(self, first: date, last: date) -> list[LedgerEntry]:
        return [entry("order", "101", "10.00")]


def test_an_order_the_store_connector_cannot_read_is_named_and_the_rest_is_tied_out(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    hub = Hub(store=store, shop=ShopWithAnUnreadableOrder(), erp=ErpWithOneOrder())  # type: ignore[arg-type]

    report = tieout.tie_out(hub, DAY)

    assert any("store order 4242" in line and "negative quantity" in line for line in report["not_compared"])
    assert report["counts"]["order"]["erp"] == 1  # the rest of the day was still compared
    store.close()


def entry(kind: str, erp_id: str, amount: str, day: date = DAY) -> LedgerEntry:
    return LedgerEntry(kind=kind, erp_id=erp_id, number=f"SO{erp_id}", day=day, total=Money.of(amount, "USD"))


def store_order(store_id: str, amount: str, day: date = DAY) -> tieout.StoreEntry:
    return tieout.StoreEntry(
        "order", f"shopify:{store_id}", store_id, f"#{store_id}", day, Money.of(amount, "USD")
    )


def test_amount_and_date_differences_are_listed_and_erp_own_orders_are_not(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    hub = Hub(store=store, shop=SimpleNamespace(system="shopify"), erp=SimpleNamespace(system="netsuite"))  # type: ignore[arg-type]
    for store_id, erp_id in (("1", "101"), ("2", "102"), ("3", "103"), ("4", "104")):
        store.link("netsuite", "order", erp_id, f"shopify:{store_id}")
    erp_side = [
        entry("order", "101", "10.00"),  # ties out
        entry("order", "102", "19.00"),  # the ERP booked a cent less... a euro less
        entry("order", "103", "5.00", date(2026, 12, 4)),  # dated a day later in the ERP
        entry("order", "104", "7.00"),  # the store has no such order that day
        entry("order", "900", "99.00"),  # entered in the ERP by staff: not the store's to match
    ]
    store_side = [store_order("1", "10.00"), store_order("2", "20.00"), store_order("3", "5.00")]

    rows, counts = tieout.compare(hub, "order", DAY, store_side, erp_side)

    assert sorted((row["store_id"] or row["erp_id"], row["difference"]) for row in rows) == [
        ("104", "missing_in_store"),
        ("2", "amount_differs"),
        ("3", "date_differs"),
    ]
    differing = next(row for row in rows if row["difference"] == "amount_differs")
    assert (differing["store_amount"], differing["erp_amount"], differing["amount_difference"]) == (
        "20.00",
        "19.00",
        "1.00",
    )
    assert counts["store"] == 3 and counts["erp"] == 4 and counts["erp_from_store"] == 3
    assert all(set(row) == set(tieout.COLUMNS) for row in rows)  # one table shape for the dashboard
    store.close()


def test_a_scheduled_run_ties_out_the_day_before_and_an_operator_run_today() -> None:
    fired = datetime(2026, 12, 4, 2, 0, tzinfo=UTC).isoformat()
    assert tieout.requested_day({"scheduled_at": fired}) == DAY
    assert tieout.requested_day({"date": "2026-12-01"}) == date(2026, 12, 1)
    assert tieout.requested_day({"reconcile": False}, today=DAY) == DAY  # "sync now" from the dashboard


def test_only_paid_payouts_are_expected_in_the_erp_at_their_net() -> None:
    issued = datetime(2026, 12, 3, 23, 59, 59, tzinfo=UTC)
    paid = Payout(
        origin=Origin(system="shopify", id="1", updated_at=issued),
        status="paid",
        issued_at=issued,
        gross=Money.of("100.00", "USD"),
        fees=Money.of("3.20", "USD"),
        adjustments=[PayoutAdjustment(kind="refund", amount=Money.of("-10.00", "USD"))],
        net=Money.of("86.80", "USD"),
    )
    in_transit = paid.model_copy(
        update={"status": "in_transit", "origin": paid.origin.model_copy(update={"id": "2"})}
    )
    entries = list(tieout.payout_entries_of([paid, in_transit]))
    assert [(e.kind, e.business_key, e.day, e.total) for e in entries] == [
        ("payout", "shopify:1", DAY, Money.of("86.80", "USD"))
    ]
