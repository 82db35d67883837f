"""Each benchmark runs end to end at a tiny size and writes its figures as JSON (timings are never asserted:
the machines are shared and noisy)."""

from __future__ import annotations

import json
from pathlib import Path

import bench.common
import pytest

import bench


@pytest.fixture(autouse=True)
def results_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(bench.common, "RESULTS_DIR", tmp_path)
    return tmp_path


def latest(results_dir: Path, name: str) -> dict[str, object]:
    document = json.loads((results_dir / f"{name}-latest.json").read_text())
    assert document["benchmark"] == name
    assert document["machine"]["cpus"]
    return dict(document)


def test_shopify_budget_benchmark_pushes_inventory_without_being_throttled(results_dir: Path) -> None:
    figures = bench.run("budget-shopify", size=1, preset="standard", threads=2, quiet=True)
    assert figures["levels_per_round"] and figures["actual_cost"] > 0
    assert figures["throttled"] == 0
    assert latest(results_dir, "budget-shopify-standard")["requests"] == figures["requests"]


def test_netsuite_budget_benchmark_books_every_order_within_the_concurrency_limit(results_dir: Path) -> None:
    figures = bench.run("budget-netsuite", size=3, latency_ms=20, quiet=True)
    assert figures["completed"] == 3
    assert figures["http_429"] == 0 and figures["sandbox_rejected"] == 0
    assert figures["requests"] >= 3
    assert latest(results_dir, "budget-netsuite")["orders"] == 3


def test_overhead_benchmark_makes_the_same_calls_both_ways(results_dir: Path) -> None:
    figures = bench.run("overhead", size=2, latency_ms=0, quiet=True)
    assert figures["hub_requests_per_order"] == figures["direct_requests_per_order"]
    assert "overhead_ratio" in latest(results_dir, "overhead")


def test_throughput_benchmark_runs_on_sqlite_and_postgresql(results_dir: Path) -> None:
    figures = bench.run("throughput", size=3, quiet=True)
    assert figures["runs"]["sqlite"]["completed"] == 3
    assert figures["runs"]["postgresql"]["completed"] == 3
    assert "postgresql_vs_sqlite" in latest(results_dir, "throughput")


def test_initial_load_benchmark_writes_every_erp_item_and_its_stock_in_bulk(results_dir: Path) -> None:
    figures = bench.run("initial-load", size=30, locations=3, chunk_size=20, quiet=True)
    assert figures["products_written"] == figures["products_read"] >= 30 + 12  # new and seeded items
    assert figures["bulk_operations"] == 3 and figures["products_parked"] == 0
    assert figures["levels_set"] >= 30 * 3 and figures["throttled"] == 0
    assert latest(results_dir, "initial-load-30")["items"] == 30


def test_reconcile_benchmark_repairs_exactly_the_injected_drift(results_dir: Path) -> None:
    figures = bench.run("reconcile", skus=60, orders_count=40, drift=0.05, quiet=True)
    assert figures["drift_injected_levels"] == figures["drift_repaired_levels"] == 9  # 5 % of 180 levels
    assert figures["drift_injected_orders"] == figures["drift_repaired_orders"] == 2
    assert figures["false_repairs_levels"] == figures["false_repairs_orders"] == 0
    assert figures["levels_wrong_after"] == figures["orders_missing_in_netsuite_after"] == 0
    assert figures["exactly_the_injected_drift"] is True
    # One bulk read per sweep, no per-SKU look-ups, and only the drifted levels written (one call here).
    assert figures["shopify_inventory_calls_by_operation"] == {
        "bulkOperationRunQuery": 1,
        "currentBulkOperation": 1,
        "inventorySetQuantities": 1,
    }
    assert latest(results_dir, "reconcile")["levels"] == 180
