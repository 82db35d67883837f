"""What the ops API and the dashboard can do, in one place: every call into the store and the engine.

The web layer never talks to ``erpsync.store`` or ``erpsync.engine`` except through :class:`Operations`, so a
change in either API is a change here only. Where the engine cannot do something yet (trigger a sync), the
call raises :class:`NotAvailable` and the API answers 501 with its message: never a fake success.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from erpsync.config import Settings
from erpsync.store import Conflict, ExceptionRecord, ExceptionStatus, Hold, Step, Store, TimelineEvent

if TYPE_CHECKING:
    from erpsync.engine import Engine

Clock = Callable[[], datetime]

# Flow statistics look at this much of the timeline (throughput and error plots, error rate, lag).
STATS_WINDOW = timedelta(hours=24)
RATE_WINDOW = timedelta(hours=1)
PLOT_BUCKET = timedelta(hours=1)

_PENDING_STEPS = frozenset({Step.RECEIVED.value, Step.RETRIED.value, Step.RELEASED.value})
_SETTLED_STEPS = frozenset(
    {Step.PARKED.value, Step.SKIPPED.value, Step.RESOLVED.value, Step.HELD.value, Step.COMPLETED.value}
)


class NotAvailable(Exception):
    """The operation needs a part of erpsync that this process does not have (yet); the API answers 501."""


class UnknownFlow(LookupError):
    """No flow of that name is configured or known to the store."""


@dataclass(frozen=True)
class FlowStatus:
    name: str
    state: str  # running | paused | disabled
    paused_reason: str | None
    source: str | None
    target: str | None
    trigger: str
    last_run: datetime | None
    lag_seconds: float | None
    processed_last_hour: int
    failed_last_hour: int
    error_rate: float | None
    open_exceptions: int


@dataclass(frozen=True)
class FlowSeries:
    """Hourly counts over the stats window, for the overview plots (``times`` are unix seconds)."""

    times: list[int] = field(default_factory=list)
    processed: dict[str, list[int]] = field(default_factory=dict)
    failed: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class ExceptionDetail:
    exception: ExceptionRecord
    waiting: list[Hold]
    timeline: list[TimelineEvent]


@dataclass(frozen=True)
class BulkOutcome:
    exception_id: int
    ok: bool
    detail: str


def utc_now() -> datetime:
    return datetime.now(UTC)


def completion_key(record_type: str, business_key: str) -> str:
    """The key dependants wait on (``Engine._complete`` marks ``record_type:business_key`` done)."""
    return f"{record_type}:{business_key}"


class Operations:
    """Read models and operator actions over one store and (optionally) one engine."""

    def __init__(
        self, *, settings: Settings, store: Store, engine: Engine | None = None, clock: Clock = utc_now
    ) -> None:
        self.settings = settings
        self.store = store
        self.engine = engine
        self._clock = clock

    # --- health ---------------------------------------------------------------------------------------
    def database_reachable(self) -> bool:
        return self.store.reachable()

    # --- flows ----------------------------------------------------------------------------------------
    def flow_names(self) -> list[str]:
        names = set(self.settings.flows)
        names.update(exception.flow for exception in self.store.exceptions(status=None))
        return sorted(names)

    def flows(self) -> list[FlowStatus]:
        now = self._clock()
        events = self._events_since(now - STATS_WINDOW)
        open_by_flow: dict[str, int] = defaultdict(int)
        for exception in self.store.exceptions(status=ExceptionStatus.OPEN.value):
            open_by_flow[exception.flow] += 1
        return [
            self._flow_status(name, _of_flow(events, name), open_by_flow[name], now)
            for name in self.flow_names()
        ]

    def flow(self, name: str) -> FlowStatus:
        for status in self.flows():
            if status.name == name:
                return status
        raise UnknownFlow(f"no flow named {name!r} (known: {', '.join(self.flow_names()) or 'none'})")

    def series(self) -> FlowSeries:
        now = self._clock()
        start = now - STATS_WINDOW
        buckets = int(STATS_WINDOW / PLOT_BUCKET)
        events = self._events_since(start)
        series = FlowSeries(times=[int((start + PLOT_BUCKET * (i + 1)).timestamp()) for i in range(buckets)])
        for name in self.flow_names():
            processed, failed = [0] * buckets, [0] * buckets
            for event in _of_flow(events, name):
                index = min(int((event.occurred_at - start) / PLOT_BUCKET), buckets - 1)
                if _is_completion(event):
                    processed[index] += 1
                elif event.step == Step.PARKED.value:
                    failed[index] += 1
            series.processed[name] = processed
            series.failed[name] = failed
        return series

    def _flow_status(
        self, name: str, events: list[TimelineEvent], open_count: int, now: datetime
    ) -> FlowStatus:
        configured = self.settings.flows.get(name)
        paused_reason = self.engine.paused_reason(name) if self.engine is not None else None
        if configured is not None and not configured.enabled:
            state = "disabled"
        else:
            state = "paused" if paused_reason is not None else "running"
        recent = [event for event in events if event.occurred_at >= now - RATE_WINDOW]
        processed = sum(1 for event in recent if _is_completion(event))
        failed = sum(1 for event in recent if event.step == Step.PARKED.value)
        return FlowStatus(
            name=name,
            state=state,
            paused_reason=paused_reason,
            source=configured.source if configured else None,
            target=configured.target if configured else None,
            trigger=_describe_trigger(configured),
            last_run=max((event.occurred_at for event in events), default=None),
            lag_seconds=_lag(events, now),
            processed_last_hour=processed,
            failed_last_hour=failed,
            error_rate=failed / (processed + failed) if processed + failed else None,
            open_exceptions=open_count,
        )

    def _events_since(self, since: datetime) -> list[TimelineEvent]:
        return self.store.events_since(since)

    def pause(self, flow: str, reason: str) -> None:
        engine = self._require_engine("pause a flow")
        self.flow(flow)
        engine.pause(flow, reason)

    def resume(self, flow: str) -> int:
        """Un-pause; returns how many held records were started again."""
        engine = self._require_engine("resume a flow")
        self.flow(flow)
        return len(engine.resume(flow))

    def trigger(self, flow: str, kind: str) -> str:
        """Start the flow's poll now: ``sync`` reads changes since its cursor, ``reconcile`` re-reads from the
        beginning (records already synced at that version run once: their workflow ids exist)."""
        from erpsync.service import POLLED_BY

        engine = self._require_engine(f"start a {kind}")
        self.flow(flow)
        if flow not in POLLED_BY:
            raise NotAvailable(f"flow {flow!r} has no poller to start; it runs on webhooks only")
        started_at = self._clock().isoformat(timespec="milliseconds")
        handle = engine.enqueue(POLLED_BY[flow], f"{kind}@{started_at}", {"reconcile": kind == "reconcile"})
        return handle.workflow_id

    # --- exceptions -----------------------------------------------------------------------------------
    def exceptions(
        self,
        *,
        status: str | None = ExceptionStatus.OPEN.value,
        flow: str | None = None,
        error_class: str | None = None,
        system: str | None = None,
        older_than: timedelta | None = None,
    ) -> list[ExceptionRecord]:
        return self.store.exceptions(
            status=status, flow=flow, error_class=error_class, system=system, older_than=older_than
        )

    def exception(self, exception_id: int) -> ExceptionDetail:
        exception = self.store.exception(exception_id)
        waiting = self.store.holds(waits_on=completion_key(exception.record_type, exception.business_key))
        return ExceptionDetail(exception, waiting, self.store.timeline(exception.business_key))

    def retry(self, exception_id: int) -> str:
        """Run the parked record again (its edited payload if there is one); returns the new run's id."""
        engine = self._require_engine("retry an exception")
        self._require_active(exception_id)
        return engine.retry_exception(exception_id).workflow_id

    def edit_and_retry(self, exception_id: int, payload: Mapping[str, Any]) -> str:
        engine = self._require_engine("edit and retry an exception")
        self.store.edit_exception_payload(exception_id, payload)
        return engine.retry_exception(exception_id).workflow_id

    def skip(self, exception_id: int, note: str | None, *, operator: str) -> None:
        exception = self._require_active(exception_id)
        note = f"skipped by {operator}" + (f": {note}" if note else "")
        if self.engine is not None:
            self.engine.skip_exception(exception_id, note)
            return
        self.store.set_exception_status(exception_id, ExceptionStatus.SKIPPED.value, note=note)
        self.store.record_event(
            exception.record_type, exception.business_key, Step.SKIPPED.value, message=note
        )

    def resolve(self, exception_id: int, note: str | None, *, operator: str) -> None:
        """The operator fixed the record by hand in the target system. Its dependants stay held until the
        record completes in a flow run (they are shown with the exception)."""
        exception = self._require_active(exception_id)
        note = f"resolved by {operator}" + (f": {note}" if note else "")
        self.store.set_exception_status(exception_id, ExceptionStatus.RESOLVED.value, note=note)
        self.store.record_event(
            exception.record_type, exception.business_key, Step.RESOLVED.value, message=note
        )

    def bulk(
        self, action: str, exception_ids: Iterable[int], note: str | None, *, operator: str
    ) -> list[BulkOutcome]:
        def skip(exception_id: int) -> str:
            self.skip(exception_id, note, operator=operator)
            return "skipped"

        def resolve(exception_id: int) -> str:
            self.resolve(exception_id, note, operator=operator)
            return "resolved"

        actions: dict[str, Callable[[int], str]] = {"retry": self.retry, "skip": skip, "resolve": resolve}
        if action not in actions:
            raise ValueError(f"unknown bulk action {action!r}; one of: {', '.join(actions)}")
        if action == "retry":
            self._require_engine("retry exceptions")
        outcomes = []
        for exception_id in exception_ids:
            try:
                outcomes.append(BulkOutcome(exception_id, True, actions[action](exception_id)))
            except (LookupError, ValueError) as exc:
                outcomes.append(BulkOutcome(exception_id, False, str(exc)))
        return outcomes

    # --- records --------------------------------------------------------------------------------------
    def timeline(self, any_id: str, system: str | None = None) -> list[TimelineEvent]:
        return self.store.timeline(any_id, system)

    def conflicts(self, business_key: str | None = None) -> list[Conflict]:
        return self.store.conflicts(business_key=business_key)

    def xref(
        self, system: str, record_type: str, *, external_id: str | None, business_key: str | None
    ) -> dict[str, str | None]:
        if (external_id is None) == (business_key is None):
            raise ValueError("give exactly one of external_id and business_key")
        if external_id is not None:
            business_key = self.store.business_key(system, record_type, external_id)
        else:
            assert business_key is not None
            external_id = self.store.external_id(system, record_type, business_key)
        return {
            "system": system,
            "record_type": record_type,
            "external_id": external_id,
            "business_key": business_key,
        }

    # --- documents ------------------------------------------------------------------------------------
    def mapping_specs(self) -> list[Path]:
        return sorted({flow.mapping for flow in self.settings.flows.values() if flow.mapping is not None})

    def mapping_html(self) -> str:
        from erpsync.mapping import load_spec, render

        paths = self.mapping_specs()
        if not paths:
            raise NotAvailable("no flow in the configuration names a mapping spec (`flows.<name>.mapping`)")
        return render([load_spec(path) for path in paths], "html")

    def tieout(self) -> Any | None:
        """The latest tie-out report (``erpsync.flows.tieout``: ``date``, ``counts``, difference ``rows``),
        or None when none has run."""
        from erpsync.flows.tieout import latest_report

        return latest_report(self.store)

    # --- helpers --------------------------------------------------------------------------------------
    def _require_engine(self, what: str) -> Engine:
        if self.engine is None:
            raise NotAvailable(
                f"cannot {what}: this web process runs without the engine (start it with `erpsync run`)"
            )
        return self.engine

    def _require_active(self, exception_id: int) -> ExceptionRecord:
        exception = self.store.exception(exception_id)
        if exception.status != ExceptionStatus.OPEN.value:
            raise ValueError(
                f"exception {exception_id} is {exception.status}; only open ones can be acted on"
            )
        return exception


