"""Change polling on ``write_date``/``create_date`` with a cursor and an overlap window.

Tryton sends no webhooks to third parties, so changes are polled. Every ``ModelSQL`` record carries
``create_date`` and ``write_date`` (``trytond/model/modelsql.py``; trytond 8 sets ``write_date`` on create
too, older series leave it empty until the first write, hence both). A transaction that commits late can
carry a timestamp older than rows already read, so each poll starts ``overlap`` before the newest timestamp
delivered and skips the ``(id, timestamp)`` pairs it delivered before::

    [["OR", ["write_date", ">=", since - overlap], ["create_date", ">=", since - overlap]]]

The window's rows are read with only ``id``, ``create_date`` and ``write_date``, oldest change first, and
delivered ``limit`` at a time, so the cursor only moves past what was delivered.
The cursor is an opaque JSON string the engine stores:
``{"since": "2026-12-04T10:00:00.123456+00:00", "seen": ["7@2026-12-04T10:00:00.123456+00:00"]}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from erpsync.connectors.tryton.errors import SYSTEM
from erpsync.connectors.tryton.translate import changed_at, nested
from erpsync.errors import DataError

Domain = list[Any]
Order = list[tuple[str, str]]
# (model, domain, fields, offset, limit, order) -> rows: TrytonClient.search_read's shape, positionally.
SearchRead = Callable[[str, Domain, list[str], int, int | None, Order | None], list[dict[str, Any]]]


@dataclass(frozen=True)
class ChangeCursor:
    """Where a poll resumes: the newest change time delivered and the rows delivered within the overlap."""

    since: datetime | None = None
    seen: frozenset[str] = field(default_factory=frozenset)

    def encode(self) -> str:
        since = self.since.isoformat() if self.since else None
        return json.dumps({"since": since, "seen": sorted(self.seen)}, separators=(",", ":"))

    @classmethod
    def decode(cls, cursor: str | None) -> ChangeCursor:
        if not cursor:
            return cls()
        try:
            data = json.loads(cursor)
            since = datetime.fromisoformat(data["since"]) if data.get("since") else None
            if since is not None and since.tzinfo is None:
                raise ValueError("naive timestamp")
            return cls(since=since, seen=frozenset(str(key) for key in data.get("seen", [])))
        except (ValueError, TypeError, AttributeError, KeyError):
            raise DataError(
                f"not a Tryton change cursor: {cursor[:80]!r}",
                system=SYSTEM,
                field="cursor",
                suggested_fix="reset the flow's cursor (an empty cursor reads every record once)",
            ) from None


@dataclass(frozen=True)
class ChangedIds:
    ids: list[int]
    cursor: ChangeCursor
    more: bool


def _changed(row: dict[str, Any], related: Sequence[str]) -> datetime:
    stamps = [changed_at(row)] + [
        stamp for name in related if isinstance(stamp := nested(row, name), datetime)
    ]
    return max(stamps)


def _key(record_id: int, stamp: datetime) -> str:
    return f"{record_id}@{stamp.isoformat()}"


def poll_changes(
    search_read: SearchRead,
    model: str,
    cursor: ChangeCursor,
    *,
    domain: Domain | None = None,
    also_changed_with: Sequence[str] = (),
    overlap: timedelta = timedelta(seconds=60),
    limit: int = 200,
) -> ChangedIds:
    """Ids of ``model`` records changed since ``cursor`` (at most ``limit``, oldest change first).

    Tryton sorts by ``write_date`` (trytond 8 sets it on create) and the rows are read a page at a time
    until ``limit`` new ones are found, so a first poll of a large table does not read it whole.
    ``also_changed_with`` names dotted timestamp fields of related records that count as a change of this
    one (``"template.write_date"``: a price edited on a product's template changes the product); the server
    cannot sort by the newer of two records' stamps, so then the whole window is read and sorted here.
    """
    stamp_fields = ["write_date", "create_date", *also_changed_with]
    conditions: Domain = list(domain or [])
    if cursor.since is not None:
        start = cursor.since - overlap
        conditions.append(["OR", *([name, ">=", start] for name in stamp_fields)])
    fields = ["id", *stamp_fields]
    if also_changed_with:
        rows = search_read(model, conditions, fields, 0, None, None)
        stamped = sorted((_changed(row, also_changed_with), int(row["id"])) for row in rows)
        fresh = [
            (stamp, record_id) for stamp, record_id in stamped if _key(record_id, stamp) not in cursor.seen
        ]
        more = len(fresh) > limit
    else:
        fresh, more = _fresh_in_server_order(search_read, model, conditions, fields, cursor, limit)
    delivered = fresh[:limit]
    return ChangedIds(
        ids=[record_id for _, record_id in delivered], cursor=_advance(cursor, delivered, overlap), more=more
    )


_SERVER_ORDER = [("write_date", "ASC"), ("create_date", "ASC"), ("id", "ASC")]


def _fresh_in_server_order(
    search_read: SearchRead,
    model: str,
    conditions: Domain,
    fields: list[str],
    cursor: ChangeCursor,
    limit: int,
) -> tuple[list[tuple[datetime, int]], bool]:
    fresh: list[tuple[datetime, int]] = []
    offset = 0
    while True:
        rows = search_read(model, conditions, fields, offset, limit, _SERVER_ORDER)
        for row in rows:
            stamp, record_id = changed_at(row), int(row["id"])
            if _key(record_id, stamp) not in cursor.seen:
                fresh.append((stamp, record_id))
        if len(rows) < limit:
            return fresh, len(fresh) > limit
        if len(fresh) >= limit:
            return fresh, True
        offset += limit


def _advance(cursor: ChangeCursor, delivered: list[tuple[datetime, int]], overlap: timedelta) -> ChangeCursor:
    if not delivered:
        return cursor
    newest = max([stamp for stamp, _ in delivered] + ([cursor.since] if cursor.since else []))
    keys = cursor.seen | {_key(record_id, stamp) for stamp, record_id in delivered}
    window_start = newest - overlap
    # Keys older than the window can never be read again, so they are dropped and the cursor stays small.
    return ChangeCursor(
        since=newest,
        seen=frozenset(k for k in keys if datetime.fromisoformat(k.split("@", 1)[1]) >= window_start),
    )
