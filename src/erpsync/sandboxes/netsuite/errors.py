"""NetSuite's REST error body, raised anywhere in the sandbox and rendered in one place.

    HTTP/1.1 400 Bad Request
    {"type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1", "title": "Bad Request",
     "status": 400, "o:errorDetails": [{"detail": "...", "o:errorCode": "USER_ERROR",
                                          "o:errorPath": "item.items[0].item"}]}

Shape from Oracle's "Error Handling and Error Codes" (section_156570709583); the 401 text is the one
NetSuite answers to any failed login (seen in jacobsvante/netsuite#27).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

_TITLES = {
    400: ("Bad Request", "section-15.5.1"),
    401: ("Unauthorized", "section-15.5.2"),
    403: ("Forbidden", "section-15.5.4"),
    404: ("Not Found", "section-15.5.5"),
    405: ("Method Not Allowed", "section-15.5.6"),
    429: ("Too Many Requests", None),
    500: ("Internal Server Error", "section-15.6.1"),
    503: ("Service Unavailable", "section-15.6.4"),
}

INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)


class NetSuiteError(Exception):
    """One NetSuite error answer: HTTP status, ``o:errorCode``, human detail and optional field path."""

    def __init__(self, status: int, code: str, detail: str, *, path: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.path = path

    def body(self) -> dict[str, Any]:
        title, section = _TITLES.get(self.status, ("Error", None))
        error_type = (
            f"https://www.rfc-editor.org/rfc/rfc9110.html#{section}"
            if section
            else "https://www.rfc-editor.org/rfc/rfc6585.html#section-4"
        )
        detail: dict[str, Any] = {"detail": self.detail, "o:errorCode": self.code}
        if self.path:
            detail["o:errorPath"] = self.path
        return {"type": error_type, "title": title, "status": self.status, "o:errorDetails": [detail]}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status)


def invalid_login() -> NetSuiteError:
    return NetSuiteError(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL)


def user_error(detail: str, *, path: str | None = None) -> NetSuiteError:
    return NetSuiteError(400, "USER_ERROR", detail, path=path)


def invalid_reference(field: str, value: Any, *, path: str | None = None) -> NetSuiteError:
    return NetSuiteError(
        400,
        "INVALID_KEY_OR_REF",
        f"Invalid {field} reference key {value}.",
        path=path or field,
    )


def not_found(record_type: str, record_id: str) -> NetSuiteError:
    return NetSuiteError(
        404,
        "NONEXISTENT_ID",
        "The record instance does not exist. Provide a valid record instance ID. "
        f"({record_type} {record_id})",
    )
