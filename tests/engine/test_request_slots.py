"""Request slots (engine.request_slots): the requests in flight to one API never exceed its limit, in one
process or across worker processes, and a dead worker's slots come back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from erpsync.engine.slots import LeasedSlots, LocalSlots, RequestSlots
from erpsync.engine.state import EngineState

APP = Path(__file__).with_name("request_slots_app.py")


def busiest(slots: RequestSlots, threads: int = 8, rounds: int = 4) -> int:
    """The most requests in flight at once while ``threads`` threads each send ``rounds`` requests."""
    lock = threading.Lock()
    in_flight = peak = 0

    def send() -> None:
        nonlocal in_flight, peak
        for _ in range(rounds):
            assert slots.acquire(timeout=30)
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.01)
            with lock:
                in_flight -= 1
            slots.release()

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return peak


def leased(url: str, worker_id: str, limit: int = 3, **options: Any) -> LeasedSlots:
    EngineState(url).close()  # the engine's tables, as an Engine creates them
    return LeasedSlots(url, "netsuite", limit, worker_id=worker_id, **options)


def test_local_slots_hold_threads_to_the_limit() -> None:
    assert busiest(LocalSlots(3)) == 3


def test_leased_slots_hold_threads_to_the_limit(postgres_url: str) -> None:
    slots = leased(postgres_url, "w1")
    try:
        assert busiest(slots) == 3
        assert slots.held() == 0
    finally:
        slots.close()


def test_a_dead_workers_slots_are_freed_for_the_others(postgres_url: str) -> None:
    dead, alive = leased(postgres_url, "dead", limit=2), leased(postgres_url, "alive", limit=2)
    try:
        assert dead.acquire(timeout=1) and dead.acquire(timeout=1)  # then the worker "dies" holding both
        assert not alive.acquire(timeout=0.3)
        state = EngineState(postgres_url)
        try:
            assert state.free_request_slots("dead") == 2  # what WorkerWatch does for a stale heartbeat
        finally:
            state.close()
        assert alive.acquire(timeout=1)
        alive.release()
    finally:
        dead.close()
        alive.close()


def test_an_expired_lease_is_claimed_again(postgres_url: str) -> None:
    stuck, other = leased(postgres_url, "stuck", limit=1, lease_seconds=0.3), leased(postgres_url, "other", 1)
    try:
        assert stuck.acquire(timeout=1)
        assert not other.acquire(timeout=0.1)
        assert other.acquire(timeout=2)  # the lease ran out
        other.release()
    finally:
        stuck.close()
        other.close()


def test_a_worker_re_claiming_its_own_slots_does_not_starve_another(postgres_url: str) -> None:
    busy, patient = leased(postgres_url, "busy", limit=2), leased(postgres_url, "patient", limit=2)
    stop = threading.Event()

    def hog() -> None:  # frees a slot and claims it again at once, as a busy worker's flows do
        while not stop.is_set():
            assert busy.acquire(timeout=10)
            time.sleep(0.02)
            busy.release()

    hogs = [threading.Thread(target=hog) for _ in range(3)]
    try:
        for thread in hogs:
            thread.start()
        time.sleep(0.2)
        started = time.monotonic()
        assert patient.acquire(timeout=5), "the other worker never got a slot"
        waited = time.monotonic() - started
        patient.release()
        assert waited < 1.0, f"the other worker waited {waited:.2f} s for a slot freed every 20 ms"
    finally:
        stop.set()
        for thread in hogs:
            thread.join()
        busy.close()
        patient.close()


def test_releasing_a_slot_not_held_is_an_error(postgres_url: str) -> None:
    slots = leased(postgres_url, "w1")
    try:
        with pytest.raises(RuntimeError, match="does not hold"):
            slots.release()
    finally:
        slots.close()


@pytest.fixture
def netsuite_sandbox() -> Iterator[tuple[str, dict[str, Any]]]:
    """A NetSuite sandbox in its own process: (url, ready line)."""
    erpsync = Path(sys.executable).parent / "erpsync"
    process = subprocess.Popen(
        [str(erpsync), "sandbox", "netsuite", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        yield ready["url"], ready
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_two_workers_never_exceed_one_netsuite_accounts_limit(
    postgres_url: str, netsuite_sandbox: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    url, ready = netsuite_sandbox
    limit, flows = 3, 24
    httpx.put(f"{url}/_sandbox/rate-limit", json={"preset": f"limit-{limit}"}).raise_for_status()
    httpx.put(f"{url}/_sandbox/faults", json={"latency": [{"fixed_ms": 100}]}).raise_for_status()
    go, ready_file = tmp_path / "go", tmp_path / "sandbox.json"
    ready_file.write_text(json.dumps(ready))  # not on the command line: it holds the sandbox's credentials
    started = []
    for worker in ("worker-a", "worker-b"):
        command = [
            sys.executable, str(APP), "--database-url", postgres_url, "--worker-id", worker,
            "--sandbox-file", str(ready_file), "--limit", str(limit), "--flows", str(flows),
            "--go-file", str(go),
        ]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ}
        )
        started.append(process)
    try:
        for process in started:
            assert process.stdout is not None and '"ready"' in process.stdout.readline()
        go.touch()
        outcomes = []
        for process in started:
            out, err = process.communicate(timeout=300)  # ~20 s; generous for a machine under load
            assert process.returncode == 0, err[-4000:]
            outcomes.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()
    governance = httpx.get(f"{url}/_sandbox/governance").json()
    assert all(outcome["states"] == ["SUCCESS"] for outcome in outcomes), outcomes
    # The queue ran twice as many flows as the account allows requests, shared by both workers (a step whose
    # request waited longer than the client's budget timeout for a slot is retried, so maybe a few more)...
    sent = [outcome["sent"] for outcome in outcomes]
    assert sum(sent) >= 3 * flows and min(sent) > 0, f"both workers should share the work: {outcomes}"
    # ...and the account never saw more requests at once than its limit, nor rejected one.
    assert governance["rejected"] == 0
    assert governance["peak"] == limit, governance
