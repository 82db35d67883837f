"""Benchmark 4 at a reduced size, initial load: ``size`` NetSuite items (plus the seeded ones) become Shopify
products through the real catalog flow (the ERP poll, one ``catalog_to_store`` flow per product, one
``productSet`` each) on a Shopify sandbox at a rate-limit preset with its real-time bucket.

Time ÷ the minimum the budget allows for the same points ((actual cost − bucket) ÷ restore rate), and the
peak resident memory of erpsync's process while it runs (sampled from /proc every 0.2 s). Inventory levels
of the new items and the 100,000-SKU size of issue 8 are not covered (docs/benchmarks.md).
"""

from __future__ import annotations

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.budget import PRESETS, CostLedger, _shopify, netsuite_connector
from bench.common import RequestCounter, print_table, sandbox_process, write_result
from erpsync.engine import Engine
from erpsync.flows import Hub, catalog
from erpsync.store import Store


def initial_load(size: int = 500, *, preset: str = "standard", quiet: bool = False) -> dict[str, Any]:
    restore_rate = PRESETS[preset]
    bucket = 20 * restore_rate
    with (
        sandbox_process("netsuite", seed=7) as netsuite,
        sandbox_process("shopify", seed=11) as shopify,
        tempfile.TemporaryDirectory() as scratch,
    ):
        shopify.control("PUT", "rate-limit", {"preset": preset})
        shopify.control("PUT", "shopify/settings", {"rate_limit_clock": "real"})
        erp, shop = netsuite_connector(netsuite), _shopify(shopify)
        _add_items(erp, size)
        ledger, erp_requests = CostLedger(), RequestCounter()
        ledger.attach(shop.client._http)
        erp_requests.attach(erp.client._http)
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        store = Store.open(url)
        engine = Engine(url, worker_id="bench-initial-load")
        memory = _MemoryWatch()
        try:
            engine.budget(shop.system, concurrency=4)
            engine.budget(erp.system, concurrency=15)
            catalog.register(engine, Hub(store=store, shop=shop, erp=erp))
            engine.launch()
            time.sleep(1.0)
            with memory:
                started = time.monotonic()
                poll = engine.enqueue(catalog.POLLER, "initial-load", {}).result(1800)
                flows = [engine.handle(w).result(1800) for w in poll.value.get("workflow_ids", [])]
                elapsed = time.monotonic() - started
        finally:
            engine.shutdown(0)
            store.close()
            shop.close()
            erp.close()
    cost = sum(actual for t, actual, _ in ledger.answers if t >= started)
    minimum = max(0.0, (cost - bucket) / restore_rate)
    result: dict[str, Any] = {
        "new_items": size,
        "products": len(flows),
        "completed": sum(flow.status == "completed" for flow in flows),
        "preset": preset,
        "seconds": round(elapsed, 3),
        "shopify_actual_cost": cost,
        "shopify_requests": len([a for a in ledger.answers if a[0] >= started]),
        "netsuite_requests": erp_requests.sent,
        "budget_minimum_seconds": round(minimum, 3),
        "time_over_minimum": round(elapsed / minimum, 3) if minimum else None,
        "rss_mib_start": memory.start_mib,
        "rss_mib_peak": memory.peak_mib,
        "throttled": shop.client.throttled_responses,
    }
    write_result(f"initial-load-{preset}", result)
    if not quiet:
        print_table(f"Initial load of {size} new items at the {preset} preset", list(result.items()))
    return result


def _add_items(erp: Any, size: int) -> None:
    """Set-up, not measured: ``size`` inventory items in NetSuite, created over REST."""

    def add(number: int) -> None:
        sku = f"LOAD-{number:06d}"
        erp.client.upsert(
            "inventoryItem", sku.lower(), {"itemId": sku, "displayName": f"Item {sku}", "basePrice": "12.50"}
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(add, range(1, size + 1)))


class _MemoryWatch:
    """Resident memory of this process (VmRSS from /proc/self/status), sampled every 0.2 s."""

    def __init__(self) -> None:
        self.start_mib = self.peak_mib = 0.0
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
