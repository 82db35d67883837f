"""Benchmark 5, reconcile sweep: ``skus`` SKUs at 3 locations and ``orders`` orders in sync between a Shopify
and a NetSuite sandbox, then ``drift`` of them broken — wrong Shopify quantities for that share of the SKU ×
location levels, and that share of the orders missing in NetSuite (their webhooks "lost", no
cross-reference). Timed: the inventory reconcile (``inventory_to_store`` with ``{"reconcile": true}``) and
the order reconcile sweep (``poll_store_orders`` with ``{"reconcile": true}``, then every order flow it
queued), the real flows on the real engine (SQLite).

Set-up, not timed: items, products, orders and sales orders are written through the sandboxes' bulk-seed
control endpoints (``/_sandbox/<platform>/bulk-seed``) and the synced orders' cross-references straight
into erpsync's store — through the APIs this would take hours. Afterwards both sandboxes are read back:
every Shopify level must equal NetSuite's, every order must have exactly one sales order, the levels and
orders erpsync wrote must be exactly the injected drift (false repairs: writes to anything else).
"""

from __future__ import annotations

import json
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from bench.budget import PRESETS, CostLedger, _shopify, netsuite_connector
from bench.common import SandboxProcess, own_cpu_seconds, print_table, sandbox_process, write_result
from bench.initial_load import _MemoryWatch
from erpsync.connectors.netsuite.client import external_id_for
from erpsync.connectors.shopify import ShopifyConnector
from erpsync.engine import Engine
from erpsync.flows import Hub, inventory, orders
from erpsync.flows.polling import MAX_PAGES_PER_POLL
from erpsync.store import Store
from erpsync.store.tables import CrossReference

LOCATIONS = (("main-warehouse", "Main Warehouse"), ("east-dc", "East DC"), ("west-dc", "West DC"))
CHUNK = 5000
SEED_TIMEOUT = 900.0
FLOW_TIMEOUT = 4 * 3600.0
_FIRST_FIELD = re.compile(r"\{\s*(\w+)")


