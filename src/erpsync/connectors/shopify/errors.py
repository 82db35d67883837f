"""Decoding Shopify's failures into erpsync's three error classes (DESIGN decision 5).

Shopify fails in three layers, each decoded here:

- HTTP status: 401 bad token, 402 shop frozen, 403 missing scope, 404 unknown shop, 423 locked shop (config);
  429 and 5xx (transient). https://shopify.dev/docs/api/usage/response-codes
- top-level ``errors`` of a 200 answer::

      {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}], "extensions": {"cost": ...}}

  THROTTLED and INTERNAL_SERVER_ERROR are transient; MAX_COST_EXCEEDED, ACCESS_DENIED and schema validation
  errors (``undefinedField``...) are ours to fix, not the record's.
- ``userErrors`` inside a mutation payload (``{"field": ["input", "email"], "message": "...", "code": ...}``):
  the record cannot be written as it is → DataError naming the record and the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from erpsync.errors import ConfigError, DataError, ErpsyncError, TransientError

SYSTEM = "shopify"

_CONFIG_STATUSES = {
    401: "the access token was rejected; check the app's Admin API access token",
    402: "the shop is frozen (unpaid Shopify bill); the merchant must settle it",
    403: "the app lacks an access scope this call needs; grant the scope and reinstall the app",
    404: "no such shop or API path; check the shop domain and api_version",
    423: "the shop is locked by Shopify; the merchant must contact Shopify support",
}
_TRANSIENT_CODES = {"THROTTLED", "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"}
_CONFIG_CODES = {"ACCESS_DENIED", "UNAUTHENTICATED", "FORBIDDEN"}


def config_error_for_status(status: int, shop_domain: str) -> ConfigError | None:
    reason = _CONFIG_STATUSES.get(status)
    if reason is None:
        return None
    return ConfigError(
        f"Shopify shop {shop_domain} answered HTTP {status}: {reason}",
        system=SYSTEM,
        suggested_fix=reason,
    )


def error_codes(errors: Sequence[Mapping[str, Any]]) -> list[str]:
    return [str((e.get("extensions") or {}).get("code") or "") for e in errors if isinstance(e, Mapping)]


def is_throttled(errors: Sequence[Mapping[str, Any]]) -> bool:
    return "THROTTLED" in error_codes(errors)


def is_transient(errors: Sequence[Mapping[str, Any]]) -> bool:
    return any(code in _TRANSIENT_CODES for code in error_codes(errors))


def error_for_graphql_errors(
    errors: Sequence[Mapping[str, Any]], shop_domain: str, operation: str
) -> ErpsyncError:
    """The erpsync error for a top-level ``errors`` list that is not transient."""
    messages = "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, Mapping))
    codes = set(error_codes(errors))
    where = f"Shopify shop {shop_domain} rejected {operation}"
    if "MAX_COST_EXCEEDED" in codes:
        return DataError(
            f"{where}: the query costs more than 1000 points ({messages})",
            system=SYSTEM,
            suggested_fix="request fewer items per page or fewer nested connections",
        )
    if any(code.startswith("IDEMPOTENCY") for code in codes):
        return DataError(
            f"{where}: {messages}",
            system=SYSTEM,
            suggested_fix="an idempotency key was reused for a different write; the step's input changed "
            "between attempts, so give the changed write a new key (a new flow step)",
        )
    if codes & _CONFIG_CODES:
        return ConfigError(
            f"{where}: access denied ({messages})",
            system=SYSTEM,
            suggested_fix="grant the app the access scope this operation needs",
        )
    if is_transient(errors):
        return TransientError(f"{where}: {messages}", system=SYSTEM)
    # Validation errors (unknown field, wrong argument) come from our query against this API version:
    # every record would fail the same way, so pause the flow rather than park each record.
    return ConfigError(
        f"{where}: {messages}",
        system=SYSTEM,
        suggested_fix="the query does not match this API version's schema; check api_version",
    )


def data_error_for_user_errors(
    user_errors: Sequence[Mapping[str, Any]], *, operation: str, record: str | None, shop_domain: str
) -> DataError:
    """DataError for a mutation's ``userErrors``, naming the record and the first offending field."""
    first = user_errors[0]
    field_path = first.get("field") or []
    field = ".".join(str(part) for part in field_path) if isinstance(field_path, list) else str(field_path)
    details = "; ".join(
        f"{'.'.join(str(p) for p in (e.get('field') or [])) or '(record)'}: {e.get('message', '')}"
        for e in user_errors
    )
    subject = f" for {record}" if record else ""
    return DataError(
        f"Shopify shop {shop_domain} rejected {operation}{subject}: {details}",
        system=SYSTEM,
        record=record,
        field=field or None,
        suggested_fix="correct the named field in the source record (or its mapping) and retry",
    )
