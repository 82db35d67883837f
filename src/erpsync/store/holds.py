"""Dependency hold-and-release: a record waits, visibly, on a prerequisite key (``variant:SKU-9``) and is
handed back when that prerequisite succeeds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from erpsync.store._core import StoreCore
from erpsync.store.canonical_json import to_json_value
from erpsync.store.records import Hold, HoldStatus
from erpsync.store.tables import HeldRecord

_WAITING = HoldStatus.WAITING.value


class Holds(StoreCore):
    def hold(
        self,
        *,
        flow: str,
        record_type: str,
        business_key: str,
        waits_on: str,
        workflow_id: str | None,
        payload: Mapping[str, Any],
    ) -> None:
        """Make the record wait on ``waits_on``. Holding it again on the same key refreshes the one hold."""
        document = to_json_value(dict(payload))

        def wait(session: Session) -> None:
            waiting = session.scalars(
                select(HeldRecord)
                .where(
                    HeldRecord.flow == flow,
                    HeldRecord.business_key == business_key,
                    HeldRecord.waits_on == waits_on,
                    HeldRecord.status == _WAITING,
                )
                .with_for_update()
            ).first()
            if waiting is None:
                waiting = HeldRecord(
                    flow=flow,
                    business_key=business_key,
                    waits_on=waits_on,
                    status=_WAITING,
                    created_at=self._now(),
                )
                session.add(waiting)
            waiting.record_type = record_type
            waiting.workflow_id = workflow_id
            waiting.payload = document

        self._write_racing(wait)

    def release(self, prerequisite: str) -> list[Hold]:
        """Mark released every hold waiting on ``prerequisite`` and return them, each exactly once even when
        several workers release the same key at the same time (one conditional UPDATE ... RETURNING)."""
        with self._write() as session:
            released = session.scalars(
                update(HeldRecord)
                .where(HeldRecord.waits_on == prerequisite, HeldRecord.status == _WAITING)
                .values(status=HoldStatus.RELEASED.value, released_at=self._now())
                .returning(HeldRecord),
                execution_options={"synchronize_session": False},
            ).all()
            return sorted((_hold(row) for row in released), key=lambda hold: (hold.created_at, hold.id))

    def holds(self, *, waits_on: str | None = None, status: str | None = _WAITING) -> list[Hold]:
        """Holds, oldest first: by default the ones still waiting (``status=None`` for all)."""
        query = select(HeldRecord).order_by(HeldRecord.created_at, HeldRecord.id)
        if waits_on is not None:
            query = query.where(HeldRecord.waits_on == waits_on)
        if status is not None:
            query = query.where(HeldRecord.status == status)
        with self._read() as session:
            return [_hold(row) for row in session.scalars(query)]


def _hold(row: HeldRecord) -> Hold:
    return Hold(
        id=row.id,
        flow=row.flow,
        record_type=row.record_type,
        business_key=row.business_key,
        waits_on=row.waits_on,
        workflow_id=row.workflow_id,
        payload=row.payload,
        status=row.status,
        created_at=row.created_at,
        released_at=row.released_at,
    )
