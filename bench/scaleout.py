"""Benchmark 3b, scale-out: 1, 2 and 4 erpsync worker processes (``bench/worker.py``) sharing one PostgreSQL
database and one cluster-wide NetSuite budget (concurrency 15), against a zero-latency NetSuite sandbox in its
own process. Orders/s for each worker count, and its ratio to one worker, measured in the same run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import print_table, sandbox_process, write_result
from bench.throughput import scratch_database

READY_TIMEOUT = 120.0


def scale_out(
    size: int = 200, *, workers: tuple[int, ...] = (1, 2, 4), concurrency: int = 15, quiet: bool = False
) -> dict[str, Any]:
    curve = {count: _run(size, count, concurrency) for count in workers}
    base = curve[workers[0]]["orders_per_second"]
    for figures in curve.values():
        figures["ratio_to_first"] = round(figures["orders_per_second"] / base, 3)
    result: dict[str, Any] = {"orders": size, "concurrency": concurrency, "curve": curve}
    write_result("scaleout", result)
    if not quiet:
        rows = [
            (
                f"{count} worker(s)",
                f"{f['orders_per_second']} orders/s, x{f['ratio_to_first']}, "
                f"429s {f['http_429']}, requests per worker {f['requests_per_worker']}",
            )
            for count, f in curve.items()
        ]
        print_table(f"Scale-out on PostgreSQL, {size} orders, NetSuite concurrency {concurrency}", rows)
    return result


def _run(size: int, count: int, concurrency: int) -> dict[str, Any]:
    with (
        scratch_database("postgresql") as url,
        sandbox_process("netsuite", seed=7) as sandbox,
        tempfile.TemporaryDirectory() as scratch,
    ):
        ready_file = Path(scratch) / "netsuite.json"
        ready_file.write_text(sandbox.ready_line())
        command = [sys.executable, "-m", "bench.worker", "--database", url, "--sandbox", str(ready_file)]
        command += ["--concurrency", str(concurrency)]
        helpers = [_start(command) for _ in range(count - 1)]
        enqueuer = _start([*command, "--enqueue", str(size)])
        try:
            figures = _line(enqueuer)
        finally:
            reports = [_stop(process) for process in [*helpers, enqueuer]]
        governance = sandbox.control("GET", "governance")
    return {
        "workers": count,
        "completed": figures["completed"],
        "seconds": round(figures["seconds"], 3),
        "orders_per_second": round(size / figures["seconds"], 2),
        "requests_per_worker": [report.get("requests") for report in reports],
        "http_429": governance.get("rejected"),
        "sandbox_peak_in_flight": governance.get("peak"),
    }


def _start(command: list[str]) -> subprocess.Popen[str]:
    """Start one worker and wait until it has launched its engine (so workers never race on migrations)."""
    # bench/ is a folder of the repository, not an installed package: the worker finds it through PYTHONPATH.
    repository = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (repository, os.environ.get("PYTHONPATH", "")) if p)
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": path}
    )
    _line(process)
    return process


def _line(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise RuntimeError(f"bench worker exited ({process.wait()}) before answering")
    return dict(json.loads(line))


def _stop(process: subprocess.Popen[str]) -> dict[str, Any]:
    process.terminate()
    try:
        report = _line(process)
    except RuntimeError:
        report = {}
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return report
