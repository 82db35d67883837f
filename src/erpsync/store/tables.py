"""The store's tables (SQLAlchemy 2 typed declarative). Schema changes go through a new Alembic revision in
``migrations/versions/``; ``tests/store/test_migrations.py`` fails when models and migrations disagree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out. SQLite keeps no zone, so naive values read back are UTC by contract."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps timezone-aware UTC only")
        utc = value.astimezone(UTC)
        # SQLite stores text; one fixed zone-less UTC form keeps comparisons and ordering right.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDocument = JSON().with_variant(JSONB(), "postgresql")

# Each name a few words long at most; 200 covers every platform's ids and our composite business keys.
Key = String(200)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONDocument}


class CrossReference(Base):
    """One system's id for one business record; unique both ways within (system, record_type)."""

    __tablename__ = "xref"
    __table_args__ = (
        UniqueConstraint("system", "record_type", "external_id", name="uq_xref_external_id"),
        UniqueConstraint("system", "record_type", "business_key", name="uq_xref_business_key"),
        Index("ix_xref_external_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system: Mapped[str] = mapped_column(Key)
    record_type: Mapped[str] = mapped_column(Key)
    external_id: Mapped[str] = mapped_column(Key)
    business_key: Mapped[str] = mapped_column(Key)
    created_at: Mapped[datetime]


class FieldHash(Base):
    """Hash of the last value of one field as written to or read from one system."""

    __tablename__ = "field_hashes"

    system: Mapped[str] = mapped_column(Key, primary_key=True)
    record_type: Mapped[str] = mapped_column(Key, primary_key=True)
    business_key: Mapped[str] = mapped_column(Key, primary_key=True)
    field: Mapped[str] = mapped_column(Key, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class Cursor(Base):
    """Where a polling flow got to (a timestamp, a page token: opaque to the store)."""

    __tablename__ = "cursors"

    flow: Mapped[str] = mapped_column(Key, primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Payload(Base):
    """Raw inbound payload. Immutable: a database trigger rejects UPDATE; only the retention purge deletes."""

    __tablename__ = "payloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system: Mapped[str] = mapped_column(Key)
    kind: Mapped[str] = mapped_column(Key)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_sha256: Mapped[str] = mapped_column(String(64), index=True)
    headers: Mapped[dict[str, Any]]
    correlation_id: Mapped[str | None] = mapped_column(Key, index=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class TimelineEntry(Base):
    __tablename__ = "timeline_events"
    __table_args__ = (
        Index("ix_timeline_events_business_key", "business_key", "record_type"),
        Index("ix_timeline_events_external_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime]
    record_type: Mapped[str] = mapped_column(Key)
    business_key: Mapped[str] = mapped_column(Key)
    step: Mapped[str] = mapped_column(String(20))
    system: Mapped[str | None] = mapped_column(Key)
    external_id: Mapped[str | None] = mapped_column(Key)
    correlation_id: Mapped[str | None] = mapped_column(Key, index=True)
    error_class: Mapped[str | None] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None]
    # The archive's retention purge must not erase the history, only the raw body it pointed to.
    payload_id: Mapped[int | None] = mapped_column(ForeignKey("payloads.id", ondelete="SET NULL"), index=True)


class ParkedException(Base):
    __tablename__ = "exceptions"
    __table_args__ = (
        # At most one active (open or retrying) exception per record and flow; re-opening updates it.
        Index(
            "uq_exceptions_active",
            "flow",
            "business_key",
            unique=True,
            sqlite_where=text("status IN ('open', 'retrying')"),
            postgresql_where=text("status IN ('open', 'retrying')"),
        ),
        Index("ix_exceptions_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow: Mapped[str] = mapped_column(Key)
    record_type: Mapped[str] = mapped_column(Key)
    business_key: Mapped[str] = mapped_column(Key)
    system: Mapped[str | None] = mapped_column(Key)
    status: Mapped[str] = mapped_column(String(20))
    error_class: Mapped[str] = mapped_column(String(20))
    error_type: Mapped[str | None] = mapped_column(Key)
    message: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(Key)
    suggested_fix: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]]
    edited_payload: Mapped[dict[str, Any] | None]
    workflow_id: Mapped[str | None] = mapped_column(Key)
    attempts: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class HeldRecord(Base):
    __tablename__ = "holds"
    __table_args__ = (
        # Holding the same record on the same prerequisite twice refreshes the one waiting hold.
        Index(
            "uq_holds_waiting",
            "flow",
            "business_key",
            "waits_on",
            unique=True,
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
        Index("ix_holds_waits_on_status", "waits_on", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow: Mapped[str] = mapped_column(Key)
    record_type: Mapped[str] = mapped_column(Key)
    business_key: Mapped[str] = mapped_column(Key)
    waits_on: Mapped[str] = mapped_column(Key)
    workflow_id: Mapped[str | None] = mapped_column(Key)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    released_at: Mapped[datetime | None]


class FieldConflict(Base):
    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(Key)
    business_key: Mapped[str] = mapped_column(Key, index=True)
    field: Mapped[str] = mapped_column(Key)
    owner: Mapped[str] = mapped_column(Key)
    attempted_by: Mapped[str] = mapped_column(Key)
    # Wrapped as {"value": ...} so any JSON value (even null or a bare string) round-trips unambiguously.
    current: Mapped[dict[str, Any]]
    proposed: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
