"""Alerts reach the destinations subscribed to them, once per condition, through apprise's json:// to a
local HTTP receiver (no internet)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from erpsync.alerts import Alerter, AlertThresholds, Destination
from erpsync.config import Settings
from erpsync.engine import Alert
from erpsync.errors import DataError
from erpsync.store import Store
from erpsync.web.ops import Operations

SETTINGS = Settings(
    connections={
        "shopify": {"platform": "shopify", "url": "https://acme.myshopify.com"},
        "netsuite": {"platform": "netsuite", "url": "https://1.suitetalk.api.netsuite.com"},
    },
    flows={"order_to_erp": {"source": "shopify", "target": "netsuite", "trigger": {"webhook": True}}},
)
ALL_KINDS = [
    "new_exception_class",
    "exception_older_than",
    "flow_paused",
    "lag_over_threshold",
    "tieout_difference",
    "daily_digest",
]


class Receiver:
    """A local webhook endpoint recording what apprise posts; ``failing`` makes it answer 500."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.failing = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.failing:
                    self.send_response(500)
                else:
                    receiver.received.append({"path": self.path, **json.loads(body)})
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/{path}"

    def titles(self, path: str | None = None) -> list[str]:
        return [item["title"] for item in self.received if path is None or item["path"] == f"/{path}"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.server.shutdown()
    made.server.server_close()


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    opened = Store.open(sqlite_url)
    yield opened
    opened.close()


def park(store: Store, business_key: str, error_type: type[Exception] = DataError) -> int:
    error = DataError(f"item SKU-9 of order #{business_key} has no NetSuite item", system="netsuite")
    if error_type is not DataError:
        error = error_type(f"order #{business_key} is invalid")  # type: ignore[assignment]
    return store.open_exception(
        flow="order_to_erp", record_type="order", business_key=business_key, error=error, payload={}
    )


def alerter(store: Store, destinations: list[Destination], **options: Any) -> Alerter:
    return Alerter(
        Operations(settings=SETTINGS, store=store, clock=options.pop("ops_clock", None) or _now),
        destinations,
        **options,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def test_a_new_kind_of_failure_is_alerted_once(store: Store, receiver: Receiver) -> None:
    alerts = alerter(store, [Destination(receiver.url("ops"), ALL_KINDS)])
    park(store, "1001")
    park(store, "1002")
    assert [m.kind.value for m in alerts.check()] == ["new_exception_class"]
    assert receiver.titles() == ["erpsync: new kind of data failure in order_to_erp"]
    assert alerts.check() == []
    park(store, "1003", error_type=KeyError)
    assert len(alerts.check()) == 1
    assert len(receiver.received) == 2


def test_sent_alerts_are_remembered_across_restarts_and_repeat_after_the_interval(
    store: Store, receiver: Receiver
) -> None:
    park(store, "1001")
    destinations = [Destination(receiver.url("ops"), ["new_exception_class"])]
    assert len(alerter(store, destinations).check()) == 1
    assert alerter(store, destinations).check() == []
    later = alerter(store, destinations, clock=lambda: _now() + timedelta(hours=25))
    assert len(later.check()) == 1


def test_an_exception_waiting_too_long_is_alerted(store: Store, receiver: Receiver) -> None:
    park(store, "1001")
    destinations = [Destination(receiver.url("ops"), ["exception_older_than"])]
    thresholds = AlertThresholds(exception_age=timedelta(minutes=30))
    assert alerter(store, destinations, thresholds=thresholds).check() == []
    late = alerter(store, destinations, thresholds=thresholds, clock=lambda: _now() + timedelta(minutes=31))
    (sent,) = late.check()
    assert "order 1001 waits for a fix over 30 min" in sent.title
    assert receiver.titles() == [sent.title]


def test_each_destination_gets_only_the_kinds_it_subscribed_to(store: Store, receiver: Receiver) -> None:
    alerts = alerter(
        store,
        [Destination(receiver.url("oncall"), ["flow_paused"]), Destination(receiver.url("team"), ALL_KINDS)],
    )
    park(store, "1001")
    alerts.check()
    alerts.engine_alert(
        Alert("order_to_erp", "config", "NetSuite rejected the token (401)", "order", "1001", "w1")
    )
    assert receiver.titles("oncall") == ["erpsync: flow order_to_erp is paused"]
    assert receiver.titles("team") == [
        "erpsync: new kind of data failure in order_to_erp",
        "erpsync: flow order_to_erp is paused",
    ]


def test_a_lagging_flow_is_alerted(store: Store, receiver: Receiver) -> None:
    store.record_event("order", "1001", "received", correlation_id="order_to_erp:1001")
    destinations = [Destination(receiver.url("ops"), ["lag_over_threshold"])]
    thresholds = AlertThresholds(lag=timedelta(minutes=15))
    assert alerter(store, destinations, thresholds=thresholds).check() == []
    behind = alerter(
        store, destinations, thresholds=thresholds, ops_clock=lambda: _now() + timedelta(minutes=20)
    )
    (sent,) = behind.check()
    assert sent.title == "erpsync: flow order_to_erp is 20 min behind"


def test_a_tieout_with_differences_is_alerted_and_a_clean_one_is_not(
    store: Store, receiver: Receiver
) -> None:
    alerts = alerter(store, [Destination(receiver.url("finance"), ["tieout_difference"])])
    assert alerts.tieout_finished({"date": "2026-12-03", "rows": []}) == []
    sent = alerts.tieout_finished(
        {"date": "2026-12-03", "rows": [{"order": "1001", "store": "10.00", "erp": "9.00"}]}
    )
    assert len(sent) == 1
    assert receiver.titles() == ["erpsync: tie-out 2026-12-03 found 1 difference(s) between store and ERP"]


def test_an_undelivered_alert_is_tried_again_at_the_next_check(store: Store, receiver: Receiver) -> None:
    park(store, "1001")
    alerts = alerter(store, [Destination(receiver.url("ops"), ["new_exception_class"])])
    receiver.failing = True
    assert alerts.check() == []
    receiver.failing = False
    assert len(alerts.check()) == 1
    assert len(receiver.received) == 1


def test_the_daily_digest_says_what_synced_failed_and_waits_once_a_day(
    store: Store, receiver: Receiver
) -> None:
    store.record_event("order", "1000", "completed", correlation_id="order_to_erp:1000")
    store.record_event("order", "1001", "parked", correlation_id="order_to_erp:1001")
    park(store, "1001")
    store.hold(
        flow="order_to_erp",
        record_type="order",
        business_key="1002",
        waits_on="customer:9",
        workflow_id=None,
        payload={},
    )
    alerts = alerter(store, [Destination(receiver.url("stakeholders"), ["daily_digest"])])
    assert alerts.send_digest()
    assert not alerts.send_digest()
    (digest,) = receiver.received
    assert digest["title"].startswith("erpsync daily digest")
    assert digest["message"] == (
        "order_to_erp: 1 synced, 1 failed, 1 waiting for a fix, 1 waiting on another record"
    )


def test_an_unknown_event_name_or_url_is_refused_without_echoing_the_url() -> None:
    ops = Operations(settings=SETTINGS, store=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown alert event"):
        Alerter(ops, [Destination("json://127.0.0.1:1/x", ["new_exeption_class"])])
    with pytest.raises(ValueError) as refused:
        Alerter(ops, [Destination("nosuchscheme://token-abc123secret", ["flow_paused"])])
    assert "token-abc123secret" not in str(refused.value)
