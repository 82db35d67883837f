"""Alerts through apprise (email, Slack, Teams, generic webhooks), de-duplicated, and the daily digest.

Each configured URL subscribes to event kinds (``alerts[].events`` in erpsync.yaml); an alert goes to the URLs
tagged with its kind. Sent alerts are remembered in the ``alerts_sent`` table of the state store's database,
so a restart or a second process does not send them again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import apprise
import sqlalchemy as sa

from erpsync.alerts.rules import (
    AlertKind,
    AlertMessage,
    AlertThresholds,
    exceptions_older_than,
    lagging_flows,
    new_exception_classes,
    paused_flows,
    tieout_differences,
)
from erpsync.config import Settings
from erpsync.web.ops import Operations

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]

metadata = sa.MetaData()
sent_table = sa.Table(
    "alerts_sent",
    metadata,
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("first_sent_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("times", sa.Integer, nullable=False),
)


@dataclass(frozen=True)
class Destination:
    """One apprise URL (a secret: Slack and Teams URLs embed tokens) and the kinds it wants."""

    url: str
    kinds: Sequence[str]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Alerter:
    """Evaluates the alert rules and sends what is due, once per condition per repeat interval."""

    def __init__(
        self,
        ops: Operations,
        destinations: Iterable[Destination],
        *,
        thresholds: AlertThresholds | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.ops = ops
        self.thresholds = thresholds or AlertThresholds()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._apprise = apprise.Apprise()
        self._kinds: set[str] = set()
        for destination in destinations:
            unknown = set(destination.kinds) - {kind.value for kind in AlertKind}
            if unknown:
                raise ValueError(
                    f"unknown alert event(s) {sorted(unknown)}; known: {[kind.value for kind in AlertKind]}"
                )
            if not self._apprise.add(destination.url, tag=list(destination.kinds)):
                # Never echo the URL: it carries the token.
                raise ValueError(
                    f"an alert URL for {list(destination.kinds)} is not a URL apprise understands"
                )
            self._kinds.update(destination.kinds)
        self._engine: sa.Engine = ops.store._engine
        metadata.create_all(self._engine)

    @classmethod
    def from_settings(cls, settings: Settings, ops: Operations, **options: Any) -> Alerter:
        destinations = [
            Destination(alert.url.resolve().get_secret_value(), alert.events) for alert in settings.alerts
        ]
        return cls(ops, destinations, **options)

    # --- checks ---------------------------------------------------------------------------------------
    def due(self) -> list[AlertMessage]:
        """Every alert whose condition holds now (sent or not)."""
        now = self._clock()
        open_exceptions = self.ops.exceptions()
        flows = self.ops.flows()
        due = [
            *new_exception_classes(open_exceptions),
            *exceptions_older_than(open_exceptions, self.thresholds.exception_age, now),
            *paused_flows(flows),
            *lagging_flows(flows, self.thresholds.lag),
        ]
        report = self.ops.tieout()
        if isinstance(report, Mapping):
            due.extend(tieout_differences(report))
        return due

    def check(self) -> list[AlertMessage]:
        """Send the alerts that are due and not sent within the repeat interval; returns those sent."""
        return [message for message in self.due() if self.send(message)]

    def tieout_finished(self, report: Mapping[str, Any]) -> list[AlertMessage]:
        """For the reconciliation flow to call when a tie-out report is ready."""
        return [message for message in tieout_differences(report) if self.send(message)]

    def engine_alert(self, alert: Any) -> None:
        """An ``Engine.on_alert`` hook: a flow paused on a config error is reported at once."""
        message = AlertMessage(
            AlertKind.FLOW_PAUSED,
            f"flow_paused:{alert.flow}:{alert.message}",
            f"erpsync: flow {alert.flow} is paused",
            f"{alert.record_type} {alert.business_key} hit a {alert.error_class} error: {alert.message}\n"
            "Records of this flow wait until it is resumed (fix the credentials, then resume it).",
            "failure",
        )
        self.send(message)

    # --- sending --------------------------------------------------------------------------------------
    def send(self, message: AlertMessage) -> bool:
        """Send unless sent within the repeat interval; True when it went out to at least one destination."""
        if message.kind.value not in self._kinds:
            return False
        now = self._clock()
        with self._engine.begin() as connection:
            last = connection.scalar(
                sa.select(sent_table.c.last_sent_at).where(sent_table.c.key == message.key)
            )
        if last is not None and now - _aware(last) < self.thresholds.repeat_after:
            return False
        delivered = self._apprise.notify(
            body=message.body, title=message.title, notify_type=message.level, tag=message.kind.value
        )
        if not delivered:
            # Not remembered as sent: the next check tries again.
            log.warning("alert %s could not be delivered to every destination", message.key)
            return False
        self._remember(message, now, seen_before=last is not None)
        return True

    def _remember(self, message: AlertMessage, now: datetime, *, seen_before: bool) -> None:
        with self._engine.begin() as connection:
            if seen_before:
                connection.execute(
                    sent_table.update()
                    .where(sent_table.c.key == message.key)
                    .values(last_sent_at=now, times=sent_table.c.times + 1)
                )
            else:
                connection.execute(
                    sent_table.insert().values(
                        key=message.key, kind=message.kind.value, first_sent_at=now, last_sent_at=now, times=1
                    )
                )

    # --- digest ---------------------------------------------------------------------------------------
    def digest(self) -> AlertMessage:
        """What synced, what failed and what is waiting over the last 24 hours, for stakeholders."""
        now = self._clock()
        series = self.ops.series()
        waiting = self.ops.store.holds()
        lines = []
        for flow in self.ops.flows():
            done = sum(series.processed.get(flow.name, []))
            parked = sum(series.failed.get(flow.name, []))
            held = sum(1 for hold in waiting if hold.flow == flow.name)
            state = f" ({flow.state}: {flow.paused_reason})" if flow.paused_reason else ""
            lines.append(
                f"{flow.name}{state}: {done} synced, {parked} failed, "
                f"{flow.open_exceptions} waiting for a fix, "
                f"{held} waiting on another record"
            )
        body = "\n".join(lines) or "No flow has run."
        return AlertMessage(
            AlertKind.DAILY_DIGEST,
            f"daily_digest:{now:%Y-%m-%d}",
            f"erpsync daily digest {now:%Y-%m-%d}",
            body,
            "info",
        )

    def send_digest(self) -> bool:
        """Send today's digest once (its key is the date)."""
        return self.send(self.digest())

    def run(
        self, stop: threading.Event, *, every: timedelta = timedelta(minutes=1), digest_hour_utc: int = 7
    ) -> None:
        """Check every ``every`` until ``stop`` is set; send the digest daily from ``digest_hour_utc``."""
        while not stop.is_set():
            try:
                self.check()
                if self._clock().hour >= digest_hour_utc:
                    self.send_digest()
            except Exception:
                log.exception("alert check failed; trying again at the next interval")
            stop.wait(every.total_seconds())
