"""Benchmark 1, API budget utilisation: how close erpsync runs to each API's budget, and how often it is
throttled for trying to go faster.

- ``shopify_inventory``: absolute inventory pushes (``ShopifyConnector.set_inventory``: SKU look-ups and
  ``inventorySetQuantities``) from several threads into the Shopify sandbox at a rate-limit preset (Plus:
  1000 points/s, bucket 20000), on the sandbox's real-time bucket. Achieved cost throughput once the bucket
  has drained ÷ the restore rate, and the THROTTLED answers received.
- ``netsuite_orders``: store orders through the real ``order_to_erp`` flow (engine queue with concurrency 15)
  into the NetSuite sandbox with 300 ms latency per request. Achieved requests/s ÷ (15 / 0.3 s), and 429s.
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    RequestCounter,
    SandboxProcess,
    own_cpu_seconds,
    print_table,
    sandbox_process,
    write_result,
)
from erpsync.connectors.netsuite.auth import auth_from_credentials
from erpsync.connectors.netsuite.connector import NetSuiteConnector
from erpsync.connectors.shopify.connector import ShopifyConnector
from erpsync.connectors.shopify.throttle import CostBudget
from erpsync.model import InventoryLevel, Order
from erpsync.model.common import Origin

DRAINED_FRACTION = 0.25
"""The bucket counts as drained (steady state begins) below this fraction of its size: the client keeps
about one look-up's requested cost (up to ~700 points) in reserve per thread, so it never reaches zero."""
PRESETS = {"standard": 100.0, "advanced": 200.0, "plus": 1000.0, "enterprise": 2000.0}
VARIANTS_QUERY = "query skus($after: String) { productVariants(first: 250, after: $after) { nodes { sku } } }"


@dataclass
class CostLedger:
    """Every GraphQL answer's actual cost and bucket state, in arrival order (thread-safe)."""

    answers: list[tuple[float, float, float]] = field(default_factory=list)  # (time, actual, available)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, http: httpx.Client) -> None:
        http.event_hooks.setdefault("response", []).append(self._on_response)

    def _on_response(self, response: httpx.Response) -> None:
        response.read()
        try:
            cost = response.json().get("extensions", {}).get("cost", {})
        except ValueError:
            return
        status = cost.get("throttleStatus") or {}
        if "actualQueryCost" in cost or "currentlyAvailable" in status:
            with self._lock:
                self.answers.append(
                    (
                        time.monotonic(),
                        float(cost.get("actualQueryCost") or 0),
                        float(status.get("currentlyAvailable", 0)),
                    )
                )


def shopify_inventory(
    size: int = 40, *, preset: str = "plus", threads: int = 4, seed: int = 11, quiet: bool = False
) -> dict[str, Any]:
    """Push ``size`` rounds of every seeded SKU × location level (about 1,000 actual points a round)."""
    restore_rate = PRESETS[preset]
    with sandbox_process("shopify", seed=seed) as sandbox:
        sandbox.control("PUT", "rate-limit", {"preset": preset})
        sandbox.control("PUT", "shopify/settings", {"rate_limit_clock": "real"})
        shop = _shopify(sandbox)
        ledger = CostLedger()
        ledger.attach(shop.client._http)  # the connector's own HTTP client: what erpsync really sends
        try:
            levels = _all_levels(shop)
            time.sleep(1.0)  # let the set-up queries' points flow back: the run starts on a full bucket
            rounds = [_round(levels, random.Random(number)) for number in range(size)]
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(lambda r: shop.set_inventory(r, idempotency_key=uuid.uuid4().hex), rounds))
            elapsed = time.monotonic() - started
            throttled = shop.client.throttled_responses
        finally:
            shop.close()
    run = [answer for answer in ledger.answers if answer[0] >= started]
    result = _shopify_figures(run, started, elapsed, restore_rate, preset)
    result.update(
        {
            "rounds": size,
            "levels_per_round": len(levels),
            "threads": threads,
            "throttled": throttled,
            "requests": len(run),
        }
    )
    write_result(f"budget-shopify-{preset}", result)
    if not quiet:
        print_table(f"Shopify inventory push at the {preset} preset", list(result.items()))
    return result


