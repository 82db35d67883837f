"""erpsync's benchmarks (issue 8): API budget use, hub overhead, engine throughput, scale-out. Each prints a
table and writes JSON to bench/results/; run with ``python -m bench <name> [--size N]`` or ``bench.run``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.budget import netsuite_orders, shopify_inventory
from bench.initial_load import initial_load
from bench.overhead import hub_overhead
from bench.reconcile import reconcile
from bench.scaleout import scale_out
from bench.throughput import engine_throughput

BENCHMARKS: dict[str, Callable[..., dict[str, Any]]] = {
    "budget-shopify": shopify_inventory,
    "budget-netsuite": netsuite_orders,
    "overhead": hub_overhead,
    "throughput": engine_throughput,
    "scaleout": scale_out,
    "initial-load": initial_load,  # reduced size: catalog only, no inventory levels (docs/benchmarks.md)
    "reconcile": reconcile,
}
NOT_BUILT: dict[str, str] = {}


def run(name: str, **options: Any) -> dict[str, Any]:
    """Run benchmark ``name`` (see ``BENCHMARKS``) with its options (``size=``, ``quiet=``...); return its
    figures, also written to bench/results/<name>-latest.json."""
    if name in NOT_BUILT:
        raise NotImplementedError(NOT_BUILT[name])
    if name not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {name!r}; choose one of {', '.join(BENCHMARKS)}")
    return BENCHMARKS[name](**options)


__all__ = ["BENCHMARKS", "run"]
