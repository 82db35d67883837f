"""What every platform sandbox shares: the /_sandbox/ control API, fault and latency injection, a
controllable clock, and the server runner that prints the ready line (DESIGN decision 6)."""

from erpsync.sandboxes.common.clock import SandboxClock
from erpsync.sandboxes.common.connection import install_fault_handling
from erpsync.sandboxes.common.control import Sandbox, control_router
from erpsync.sandboxes.common.faults import ConnectionAbort, FaultInjector, FaultKind, FaultRule, LatencyRule
from erpsync.sandboxes.common.server import (
    RunningSandbox,
    ready_line,
    serve,
    serve_in_thread,
    start_in_thread,
)

__all__ = [
    "ConnectionAbort",
    "FaultInjector",
    "FaultKind",
    "FaultRule",
    "LatencyRule",
    "RunningSandbox",
    "Sandbox",
    "SandboxClock",
    "control_router",
    "install_fault_handling",
    "ready_line",
    "serve",
    "serve_in_thread",
    "start_in_thread",
]
