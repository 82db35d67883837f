"""The engine: durable flows on queues that are API budgets, with the retry policy, holds and recovery."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from erpsync.engine import runtime
from erpsync.engine.context import ENGINE_STEP, FlowContext, HoldRequested, StepFailed
from erpsync.engine.policy import Action, RetryPolicy
from erpsync.engine.records import HeldRecord, RecordKeeper
from erpsync.engine.slots import LeasedSlots, LocalSlots, RequestSlots
from erpsync.engine.state import EngineState
from erpsync.engine.workers import WatchSettings, WorkerWatch
from erpsync.errors import ConfigError, classify
from erpsync.observability.metrics import RECORDS_FAILED, RECORDS_PROCESSED

log = logging.getLogger(__name__)

FlowFunction = Callable[[FlowContext, Any], Any]
AlertHook = Callable[["Alert"], None]


@dataclass(frozen=True)
class Budget:
    """One target system's API budget, shared by every worker: a DBOS queue with cluster-wide limits."""

    name: str
    concurrency: int | None = None
    requests_per_second: float | None = None
    per_record: int | None = None
    requests_in_flight: int | None = None


@dataclass(frozen=True)
class Alert:
    """Raised when a flow pauses on a configuration or credentials error."""

    flow: str
    error_class: str
    message: str
    record_type: str
    business_key: str
    workflow_id: str


@dataclass(frozen=True)
class FlowResult:
    """How a run ended: ``completed`` (with the flow's return value), ``parked`` or ``held``."""

    status: str
    value: Any = None
    exception_id: int | None = None
    waits_on: str | None = None
    reason: str | None = None


@dataclass
class FlowDefinition:
    name: str
    fn: FlowFunction
    queue: str
    record_type: str
    policy: RetryPolicy
    workflow: Callable[..., Any] = field(repr=False, default=lambda *args: None)


class FlowHandle:
    """A flow run by its workflow id; valid in any process on the same database."""

    def __init__(self, workflow_id: str) -> None:
        self.workflow_id = workflow_id

    def __repr__(self) -> str:
        return f"FlowHandle({self.workflow_id!r})"

    def state(self) -> str | None:
        """DBOS's status: ENQUEUED, PENDING, SUCCESS, ERROR, ... (None if unknown)."""
        return runtime.status(self.workflow_id)

    def done(self) -> bool:
        return self.state() in runtime.TERMINAL

    def result(self, timeout: float = 60.0) -> FlowResult:
        deadline = time.monotonic() + timeout
        # Polled, backing off to 50 ms; a flow that ends in this process wakes the wait at once, and DBOS
        # records its status a moment later, so the polls are then short.
        pause, ended = 0.005, False
        try:
            while not self.done():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"flow run {self.workflow_id} not finished after {timeout} s")
                if ended:
                    time.sleep(0.002)
                else:
                    ended = _ENDED.wait(self.workflow_id, pause)
                    pause = min(0.05, pause * 1.5)
        finally:
            _ENDED.forget(self.workflow_id)
        return FlowResult(**runtime.result(self.workflow_id))


