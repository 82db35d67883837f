"""Benchmark 3, engine throughput: orders/s through one erpsync worker with a zero-latency NetSuite sandbox
(in its own process), on SQLite and on PostgreSQL. The order_to_erp flow runs as in production: engine queue
with the account's concurrency (15), durable steps, cross-reference and timeline writes."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from bench.budget import order_harness
from bench.common import own_cpu_seconds, print_table, sandbox_process, write_result

POSTGRES_ADMIN_URL = os.environ.get("ERPSYNC_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def engine_throughput(
    size: int = 200, *, backends: tuple[str, ...] = ("sqlite", "postgresql"), quiet: bool = False
) -> dict[str, Any]:
    runs: dict[str, Any] = {}
    for backend in backends:
        runs[backend] = _one_worker(size, backend)
    result: dict[str, Any] = {"orders": size, "runs": runs}
    if "sqlite" in runs and "postgresql" in runs:
        result["postgresql_vs_sqlite"] = round(
            runs["postgresql"]["orders_per_second"] / runs["sqlite"]["orders_per_second"], 3
        )
    write_result("throughput", result)
    if not quiet:
        rows: list[tuple[str, Any]] = []
        for backend, run in runs.items():
            rows += [(f"{backend} {key}", value) for key, value in run.items()]
        rows += [(key, value) for key, value in result.items() if key not in ("runs",)]
        print_table("Engine throughput, one worker, zero-latency NetSuite sandbox", rows)
    return result


def _one_worker(size: int, backend: str) -> dict[str, Any]:
    with (
        scratch_database(backend) as url,
        sandbox_process("netsuite", seed=7) as sandbox,
        order_harness(sandbox, concurrency=15, latency_ms=0, database_url=url) as harness,
    ):
        cpu, sandbox_cpu = own_cpu_seconds(), sandbox.cpu_seconds()
        started = time.monotonic()
        outcomes = harness.run_orders(range(1, size + 1))
        elapsed = time.monotonic() - started
        cpu, sandbox_cpu = own_cpu_seconds() - cpu, sandbox.cpu_seconds() - sandbox_cpu
    return {
        "completed": outcomes.count("completed"),
        "seconds": round(elapsed, 3),
        "orders_per_second": round(size / elapsed, 2),
        "erpsync_cpu_ms_per_order": round(cpu / size * 1000, 2),
        "sandbox_cpu_ms_per_order": round(sandbox_cpu / size * 1000, 2),
    }


@contextmanager
def scratch_database(backend: str) -> Iterator[str]:
    """A fresh database for one run: a SQLite file in a temporary folder, or a new PostgreSQL database."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
