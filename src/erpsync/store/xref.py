"""Id cross-reference (the OCA connector framework's *binder*): each system's id for a business record,
and hashes of the fields last synced so a sync writes only what really changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from erpsync.errors import DataError
from erpsync.store._core import StoreCore
from erpsync.store._upsert import upsert
from erpsync.store.canonical_json import field_hash
from erpsync.store.tables import CrossReference, FieldHash


class CrossReferences(StoreCore):
    def link(self, system: str, record_type: str, external_id: str, business_key: str) -> None:
        """Record that ``system`` knows the record ``business_key`` as ``external_id``. Idempotent.

        Both directions are unique within (system, record_type): linking an id or a key already linked to
        something else raises ``DataError`` (unlink the old pair first if the record was really re-created).
        """
        self._write_racing(
            lambda session: self._link_once(session, system, record_type, external_id, business_key)
        )

    def unlink(
        self,
        system: str,
        record_type: str,
        *,
        external_id: str | None = None,
        business_key: str | None = None,
    ) -> bool:
        """Forget the pair holding ``external_id`` or ``business_key``; True when there was one."""
        if (external_id is None) == (business_key is None):
            raise ValueError("unlink needs exactly one of external_id and business_key")
        matches = (
            CrossReference.external_id == external_id
            if external_id is not None
            else CrossReference.business_key == business_key
        )
        with self._write() as session:
            result = session.execute(
                delete(CrossReference).where(
                    CrossReference.system == system, CrossReference.record_type == record_type, matches
                )
            )
            return bool(getattr(result, "rowcount", 0))

    def external_id(self, system: str, record_type: str, business_key: str) -> str | None:
        with self._read() as session:
            return session.scalar(
                select(CrossReference.external_id).where(
                    CrossReference.system == system,
                    CrossReference.record_type == record_type,
                    CrossReference.business_key == business_key,
                )
            )

    def linked_keys(self, system: str, record_type: str, business_keys: Iterable[str]) -> set[str]:
        """Which of ``business_keys`` ``system`` has an id for: one query per 500 keys (reconcile sweeps)."""
        wanted, linked = list(business_keys), set[str]()
        with self._read() as session:
            for start in range(0, len(wanted), 500):
                linked.update(
                    session.scalars(
                        select(CrossReference.business_key).where(
                            CrossReference.system == system,
                            CrossReference.record_type == record_type,
                            CrossReference.business_key.in_(wanted[start : start + 500]),
                        )
                    )
                )
        return linked

    def business_key(self, system: str, record_type: str, external_id: str) -> str | None:
        with self._read() as session:
            return session.scalar(
                select(CrossReference.business_key).where(
                    CrossReference.system == system,
                    CrossReference.record_type == record_type,
                    CrossReference.external_id == external_id,
                )
            )

    def changed_fields(
        self, system: str, record_type: str, business_key: str, fields: Mapping[str, Any]
    ) -> set[str]:
        """The fields whose value differs from the one last remembered (never-seen fields count as changed).

        Values compare by canonical JSON: key order and Decimal trailing zeros are not changes.
        """
        with self._read() as session:
            rows = session.execute(
                select(FieldHash.field, FieldHash.hash).where(
                    FieldHash.system == system,
                    FieldHash.record_type == record_type,
                    FieldHash.business_key == business_key,
                )
            ).tuples()
            known: dict[str, str] = {name: digest for name, digest in rows}
        return {name for name, value in fields.items() if known.get(name) != field_hash(value)}

    def remember_fields(
        self, system: str, record_type: str, business_key: str, fields: Mapping[str, Any]
    ) -> None:
        """Remember these fields' values as now in sync with ``system``; other remembered fields are kept."""
        now = self._now()
        rows = [
            {
                "system": system,
                "record_type": record_type,
                "business_key": business_key,
                "field": name,
                "hash": field_hash(value),
                "updated_at": now,
            }
            for name, value in fields.items()
        ]
        with self._write() as session:
            upsert(session, FieldHash, rows, key=("system", "record_type", "business_key", "field"))

    def _link_once(
        self, session: Session, system: str, record_type: str, external_id: str, business_key: str
    ) -> None:
        existing = session.scalars(
            select(CrossReference).where(
                CrossReference.system == system,
                CrossReference.record_type == record_type,
                (CrossReference.external_id == external_id) | (CrossReference.business_key == business_key),
            )
        ).all()
        if any(row.external_id == external_id and row.business_key == business_key for row in existing):
            return
        if existing:
            taken = existing[0]
            raise DataError(
                f"cannot link {system} {record_type} {external_id} to {business_key}: {system} {record_type} "
                f"{taken.external_id} is already linked to {taken.business_key}",
                system=system,
                record=business_key,
                suggested_fix="unlink the old pair first if the record was deleted and re-created",
            )
        session.add(
            CrossReference(
                system=system,
                record_type=record_type,
                external_id=external_id,
                business_key=business_key,
                created_at=self._now(),
            )
        )
