"""When to alert: each rule looks at the state of erpsync and names the alerts that are due.

An alert's ``key`` identifies the condition (not the moment): the same key is sent once and then only again
after the repeat interval, which is how alerts are de-duplicated across checks and processes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from erpsync.store import ExceptionRecord
from erpsync.web.ops import FlowStatus


class AlertKind(StrEnum):
    """The event names a config's ``alerts[].events`` subscribes to."""

    NEW_EXCEPTION_CLASS = "new_exception_class"
    EXCEPTION_OLDER_THAN = "exception_older_than"
    FLOW_PAUSED = "flow_paused"
    LAG_OVER_THRESHOLD = "lag_over_threshold"
    TIEOUT_DIFFERENCE = "tieout_difference"
    DAILY_DIGEST = "daily_digest"


@dataclass(frozen=True)
class AlertThresholds:
    exception_age: timedelta = timedelta(minutes=60)
    lag: timedelta = timedelta(minutes=15)
    # How long an alert stays quiet once sent, while its condition lasts.
    repeat_after: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class AlertMessage:
    kind: AlertKind
    key: str
    title: str
    body: str
    level: str = "warning"  # apprise notify type: info, success, warning, failure


def new_exception_classes(exceptions: Iterable[ExceptionRecord]) -> list[AlertMessage]:
    """One alert per kind of failure (flow, class, error type): the first record of each kind says enough."""
    first: dict[tuple[str, str, str], ExceptionRecord] = {}
    for exception in exceptions:
        first.setdefault((exception.flow, exception.error_class, exception.error_type or "?"), exception)
    return [
        AlertMessage(
            AlertKind.NEW_EXCEPTION_CLASS,
            f"new_exception_class:{flow}:{error_class}:{error_type}",
            f"erpsync: new kind of {error_class} failure in {flow}",
            f"{example.record_type} {example.business_key} failed in {example.system or 'erpsync'}: "
            f"{example.message}\nSuggested fix: {example.suggested_fix or 'none given'}\n"
            f"See exception {example.id} in the dashboard.",
            "failure",
        )
        for (flow, error_class, error_type), example in first.items()
    ]


def exceptions_older_than(
    exceptions: Iterable[ExceptionRecord], age: timedelta, now: datetime
) -> list[AlertMessage]:
    minutes = int(age.total_seconds() // 60)
    return [
        AlertMessage(
            AlertKind.EXCEPTION_OLDER_THAN,
            f"exception_older_than:{exception.id}",
            f"erpsync: {exception.record_type} {exception.business_key} waits for a fix over {minutes} min",
            f"Exception {exception.id} in {exception.flow} is open since "
            f"{exception.created_at:%Y-%m-%d %H:%M} UTC: {exception.message}\n"
            f"Suggested fix: {exception.suggested_fix or 'none given'}",
        )
        for exception in exceptions
        if now - exception.created_at > age
    ]


def paused_flows(flows: Iterable[FlowStatus]) -> list[AlertMessage]:
    return [
        AlertMessage(
            AlertKind.FLOW_PAUSED,
            f"flow_paused:{flow.name}:{flow.paused_reason}",
            f"erpsync: flow {flow.name} is paused",
            f"{flow.paused_reason}\nRecords of this flow wait until it is resumed (fix the credentials or "
            "configuration, then resume it on the dashboard or with the API).",
            "failure",
        )
        for flow in flows
        if flow.state == "paused"
    ]


def lagging_flows(flows: Iterable[FlowStatus], lag: timedelta) -> list[AlertMessage]:
    return [
        AlertMessage(
            AlertKind.LAG_OVER_THRESHOLD,
            f"lag_over_threshold:{flow.name}",
            f"erpsync: flow {flow.name} is {flow.lag_seconds / 60:.0f} min behind",
            f"The oldest record of {flow.name} not yet synced arrived {flow.lag_seconds:.0f} s ago "
            f"(threshold {lag.total_seconds():.0f} s). Check the target system and the API budget.",
        )
        for flow in flows
        if flow.lag_seconds is not None and flow.lag_seconds > lag.total_seconds()
    ]


def tieout_differences(report: Mapping[str, Any]) -> list[AlertMessage]:
    """A tie-out report as a mapping with ``date`` and ``rows`` (each row a difference)."""
    rows = list(report.get("rows") or [])
    if not rows:
        return []
    date = report.get("date", "latest")
    return [
        AlertMessage(
            AlertKind.TIEOUT_DIFFERENCE,
            f"tieout_difference:{date}",
            f"erpsync: tie-out {date} found {len(rows)} difference(s) between store and ERP",
            "Open the tie-out page of the dashboard for the records, or download its CSV.",
            "failure",
        )
    ]
