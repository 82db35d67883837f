"""Raw payload archive: every inbound webhook and API read that started work, exactly as it arrived.

Immutable by design: there is no update method, and a database trigger rejects UPDATE on the table. Only
the retention purge removes payloads; timeline events that pointed at one keep their history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import delete

from erpsync.store._core import StoreCore
from erpsync.store.records import ArchivedPayload, RecordNotFound
from erpsync.store.tables import Payload

# Credentials must never be stored (STYLE: secrets never in logs); signatures are kept, they prove origin.
_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
_SENSITIVE_WORDS = ("token", "secret", "password", "api-key", "apikey")
REDACTED = "[redacted]"


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with credentials replaced by ``[redacted]`` (names are kept, so their presence shows)."""
    return {name: REDACTED if _is_sensitive(name) else value for name, value in headers.items()}


def _is_sensitive(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SENSITIVE_HEADERS or any(word in lowered for word in _SENSITIVE_WORDS)


class PayloadArchive(StoreCore):
    def archive_payload(
        self,
        system: str,
        kind: str,
        body: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> int:
        """Keep ``body`` as received (``kind`` says what it is: ``webhook:orders/create``, ``read:order``)."""
        entry = Payload(
            system=system,
            kind=kind,
            body=bytes(body),
            body_sha256=hashlib.sha256(body).hexdigest(),
            headers=redact_headers(headers or {}),
            correlation_id=correlation_id,
            received_at=self._now(),
        )
        with self._write() as session:
            session.add(entry)
            session.flush()
            return entry.id

    def payload(self, payload_id: int) -> ArchivedPayload:
        with self._read() as session:
            entry = session.get(Payload, payload_id)
            if entry is None:
                raise RecordNotFound(f"no archived payload {payload_id} (never stored, or purged)")
            return ArchivedPayload(
                id=entry.id,
                system=entry.system,
                kind=entry.kind,
                body=entry.body,
                headers=dict(entry.headers),
                correlation_id=entry.correlation_id,
                body_sha256=entry.body_sha256,
                received_at=entry.received_at,
            )

    def purge_payloads(self, older_than: timedelta) -> int:
        """Delete payloads received more than ``older_than`` ago; returns how many went."""
        cutoff = self._now() - older_than
        with self._write() as session:
            result = session.execute(delete(Payload).where(Payload.received_at < cutoff))
            return int(getattr(result, "rowcount", 0))

    def purge_expired_payloads(self) -> int:
        """Apply the retention setting given to ``Store.open`` (nothing is purged when there is none)."""
        if self._payload_retention is None:
            return 0
        return self.purge_payloads(self._payload_retention)