class _EndedHere:
    """Runs that ended in this process, for the :meth:`FlowHandle.result` waiting on them here."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, threading.Event] = {}

    def wait(self, workflow_id: str, timeout: float) -> bool:
        with self._lock:
            event = self._waiting.setdefault(workflow_id, threading.Event())
        return event.wait(timeout)

    def ended(self, workflow_id: str) -> None:
        with self._lock:
            event = self._waiting.get(workflow_id)
        if event is not None:
            event.set()

    def forget(self, workflow_id: str) -> None:
        with self._lock:
            self._waiting.pop(workflow_id, None)


_ENDED = _EndedHere()


# DBOS only dequeues and recovers workflows of the running application version (measured: a worker started
# with a new version left the old version's queued and pending flows untouched). A version per erpsync
# release would strand every queued record at each upgrade, so the default stays fixed; bump it (or set
# ERPSYNC_APP_VERSION) only for a release whose flows change their step sequence, after draining the queues.
FLOWS_VERSION = "erpsync-flows-1"
# DBOS scopes queues and recovery by application name; every erpsync worker is the same application.
APP_NAME = "erpsync"


def _retry_number(workflow_id: str) -> int:
    return int(workflow_id.rsplit("-", 1)[1])


def pause_key(flow: str) -> str:
    """The prerequisite that records of a paused flow wait on."""
    return f"flow-resumed:{flow}"


class Engine:
    """Durable flows, queues per target system, retry policy, hold-and-release, dead-worker recovery.

    One per process (DBOS keeps a process-wide instance). SQLite serves one process; use PostgreSQL for many
    workers. Declare budgets, flows and schedules, then :meth:`launch`.
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        worker_id: str | None = None,
        app_version: str | None = None,
        polling_interval: float = 0.1,
        watch: WatchSettings | None = None,
    ) -> None:
        self.database_url = (
            database_url or os.environ.get("ERPSYNC_DATABASE_URL") or f"sqlite:///{Path.cwd() / 'erpsync.db'}"
        )
        self.worker_id = worker_id or os.environ.get("ERPSYNC_WORKER_ID") or socket.gethostname()
        self.app_version = app_version or os.environ.get("ERPSYNC_APP_VERSION") or FLOWS_VERSION
        # DBOS's default is 1 s, which caps a queue at one batch of starts per second.
        self.polling_interval = polling_interval
        self.alert_hooks: list[AlertHook] = []
        self._budgets: dict[str, Budget] = {}
        self._request_slots: dict[str, RequestSlots] = {}
        self._flows: dict[str, FlowDefinition] = {}
        self._schedules: list[tuple[str, Callable[..., Any], str, str]] = []
        self._launched = False
        runtime.configure(
            database_url=self.database_url,
            worker_id=self.worker_id,
            app_version=self.app_version,
            app_name=APP_NAME,
        )
        try:
            self.records = RecordKeeper(self.database_url)
            self.state = EngineState(self.database_url)
        except BaseException:
            runtime.destroy(self.worker_id, 0)
            raise
        self._watch_settings = watch or WatchSettings()
        self._watch = WorkerWatch(self.state, self.worker_id, runtime.recover, self._watch_settings)

    # --- declaring --------------------------------------------------------------------------------------
    def budget(
        self,
        name: str,
        concurrency: int | None = None,
        requests_per_second: float | None = None,
        *,
        per_record: int | None = None,
        requests_in_flight: int | None = None,
    ) -> Budget:
        """Declare the queue of one target system; every worker must declare the same budgets.

        ``concurrency`` caps the flows running at once on it across all workers. ``requests_per_second`` caps
        flow *starts* per second (DBOS's limiter), not API calls: a flow making three calls makes three.
        ``per_record=1`` makes it a partitioned queue keyed by business key: two changes of one record
        (an order and its cancellation) never run at the same time, in any worker, while other records do.
        ``requests_in_flight`` caps the *requests* in flight across all workers, for an API limited that way
        (NetSuite's account concurrency): the connector holds one of :meth:`request_slots` per request, and
        ``concurrency`` may then exceed it, so that flows between two requests do not leave the API idle.
        """
        self._require_not_launched("declare a budget")
        if requests_in_flight is not None and requests_in_flight < 1:
            raise ConfigError(
                f"budget {name}: requests_in_flight must be at least 1, got {requests_in_flight}"
            )
        self._budgets[name] = Budget(name, concurrency, requests_per_second, per_record, requests_in_flight)
        return self._budgets[name]

    def request_slots(self, name: str) -> RequestSlots:
        """The cluster-wide limiter of the requests in flight to budget ``name`` (``requests_in_flight``):
        ``acquire(timeout)`` before each request, ``release()`` after its answer, on the same thread."""
        budget = self._budgets.get(name)
        if budget is None or budget.requests_in_flight is None:
            raise ConfigError(f"budget {name!r} was not declared with requests_in_flight=...")
        if name not in self._request_slots:
            if self.database_url.startswith("sqlite"):
                self._request_slots[name] = LocalSlots(budget.requests_in_flight)
            else:
                self._request_slots[name] = LeasedSlots(
                    self.database_url, name, budget.requests_in_flight, worker_id=self.worker_id
                )
        return self._request_slots[name]

    def flow(
        self, name: str, *, queue: str, record_type: str | None = None, retry: RetryPolicy | None = None
    ) -> Callable[[FlowFunction], FlowFunction]:
        """Register ``fn(ctx, record)`` as the durable flow ``name`` on the budget ``queue``."""
        self._require_not_launched("register a flow")

        def register(fn: FlowFunction) -> FlowFunction:
            definition = FlowDefinition(name, fn, queue, record_type or name, retry or RetryPolicy())

            def run_flow(business_key: str, record: Any, origin_id: str) -> dict[str, Any]:
                try:
                    return self._run(definition, business_key, record, origin_id).__dict__
                finally:
                    _ENDED.ended(runtime.current_workflow_id())

            definition.workflow = runtime.register_workflow(name, run_flow)
            self._flows[name] = definition
            return fn

        return register

    def set_retry(self, flow: str, policy: RetryPolicy) -> None:
        """Give the registered flow ``flow`` its own retry policy (``flows.<name>.retry`` in erpsync.yaml)."""
        self._require_not_launched("change a retry policy")
        self._definition(flow).policy = policy  # in place: the registered workflow holds this definition

    def on_alert(self, hook: AlertHook) -> AlertHook:
        self.alert_hooks.append(hook)
        return hook

    def schedule(
        self, flow: str, cron: str, *, name: str | None = None, record: dict[str, Any] | None = None
    ) -> None:
        """Run ``flow`` on a cron schedule (6 fields: seconds first); its business key is the fire time and
        its record ``record`` (e.g. ``{"reconcile": True}``) plus ``scheduled_at``."""
        self._require_not_launched("add a schedule")
        schedule_name = name or f"{flow}@{cron}"
        extra = dict(record or {})

        def fire(scheduled_at: datetime) -> None:
            self.enqueue(flow, scheduled_at.isoformat(), {**extra, "scheduled_at": scheduled_at.isoformat()})

        workflow = runtime.scheduled_workflow(f"schedule:{schedule_name}", fire)
        self._schedules.append((schedule_name, workflow, cron, self._definition(flow).queue))

    # --- running ----------------------------------------------------------------------------------------
    def launch(self) -> None:
        for definition in self._flows.values():
            if definition.queue not in self._budgets:
                raise ConfigError(
                    f"flow {definition.name} runs on queue {definition.queue!r}, which has no budget "
                    f"(declare engine.budget({definition.queue!r}, concurrency=...) before launch)"
                )
        runtime.register_queues(
            self.database_url,
            APP_NAME,
            [
                runtime.QueueBudget(b.name, b.concurrency, b.requests_per_second, b.per_record)
                for b in self._budgets.values()
            ],
            self.polling_interval,
        )
        # A restarted worker (same id) holds no request yet: the leases of its previous life are stale.
        self.state.free_request_slots(self.worker_id)
        runtime.launch()
        runtime.apply_schedules(self._schedules)
        self._watch.start()
        self._launched = True

    def shutdown(self, drain_seconds: int = 10) -> None:
        """Stop taking work; flows running here get ``drain_seconds`` to finish (the rest are recovered)."""
        self._watch.stop()
        runtime.destroy(self.worker_id, drain_seconds if self._launched else 0)
        for slots in self._request_slots.values():
            slots.close()
        self.records.close()
        self.state.close()
        self._launched = False

    def enqueue(self, flow: str, business_key: str, record: Any, *, version: str | None = None) -> FlowHandle:
        """Queue ``record`` for ``flow``; one business key (and version) runs once, however often it comes."""
        definition = self._definition(flow)
        workflow_id = _workflow_id(flow, business_key, version)
        return self._enqueue(definition, business_key, record, workflow_id, origin_id=workflow_id)

    def queued_versions(self, flow: str, versions: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Of ``versions`` — (business key, version) — those already queued for ``flow``, whatever became of
        their runs: what a poll reading a record again must not count as new."""
        ids = {_workflow_id(flow, key, version): (key, version) for key, version in versions}
        return {ids[workflow_id] for workflow_id in runtime.existing(list(ids))}

    def handle(self, workflow_id: str) -> FlowHandle:
        return FlowHandle(workflow_id)

    def _enqueue(
        self, definition: FlowDefinition, business_key: str, record: Any, workflow_id: str, *, origin_id: str
    ) -> FlowHandle:
        runtime.bookkeeping(
            f"{ENGINE_STEP}timeline.received",
            self.records.event,
            definition.record_type,
            business_key,
            "received",
            correlation_id=workflow_id,
            detail={"flow": definition.name},
        )
        runtime.enqueue(
            definition.queue,
            definition.workflow,
            workflow_id,
            business_key,
            record,
            origin_id,
            partition=self._partition(definition.queue, business_key),
        )
        return FlowHandle(workflow_id)

    # --- one run of a flow ------------------------------------------------------------------------------
    def _run(self, definition: FlowDefinition, business_key: str, record: Any, origin_id: str) -> FlowResult:
        ctx = FlowContext(
            self,
            flow=definition.name,
            record_type=definition.record_type,
            business_key=business_key,
            origin_id=origin_id,
            policy=definition.policy,
            system=definition.queue,
        )
        paused = runtime.bookkeeping(f"{ENGINE_STEP}start", self._start, ctx)
        if paused is not None:
            return self._hold(
                ctx, record, pause_key(definition.name), f"flow {definition.name} is paused: {paused}"
            )
        try:
            value = definition.fn(ctx, record)
        except HoldRequested as hold:
            return self._hold(ctx, record, hold.prerequisite, f"waits on {hold.prerequisite}")
        except StepFailed as failed:
            return self._after_failure(
                ctx, record, failed.error, failed.action, failed.reason, failed.prerequisite
            )
        except Exception as error:
            if runtime.is_engine_error(error):
                raise
            # Raised by the flow's own code between steps: the same classes, no retry (it would fail alike).
            decision = definition.policy.decide(error, definition.policy.max_attempts)
            ctx.event("failed", error=error, detail={"decision": decision.action.value})
            return self._after_failure(
                ctx, record, error, decision.action, decision.reason, decision.prerequisite
            )
        return self._complete(ctx, value)

    def _start(self, ctx: FlowContext) -> str | None:
        """Timeline "started", and whether the flow is paused (one checkpoint for both)."""
        self.records.event(
            ctx.record_type,
            ctx.business_key,
            "started",
            correlation_id=ctx.workflow_id,
            detail={"flow": ctx.flow, "worker": self.worker_id},
        )
        return self.paused_reason(ctx.flow)

    def _complete(self, ctx: FlowContext, value: Any) -> FlowResult:
        key = f"{ctx.record_type}:{ctx.business_key}"
        waiting = runtime.bookkeeping(f"{ENGINE_STEP}complete", self._record_completion, ctx, key)
        if waiting is None:
            # A run checkpointed by an erpsync before the holds moved into this step (recovered after an
            # upgrade): its next steps are the separate look-up and release, so replay those.
            self.release(key)
        elif waiting:
            self.release(key, waiting=waiting)
        # Nothing waiting: a record held after the look-up sees the key completed when it re-checks its hold
        # (``_hold``), and releases itself, because the key was marked before the look-up.
        return FlowResult("completed", value=value)

    def _record_completion(self, ctx: FlowContext, key: str) -> list[HeldRecord]:
        """Mark the key done, close the record's exception, timeline "completed", and return the records held
        on the key (one checkpoint for all: most completions release nothing, and then this is the last)."""
        self.state.mark_completed(key)  # committed before the look-up below: see _complete
        self.records.resolve(ctx.flow, ctx.business_key, note="a later run of the record completed")
        self.records.event(ctx.record_type, ctx.business_key, "completed", correlation_id=ctx.workflow_id)
        RECORDS_PROCESSED.labels(flow=ctx.flow, system=ctx.system).inc()
        return self.records.waiting(key)

    def _after_failure(
        self,
        ctx: FlowContext,
        record: Any,
        error: BaseException,
        action: Action,
        reason: str,
        prerequisite: str | None,
    ) -> FlowResult:
        if action is Action.HOLD and prerequisite is not None:
            return self._hold(ctx, record, prerequisite, str(error))
        if action is Action.PAUSE:
            runtime.bookkeeping(f"{ENGINE_STEP}pause", self.state.pause, ctx.flow, str(error))
            alert = Alert(
                ctx.flow, classify(error), str(error), ctx.record_type, ctx.business_key, ctx.workflow_id
            )
            runtime.bookkeeping(f"{ENGINE_STEP}alert", self._raise_alert, alert)
            return self._hold(ctx, record, pause_key(ctx.flow), f"flow {ctx.flow} paused: {error}")
        exception_id = runtime.bookkeeping(
            f"{ENGINE_STEP}park",
            self.records.park,
            flow=ctx.flow,
            record_type=ctx.record_type,
            business_key=ctx.business_key,
            error=error,
            reason=reason,
            payload=record,
            workflow_id=ctx.workflow_id,
        )
        ctx.event("parked", error=error, message=f"{reason}: {error}", detail={"exception_id": exception_id})
        RECORDS_FAILED.labels(flow=ctx.flow, system=ctx.system, error_class=classify(error)).inc()
        return FlowResult("parked", exception_id=exception_id, reason=f"{reason}: {error}")

    def _hold(self, ctx: FlowContext, record: Any, prerequisite: str, reason: str) -> FlowResult:
        runtime.bookkeeping(
            f"{ENGINE_STEP}hold",
            self.records.hold,
            flow=ctx.flow,
            record_type=ctx.record_type,
            business_key=ctx.business_key,
            waits_on=prerequisite,
            workflow_id=ctx.workflow_id,
            payload=record,
        )
        ctx.event("held", message=reason, detail={"waits_on": prerequisite})
        # The prerequisite may have completed between our check and the hold: look again after holding, so
        # either this run or the completing run sees the other and releases.
        satisfied = runtime.bookkeeping(f"{ENGINE_STEP}hold_recheck", self._satisfied, prerequisite, ctx.flow)
        if satisfied:
            self.release(prerequisite)
        return FlowResult("held", waits_on=prerequisite, reason=reason)

    def _satisfied(self, prerequisite: str, flow: str) -> bool:
        if prerequisite == pause_key(flow):
            return self.state.paused(flow) is None
        return self.state.is_completed(prerequisite)

    def _raise_alert(self, alert: Alert) -> None:
        for hook in self.alert_hooks:
            try:
                hook(alert)
            except Exception:
                log.exception("alert hook %r failed for flow %s", hook, alert.flow)

    # --- operations: holds, pauses, exceptions ----------------------------------------------------------
    def prerequisite_completed(self, prerequisite: str) -> bool:
        return self.state.is_completed(prerequisite)

    def complete(self, prerequisite: str) -> list[FlowHandle]:
        """Mark ``prerequisite`` done and run the records held on it: for keys a flow completes besides its
        own record's (a product flow completes each of its SKUs, ``"variant:<SKU>"``)."""
        runtime.run_step(f"{ENGINE_STEP}mark_completed", self.state.mark_completed, prerequisite)
        return self.release(prerequisite)

    def release(self, prerequisite: str, *, waiting: list[HeldRecord] | None = None) -> list[FlowHandle]:
        """Run again every record held on ``prerequisite`` (called when it completed, or by an operator);
        ``waiting``: those records, when the caller has just looked them up in a checkpoint of its own."""
        # Enqueue first, mark released after: a crash in between re-enqueues (deduplicated by hold id) rather
        # than leaving holds marked released whose records never ran. The records the marking returns that
        # were not waiting a moment ago were held in between; they are enqueued too.
        if waiting is None:
            waiting = runtime.bookkeeping(f"{ENGINE_STEP}holds", self.records.waiting, prerequisite)
        handles = self._run_released(prerequisite, waiting)
        released = runtime.bookkeeping(f"{ENGINE_STEP}release", self.records.release, prerequisite)
        seen = {held.hold_id for held in waiting}
        return handles + self._run_released(prerequisite, [h for h in released if h.hold_id not in seen])

    def _run_released(self, prerequisite: str, released: list[HeldRecord]) -> list[FlowHandle]:
        handles = []
        for held in released:
            definition = self._definition(held.flow)
            origin = self._origin_of(held.workflow_id) if held.workflow_id else None
            origin = origin or f"{held.flow}:{held.business_key}"
            runtime.bookkeeping(
                f"{ENGINE_STEP}timeline.released",
                self.records.event,
                held.record_type,
                held.business_key,
                "released",
                correlation_id=held.workflow_id,
                message=f"{prerequisite} is done",
                detail={"waits_on": prerequisite},
            )
            workflow_id = f"{origin}:release-{held.hold_id}"
            handles.append(
                self._enqueue(definition, held.business_key, held.payload, workflow_id, origin_id=origin)
            )
        return handles

    def workers(self) -> list[str]:
        """Workers whose heartbeat is fresh (this one included once launched)."""
        return self.state.live_workers(self._watch_settings.dead_after)

    def paused(self, flow: str) -> bool:
        return self.state.paused(flow) is not None

    def paused_reason(self, flow: str) -> str | None:
        found = self.state.paused(flow)
        return None if found is None else found.reason

    def pause(self, flow: str, reason: str) -> None:
        """Stop starting records of ``flow``: they are held until :meth:`resume`."""
        self.state.pause(flow, reason)

    def resume(self, flow: str) -> list[FlowHandle]:
        """Un-pause ``flow`` (after fixing its credentials or configuration) and run its held records."""
        self.state.resume(flow)
        return self.release(pause_key(flow))

    def retry_exception(self, exception_id: int) -> FlowHandle:
        """Run a parked record again, with its edited payload if an operator edited it.

        Unedited: DBOS forks the parked run from the step that failed, keeping the steps done before it.
        Edited: a new run of the whole flow with the new payload (its steps are idempotent by key).
        """
        parked = self.records.parked(exception_id)
        if parked.status in ("resolved", "skipped"):
            raise ValueError(f"exception {exception_id} is {parked.status}: there is nothing to retry")
        definition = self._definition(parked.flow)
        origin = (self._origin_of(parked.workflow_id) if parked.workflow_id else None) or (
            f"{parked.flow}:{parked.business_key}"
        )
        earlier = self._derived_runs(origin, f"retry-{exception_id}-")
        if parked.status == "retrying" and earlier:
            return FlowHandle(max(earlier, key=_retry_number))  # a second click while the retry runs
        attempt = 1 + len(earlier)
        workflow_id = f"{origin}:retry-{exception_id}-{attempt}"
        self.records.set_status(exception_id, "retrying")
        failed_step = None
        if parked.workflow_id and parked.payload == parked.original_payload:
            failed_step = runtime.last_failed_step(parked.workflow_id, ENGINE_STEP)
        if failed_step is not None and parked.workflow_id is not None:
            runtime.fork(
                parked.workflow_id,
                failed_step,
                workflow_id,
                definition.queue,
                partition=self._partition(definition.queue, parked.business_key),
            )
        else:
            self._enqueue(definition, parked.business_key, parked.payload, workflow_id, origin_id=origin)
        self.records.event(
            parked.record_type,
            parked.business_key,
            "retried",
            correlation_id=workflow_id,
            message=f"exception {exception_id} retried by an operator",
            detail={"exception_id": exception_id, "forked": failed_step is not None},
        )
        return FlowHandle(workflow_id)

    def skip_exception(self, exception_id: int, note: str | None = None) -> None:
        parked = self.records.parked(exception_id)
        self.records.set_status(exception_id, "skipped", note=note)
        self.records.event(
            parked.record_type,
            parked.business_key,
            "skipped",
            correlation_id=parked.workflow_id,
            message=note or f"exception {exception_id} skipped by an operator",
        )

    # --- helpers ----------------------------------------------------------------------------------------
    def _partition(self, queue: str, business_key: str) -> str | None:
        """A partitioned queue (``per_record``) partitions by business key; others take no key."""
        return business_key if self._budgets[queue].per_record is not None else None

    def _definition(self, flow: str) -> FlowDefinition:
        try:
            return self._flows[flow]
        except KeyError:
            raise ConfigError(
                f"no flow named {flow!r} is registered (known: {sorted(self._flows)})"
            ) from None

    def _origin_of(self, workflow_id: str) -> str | None:
        inputs = runtime.workflow_input(workflow_id)
        if inputs is None or len(inputs[0]) < 3:
            return None
        return str(inputs[0][2])

    def _derived_runs(self, origin: str, prefix: str) -> list[str]:
        return runtime.workflow_ids_with_prefix(f"{origin}:{prefix}")

    def _require_not_launched(self, what: str) -> None:
        if self._launched:
            raise RuntimeError(f"cannot {what} after launch: every worker must declare the same set first")


def _workflow_id(flow: str, business_key: str, version: str | None) -> str:
    """One run per flow, business key and version: the identity every duplicate delivery collapses to."""
    return f"{flow}:{business_key}" if version is None else f"{flow}:{business_key}:{version}"
