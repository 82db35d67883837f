"""Dropping a connection from inside an ASGI app.

An ASGI app cannot reach the socket, and a server answers 500 for any exception raised before the
response starts. So a "reset" fault starts a response that promises more body than it sends, then
fails: the server closes the connection mid-body and the client sees the connection drop
(httpx: ``RemoteProtocolError``), which is what a reset looks like to it.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from erpsync.sandboxes.common.faults import ConnectionAbort


class DroppedConnectionResponse(Response):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]})
        await send({"type": "http.response.body", "body": b"{", "more_body": True})
        raise ConnectionAbort("connection dropped on purpose by the sandbox")


class _QuietAborts(logging.Filter):
    """The server logs the deliberate abort as an application error; it is not one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and _caused_by_abort(record.exc_info[1]))


def _caused_by_abort(error: BaseException | None) -> bool:
    """Starlette re-raises the abort as ``RuntimeError("... response already started")`` from it."""
    while error is not None:
        if isinstance(error, ConnectionAbort):
            return True
        error = error.__cause__ or error.__context__
    return False


def install_fault_handling(app: FastAPI) -> None:
    """Let handlers raise ConnectionAbort (from ``FaultInjector.before``) to drop the connection."""

    async def drop(_request: Request, _exc: Exception) -> Response:
        return DroppedConnectionResponse()

    app.add_exception_handler(ConnectionAbort, drop)
    logging.getLogger("uvicorn.error").addFilter(_QuietAborts())
