"""Ownership conflicts: a change to a field from a system that is not its source of truth is not applied;
it is recorded here for the operator (DESIGN decision 2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from erpsync.store._core import StoreCore
from erpsync.store.canonical_json import to_json_value
from erpsync.store.records import Conflict
from erpsync.store.tables import FieldConflict


class Conflicts(StoreCore):
    def record_conflict(
        self,
        *,
        record_type: str,
        business_key: str,
        field: str,
        owner: str,
        attempted_by: str,
        current: Any,
        proposed: Any,
    ) -> None:
        """``current`` and ``proposed`` are stored as canonical JSON (a Decimal reads back as a string)."""
        entry = FieldConflict(
            record_type=record_type,
            business_key=business_key,
            field=field,
            owner=owner,
            attempted_by=attempted_by,
            current={"value": to_json_value(current)},
            proposed={"value": to_json_value(proposed)},
            occurred_at=self._now(),
        )
        with self._write() as session:
            session.add(entry)

    def conflicts(self, *, business_key: str | None = None) -> list[Conflict]:
        """Conflicts, oldest first, optionally of one record."""
        query = select(FieldConflict).order_by(FieldConflict.occurred_at, FieldConflict.id)
        if business_key is not None:
            query = query.where(FieldConflict.business_key == business_key)
        with self._read() as session:
            return [_conflict(row) for row in session.scalars(query)]


def _conflict(row: FieldConflict) -> Conflict:
    return Conflict(
        id=row.id,
        record_type=row.record_type,
        business_key=row.business_key,
        field=row.field,
        owner=row.owner,
        attempted_by=row.attempted_by,
        current=row.current["value"],
        proposed=row.proposed["value"],
        occurred_at=row.occurred_at,
    )
