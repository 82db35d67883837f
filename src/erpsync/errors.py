"""The three failure classes every part of erpsync speaks (DESIGN decision 5: errors are data).

Connectors raise these; the engine's retry policy decides by class alone:
- ``TransientError``: retried with exponential backoff and jitter, honouring ``retry_after``.
- ``DataError``: parked in the exception queue with its reason and a suggested fix; dependants wait.
- ``ConfigError``: bad credentials or configuration; the flow pauses and an alert is raised.

Messages name the record, the system and the fix, and never carry a secret.
"""

from __future__ import annotations

from typing import Any


class ErpsyncError(Exception):
    """Base of every error erpsync raises on purpose."""

    error_class = "error"

    def __init__(
        self,
        message: str,
        *,
        system: str | None = None,
        record: str | None = None,
        field: str | None = None,
        suggested_fix: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.system = system
        self.record = record
        self.field = field
        self.suggested_fix = suggested_fix

    def as_dict(self) -> dict[str, str | None]:
        return {
            "error_class": self.error_class,
            "type": type(self).__name__,
            "message": self.message,
            "system": self.system,
            "record": self.record,
            "field": self.field,
            "suggested_fix": self.suggested_fix,
        }


class TransientError(ErpsyncError):
    """Timeouts, 5xx, throttling, connection resets: worth retrying later."""

    error_class = "transient"

    def __init__(self, message: str, *, retry_after: float | None = None, **context: str | None) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class DataError(ErpsyncError):
    """The record itself cannot be synced as it is (unknown SKU, validation): park it, keep going."""

    error_class = "data"


class MissingPrerequisite(DataError):
    """The record needs another record first (an order whose SKU has no ERP item yet).

    ``prerequisite`` names what it waits on as ``"<record_type>:<business_key>"``, e.g. ``"variant:SKU-9"``;
    the engine holds the record and releases it when a flow completes that key.
    """

    def __init__(self, message: str, *, prerequisite: str, **context: str | None) -> None:
        super().__init__(message, **context)
        self.prerequisite = prerequisite

    def __reduce__(self) -> tuple[Any, ...]:
        # DBOS pickles a step's exception to replay it on recovery; the default reduce would drop the keyword.
        return (_rebuild_missing_prerequisite, (self.message, self.prerequisite), self.__dict__)


def unknown_skus(system: str, unknown: list[str], *, where: str, fix: str) -> MissingPrerequisite:
    """The error an ERP connector raises for order lines whose SKUs it has no item for: the order waits
    on the first SKU (``"variant:<SKU>"``) and is released when the catalog flow completes it.

    ``where`` names the ERP's field ("NetSuite item (itemId)"); ``fix`` says what to do, with ``{sku}``.
    """
    others = f" (nor {', '.join(unknown[1:])})" if unknown[1:] else ""
    return MissingPrerequisite(
        f"SKU {unknown[0]} has no {where}{others}",
        prerequisite=f"variant:{unknown[0]}",
        system=system,
        field="sku",
        suggested_fix=fix.format(sku=unknown[0]),
    )


def _rebuild_missing_prerequisite(message: str, prerequisite: str) -> MissingPrerequisite:
    return MissingPrerequisite(message, prerequisite=prerequisite)


class ConfigError(ErpsyncError):
    """Credentials or configuration are wrong: retrying will not help; pause the flow and alert."""

    error_class = "config"


def classify(exc: BaseException) -> str:
    """The retry policy's view of any exception: transient, data or config.

    Unknown exceptions count as transient: a bug seen once is retried, and parked when attempts run out,
    so nothing is dropped silently.
    """
    if isinstance(exc, ErpsyncError):
        return exc.error_class
    return "transient"
