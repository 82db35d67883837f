"""Canonical JSON: one text per value, so equal data hashes equal and JSON columns accept business values.

Decimals are written as strings by value (``Decimal("10.0")`` and ``Decimal("10.00")`` are the same money,
and JSON numbers would turn them into floats); datetimes and dates as ISO 8601; pydantic models as their
JSON-mode dump. Keys are sorted so dict order never looks like a change.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        return str(value)
    # String work, not Decimal.normalize(): that rounds to the context's 28 digits.
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=canonical_json)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump):
        return model_dump(mode="json")
    raise TypeError(f"cannot store a {type(value).__name__} as JSON: {value!r}")


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys; the text that is hashed and stored."""
    return json.dumps(value, default=_encode, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def to_json_value(value: Any) -> Any:
    """The plain JSON value (dict, list, str, number, bool, None) a JSON column will store."""
    return json.loads(canonical_json(value))


def field_hash(value: Any) -> str:
    """Stable SHA-256 of one field's canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
