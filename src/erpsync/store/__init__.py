"""State store: id cross-reference, cursors, raw payload archive, timeline, exceptions, holds, conflicts.
``Store.open(url)`` migrates to head and returns the one object to use; it hands back plain frozen records."""

from erpsync.store.canonical_json import canonical_json, field_hash
from erpsync.store.database import DATABASE_URL_ENV, DEFAULT_DATABASE_URL, resolve_url
from erpsync.store.records import (
    ArchivedPayload,
    Conflict,
    ExceptionRecord,
    ExceptionStatus,
    Hold,
    HoldStatus,
    RecordNotFound,
    Step,
    TimelineEvent,
)
from erpsync.store.store import Store

__all__ = [
    "DATABASE_URL_ENV",
    "DEFAULT_DATABASE_URL",
    "ArchivedPayload",
    "Conflict",
    "ExceptionRecord",
    "ExceptionStatus",
    "Hold",
    "HoldStatus",
    "RecordNotFound",
    "Step",
    "Store",
    "TimelineEvent",
    "canonical_json",
    "field_hash",
    "resolve_url",
]
