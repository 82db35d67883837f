"""The ops API, ``/api/v1``: flows, exceptions, record timelines, conflicts, xref, mapping, tie-out, users.

Every route needs a token or a login session (:mod:`erpsync.web.security`); reads need viewer, exception
actions operator, pause/resume, config and users admin.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from erpsync.store import Conflict, ExceptionRecord, Hold, TimelineEvent
from erpsync.web.auth import Role
from erpsync.web.ops import FlowStatus
from erpsync.web.security import MAX_ID, Admin, ExceptionId, Operator, Ops, Users, Viewer

router = APIRouter(prefix="/api/v1")
# Answered when the action needs a part this process lacks (the engine, a configured mapping, a sync trigger).
NOT_AVAILABLE: dict[int | str, dict[str, Any]] = {501: {"description": "not available in this process yet"}}


# --- response and request models -----------------------------------------------------------------------
class FlowOut(BaseModel):
    name: str
    state: str = Field(description="running, paused or disabled")
    paused_reason: str | None
    source: str | None
    target: str | None
    trigger: str
    last_run: datetime | None
    lag_seconds: float | None = Field(description="age of the oldest record received and not yet settled")
    processed_last_hour: int
    failed_last_hour: int
    error_rate: float | None = Field(description="parked / (completed + parked) over the last hour")
    open_exceptions: int

    @classmethod
    def of(cls, status: FlowStatus) -> FlowOut:
        return cls(**status.__dict__)


class ExceptionOut(BaseModel):
    id: int
    flow: str
    record_type: str
    business_key: str
    system: str | None
    status: str
    error_class: str
    error_type: str | None
    message: str
    field: str | None
    suggested_fix: str | None
    workflow_id: str | None
    attempts: int
    note: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, exception: ExceptionRecord) -> ExceptionOut:
        return cls(**{name: getattr(exception, name) for name in cls.model_fields})


class HoldOut(BaseModel):
    id: int
    flow: str
    record_type: str
    business_key: str
    waits_on: str
    status: str
    created_at: datetime

    @classmethod
    def of(cls, hold: Hold) -> HoldOut:
        return cls(**{name: getattr(hold, name) for name in cls.model_fields})


class TimelineEventOut(BaseModel):
    occurred_at: datetime
    record_type: str
    business_key: str
    step: str
    system: str | None
    external_id: str | None
    correlation_id: str | None
    error_class: str | None
    message: str | None
    detail: dict[str, Any] | None

    @classmethod
    def of(cls, event: TimelineEvent) -> TimelineEventOut:
        values = {name: getattr(event, name) for name in cls.model_fields}
        values["detail"] = dict(event.detail) if event.detail is not None else None
        return cls(**values)


class ExceptionDetailOut(ExceptionOut):
    payload: dict[str, Any]
    edited_payload: dict[str, Any] | None
    waiting: list[HoldOut] = Field(description="records held until this one completes")
    timeline: list[TimelineEventOut]


class ConflictOut(BaseModel):
    id: int
    record_type: str
    business_key: str
    field: str
    owner: str
    attempted_by: str
    current: Any
    proposed: Any
    occurred_at: datetime

    @classmethod
    def of(cls, conflict: Conflict) -> ConflictOut:
        return cls(**conflict.__dict__)


class XrefOut(BaseModel):
    system: str
    record_type: str
    external_id: str | None
    business_key: str | None


class RunStarted(BaseModel):
    workflow_id: str


class Note(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class PauseRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class EditedPayload(BaseModel):
    payload: dict[str, Any] = Field(
        description="the corrected record, replacing the parked one for the retry"
    )


class BulkRequest(BaseModel):
    action: Literal["retry", "skip", "resolve"]
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=500)
    note: str | None = Field(default=None, max_length=2000)


class BulkResult(BaseModel):
    id: int
    ok: bool
    detail: str


class Done(BaseModel):
    ok: bool = True
    detail: str


class UserOut(BaseModel):
    username: str
    role: Role
    created_at: datetime


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=10, max_length=1000)
    role: Role = Role.VIEWER


class NewToken(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class TokenOut(BaseModel):
    name: str
    token: str = Field(description="shown once; only its hash is stored")


class TieOutOut(BaseModel):
    available: bool
    detail: str
    report: Any = None


# --- flows -----------------------------------------------------------------------------------------------
@router.get("/flows", response_model=list[FlowOut], tags=["flows"])
def list_flows(_: Viewer, ops: Ops) -> list[FlowOut]:
    return [FlowOut.of(status) for status in ops.flows()]


@router.get("/flows/{flow}", response_model=FlowOut, tags=["flows"])
def show_flow(flow: str, _: Viewer, ops: Ops) -> FlowOut:
    return FlowOut.of(ops.flow(flow))


@router.post("/flows/{flow}/pause", response_model=Done, tags=["flows"], responses=NOT_AVAILABLE)
def pause_flow(flow: str, body: PauseRequest, who: Admin, ops: Ops) -> Done:
    ops.pause(flow, f"paused by {who.username}: {body.reason}")
    return Done(detail=f"flow {flow} paused")


@router.post("/flows/{flow}/resume", response_model=Done, tags=["flows"], responses=NOT_AVAILABLE)
def resume_flow(flow: str, _: Admin, ops: Ops) -> Done:
    started = ops.resume(flow)
    return Done(detail=f"flow {flow} resumed; {started} held record(s) started again")


@router.post("/flows/{flow}/sync", response_model=RunStarted, tags=["flows"], responses=NOT_AVAILABLE)
def trigger_sync(flow: str, _: Operator, ops: Ops) -> RunStarted:
    return RunStarted(workflow_id=ops.trigger(flow, "sync"))


@router.post("/flows/{flow}/reconcile", response_model=RunStarted, tags=["flows"], responses=NOT_AVAILABLE)
def trigger_reconcile(flow: str, _: Operator, ops: Ops) -> RunStarted:
    return RunStarted(workflow_id=ops.trigger(flow, "reconcile"))


# --- exceptions ------------------------------------------------------------------------------------------
@router.get("/exceptions", response_model=list[ExceptionOut], tags=["exceptions"])
def list_exceptions(
    _: Viewer,
    ops: Ops,
    status: Literal["open", "retrying", "resolved", "skipped", "any"] = "open",
    flow: str | None = None,
    error_class: str | None = None,
    system: str | None = None,
    older_than_minutes: int | None = Query(default=None, ge=0, le=10_000_000),
) -> list[ExceptionOut]:
    found = ops.exceptions(
        status=None if status == "any" else status,
        flow=flow,
        error_class=error_class,
        system=system,
        older_than=timedelta(minutes=older_than_minutes) if older_than_minutes is not None else None,
    )
    return [ExceptionOut.of(exception) for exception in found]


@router.get("/exceptions/{exception_id}", response_model=ExceptionDetailOut, tags=["exceptions"])
def show_exception(exception_id: ExceptionId, _: Viewer, ops: Ops) -> ExceptionDetailOut:
    detail = ops.exception(exception_id)
    base = ExceptionOut.of(detail.exception).model_dump()
    return ExceptionDetailOut(
        **base,
        payload=dict(detail.exception.payload),
        edited_payload=dict(detail.exception.edited_payload) if detail.exception.edited_payload else None,
        waiting=[HoldOut.of(hold) for hold in detail.waiting],
        timeline=[TimelineEventOut.of(event) for event in detail.timeline],
    )


@router.post(
    "/exceptions/{exception_id}/retry",
    response_model=RunStarted,
    tags=["exceptions"],
    responses=NOT_AVAILABLE,
)
def retry_exception(exception_id: ExceptionId, _: Operator, ops: Ops) -> RunStarted:
    return RunStarted(workflow_id=ops.retry(exception_id))


@router.post(
    "/exceptions/{exception_id}/edit-and-retry",
    response_model=RunStarted,
    tags=["exceptions"],
    responses=NOT_AVAILABLE,
)
def edit_and_retry_exception(
    exception_id: ExceptionId, body: EditedPayload, _: Operator, ops: Ops
) -> RunStarted:
    return RunStarted(workflow_id=ops.edit_and_retry(exception_id, body.payload))


@router.post("/exceptions/{exception_id}/skip", response_model=Done, tags=["exceptions"])
def skip_exception(exception_id: ExceptionId, body: Note, who: Operator, ops: Ops) -> Done:
    ops.skip(exception_id, body.note, operator=who.username)
    return Done(detail=f"exception {exception_id} skipped")


@router.post("/exceptions/{exception_id}/resolve", response_model=Done, tags=["exceptions"])
def resolve_exception(exception_id: ExceptionId, body: Note, who: Operator, ops: Ops) -> Done:
    ops.resolve(exception_id, body.note, operator=who.username)
    return Done(detail=f"exception {exception_id} resolved")


@router.post(
    "/exceptions/bulk", response_model=list[BulkResult], tags=["exceptions"], responses=NOT_AVAILABLE
)
def bulk_exceptions(body: BulkRequest, who: Operator, ops: Ops) -> list[BulkResult]:
    outcomes = ops.bulk(body.action, body.ids, body.note, operator=who.username)
    return [BulkResult(id=outcome.exception_id, ok=outcome.ok, detail=outcome.detail) for outcome in outcomes]


# --- records ---------------------------------------------------------------------------------------------
@router.get("/timeline/{any_id}", response_model=list[TimelineEventOut], tags=["records"])
def record_timeline(any_id: str, _: Viewer, ops: Ops, system: str | None = None) -> list[TimelineEventOut]:
    """Every step of the record(s) named by a business key or any system's id (order number, SO number...)."""
    return [TimelineEventOut.of(event) for event in ops.timeline(any_id, system)]


