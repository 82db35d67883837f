"""``python -m bench <name> [--size N] [--preset P] [--threads T] [--profile]``: run one benchmark.

``--profile`` runs it under pyinstrument (``pip install pyinstrument``; not a dependency of erpsync), which
follows the main thread (``bench/results/<name>-profile.html`` and ``.txt``), and under bench/sampler.py,
which samples the engine's flow threads (``<name>-flows.txt``). The sandboxes run in other processes."""

from __future__ import annotations

import argparse
from typing import Any

from bench import BENCHMARKS, NOT_BUILT, run
from bench.common import RESULTS_DIR
from bench.sampler import FlowSampler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("name", choices=sorted([*BENCHMARKS, *NOT_BUILT]))
    parser.add_argument("--size", type=int, help="orders or rounds (each benchmark has a default)")
    parser.add_argument("--preset", help="budget-shopify: rate-limit preset (standard, advanced, plus...)")
    parser.add_argument("--threads", type=int, help="budget-shopify: pushing threads")
    parser.add_argument("--profile", action="store_true", help="profile with pyinstrument")
    parser.add_argument("--skus", type=int, help="reconcile: SKUs (each at 3 locations)")
    parser.add_argument("--orders", type=int, help="reconcile: orders (default: half the SKUs)")
    parser.add_argument("--drift", type=float, help="reconcile: share of levels and orders broken (0.01)")
    parser.add_argument("--baseline", action="store_true", help="reconcile: the flows without bulk reads")
    parser.add_argument("--locations", type=int, help="initial-load: stock locations per item (3)")
    arguments = parser.parse_args(argv)
    given = {"size": arguments.size, "preset": arguments.preset, "threads": arguments.threads}
    given |= {"skus": arguments.skus, "orders_count": arguments.orders, "drift": arguments.drift}
    if arguments.baseline:
        given["baseline"] = True
    given |= {"locations": arguments.locations}
    options: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    try:
        if arguments.profile:
            _profiled(arguments.name, options)
        else:
            run(arguments.name, **options)
    except NotImplementedError as exc:
        parser.exit(2, f"not built: {exc}\n")


def _profiled(name: str, options: dict[str, Any]) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError as exc:
        raise SystemExit("--profile needs pyinstrument: pip install pyinstrument") from exc
    profiler = Profiler(async_mode="disabled")
    with FlowSampler() as flows, profiler:
        run(name, **options)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{name}-profile.html").write_text(profiler.output_html())
    (RESULTS_DIR / f"{name}-profile.txt").write_text(profiler.output_text(show_all=False))
    (RESULTS_DIR / f"{name}-flows.txt").write_text(flows.report())
    print(f"profile: {RESULTS_DIR / f'{name}-profile.html'} (main thread), {name}-flows.txt (flow threads)")


if __name__ == "__main__":
    main()
