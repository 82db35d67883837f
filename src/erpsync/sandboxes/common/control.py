"""The control API every sandbox serves under ``/_sandbox/`` (same for all platforms).

    GET  /_sandbox/health                      -> {"platform": ..., "status": "ok"}
    GET  /_sandbox/faults                      -> current fault/latency configuration and counters
    PUT  /_sandbox/faults   {"rules": [{"error_rate": 0.1, "kinds": ["server_error", "reset"],
                             "operations": ["orderCreate"]}], "latency": [{"fixed_ms": 300}],
                             "script": [{"kind": "throttle", "operation": "orderCreate"}],
                             "timeout_seconds": 10, "seed": 7}
    DELETE /_sandbox/faults                    -> no faults, no latency
    PUT  /_sandbox/rate-limit {"preset": "plus"}
    GET  /_sandbox/clock / PUT {"advance_seconds": 60} or {"now": "2026-12-04T10:00:00Z"}
    GET  /_sandbox/state                       -> the whole state as JSON
    POST /_sandbox/reset                       -> empty state (seeded again when the sandbox was seeded)

It is a development tool: it has no auth, so serve sandboxes on loopback.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from fastapi import APIRouter, Body, HTTPException

from erpsync.sandboxes.common.clock import SandboxClock
from erpsync.sandboxes.common.faults import FaultInjector


class Sandbox(Protocol):
    """What a platform sandbox exposes to the control API, the CLI and the tests."""

    platform: str
    app: Any  # the ASGI app serving the platform's API and this control API
    clock: SandboxClock
    faults: FaultInjector

    def credentials(self) -> dict[str, Any]: ...

    def dump_state(self) -> dict[str, Any]: ...

    def reset(self) -> None: ...

    def set_rate_limit_preset(self, preset: str) -> dict[str, Any]:
        """Switch the rate-limit preset; raise ValueError naming the known presets on an unknown one."""
        ...


def control_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", tags=["sandbox control"])

    @router.get("/health")
    def health() -> dict[str, str]:
        return {"platform": sandbox.platform, "status": "ok"}

    @router.get("/faults")
    def get_faults() -> dict[str, Any]:
        return sandbox.faults.describe()

    @router.put("/faults")
    def put_faults(config: dict[str, Any] = Body(...)) -> dict[str, Any]:
        try:
            sandbox.faults.configure(config)
        except (ValueError, TypeError, KeyError) as exc:
            raise HTTPException(status_code=422, detail=f"bad fault configuration: {exc}") from exc
        return sandbox.faults.describe()

    @router.delete("/faults")
    def clear_faults() -> dict[str, Any]:
        sandbox.faults.clear()
        return sandbox.faults.describe()

    @router.put("/rate-limit")
    def put_rate_limit(config: dict[str, Any] = Body(...)) -> dict[str, Any]:
        try:
            return sandbox.set_rate_limit_preset(str(config["preset"]))
        except (KeyError, ValueError) as exc:
            raise HTTPException(status_code=422, detail=f"bad rate-limit preset: {exc}") from exc

    @router.get("/clock")
    def get_clock() -> dict[str, str]:
        return {"now": sandbox.clock.now().isoformat()}

    @router.put("/clock")
    def put_clock(change: dict[str, Any] = Body(...)) -> dict[str, str]:
        try:
            if "advance_seconds" in change:
                moment = sandbox.clock.advance(float(change["advance_seconds"]))
            elif "now" in change:
                moment = sandbox.clock.set(datetime.fromisoformat(str(change["now"])))
            else:
                raise ValueError('give "advance_seconds" or "now"')
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return {"now": moment.isoformat()}

    @router.get("/state")
    def get_state() -> dict[str, Any]:
        return sandbox.dump_state()

    @router.post("/reset")
    def reset() -> dict[str, str]:
        sandbox.reset()
        return {"status": "reset"}

    return router
