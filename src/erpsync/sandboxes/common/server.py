"""Serving a sandbox: the CLI's foreground server (prints the ready line) and a background thread for
tests and the demo. Both bind the socket first, so port 0 picks a free port and the ready line tells it."""

from __future__ import annotations

import json
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


def ready_line(platform: str, url: str, credentials: dict[str, Any]) -> str:
    """The one JSON line a sandbox prints on stdout once it accepts requests (DESIGN decision 6)."""
    return json.dumps({"platform": platform, "url": url, "credentials": credentials}, sort_keys=True)


def _config(app: ASGIApp, tls_cert: Path | None, tls_key: Path | None) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        ssl_cert_reqs=ssl.CERT_NONE,
        timeout_keep_alive=30,
    )


def serve(
    app: ASGIApp,
    *,
    platform: str,
    credentials: dict[str, Any],
    host: str = "127.0.0.1",
    port: int = 0,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
) -> None:
    """Serve in the foreground until interrupted; print the ready line once listening."""
    sock = _bind(host, port)
    scheme = "https" if tls_cert else "http"
    url = f"{scheme}://{host}:{sock.getsockname()[1]}"
    server = uvicorn.Server(_config(app, tls_cert, tls_key))

    def announce_when_started() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.01)
        if server.started:
            print(ready_line(platform, url, credentials), flush=True, file=sys.stdout)

    threading.Thread(target=announce_when_started, daemon=True).start()
    server.run(sockets=[sock])


@dataclass
class RunningSandbox:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_in_thread(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> RunningSandbox:
    sock = _bind(host, port)
    server = uvicorn.Server(_config(app, None, None))  # uvicorn skips signal handlers off the main thread
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("sandbox server did not start within 10 s")
        time.sleep(0.01)
    return RunningSandbox(url=f"http://{host}:{sock.getsockname()[1]}", server=server, thread=thread)


@contextmanager
def serve_in_thread(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningSandbox]:
    """Serve ``app`` on loopback in a background thread for the duration of the block (tests, demo)."""
    running = start_in_thread(app, host=host, port=port)
    try:
        yield running
    finally:
        running.stop()