def _shopify_figures(
    run: list[tuple[float, float, float]], started: float, elapsed: float, restore_rate: float, preset: str
) -> dict[str, Any]:
    bucket = 20 * restore_rate
    total_cost = sum(actual for _, actual, _ in run)
    drained = next(((t, a) for t, _, a in run if a < DRAINED_FRACTION * bucket), None)
    figures: dict[str, Any] = {
        "preset": preset,
        "restore_rate": restore_rate,
        "bucket": bucket,
        "seconds": round(elapsed, 3),
        "actual_cost": total_cost,
        "whole_run_points_per_second": round(total_cost / elapsed, 1),
        # The run started on a full bucket: the fastest possible run spends it at once and then the restore
        # rate, so it needs (cost - bucket) / rate seconds; start-up and tail count against us here.
        "whole_run_utilisation": (
            round((total_cost - bucket) / (restore_rate * elapsed), 4) if total_cost > bucket else None
        ),
    }
    if drained is None:
        figures["bucket_drained"] = False
        figures["utilisation"] = None
        figures["note"] = "the bucket never drained: the run was bounded by CPU, not by the budget"
        return figures
    drained_at, held = drained
    steady = [(t, actual) for t, actual, _ in run if t > drained_at]
    window = (started + elapsed) - drained_at
    figures["bucket_drained"] = True
    figures["drained_after_seconds"] = round(drained_at - started, 3)
    figures["steady_seconds"] = round(window, 3)
    figures["steady_points_per_second"] = round(sum(a for _, a in steady) / window, 1) if window > 0 else None
    # As for the whole run: the points the bucket still held when the window opened are not the restore
    # rate's, so they are taken off (the tail still counts against us).
    figures["utilisation"] = (
        round((sum(a for _, a in steady) - held) / (restore_rate * window), 4) if window > 0 else None
    )
    return figures


def _shopify(sandbox: SandboxProcess) -> ShopifyConnector:
    credentials = sandbox.credentials
    # A fresh budget: the process-wide one for this shop may remember another run's bucket.
    return ShopifyConnector(
        credentials["shop_domain"],
        credentials["access_token"],
        credentials["api_version"],
        base_url=sandbox.url,
        budget=CostBudget(),
    )


def _all_levels(shop: ShopifyConnector) -> list[tuple[str, str]]:
    """Every (SKU, location) pair of the store."""
    skus: list[str] = []
    after: str | None = None
    while True:
        data = shop.client.execute(VARIANTS_QUERY, {"after": after})
        nodes = data["productVariants"]["nodes"]
        skus += [node["sku"] for node in nodes if node.get("sku")]
        if len(nodes) < 250:
            break
        after = None  # the seeded store has fewer than 250 variants; paging is not needed here
        break
    locations = [location.code for location in shop.locations()]
    return [(sku, location) for sku in sorted(set(skus)) for location in locations]


def _round(levels: list[tuple[str, str]], rng: random.Random) -> list[InventoryLevel]:
    origin = Origin(system="netsuite", id="bench", updated_at=datetime.now(UTC))
    return [
        InventoryLevel(origin=origin, sku=sku, location_code=location, on_hand=q, available=q)
        for sku, location in levels
        for q in [rng.randint(0, 500)]
    ]


# --- NetSuite: order creation at the account's concurrency limit ---------------------------------------


