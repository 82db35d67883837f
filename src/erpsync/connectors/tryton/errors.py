"""Decoding Tryton's answers into erpsync's three error classes.

trytond answers JSON-RPC with HTTP 200 and ``{"id": 1, "error": [name, args]}`` for the exceptions it
raises on purpose (``trytond/protocols/jsonrpc.py``), and with HTTP status codes for the rest
(``trytond/protocols/dispatcher.py``)::

    {"error": ["UserError", ["The sale \\"12\\" must be ...", "", null]]}     validation, access (AccessError)
    {"error": ["UserWarning", ["sale_12_confirm", "message", ""]]}            needs a user to skip the warning
    {"error": ["ConcurrencyException", "Records were modified in the meanwhile"]}
    {"error": ["LoginException", ["password", "Password", "password"]]}
    {"error": ["<str of an unexpected exception>", "<traceback>"]}
    HTTP 401 bad login or expired session · 403 method not exposed · 404 unknown database
    HTTP 429 login rate limit · 503/504 busy or timed out

UserError and UserWarning are data problems (park the record), login and access-by-design problems are
configuration (pause), concurrency, rate limits, timeouts and unexpected server faults are transient.
"""

from __future__ import annotations

from typing import Any

from erpsync.errors import ConfigError, DataError, ErpsyncError, TransientError

SYSTEM = "tryton"


class TrytonDataError(DataError):
    """Tryton refused a record (``UserError``, ``UserWarning``): ``tryton_error`` is the exception's name."""

    def __init__(self, message: str, *, tryton_error: str, **context: str | None) -> None:
        super().__init__(message, **context)
        self.tryton_error = tryton_error


def decode_rpc_error(error: Any, *, method: str) -> ErpsyncError:
    """The erpsync error for the ``error`` member of a JSON-RPC answer to ``method``."""
    name, args = (
        (str(error[0]), error[1]) if isinstance(error, list) and len(error) == 2 else (str(error), None)
    )
    record = f"Tryton call {method}"
    if name == "UserError":
        message, description = _message_parts(args)
        text = f"Tryton refused {method}: {message}" + (f" ({description})" if description else "")
        return TrytonDataError(
            text,
            tryton_error=name,
            system=SYSTEM,
            record=record,
            suggested_fix="correct the record in erpsync or in Tryton as the message says, then retry",
        )
    if name == "UserWarning":
        warning = (args[0], args[1]) if isinstance(args, list) and len(args) > 1 else ("", args)
        return TrytonDataError(
            f"Tryton warns on {method}: {warning[1]} (warning {warning[0]})",
            tryton_error=name,
            system=SYSTEM,
            record=record,
            suggested_fix="have a Tryton user confirm the action in the client (warnings are not skipped "
            "by erpsync), then retry",
        )
    if name == "LoginException":
        return ConfigError(
            f"Tryton asks for more login parameters on {method} (two-factor or other login method)",
            system=SYSTEM,
            record=record,
            suggested_fix="give erpsync a Tryton user that logs in with a password only",
        )
    if name == "ConcurrencyException":
        return TransientError(
            f"Tryton record changed meanwhile during {method}", system=SYSTEM, record=record
        )
    # An exception trytond did not raise on purpose: the first member is its text, the second a traceback
    # we do not carry (it can quote data).
    return TransientError(f"Tryton failed on {method}: {name[:300]}", system=SYSTEM, record=record)


def decode_http_status(status: int, *, method: str, retry_after: str | None = None) -> ErpsyncError:
    """The erpsync error for a non-200 answer to ``method`` (after the session was renewed once on 401)."""
    record = f"Tryton call {method}"
    if status == 401:
        return ConfigError(
            "Tryton refused the login (wrong user name or password, or the user is inactive)",
            system=SYSTEM,
            record=record,
            suggested_fix="check the Tryton user name and password in erpsync's settings",
        )
    if status == 403:
        return ConfigError(
            f"Tryton does not allow {method} over RPC for this user",
            system=SYSTEM,
            record=record,
            suggested_fix="check the Tryton modules activated and the user's access rights",
        )
    if status == 404:
        return ConfigError(
            "Tryton has no such database",
            system=SYSTEM,
            record=record,
            suggested_fix="check the Tryton database name in erpsync's settings",
        )
    if status == 429 or status >= 500:
        return TransientError(
            f"Tryton answered HTTP {status} to {method}",
            retry_after=_seconds(retry_after),
            system=SYSTEM,
            record=record,
        )
    return DataError(f"Tryton answered HTTP {status} to {method}", system=SYSTEM, record=record)


def _message_parts(args: Any) -> tuple[str, str]:
    if isinstance(args, list) and args:
        return str(args[0]), str(args[1]) if len(args) > 1 and args[1] else ""
    return str(args), ""


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
