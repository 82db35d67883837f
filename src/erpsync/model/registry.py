"""``RECORD_TYPES``: record type name → canonical class; the mapping engine finds target models here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from erpsync.errors import DataError
from erpsync.model.catalog import InventoryLevel, Location, Price, PriceList, Product, Variant
from erpsync.model.common import Record
from erpsync.model.customers import Company, CompanyContact, CompanyLocation, Customer
from erpsync.model.finance import CreditMemo, Invoice, Payout, Refund, Transaction
from erpsync.model.orders import Fulfillment, Order
from erpsync.model.promotions import Discount, LoyaltyEvent
from erpsync.model.returns import Return

_RECORD_CLASSES: tuple[type[Record], ...] = (
    Product,
    Variant,
    Price,
    PriceList,
    Location,
    InventoryLevel,
    Customer,
    Company,
    CompanyLocation,
    CompanyContact,
    Order,
    Fulfillment,
    Transaction,
    Refund,
    Payout,
    Invoice,
    CreditMemo,
    Discount,
    LoyaltyEvent,
    Return,
)

RECORD_TYPES: dict[str, type[Record]] = {cls.record_type: cls for cls in _RECORD_CLASSES}
# DESIGN.md names the gateway transaction "Payment"; both names lead to the same class.
RECORD_TYPES["payment"] = Transaction


def record_class(record_type: str) -> type[Record]:
    """The class for ``record_type``; a ``KeyError`` that lists the known names when there is none."""
    try:
        return RECORD_TYPES[record_type]
    except KeyError:
        raise KeyError(
            f"unknown record type {record_type!r}; known: {', '.join(sorted(RECORD_TYPES))}"
        ) from None


class InvalidRecordError(DataError):
    """A payload could not become a canonical record; ``problems`` lists every ``(field path, reason)``."""

    def __init__(self, message: str, *, problems: list[tuple[str, str]], **context: str | None) -> None:
        super().__init__(message, **context)
        self.problems = problems


def build_record(record_type: str, data: Mapping[str, Any], *, system: str | None = None) -> Record:
    """Validate ``data`` as a ``record_type`` record, or raise ``InvalidRecordError`` (a ``DataError``: the
    engine parks it) whose message names the record and each failing field.

    The connectors and the mapping engine call this rather than ``model_validate`` so that a bad record
    becomes an exception-queue entry that says what to fix, not a stack trace.
    """
    cls = record_class(record_type)
    try:
        return cls.model_validate(dict(data))
    except ValidationError as error:
        problems = [(_path(item["loc"]), _reason(item)) for item in error.errors(include_url=False)]
        origin = data.get("origin")
        record_id = origin.get("id") if isinstance(origin, Mapping) else None
        who = f"{record_type} {record_id}" if record_id else record_type
        source = system or (origin.get("system") if isinstance(origin, Mapping) else None)
        details = "; ".join(f"{path or '(record)'}: {reason}" for path, reason in problems)
        raise InvalidRecordError(
            f"{who}{f' from {source}' if source else ''} is not a valid canonical {record_type}: {details}",
            problems=problems,
            system=source,
            record=who,
            field=problems[0][0] if problems else None,
            suggested_fix="correct the source record, or the mapping that builds these fields",
        ) from None


def _path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _reason(item: Any) -> str:
    message = str(item["msg"])
    # Our own consistency checks already name their field; pydantic prefixes them with "Value error, ".
    return message.removeprefix("Value error, ")
