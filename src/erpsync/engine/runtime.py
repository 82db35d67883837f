"""Every call erpsync makes into DBOS Transact 3.4, in one module (docs/decisions/0001-engine-dbos.md).

The rest of the engine, and every flow, speaks our own API; a DBOS upgrade is a change here. DBOS keeps one
instance per process, so one :class:`erpsync.engine.Engine` per process too.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from dbos import DBOS, DBOSClient, DBOSConfig, SetEnqueueOptions, SetWorkflowID, WorkflowHandle
from dbos import error as dbos_errors
from dbos._queue import QueueRateLimit

log = logging.getLogger(__name__)

TERMINAL = frozenset({"SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"})


_configured = False
_wal_normal_files: set[str] = set()


def _commit_without_fsync(dbapi_connection: Any, _record: Any) -> None:
    """DBOS's SQLite connections commit as the store's do: WAL with ``synchronous=NORMAL``.

    DBOS leaves SQLite's default (FULL): an fsync per step checkpoint, taken while holding the database's one
    write lock, so every flow's checkpoint waits for the disk (measured: half the orders/s at zero latency, a
    quarter more CPU per order). NORMAL in WAL mode loses nothing when the process crashes; on power loss
    the last commits may roll back, as a whole and in order (SQLite docs, "WAL", "PRAGMA synchronous"), and
    a step whose checkpoint rolled back runs again: the at-least-once contract every step has anyway.
    """
    if type(dbapi_connection).__module__.split(".")[0] != "sqlite3":
        return
    files = {row[2] for row in dbapi_connection.execute("PRAGMA database_list").fetchall()}
    if files & _wal_normal_files:
        dbapi_connection.execute("PRAGMA synchronous = NORMAL")


def _sqlite_file(database_url: str) -> str | None:
    url = sa.make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return os.path.realpath(url.database)


def configure(*, database_url: str, worker_id: str, app_version: str, app_name: str) -> None:
    global _configured
    if _configured:
        raise RuntimeError(
            "an erpsync Engine already runs in this process; shut it down before making another"
        )
    sqlite_file = _sqlite_file(database_url)
    if sqlite_file is not None:
        _wal_normal_files.add(sqlite_file)
        if not sa.event.contains(sa.engine.Engine, "connect", _commit_without_fsync):
            sa.event.listen(sa.engine.Engine, "connect", _commit_without_fsync)
    config: DBOSConfig = {
        "name": app_name,
        "system_database_url": database_url,
        # Stable per worker: a restarted worker recovers exactly the workflows it left pending.
        "executor_id": worker_id,
        # Fixed rather than DBOS's hash of the registered code: workers must agree on it, or one worker's
        # pending workflows are invisible to another's recovery (recovery filters by version).
        "application_version": app_version,
        "log_level": "WARNING",
        "notification_listener_polling_interval_sec": 0.1,
        "scheduler_polling_interval_sec": 1.0,
    }
    DBOS(config=config)
    _configured = True


def register_workflow(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    return DBOS.workflow(name=name)(fn)


def launch() -> None:
    DBOS.launch()


def destroy(worker_id: str, drain_seconds: int) -> None:
    """Stop dequeuing, give this worker's running flows up to ``drain_seconds`` to finish, then stop.

    Flows still running after that stay PENDING and are recovered on restart or by another worker.
    """
    global _configured
    if drain_seconds > 0 and not DBOS.list_workflows(
        status="PENDING", executor_id=worker_id, load_input=False, load_output=False
    ):
        drain_seconds = 0  # DBOS would sleep a full second before noticing there is nothing to wait for
    DBOS.destroy(destroy_registry=True, workflow_completion_timeout_sec=drain_seconds)
    _configured = False


@dataclass(frozen=True)
class QueueBudget:
    name: str
    concurrency: int | None
    requests_per_second: float | None
    per_record: int | None = None  # a partitioned queue: at most this many runs of one record at once


def register_queues(
    database_url: str, app_name: str, queues: list[QueueBudget], polling_interval: float
) -> None:
    """Write every queue's limits into the system database *before* launch, so this worker's first poll
    already uses them (a stale row from an older configuration could otherwise claim the whole queue)."""
    DBOS.migrate(database_url)  # the client below never migrates; launch would, too late
    client = DBOSClient(system_database_url=database_url, application_name=app_name)
    try:
        for queue in queues:
            # always_update: every worker registers the same budgets at start, so the newest one wins.
            client.register_queue(
                queue.name,
                global_concurrency=queue.concurrency,
                limiter=_limiter(queue.requests_per_second),
                partition_concurrency=queue.per_record,
                polling_interval_sec=polling_interval,
                on_conflict="always_update",
            )
    finally:
        client.destroy()


def _limiter(requests_per_second: float | None) -> QueueRateLimit | None:
    # DBOS limits workflow starts per rolling window; a one-second window matches a per-second budget.
    if requests_per_second is None:
        return None
    if requests_per_second < 1:
        return {"limit": 1, "period": 1.0 / requests_per_second}
    return {"limit": max(1, round(requests_per_second)), "period": 1.0}


def enqueue(
    queue: str, workflow: Callable[..., Any], workflow_id: str, *args: Any, partition: str | None = None
) -> WorkflowHandle[Any]:
    # A workflow id that already exists returns the existing workflow: that is the dedupe.
    with SetWorkflowID(workflow_id), SetEnqueueOptions(queue_partition_key=partition):
        return DBOS.enqueue_workflow(queue, workflow, *args)


def run_step(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return DBOS.run_step({"name": name}, fn, *args, **kwargs)


def bookkeeping(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """One of the engine's own steps (timeline, park, hold, release): retried by DBOS on a database hiccup,
    so a PostgreSQL restart does not end a flow in error for want of a timeline row."""
    return DBOS.run_step(
        {
            "name": name,
            "retries_allowed": True,
            "max_attempts": 5,
            "interval_seconds": 0.5,
            "backoff_rate": 2.0,
        },
        fn,
        *args,
        **kwargs,
    )


def is_engine_error(error: BaseException) -> bool:
    """DBOS's own failures (non-determinism after a code change, a deleted queue...): not the record's fault,
    so they end the run as an error instead of going through the retry policy."""
    return isinstance(error, dbos_errors.DBOSException)


def sleep(seconds: float) -> None:
    DBOS.sleep(seconds)


def current_workflow_id() -> str:
    workflow_id = DBOS.workflow_id
    if workflow_id is None:
        raise RuntimeError("a flow step was called outside a running flow")
    return workflow_id


def status(workflow_id: str) -> str | None:
    found = DBOS.get_workflow_status(workflow_id)
    return None if found is None else str(found.status)


def existing(workflow_ids: list[str]) -> set[str]:
    """Which of ``workflow_ids`` exist, in any state (one query)."""
    if not workflow_ids:
        return set()
    found = DBOS.list_workflows(workflow_ids=workflow_ids, load_input=False, load_output=False)
    return {status.workflow_id for status in found}


def result(workflow_id: str) -> Any:
    return DBOS.retrieve_workflow(workflow_id).get_result()


def workflow_input(workflow_id: str) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    found = DBOS.list_workflows(workflow_ids=[workflow_id], load_input=True, load_output=False)
    if not found or found[0].input is None:
        return None
    inputs = found[0].input
    return tuple(inputs["args"]), dict(inputs["kwargs"])


def last_failed_step(workflow_id: str, ignore_prefix: str) -> int | None:
    """The function id of the last step of ``workflow_id`` that raised, skipping the engine's own steps."""
    failed = [
        step["function_id"]
        for step in DBOS.list_workflow_steps(workflow_id)
        if step["error"] is not None and not step["function_name"].startswith(ignore_prefix)
    ]
    return failed[-1] if failed else None


