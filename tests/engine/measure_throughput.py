"""Measure engine throughput: N orders through a three-step flow with trivial steps, one worker process,
enqueued while the worker already runs them (as webhooks arrive).

Not a test (no timing is asserted anywhere); the numbers go into docs/decisions/0001-engine-dbos.md.
    .venv/bin/python tests/engine/measure_throughput.py sqlite:////tmp/erpsync-bench.db 300 15
    .venv/bin/python tests/engine/measure_throughput.py postgresql://postgres@127.0.0.1:5432/bench 300 15
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from erpsync.engine import Engine, FlowContext


def main(database_url: str, count: int, concurrency: int) -> None:
    engine = Engine(database_url, worker_id="bench")
    engine.budget("erp", concurrency=concurrency)

    @engine.flow("order_to_erp", queue="erp", record_type="order")
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> str:
        fetched = ctx.step("fetch", dict, order)
        key = ctx.step("write", str, ctx.idempotency_key("write"))
        ctx.step("acknowledge", len, fetched)
        return key

    engine.launch()
    run = str(int(time.time()))
    started = time.perf_counter()
    handles = [engine.enqueue("order_to_erp", f"{run}-{n}", {"n": n}) for n in range(count)]
    enqueued = time.perf_counter()
    for handle in handles:
        handle.result(timeout=600)
    finished = time.perf_counter()
    engine.shutdown()
    print(
        json.dumps(
            {
                "database": database_url.split(":", 1)[0],
                "flows": count,
                "concurrency": concurrency,
                "enqueue_per_s": round(count / (enqueued - started), 1),
                "flows_per_s": round(count / (finished - started), 1),
            }
        )
    )


if __name__ == "__main__":
    main(
        sys.argv[1],
        int(sys.argv[2]) if len(sys.argv) > 2 else 300,
        int(sys.argv[3]) if len(sys.argv) > 3 else 15,
    )
