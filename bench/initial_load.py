"""Benchmark 4, initial load: ``size`` NetSuite items with stock at ``locations`` locations into an empty
Shopify store (Plus preset), through ``erpsync.flows.initial_load``: bulk ``productSet`` operations of
``chunk_size`` products, then ``inventorySetQuantities`` by inventory item id, 250 levels a call.

The set-up is not timed: the NetSuite sandbox's ``/_sandbox/netsuite/bulk-seed`` control endpoint creates
the items with their stock (the REST API would take hours at this size), and one extra NetSuite location is
added when the seed has fewer than ``locations``. The timed part is what ``erpsync sync catalog --initial``
does, in this process; the sandboxes run in their own processes.

The minimum the API allows: Shopify runs a bulk mutation's lines in the background at a rate it does not
publish; the sandbox models it (``lines_per_second``), so the catalog cannot be done faster than
``lines ÷ lines_per_second``. Every other request (staged uploads, starting and polling operations, the
inventory calls) costs rate-limit points: beyond the full bucket they need ``(points − bucket) ÷ restore
rate`` seconds. Those two run one after the other (stock is set once the items exist), so the minimum is
their sum. Resident memory of this process is sampled every 0.2 s and noted when 10,000, 50,000 and
100,000 products have been read.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.budget import PRESETS, CostLedger, _shopify, netsuite_connector
from bench.common import RequestCounter, print_table, sandbox_process, write_result
from erpsync.connectors.base import ChangeBatch
from erpsync.flows import Hub
from erpsync.flows.initial_load import LoadProgress, bulk_writer_of
from erpsync.flows.initial_load import initial_load as run_initial_load
from erpsync.model import InventoryLevel, Product
from erpsync.store import Store

SEED_BATCH = 10_000
MARKS = (10_000, 50_000, 100_000)
EXTRA_LOCATIONS = ("west-dc", "north-dc", "south-dc")


def initial_load(
    size: int = 100_000,
    *,
    locations: int = 3,
    preset: str = "plus",
    chunk_size: int = 5_000,
    lines_per_second: float = 400.0,
    quiet: bool = False,
) -> dict[str, Any]:
    restore_rate = PRESETS[preset]
    bucket = 20 * restore_rate
    with (
        sandbox_process("netsuite", seed=7) as netsuite,
        sandbox_process("shopify", seed=11) as shopify,
        tempfile.TemporaryDirectory() as scratch,
    ):
        shopify.control("PUT", "rate-limit", {"preset": preset})
        shopify.control("PUT", "shopify/settings", {"rate_limit_clock": "real"})
        shopify.control("PUT", "shopify/settings", {"bulk_mutation": {"lines_per_second": lines_per_second}})
        erp, shop = netsuite_connector(netsuite), _shopify(shopify)
        seed_started = time.monotonic()
        location_map = _seed(netsuite, erp, shop, size, locations)
        seed_seconds = time.monotonic() - seed_started
        ledger, erp_requests = CostLedger(), RequestCounter()
        ledger.attach(shop.client._http)
        erp_requests.attach(erp.client._http)
        timed_erp = _TimedErp(erp)
        store = Store.open(f"sqlite:///{Path(scratch) / 'bench.db'}")
        hub = Hub(store=store, shop=shop, erp=timed_erp, location_map=location_map)
        memory = _MemoryWatch()
        phases: dict[str, float] = {}
        try:
            writer = bulk_writer_of(hub, poll_interval=0.5)
            with memory:
                started = time.monotonic()
                state = run_initial_load(
                    hub, writer, chunk_size=chunk_size, progress=_observer(memory, phases, started, quiet)
                )
                elapsed = time.monotonic() - started
        finally:
            store.close()
            shop.close()
            erp.close()
        sandbox_rate = shopify.control("GET", "shopify/settings")["bulk_mutation"]
    points = sum(actual for t, actual, _ in ledger.answers if t >= started)
    bulk_minimum = state.products_sent / lines_per_second
    points_minimum = max(0.0, (points - bucket) / restore_rate)
    minimum = bulk_minimum + points_minimum
    result: dict[str, Any] = {
        "items": size,
        "locations": locations,
        "preset": preset,
        "chunk_size": chunk_size,
        **state.as_json(),
        "seconds": round(elapsed, 1),
        "catalog_seconds": round(phases.get("inventory", elapsed), 1),
        "inventory_seconds": round(elapsed - phases.get("inventory", elapsed), 1),
        "erp_read_seconds": round(timed_erp.seconds, 1),
        "netsuite_requests": erp_requests.sent,
        "shopify_requests": len([a for a in ledger.answers if a[0] >= started]),
        "shopify_points": points,
        "modelled_lines_per_second": lines_per_second,
        "sandbox_achieved_lines_per_second": sandbox_rate.get("achieved_lines_per_second"),
        "budget_minimum_seconds": round(minimum, 1),
        "minimum_bulk_seconds": round(bulk_minimum, 1),
        "minimum_points_seconds": round(points_minimum, 1),
        "time_over_minimum": round(elapsed / minimum, 3) if minimum else None,
        "rss_mib_start": memory.start_mib,
        "rss_mib_at": memory.marks,
        "rss_mib_peak": memory.peak_mib,
        "throttled": shop.client.throttled_responses,
        "seed_seconds": round(seed_seconds, 1),
    }
    write_result(f"initial-load-{size}", result)
    if not quiet:
        print_table(f"Initial load of {size} items × {locations} locations ({preset})", list(result.items()))
    return result


def _seed(netsuite: Any, erp: Any, shop: Any, size: int, locations: int) -> dict[str, str]:
    """Set-up: ``size`` items with stock at ``locations`` NetSuite locations, mapped to Shopify's first
    ``locations`` locations; the location map."""
    existing = [location.code for location in erp.locations()]
    wanted = existing[:locations] + list(EXTRA_LOCATIONS[: max(0, locations - len(existing))])
    ids: dict[str, str] = netsuite.control("POST", "netsuite/bulk-seed", {"locations": wanted})["locations"]
    for start in range(0, size, SEED_BATCH):
        items = [
            {
                "sku": f"LOAD-{number:06d}",
                "stock": {ids[code]: (number * 7 + index * 3) % 50 for index, code in enumerate(wanted)},
            }
            for number in range(start + 1, min(size, start + SEED_BATCH) + 1)
        ]
        netsuite.control("POST", "netsuite/bulk-seed", {"items": items})
    store_locations = [location.code for location in shop.locations()][:locations]
    if len(store_locations) < locations:
        raise RuntimeError(f"the Shopify sandbox has {len(store_locations)} locations, not {locations}")
    return dict(zip(wanted, store_locations, strict=True))


class _TimedErp:
    """The ERP connector, timing the initial load's reads from it."""

    def __init__(self, erp: Any) -> None:
        self._erp = erp
        self.seconds = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._erp, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("_erp", "seconds"):
            object.__setattr__(self, name, value)
        else:  # the load's knobs (item_reads_in_flight, poll_page_size) are the connector's
            setattr(self._erp, name, value)

    def products_changed_since(self, cursor: str | None) -> ChangeBatch[Product]:
        started = time.monotonic()
        try:
            batch: ChangeBatch[Product] = self._erp.products_changed_since(cursor)
            return batch
        finally:
            self.seconds += time.monotonic() - started

    def inventory_changed_since(self, cursor: str | None) -> ChangeBatch[InventoryLevel]:
        started = time.monotonic()
        try:
            batch: ChangeBatch[InventoryLevel] = self._erp.inventory_changed_since(cursor)
            return batch
        finally:
            self.seconds += time.monotonic() - started


def _observer(memory: _MemoryWatch, phases: dict[str, float], started: float, quiet: bool) -> Any:
    last_print = [0.0]

    def observe(state: LoadProgress) -> None:
        for mark in MARKS:
            if state.products_read >= mark and mark not in memory.marks:
                memory.marks[mark] = _rss_mib()
        if state.phase != "catalog" and state.phase not in phases:
            phases[state.phase] = time.monotonic() - started
        now = time.monotonic()
        if not quiet and now - last_print[0] > 30:
            last_print[0] = now
            print(
                f"{now - started:7.0f} s  read {state.products_read}  written {state.products_written}  "
                f"levels {state.levels_set}  rss {_rss_mib()} MiB",
                flush=True,
            )

    return observe


class _MemoryWatch:
    """Resident memory of this process (VmRSS from /proc/self/status), sampled every 0.2 s."""

    def __init__(self) -> None:
        self.start_mib = self.peak_mib = 0.0
        self.marks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-memory", daemon=True)

    def __enter__(self) -> _MemoryWatch:
        self.start_mib = self.peak_mib = _rss_mib()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            self.peak_mib = max(self.peak_mib, _rss_mib())


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0
