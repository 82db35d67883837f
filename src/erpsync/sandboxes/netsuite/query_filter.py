"""The ``q`` filter of record collections (Oracle help section_1545222128, "Record Collection Filtering").

    GET /services/rest/record/v1/customer?q=email START_WITH "barbara"
    GET /services/rest/record/v1/salesOrder?q=externalId IS "A1" AND lastModifiedDate ON_OR_AFTER "12/4/2026"

Conditions are ``field OPERATOR value`` joined by AND / OR, read left to right. A reference field compares
its internal id. Dates are given as M/D/YYYY (the account's date format) or ISO 8601.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from erpsync.sandboxes.netsuite.errors import NetSuiteError
from erpsync.sandboxes.netsuite.records import Record
from erpsync.sandboxes.netsuite.schema import RecordType

CONDITION = re.compile(
    r'\s*(?P<field>[A-Za-z_][\w.]*)\s+(?P<op>[A-Z_]+)(?:\s+(?P<value>"[^"]*"|\[[^\]]*\]|[^\s\]]+))?\s*'
)
UNARY = {"EMPTY", "EMPTY_NOT"}


def record_matches(record_type: RecordType, record: Record, query: str | None) -> bool:
    if not query:
        return True
    result: bool | None = None
    joiner = "AND"
    rest = query
    while rest.strip():
        match = CONDITION.match(rest)
        if match is None:
            raise _bad_query(query)
        outcome = _condition(
            record_type, record, match.group("field"), match.group("op"), match.group("value")
        )
        result = outcome if result is None else (result and outcome if joiner == "AND" else result or outcome)
        rest = rest[match.end() :]
        joiner_match = re.match(r"\s*(AND|OR)\s+", rest)
        if joiner_match:
            joiner, rest = joiner_match.group(1), rest[joiner_match.end() :]
        elif rest.strip():
            raise _bad_query(query)
    return bool(result)


def _bad_query(query: str) -> NetSuiteError:
    return NetSuiteError(400, "INVALID_PARAMETER", f"Invalid query parameter q: {query!r}.")


def _condition(record_type: RecordType, record: Record, field: str, op: str, raw: str | None) -> bool:
    if field not in record_type.fields and not field.startswith("cust"):
        raise NetSuiteError(400, "INVALID_PARAMETER", f"Invalid field {field} in query parameter q.")
    value = record.get(field)
    if isinstance(value, dict) and "id" in value:
        value = value["id"]
    if op in UNARY:
        empty = value in (None, "")
        return empty if op == "EMPTY" else not empty
    if raw is None:
        raise NetSuiteError(400, "INVALID_PARAMETER", f"The operator {op} needs a value.")
    wanted = _values(raw)
    return _compare(op, value, wanted)


def _values(raw: str) -> list[str]:
    if raw.startswith("["):
        return [part.strip().strip('"') for part in raw[1:-1].split(",") if part.strip()]
    return [raw.strip('"')]


NEGATED_ALIASES = {"IS_NOT": "IS", "NOT_EQUAL": "EQUAL", "NONE_OF": "ANY_OF", "END_WITH_NOT": "ENDWITH"}


def _compare(op: str, value: Any, wanted: list[str]) -> bool:
    """One condition; every operator has a ``_NOT`` form (EQUAL_NOT, ANY_OF_NOT, ON_OR_AFTER_NOT...)."""
    if op in NEGATED_ALIASES:
        return not _compare(NEGATED_ALIASES[op], value, wanted)
    if op.endswith("_NOT"):
        return not _compare(op[: -len("_NOT")], value, wanted)
    if op == "ANY_OF":
        return str(value) in wanted
    if op == "BETWEEN":
        return _compare("GREATER_OR_EQUAL", value, wanted[:1]) and _compare(
            "LESS_OR_EQUAL", value, wanted[1:2]
        )
    target = wanted[0]
    if op in ("IS", "EQUAL"):
        return _equal(value, target)
    text = "" if value is None else str(value).lower()
    if op == "START_WITH":
        return text.startswith(target.lower())
    if op in ("ENDWITH", "END_WITH"):
        return text.endswith(target.lower())
    if op == "CONTAIN":
        return target.lower() in text
    left, right = _ordered(value, target)
    if left is None:
        return False
    checks = {
        "GREATER": left > right, "AFTER": left > right,
        "GREATER_OR_EQUAL": left >= right, "ON_OR_AFTER": left >= right,
        "LESS": left < right, "BEFORE": left < right,
        "LESS_OR_EQUAL": left <= right, "ON_OR_BEFORE": left <= right,
        "ON": left == right,
    }  # fmt: skip
    if op not in checks:
        raise NetSuiteError(400, "INVALID_PARAMETER", f"Unsupported operator {op} in query parameter q.")
    return bool(checks[op])


def _equal(value: Any, target: str) -> bool:
    if isinstance(value, bool):
        return str(value).lower() == target.lower()
    if isinstance(value, Decimal):
        try:
            return value == Decimal(target)
        except InvalidOperation:
            return False
    return str(value) == target


def _ordered(value: Any, target: str) -> tuple[Any, Any]:
    if value is None:
        return None, None
    if isinstance(value, datetime):
        moment = _parse_moment(target)
        if len(target.strip()) <= 10:  # a date alone compares the day
            return value.date(), moment.date()
        return value, moment
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return date.fromisoformat(value), _parse_moment(target).date()
    try:
        return Decimal(str(value)), Decimal(target)
    except InvalidOperation:
        return str(value), target


def _parse_moment(text: str) -> datetime:
    text = text.strip()
    for pattern in ("%m/%d/%Y", "%m/%d/%Y %H:%M"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise NetSuiteError(
            400, "INVALID_PARAMETER", f"Invalid date {text!r} in query parameter q."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
