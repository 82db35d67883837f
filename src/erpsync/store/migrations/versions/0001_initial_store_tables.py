"""Initial store tables: xref, field hashes, cursors, payload archive, timeline, exceptions, holds, conflicts.

Revision ID: 0001
Revises:
Create Date: 2026-12-04

A revision is a frozen snapshot: it spells out its types instead of importing today's models.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

KEY = sa.String(200)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    _create_xref_and_cursors()
    _create_payload_archive()
    _create_timeline()
    _create_exceptions_holds_conflicts()


def _create_xref_and_cursors() -> None:
    op.create_table(
        "xref",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("system", KEY, nullable=False),
        sa.Column("record_type", KEY, nullable=False),
        sa.Column("external_id", KEY, nullable=False),
        sa.Column("business_key", KEY, nullable=False),
        _timestamp("created_at"),
        sa.UniqueConstraint("system", "record_type", "external_id", name="uq_xref_external_id"),
        sa.UniqueConstraint("system", "record_type", "business_key", name="uq_xref_business_key"),
    )
    op.create_index("ix_xref_external_id", "xref", ["external_id"])
    op.create_table(
        "field_hashes",
        sa.Column("system", KEY, primary_key=True),
        sa.Column("record_type", KEY, primary_key=True),
        sa.Column("business_key", KEY, primary_key=True),
        sa.Column("field", KEY, primary_key=True),
        sa.Column("hash", sa.String(64), nullable=False),
        _timestamp("updated_at"),
    )
    op.create_table(
        "cursors",
        sa.Column("flow", KEY, primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        _timestamp("updated_at"),
    )


def _create_payload_archive() -> None:
    op.create_table(
        "payloads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("system", KEY, nullable=False),
        sa.Column("kind", KEY, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("headers", JSON_DOCUMENT, nullable=False),
        sa.Column("correlation_id", KEY, nullable=True),
        _timestamp("received_at"),
    )
    op.create_index("ix_payloads_body_sha256", "payloads", ["body_sha256"])
    op.create_index("ix_payloads_correlation_id", "payloads", ["correlation_id"])
    op.create_index("ix_payloads_received_at", "payloads", ["received_at"])
    _forbid_payload_updates()


def _forbid_payload_updates() -> None:
    """The archive is evidence of what arrived: the database itself refuses to change a stored payload."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION erpsync_payloads_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'archived payloads are immutable'; END $$"
        )
        op.execute(
            "CREATE TRIGGER payloads_immutable BEFORE UPDATE ON payloads "
            "FOR EACH ROW EXECUTE FUNCTION erpsync_payloads_immutable()"
        )
    else:
        op.execute(
            "CREATE TRIGGER payloads_immutable BEFORE UPDATE ON payloads "
            "BEGIN SELECT RAISE(ABORT, 'archived payloads are immutable'); END"
        )


def _create_timeline() -> None:
    op.create_table(
        "timeline_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        _timestamp("occurred_at"),
        sa.Column("record_type", KEY, nullable=False),
        sa.Column("business_key", KEY, nullable=False),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("system", KEY, nullable=True),
        sa.Column("external_id", KEY, nullable=True),
        sa.Column("correlation_id", KEY, nullable=True),
        sa.Column("error_class", sa.String(20), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("detail", JSON_DOCUMENT, nullable=True),
        sa.Column(
            "payload_id", sa.Integer(), sa.ForeignKey("payloads.id", ondelete="SET NULL"), nullable=True
        ),
    )
    op.create_index("ix_timeline_events_business_key", "timeline_events", ["business_key", "record_type"])
    op.create_index("ix_timeline_events_external_id", "timeline_events", ["external_id"])
    op.create_index("ix_timeline_events_correlation_id", "timeline_events", ["correlation_id"])
    op.create_index("ix_timeline_events_payload_id", "timeline_events", ["payload_id"])


def _create_exceptions_holds_conflicts() -> None:
    active = sa.text("status IN ('open', 'retrying')")
    waiting = sa.text("status = 'waiting'")
    op.create_table(
        "exceptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("flow", KEY, nullable=False),
        sa.Column("record_type", KEY, nullable=False),
        sa.Column("business_key", KEY, nullable=False),
        sa.Column("system", KEY, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error_class", sa.String(20), nullable=False),
        sa.Column("error_type", KEY, nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("field", KEY, nullable=True),
        sa.Column("suggested_fix", sa.Text(), nullable=True),
        sa.Column("payload", JSON_DOCUMENT, nullable=False),
        sa.Column("edited_payload", JSON_DOCUMENT, nullable=True),
        sa.Column("workflow_id", KEY, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
    )
    op.create_index(
        "uq_exceptions_active",
        "exceptions",
        ["flow", "business_key"],
        unique=True,
        sqlite_where=active,
        postgresql_where=active,
    )
    op.create_index("ix_exceptions_status_created", "exceptions", ["status", "created_at"])
    op.create_table(
        "holds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("flow", KEY, nullable=False),
        sa.Column("record_type", KEY, nullable=False),
        sa.Column("business_key", KEY, nullable=False),
        sa.Column("waits_on", KEY, nullable=False),
        sa.Column("workflow_id", KEY, nullable=True),
        sa.Column("payload", JSON_DOCUMENT, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _timestamp("created_at"),
        _timestamp("released_at", nullable=True),
    )
    op.create_index(
        "uq_holds_waiting",
        "holds",
        ["flow", "business_key", "waits_on"],
        unique=True,
        sqlite_where=waiting,
        postgresql_where=waiting,
    )
    op.create_index("ix_holds_waits_on_status", "holds", ["waits_on", "status"])
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_type", KEY, nullable=False),
        sa.Column("business_key", KEY, nullable=False),
        sa.Column("field", KEY, nullable=False),
        sa.Column("owner", KEY, nullable=False),
        sa.Column("attempted_by", KEY, nullable=False),
        sa.Column("current", JSON_DOCUMENT, nullable=False),
        sa.Column("proposed", JSON_DOCUMENT, nullable=False),
        _timestamp("occurred_at"),
    )
    op.create_index("ix_conflicts_business_key", "conflicts", ["business_key"])


def downgrade() -> None:
    for table in ("conflicts", "holds", "exceptions", "timeline_events", "payloads"):
        op.drop_table(table)
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS erpsync_payloads_immutable()")
    for table in ("cursors", "field_hashes", "xref"):
        op.drop_table(table)
