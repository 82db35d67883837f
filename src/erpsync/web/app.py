"""``create_app``: the ops API, the dashboard, health/readiness and metrics as one FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from erpsync import __version__
from erpsync.config import Settings
from erpsync.store import RecordNotFound, Store
from erpsync.web import api
from erpsync.web import dashboard as dashboard_pages
from erpsync.web import monitoring as health_and_metrics
from erpsync.web.auth import LoginThrottle, UnknownUser, UserDirectory
from erpsync.web.ops import NotAvailable, Operations, UnknownFlow, utc_now
from erpsync.web.security import LoginRequired, Viewer

if TYPE_CHECKING:
    from erpsync.engine import Engine

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger(__name__)
# Scripts only from this site (htmx, uPlot and dashboard.js are vendored); inline styles are allowed because
# htmx and the rendered mapping document use them. The mapping document sits in a sandboxed srcdoc iframe.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def create_app(
    *,
    settings: Settings,
    store: Store,
    engine: Engine | None = None,
    users: UserDirectory | None = None,
    metrics_public: bool = False,
) -> FastAPI:
    """The web application over one store and, in ``erpsync run``, the process's engine.

    Without ``engine`` the app still shows everything, and answers 501 to what needs the engine (retry,
    pause/resume). ``users`` defaults to the user tables in the store's database. ``metrics_public`` lets
    Prometheus scrape ``/metrics`` without a token (only on a network you trust).
    """
    app = FastAPI(
        title="erpsync operations API",
        version=__version__,
        # Served by our own route below, behind login like every other route; no Swagger UI page (it loads
        # its scripts from a CDN, which the Content-Security-Policy and offline installs rule out).
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    # The store's engine is reused so the user tables share its connection settings (SQLite WAL, pool).
    app.state.users = users if users is not None else UserDirectory(store._engine)
    app.state.ops = Operations(settings=settings, store=store, engine=engine, clock=utc_now)
    app.state.metrics_public = metrics_public
    app.state.login_throttle = LoginThrottle()
    _add_error_handlers(app)
    _add_security_headers(app)
    health_and_metrics.add_correlation_ids(app)
    app.include_router(health_and_metrics.router)
    app.include_router(api.router)
    app.include_router(dashboard_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document(_: Viewer) -> JSONResponse:
        return JSONResponse(app.openapi())

    return app


def _add_error_handlers(app: FastAPI) -> None:
    def problem(status: int) -> object:
        async def handler(request: Request, exc: Exception) -> Response:
            return JSONResponse({"detail": str(exc)}, status_code=status)

        return handler

    for error, status in (
        (RecordNotFound, 404),
        (UnknownFlow, 404),
        (UnknownUser, 404),
        (ValueError, 409),
        (NotAvailable, 501),
    ):
        app.add_exception_handler(error, problem(status))  # type: ignore[arg-type]

    async def bug(request: Request, exc: Exception) -> Response:
        # A pydantic ValidationError is a ValueError, but here it is our bug, not the caller's conflict.
        log.error("invalid data built while answering %s", request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error (logged)"}, status_code=500)

    app.add_exception_handler(ValidationError, bug)

    async def login_required(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(("/api/", "/metrics", "/openapi.json")):
            return JSONResponse(
                {"detail": "log in, or send an API token: Authorization: Bearer esk_..."},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    app.add_exception_handler(LoginRequired, login_required)


def _add_security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def secure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
