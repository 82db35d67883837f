"""Change polling with SuiteQL on ``lastmodifieddate``, re-reading an overlap window and dropping what was
already delivered.

NetSuite REST web services send no webhooks, so changes are polled (docs/connectors/netsuite.md). A record
saved by a long transaction can carry a ``lastmodifieddate`` older than rows already read, and timestamps
have one-second precision, so each poll starts ``overlap`` seconds before the newest timestamp delivered and
skips rows whose ``(id, lastmodifieddate)`` it delivered before::

    SELECT id, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified FROM customer
    WHERE lastmodifieddate >= TO_TIMESTAMP('2026-12-04 09:59:00', 'YYYY-MM-DD HH24:MI:SS')
    ORDER BY lastmodifieddate, id

The cursor is an opaque JSON string the engine stores:
``{"since": "2026-12-04 10:00:00", "seen": ["107@2026-12-04 10:00:00"]}``.
A record changed again gets a newer timestamp, hence a new ``seen`` key, and is delivered again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from erpsync.connectors.netsuite.paging import Page
from erpsync.errors import DataError

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
SQL_TIMESTAMP_FORMAT = "YYYY-MM-DD HH24:MI:SS"


class SuiteQLRunner(Protocol):
    def suiteql(self, query: str, *, limit: int = ..., offset: int = ...) -> Page: ...


@dataclass(frozen=True)
class ChangeCursor:
    """Where a poll resumes: the newest timestamp delivered and the rows delivered within the overlap."""

    since: str | None = None
    seen: frozenset[str] = field(default_factory=frozenset)

    def encode(self) -> str:
        return json.dumps({"since": self.since, "seen": sorted(self.seen)}, separators=(",", ":"))

    @classmethod
    def decode(cls, cursor: str | None) -> ChangeCursor:
        if not cursor:
            return cls()
        try:
            data = json.loads(cursor)
            since = data.get("since")
            if since is not None:
                datetime.strptime(since, TIMESTAMP_FORMAT)
            return cls(since=since, seen=frozenset(str(key) for key in data.get("seen", [])))
        except (ValueError, TypeError, AttributeError):
            raise DataError(
                f"not a NetSuite change cursor: {cursor[:80]!r}",
                system="netsuite",
                field="cursor",
                suggested_fix="reset the flow's cursor (an empty cursor reads every record once)",
            ) from None


@dataclass(frozen=True)
class ChangedRows:
    rows: list[dict[str, Any]]
    cursor: ChangeCursor
    more: bool


def sql_quote(value: str) -> str:
    """A SuiteQL string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def changes_query(
    table: str, *, since: str | None, overlap: timedelta, where: str = "", columns: Sequence[str] = ()
) -> str:
    conditions = [where] if where else []
    if since is not None:
        start = (datetime.strptime(since, TIMESTAMP_FORMAT) - overlap).strftime(TIMESTAMP_FORMAT)
        conditions.append(
            f"lastmodifieddate >= TO_TIMESTAMP({sql_quote(start)}, {sql_quote(SQL_TIMESTAMP_FORMAT)})"
        )
    clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return (
        f"SELECT {', '.join(['id', *columns])}, "
        f"TO_CHAR(lastmodifieddate, {sql_quote(SQL_TIMESTAMP_FORMAT)}) AS modified FROM {table}"
        f"{clause} ORDER BY lastmodifieddate, id"
    )


def poll_changes(
    runner: SuiteQLRunner,
    table: str,
    cursor: ChangeCursor,
    *,
    where: str = "",
    columns: Sequence[str] = (),
    overlap: timedelta = timedelta(seconds=60),
    limit: int = 200,
) -> ChangedRows:
    """The next batch of rows of ``table`` changed since ``cursor`` (each row: ``id`` and ``modified``).

    Pages through rows already delivered until it finds new ones, so a window with more repeats than one
    page still moves on; returns at most one page of new rows.
    """
    query = changes_query(table, since=cursor.since, overlap=overlap, where=where, columns=columns)
    offset: int | None = 0
    read: list[dict[str, Any]] = []
    fresh: list[dict[str, Any]] = []
    more = False
    while offset is not None and not fresh:
        page = runner.suiteql(query, limit=limit, offset=offset)
        read += page.items
        fresh = [row for row in page.items if _seen_key(row) not in cursor.seen]
        more = page.has_more
        offset = page.next_offset if page.has_more else None
    return ChangedRows(rows=fresh, cursor=_advance(cursor, read, overlap), more=more)


def _seen_key(row: dict[str, Any]) -> str:
    return f"{row['id']}@{row['modified']}"


def _advance(cursor: ChangeCursor, read: list[dict[str, Any]], overlap: timedelta) -> ChangeCursor:
    if not read:
        return cursor
    newest = max([str(row["modified"]) for row in read] + ([cursor.since] if cursor.since else []))
    window_start = (datetime.strptime(newest, TIMESTAMP_FORMAT) - overlap).strftime(TIMESTAMP_FORMAT)
    keys = cursor.seen | {_seen_key(row) for row in read}
    # Keys older than the window can never be read again, so they are dropped and the cursor stays small.
    return ChangeCursor(since=newest, seen=frozenset(k for k in keys if k.split("@", 1)[1] >= window_start))
