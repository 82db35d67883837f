"""Benchmark 2, hub overhead: what erpsync adds to an order's trip to the ERP.

Each order goes once through erpsync (engine + order_to_erp flow + SQLite state) and, for the baseline, once
through a minimal script making the same NetSuite calls with the same connector (guest customer upsert,
sales order upsert), one order at a time, alternating so that the machine's noise hits both alike. The
NetSuite sandbox runs in its own process, so this process's CPU time is erpsync's (and the baseline's) alone.
Measured at each of ``latencies_ms`` per request in turn (100 ms, and 300 ms, NetSuite's usual); the
top-level figures are the first latency's, ``by_latency`` has all.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.budget import OrderHarness, bench_order, order_harness
from bench.common import SandboxProcess, own_cpu_seconds, print_table, sandbox_process, write_result
from erpsync.connectors.netsuite.connector import NetSuiteConnector
from erpsync.flows.orders import guest_customer_id
from erpsync.model import Customer, Order


def hub_overhead(
    size: int = 40,
    *,
    latencies_ms: tuple[int, ...] = (100, 300),
    latency_ms: int | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """At each latency, ``size`` orders through erpsync and ``size`` through the direct script, alternating
    (``latency_ms``: one latency only)."""
    latencies = (latency_ms,) if latency_ms is not None else latencies_ms
    by_latency: dict[str, dict[str, Any]] = {}
    with (
        sandbox_process("netsuite", seed=7) as sandbox,
        order_harness(sandbox, concurrency=15, latency_ms=latencies[0]) as harness,
    ):
        for index, latency in enumerate(latencies):
            sandbox.control("PUT", "faults", {"latency": [{"fixed_ms": latency}] if latency else []})
            by_latency[str(latency)] = _one_latency(sandbox, harness, size, latency, first=index * size)
    result: dict[str, Any] = {**by_latency[str(latencies[0])], "by_latency": by_latency}
    write_result("overhead", result)
    if not quiet:
        for shown, figures in by_latency.items():
            print_table(f"Hub overhead, order to NetSuite with {shown} ms latency", list(figures.items()))
    return result


def _one_latency(
    sandbox: SandboxProcess, harness: OrderHarness, size: int, latency_ms: int, *, first: int
) -> dict[str, Any]:
    through_hub: list[float] = []
    direct: list[float] = []
    hub_cpu = direct_cpu = 0.0
    hub_requests = direct_requests = 0
    sandbox_cpu_before = sandbox.cpu_seconds()
    for number in range(first + 1, first + size + 1):
        sent, cpu, started = harness.counter.sent, own_cpu_seconds(), time.perf_counter()
        handle = harness.enqueue_orders([number])[0]
        status = handle.result(600).status
        through_hub.append(time.perf_counter() - started)
        hub_cpu += own_cpu_seconds() - cpu
        hub_requests += harness.counter.sent - sent
        if status != "completed":
            raise RuntimeError(f"bench order {number} did not reach NetSuite through erpsync: {status}")
        sent, cpu, started = harness.counter.sent, own_cpu_seconds(), time.perf_counter()
        direct_order(harness.erp, bench_order(100_000 + number))
        direct.append(time.perf_counter() - started)
        direct_cpu += own_cpu_seconds() - cpu
        direct_requests += harness.counter.sent - sent
    sandbox_cpu = sandbox.cpu_seconds() - sandbox_cpu_before
    hub_ms, direct_ms = statistics.median(through_hub) * 1000, statistics.median(direct) * 1000
    result: dict[str, Any] = {
        "orders": size,
        "latency_ms": latency_ms,
        "hub_median_ms_per_order": round(hub_ms, 1),
        "direct_median_ms_per_order": round(direct_ms, 1),
        "overhead_ratio": round((hub_ms - direct_ms) / hub_ms, 4),
        "hub_mean_ms_per_order": round(statistics.mean(through_hub) * 1000, 1),
        "direct_mean_ms_per_order": round(statistics.mean(direct) * 1000, 1),
        "hub_requests_per_order": hub_requests / size,
        "direct_requests_per_order": direct_requests / size,
        "hub_cpu_ms_per_order": round(hub_cpu / size * 1000, 2),
        "direct_cpu_ms_per_order": round(direct_cpu / size * 1000, 2),
        "erpsync_own_cpu_ms_per_order": round((hub_cpu - direct_cpu) / size * 1000, 2),
        "sandbox_cpu_ms_per_order": round(sandbox_cpu / (2 * size) * 1000, 2),
    }
    return result


def direct_order(erp: NetSuiteConnector, order: Order) -> str:
    """The minimal script: the calls the flow makes for a guest order, straight through the connector."""
    assert order.customer_email
    guest = guest_customer_id(order.customer_email)
    customer = Customer(
        origin=order.origin.model_copy(update={"id": guest}), email=order.customer_email, tags=["guest"]
    )
    erp.upsert_customer(customer, idempotency_key=guest)
    return erp.upsert_sales_order(order.model_copy(update={"customer_id": guest}), idempotency_key=guest)