def _of_flow(events: list[TimelineEvent], flow: str) -> list[TimelineEvent]:
    # Every engine run's id starts with its flow's name (workflow id "flow:business_key[...]").
    prefix = f"{flow}:"
    return [event for event in events if (event.correlation_id or "").startswith(prefix)]


def _is_completion(event: TimelineEvent) -> bool:
    return event.step == Step.COMPLETED.value


def _lag(events: list[TimelineEvent], now: datetime) -> float | None:
    """Age of the oldest record received but not yet settled (completed, parked, held or skipped)."""
    pending_since: dict[tuple[str, str], datetime | None] = {}
    for event in events:
        record = (event.record_type, event.business_key)
        if event.step in _PENDING_STEPS:
            pending_since[record] = pending_since.get(record) or event.occurred_at
        elif event.step in _SETTLED_STEPS:
            pending_since[record] = None
    waiting = [since for since in pending_since.values() if since is not None]
    if not events:
        return None
    return max(((now - since).total_seconds() for since in waiting), default=0.0)


def _describe_trigger(flow: Any) -> str:
    if flow is None:
        return "not configured"
    trigger = flow.trigger
    parts = []
    if trigger.webhook:
        parts.append("webhook")
    if trigger.poll_every_seconds:
        parts.append(f"poll every {trigger.poll_every_seconds}s")
    if trigger.cron:
        parts.append(f"cron {trigger.cron}")
    return ", ".join(parts)