def reconcile(
    size: int | None = None,
    *,
    skus: int = 2000,
    orders_count: int | None = None,
    drift: float = 0.01,
    preset: str = "standard",
    page_size: int = 1000,
    seed: int = 5,
    baseline: bool = False,
    quiet: bool = False,
) -> dict[str, Any]:
    """``size`` (the CLI's ``--size``) is the SKU count; ``orders_count`` defaults to half of it.
    ``baseline``: the flows as they were before the sweeps (every level set again, every order re-read),
    by hiding the connector's bulk reads from them — for comparison at small sizes."""
    skus = size or skus
    order_total = orders_count if orders_count is not None else skus // 2
    rng = random.Random(seed)
    with (
        sandbox_process("netsuite") as netsuite,
        sandbox_process("shopify") as shopify,
        tempfile.TemporaryDirectory() as scratch,
    ):
        shopify.control("PUT", "rate-limit", {"preset": preset})
        shopify.control("PUT", "shopify/settings", {"rate_limit_clock": "real"})
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        store = Store.open(url)
        seeding_started = time.monotonic()
        _say(f"seeding {skus} SKUs x {len(LOCATIONS)} locations and {order_total} orders")
        world = _seed(netsuite, shopify, store, rng, skus=skus, orders=order_total, drift=drift)
        seeding_seconds = time.monotonic() - seeding_started
        erp, shop = netsuite_connector(netsuite), _shopify(shopify)
        if baseline:
            shop.__class__ = _WithoutBulkReads
        erp.poll_page_size = page_size
        # The sandbox runs a bulk query inside the bulkOperationRunQuery request (Shopify runs it in the
        # background and answers at once): at 100,000 SKUs that request takes minutes.
        shop.client._http.timeout = httpx.Timeout(SEED_TIMEOUT, connect=10.0)
        ledger, shop_calls, erp_calls = CostLedger(), _ShopifyCalls(), _NetSuiteCalls()
        ledger.attach(shop.client._http)
        shop_calls.attach(shop.client._http)
        erp_calls.attach(erp.client._http)
        engine = Engine(url, worker_id="bench-reconcile")
        memory = _MemoryWatch()
        hub = Hub(store=store, shop=shop, erp=erp, location_map=world["location_map"])
        try:
            engine.budget(shop.system, concurrency=4)
            engine.budget(erp.system, concurrency=15)
            inventory.register(engine, hub)
            orders.register(engine, hub)
            engine.launch()
            time.sleep(1.0)
            with memory:
                _say("timed: inventory reconcile")
                cpu_before = (own_cpu_seconds(), netsuite.cpu_seconds(), shopify.cpu_seconds())
                started = time.monotonic()
                sweep = engine.enqueue(inventory.FLOW, "reconcile-bench", {"reconcile": True})
                stock = sweep.result(FLOW_TIMEOUT)
                inventory_seconds = time.monotonic() - started
                inventory_calls = (dict(shop_calls.by_operation), dict(erp_calls.by_operation))
                _say(f"timed: order reconcile sweep (inventory took {time.monotonic() - started:.1f} s)")
                order_started = time.monotonic()
                queued = _order_reconcile(engine, shop.page_size)
                flows = [engine.handle(w).result(FLOW_TIMEOUT) for w in queued]
                order_seconds = time.monotonic() - order_started
                elapsed = time.monotonic() - started
                cpu_after = (own_cpu_seconds(), netsuite.cpu_seconds(), shopify.cpu_seconds())
        finally:
            engine.shutdown(0)
            store.close()
            shop.close()
            erp.close()
        _say("verifying both sandboxes")
        check = _verify(netsuite, shopify, world, shop_calls, erp_calls)
    cost = sum(actual for t, actual, _ in ledger.answers if t >= started)
    restore_rate = PRESETS[preset]
    result: dict[str, Any] = {
        "skus": skus,
        "locations": len(LOCATIONS),
        "levels": world["level_count"],
        "orders": order_total,
        "drift": drift,
        "preset": preset,
        "baseline": baseline,
        "netsuite_page_size": page_size,
        "seeding_seconds": round(seeding_seconds, 1),
        "seconds": round(elapsed, 3),
        "inventory_seconds": round(inventory_seconds, 3),
        "order_seconds": round(order_seconds, 3),
        "cpu_seconds_erpsync": round(cpu_after[0] - cpu_before[0], 1),
        "cpu_seconds_netsuite_sandbox": round(cpu_after[1] - cpu_before[1], 1),
        "cpu_seconds_shopify_sandbox": round(cpu_after[2] - cpu_before[2], 1),
        "inventory_flow": stock.status,
        "levels_checked": stock.value.get("levels_checked") if isinstance(stock.value, dict) else None,
        "order_flows": len(flows),
        "order_flows_completed": sum(flow.status == "completed" for flow in flows),
        "shopify_calls": sum(shop_calls.by_operation.values()),
        "shopify_calls_by_operation": dict(sorted(shop_calls.by_operation.items())),
        "shopify_inventory_calls_by_operation": inventory_calls[0],
        "shopify_actual_cost": cost,
        "shopify_budget_minimum_seconds": round(max(0.0, (cost - 20 * restore_rate) / restore_rate), 3),
        "shopify_minimum_set_calls": -(-len(world["drifted_levels"]) // 250),
        "throttled": shop.client.throttled_responses,
        "netsuite_calls": sum(erp_calls.by_operation.values()),
        "netsuite_calls_by_operation": dict(sorted(erp_calls.by_operation.items())),
        "netsuite_inventory_calls_by_operation": inventory_calls[1],
        "netsuite_429": erp_calls.statuses.get(429, 0),
        **check,
        "rss_mib_start": memory.start_mib,
        "rss_mib_peak": memory.peak_mib,
    }
    write_result("reconcile-baseline" if baseline else "reconcile", result)
    if not quiet:
        rows = [(k, json.dumps(v) if isinstance(v, dict) else v) for k, v in result.items()]
        print_table(f"Reconcile sweep: {skus} SKUs x {len(LOCATIONS)} locations, {order_total} orders", rows)
    return result


def _order_reconcile(engine: Engine, page_size: int) -> list[str]:
    """The order reconcile as the schedule runs it: a sweep is one poll; without bulk reads (the baseline)
    one poll reads at most MAX_PAGES_PER_POLL pages and the next polls go on from its cursor."""
    trigger: dict[str, Any] = {"reconcile": True}
    queued: list[str] = []
    for part in range(100_000):
        poll = engine.enqueue(orders.POLLER, f"reconcile-bench-{part}", trigger).result(FLOW_TIMEOUT)
        if poll.status != "completed":
            raise RuntimeError(f"order reconcile poll {part} ended {poll.status}: {poll.reason}")
        queued += poll.value.get("workflow_ids", [])
        if poll.value.get("swept") or int(poll.value["enqueued"]) < MAX_PAGES_PER_POLL * page_size:
            break
        trigger = {}
    return queued


# ---------------------------------------------------------------------------------------------- set-up


def _say(message: str) -> None:
    """Progress on stderr (a full-size run takes long): wall clock and what starts now."""
    print(f"{datetime.now(UTC):%H:%M:%S} {message}", file=sys.stderr, flush=True)


def _post(sandbox: SandboxProcess, path: str, body: Any) -> Any:
    response = httpx.post(f"{sandbox.url}/_sandbox/{path}", json=body, timeout=SEED_TIMEOUT)
    response.raise_for_status()
    return response.json()


def _get(sandbox: SandboxProcess, path: str) -> Any:
    response = httpx.get(f"{sandbox.url}/_sandbox/{path}", timeout=SEED_TIMEOUT)
    response.raise_for_status()
    return response.json()


def _seed(
    netsuite: SandboxProcess,
    shopify: SandboxProcess,
    store: Store,
    rng: random.Random,
    *,
    skus: int,
    orders: int,
    drift: float,
) -> dict[str, Any]:
    ns_locations = _post(netsuite, "netsuite/bulk-seed", {"locations": [code for code, _ in LOCATIONS]})
    shop_locations = _post(shopify, "shopify/bulk-seed", {"locations": [name for _, name in LOCATIONS]})
    shop_ids = [shop_locations["locations"][name] for _, name in LOCATIONS]
    ns_ids = [ns_locations["locations"][code] for code, _ in LOCATIONS]
    location_map = {code: shop_ids[index] for index, (code, _) in enumerate(LOCATIONS)}
    expected: dict[tuple[str, str], int] = {}
    item_skus: dict[str, str] = {}  # Shopify inventory item gid -> SKU
    sku_names = [f"REC-{number:06d}" for number in range(1, skus + 1)]
    for start in range(0, skus, CHUNK):
        chunk = sku_names[start : start + CHUNK]
        quantities = [[rng.randrange(0, 100) for _ in LOCATIONS] for _ in chunk]
        items = [
            {"sku": s, "stock": dict(zip(ns_ids, q, strict=True))}
            for s, q in zip(chunk, quantities, strict=True)
        ]
        products = [
            {"sku": s, "quantities": dict(zip(shop_ids, q, strict=True))}
            for s, q in zip(chunk, quantities, strict=True)
        ]
        _say(f"  items and products {start + len(chunk)}/{skus}")
        _post(netsuite, "netsuite/bulk-seed", {"items": items})
        created = _post(shopify, "shopify/bulk-seed", {"products": products})["products"]
        for sku, q in zip(chunk, quantities, strict=True):
            item_skus[f"gid://shopify/InventoryItem/{created[sku]}"] = sku
            for location_id, quantity in zip(shop_ids, q, strict=True):
                expected[(sku, location_id)] = quantity
    # Orders: all in Shopify; all but the lost ones also in NetSuite and cross-referenced.
    order_ids: list[str] = []
    for start in range(0, orders, CHUNK):
        batch = [
            {"sku": rng.choice(sku_names), "email": f"buyer{start + n}@example.com"}
            for n in range(min(CHUNK, orders - start))
        ]
        order_ids += _post(shopify, "shopify/bulk-seed", {"orders": batch})["orders"]
        _say(f"  store orders {len(order_ids)}/{orders}")
    lost = set(rng.sample(order_ids, round(orders * drift)))
    synced = [order_id for order_id in order_ids if order_id not in lost]
    for start in range(0, len(synced), CHUNK):
        chunk = synced[start : start + CHUNK]
        sales_orders = [
            {"external_id": external_id_for(f"shopify:{oid}"), "sku": rng.choice(sku_names)} for oid in chunk
        ]
        created = _post(netsuite, "netsuite/bulk-seed", {"sales_orders": sales_orders})["sales_orders"]
        now = datetime.now(UTC)
        rows = []
        for oid in chunk:
            key = f"shopify:{oid}"
            rows.append(
                dict(system="shopify", record_type="order", external_id=oid, business_key=key, created_at=now)
            )
            rows.append(
                dict(
                    system="netsuite",
                    record_type="order",
                    external_id=created[external_id_for(key)],
                    business_key=key,
                    created_at=now,
                )
            )
        with store._write() as session:
            session.execute(insert(CrossReference), rows)
        _say(f"  sales orders and cross-references {start + len(chunk)}/{len(synced)}")
    # Inventory drift: wrong Shopify quantities for `drift` of the levels.
    drifted = rng.sample(sorted(expected), round(len(expected) * drift))
    changes = []
    for sku, location_id in drifted:
        right = expected[(sku, location_id)]
        wrong = right + rng.choice([-1, 1]) * rng.randint(1, 20)
        changes.append(
            {"sku": sku, "location_id": location_id, "available": wrong if wrong >= 0 else right + 7}
        )
    for start in range(0, len(changes), CHUNK):
        _post(shopify, "shopify/bulk-seed", {"quantities": changes[start : start + CHUNK]})
    return {
        "location_map": location_map,
        "expected": expected,
        "item_skus": item_skus,
        "level_count": len(expected),
        "drifted_levels": set(drifted),
        "order_ids": order_ids,
        "lost_orders": lost,
    }


# ---------------------------------------------------------------------------------------------- counting


class _WithoutBulkReads(ShopifyConnector):
    """The connector without ``inventory_snapshot`` and ``order_ids``: the flows fall back to what they did
    before the sweeps were built (the baseline)."""

    def __getattribute__(self, name: str) -> Any:
        if name in ("inventory_snapshot", "order_ids"):
            raise AttributeError(name)
        return super().__getattribute__(name)


class _ShopifyCalls:
    """GraphQL requests by root field, and every level ``inventorySetQuantities`` was asked to set."""

    def __init__(self) -> None:
        self.by_operation: Counter[str] = Counter()
        self.levels_set: list[tuple[str, str]] = []  # (inventory item gid, location legacy id)
        self._lock = threading.Lock()

    def attach(self, http: httpx.Client) -> None:
        http.event_hooks.setdefault("request", []).append(self._on_request)

    def _on_request(self, request: httpx.Request) -> None:
        body = json.loads(request.content or b"{}")
        query = str(body.get("query") or "")
        match = _FIRST_FIELD.search(query)
        operation = match.group(1) if match else "graphql"
        with self._lock:
            self.by_operation[operation] += 1
            if operation == "inventorySetQuantities":
                for entry in body["variables"]["input"]["quantities"]:
                    location = str(entry["locationId"]).rsplit("/", 1)[-1]
                    self.levels_set.append((str(entry["inventoryItemId"]), location))


class _NetSuiteCalls:
    """REST requests by method and record type (``GET salesOrder``, ``POST suiteql``) and answer status."""

    def __init__(self) -> None:
        self.by_operation: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.sales_orders_written: list[str] = []  # external ids of PUT salesOrder/eid:...
        self._lock = threading.Lock()

    def attach(self, http: httpx.Client) -> None:
        http.event_hooks.setdefault("request", []).append(self._on_request)
        http.event_hooks.setdefault("response", []).append(self._on_response)

    def _on_request(self, request: httpx.Request) -> None:
        parts = request.url.path.split("/")
        if "suiteql" in parts:
            operation = f"{request.method} suiteql"
        elif "record" in parts and len(parts) > parts.index("record") + 2:
            record_type = parts[parts.index("record") + 2]
            operation = f"{request.method} {record_type}"
            if request.method in ("PUT", "POST", "PATCH") and record_type == "salesOrder":
                with self._lock:
                    self.sales_orders_written.append(parts[-1].removeprefix("eid:"))
        else:
            operation = f"{request.method} {request.url.path}"
        with self._lock:
            self.by_operation[operation] += 1

    def _on_response(self, response: httpx.Response) -> None:
        with self._lock:
            self.statuses[response.status_code] += 1


# ---------------------------------------------------------------------------------------------- checking


def _verify(
    netsuite: SandboxProcess,
    shopify: SandboxProcess,
    world: dict[str, Any],
    shop_calls: _ShopifyCalls,
    erp_calls: _NetSuiteCalls,
) -> dict[str, Any]:
    """Read both sandboxes back and compare with the seeded truth and the injected drift."""
    shown = _get(shopify, "shopify/inventory-by-sku")
    expected: dict[tuple[str, str], int] = world["expected"]
    wrong_after = sum(1 for (sku, loc), qty in expected.items() if shown.get(sku, {}).get(loc) != qty)
    written = {(world["item_skus"].get(item, item), location) for item, location in shop_calls.levels_set}
    drifted: set[tuple[str, str]] = world["drifted_levels"]
    sales_orders = _get(netsuite, "netsuite/sales-orders")
    wanted = {external_id_for(f"shopify:{oid}") for oid in world["order_ids"]}
    lost = {external_id_for(f"shopify:{oid}") for oid in world["lost_orders"]}
    orders_written = set(erp_calls.sales_orders_written)
    return {
        "drift_injected_levels": len(drifted),
        "drift_repaired_levels": len(written & drifted),
        "false_repairs_levels": len(written - drifted),
        "level_writes_sent": len(shop_calls.levels_set),
        "levels_wrong_after": wrong_after,
        "drift_injected_orders": len(lost),
        "drift_repaired_orders": len(orders_written & lost),
        "false_repairs_orders": len(orders_written - lost),
        "orders_missing_in_netsuite_after": len(wanted - set(sales_orders)),
        "sales_orders_in_netsuite": len(sales_orders),
        "exactly_the_injected_drift": (
            written == drifted and orders_written == lost and wrong_after == 0 and set(sales_orders) == wanted
        ),
    }
