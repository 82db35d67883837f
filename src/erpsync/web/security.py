"""FastAPI dependencies that authenticate every request and check its role (and CSRF for cookie sessions)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from erpsync.web.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    Principal,
    Role,
    UserDirectory,
    csrf_matches,
)
from erpsync.web.ops import Operations

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer_scheme = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer esk_...`")
session_scheme = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Dashboard login session")


class LoginRequired(Exception):
    """No valid token or session: the API answers 401, the dashboard redirects to the login page."""


def operations(request: Request) -> Operations:
    ops: Operations = request.app.state.ops
    return ops


def user_directory(request: Request) -> UserDirectory:
    users: UserDirectory = request.app.state.users
    return users


async def current_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session_id: Annotated[str | None, Depends(session_scheme)],
) -> Principal:
    users = user_directory(request)
    principal = None
    if bearer is not None:
        principal = users.principal_for_token(bearer.credentials)
    elif session_id:
        principal = users.principal_for_session(session_id)
    if principal is None:
        raise LoginRequired()
    if principal.via == "session" and request.method not in _SAFE_METHODS:
        presented = request.headers.get(CSRF_HEADER)
        if presented is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            value = (await request.form()).get(CSRF_FIELD)
            presented = value if isinstance(value, str) else None
        if not csrf_matches(principal, presented):
            raise HTTPException(403, "CSRF token missing or wrong: reload the page and try again")
    request.state.principal = principal
    return principal


def require(role: Role) -> Callable[..., Awaitable[Principal]]:
    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.role.allows(role):
            raise HTTPException(
                403, f"this needs the {role.value} role; {principal.username} is {principal.role.value}"
            )
        return principal

    return check


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Ops = Annotated[Operations, Depends(operations)]
Users = Annotated[UserDirectory, Depends(user_directory)]

# Database ids are 32-bit on every backend; a larger number cannot name a row (and overflows SQLite's driver).
MAX_ID = 2_147_483_647
ExceptionId = Annotated[int, Path(ge=1, le=MAX_ID, description="the exception's id")]
