"""Faults and latency on demand, per operation.

A sandbox handler calls ``await sandbox.faults.before(operation)`` once it knows which operation a request
is (``orderCreate``, ``GET salesOrder``...). The injector sleeps for the configured latency, then either
returns ``None`` (serve normally) or a ``FaultKind`` the sandbox turns into its platform's own error shape:

- ``server_error``: the platform's 5xx body;
- ``throttle``: the platform's rate-limit answer (Shopify THROTTLED, NetSuite 429...);
- ``timeout``: the response is held for ``timeout_seconds`` (longer than a sane client timeout);
- ``reset``: the connection is dropped without a response (``ConnectionAbort``).

Rules are random (``error_rate``, seeded for reproducible runs) or scripted one-shot faults consumed in
order, which is what deterministic tests want.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    SERVER_ERROR = "server_error"
    THROTTLE = "throttle"
    TIMEOUT = "timeout"
    RESET = "reset"


class ConnectionAbort(Exception):
    """Raised inside a handler to drop the connection with no response: the client sees a reset."""


@dataclass
class FaultRule:
    """Random faults: each matching request fails with probability ``error_rate``."""

    error_rate: float = 0.0
    kinds: list[FaultKind] = field(default_factory=lambda: [FaultKind.SERVER_ERROR])
    operations: list[str] | None = None  # None: every operation

    def matches(self, operation: str) -> bool:
        return self.operations is None or operation in self.operations


@dataclass
class LatencyRule:
    fixed_ms: float = 0.0
    jitter_ms: float = 0.0
    operations: list[str] | None = None

    def matches(self, operation: str) -> bool:
        return self.operations is None or operation in self.operations


@dataclass
class ScriptedFault:
    kind: FaultKind
    operation: str | None = None  # None: the next request of any operation


class FaultInjector:
    """Holds the fault and latency configuration of one sandbox; safe to use from any thread."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.timeout_seconds = 30.0
        self.fault_rules: list[FaultRule] = []
        self.latency_rules: list[LatencyRule] = []
        self.script: list[ScriptedFault] = []
        self.injected: dict[str, int] = {}

    def configure(self, config: dict[str, Any]) -> None:
        """Apply a control-API document (see ``control.py``); raises ValueError on a bad one."""
        with self._lock:
            if "seed" in config:
                self._random = random.Random(config["seed"])
            if "timeout_seconds" in config:
                self.timeout_seconds = float(config["timeout_seconds"])
            if "rules" in config:
                self.fault_rules = [_fault_rule(rule) for rule in config["rules"]]
            if "latency" in config:
                self.latency_rules = [LatencyRule(**rule) for rule in config["latency"]]
            if "script" in config:
                self.script = [
                    ScriptedFault(FaultKind(item["kind"]), item.get("operation")) for item in config["script"]
                ]

    def clear(self) -> None:
        with self._lock:
            self.fault_rules, self.latency_rules, self.script = [], [], []
            self.injected = {}

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "timeout_seconds": self.timeout_seconds,
                "rules": [
                    {
                        "error_rate": r.error_rate,
                        "kinds": [str(k) for k in r.kinds],
                        "operations": r.operations,
                    }
                    for r in self.fault_rules
                ],
                "latency": [vars(rule) for rule in self.latency_rules],
                "script": [{"kind": str(s.kind), "operation": s.operation} for s in self.script],
                "injected": dict(self.injected),
            }

    def decide(self, operation: str) -> tuple[float, FaultKind | None]:
        """Latency in seconds and the fault (if any) for one request of ``operation``."""
        with self._lock:
            delay = (
                sum(self._latency_ms(rule) for rule in self.latency_rules if rule.matches(operation)) / 1000
            )
            fault = self._take_scripted(operation) or self._draw_random(operation)
            if fault is not None:
                self.injected[str(fault)] = self.injected.get(str(fault), 0) + 1
            return delay, fault

    async def before(self, operation: str) -> FaultKind | None:
        """Sleep for the configured latency; hold or drop the request for timeout/reset faults."""
        delay, fault = self.decide(operation)
        if delay:
            await asyncio.sleep(delay)
        if fault is FaultKind.TIMEOUT:
            await asyncio.sleep(self.timeout_seconds)
            raise ConnectionAbort(operation)
        if fault is FaultKind.RESET:
            raise ConnectionAbort(operation)
        return fault

    def _latency_ms(self, rule: LatencyRule) -> float:
        return rule.fixed_ms + (self._random.uniform(0, rule.jitter_ms) if rule.jitter_ms else 0.0)

    def _take_scripted(self, operation: str) -> FaultKind | None:
        for index, scripted in enumerate(self.script):
            if scripted.operation in (None, operation):
                del self.script[index]
                return scripted.kind
        return None

    def _draw_random(self, operation: str) -> FaultKind | None:
        for rule in self.fault_rules:
            if rule.matches(operation) and rule.error_rate > 0 and self._random.random() < rule.error_rate:
                return self._random.choice(rule.kinds)
        return None


def _fault_rule(rule: dict[str, Any]) -> FaultRule:
    rate = float(rule.get("error_rate", 0.0))
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"error_rate must be between 0 and 1, got {rate}")
    kinds = [FaultKind(kind) for kind in rule.get("kinds", ["server_error"])]
    return FaultRule(error_rate=rate, kinds=kinds, operations=rule.get("operations"))