def fork(
    workflow_id: str, start_step: int, new_workflow_id: str, queue: str, partition: str | None = None
) -> None:
    """Run ``workflow_id`` again from ``start_step``, keeping the outputs of the steps before it."""
    with SetWorkflowID(new_workflow_id):
        DBOS.fork_workflow(workflow_id, start_step, queue_name=queue, queue_partition_key=partition)


def recover(executor_ids: list[str]) -> int:
    """Put the pending workflows of dead executors back on their queues for any live worker to run."""
    # DBOS 3.4 has no public name for this (it is what Conductor calls); pinned, see the decision record.
    return len(DBOS._recover_pending_workflows(executor_ids))


def scheduled_workflow(name: str, fire: Callable[[datetime], None]) -> Callable[..., Any]:
    def on_schedule(scheduled_at: datetime, context: Any) -> None:
        fire(scheduled_at)

    return DBOS.workflow(name=name)(on_schedule)


def apply_schedules(schedules: list[tuple[str, Callable[..., Any], str, str]]) -> None:
    """(schedule name, scheduled workflow, cron, queue) for each schedule; replaces earlier definitions."""
    if schedules:
        DBOS.apply_schedules(
            [
                {"schedule_name": name, "workflow_fn": workflow, "schedule": cron, "queue_name": queue}
                for name, workflow, cron, queue in schedules
            ]
        )


def workflow_ids_with_prefix(prefix: str) -> list[str]:
    return [
        found.workflow_id
        for found in DBOS.list_workflows(workflow_id_prefix=prefix, load_input=False, load_output=False)
    ]
