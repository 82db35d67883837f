"""Alerts through apprise: rules (new exception class, old exception, paused flow, lag, tie-out
difference), de-duplication in the store's database, and the daily digest (``Alerter.from_settings``)."""

from erpsync.alerts.notifier import Alerter, Destination
from erpsync.alerts.rules import AlertKind, AlertMessage, AlertThresholds

__all__ = ["AlertKind", "AlertMessage", "AlertThresholds", "Alerter", "Destination"]
