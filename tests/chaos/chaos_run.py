"""The chaos run: orders through store → ERP → fulfillment → store while both sandboxes misbehave.

Used by tests/chaos/test_chaos_order_to_cash.py (CI size) and by hand at full size:

    ERPSYNC_CHAOS_ORDERS=500 .venv/bin/pytest tests/chaos -k postgres -s

What goes wrong on purpose:
- both sandboxes fail ``error_rate`` of their API calls (5xx, connection resets, throttles, timeouts), drawn
  from a seeded random so a failing run can be replayed;
- Shopify delivers each webhook once or twice (same webhook id), out of order, for two topics per order
  (orders/create and orders/paid: two deliveries that both enqueue the same order);
- a share of the orders is placed before the webhook subscription exists: only the reconcile poll
  can find them.

What must hold at the end (``Outcome.problems`` lists every breach, empty means the promise was kept):
every order once in NetSuite (SuiteQL count by ``otherRefNum``), every shipped order fulfilled once in
Shopify, and no order lost (synced, or parked in the exception queue with its reason).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import sqlalchemy
from fastapi import FastAPI

import erpsync.demo
from erpsync.demo import DemoEnvironment, demo_environment, shopper_basket
from erpsync.flows import orders
from erpsync.sandboxes.common import serve_in_thread
from erpsync.store.database import resolve_url
from erpsync.web.webhooks import shopify_webhook_router

CI_ORDERS = 20
ERROR_RATE = 0.1
FAULT_KINDS = ["server_error", "reset", "throttle", "timeout"]
UNSUBSCRIBED_SHARE = 0.2  # orders placed before the webhook subscription: reconcile-only
SETTLE_SECONDS = 240.0

SUBSCRIBE = """
mutation subscribe($topic: WebhookSubscriptionTopic!, $url: URL!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {callbackUrl: $url}) {
    webhookSubscription { id } userErrors { field message }
  }
}"""
FULFILLMENTS_PAGE = """
query page($after: String) {
  orders(first: 100, after: $after, sortKey: ID) {
    nodes { id name fulfillments { id } }
    pageInfo { hasNextPage endCursor }
  }
}"""

T = TypeVar("T")


def chaos_order_count() -> int:
    """CI size unless ERPSYNC_CHAOS_ORDERS asks for the full run."""
    return int(os.environ.get("ERPSYNC_CHAOS_ORDERS", CI_ORDERS))


@dataclass
class Outcome:
    orders: int
    reconcile_only: int
    sales_orders: Counter[str] = field(default_factory=Counter)
    fulfillments: Counter[str] = field(default_factory=Counter)
    parked: dict[str, str] = field(default_factory=dict)
    faults_injected: dict[str, dict[str, int]] = field(default_factory=dict)
    webhook_deliveries: int = 0
    kills: int = 0
    flows_started_by_worker: Counter[str] = field(default_factory=Counter)
    duplicate_deliveries: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        injected = {system: sum(kinds.values()) for system, kinds in self.faults_injected.items()}
        doubled = sum(1 for n in self.sales_orders.values() if n > 1) + sum(
            1 for n in self.fulfillments.values() if n > 1
        )
        return (
            f"orders={self.orders} reconcile_only={self.reconcile_only} kills={self.kills} "
            f"faults_injected={injected} "
            f"({self.faults_injected}) webhook_deliveries={self.webhook_deliveries} "
            f"duplicate_deliveries={self.duplicate_deliveries} parked={len(self.parked)} "
            f"doubled={doubled} problems={len(self.problems)} seconds={self.seconds:.1f} "
            f"phases={ {name: round(took, 1) for name, took in self.phases.items()} } "
            f"flows_started_by_worker={dict(self.flows_started_by_worker)}"
        )


def run_chaos(database_url: str, order_count: int, *, seed: int = 7, kill_a_worker: bool = False) -> Outcome:
    """``kill_a_worker`` (PostgreSQL only): a second worker process shares the work and is SIGKILLed mid-run,
    then started again under the same worker id, which recovers the flows it had in flight."""
    started = time.monotonic()
    rng = random.Random(seed)
    with (
        _recording_sandboxes() as sandboxes,
        demo_environment(database_url, worker_id="chaos") as env,
        _webhook_intake(env) as intake_url,
        SecondWorker(database_url, env, sandboxes, enabled=kill_a_worker) as second,
    ):
        env.sync_catalog()
        skus = env.erp_skus()
        _stock_up(env, skus, order_count)
        variants = env._variants_by_sku()
        env._variants_by_sku = lambda: variants  # type: ignore[method-assign]  # the shopper's page, read once
        _misbehave(env, seed)
        unsubscribed = int(order_count * UNSUBSCRIBED_SHARE)
        placed = [_place(env, rng, skus, n) for n in range(unsubscribed)]
        for topic in ("ORDERS_CREATE", "ORDERS_PAID"):
            created = _patiently(partial(env._graphql, SUBSCRIBE, {"topic": topic, "url": intake_url}))
            assert not created["webhookSubscriptionCreate"]["userErrors"], created
        placed += [_place(env, rng, skus, n) for n in range(unsubscribed, order_count)]
        outcome = Outcome(orders=len(placed), reconcile_only=unsubscribed)
        outcome.phases["place"] = time.monotonic() - started

        _reconcile(env, "reconcile-1")
        if kill_a_worker:
            second.kill_and_restart()
            outcome.kills = second.kills
        env.shopify_sandbox.webhooks.wait_idle(SETTLE_SECONDS)
        _reconcile(env, "reconcile-2")  # a second sweep over everything: must double nothing
        _wait_for(lambda: _unsettled(env, placed) == [], "every order synced or parked")
        outcome.phases["orders_synced"] = time.monotonic() - started

        env.ship_open_orders()
        shipped = _sales_orders_shipped(env)
        for attempt in range(20):
            env.run_poll("poll_erp_fulfillments", f"chaos-{attempt}")
            if _fulfilled_in_store(env) >= shipped:
                break
        env.run_poll("poll_erp_fulfillments", "chaos-again")  # re-reading shipments doubles nothing

        outcome.phases["fulfilled"] = time.monotonic() - started
        _calm(env)
        outcome.faults_injected = _injected(env)
        deliveries = env.shopify_sandbox.webhooks.log()
        outcome.webhook_deliveries = len(deliveries)
        outcome.duplicate_deliveries = len(deliveries) - len({d["webhook_id"] for d in deliveries})
        _check(env, placed, outcome)
        outcome.flows_started_by_worker = _flows_started_by_worker(database_url)
    outcome.seconds = time.monotonic() - started
    return outcome


# --- a second worker process, killed mid-run ------------------------------------------------------------
WORKER = Path(__file__).with_name("chaos_worker.py")


@contextmanager
def _recording_sandboxes() -> Iterator[list[Any]]:
    """The sandboxes the demo builds, so a second worker process can connect to them too."""
    built: list[Any] = []
    original = erpsync.demo.build_sandbox

    def record(platform: str, **options: Any) -> Any:
        built.append(original(platform, **options))
        return built[-1]

    erpsync.demo.build_sandbox = record
    try:
        yield built
    finally:
        erpsync.demo.build_sandbox = original


class SecondWorker:
    """A real worker process (tests/chaos/chaos_worker.py) on the same database and sandboxes."""

    def __init__(
        self, database_url: str, env: DemoEnvironment, sandboxes: list[Any], *, enabled: bool
    ) -> None:
        self.enabled = enabled
        self.database_url = database_url
        self.kills = 0
        self.process: subprocess.Popen[str] | None = None
        urls = {"shopify": env.shopify_url, "netsuite": env.desk.url}  # type: ignore[attr-defined]
        self._sandboxes = {
            s.platform: {"url": urls[s.platform], "credentials": s.credentials()} for s in sandboxes
        }
        self._folder: Path | None = None

    def __enter__(self) -> SecondWorker:
        if self.enabled:
            self._start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def kill_and_restart(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1
        self._start()  # the same worker id: DBOS recovers the flows it had in flight

    def _start(self) -> None:
        if self._folder is None:  # the sandboxes' credentials, for the worker only, in a private temp folder
            self._folder = Path(tempfile.mkdtemp(prefix="chaos-worker-"))
            (self._folder / "sandboxes.json").write_text(json.dumps(self._sandboxes))
        command = [sys.executable, str(WORKER), "--database-url", self.database_url,
                   "--worker-id", "chaos-2", "--sandboxes", str(self._folder / "sandboxes.json")]  # fmt: skip
        log = (self._folder / f"worker-{self.kills}.log").open("w")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        assert ready.strip() == "ready", f"chaos worker did not start; see {log.name}"


# --- the faults ----------------------------------------------------------------------------------------
def _misbehave(env: DemoEnvironment, seed: int) -> None:
    rule = {"error_rate": ERROR_RATE, "kinds": FAULT_KINDS}
    for url in _sandbox_urls(env):
        put = httpx.put(
            f"{url}/_sandbox/faults", json={"rules": [rule], "timeout_seconds": 0.5, "seed": seed}
        )
        put.raise_for_status()
    env.shopify_sandbox.webhooks.configure(
        {"time_scale": 0.001, "duplicate_rate": 0.5, "reorder_window_seconds": 1.0, "seed": seed}
    )


def _calm(env: DemoEnvironment) -> None:
    """Faults off before counting, so the checks read both systems reliably (the counters stay)."""
    for url in _sandbox_urls(env):
        current = httpx.get(f"{url}/_sandbox/faults").json()
        httpx.put(f"{url}/_sandbox/faults", json={"rules": []}).raise_for_status()
        assert current["rules"], "faults were on during the run"


def _injected(env: DemoEnvironment) -> dict[str, dict[str, int]]:
    names = ("shopify", "netsuite")
    return {
        name: dict(httpx.get(f"{url}/_sandbox/faults").json()["injected"])
        for name, url in zip(names, _sandbox_urls(env), strict=True)
    }


def _sandbox_urls(env: DemoEnvironment) -> list[str]:
    return [env.shopify_url, env.desk.url]  # type: ignore[attr-defined]


# --- what shoppers and the warehouse do -------------------------------------------------------------------
def _stock_up(env: DemoEnvironment, skus: list[str], order_count: int) -> None:
    """Enough NetSuite stock everywhere that no order waits as a backorder (that is the ERP's business)."""
    client = env.hub.erp.client  # type: ignore[attr-defined]
    items = {
        row["itemid"]: row["id"]
        for row in client.suiteql_rows("SELECT id, itemid FROM item WHERE itemtype = 'InvtPart'")
    }
    locations = [row["id"] for row in client.suiteql_rows("SELECT id FROM location")]
    lines = [
        {"item": {"id": items[sku]}, "location": {"id": location}, "adjustQtyBy": 2 * order_count + 10}
        for sku in skus
        if sku in items
        for location in locations
    ]
    client.create("inventoryAdjustment", {"subsidiary": {"id": "1"}, "inventory": {"items": lines}})


def _place(env: DemoEnvironment, rng: random.Random, skus: list[str], number: int) -> str:
    """A shopper's checkout; retried by the shopper when Shopify fails it (a fault comes before the order
    is written, so a retry never doubles it)."""
    basket = shopper_basket(rng, skus)
    return _patiently(lambda: env.place_order(basket, email=f"chaos{number}@example.com"))


def _patiently(action: Callable[[], T], attempts: int = 30) -> T:
    for attempt in range(attempts):
        try:
            return action()
        except (httpx.HTTPError, RuntimeError, KeyError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def _reconcile(env: DemoEnvironment, trigger: str) -> None:
    polled = env.engine.enqueue(orders.POLLER, trigger, {"reconcile": True}).result(SETTLE_SECONDS)
    assert polled.status == "completed", f"reconcile poll {trigger}: {polled.reason}"


@contextmanager
def _webhook_intake(env: DemoEnvironment) -> Iterator[str]:
    secret = env.shopify_credentials["webhook_secret"]
    app = FastAPI()
    app.include_router(
        shopify_webhook_router(store=env.hub.store, engine=env.engine, secrets=lambda: [secret])
    )
    with serve_in_thread(app) as web:
        yield f"{web.url}/webhooks/shopify"


# --- reading the outcome ---------------------------------------------------------------------------------
def _unsettled(env: DemoEnvironment, placed: list[str]) -> list[str]:
    parked = {e.business_key for e in env.hub.store.exceptions(status="open") if e.flow == orders.FLOW}
    return [
        order_id
        for order_id in placed
        if env.hub.store.external_id("netsuite", "order", f"shopify:{order_id}") is None
        and f"shopify:{order_id}" not in parked
    ]


def _sales_orders_shipped(env: DemoEnvironment) -> int:
    client = env.hub.erp.client  # type: ignore[attr-defined]
    rows = _patiently(
        lambda: list(client.suiteql_rows("SELECT COUNT(*) AS n FROM transaction WHERE type = 'ItemShip'"))
    )
    return int(rows[0]["n"])


def _fulfilled_in_store(env: DemoEnvironment) -> int:
    return sum(1 for count in _store_fulfillments(env).values() if count)


def _store_fulfillments(env: DemoEnvironment) -> Counter[str]:
    return Counter({order_id: fulfillments for order_id, (_, fulfillments) in _store_orders(env).items()})


def _store_orders(env: DemoEnvironment) -> dict[str, tuple[str, int]]:
    """Every Shopify order: its name (what NetSuite's ``otherRefNum`` holds) and its fulfillment count."""
    found: dict[str, tuple[str, int]] = {}
    after: str | None = None
    while True:
        page = _patiently(partial(env._graphql, FULFILLMENTS_PAGE, {"after": after}))["orders"]
        for node in page["nodes"]:
            found[node["id"].rsplit("/", 1)[-1]] = (node["name"], len(node["fulfillments"]))
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def _check(env: DemoEnvironment, placed: list[str], outcome: Outcome) -> None:
    store = env.hub.store
    store_orders = _store_orders(env)
    numbers = {order_id: store_orders[order_id][0] for order_id in placed}
    client = env.hub.erp.client  # type: ignore[attr-defined]
    rows = client.suiteql_rows(
        "SELECT otherrefnum, COUNT(*) AS n FROM transaction WHERE type = 'SalesOrd' GROUP BY otherrefnum"
    )
    outcome.sales_orders = Counter({str(row.get("otherrefnum")): int(row["n"]) for row in rows})
    outcome.fulfillments = Counter({order_id: count for order_id, (_, count) in store_orders.items()})
    outcome.parked = {
        e.business_key: e.message for e in store.exceptions(status="open") if e.flow == orders.FLOW
    }
    for order_id in placed:
        key, number = f"shopify:{order_id}", numbers[order_id]
        in_erp = outcome.sales_orders.get(number, 0)
        if key in outcome.parked:
            if not outcome.parked[key]:
                outcome.problems.append(f"order {number} parked without a reason")
            continue
        if in_erp != 1:
            outcome.problems.append(f"order {number} is {in_erp} times in NetSuite, not once")
        if outcome.fulfillments.get(order_id, 0) != 1:
            outcome.problems.append(
                f"order {number} has {outcome.fulfillments.get(order_id, 0)} fulfillments in Shopify, not 1"
            )
    extra = set(outcome.sales_orders) - set(numbers.values())
    outcome.problems += [f"NetSuite has sales order {ref} that no placed order explains" for ref in extra]


def _flows_started_by_worker(database_url: str) -> Counter[str]:
    """Which worker started how many flow runs (the engine's timeline "started" events name the worker)."""
    engine = sqlalchemy.create_engine(resolve_url(database_url))
    try:
        with engine.connect() as connection:
            details = connection.execute(
                sqlalchemy.text("SELECT detail FROM timeline_events WHERE step = 'started'")
            ).scalars()
            return Counter(
                str((json.loads(d) if isinstance(d, str) else d or {}).get("worker")) for d in details
            )
    finally:
        engine.dispose()


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = SETTLE_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
