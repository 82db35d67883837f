"""The dashboard: server-rendered Jinja2 pages, HTMX for in-page navigation, uPlot for the plots.

Every form carries the session's CSRF token (and HTMX sends it as ``X-CSRF-Token``). Actions answer with a
redirect back to the page (post/redirect/get) carrying a one-line outcome or error to show.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from erpsync.observability import budget_use
from erpsync.store import RecordNotFound
from erpsync.web.auth import SESSION_COOKIE, SESSION_LIFETIME, LoginThrottle, Principal, Role
from erpsync.web.ops import NotAvailable
from erpsync.web.security import MAX_ID, ExceptionId, Operator, Ops, Users, Viewer

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def page(
    request: Request, name: str, who: Principal | None, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        name,
        {
            "who": who,
            "csrf_token": who.csrf_token if who else None,
            "notice": request.query_params.get("done"),
            "error": request.query_params.get("error"),
            **context,
        },
        status_code=status_code,
    )


def back(path: str, *, done: str | None = None, error: str | None = None) -> RedirectResponse:
    query = urlencode({key: value for key, value in (("done", done), ("error", error)) if value})
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=303)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "//evil.example" and "https://..." would be open redirects.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


# --- login --------------------------------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return page(request, "login.html", None, next=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    users: Users,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    throttle: LoginThrottle = request.app.state.login_throttle
    if throttle.blocked(username):
        error = "too many failed logins for this user; try again in 15 minutes"
        return page(request, "login.html", None, next=_safe_next(next), error=error, status_code=429)
    principal = users.verify_password(username, password)
    if principal is None:
        throttle.failed(username)
        error = "wrong username or password"
        return page(request, "login.html", None, next=_safe_next(next), error=error, status_code=401)
    throttle.succeeded(username)
    session_id, _csrf = users.start_session(principal.username)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request, who: Viewer, users: Users) -> Response:
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        users.end_session(session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- overview -----------------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def overview(request: Request, who: Viewer, ops: Ops) -> HTMLResponse:
    series = ops.series()
    by_class = Counter(exception.error_class for exception in ops.exceptions())
    budgets = {
        name: {"used": used, "limit": limit, "ratio": used / limit if limit else 0.0}
        for name, (used, limit) in sorted(budget_use().items())
    }
    plots = {"times": series.times, "processed": series.processed, "failed": series.failed}
    return page(
        request,
        "overview.html",
        who,
        flows=ops.flows(),
        exceptions_by_class=sorted(by_class.items()),
        budgets=budgets,
        connections=sorted(ops.settings.connections),
        # "<" escaped so no value can close the <script> element the JSON sits in.
        plots_json=json.dumps(plots).replace("<", "\\u003c"),
    )


# --- exceptions ---------------------------------------------------------------------------------------------
@router.get("/exceptions", response_class=HTMLResponse)
def exceptions_queue(
    request: Request,
    who: Viewer,
    ops: Ops,
    status: str = "open",
    flow: str = "",
    error_class: str = "",
    system: str = "",
    older_than_minutes: str = "",
) -> HTMLResponse:
    minutes = int(older_than_minutes) if older_than_minutes.isdigit() else None
    try:
        found = ops.exceptions(
            status=None if status == "any" else status,
            flow=flow or None,
            error_class=error_class or None,
            system=system or None,
            older_than=timedelta(minutes=minutes) if minutes is not None else None,
        )
    except ValueError as exc:
        found, request.state.filter_error = [], str(exc)
    filters = {
        "status": status,
        "flow": flow,
        "error_class": error_class,
        "system": system,
        "older_than_minutes": older_than_minutes,
    }
    return page(
        request,
        "exceptions.html",
        who,
        exceptions=found,
        filters=filters,
        flows=ops.flow_names(),
        filter_error=getattr(request.state, "filter_error", None),
    )


@router.get("/exceptions/{exception_id}", response_class=HTMLResponse)
def exception_detail(request: Request, exception_id: ExceptionId, who: Viewer, ops: Ops) -> Response:
    try:
        detail = ops.exception(exception_id)
    except RecordNotFound:
        return page(request, "missing.html", who, what=f"exception {exception_id}")
    return page(
        request,
        "exception.html",
        who,
        detail=detail,
        exception=detail.exception,
        payload_json=json.dumps(dict(detail.exception.retry_payload), indent=2, sort_keys=True),
        original_json=json.dumps(dict(detail.exception.payload), indent=2, sort_keys=True),
        can_act=who.role.allows(Role.OPERATOR),
    )


@router.post("/exceptions/{exception_id}/retry")
def retry(exception_id: ExceptionId, who: Operator, ops: Ops) -> Response:
    here = f"/exceptions/{exception_id}"
    try:
        workflow_id = ops.retry(exception_id)
    except (NotAvailable, ValueError, LookupError) as exc:
        return back(here, error=str(exc))
    return back(here, done=f"retry started ({workflow_id})")


@router.post("/exceptions/{exception_id}/edit-and-retry")
def edit_and_retry(
    exception_id: ExceptionId, who: Operator, ops: Ops, payload: Annotated[str, Form()]
) -> Response:
    here = f"/exceptions/{exception_id}"
    try:
        document = json.loads(payload)
    except json.JSONDecodeError as exc:
        return back(here, error=f"the corrected payload is not valid JSON: {exc}")
    if not isinstance(document, Mapping):
        return back(here, error="the corrected payload must be a JSON object")
    try:
        workflow_id = ops.edit_and_retry(exception_id, document)
    except (NotAvailable, ValueError, LookupError) as exc:
        return back(here, error=str(exc))
    return back(here, done=f"corrected payload saved; retry started ({workflow_id})")


@router.post("/exceptions/{exception_id}/skip")
def skip(exception_id: ExceptionId, who: Operator, ops: Ops, note: Annotated[str, Form()] = "") -> Response:
    here = f"/exceptions/{exception_id}"
    try:
        ops.skip(exception_id, note or None, operator=who.username)
    except (ValueError, LookupError) as exc:
        return back(here, error=str(exc))
    return back(here, done="skipped")


@router.post("/exceptions/{exception_id}/resolve")
def resolve(
    exception_id: ExceptionId, who: Operator, ops: Ops, note: Annotated[str, Form()] = ""
) -> Response:
    here = f"/exceptions/{exception_id}"
    try:
        ops.resolve(exception_id, note or None, operator=who.username)
    except (ValueError, LookupError) as exc:
        return back(here, error=str(exc))
    return back(here, done="resolved")


@router.post("/exceptions/bulk")
async def bulk(request: Request, who: Operator, ops: Ops) -> Response:
    form = await request.form()
    ids = [
        int(value)
        for value in form.getlist("ids")
        if isinstance(value, str) and value.isdigit() and 0 < int(value) <= MAX_ID
    ]
    action = str(form.get("action") or "retry")
    if not ids:
        return back("/exceptions", error="select at least one exception")
    try:
        outcomes = await run_in_threadpool(ops.bulk, action, ids, None, operator=who.username)
    except (NotAvailable, ValueError) as exc:
        return back("/exceptions", error=str(exc))
    failed = [f"#{outcome.exception_id}: {outcome.detail}" for outcome in outcomes if not outcome.ok]
    done = f"{action}: {len(outcomes) - len(failed)} of {len(outcomes)} done"
    return back("/exceptions", done=done, error="; ".join(failed) or None)


# --- search, tie-out, mapping -------------------------------------------------------------------------------
@router.get("/search", response_class=HTMLResponse)
def search(request: Request, who: Viewer, ops: Ops, q: str = "", system: str = "") -> HTMLResponse:
    query = q.strip()
    events = ops.timeline(query, system or None) if query else []
    records: dict[tuple[str, str], list[Any]] = {}
    for event in events:
        records.setdefault((event.record_type, event.business_key), []).append(event)
    return page(
        request,
        "search.html",
        who,
        q=query,
        system=system,
        records=records,
        systems=sorted(ops.settings.connections),
        conflicts=ops.conflicts(next(iter(records))[1]) if len(records) == 1 else [],
    )


@router.get("/tieout", response_class=HTMLResponse)
def tieout(request: Request, who: Viewer, ops: Ops) -> HTMLResponse:
    report = ops.tieout()
    return page(request, "tieout.html", who, report=report, rows=_tieout_rows(report))


@router.get("/tieout.csv")
def tieout_csv(who: Viewer, ops: Ops) -> Response:
    report = ops.tieout()
    if report is None:
        return PlainTextResponse("no tie-out report has run yet\n", status_code=404)
    rows = _tieout_rows(report)
    out = io.StringIO()
    columns = sorted({key for row in rows for key in row})
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f"attachment; filename={quote('tieout.csv')}"},
    )


def _tieout_rows(report: Any) -> list[dict[str, Any]]:
    if report is None:
        return []
    rows = report.get("rows") if isinstance(report, Mapping) else getattr(report, "rows", None)
    return [dict(row) for row in rows or []]


@router.get("/mapping", response_class=HTMLResponse)
def mapping(request: Request, who: Viewer, ops: Ops) -> HTMLResponse:
    try:
        document = ops.mapping_html()
    except NotAvailable as exc:
        return page(request, "mapping.html", who, document=None, reason=str(exc))
    return page(request, "mapping.html", who, document=document, reason=None)
