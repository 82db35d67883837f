"""Tryton's JSON extensions: values JSON has no type for travel as ``{"__class__": ...}`` objects.

From ``trytond/protocols/jsonrpc.py`` (JSONEncoder/JSONDecoder)::

    Decimal("10.50")          {"__class__": "Decimal", "decimal": "10.50"}
    date(2026, 12, 4)         {"__class__": "date", "year": 2026, "month": 12, "day": 4}
    datetime(...)             {"__class__": "datetime", "year": .., "month": .., "day": .., "hour": ..,
                               "minute": .., "second": .., "microsecond": ..}   (naive, UTC on the server)
    timedelta(seconds=90)     {"__class__": "timedelta", "seconds": 90.0}
    b"..."                    {"__class__": "bytes", "base64": "..."}

Prices therefore stay Decimal from Tryton to the canonical Money, never float.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any


def encode(value: Any) -> Any:
    """``value`` with Decimal, date, datetime, timedelta and bytes in Tryton's JSON form."""
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": format(value, "f")}
    if isinstance(value, datetime):
        naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return {
            "__class__": "datetime",
            **{part: getattr(naive, part) for part in ("year", "month", "day", "hour", "minute", "second")},
            "microsecond": naive.microsecond,
        }
    if isinstance(value, date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, timedelta):
        return {"__class__": "timedelta", "seconds": value.total_seconds()}
    if isinstance(value, bytes):
        return {"__class__": "bytes", "base64": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def decode(value: Any) -> Any:
    """Tryton's JSON answer with its ``__class__`` objects turned into Python values; datetimes come back
    timezone-aware in UTC (trytond stores and sends UTC)."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("__class__")
    if kind == "Decimal":
        return Decimal(value["decimal"])
    if kind == "datetime":
        parts = (value["year"], value["month"], value["day"], value["hour"], value["minute"], value["second"])
        return datetime(*parts, value.get("microsecond", 0), tzinfo=UTC)
    if kind == "date":
        return date(value["year"], value["month"], value["day"])
    if kind == "time":
        return time(value["hour"], value["minute"], value["second"], value.get("microsecond", 0))
    if kind == "timedelta":
        return timedelta(seconds=value["seconds"])
    if kind == "bytes":
        return base64.b64decode(value["base64"])
    return {key: decode(item) for key, item in value.items()}
