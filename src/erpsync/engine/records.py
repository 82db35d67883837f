"""The engine's only door to the state store: timeline events, parked exceptions, holds.

Every store call the engine makes goes through :class:`RecordKeeper`, so a change in ``erpsync.store``'s API
is a change here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from erpsync.errors import ErpsyncError
from erpsync.store import Hold, Store

# The store's timeline vocabulary (erpsync.store.Step) has no words for a run starting or completing; until it
# does, they are recorded under the nearest step with the engine's word in detail["event"].


@dataclass(frozen=True)
class HeldRecord:
    """A record released from a hold: what the engine needs to run its flow again."""

    hold_id: str
    flow: str
    record_type: str
    business_key: str
    payload: Any
    workflow_id: str | None


@dataclass(frozen=True)
class ParkedRecord:
    """An exception as the engine needs it for retry and skip."""

    exception_id: int
    flow: str
    record_type: str
    business_key: str
    payload: Any
    original_payload: Any
    workflow_id: str | None
    status: str


def error_summary(error: BaseException) -> dict[str, Any]:
    """The error as the store keeps it: class, type, message, and the fix when the raiser named one."""
    if isinstance(error, ErpsyncError):
        return dict(error.as_dict())
    return {"error_class": "transient", "type": type(error).__name__, "message": str(error)}


class RecordKeeper:
    def __init__(self, database_url: str) -> None:
        self._store = Store.open(database_url)

    def close(self) -> None:
        self._store.close()

    def event(
        self,
        record_type: str,
        business_key: str,
        step: str,
        *,
        correlation_id: str | None,
        error: BaseException | None = None,
        message: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        system = error.system if isinstance(error, ErpsyncError) else None
        detail = dict(detail or {})
        self._store.record_event(
            record_type,
            business_key,
            step,
            system=system,
            correlation_id=correlation_id,
            error_class=error_summary(error)["error_class"] if error is not None else None,
            message=message if message is not None else (str(error) if error is not None else None),
            detail=detail or None,
        )

    def park(
        self,
        *,
        flow: str,
        record_type: str,
        business_key: str,
        error: BaseException,
        reason: str,
        payload: Any,
        workflow_id: str,
    ) -> int:
        summary = error_summary(error)
        if not summary.get("suggested_fix"):
            summary["suggested_fix"] = reason
        return self._store.open_exception(
            flow=flow,
            record_type=record_type,
            business_key=business_key,
            error=summary,
            payload=_as_mapping(payload),
            workflow_id=workflow_id,
        )

    def parked(self, exception_id: int) -> ParkedRecord:
        exc = self._store.exception(exception_id)
        return ParkedRecord(
            exception_id=exception_id,
            flow=exc.flow,
            record_type=exc.record_type,
            business_key=exc.business_key,
            payload=_from_mapping(exc.retry_payload),
            original_payload=_from_mapping(exc.payload),
            workflow_id=exc.workflow_id,
            status=exc.status,
        )

    def set_status(self, exception_id: int, status: str, note: str | None = None) -> None:
        self._store.set_exception_status(exception_id, status, note=note)

    def resolve(self, flow: str, business_key: str, note: str) -> int | None:
        """Close the record's open or retrying exception, if it has one: the record is in sync now."""
        active = self._store.active_exception(flow=flow, business_key=business_key)
        if active is None:
            return None
        self._store.set_exception_status(active.id, "resolved", note=note)
        return active.id

    def hold(
        self, *, flow: str, record_type: str, business_key: str, waits_on: str, workflow_id: str, payload: Any
    ) -> None:
        self._store.hold(
            flow=flow,
            record_type=record_type,
            business_key=business_key,
            waits_on=waits_on,
            workflow_id=workflow_id,
            payload=_as_mapping(payload),
        )

    def waiting(self, prerequisite: str) -> list[HeldRecord]:
        """The records held on ``prerequisite`` now (not marked)."""
        return [_held(hold) for hold in self._store.holds(waits_on=prerequisite)]

    def release(self, prerequisite: str) -> list[HeldRecord]:
        """Mark released, and return, the records held on ``prerequisite``."""
        return [_held(hold) for hold in self._store.release(prerequisite)]


def _held(hold: Hold) -> HeldRecord:
    return HeldRecord(
        hold_id=str(hold.id),
        flow=hold.flow,
        record_type=hold.record_type,
        business_key=hold.business_key,
        payload=_from_mapping(hold.payload),
        workflow_id=hold.workflow_id,
    )


# The store keeps payloads as JSON objects; a flow's record may be any JSON value, so non-objects are wrapped.
_WRAPPED = "__erpsync_value__"


def _as_mapping(payload: Any) -> Mapping[str, Any]:
    if isinstance(payload, Mapping):
        return payload
    return {_WRAPPED: payload}


def _from_mapping(payload: Any) -> Any:
    if isinstance(payload, Mapping) and set(payload) == {_WRAPPED}:
        return payload[_WRAPPED]
    return payload
