"""The HTTP routes of the NetSuite sandbox, one router per part of SuiteTalk REST web services. Every API
route hands its operation to the ``ApiGate`` (login, governance, faults, async) under the operation name
the fault injector uses: ``"<METHOD> <recordType>"``, ``"transform <target>"``, ``"suiteql"``, ``"job"``,
``"governanceLimits"``; the token endpoint answers faults itself as ``"token"``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from erpsync.sandboxes.common import FaultKind
from erpsync.sandboxes.netsuite.account import Account
from erpsync.sandboxes.netsuite.auth import OAuthError
from erpsync.sandboxes.netsuite.errors import NetSuiteError, user_error
from erpsync.sandboxes.netsuite.gate import ASYNC_PATH, ApiGate, base_url
from erpsync.sandboxes.netsuite.governance import AsyncJob, AsyncJobs
from erpsync.sandboxes.netsuite.paging import page, page_window
from erpsync.sandboxes.netsuite.query_filter import record_matches
from erpsync.sandboxes.netsuite.records import RECORD_PATH, record_type_or_404
from erpsync.sandboxes.netsuite.schema import Kind
from erpsync.sandboxes.netsuite.suiteql import run_suiteql_page

if TYPE_CHECKING:
    from erpsync.sandboxes.netsuite.app import NetSuiteSandbox

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
SUITEQL_PATH = "/services/rest/query/v1/suiteql"


def no_content(location: str | None = None) -> Response:
    return Response(status_code=204, headers={"Location": location} if location else None)


async def json_body(request: Request, *, optional: bool = False) -> Any:
    raw = await request.body()
    if not raw.strip():
        if optional:
            return None
        raise user_error("The request body is missing: send a JSON object.")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise user_error(f"The request body is not valid JSON: {exc.msg} at position {exc.pos}.") from None


def _record_url(request: Request, type_name: str, record_id: str) -> str:
    return f"{base_url(request)}{RECORD_PATH}/{type_name}/{record_id}"


def _names(param: str | None) -> set[str]:
    return {name.strip() for name in (param or "").split(",") if name.strip()}


def record_router(account: Account, gate: ApiGate) -> APIRouter:
    router = APIRouter(prefix=RECORD_PATH)

    @router.get("/{type_name}")
    async def list_records(request: Request, type_name: str) -> Response:
        async def run() -> Response:
            record_type = record_type_or_404(type_name)
            params = request.query_params
            limit, offset = page_window(params.get("limit"), params.get("offset"))
            query = params.get("q")
            with account.lock:
                ids = [
                    r["id"] for r in account.store.all(record_type) if record_matches(record_type, r, query)
                ]
            items = [
                {"links": [{"rel": "self", "href": _record_url(request, record_type.name, i)}], "id": i}
                for i in ids
            ]
            url = f"{base_url(request)}{RECORD_PATH}/{type_name}"
            return JSONResponse(
                page(items, limit=limit, offset=offset, url=url, query={"q": query} if query else None)
            )

        return await gate.serve(request, f"GET {type_name}", run)

    @router.post("/{type_name}")
    async def create_record(request: Request, type_name: str) -> Response:
        async def run() -> Response:
            record_type, record = account.create(type_name, await json_body(request))
            return no_content(_record_url(request, record_type.name, record["id"]))

        return await gate.serve(request, f"POST {type_name}", run)

    @router.get("/{type_name}/{key}")
    async def get_record(request: Request, type_name: str, key: str) -> Response:
        async def run() -> Response:
            record_type = record_type_or_404(type_name)
            expand = request.query_params.get("expandSubResources", "false").lower() == "true"
            fields = _names(request.query_params.get("fields")) or None
            with account.lock:
                record = account.store.get(record_type, key)
                body = account.represent(record_type, record, base_url(request), expand=expand, fields=fields)
            return JSONResponse(body)

        return await gate.serve(request, f"GET {type_name}", run)

    @router.get("/{type_name}/{key}/{sublist_name}")
    async def get_sublist(request: Request, type_name: str, key: str, sublist_name: str) -> Response:
        async def run() -> Response:
            record_type = record_type_or_404(type_name)
            spec = record_type.fields.get(sublist_name)
            if spec is None or spec.kind is not Kind.SUBLIST:
                raise NetSuiteError(404, "NONEXISTENT_ID", f"{type_name} has no sub-resource {sublist_name}.")
            with account.lock:
                record = account.store.get(record_type, key)
                body = account.represent(
                    record_type, record, base_url(request), expand=True, fields={sublist_name}
                )
            return JSONResponse(body.get(sublist_name, {"items": []}))

        return await gate.serve(request, f"GET {type_name}", run)

    @router.patch("/{type_name}/{key}")
    async def patch_record(request: Request, type_name: str, key: str) -> Response:
        async def run() -> Response:
            replace = _names(request.query_params.get("replace"))
            account.update(type_name, key, await json_body(request), replace=replace)
            return no_content()

        return await gate.serve(request, f"PATCH {type_name}", run)

    @router.put("/{type_name}/{key}")
    async def upsert_record(request: Request, type_name: str, key: str) -> Response:
        async def run() -> Response:
            record_type, record = account.upsert(type_name, key, await json_body(request))
            return no_content(_record_url(request, record_type.name, record["id"]))

        return await gate.serve(request, f"PUT {type_name}", run)

    @router.delete("/{type_name}/{key}")
    async def delete_record(request: Request, type_name: str, key: str) -> Response:
        async def run() -> Response:
            account.delete(type_name, key)
            return no_content()

        return await gate.serve(request, f"DELETE {type_name}", run)

    @router.post("/{type_name}/{key}/!transform/{target}")
    async def transform_record(request: Request, type_name: str, key: str, target: str) -> Response:
        async def run() -> Response:
            body = await json_body(request, optional=True)
            record_type, record = account.transform(type_name, key, target, body)
            return no_content(_record_url(request, record_type.name, record["id"]))

        return await gate.serve(request, f"transform {target}", run)

    return router


def suiteql_router(account: Account, gate: ApiGate) -> APIRouter:
    router = APIRouter()

    @router.post(SUITEQL_PATH)
    async def suiteql(request: Request) -> Response:
        async def run() -> Response:
            if "transient" not in request.headers.get("prefer", ""):
                # [UNCONF] NetSuite's documented SuiteQL calls all send "Prefer: transient".
                raise user_error('SuiteQL requests need the header "Prefer: transient".')
            body = await json_body(request)
            if not isinstance(body, dict) or not isinstance(body.get("q"), str):
                raise user_error('The body of a SuiteQL request is {"q": "SELECT ..."}.')
            limit, offset = page_window(request.query_params.get("limit"), request.query_params.get("offset"))
            rows = run_suiteql_page(account, body["q"], offset=offset, limit=limit)
            return JSONResponse(
                page(rows, limit=limit, offset=offset, url=f"{base_url(request)}{SUITEQL_PATH}")
            )

        return await gate.serve(request, "suiteql", run)

    return router


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _job_and_task(jobs: AsyncJobs, job_id: str, task_id: str) -> AsyncJob:
    job = jobs.get(job_id)
    if task_id != job.id:  # one task per job: the request itself
        raise NetSuiteError(404, "NONEXISTENT_ID", f"The async job {job_id} has no task {task_id}.")
    return job


def job_router(jobs: AsyncJobs, gate: ApiGate) -> APIRouter:
    """Oracle help subsect_161278579295: job -> task -> result, each with links to the next."""
    router = APIRouter(prefix=ASYNC_PATH)

    @router.get("/{job_id}")
    async def get_job(request: Request, job_id: str) -> Response:
        async def run() -> Response:
            job = jobs.get(job_id)
            url = f"{base_url(request)}{ASYNC_PATH}/{job.id}"
            body = {
                "links": [{"rel": "self", "href": url}],
                "id": job.id,
                "completed": job.result is not None,
                "progress": job.progress,
                "createdTime": _iso(job.created),
                **({"completedTime": _iso(job.completed)} if job.completed else {}),
                "task": {"links": [{"rel": "self", "href": f"{url}/task"}]},
            }
            return JSONResponse(body)

        return await gate.serve(request, "job", run)

    @router.get("/{job_id}/task")
    async def get_job_tasks(request: Request, job_id: str) -> Response:
        async def run() -> Response:
            job = jobs.get(job_id)
            url = f"{base_url(request)}{ASYNC_PATH}/{job.id}/task"
            items = [{"links": [{"rel": "self", "href": f"{url}/{job.id}"}], "id": job.id}]
            return JSONResponse(page(items, limit=1000, offset=0, url=url))

        return await gate.serve(request, "job", run)

    @router.get("/{job_id}/task/{task_id}")
    async def get_job_task(request: Request, job_id: str, task_id: str) -> Response:
        async def run() -> Response:
            job = _job_and_task(jobs, job_id, task_id)
            url = f"{base_url(request)}{ASYNC_PATH}/{job.id}/task/{task_id}"
            body = {
                "links": [{"rel": "self", "href": url}],
                "id": task_id,
                "completed": job.result is not None,
                "progress": job.progress,
                "result": {"links": [{"rel": "related", "href": f"{url}/result"}]},
            }
            return JSONResponse(body)

        return await gate.serve(request, "job", run)

    @router.get("/{job_id}/task/{task_id}/result")
    async def get_job_result(request: Request, job_id: str, task_id: str) -> Response:
        async def run() -> Response:
            result = _job_and_task(jobs, job_id, task_id).result
            if result is None:
                raise NetSuiteError(
                    404, "NONEXISTENT_ID", f"The async job {job_id} is pending: no result yet."
                )
            if result.body is None:
                return Response(status_code=result.status, headers=result.headers)
            return JSONResponse(result.body, status_code=result.status, headers=result.headers)

        return await gate.serve(request, "job", run)

    return router


def token_router(sandbox: NetSuiteSandbox) -> APIRouter:
    """OAuth 2.0 client credentials (Oracle help section_162755359851); not behind the gate: no login yet."""
    router = APIRouter()

    @router.post(TOKEN_PATH)
    async def token(request: Request) -> Response:
        fault = await sandbox.faults.before("token")
        if fault is not None:
            status = 500 if fault is FaultKind.SERVER_ERROR else 429
            return JSONResponse({"error": "server_error"}, status_code=status)
        form = {name: str(value) for name, value in (await request.form()).items()}
        try:
            answer = sandbox.oauth2.issue(form, f"{base_url(request)}{TOKEN_PATH}")
        except OAuthError as exc:
            return JSONResponse({"error": exc.code}, status_code=400)
        return JSONResponse(answer)

    return router


def system_router(sandbox: NetSuiteSandbox, gate: ApiGate) -> APIRouter:
    router = APIRouter()

    @router.get("/services/rest/system/v1/governanceLimits")
    async def governance_limits(request: Request) -> Response:
        async def run() -> Response:
            limit = sandbox.governor.limit
            # [UNCONF] field names of Oracle's governanceLimits answer (article_0625010817).
            body = {
                "accountConcurrencyLimit": limit,
                "unallocatedConcurrencyLimit": limit,
                "limitType": "accountLimit",
            }
            return JSONResponse(body)

        return await gate.serve(request, "governanceLimits", run)

    return router


def control_extras_router(sandbox: NetSuiteSandbox) -> APIRouter:
    """NetSuite's own additions to the shared /_sandbox/ control API: warehouse, async jobs, governance."""
    router = APIRouter(prefix="/_sandbox", tags=["sandbox control"])

    @router.get("/warehouse")
    async def get_warehouse() -> dict[str, Any]:
        return sandbox.warehouse.describe()

    @router.put("/warehouse")
    async def put_warehouse(request: Request) -> Response:
        try:
            sandbox.warehouse.configure(await json_body(request))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"detail": f"bad warehouse configuration: {exc}"}, status_code=422)
        return JSONResponse(sandbox.warehouse.describe())

    @router.get("/async")
    async def get_async() -> dict[str, Any]:
        return sandbox.jobs.describe()

    @router.put("/async")
    async def put_async(request: Request) -> Response:
        try:
            return JSONResponse(sandbox.jobs.configure(await json_body(request)))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"detail": f"bad async configuration: {exc}"}, status_code=422)

    @router.get("/governance")
    async def get_governance() -> dict[str, Any]:
        return sandbox.governor.describe()

    return router
