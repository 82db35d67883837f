"""Cursors: where each polling flow got to (a timestamp, a page token), opaque to the store."""

from __future__ import annotations

from sqlalchemy import select

from erpsync.store._core import StoreCore
from erpsync.store._upsert import upsert
from erpsync.store.tables import Cursor


class Cursors(StoreCore):
    def cursor(self, flow: str) -> str | None:
        with self._read() as session:
            return session.scalar(select(Cursor.value).where(Cursor.flow == flow))

    def set_cursor(self, flow: str, value: str) -> None:
        with self._write() as session:
            upsert(
                session, Cursor, [{"flow": flow, "value": value, "updated_at": self._now()}], key=("flow",)
            )
