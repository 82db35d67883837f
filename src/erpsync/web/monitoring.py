"""Health, readiness, Prometheus ``/metrics``, and a correlation id on every request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from erpsync.observability import (
    FLOW_LAG,
    OPEN_EXCEPTIONS,
    QUEUE_DEPTH,
    bind_correlation_id,
    clear_correlation_id,
)
from erpsync.web.ops import Operations
from erpsync.web.security import Ops, bearer_scheme, current_principal, session_scheme

router = APIRouter()
log = structlog.get_logger(__name__)
REQUEST_ID_HEADER = "X-Request-ID"


@router.get("/healthz", tags=["health"])
def health() -> dict[str, str]:
    """The process is up (no dependency checked: a liveness probe)."""
    return {"status": "ok"}


@router.get("/readyz", tags=["health"], responses={503: {"description": "the database is unreachable"}})
def readiness(ops: Ops) -> Response:
    """Ready to serve: the state store's database answers."""
    if ops.database_reachable():
        return JSONResponse({"status": "ready", "database": "reachable"})
    return JSONResponse({"status": "not ready", "database": "unreachable"}, status_code=503)


async def metrics_access(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session_id: Annotated[str | None, Depends(session_scheme)],
) -> None:
    if not request.app.state.metrics_public:
        await current_principal(request, bearer, session_id)


@router.get("/metrics", tags=["health"], dependencies=[Depends(metrics_access)], response_class=Response)
def metrics(ops: Ops) -> Response:
    """Prometheus exposition. Needs a token unless the app was created with ``metrics_public=True``."""
    refresh_store_gauges(ops)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def refresh_store_gauges(ops: Operations) -> None:
    """Gauges whose truth is in the store are read at scrape time, so every process reports the same."""
    open_counts = Counter((e.flow, e.error_class) for e in ops.exceptions())
    OPEN_EXCEPTIONS.clear()
    for (flow, error_class), count in open_counts.items():
        OPEN_EXCEPTIONS.labels(flow=flow, error_class=error_class).set(count)
    waiting = Counter(hold.flow for hold in ops.store.holds())
    QUEUE_DEPTH.clear()
    for flow, count in waiting.items():
        QUEUE_DEPTH.labels(flow=flow).set(count)
    for status in ops.flows():
        if status.lag_seconds is not None:
            FLOW_LAG.labels(flow=status.name).set(status.lag_seconds)


def add_correlation_ids(app: FastAPI) -> None:
    """Each request's log lines carry its ``X-Request-ID`` (or a fresh id), echoed back on the response."""

    @app.middleware("http")
    async def correlate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        presented = request.headers.get(REQUEST_ID_HEADER, "")
        # Only a plain token is echoed back: a header value is attacker-controlled.
        correlation_id = bind_correlation_id(
            presented if presented.isalnum() and len(presented) <= 64 else None
        )
        try:
            response = await call_next(request)
        finally:
            clear_correlation_id()
        response.headers[REQUEST_ID_HEADER] = correlation_id
        return response
