"""The shared sandbox kit: control API, scripted and random faults, dropped connections, clock."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from erpsync.sandboxes.common import (
    FaultInjector,
    FaultKind,
    SandboxClock,
    control_router,
    install_fault_handling,
    serve_in_thread,
)


class EchoSandbox:
    """The smallest platform: one operation, its own error shapes; enough to exercise the kit."""

    platform = "echo"

    def __init__(self) -> None:
        self.clock = SandboxClock()
        self.faults = FaultInjector(seed=1)
        self.preset = "standard"
        self.calls = 0
        self.app = FastAPI()
        install_fault_handling(self.app)
        self.app.include_router(control_router(self))

        @self.app.get("/echo")
        async def echo() -> Any:
            fault = await self.faults.before("echo")
            if fault is FaultKind.SERVER_ERROR:
                return JSONResponse({"error": "internal"}, status_code=503)
            if fault is FaultKind.THROTTLE:
                return JSONResponse({"error": "slow down"}, status_code=429)
            self.calls += 1
            return {"calls": self.calls}

    def credentials(self) -> dict[str, Any]:
        return {"token": "t"}

    def dump_state(self) -> dict[str, Any]:
        return {"calls": self.calls, "preset": self.preset}

    def reset(self) -> None:
        self.calls = 0

    def set_rate_limit_preset(self, preset: str) -> dict[str, Any]:
        if preset not in ("standard", "plus"):
            raise ValueError(f"unknown preset {preset!r}; known: standard, plus")
        self.preset = preset
        return {"preset": preset}


@pytest.fixture
def echo() -> Iterator[tuple[EchoSandbox, httpx.Client]]:
    sandbox = EchoSandbox()
    with serve_in_thread(sandbox.app) as running, httpx.Client(base_url=running.url, timeout=5) as client:
        yield sandbox, client


def test_scripted_faults_are_served_in_order_then_normal_service_resumes(echo: Any) -> None:
    _, client = echo
    script = [{"kind": "server_error", "operation": "echo"}, {"kind": "throttle"}]
    assert client.put("/_sandbox/faults", json={"script": script}).status_code == 200
    assert client.get("/echo").status_code == 503
    assert client.get("/echo").status_code == 429
    assert client.get("/echo").json() == {"calls": 1}
    assert client.get("/_sandbox/faults").json()["injected"] == {"server_error": 1, "throttle": 1}


def test_reset_fault_drops_the_connection_without_a_complete_response(echo: Any) -> None:
    _, client = echo
    server_log = _Collect()
    logging.getLogger("uvicorn.error").addHandler(server_log)
    try:
        client.put("/_sandbox/faults", json={"script": [{"kind": "reset"}]})
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/echo")
        assert client.get("/echo").status_code == 200
    finally:
        logging.getLogger("uvicorn.error").removeHandler(server_log)
    # A deliberate drop is not an application error: the server logs no traceback for it.
    assert [r.getMessage() for r in server_log.records if r.levelno >= logging.ERROR] == []


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_random_error_rate_one_fails_every_matching_operation_only(echo: Any) -> None:
    _, client = echo
    client.put("/_sandbox/faults", json={"rules": [{"error_rate": 1.0, "operations": ["echo"]}]})
    assert [client.get("/echo").status_code for _ in range(3)] == [503, 503, 503]
    assert client.get("/_sandbox/health").status_code == 200
    client.delete("/_sandbox/faults")
    assert client.get("/echo").status_code == 200


def test_bad_fault_configuration_is_rejected_with_a_reason(echo: Any) -> None:
    _, client = echo
    response = client.put("/_sandbox/faults", json={"rules": [{"error_rate": 3}]})
    assert response.status_code == 422
    assert "error_rate" in response.text
    assert client.put("/_sandbox/faults", json={"script": [{"kind": "meteor"}]}).status_code == 422


def test_clock_moves_forward_only_and_preset_validation(echo: Any) -> None:
    sandbox, client = echo
    before = sandbox.clock.now()
    moved = client.put("/_sandbox/clock", json={"advance_seconds": 3600}).json()["now"]
    assert (sandbox.clock.now() - before).total_seconds() >= 3600
    assert moved.startswith(str(sandbox.clock.now().year))
    assert client.put("/_sandbox/clock", json={"advance_seconds": -5}).status_code == 422
    assert client.put("/_sandbox/rate-limit", json={"preset": "plus"}).json() == {"preset": "plus"}
    assert client.put("/_sandbox/rate-limit", json={"preset": "gold"}).status_code == 422


def test_state_dump_and_reset(echo: Any) -> None:
    _, client = echo
    client.get("/echo")
    assert client.get("/_sandbox/state").json()["calls"] == 1
    client.post("/_sandbox/reset")
    assert client.get("/_sandbox/state").json()["calls"] == 0
