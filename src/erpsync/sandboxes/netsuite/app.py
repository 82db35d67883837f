"""The NetSuite sandbox: SuiteTalk REST web services of one account, served as an ASGI app.

    POST /services/rest/auth/oauth2/v1/token                      OAuth 2.0 client credentials (JWT)
    GET|POST /services/rest/record/v1/{type}                      list (limit/offset/q) | create (204)
    GET|PATCH|PUT|DELETE /services/rest/record/v1/{type}/{id}     id or eid:<externalId>; PUT = upsert
    GET /services/rest/record/v1/{type}/{id}/{sublist}            a sublist of a record
    POST /services/rest/record/v1/{type}/{id}/!transform/{target} 204 + Location of the new record
    POST /services/rest/query/v1/suiteql                          SuiteQL (Prefer: transient)
    GET /services/rest/async/v1/job/{id}[/task[/{id}[/result]]]   asynchronous jobs
    GET /services/rest/system/v1/governanceLimits                 the account's concurrency limit
    /_sandbox/...                                   the shared control API (+ warehouse, governance)

Every API request is authenticated (TBA or bearer), admitted by concurrency governance (429 over the
limit), then passed through the fault injector under the operation name "<METHOD> <recordType>"
(e.g. "POST salesOrder", "GET customer"), "transform <target>", "suiteql", "job" or "token".
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from erpsync.sandboxes.common import (
    FaultInjector,
    FaultKind,
    SandboxClock,
    control_router,
    install_fault_handling,
)
from erpsync.sandboxes.netsuite.account import Account
from erpsync.sandboxes.netsuite.auth import (
    AccountCredentials,
    OAuth2ClientCredentials,
    OAuthError,
    SignedRequest,
    TokenBasedAuth,
)
from erpsync.sandboxes.netsuite.errors import NetSuiteError, invalid_login, user_error
from erpsync.sandboxes.netsuite.governance import (
    AsyncJob,
    AsyncJobs,
    ConcurrencyGovernor,
    StoredResponse,
    concurrency_error,
)
from erpsync.sandboxes.netsuite.paging import page, page_window
from erpsync.sandboxes.netsuite.query_filter import record_matches
from erpsync.sandboxes.netsuite.records import RECORD_PATH, record_type_or_404
from erpsync.sandboxes.netsuite.schema import Kind
from erpsync.sandboxes.netsuite.seed import load_seed
from erpsync.sandboxes.netsuite.state import dump_account
from erpsync.sandboxes.netsuite.suiteql import run_suiteql
from erpsync.sandboxes.netsuite.warehouse import Warehouse

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
ASYNC_PATH = "/services/rest/async/v1/job"
ASYNC_APPLIED = {"Preference-Applied": "respond-async"}

Handler = Callable[[], Response]


class NetSuiteSandbox:
    """One NetSuite account: credentials, records, governance, jobs, warehouse, faults and clock."""

    platform = "netsuite"

    def __init__(self, *, seed: int | None = None, account_id: str = "1234567_SB1") -> None:
        self.seed = seed
        self.clock = SandboxClock()
        self.faults = FaultInjector(seed=seed)
        self.account_credentials = AccountCredentials.generate(account_id)
        self.tba = TokenBasedAuth(self.account_credentials, self.clock)
        self.oauth2 = OAuth2ClientCredentials(self.account_credentials, self.clock)
        self.governor = ConcurrencyGovernor()
        self.jobs = AsyncJobs()
        self.account = Account(self.clock)
        self.warehouse = Warehouse(self.account)
        self._load()
        self.app = _build_app(self)

    def _load(self) -> None:
        load_seed(self.account, self.seed)

    # --- the Sandbox protocol ---------------------------------------------------------------------

    def credentials(self) -> dict[str, Any]:
        return self.account_credentials.as_dict()

    def dump_state(self) -> dict[str, Any]:
        self.warehouse.run_due()
        return {
            **dump_account(self.account),
            "governance": self.governor.describe(),
            "warehouse": self.warehouse.describe(),
            "async": self.jobs.describe(),
        }

    def reset(self) -> None:
        self.account.reset()
        self.jobs.reset()
        self.warehouse.reset()
        self.governor.reset_counters()
        self._load()

    def set_rate_limit_preset(self, preset: str) -> dict[str, Any]:
        return self.governor.set_preset(preset)


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _no_content(location: str | None = None) -> Response:
    return Response(status_code=204, headers={"Location": location} if location else None)


async def _json_body(request: Request, *, optional: bool = False) -> Any:
    raw = await request.body()
    if not raw.strip():
        if optional:
            return None
        raise user_error("The request body is missing: send a JSON object.")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise user_error(f"The request body is not valid JSON: {exc.msg} at position {exc.pos}.") from None


def _build_app(sandbox: NetSuiteSandbox) -> FastAPI:
    app = FastAPI(title="NetSuite sandbox (SuiteTalk REST web services)", docs_url=None, redoc_url=None)
    install_fault_handling(app)
    app.include_router(control_router(sandbox))
    account = sandbox.account
    running_jobs: set[asyncio.Task[None]] = set()

    @app.exception_handler(NetSuiteError)
    async def netsuite_error(_request: Request, exc: NetSuiteError) -> Response:
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Unknown paths and methods under /services answer NetSuite's error body too."""
        if not request.url.path.startswith("/services/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        code = {404: "NONEXISTENT_ID", 405: "INVALID_METHOD"}.get(exc.status_code, "USER_ERROR")  # [UNCONF]
        detail = f"{request.method} {request.url.path}: {exc.detail}"
        return NetSuiteError(exc.status_code, code, detail).response()

    async def authenticate(request: Request) -> None:
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            sandbox.oauth2.verify_bearer(authorization)
            return
        if not authorization:
            raise invalid_login()
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        form = None
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = (await request.body()).decode()
        sandbox.tba.verify(
            SignedRequest(
                method=request.method,
                base_uri=_signed_base_uri(request, raw_path.decode("latin-1")),
                query=request.url.query,
                authorization=authorization,
                form_body=form,
            )
        )

    async def serve(request: Request, operation: str, handler: Callable[[], Awaitable[Response]]) -> Response:
        """Auth, governance, faults, then the operation; ``Prefer: respond-async`` makes it a job."""
        sandbox.warehouse.run_due()
        await authenticate(request)
        with sandbox.governor.slot():
            fault = await sandbox.faults.before(operation)
            if fault is FaultKind.SERVER_ERROR:
                return NetSuiteError(
                    500, "UNEXPECTED_ERROR", "An unexpected error occurred. Error ID: sandbox-injected-fault"
                ).response()
            if fault is FaultKind.THROTTLE:
                return concurrency_error().response()
            if "respond-async" in request.headers.get("prefer", ""):
                return await submit_job(request, handler)
            return await handler()

    async def submit_job(request: Request, handler: Callable[[], Awaitable[Response]]) -> Response:
        await request.body()  # read now: the task runs after the 202 has been sent
        key = request.headers.get("x-netsuite-idempotency-key")
        first = sandbox.jobs.job_with_key(key)
        if first is not None:
            duplicate = NetSuiteError(
                400,
                "IDEMPOTENCY_ERROR",
                "A request with the same idempotency key is already submitted. "
                'See the "Location" header for a link to the previously submitted job',
            )
            conflict = {**duplicate.body(), "title": "Conflict"}
            location = f"{_base_url(request)}{ASYNC_PATH}/{first.id}"
            return JSONResponse(conflict, status_code=400, headers={"Location": location, **ASYNC_APPLIED})
        job = sandbox.jobs.new_job(
            sandbox.clock.now(), key, {"method": request.method, "path": request.url.path}
        )
        task = asyncio.create_task(run_job(job, handler))
        running_jobs.add(task)
        task.add_done_callback(running_jobs.discard)
        location = f"{_base_url(request)}{ASYNC_PATH}/{job.id}"
        return Response(status_code=202, headers={"Location": location, **ASYNC_APPLIED})

    async def run_job(job: AsyncJob, handler: Callable[[], Awaitable[Response]]) -> None:
        """An async request runs in the account's async processors, outside the concurrency limit."""
        if sandbox.jobs.processing_seconds:
            await asyncio.sleep(sandbox.jobs.processing_seconds)
        while sandbox.jobs.paused:
            await asyncio.sleep(0.02)
        try:
            response = await handler()
            body = json.loads(bytes(response.body)) if response.body else None
            job.result = StoredResponse(response.status_code, _public_headers(response), body)
        except NetSuiteError as exc:
            job.result = StoredResponse(exc.status, {}, exc.body())
        job.completed = sandbox.clock.now()

    # --- OAuth 2.0 token endpoint -----------------------------------------------------------------

    @app.post(TOKEN_PATH)
    async def token(request: Request) -> Response:
        fault = await sandbox.faults.before("token")
        if fault is not None:
            return JSONResponse(
                {"error": "server_error"}, status_code=500 if fault is FaultKind.SERVER_ERROR else 429
            )
        form = dict((await request.form()).items())
        try:
            answer = sandbox.oauth2.issue(
                {k: str(v) for k, v in form.items()}, f"{_base_url(request)}{TOKEN_PATH}"
            )
        except OAuthError as exc:
            return JSONResponse({"error": exc.code}, status_code=400)
        return JSONResponse(answer)

    # --- records ----------------------------------------------------------------------------------

    @app.get(RECORD_PATH + "/{type_name}")
    async def list_records(request: Request, type_name: str) -> Response:
        async def run() -> Response:
            record_type = record_type_or_404(type_name)
            limit, offset = page_window(request.query_params.get("limit"), request.query_params.get("offset"))
            base = _base_url(request)
            query = request.query_params.get("q")
            with account.lock:
                matches = [r for r in account.store.all(record_type) if record_matches(record_type, r, query)]
                items = [
                    {"links": [{"rel": "self", "href": f"{base}{RECORD_PATH}/{record_type.name}/{r['id']}"}],
                     "id": r["id"]}
                    for r in matches
                ]  # fmt: skip
            extra = {"q": query} if query else {}
            url = f"{base}{RECORD_PATH}/{type_name}"
            return JSONResponse(page(items, limit=limit, offset=offset, url=url, query=extra))

        return await serve(request, f"GET {type_name}", run)

    @app.post(RECORD_PATH + "/{type_name}")
    async def create_record(request: Request, type_name: str) -> Response:
        async def run() -> Response:
            record_type, record = account.create(type_name, await _json_body(request))
            return _no_content(f"{_base_url(request)}{RECORD_PATH}/{record_type.name}/{record['id']}")

        return await serve(request, f"POST {type_name}", run)

    @app.get(RECORD_PATH + "/{type_name}/{key}")
    async def get_record(request: Request, type_name: str, key: str) -> Response:
        async def run() -> Response:
            record_type = record_type_or_404(type_name)
            expand = request.query_params.get("expandSubResources", "false").lower() == "true"
            fields_param = request.query_params.get("fields")
            fields = {f.strip() for f in fields_param.split(",") if f.strip()} if fields_param else None
            with account.lock:
                record = account.store.get(record_type, key)
                body = account.represent(
                    record_type, record, _base_url(request), expand=expand, fields=fields
                )
            return JSONResponse(body)

        return await serve(request, f"GET {type_name}", run)

    @app.get(RECORD_PATH + "/{type_name}/{key}/{sublist_name}")
    async def get_sublist(request: Request, type_name: str, key: str, sublist_name: str) -> Response:
        async def run() -> Response:
            record_type = record_type_or_404(type_name)
            spec = record_type.fields.get(sublist_name)
            if spec is None or spec.kind is not Kind.SUBLIST:
                raise NetSuiteError(404, "NONEXISTENT_ID", f"{type_name} has no sub-resource {sublist_name}.")
            base = _base_url(request)
            with account.lock:
                record = account.store.get(record_type, key)
                body = account.represent(record_type, record, base, expand=True, fields={sublist_name})
            return JSONResponse(body.get(sublist_name, {"items": []}))

        return await serve(request, f"GET {type_name}", run)

    @app.patch(RECORD_PATH + "/{type_name}/{key}")
    async def patch_record(request: Request, type_name: str, key: str) -> Response:
        async def run() -> Response:
            replace = {r.strip() for r in request.query_params.get("replace", "").split(",") if r.strip()}
            account.update(type_name, key, await _json_body(request), replace=replace)
            return _no_content()

        return await serve(request, f"PATCH {type_name}", run)

    @app.put(RECORD_PATH + "/{type_name}/{key}")
    async def upsert_record(request: Request, type_name: str, key: str) -> Response:
        async def run() -> Response:
            record_type, record = account.upsert(type_name, key, await _json_body(request))
            return _no_content(f"{_base_url(request)}{RECORD_PATH}/{record_type.name}/{record['id']}")

        return await serve(request, f"PUT {type_name}", run)

    @app.delete(RECORD_PATH + "/{type_name}/{key}")
    async def delete_record(request: Request, type_name: str, key: str) -> Response:
        async def run() -> Response:
            account.delete(type_name, key)
            return _no_content()

        return await serve(request, f"DELETE {type_name}", run)

    @app.post(RECORD_PATH + "/{type_name}/{key}/!transform/{target}")
    async def transform_record(request: Request, type_name: str, key: str, target: str) -> Response:
        async def run() -> Response:
            body = await _json_body(request, optional=True)
            record_type, record = account.transform(type_name, key, target, body)
            return _no_content(f"{_base_url(request)}{RECORD_PATH}/{record_type.name}/{record['id']}")

        return await serve(request, f"transform {target}", run)

    # --- SuiteQL ----------------------------------------------------------------------------------

    @app.post("/services/rest/query/v1/suiteql")
    async def suiteql(request: Request) -> Response:
        async def run() -> Response:
            if "transient" not in request.headers.get("prefer", ""):
                # [UNCONF] NetSuite's documented SuiteQL calls all send "Prefer: transient".
                raise user_error('SuiteQL requests need the header "Prefer: transient".')
            body = await _json_body(request)
            if not isinstance(body, dict) or not isinstance(body.get("q"), str):
                raise user_error('The body of a SuiteQL request is {"q": "SELECT ..."}.')
            limit, offset = page_window(request.query_params.get("limit"), request.query_params.get("offset"))
            with account.lock:
                rows = run_suiteql(account, body["q"])
            url = f"{_base_url(request)}/services/rest/query/v1/suiteql"
            return JSONResponse(page(rows, limit=limit, offset=offset, url=url))

        return await serve(request, "suiteql", run)

    # --- async jobs -------------------------------------------------------------------------------

    @app.get(ASYNC_PATH + "/{job_id}")
    async def get_job(request: Request, job_id: str) -> Response:
        async def run() -> Response:
            job = sandbox.jobs.get(job_id)
            url = f"{_base_url(request)}{ASYNC_PATH}/{job.id}"
            return JSONResponse(
                {
                    "links": [{"rel": "self", "href": url}],
                    "id": job.id,
                    "completed": job.result is not None,
                    "progress": job.progress,
                    "createdTime": _iso(job.created),
                    **({"completedTime": _iso(job.completed)} if job.completed else {}),
                    "task": {"links": [{"rel": "self", "href": f"{url}/task"}]},
                }
            )

        return await serve(request, "job", run)

    @app.get(ASYNC_PATH + "/{job_id}/task")
    async def get_job_tasks(request: Request, job_id: str) -> Response:
        async def run() -> Response:
            job = sandbox.jobs.get(job_id)
            url = f"{_base_url(request)}{ASYNC_PATH}/{job.id}/task"
            items = [{"links": [{"rel": "self", "href": f"{url}/{job.id}"}], "id": job.id}]
            return JSONResponse(page(items, limit=1000, offset=0, url=url))

        return await serve(request, "job", run)

    @app.get(ASYNC_PATH + "/{job_id}/task/{task_id}")
    async def get_job_task(request: Request, job_id: str, task_id: str) -> Response:
        async def run() -> Response:
            job = sandbox.jobs.get(job_id)
            if task_id != job.id:
                raise NetSuiteError(404, "NONEXISTENT_ID", f"The async job {job_id} has no task {task_id}.")
            url = f"{_base_url(request)}{ASYNC_PATH}/{job.id}/task/{task_id}"
            return JSONResponse(
                {
                    "links": [{"rel": "self", "href": url}],
                    "id": task_id,
                    "completed": job.result is not None,
                    "progress": job.progress,
                    "result": {"links": [{"rel": "related", "href": f"{url}/result"}]},
                }
            )

        return await serve(request, "job", run)

    @app.get(ASYNC_PATH + "/{job_id}/task/{task_id}/result")
    async def get_job_result(request: Request, job_id: str, task_id: str) -> Response:
        async def run() -> Response:
            job = sandbox.jobs.get(job_id)
            if task_id != job.id:
                raise NetSuiteError(404, "NONEXISTENT_ID", f"The async job {job_id} has no task {task_id}.")
            result = job.result
            if result is None:
                raise NetSuiteError(
                    404, "NONEXISTENT_ID", f"The async job {job_id} has no result yet: it is pending."
                )
            if result.body is None:
                return Response(status_code=result.status, headers=result.headers)
            return JSONResponse(result.body, status_code=result.status, headers=result.headers)

        return await serve(request, "job", run)

    # --- governance and sandbox extras ------------------------------------------------------------

    @app.get("/services/rest/system/v1/governanceLimits")
    async def governance_limits(request: Request) -> Response:
        async def run() -> Response:
            limit = sandbox.governor.limit
            # [UNCONF] field names of Oracle's governanceLimits answer (article_0625010817).
            return JSONResponse(
                {
                    "accountConcurrencyLimit": limit,
                    "unallocatedConcurrencyLimit": limit,
                    "limitType": "accountLimit",
                }
            )

        return await serve(request, "governanceLimits", run)

    @app.get("/_sandbox/warehouse")
    async def get_warehouse() -> dict[str, Any]:
        return sandbox.warehouse.describe()

    @app.put("/_sandbox/warehouse")
    async def put_warehouse(request: Request) -> Response:
        try:
            sandbox.warehouse.configure(await _json_body(request))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"detail": f"bad warehouse configuration: {exc}"}, status_code=422)
        return JSONResponse(sandbox.warehouse.describe())

    @app.get("/_sandbox/async")
    async def get_async() -> dict[str, Any]:
        return sandbox.jobs.describe()

    @app.put("/_sandbox/async")
    async def put_async(request: Request) -> Response:
        try:
            return JSONResponse(sandbox.jobs.configure(await _json_body(request)))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"detail": f"bad async configuration: {exc}"}, status_code=422)

    @app.get("/_sandbox/governance")
    async def get_governance() -> dict[str, Any]:
        return sandbox.governor.describe()

    return app


def _signed_base_uri(request: Request, raw_path: str) -> str:
    """RFC 5849 section 3.4.1.2: lower-case scheme and host, the port only when not the default."""
    scheme = request.url.scheme.lower()
    host = (request.headers.get("host") or request.url.netloc).lower()
    default_port = {"http": ":80", "https": ":443"}[scheme]
    if host.endswith(default_port):
        host = host[: -len(default_port)]
    return f"{scheme}://{host}{raw_path}"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _public_headers(response: Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower() == "location"}
