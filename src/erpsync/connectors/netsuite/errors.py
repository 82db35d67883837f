"""NetSuite's error answers decoded into erpsync's three error classes.

NetSuite REST web services answer every failure with one body shape (Oracle help, "Error Handling and Error
Codes", section_156570709583)::

    {"type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1", "title": "Bad Request",
     "status": 400, "o:errorDetails": [{"detail": "Invalid value for the resource or sub-resource field
     'item'. Provide a valid value.", "o:errorCode": "INVALID_KEY_OR_REF",
     "o:errorPath": "item.items[0].item"}]}

- 401/403: credentials, role or permission → ``ConfigError`` (retrying cannot help; pause and alert);
- 429, 5xx: concurrency limit or a server problem → ``TransientError`` (with ``Retry-After`` when sent);
- any other 4xx: the record as sent is wrong → ``DataError`` naming the record and, through ``o:errorPath``,
  the field.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import Any

import httpx

from erpsync.errors import ConfigError, DataError, ErpsyncError, TransientError

SYSTEM = "netsuite"

_FIXES = {
    "INVALID_KEY_OR_REF": "the referenced record is not in NetSuite: create it first or fix the mapping",
    "UNIQUE_CUST_ID_REQD": "another customer already has this name/id: give it a unique entityId",
    "USER_ERROR": "correct the field NetSuite names and sync the record again",
    "INVALID_LOGIN_ATTEMPT": "check the NetSuite credentials (token keys and secrets, or the certificate)",
    "INSUFFICIENT_PERMISSION": "give the integration role the permission for this record type",
    "RCRD_DSNT_EXIST": "the record is not in NetSuite (deleted, or its id/external id is wrong)",
    "NONEXISTENT_ID": "the record is not in NetSuite (deleted, or its id/external id is wrong)",
}


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of ``o:errorDetails``."""

    detail: str
    code: str | None = None
    path: str | None = None


class NetSuiteDataError(DataError):
    """A NetSuite 4xx other than 401/403: the record as sent is wrong, or (404) not there.

    ``status`` and ``error_code`` (the first ``o:errorCode``) let callers tell "not found" from "invalid".
    """

    def __init__(self, message: str, *, status: int, error_code: str | None, **context: str | None) -> None:
        super().__init__(message, **context)
        self.status = status
        self.error_code = error_code

    @property
    def not_found(self) -> bool:
        return self.status == 404


def error_details(body: Any) -> list[ErrorDetail]:
    """The ``o:errorDetails`` of a NetSuite error body; an empty list when the body has another shape."""
    if not isinstance(body, dict):
        return []
    details = body.get("o:errorDetails")
    if not isinstance(details, list):
        return []
    return [
        ErrorDetail(
            detail=str(item.get("detail", "")).strip(),
            code=item.get("o:errorCode"),
            path=item.get("o:errorPath"),
        )
        for item in details
        if isinstance(item, dict)
    ]


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def decode_error(response: httpx.Response, *, record: str) -> ErpsyncError:
    """The erpsync error for a failed NetSuite answer; ``record`` names what was being read or written
    ("salesOrder eid:shopify-1042"). The message never contains request headers, so never a secret."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    details = error_details(body)
    status = response.status_code
    title = body.get("title") if isinstance(body, dict) else None
    summary = "; ".join(_describe(d) for d in details) or str(title or response.reason_phrase or "no detail")
    message = f"NetSuite answered {status} for {record}: {summary}"
    first = details[0] if details else ErrorDetail(detail="")
    context: dict[str, str | None] = {"system": SYSTEM, "record": record, "field": first.path}
    if status in (401, 403):
        return ConfigError(
            message, suggested_fix=_fix(first.code) or _FIXES["INVALID_LOGIN_ATTEMPT"], **context
        )
    if status == 429 or status >= 500:
        return TransientError(
            message, retry_after=retry_after_seconds(response.headers.get("retry-after")), **context
        )
    return NetSuiteDataError(
        message, status=status, error_code=first.code, suggested_fix=_fix(first.code), **context
    )


def _describe(detail: ErrorDetail) -> str:
    where = f" (field {detail.path})" if detail.path else ""
    code = f"[{detail.code}] " if detail.code else ""
    return f"{code}{detail.detail}{where}"


def _fix(code: str | None) -> str | None:
    return _FIXES.get(code) if code else None
