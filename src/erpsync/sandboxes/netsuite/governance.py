"""NetSuite's concurrency governance and asynchronous requests.

Concurrency (Oracle help section_0827103226, "Web Services and RESTlet Concurrency Governance"): every
account has one limit shared by all its integrations, the service tier's base plus 10 per SuiteCloud Plus
license (Oracle's examples: shared tier with one license 5 + 10 = 15; Tier 1 with five 15 + 5 x 10 = 65).
A request over the limit is refused at once (REST: 429 Too Many Requests), never queued.

Async (Oracle help chapter_161251386312, subsect_161278579295): ``Prefer: respond-async`` answers
202 + ``Location: /services/rest/async/v1/job/{id}``; ``X-NetSuite-Idempotency-Key`` makes a retried
submission safe: the same key twice is refused with 400 IDEMPOTENCY_ERROR and a ``Location`` header naming
the job submitted first (subsect_164494900632).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from erpsync.sandboxes.netsuite.errors import NetSuiteError

# preset name -> account concurrency limit; "limit-N" sets any limit (tests use small ones).
CONCURRENCY_PRESETS = {
    "shared": 5,
    "default": 15,  # shared tier + 1 SuiteCloud Plus license
    "tier-1": 15,
    "tier-2": 20,
    "tier-3": 25,
    "tier-4": 30,
    "tier-5": 35,
    **{f"plus-{n}": 15 + 10 * n for n in range(1, 6)},
}


def concurrency_limit_for(preset: str) -> int:
    if preset in CONCURRENCY_PRESETS:
        return CONCURRENCY_PRESETS[preset]
    match = re.fullmatch(r"limit-(\d+)", preset)
    if match and int(match.group(1)) > 0:
        return int(match.group(1))
    known = ", ".join([*CONCURRENCY_PRESETS, "limit-N"])
    raise ValueError(f"unknown NetSuite concurrency preset {preset!r}; known: {known}")


def concurrency_error() -> NetSuiteError:
    # [UNCONF] the o:errorCode of a REST 429: Oracle documents the status, not the code. TBA SOAP calls get
    # WS_REQUEST_BLOCKED (bridgehead_1525252812); we answer that code with the REST 429 status.
    return NetSuiteError(
        429,
        "WS_REQUEST_BLOCKED",
        "Request blocked by the concurrency governance of this account: too many concurrent requests. "
        "Retry the request after the current requests complete.",
    )


class ConcurrencyGovernor:
    """Counts requests in flight; one over the account limit is refused with 429."""

    def __init__(self, limit: int = CONCURRENCY_PRESETS["default"]) -> None:
        self.limit = limit
        self.preset = "default"
        self.in_flight = 0
        self.peak = 0
        self.rejected = 0
        self._lock = threading.Lock()

    def set_preset(self, preset: str) -> dict[str, Any]:
        limit = concurrency_limit_for(preset)
        with self._lock:
            self.limit, self.preset = limit, preset
        return {"preset": preset, "concurrency_limit": limit}

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._lock:
            if self.in_flight >= self.limit:
                self.rejected += 1
                raise concurrency_error()
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1

    def reset_counters(self) -> None:
        with self._lock:
            self.peak, self.rejected = self.in_flight, 0

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "preset": self.preset,
                "concurrency_limit": self.limit,
                "in_flight": self.in_flight,
                "peak": self.peak,
                "rejected": self.rejected,
            }


@dataclass
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: Any  # JSON document or None


@dataclass
class AsyncJob:
    """One accepted request: pending until its task ran, then succeeded or failed with the stored answer."""

    id: str
    created: datetime
    idempotency_key: str | None = None
    request: dict[str, str] = field(default_factory=dict)
    completed: datetime | None = None
    result: StoredResponse | None = None

    @property
    def progress(self) -> str:
        if self.result is None:
            return "pending"
        return "succeeded" if self.result.status < 400 else "failed"


class AsyncJobs:
    """Accepted asynchronous requests and the idempotency keys already used."""

    def __init__(self) -> None:
        self.jobs: dict[str, AsyncJob] = {}
        self.processing_seconds = 0.0  # how long a job stays pending before it runs (real seconds)
        self.paused = False  # while True, accepted jobs stay pending (deterministic tests of polling)
        self._last_id = 0
        self._lock = threading.Lock()

    def new_job(self, created: datetime, key: str | None, request: dict[str, str]) -> AsyncJob:
        with self._lock:
            self._last_id += 1
            job = AsyncJob(str(self._last_id), created, key, request)
            self.jobs[job.id] = job
            return job

    def job_with_key(self, key: str | None) -> AsyncJob | None:
        if key is None:
            return None
        with self._lock:
            return next((job for job in self.jobs.values() if job.idempotency_key == key), None)

    def configure(self, config: Any) -> dict[str, Any]:
        if not isinstance(config, dict):
            raise ValueError('give {"paused": bool, "processing_seconds": number}')
        seconds = float(config.get("processing_seconds", self.processing_seconds))
        if seconds < 0:
            raise ValueError("processing_seconds must not be negative")
        self.processing_seconds, self.paused = seconds, bool(config.get("paused", self.paused))
        return self.describe()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            pending = sum(1 for job in self.jobs.values() if job.result is None)
            return {
                "paused": self.paused,
                "processing_seconds": self.processing_seconds,
                "jobs": len(self.jobs),
                "pending": pending,
            }

    def get(self, job_id: str) -> AsyncJob:
        with self._lock:
            job = self.jobs.get(job_id)
        if job is None:
            raise NetSuiteError(404, "NONEXISTENT_ID", f"The async job {job_id} does not exist.")
        return job

    def reset(self) -> None:
        with self._lock:
            self.jobs.clear()
            self.paused, self.processing_seconds = False, 0.0
