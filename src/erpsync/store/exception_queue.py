"""Exception queue: records parked with their reason and a suggested fix, editable for edit-and-retry.

At most one active (open or retrying) exception per (flow, business key): a record that fails again while
parked updates its row and bumps ``attempts`` rather than adding a row (a unique partial index enforces it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from erpsync.errors import ErpsyncError, classify
from erpsync.store._core import StoreCore
from erpsync.store.canonical_json import to_json_value
from erpsync.store.records import (
    ACTIVE_EXCEPTION_STATUSES,
    ExceptionRecord,
    ExceptionStatus,
    RecordNotFound,
)
from erpsync.store.tables import ParkedException

_STATUSES = frozenset(status.value for status in ExceptionStatus)


class ExceptionQueue(StoreCore):
    def open_exception(
        self,
        *,
        flow: str,
        record_type: str,
        business_key: str,
        error: BaseException | Mapping[str, Any],
        payload: Mapping[str, Any],
        workflow_id: str | None = None,
    ) -> int:
        """Park a record (or re-park it: the active row is updated and ``attempts`` bumped); returns its id.

        ``error`` is an ``ErpsyncError`` (or any exception, classified by ``errors.classify``) or a mapping
        shaped like ``ErpsyncError.as_dict()``. The stored payload follows the latest input until an operator
        edits it; from then on the original and the edit both stay as they are.
        """
        reason = _error_fields(error)
        document = _json_object(payload)

        def park(session: Session) -> int:
            # FOR UPDATE: concurrent re-parks queue on the row on PostgreSQL, so no attempt is lost.
            active = session.scalars(_active(flow, business_key).with_for_update()).first()
            if active is None:
                active = ParkedException(
                    flow=flow,
                    business_key=business_key,
                    payload=document,
                    attempts=0,
                    created_at=self._now(),
                )
                session.add(active)
            elif active.edited_payload is None:
                active.payload = document
            active.record_type = record_type
            active.status = ExceptionStatus.OPEN.value
            active.attempts += 1
            active.workflow_id = workflow_id or active.workflow_id
            active.updated_at = self._now()
            for name, value in reason.items():
                setattr(active, name, value)
            session.flush()
            return active.id

        return self._write_racing(park)

    def active_exception(self, *, flow: str, business_key: str) -> ExceptionRecord | None:
        """The open or retrying exception of this record in this flow, if any (to resolve it on success)."""
        with self._read() as session:
            row = session.scalars(_active(flow, business_key)).first()
            return None if row is None else _record(row)

    def exceptions(
        self,
        *,
        status: str | None = ExceptionStatus.OPEN.value,
        flow: str | None = None,
        error_class: str | None = None,
        system: str | None = None,
        older_than: timedelta | None = None,
    ) -> list[ExceptionRecord]:
        """Exceptions matching every filter given, oldest first (``status=None`` means any status)."""
        query = select(ParkedException).order_by(ParkedException.created_at, ParkedException.id)
        if status is not None:
            query = query.where(ParkedException.status == _valid_status(status))
        if flow is not None:
            query = query.where(ParkedException.flow == flow)
        if error_class is not None:
            query = query.where(ParkedException.error_class == error_class)
        if system is not None:
            query = query.where(ParkedException.system == system)
        if older_than is not None:
            query = query.where(ParkedException.created_at < self._now() - older_than)
        with self._read() as session:
            return [_record(row) for row in session.scalars(query)]

    def exception(self, exception_id: int) -> ExceptionRecord:
        with self._read() as session:
            return _record(_get(session, exception_id))

    def edit_exception_payload(self, exception_id: int, payload: Mapping[str, Any]) -> None:
        """Store the operator's corrected payload next to the original (which is never overwritten)."""
        document = _json_object(payload)
        with self._write() as session:
            row = _get(session, exception_id, for_update=True)
            if row.status not in ACTIVE_EXCEPTION_STATUSES:
                raise ValueError(f"exception {exception_id} is {row.status}; only open ones can be edited")
            row.edited_payload = document
            row.updated_at = self._now()

    def set_exception_status(self, exception_id: int, status: str, *, note: str | None = None) -> None:
        """Move an exception to open, retrying, resolved or skipped (``note`` says why, for the audit)."""
        status = _valid_status(status)
        try:
            with self._write() as session:
                row = _get(session, exception_id, for_update=True)
                row.status = status
                row.note = note if note is not None else row.note
                row.updated_at = self._now()
        except IntegrityError as exc:
            raise ValueError(
                f"cannot make exception {exception_id} {status}: the record already has an active exception "
                "in this flow"
            ) from exc


def _active(flow: str, business_key: str) -> Select[tuple[ParkedException]]:
    return select(ParkedException).where(
        ParkedException.flow == flow,
        ParkedException.business_key == business_key,
        ParkedException.status.in_(ACTIVE_EXCEPTION_STATUSES),
    )


def _get(session: Session, exception_id: int, *, for_update: bool = False) -> ParkedException:
    row = session.get(ParkedException, exception_id, with_for_update=for_update)
    if row is None:
        raise RecordNotFound(f"no exception {exception_id}")
    return row


def _valid_status(status: str) -> str:
    if status not in _STATUSES:
        raise ValueError(f"unknown exception status {status!r}; one of: {', '.join(sorted(_STATUSES))}")
    return str(status)


def _json_object(payload: Mapping[str, Any]) -> dict[str, Any]:
    document = to_json_value(dict(payload))
    assert isinstance(document, dict)
    return document


def _error_fields(error: BaseException | Mapping[str, Any]) -> dict[str, str | None]:
    if isinstance(error, ErpsyncError):
        details: Mapping[str, Any] = error.as_dict()
    elif isinstance(error, BaseException):
        details = {"error_class": classify(error), "type": type(error).__name__, "message": str(error)}
    else:
        details = error
    return {
        "error_class": str(details.get("error_class") or "data"),
        "error_type": details.get("type") or details.get("error_type"),
        "message": str(details.get("message") or details.get("type") or "no message given"),
        "system": details.get("system"),
        "field": details.get("field"),
        "suggested_fix": details.get("suggested_fix"),
    }


def _record(row: ParkedException) -> ExceptionRecord:
    return ExceptionRecord(
        id=row.id,
        flow=row.flow,
        record_type=row.record_type,
        business_key=row.business_key,
        system=row.system,
        status=row.status,
        error_class=row.error_class,
        error_type=row.error_type,
        message=row.message,
        field=row.field,
        suggested_fix=row.suggested_fix,
        payload=row.payload,
        edited_payload=row.edited_payload,
        workflow_id=row.workflow_id,
        attempts=row.attempts,
        note=row.note,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
