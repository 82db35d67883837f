"""What the store hands back: plain frozen records, so callers never hold a database session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Step(StrEnum):
    """One step in a record's life, as shown on its timeline (DESIGN decision 7).

    STARTED and COMPLETED mark a flow run beginning and finishing for the record (the engine's view);
    ACKNOWLEDGED is the target system confirming a write, which a completed run does not imply.
    """

    RECEIVED = "received"
    STARTED = "started"
    MAPPED = "mapped"
    WRITTEN = "written"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"
    RETRIED = "retried"
    PARKED = "parked"
    RESOLVED = "resolved"
    HELD = "held"
    RELEASED = "released"
    SKIPPED = "skipped"
    CONFLICT = "conflict"
    COMPLETED = "completed"


class ExceptionStatus(StrEnum):
    """Where a parked record stands. OPEN and RETRYING are active: at most one per (flow, business key)."""

    OPEN = "open"
    RETRYING = "retrying"
    RESOLVED = "resolved"
    SKIPPED = "skipped"


ACTIVE_EXCEPTION_STATUSES = (ExceptionStatus.OPEN.value, ExceptionStatus.RETRYING.value)


class HoldStatus(StrEnum):
    WAITING = "waiting"
    RELEASED = "released"


@dataclass(frozen=True)
class ArchivedPayload:
    """An inbound webhook or API read exactly as it arrived (sensitive headers redacted)."""

    id: int
    system: str
    kind: str
    body: bytes
    headers: Mapping[str, str]
    correlation_id: str | None
    body_sha256: str
    received_at: datetime


@dataclass(frozen=True)
class TimelineEvent:
    id: int
    occurred_at: datetime
    record_type: str
    business_key: str
    step: str
    system: str | None
    external_id: str | None
    correlation_id: str | None
    error_class: str | None
    message: str | None
    detail: Mapping[str, Any] | None
    payload_id: int | None


@dataclass(frozen=True)
class ExceptionRecord:
    """A parked record. ``payload`` is the input as the flow last saw it; once an operator edits it, it is
    frozen and ``edited_payload`` holds the operator's version (edit-and-retry keeps both)."""

    id: int
    flow: str
    record_type: str
    business_key: str
    system: str | None
    status: str
    error_class: str
    error_type: str | None
    message: str
    field: str | None
    suggested_fix: str | None
    payload: Mapping[str, Any]
    edited_payload: Mapping[str, Any] | None
    workflow_id: str | None
    attempts: int
    note: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def retry_payload(self) -> Mapping[str, Any]:
        """What a retry should run with: the operator's edit when there is one, else the original."""
        return self.edited_payload if self.edited_payload is not None else self.payload


@dataclass(frozen=True)
class Hold:
    """A record waiting on a prerequisite key (an order waiting on ``variant:SKU-9``)."""

    id: int
    flow: str
    record_type: str
    business_key: str
    waits_on: str
    workflow_id: str | None
    payload: Mapping[str, Any]
    status: str
    created_at: datetime
    released_at: datetime | None


@dataclass(frozen=True)
class Conflict:
    """A change from a system that does not own the field: recorded, not applied (DESIGN decision 2)."""

    id: int
    record_type: str
    business_key: str
    field: str
    owner: str
    attempted_by: str
    current: Any
    proposed: Any
    occurred_at: datetime


class RecordNotFound(LookupError):
    """The id asked for is not in the store."""