@router.get("/conflicts", response_model=list[ConflictOut], tags=["records"])
def list_conflicts(_: Viewer, ops: Ops, business_key: str | None = None) -> list[ConflictOut]:
    return [ConflictOut.of(conflict) for conflict in ops.conflicts(business_key)]


@router.get("/xref", response_model=XrefOut, tags=["records"])
def xref_lookup(
    _: Viewer,
    ops: Ops,
    system: str,
    record_type: str,
    external_id: str | None = None,
    business_key: str | None = None,
) -> XrefOut:
    found = ops.xref(system, record_type, external_id=external_id, business_key=business_key)
    if found["external_id"] is None or found["business_key"] is None:
        raise HTTPException(404, f"no {system} {record_type} cross-reference for that id")
    return XrefOut(**found)


# --- documents -------------------------------------------------------------------------------------------
@router.get("/mapping", response_class=HTMLResponse, tags=["documents"], responses=NOT_AVAILABLE)
def mapping_document(_: Viewer, ops: Ops) -> HTMLResponse:
    return HTMLResponse(ops.mapping_html())


@router.get("/tieout", response_model=TieOutOut, tags=["documents"])
def tieout_report(_: Viewer, ops: Ops) -> TieOutOut:
    report = ops.tieout()
    if report is None:
        return TieOutOut(available=False, detail="no tie-out report has run yet")
    return TieOutOut(available=True, detail="latest tie-out report", report=report)


# --- admin -----------------------------------------------------------------------------------------------
@router.get("/config", tags=["admin"])
def show_config(_: Admin, ops: Ops) -> dict[str, Any]:
    """The configuration in force. Credentials appear as where they come from (env/file), never as values."""
    document: dict[str, Any] = ops.settings.model_dump(mode="json", exclude={"database_url"})
    document["database_url"] = ops.store.database_url
    return document


@router.get("/users", response_model=list[UserOut], tags=["admin"])
def list_users(_: Admin, users: Users) -> list[UserOut]:
    return [
        UserOut(username=user.username, role=user.role, created_at=user.created_at) for user in users.users()
    ]


@router.post("/users", response_model=UserOut, status_code=201, tags=["admin"])
def add_user(body: NewUser, _: Admin, users: Users) -> UserOut:
    user = users.add_user(body.username, body.password, body.role)
    return UserOut(username=user.username, role=user.role, created_at=user.created_at)


@router.post("/tokens", response_model=TokenOut, status_code=201, tags=["auth"])
def create_token(body: NewToken, who: Viewer, users: Users) -> TokenOut:
    """A new API token for the caller, with the caller's role."""
    return TokenOut(name=body.name, token=users.create_token(who.username, body.name))
