"""A real erpsync worker process for the crash, dead-worker and budget tests.

It syncs orders into a tiny "target system": a SQLite file with a table keyed by idempotency key (a second
write with the same key is a no-op, like NetSuite's ``eid:`` upsert). Every step run is counted in
``executions``, so the tests see exactly what ran where. ``--block KEY`` makes this process freeze inside the
``write`` step of that order, after the external write, so the test can SIGKILL it mid-step.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from erpsync.engine import Engine, FlowContext, WatchSettings


def connect(target: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(target, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def prepare_target(target: Path) -> None:
    with connect(target) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS sales_orders (idempotency_key TEXT PRIMARY KEY, body TEXT)")
        conn.execute("CREATE TABLE IF NOT EXISTS executions (worker TEXT, workflow_id TEXT, step TEXT)")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS inflight (id INTEGER PRIMARY KEY, now INTEGER, peak INTEGER)"
        )
        conn.execute("INSERT OR IGNORE INTO inflight VALUES (1, 0, 0)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--target", type=Path, required=True)
    parser.add_argument("--keys", required=True, help="comma-separated order numbers this run waits for")
    parser.add_argument("--enqueue", action="store_true")
    parser.add_argument("--block", default="")
    parser.add_argument("--flow", default="order_to_erp", choices=["order_to_erp", "busy_order"])
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--dead-after", type=float, default=60.0)
    parser.add_argument("--work-seconds", type=float, default=0.3)
    parser.add_argument("--go-file", type=Path, help="enqueue only once this file exists")
    args = parser.parse_args()
    target: Path = args.target
    prepare_target(target)
    worker = args.worker_id

    def counted(ctx: FlowContext, step: str) -> None:
        with connect(target) as conn:
            conn.execute("INSERT INTO executions VALUES (?, ?, ?)", (worker, ctx.workflow_id, step))

    def fetch(ctx: FlowContext, order: dict[str, Any]) -> dict[str, Any]:
        counted(ctx, "fetch")
        return {**order, "fetched": True}

    def write(ctx: FlowContext, order: dict[str, Any], key: str) -> str:
        counted(ctx, "write")
        with connect(target) as conn:
            conn.execute("INSERT OR IGNORE INTO sales_orders VALUES (?, ?)", (key, json.dumps(order)))
        if order["number"] == args.block:
            (target.parent / f"inflight-{order['number']}").touch()
            while True:  # frozen mid-step until the test kills this process
                time.sleep(1)
        return key

    def acknowledge(ctx: FlowContext, key: str) -> None:
        counted(ctx, "acknowledge")

    def busy(ctx: FlowContext) -> None:
        counted(ctx, "work")
        with connect(target) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE inflight SET now = now + 1, peak = max(peak, now + 1) WHERE id = 1")
            conn.execute("COMMIT")
        try:
            time.sleep(args.work_seconds)
        finally:
            with connect(target) as conn:
                conn.execute("UPDATE inflight SET now = now - 1 WHERE id = 1")

    engine = Engine(
        args.database_url,
        worker_id=worker,
        watch=WatchSettings(heartbeat_every=0.3, dead_after=args.dead_after),
    )
    engine.budget("erp", concurrency=args.concurrency)

    @engine.flow("order_to_erp", queue="erp", record_type="order")
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> str:
        fetched = ctx.step("fetch", fetch, ctx, order)
        key = ctx.step("write", write, ctx, fetched, ctx.idempotency_key("write"))
        ctx.step("acknowledge", acknowledge, ctx, key)
        return key

    @engine.flow("busy_order", queue="erp", record_type="order")
    def busy_order(ctx: FlowContext, order: dict[str, Any]) -> None:
        ctx.step("work", busy, ctx)

    engine.launch()
    print(json.dumps({"worker": worker, "ready": True}), flush=True)
    while args.go_file is not None and not args.go_file.exists():
        time.sleep(0.05)
    keys = [key for key in args.keys.split(",") if key]
    if args.enqueue:
        for key in keys:
            engine.enqueue(args.flow, key, {"number": key})
    handles = [engine.handle(f"{args.flow}:{key}") for key in keys]
    deadline = time.monotonic() + 120
    pending = dict(zip(keys, handles, strict=True))
    while pending:
        for key, handle in list(pending.items()):
            if handle.done():
                # Finished means checkpointed: the test may kill this process now without losing the run.
                (target.parent / f"done-{key}").touch()
                del pending[key]
        if time.monotonic() > deadline:
            sys.exit(f"worker {worker}: flows not finished in time")
        time.sleep(0.05)
    states = {handle.workflow_id: handle.state() for handle in handles}
    engine.shutdown()
    print(json.dumps({"worker": worker, "states": states}), flush=True)


if __name__ == "__main__":
    main()
