"""The chaos run: orders through store → ERP → fulfillment → store while both sandboxes misbehave.

Used by tests/chaos/test_chaos_order_to_cash.py (CI size) and by hand at any size:

    python -m tests.chaos.chaos_run --orders 10000 --workers 3 --kills 3 \\
        --database postgresql://postgres@127.0.0.1:5432/chaos

What goes wrong on purpose:
- both sandboxes fail ``error_rate`` of their API calls (5xx, connection resets, throttles, timeouts), drawn
  from a seeded random so a failing run can be replayed;
- Shopify delivers each webhook once or twice (same webhook id), out of order, for two topics per order
  (orders/create and orders/paid: two deliveries that both enqueue the same order);
- a share of the orders is placed before the webhook subscription exists: only the reconcile poll
  can find them;
- a few orders carry a data error on purpose (a discount code NetSuite has no discount item for, a SKU
  NetSuite has no item for): they must be parked / held with their reason, never synced or lost;
- on PostgreSQL, worker processes besides this one share the work and are SIGKILLed at random moments,
  each started again under its own worker id.

What must hold at the end (``Outcome.problems`` lists every breach, empty means the promise was kept):
every good order once in NetSuite (SuiteQL count by ``otherRefNum``), every shipped order fulfilled once in
Shopify, no order lost (synced, or parked in the exception queue with its reason), every bad order parked
or held with its reason and absent from NetSuite, inventory equal on both sides after the inventory flow's
reconcile, and the day's tie-out showing no difference but the bad orders' (each explained by its exception
or hold).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import sqlalchemy
from fastapi import FastAPI
from tests.chaos.private_postgres import private_postgres

import erpsync.demo
from erpsync.demo import SHOP_CONCURRENCY, DemoEnvironment, demo_environment, shopper_basket
from erpsync.flows import inventory, orders
from erpsync.flows.polling import MAX_PAGES_PER_POLL
from erpsync.sandboxes.common import serve_in_thread
from erpsync.store.database import resolve_url
from erpsync.web.webhooks import shopify_webhook_router

CI_ORDERS = 100
ERROR_RATE = 0.1
FAULT_KINDS = ["server_error", "reset", "throttle", "timeout"]
UNSUBSCRIBED_SHARE = 0.2  # orders placed before the webhook subscription: reconcile-only
SETTLE_SECONDS = 240.0
PROGRESS_SECONDS = 60.0
# The deliberately bad orders, one of each kind at least, about 1 % of a big run.
BAD_KINDS = ("discount_without_item", "unknown_sku")
BAD_SHARE = 0.01
DISCOUNT_CODE = "CHAOS10"

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
LEVELS_PAGE = """
query levels($after: String) {
  productVariants(first: 10, after: $after) {
    nodes { sku inventoryItem { inventoryLevels(first: 5) { nodes {
      location { id } quantities(names: ["available"]) { name quantity } } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

T = TypeVar("T")


def chaos_order_count() -> int:
    """CI size unless ERPSYNC_CHAOS_ORDERS asks for a bigger run."""
    return int(os.environ.get("ERPSYNC_CHAOS_ORDERS", CI_ORDERS))


@dataclass
class Outcome:
    orders: int
    reconcile_only: int
    bad_orders: dict[str, str] = field(default_factory=dict)  # order id -> kind of data error
    sales_orders: Counter[str] = field(default_factory=Counter)
    fulfillments: Counter[str] = field(default_factory=Counter)
    parked: dict[str, str] = field(default_factory=dict)
    held: dict[str, str] = field(default_factory=dict)
    faults_injected: dict[str, dict[str, int]] = field(default_factory=dict)
    webhook_deliveries: int = 0
    workers: int = 1
    shop_concurrency: int = SHOP_CONCURRENCY
    kills: int = 0
    kill_moments: list[tuple[str, float]] = field(default_factory=list)  # (worker id, seconds after start)
    flows_started_by_worker: Counter[str] = field(default_factory=Counter)
    duplicate_deliveries: int = 0
    inventory_levels_compared: int = 0
    tieout_differences: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def doubled(self) -> int:
        return sum(1 for n in self.sales_orders.values() if n > 1) + sum(
            1 for n in self.fulfillments.values() if n > 1
        )

    def summary(self) -> str:
        injected = {system: sum(kinds.values()) for system, kinds in self.faults_injected.items()}
        return (
            f"orders={self.orders} bad_orders={len(self.bad_orders)} reconcile_only={self.reconcile_only} "
            f"workers={self.workers} shop_concurrency={self.shop_concurrency} kills={self.kills} "
            f"kill_moments={[(w, round(s, 1)) for w, s in self.kill_moments]} "
            f"faults_injected={injected} "
            f"({self.faults_injected}) webhook_deliveries={self.webhook_deliveries} "
            f"duplicate_deliveries={self.duplicate_deliveries} parked={len(self.parked)} "
            f"held={len(self.held)} doubled={self.doubled} "
            f"inventory_levels_compared={self.inventory_levels_compared} "
            f"tieout_differences={self.tieout_differences} problems={len(self.problems)} "
            f"seconds={self.seconds:.1f} "
            f"phases={ {name: round(took, 1) for name, took in self.phases.items()} } "
            f"flows_started_by_worker={dict(self.flows_started_by_worker)}"
        )


def run_chaos(
    database_url: str,
    order_count: int,
    *,
    seed: int = 7,
    workers: int = 1,
    kills: int = 0,
    bad_orders: int | None = None,
    shop_plan: str = "standard",
    shop_concurrency: int = SHOP_CONCURRENCY,
    say: Callable[[str], None] = lambda line: None,
) -> Outcome:
    """``workers`` > 1 (PostgreSQL only): worker processes besides this one share the work; ``kills`` of
    them are SIGKILLed at random moments while the orders flow, each started again under its worker id,
    which recovers the flows it had in flight. ``bad_orders``: how many orders carry a data error (default
    about 1 %, at least one of each kind). ``shop_plan``: the Shopify sandbox's rate-limit preset (standard:
    100 cost points/s, plus: 1,000). ``shop_concurrency``: Shopify flows at once across the workers (the
    demo's 4 bounds a big run's fulfillment phase)."""
    if kills and workers < 2:
        raise ValueError("a kill needs a worker process besides this one: workers >= 2")
    if workers > 1 and database_url.startswith("sqlite"):
        raise ValueError("several worker processes need PostgreSQL (SQLite serves one process)")
    started = time.monotonic()
    first_day = datetime.now(UTC).date()  # a run that crosses midnight is tied out for both days
    rng = random.Random(seed)
    settle = max(SETTLE_SECONDS, 1.0 * order_count)  # a bigger run's backlog takes longer to drain
    bad_count = bad_orders if bad_orders is not None else max(len(BAD_KINDS), int(order_count * BAD_SHARE))
    with (
        _recording_sandboxes() as sandboxes,
        demo_environment(database_url, worker_id="chaos", shop_concurrency=shop_concurrency) as env,
        _webhook_intake(env) as intake_url,
        _one_shopify_client(env),
        WorkerProcesses(
            database_url,
            env,
            sandboxes,
            count=workers - 1,
            rng=rng,
            started=started,
            shop_concurrency=shop_concurrency,
        ) as pool,
        ExitStack() as running,
    ):
        env.wait_seconds = settle  # one poll of a big run's shipments outlasts the demo's 120 s
        httpx.put(f"{env.shopify_url}/_sandbox/rate-limit", json={"preset": shop_plan}).raise_for_status()
        env.sync_catalog()
        skus = env.erp_skus()
        _stock_up(env, skus, order_count)
        variants = env._variants_by_sku()
        env._variants_by_sku = lambda: variants  # type: ignore[method-assign]  # the shopper's page, read once
        store_only = sorted(set(variants) - set(skus))
        _misbehave(env, seed)
        unsubscribed = int(order_count * UNSUBSCRIBED_SHARE)
        bad_at = _bad_positions(rng, unsubscribed, order_count, bad_count)
        say(f"placing {order_count} orders ({bad_count} bad) with {workers} worker(s)")
        outcome = Outcome(
            orders=order_count,
            reconcile_only=unsubscribed,
            workers=workers,
            shop_concurrency=shop_concurrency,
        )
        placed: list[str] = []
        running.enter_context(_progress(env, placed, outcome, started, say))
        for n in range(unsubscribed):
            placed.append(_place(env, rng, skus, n))
        for topic in ("ORDERS_CREATE", "ORDERS_PAID"):
            created = _patiently(partial(env._graphql, SUBSCRIBE, {"topic": topic, "url": intake_url}))
            assert not created["webhookSubscriptionCreate"]["userErrors"], created
        with _killing(pool, kills, window=max(5.0, 0.5 * order_count), rng=rng):
            for n in range(unsubscribed, order_count):
                if n in bad_at:
                    kind = bad_at[n]
                    order_id = _place_bad(env, rng, skus, store_only, n, kind)
                    outcome.bad_orders[order_id] = kind
                else:
                    order_id = _place(env, rng, skus, n)
                placed.append(order_id)
            outcome.phases["place"] = time.monotonic() - started
            say(f"placed after {outcome.phases['place']:.0f} s")

            _reconcile(env, "reconcile-1", settle)
            env.shopify_sandbox.webhooks.wait_idle(settle)
            _reconcile(env, "reconcile-2", settle)  # a second sweep over everything: must double nothing
            _wait_for(lambda: _unsettled(env, placed) == [], "every order synced, parked or held", settle)
        outcome.kills, outcome.kill_moments = pool.kills, list(pool.kill_moments)
        outcome.phases["orders_synced"] = time.monotonic() - started
        say(f"orders synced after {outcome.phases['orders_synced']:.0f} s; kills {outcome.kill_moments}")

        env.ship_open_orders()
        shipped = _sales_orders_shipped(env)
        for attempt in range(20):
            env.run_poll("poll_erp_fulfillments", f"chaos-{attempt}")
            if _fulfilled_in_store(env) >= shipped:
                break
        env.run_poll("poll_erp_fulfillments", "chaos-again")  # re-reading shipments doubles nothing
        outcome.phases["fulfilled"] = time.monotonic() - started
        # Stock moved on both sides (Shopify at checkout, NetSuite at shipping): the inventory flow's
        # reconcile, still under faults, must leave the store showing what the ERP has.
        inventory_run = env.engine.enqueue(inventory.FLOW, "chaos-reconcile", {"reconcile": True})
        reconciled = inventory_run.result(settle)
        if reconciled.status != "completed":
            outcome.problems.append(f"inventory reconcile did not complete: {reconciled.reason}")
        outcome.phases["inventory_reconciled"] = time.monotonic() - started
        say(f"fulfilled and inventory reconciled after {outcome.phases['inventory_reconciled']:.0f} s")

        _calm(env)
        outcome.faults_injected = _injected(env)
        # The totals, not the delivery log: it keeps the last 2,000 attempts, a big run makes ~25,000.
        deliveries = env.shopify_sandbox.webhooks.totals()
        outcome.webhook_deliveries = deliveries["attempts"]
        outcome.duplicate_deliveries = deliveries["attempts"] - deliveries["webhooks"]
        _check(env, placed, outcome)
        _check_inventory(env, skus, outcome)
        _check_tieout(env, outcome, first_day)
        outcome.phases["checked"] = time.monotonic() - started
        outcome.flows_started_by_worker = _flows_started_by_worker(database_url)
    outcome.seconds = time.monotonic() - started
    return outcome


# --- worker processes, killed at random moments ---------------------------------------------------------
WORKER = Path(__file__).with_name("chaos_worker.py")


@contextmanager
def _recording_sandboxes() -> Iterator[list[Any]]:
    """The sandboxes the demo builds, so worker processes can connect to them too."""
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


class WorkerProcesses:
    """``count`` real worker processes (tests/chaos/chaos_worker.py, ids chaos-2, chaos-3, ...) on the same
    database and sandboxes as this process (worker ``chaos``)."""

    def __init__(
        self,
        database_url: str,
        env: DemoEnvironment,
        sandboxes: list[Any],
        *,
        count: int,
        rng: random.Random,
        started: float,
        shop_concurrency: int = SHOP_CONCURRENCY,
    ) -> None:
        self.database_url = database_url
        self.shop_concurrency = shop_concurrency
        self.ids = [f"chaos-{n}" for n in range(2, count + 2)]
        self.kills = 0
        self.kill_moments: list[tuple[str, float]] = []
        self.processes: dict[str, subprocess.Popen[str]] = {}
        self._rng = rng
        self._started = started
        self._lock = threading.Lock()
        urls = {"shopify": env.shopify_url, "netsuite": env.desk.url}  # type: ignore[attr-defined]
        self._sandboxes = {
            s.platform: {"url": urls[s.platform], "credentials": s.credentials()} for s in sandboxes
        }
        self._folder: Path | None = None

    def __enter__(self) -> WorkerProcesses:
        for worker_id in self.ids:
            self._start(worker_id)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._folder is not None:  # credentials go; the workers' logs stay for a post-mortem
            (self._folder / "sandboxes.json").unlink(missing_ok=True)

    def kill_one(self) -> None:
        """SIGKILL a worker drawn at random, then start it again under the same id: DBOS recovers the flows
        it had in flight."""
        with self._lock:
            worker_id = self._rng.choice(self.ids)
            process = self.processes[worker_id]
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            self.kills += 1
            self.kill_moments.append((worker_id, time.monotonic() - self._started))
            self._start(worker_id)

    def _start(self, worker_id: str) -> None:
        if self._folder is None:  # the sandboxes' credentials, for the workers only, in a private temp folder
            self._folder = Path(tempfile.mkdtemp(prefix="chaos-worker-"))
            (self._folder / "sandboxes.json").write_text(json.dumps(self._sandboxes))
        command = [sys.executable, str(WORKER), "--database-url", self.database_url,
                   "--worker-id", worker_id, "--sandboxes", str(self._folder / "sandboxes.json"),
                   "--shop-concurrency", str(self.shop_concurrency)]  # fmt: skip
        log = (self._folder / f"{worker_id}-{self.kills}.log").open("w")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.strip() == "ready", f"chaos worker {worker_id} did not start; see {log.name}"
        self.processes[worker_id] = process


@contextmanager
def _killing(pool: WorkerProcesses, kills: int, *, window: float, rng: random.Random) -> Iterator[None]:
    """SIGKILL ``kills`` workers at moments drawn at random over ``window`` seconds from now, while the
    block's orders flow; kills whose moment the block outlived happen as it ends (the summary says when)."""
    moments = sorted(rng.uniform(0.5, window) for _ in range(kills))
    stop = threading.Event()
    begun = time.monotonic()

    def killer() -> None:
        for moment in moments:
            if stop.wait(max(0.0, begun + moment - time.monotonic())):
                return
            pool.kill_one()

    thread = threading.Thread(target=killer, name="chaos-killer", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=60)
    for _ in range(kills - pool.kills):
        pool.kill_one()


@contextmanager
def _progress(
    env: DemoEnvironment,
    placed: list[str],
    outcome: Outcome,
    started: float,
    say: Callable[[str], None],
    every: float = PROGRESS_SECONDS,
) -> Iterator[None]:
    """A line every ``every`` seconds while the run goes (a 10,000-order run is otherwise silent for an hour
    between phases): orders placed, settled (in NetSuite, parked or held), fulfilled in Shopify."""
    stop = threading.Event()
    shop = env.shopify_sandbox.store_for(env.shopify_credentials["shop_domain"])

    def report() -> None:
        while not stop.wait(every):
            try:
                now = list(placed)
                settled = len(now) - len(_unsettled(env, now))
                fulfilled = len({f["order_id"] for f in shop.rows("fulfillments")})
            except Exception as error:  # a progress line never ends the run
                say(f"progress: not read ({error!r})")
                continue
            say(
                f"progress at {time.monotonic() - started:.0f} s: {len(now)} placed, {settled} synced, "
                f"parked or held, {fulfilled} fulfilled in Shopify; phases done {list(outcome.phases)}"
            )

    thread = threading.Thread(target=report, name="chaos-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=60)


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


def _place_bad(
    env: DemoEnvironment, rng: random.Random, skus: list[str], store_only: list[str], number: int, kind: str
) -> str:
    """An order with a data error: a discount code (the demo's NetSuite settings name no discount item), or
    a SKU only the store sells (NetSuite has no item for it)."""
    email = f"chaos{number}@example.com"
    if kind == "discount_without_item":
        # Priced lines only: on a basket of free items (the catalog's SHIPPING item sells at 0.00) the code
        # takes 0.00 off, which NetSuite rightly books without a discount item (10,000-order run: #7515).
        variants = env._variants_by_sku()
        priced = [sku for sku in skus if Decimal(str(variants[sku]["price"])) > 0]
        basket = shopper_basket(rng, priced)
        return _patiently(lambda: env.place_order(basket, email=email, code=DISCOUNT_CODE))
    if not store_only:
        raise AssertionError("the Shopify sandbox's seed has no SKU NetSuite lacks: no unknown-SKU order")
    sku = rng.choice(store_only)
    return _patiently(lambda: env.place_order([(sku, 1)], email=email))


def _bad_positions(rng: random.Random, first: int, end: int, count: int) -> dict[int, str]:
    """Which order numbers (among those placed with webhooks on) are bad, and with which data error."""
    positions = rng.sample(range(first, end), k=min(count, end - first))
    return {position: BAD_KINDS[n % len(BAD_KINDS)] for n, position in enumerate(sorted(positions))}


def _patiently(action: Callable[[], T], attempts: int = 30) -> T:
    for attempt in range(attempts):
        try:
            return action()
        except (httpx.HTTPError, RuntimeError, KeyError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def _reconcile(env: DemoEnvironment, trigger: str, settle: float) -> None:
    """A reconcile from the first order. A sweep (``swept``: one bulk read of every order id, queueing those
    NetSuite has no sales order for) covers the shop in one poll. Without one, a poll pages through at most
    MAX_PAGES_PER_POLL pages, so a big shop's reconcile goes on in the following polls from where it stopped
    (as the scheduled poll does in production)."""
    full_poll = MAX_PAGES_PER_POLL * int(getattr(env.hub.shop, "page_size", 25))
    record: dict[str, Any] = {"reconcile": True}
    for part in range(1000):
        polled = env.engine.enqueue(orders.POLLER, f"{trigger}-{part}", record).result(settle)
        assert polled.status == "completed", f"reconcile poll {trigger}-{part}: {polled.reason}"
        # A sweep that queued a full poll's worth is not cut short: going on with plain polls re-read every
        # order one by one from the start (the intake cursor was never moved), 10,000 reads in one flow.
        if polled.value.get("swept") or int(polled.value["enqueued"]) < full_poll:
            return
        record = {}


@contextmanager
def _one_shopify_client(env: DemoEnvironment) -> Iterator[None]:
    """The shoppers' and the checks' GraphQL calls over one kept-alive client: the demo's ``_graphql`` opens a
    client per call, whose TLS context alone took ~60 % of order placement in a profile (reliability.md)."""
    credentials = env.shopify_credentials
    headers = {"X-Shopify-Access-Token": credentials["access_token"], "Host": credentials["shop_domain"]}
    client = httpx.Client(base_url=env.shopify_url, timeout=30, headers=headers)

    def graphql(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = client.post(credentials["graphql_path"], json={"query": query, "variables": variables})
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(f"Shopify sandbox GraphQL errors: {body['errors']}")
        return dict(body["data"])

    env._graphql = graphql  # type: ignore[method-assign]
    try:
        yield
    finally:
        client.close()


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
    """The placed orders neither linked to a NetSuite sales order, nor parked, nor held: one query per 500
    orders (a lookup per order made each check of a 10,000-order run 10,000 queries, every 0.2 s)."""
    store = env.hub.store
    keys = {order_id: f"shopify:{order_id}" for order_id in placed}
    settled = {e.business_key for e in store.exceptions(status="open") if e.flow == orders.FLOW}
    settled |= {h.business_key for h in store.holds() if h.flow == orders.FLOW}
    settled |= store.linked_keys("netsuite", "order", keys.values())
    return [order_id for order_id, key in keys.items() if key not in settled]


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
    exceptions = [e for e in store.exceptions(status="open") if e.flow == orders.FLOW]
    outcome.parked = {e.business_key: e.message for e in exceptions}
    holds = {h.business_key: h for h in store.holds() if h.flow == orders.FLOW}
    outcome.held = {key: hold.waits_on for key, hold in holds.items()}
    for order_id in placed:
        key, number = f"shopify:{order_id}", numbers[order_id]
        in_erp = outcome.sales_orders.get(number, 0)
        if order_id in outcome.bad_orders:
            _check_bad(outcome, order_id, number, in_erp, [e for e in exceptions if e.business_key == key])
            continue
        if key in outcome.parked:
            if not outcome.parked[key]:
                outcome.problems.append(f"order {number} parked without a reason")
            continue
        if key in outcome.held:
            outcome.problems.append(f"good order {number} is held on {outcome.held[key]}")
            continue
        if in_erp != 1:
            outcome.problems.append(f"order {number} is {in_erp} times in NetSuite, not once")
        if outcome.fulfillments.get(order_id, 0) != 1:
            outcome.problems.append(
                f"order {number} has {outcome.fulfillments.get(order_id, 0)} fulfillments in Shopify, not 1"
            )
    extra = set(outcome.sales_orders) - set(numbers.values())
    outcome.problems += [f"NetSuite has sales order {ref} that no placed order explains" for ref in extra]


def _check_bad(outcome: Outcome, order_id: str, number: str, in_erp: int, exceptions: list[Any]) -> None:
    """A bad order is never synced, and waits visibly with its reason: parked as a data error naming the
    field and a fix (discount), or held on the SKU it needs (unknown SKU, released once the item exists)."""
    key, kind = f"shopify:{order_id}", outcome.bad_orders[order_id]
    if in_erp:
        outcome.problems.append(f"bad order {number} ({kind}) reached NetSuite {in_erp} time(s)")
    if outcome.fulfillments.get(order_id, 0):
        outcome.problems.append(f"bad order {number} ({kind}) was fulfilled")
    if kind == "discount_without_item":
        reasons = [e for e in exceptions if e.error_class == "data" and "discount" in e.message]
        if not reasons or not all(e.field == "discounts" and e.suggested_fix for e in reasons):
            outcome.problems.append(
                f"bad order {number} ({kind}) is not parked as a data error with field and fix: "
                f"{[(e.error_class, e.message) for e in exceptions]}"
            )
    elif not (outcome.held.get(key) or "").startswith("variant:"):
        outcome.problems.append(
            f"bad order {number} ({kind}) is not held on its SKU: {outcome.held.get(key)}"
        )


def _check_inventory(env: DemoEnvironment, skus: list[str], outcome: Outcome) -> None:
    """Every ERP level the inventory flow pushes (ERP available − safety stock, at its store location) is
    what Shopify shows as available."""
    erp_levels = []
    cursor, more = None, True
    while more:
        batch = env.hub.erp.inventory_changed_since(cursor)
        erp_levels += batch.records
        cursor, more = batch.cursor, batch.more
    expected = {
        (level.sku, level.location_code): level.available
        for level in inventory.store_levels(erp_levels, env.hub)
        if level.sku in skus
    }
    shown: dict[tuple[str, str], int] = {}
    after: str | None = None
    while True:
        page = _patiently(partial(env._graphql, LEVELS_PAGE, {"after": after}))["productVariants"]
        for node in page["nodes"]:
            for level in node["inventoryItem"]["inventoryLevels"]["nodes"]:
                location = level["location"]["id"].rsplit("/", 1)[-1]
                available = {q["name"]: q["quantity"] for q in level["quantities"]}["available"]
                shown[(node["sku"], location)] = available
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    outcome.inventory_levels_compared = len(expected)
    if not expected:
        outcome.problems.append("no ERP inventory level to compare")
    for (sku, location), available in sorted(expected.items()):
        if shown.get((sku, location)) != available:
            outcome.problems.append(
                f"inventory of {sku} at store location {location}: NetSuite says {available} available, "
                f"Shopify shows {shown.get((sku, location))}"
            )


def _check_tieout(env: DemoEnvironment, outcome: Outcome, first_day: date) -> None:
    """Each day's tie-out since the run began (flows/tieout.py) differs only where an order waits visibly in
    erpsync: a bad order (or a good one parked with its reason) is ``missing_in_erp``; anything else is a
    breach."""
    report = env.tie_out_since(first_day)
    rows = report["rows"]
    outcome.tieout_differences = len(rows)
    explained = set(outcome.parked) | set(outcome.held)
    for row in rows:
        if row["difference"] == "missing_in_erp" and row["business_key"] in explained:
            continue
        outcome.problems.append(f"tie-out difference not explained by the exception queue: {row}")
    missing = {row["business_key"] for row in rows}
    for order_id in outcome.bad_orders:
        if f"shopify:{order_id}" not in missing:
            outcome.problems.append(f"tie-out does not show bad order {order_id} as missing in the ERP")


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


# --- the full-size command ---------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.chaos.chaos_run",
        description="The chaos run at any size; prints progress and the outcome; exits 1 on any breach.",
    )
    parser.add_argument("--orders", type=int, default=CI_ORDERS)
    parser.add_argument("--workers", type=int, default=1, help="worker processes in all (this one included)")
    parser.add_argument("--kills", type=int, default=0, help="SIGKILLs of worker processes at random moments")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database", help="postgresql://... (several workers) or sqlite:///...")
    where.add_argument(
        "--private-postgres",
        action="store_true",
        help="start a PostgreSQL server of the run's own (initdb + pg_ctl), leaving shared servers alone",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--shop-plan",
        default="standard",
        help="Shopify rate-limit preset: standard (100 points/s), advanced, plus (1,000), enterprise",
    )
    parser.add_argument(
        "--shop-concurrency",
        type=int,
        default=SHOP_CONCURRENCY,
        help=f"Shopify flows at once across all workers (default: the demo's {SHOP_CONCURRENCY})",
    )
    parser.add_argument("--json", type=Path, help="also write the outcome's figures to this file")
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        print(f"[{datetime.now(UTC):%H:%M:%S}] {line}", flush=True)

    with ExitStack() as stack:
        database = args.database
        if args.private_postgres:
            database = stack.enter_context(private_postgres(max_connections=300)).url
            say(f"private PostgreSQL at {database}")
        outcome = run_chaos(
            database,
            args.orders,
            seed=args.seed,
            workers=args.workers,
            kills=args.kills,
            shop_plan=args.shop_plan,
            shop_concurrency=args.shop_concurrency,
            say=say,
        )
    say(outcome.summary())
    for problem in outcome.problems[:50]:
        say(f"PROBLEM: {problem}")
    if args.json:
        figures = {
            key: value
            for key, value in vars(outcome).items()
            if key not in ("sales_orders", "fulfillments", "parked", "held")
        }
        figures.update(doubled=outcome.doubled, parked=len(outcome.parked), held=len(outcome.held))
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 1 if outcome.problems else 0


if __name__ == "__main__":
    sys.exit(main())
