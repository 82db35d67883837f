"""The NetSuite sandbox: SuiteTalk REST web services of one account, served as an ASGI app.

    POST /services/rest/auth/oauth2/v1/token                      OAuth 2.0 client credentials (JWT)
    GET|POST /services/rest/record/v1/{type}                      list (limit/offset/q) | create (204)
    GET|PATCH|PUT|DELETE /services/rest/record/v1/{type}/{id}     id or eid:<externalId>; PUT = upsert
    GET /services/rest/record/v1/{type}/{id}/{sublist}            a sublist of a record
    POST /services/rest/record/v1/{type}/{id}/!transform/{target} 204 + Location of the new record
    POST /services/rest/query/v1/suiteql                          SuiteQL (Prefer: transient)
    GET /services/rest/async/v1/job/{id}[/task[/{id}[/result]]]   asynchronous jobs
    GET /services/rest/system/v1/governanceLimits                 the account's concurrency limit
    /_sandbox/...                                   the shared control API (+ warehouse, async, governance)
    POST /_sandbox/validate/{type}                  would a create accept this body? (stores nothing)

Every API request is authenticated (TBA or bearer), admitted by concurrency governance (429 over the
limit), then passed through the fault injector under the operation name "<METHOD> <recordType>"
(e.g. "POST salesOrder", "GET customer"), "transform <target>", "suiteql", "job" or "token".
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from erpsync.sandboxes.common import FaultInjector, SandboxClock, control_router, install_fault_handling
from erpsync.sandboxes.netsuite.account import Account
from erpsync.sandboxes.netsuite.auth import AccountCredentials, OAuth2ClientCredentials, TokenBasedAuth
from erpsync.sandboxes.netsuite.bulk_seed import bulk_seed_router
from erpsync.sandboxes.netsuite.dry_run import dry_run_router
from erpsync.sandboxes.netsuite.errors import NetSuiteError
from erpsync.sandboxes.netsuite.gate import ApiGate
from erpsync.sandboxes.netsuite.governance import AsyncJobs, ConcurrencyGovernor
from erpsync.sandboxes.netsuite.routes import (
    control_extras_router,
    job_router,
    record_router,
    suiteql_router,
    system_router,
    token_router,
)
from erpsync.sandboxes.netsuite.seed import load_seed
from erpsync.sandboxes.netsuite.state import dump_account
from erpsync.sandboxes.netsuite.warehouse import Warehouse


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


def _build_app(sandbox: NetSuiteSandbox) -> FastAPI:
    app = FastAPI(title="NetSuite sandbox (SuiteTalk REST web services)", docs_url=None, redoc_url=None)
    install_fault_handling(app)
    app.add_exception_handler(NetSuiteError, _netsuite_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    gate = ApiGate(sandbox)
    app.include_router(control_router(sandbox))
    app.include_router(control_extras_router(sandbox))
    app.include_router(bulk_seed_router(sandbox.account))
    app.include_router(dry_run_router(sandbox.account))
    app.include_router(token_router(sandbox))
    app.include_router(record_router(sandbox.account, gate))
    app.include_router(suiteql_router(sandbox.account, gate))
    app.include_router(job_router(sandbox.jobs, gate))
    app.include_router(system_router(sandbox, gate))
    return app


async def _netsuite_error(_request: Request, exc: NetSuiteError) -> Response:
    return exc.response()


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Unknown paths and methods under /services answer NetSuite's error body too."""
    if not request.url.path.startswith("/services/"):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    code = {404: "NONEXISTENT_ID", 405: "INVALID_METHOD"}.get(exc.status_code, "USER_ERROR")  # [UNCONF]
    return NetSuiteError(
        exc.status_code, code, f"{request.method} {request.url.path}: {exc.detail}"
    ).response()