def netsuite_orders(
    size: int = 150,
    *,
    concurrency: int = 15,
    latency_ms: int = 300,
    flows_in_flight: int | None = None,
    database_url: str | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """``size`` store orders through the order_to_erp flow into an account limited to ``concurrency``
    requests in flight, wired as ``erpsync run`` wires it (``erpsync.budgets``: request slots, and
    ``flows_in_flight`` flows, by default twice the limit; ``flows_in_flight=concurrency`` is the engine
    before request slots, for a comparison in the same run)."""
    with (
        sandbox_process("netsuite", seed=7) as sandbox,
        order_harness(
            sandbox,
            concurrency=concurrency,
            latency_ms=latency_ms,
            database_url=database_url,
            flows_in_flight=flows_in_flight,
        ) as harness,
    ):
        started, cpu = time.monotonic(), own_cpu_seconds()
        outcomes = harness.run_orders(range(1, size + 1))
        elapsed, cpu = time.monotonic() - started, own_cpu_seconds() - cpu
        governance = sandbox.control("GET", "governance")
    ceiling = concurrency / (latency_ms / 1000)
    sent = harness.counter.sent
    middle = harness.counter.middle_rate()
    result: dict[str, Any] = {
        "orders": size,
        "completed": outcomes.count("completed"),
        "concurrency": concurrency,
        "flows_in_flight": harness.flows_in_flight,
        "latency_ms": latency_ms,
        "seconds": round(elapsed, 3),
        "requests": sent,
        "requests_per_second": round(sent / elapsed, 2),
        "ceiling_requests_per_second": ceiling,
        "utilisation": round(sent / elapsed / ceiling, 4),
        # The middle 80 % of the answers: without start-up and the tail, where fewer flows than slots remain.
        "middle_80pct_utilisation": None if middle is None else round(middle / ceiling, 4),
        "orders_per_second": round(size / elapsed, 2),
        "erpsync_cpu_ms_per_order": round(cpu / size * 1000, 2),
        "http_429": harness.counter.statuses.get(429, 0),
        "sandbox_peak_in_flight": governance.get("peak"),
        "sandbox_rejected": governance.get("rejected"),
    }
    write_result("budget-netsuite", result)
    if not quiet:
        print_table(f"NetSuite order creation at concurrency {concurrency}", list(result.items()))
    return result


@dataclass
class OrderHarness:
    """erpsync's order_to_erp flow on an engine, writing to a NetSuite sandbox; requests counted."""

    engine: Any
    erp: NetSuiteConnector
    counter: RequestCounter
    flows_in_flight: int | None = None

    def run_orders(self, numbers: Iterable[int]) -> list[str]:
        """Enqueue every order at once, wait for all; their final statuses."""
        return [handle.result(600).status for handle in self.enqueue_orders(numbers)]

    def enqueue_orders(self, numbers: Iterable[int]) -> list[Any]:
        from erpsync.flows import orders

        return [
            self.engine.enqueue(orders.FLOW, f"shopify:{n}", orders.order_reference(str(n), bench_order(n)))
            for n in numbers
        ]


@contextmanager
def order_harness(
    sandbox: SandboxProcess,
    *,
    concurrency: int,
    latency_ms: int,
    database_url: str | None = None,
    flows_in_flight: int | None = None,
) -> Iterator[OrderHarness]:
    from erpsync.budgets import FLOWS_PER_REQUEST_SLOT, declare_budget
    from erpsync.config import Budget
    from erpsync.engine import Engine
    from erpsync.flows import Hub, orders
    from erpsync.store import Store

    sandbox.control("PUT", "rate-limit", {"preset": f"limit-{concurrency}"})
    if latency_ms:
        sandbox.control("PUT", "faults", {"latency": [{"fixed_ms": latency_ms}]})
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        url = database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        erp = netsuite_connector(sandbox)
        stack.callback(erp.close)
        counter = RequestCounter()
        counter.attach(erp.client._http)  # the connector's own HTTP client: what erpsync really sends
        store = Store.open(url)
        stack.callback(store.close)
        engine = Engine(url, worker_id=f"bench-{uuid.uuid4().hex[:8]}")
        stack.callback(engine.shutdown, 0)
        engine.budget("shopify", concurrency=4)
        # As `erpsync run` declares it from `budget: {concurrency: N}` (erpsync.budgets).
        declare_budget(engine, erp, Budget(concurrency=concurrency, flows_in_flight=flows_in_flight))
        orders.register(engine, Hub(store=store, shop=_OfflineShop(), erp=erp))
        engine.launch()
        erp.item_ids_for_skus(SKUS)  # warm the item cache: set-up, not part of the measured run
        counter.reset()
        yield OrderHarness(engine, erp, counter, flows_in_flight or FLOWS_PER_REQUEST_SLOT * concurrency)


def netsuite_connector(sandbox: SandboxProcess) -> NetSuiteConnector:
    credentials = sandbox.credentials
    return NetSuiteConnector(
        credentials["account_id"], sandbox.url, auth_from_credentials(sandbox.url, credentials)
    )


SKUS = [f"SKU-{1001 + n}" for n in range(12)]


def bench_order(number: int) -> Order:
    """A guest web order for seeded NetSuite items: the flow resolves the guest, writes customer and order."""
    rng = random.Random(number)
    lines: list[dict[str, Any]] = []
    units = 0
    for index, sku in enumerate(rng.sample(SKUS, k=rng.randint(1, 3))):
        quantity = rng.randint(1, 2)
        units += quantity
        lines.append(
            {
                "line_id": str(index + 1),
                "sku": sku,
                "title": sku,
                "quantity": quantity,
                "unit_price": {"amount": "10.00", "currency": "USD"},
            }
        )
    total = str(Decimal("10.00") * units)
    zero = {"amount": "0.00", "currency": "USD"}
    return Order.model_validate(
        {
            "origin": {"system": "shopify", "id": str(number), "updated_at": datetime.now(UTC)},
            "number": f"#B{number}",
            "placed_at": datetime.now(UTC),
            "customer_email": f"bench{number % 20}@example.com",
            "currency": "USD",
            "lines": lines,
            "totals": {
                "lines": {"amount": total, "currency": "USD"},
                "discounts": zero,
                "shipping": zero,
                "tax": zero,
                "total": {"amount": total, "currency": "USD"},
            },
        }
    )


class _OfflineShop:
    """The store side of the hub in a flow that never calls the store (the order comes with the trigger)."""

    system = "shopify"

    def __getattr__(self, name: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(f"the NetSuite budget benchmark does not call the store ({name})")

        return refuse
