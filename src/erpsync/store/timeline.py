"""Record timeline: one event per step of a record's life, found by its business key or any system's id."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from erpsync.store._core import StoreCore
from erpsync.store.canonical_json import to_json_value
from erpsync.store.records import Step, TimelineEvent
from erpsync.store.tables import CrossReference, TimelineEntry

_STEPS = frozenset(step.value for step in Step)


class Timeline(StoreCore):
    def record_event(
        self,
        record_type: str,
        business_key: str,
        step: str,
        *,
        system: str | None = None,
        external_id: str | None = None,
        correlation_id: str | None = None,
        error_class: str | None = None,
        message: str | None = None,
        detail: Mapping[str, Any] | None = None,
        payload_id: int | None = None,
    ) -> None:
        if step not in _STEPS:
            raise ValueError(f"unknown timeline step {step!r}; one of: {', '.join(sorted(_STEPS))}")
        entry = TimelineEntry(
            occurred_at=self._now(),
            record_type=record_type,
            business_key=business_key,
            step=str(step),
            system=system,
            external_id=external_id,
            correlation_id=correlation_id,
            error_class=error_class,
            message=message,
            detail=None if detail is None else to_json_value(detail),
            payload_id=payload_id,
        )
        with self._write() as session:
            session.add(entry)

    def timeline(self, any_id: str, system: str | None = None) -> list[TimelineEvent]:
        """Every event of the record(s) ``any_id`` names, oldest first.

        Without ``system``, ``any_id`` may be a business key or any system's external id. With ``system``, it
        is that system's external id only (``erpsync trace shopify 1042``). External ids resolve through the
        cross-reference and through ids recorded on events, so a record is traceable before it is linked.
        """
        with self._read() as session:
            matches = _records_named(session, any_id, system)
            if not matches:
                return []
            entries = session.scalars(
                select(TimelineEntry)
                .where(or_(*matches))
                .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
            ).all()
            return [_event(entry) for entry in entries]

    def events_since(self, since: datetime, *, until: datetime | None = None) -> list[TimelineEvent]:
        """Every record's events from ``since`` (inclusive) to ``until`` (exclusive), oldest first: the
        dashboard's throughput and error-rate window."""
        query = select(TimelineEntry).where(TimelineEntry.occurred_at >= since)
        if until is not None:
            query = query.where(TimelineEntry.occurred_at < until)
        with self._read() as session:
            entries = session.scalars(query.order_by(TimelineEntry.occurred_at, TimelineEntry.id)).all()
            return [_event(entry) for entry in entries]


def _records_named(session: Session, any_id: str, system: str | None) -> list[ColumnElement[bool]]:
    linked = select(CrossReference.record_type, CrossReference.business_key).where(
        CrossReference.external_id == any_id
    )
    seen = select(TimelineEntry.record_type, TimelineEntry.business_key).where(
        TimelineEntry.external_id == any_id
    )
    if system is not None:
        linked = linked.where(CrossReference.system == system)
        seen = seen.where(TimelineEntry.system == system)
    records = set(session.execute(linked).tuples()) | set(session.execute(seen.distinct()).tuples())
    matches: list[ColumnElement[bool]] = [
        and_(TimelineEntry.record_type == record_type, TimelineEntry.business_key == business_key)
        for record_type, business_key in sorted(records)
    ]
    if system is None:
        matches.append(TimelineEntry.business_key == any_id)
    return matches


def _event(entry: TimelineEntry) -> TimelineEvent:
    return TimelineEvent(
        id=entry.id,
        occurred_at=entry.occurred_at,
        record_type=entry.record_type,
        business_key=entry.business_key,
        step=entry.step,
        system=entry.system,
        external_id=entry.external_id,
        correlation_id=entry.correlation_id,
        error_class=entry.error_class,
        message=entry.message,
        detail=entry.detail,
        payload_id=entry.payload_id,
    )
