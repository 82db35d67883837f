"""What every NetSuite API request passes before its operation runs, in NetSuite's order: login (TBA
signature or bearer token), concurrency governance (429 over the account limit), then the fault injector
under the operation's name; ``Prefer: respond-async`` turns the operation into a background job."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastapi import Request
from starlette.responses import JSONResponse, Response

from erpsync.sandboxes.common import FaultKind
from erpsync.sandboxes.netsuite.auth import SignedRequest
from erpsync.sandboxes.netsuite.errors import NetSuiteError, invalid_login
from erpsync.sandboxes.netsuite.governance import AsyncJob, StoredResponse, concurrency_error

if TYPE_CHECKING:
    from erpsync.sandboxes.netsuite.app import NetSuiteSandbox

ASYNC_PATH = "/services/rest/async/v1/job"
ASYNC_APPLIED = {"Preference-Applied": "respond-async"}

Operation = Callable[[], Awaitable[Response]]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


class ApiGate:
    def __init__(self, sandbox: NetSuiteSandbox) -> None:
        self.sandbox = sandbox
        self._running_jobs: set[asyncio.Task[None]] = set()

    async def serve(self, request: Request, operation: str, run: Operation) -> Response:
        """Auth, governance, faults, then ``run``; ``Prefer: respond-async`` makes it a job."""
        sandbox = self.sandbox
        sandbox.warehouse.run_due()
        await self.authenticate(request)
        with sandbox.governor.slot():
            fault = await sandbox.faults.before(operation)
            if fault is FaultKind.SERVER_ERROR:
                return NetSuiteError(
                    500, "UNEXPECTED_ERROR", "An unexpected error occurred. Error ID: sandbox-injected-fault"
                ).response()
            if fault is FaultKind.THROTTLE:
                return concurrency_error().response()
            if "respond-async" in request.headers.get("prefer", ""):
                return await self._submit_job(request, run)
            return await run()

    async def authenticate(self, request: Request) -> None:
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            self.sandbox.oauth2.verify_bearer(authorization)
            return
        if not authorization:
            raise invalid_login()
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        form = None
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = (await request.body()).decode()
        self.sandbox.tba.verify(
            SignedRequest(
                method=request.method,
                base_uri=signed_base_uri(request, raw_path.decode("latin-1")),
                query=request.url.query,
                authorization=authorization,
                form_body=form,
            )
        )

    async def _submit_job(self, request: Request, run: Operation) -> Response:
        jobs = self.sandbox.jobs
        await request.body()  # read now: the job runs after the 202 has been sent
        key = request.headers.get("x-netsuite-idempotency-key")
        first = jobs.job_with_key(key)
        if first is not None:
            return _duplicate_key(request, first)
        job = jobs.new_job(
            self.sandbox.clock.now(), key, {"method": request.method, "path": request.url.path}
        )
        task = asyncio.create_task(self._run_job(job, run))
        self._running_jobs.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._running_jobs.discard)
        headers = {"Location": f"{base_url(request)}{ASYNC_PATH}/{job.id}", **ASYNC_APPLIED}
        return Response(status_code=202, headers=headers)

    async def _run_job(self, job: AsyncJob, run: Operation) -> None:
        """An async request runs in the account's async processors, outside the concurrency limit."""
        jobs = self.sandbox.jobs
        if jobs.processing_seconds:
            await asyncio.sleep(jobs.processing_seconds)
        while jobs.paused:
            await asyncio.sleep(0.02)
        try:
            response = await run()
            body = json.loads(bytes(response.body)) if response.body else None
            location = {k: v for k, v in response.headers.items() if k.lower() == "location"}
            job.result = StoredResponse(response.status_code, location, body)
        except NetSuiteError as exc:
            job.result = StoredResponse(exc.status, {}, exc.body())
        except Exception as exc:  # a job never stays pending forever because of a sandbox bug
            error = NetSuiteError(
                500, "UNEXPECTED_ERROR", f"An unexpected error occurred: {type(exc).__name__}"
            )
            job.result = StoredResponse(500, {}, error.body())
        job.completed = self.sandbox.clock.now()


def _duplicate_key(request: Request, first: AsyncJob) -> Response:
    """Oracle help subsect_164494900632: 400 "Conflict" naming the job submitted first."""
    duplicate = NetSuiteError(
        400,
        "IDEMPOTENCY_ERROR",
        "A request with the same idempotency key is already submitted. "
        'See the "Location" header for a link to the previously submitted job',
    )
    headers = {"Location": f"{base_url(request)}{ASYNC_PATH}/{first.id}", **ASYNC_APPLIED}
    return JSONResponse({**duplicate.body(), "title": "Conflict"}, status_code=400, headers=headers)


def signed_base_uri(request: Request, raw_path: str) -> str:
    """RFC 5849 section 3.4.1.2: lower-case scheme and host, the port only when not the default."""
    scheme = request.url.scheme.lower()
    host = (request.headers.get("host") or request.url.netloc).lower()
    default_port = {"http": ":80", "https": ":443"}[scheme]
    if host.endswith(default_port):
        host = host[: -len(default_port)]
    return f"{scheme}://{host}{raw_path}"
