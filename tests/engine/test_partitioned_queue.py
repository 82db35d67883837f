"""A budget with ``per_record=1`` is a partitioned queue: runs of one record never overlap (an order and its
cancellation are applied one after the other), while different records still run side by side."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from erpsync.engine import Engine, FlowContext


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = Engine(database_url, worker_id="partition-test")
    made.budget("netsuite", concurrency=8, per_record=1)
    yield made
    made.shutdown()


def test_one_record_runs_one_at_a_time_while_others_run_alongside(engine: Engine) -> None:
    lock = threading.Lock()
    running: dict[str, int] = {}
    most_at_once: dict[str, int] = {}
    overall: list[int] = []

    def write(business_key: str) -> None:
        with lock:
            running[business_key] = running.get(business_key, 0) + 1
            most_at_once[business_key] = max(most_at_once.get(business_key, 0), running[business_key])
            overall.append(sum(running.values()))
        time.sleep(0.3)
        with lock:
            running[business_key] -= 1

    @engine.flow("order_to_erp", queue="netsuite", record_type="order")
    def order_to_erp(ctx: FlowContext, change: dict[str, Any]) -> str:
        ctx.step("write", write, ctx.business_key)
        return str(change["version"])

    engine.launch()
    handles = [
        engine.enqueue("order_to_erp", key, {"version": version}, version=str(version))
        for version in range(3)
        for key in ("shopify:1", "shopify:2")
    ]
    assert [h.result(60).status for h in handles] == ["completed"] * 6
    assert most_at_once == {"shopify:1": 1, "shopify:2": 1}, "two runs of one record overlapped"
    assert max(overall) == 2, "different records should still run at the same time"
