"""The ERP goes away while orders arrive (the NetSuite sandbox's server is stopped: connection refused), then
comes back on the same address with the same state.

What must happen, read from the systems and the store, not from logs: every order flow backs off (its
timeline shows the retries and their delays, classed transient); the alerter (erpsync.alerts, the rules and
de-duplication ``erpsync run`` uses) sends ONE alert for the backlog however often it checks; nothing is
parked; once NetSuite answers again every order drains into it exactly once, and no further alert is sent.

The outage (5 s) is well inside the default retry policy's window (12 attempts, full-jitter backoff from 1 s
capped at 300 s: about a quarter of an hour on average). A longer outage parks the orders as *transient*
exceptions, which an operator retries in bulk once the ERP is back (docs/reliability.md).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

import erpsync.demo
from erpsync.alerts import Alerter, AlertThresholds, Destination
from erpsync.config import Settings
from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.flows import orders
from erpsync.sandboxes.common import server as sandbox_server
from erpsync.web.ops import Operations

ORDERS = 6
MIN_OUTAGE = 5.0  # seconds; well inside the default retry window (see the module docstring)
FAILURE_KINDS = [
    "new_exception_class",
    "exception_older_than",
    "flow_paused",
    "lag_over_threshold",
    "tieout_difference",
]
SETTINGS = Settings(
    connections={
        "shop": {"platform": "shopify", "url": "https://acme.myshopify.com"},
        "erp": {"platform": "netsuite", "url": "https://1.suitetalk.api.netsuite.com"},
    },
    flows={"order_to_erp": {"source": "shop", "target": "erp", "trigger": {"webhook": True}}},
)


class Receiver:
    """Where apprise's ``json://`` posts the alerts (a local HTTP endpoint, no internet)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/alerts"


@contextmanager
def _netsuite_server_recorded() -> Iterator[list[sandbox_server.RunningSandbox]]:
    """The demo serves each sandbox with ``serve_in_thread``; keep the NetSuite one, to stop and start it."""
    servers: list[sandbox_server.RunningSandbox] = []
    original = erpsync.demo.serve_in_thread

    @contextmanager
    def recording(app: Any, **options: Any) -> Iterator[sandbox_server.RunningSandbox]:
        with original(app, **options) as running:
            servers.append(running)
            yield running

    erpsync.demo.serve_in_thread = recording  # type: ignore[assignment]
    try:
        yield servers
    finally:
        erpsync.demo.serve_in_thread = original


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.server.shutdown()
    made.server.server_close()


def _sales_orders(env: DemoEnvironment) -> Counter[str]:
    client = env.hub.erp.client  # type: ignore[attr-defined]
    rows = client.suiteql_rows(
        "SELECT otherrefnum, COUNT(*) AS n FROM transaction WHERE type = 'SalesOrd' GROUP BY otherrefnum"
    )
    return Counter({str(row.get("otherrefnum")): int(row["n"]) for row in rows})


def _retries(env: DemoEnvironment, order_id: str) -> list[Any]:
    return [e for e in env.hub.store.timeline(f"shopify:{order_id}") if e.step == "retried"]


def _backing_off(env: DemoEnvironment, placed: list[str]) -> bool:
    """Order flows have started and one at least has already failed and is waiting out its backoff."""
    return any(_retries(env, o) for o in placed)


def test_orders_back_off_alert_once_and_drain_exactly_once_when_netsuite_returns(
    sqlite_url: str, receiver: Receiver
) -> None:
    with _netsuite_server_recorded() as servers, demo_environment(sqlite_url, worker_id="erp-down") as env:
        env.sync_catalog()
        skus = env.erp_skus()
        netsuite = servers[1]  # the Shopify sandbox is served first, NetSuite second
        assert netsuite.url == env.desk.url  # type: ignore[attr-defined]
        netsuite_app, port = netsuite.server.config.app, int(netsuite.url.rsplit(":", 1)[1])
        ops = Operations(settings=SETTINGS, store=env.hub.store, engine=env.engine)
        alerter = Alerter(
            ops,
            [Destination(receiver.url, FAILURE_KINDS)],
            thresholds=AlertThresholds(lag=timedelta(seconds=2)),
        )
        stop_alerts = threading.Event()
        alerts = threading.Thread(
            target=alerter.run, args=(stop_alerts,), kwargs={"every": timedelta(seconds=0.3)}, daemon=True
        )
        alerts.start()
        try:
            netsuite.stop()  # the ERP is gone: its port refuses connections
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"{netsuite.url}/_sandbox/faults", timeout=2)
            placed = [
                env.place_order([(skus[n % len(skus)], 1)], email=f"down{n}@example.com")
                for n in range(ORDERS)
            ]
            for order_id in placed:  # as the webhook intake queues them
                env.engine.enqueue(orders.FLOW, f"shopify:{order_id}", orders.order_reference(order_id))
            down_since = time.monotonic()
            deadline = down_since + 10  # stay well inside the retry window, also on a loaded machine
            while not (_backing_off(env, placed) and receiver.received):
                assert time.monotonic() < deadline, (
                    f"while NetSuite was down: retries {[len(_retries(env, o)) for o in placed]}, "
                    f"alerts {receiver.received}"
                )
                time.sleep(0.1)
            time.sleep(max(0.0, MIN_OUTAGE - (time.monotonic() - down_since)))
            outage = time.monotonic() - down_since
            backed_off = [o for o in placed if _retries(env, o)]
            assert env.hub.store.exceptions(status=None) == [], "an order was parked while the ERP was down"
            assert not any(env.hub.store.external_id("netsuite", "order", f"shopify:{o}") for o in placed)

            back = sandbox_server.start_in_thread(netsuite_app, port=port)  # the same state, the same address
            try:
                results = {
                    order_id: env.engine.handle(f"{orders.FLOW}:shopify:{order_id}").result(90)
                    for order_id in placed
                }
                drained = time.monotonic() - down_since - outage
                time.sleep(1.0)  # a few more alert checks with the backlog gone
                assert {o: r.status for o, r in results.items()} == dict.fromkeys(placed, "completed"), (
                    results
                )
                numbers = {order_id: str(env.hub.shop.get_order(order_id).number) for order_id in placed}
                counts = _sales_orders(env)
                retries = {order_id: _retries(env, order_id) for order_id in placed}
            finally:
                back.stop()
        finally:
            stop_alerts.set()
            alerts.join(timeout=10)

    print(
        f"outage {outage:.1f} s; drained {drained:.1f} s after NetSuite came back; alerts {receiver.received}"
    )
    # Most flows back off; on a loaded machine one was seen held in its first call for over 10 s instead (see
    # docs/reliability.md), so the test asks for back-off by most, and for every order once in NetSuite.
    assert len(backed_off) >= ORDERS // 2, f"only {len(backed_off)} of {ORDERS} orders backed off"
    for events in (events for events in retries.values() if events):
        assert all(e.error_class == "transient" for e in events), events
        assert any(
            "NetSuite" in (e.message or "") and "before an answer" in (e.message or "") for e in events
        )
        assert all((e.detail or {}).get("delay_s") is not None for e in events), "backoff delay not recorded"
    assert counts == Counter({numbers[o]: 1 for o in placed}), "an order is missing from NetSuite or twice"
    assert len(receiver.received) == 1, f"exactly one alert, for the backlog: {receiver.received}"
    assert receiver.received[0]["title"].startswith("erpsync: flow order_to_erp is")
    assert "oldest record of order_to_erp not yet synced" in receiver.received[0]["message"]
