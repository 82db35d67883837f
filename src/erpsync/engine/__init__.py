"""Durable flows on DBOS Transact behind our own small API: queues per target system (API budgets), the retry
policy, hold-and-release, schedules, and recovery of dead workers' flows. Flows never import DBOS."""

from erpsync.engine.context import FlowContext
from erpsync.engine.engine import Alert, Budget, Engine, FlowHandle, FlowResult, pause_key
from erpsync.engine.policy import Action, Decision, RetryPolicy
from erpsync.engine.workers import WatchSettings
from erpsync.errors import MissingPrerequisite  # re-exported: flows raise it to hold a record

__all__ = [
    "Action",
    "Alert",
    "Budget",
    "Decision",
    "Engine",
    "FlowContext",
    "FlowHandle",
    "FlowResult",
    "MissingPrerequisite",
    "RetryPolicy",
    "WatchSettings",
    "pause_key",
]
