"""Crash, restart and scale-out with real worker processes (tests/engine/worker_app.py) on real databases."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

WORKER_APP = Path(__file__).with_name("worker_app.py")
ORDERS = ["1001", "1002", "1003"]

pytestmark = pytest.mark.slow


class Workers:
    """Starts worker processes and makes sure none outlives the test."""

    def __init__(self, database_url: str, target: Path) -> None:
        self.database_url = database_url
        self.target = target
        self.started: list[subprocess.Popen[str]] = []

    def start(self, worker_id: str, *extra: str, keys: list[str] = ORDERS) -> subprocess.Popen[str]:
        command = [
            sys.executable, str(WORKER_APP),
            "--database-url", self.database_url,
            "--worker-id", worker_id,
            "--target", str(self.target),
            "--keys", ",".join(keys),
            *extra,
        ]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ}
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def workers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], Workers]]:
    made: list[Workers] = []

    def make(database_url: str) -> Workers:
        made.append(Workers(database_url, tmp_path / "target.db"))
        return made[-1]

    yield make
    for each in made:
        each.stop_all()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def query(target: Path, sql: str, *params: str) -> list[tuple[str, ...]]:
    if not target.exists():
        return []
    with sqlite3.connect(target, timeout=30) as conn:
        try:
            return list(conn.execute(sql, params))
        except sqlite3.OperationalError:  # tables not created yet
            return []


def step_runs(target: Path, order: str, step: str) -> int:
    rows = query(target, "SELECT count(*) FROM executions WHERE workflow_id = ? AND step = ?",
                 f"order_to_erp:{order}", step)  # fmt: skip
    return int(rows[0][0]) if rows else 0


def finish(process: subprocess.Popen[str], timeout: float = 90) -> dict[str, object]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"worker failed ({process.returncode}):\n{err[-4000:]}"
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def kill_mid_write(workers: Workers, worker_id: str, *extra: str) -> None:
    """Run the three orders; freeze order 1002 inside its write step (after the write), then SIGKILL."""
    first = workers.start(worker_id, "--enqueue", "--block", "1002", *extra)
    target = workers.target
    wait_until(lambda: (target.parent / "inflight-1002").exists(), "order 1002 to reach its write step")
    # Finished flows, not just their last step: a step that ran but was not checkpointed yet runs again.
    wait_until(
        lambda: all((target.parent / f"done-{order}").exists() for order in ("1001", "1003")),
        "orders 1001 and 1003 to finish",
    )
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)


def assert_each_order_synced_once(target: Path) -> None:
    keys = [row[0] for row in query(target, "SELECT idempotency_key FROM sales_orders ORDER BY 1")]
    assert keys == [f"order_to_erp:{order}:write" for order in ORDERS], "a sales order was lost or doubled"
    for order in ORDERS:
        assert step_runs(target, order, "fetch") == 1, f"completed step fetch of {order} ran again"
        assert step_runs(target, order, "acknowledge") == 1
    # The write of 1002 was in flight at the kill: it ran again (at-least-once), its upsert made it harmless.
    assert step_runs(target, "1002", "write") == 2
    assert step_runs(target, "1001", "write") == step_runs(target, "1003", "write") == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_flow_killed_mid_step_resumes_on_restart_without_repeating_done_steps(
    backend: str, request: pytest.FixtureRequest, workers: Callable[[str], Workers]
) -> None:
    database_url = str(request.getfixturevalue(f"{backend}_url"))
    pool = workers(database_url)
    kill_mid_write(pool, "worker-1")

    # The same worker id comes back (a restart); it enqueues the same orders again, which must not rerun them.
    outcome = finish(pool.start("worker-1", "--enqueue"))

    assert set(outcome["states"].values()) == {"SUCCESS"}  # type: ignore[union-attr]
    assert_each_order_synced_once(pool.target)


def test_dead_workers_unfinished_flows_are_finished_by_another_worker(
    postgres_url: str, workers: Callable[[str], Workers]
) -> None:
    pool = workers(postgres_url)
    kill_mid_write(pool, "worker-a")

    # A different worker, which never ran these orders, notices worker-a's heartbeat went stale.
    outcome = finish(pool.start("worker-b", "--dead-after", "1.5"))

    assert set(outcome["states"].values()) == {"SUCCESS"}  # type: ignore[union-attr]
    assert_each_order_synced_once(pool.target)
    finished_by = query(pool.target, "SELECT worker FROM executions WHERE workflow_id = ? AND step = ?",
                        "order_to_erp:1002", "acknowledge")  # fmt: skip
    assert finished_by == [("worker-b",)]


def test_queue_concurrency_limit_holds_across_two_worker_processes(
    postgres_url: str, workers: Callable[[str], Workers]
) -> None:
    pool = workers(postgres_url)
    orders = [str(2000 + n) for n in range(24)]
    go = pool.target.parent / "go"
    common = [
        "--flow",
        "busy_order",
        "--concurrency",
        "2",
        "--work-seconds",
        # 24 orders x 0.75 s two at a time, ~9 s: long enough for both workers' queue polls even when DBOS has
        # backed one worker's poll off after a serialization conflict (it doubles the interval each time); at
        # ~4 s one CI run under load saw worker-b take all of them.
        "0.75",
        "--enqueue",
        "--go-file",
        str(go),
    ]
    # Both workers are up before any order is queued, so both compete for the one queue; both enqueue the
    # same 24 orders, and duplicates must not run twice either.
    first = pool.start("worker-a", *common, keys=orders)
    assert first.stdout is not None and '"ready"' in first.stdout.readline()
    second = pool.start("worker-b", *common, keys=orders)
    assert second.stdout is not None and '"ready"' in second.stdout.readline()
    go.touch()
    finish(first)
    finish(second)

    runs = query(pool.target, "SELECT worker, count(*) FROM executions WHERE step = 'work' GROUP BY worker")
    per_worker = dict(runs)
    assert sum(int(n) for n in per_worker.values()) == len(orders), "an order ran twice or never"
    peak = query(pool.target, "SELECT peak FROM inflight WHERE id = 1")[0][0]
    assert 1 <= int(peak) <= 2, f"{peak} orders ran at once on a queue limited to 2"
    assert set(per_worker) == {"worker-a", "worker-b"}, f"both workers should share the queue: {per_worker}"
