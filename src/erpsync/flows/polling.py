"""Near-real-time intake by polling: read a page of changes after the flow's cursor, enqueue one durable
flow per changed record, then move the cursor. Each poll is itself a durable flow, so a crash between
"enqueued" and "cursor moved" replays from its checkpoints instead of losing or skipping changes; and a
record enqueued twice (overlap windows, a replayed page) runs once, because its workflow id is its
business key plus its version."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC
from itertools import chain
from typing import Any

from erpsync.connectors.base import ChangeBatch, Unreadable
from erpsync.engine import Engine, FlowContext
from erpsync.model.common import Record
from erpsync.store import Store, field_hash

MAX_PAGES_PER_POLL = 20  # a backlog drains over several polls instead of one endless run


def register_poller(
    engine: Engine,
    store: Store,
    *,
    name: str,
    queue: str,
    read_changes: Callable[[str | None], ChangeBatch[Any]],
    target_flow: str,
    payload: Callable[[Any], dict[str, Any]] = lambda record: record.to_json_dict(),
    reread_payload: Callable[[str], dict[str, Any]] | None = None,
    record_type: str = "record",
    unsynced: Callable[[], list[list[str]]] | None = None,
) -> None:
    """Declare the flow ``name`` that feeds ``target_flow`` with every record ``read_changes`` returns.

    A record the connector could not translate (``ChangeBatch.unreadable``) never stops the others: when
    ``target_flow`` re-reads its record from an id (``reread_payload(id)``), it is queued like any other
    and parks itself with the platform's reason (and can be retried once fixed at the source); otherwise it
    is parked here, with its reason, under ``target_flow``.

    ``unsynced`` (with ``reread_payload``) makes a reconcile a sweep: it lists the records the target system
    has no id for, or must see again — ``[record id, business key, version]`` each, see ``sweep_unsynced`` —
    and only those are queued, re-read by id; without it a reconcile pages through every record again.
    """

    @engine.flow(name, queue=queue, record_type="poll")
    def poll(ctx: FlowContext, trigger: dict[str, Any]) -> dict[str, Any]:
        workflow_ids: list[str] = []
        if trigger.get("reconcile") and unsynced is not None and reread_payload is not None:
            missing = ctx.step("reconcile_sweep", unsynced)
            for record_id, business_key, version in missing:
                handle = engine.enqueue(
                    target_flow, business_key, reread_payload(record_id), version=f"reconcile~{version}"
                )
                workflow_ids.append(handle.workflow_id)
            return {"enqueued": len(workflow_ids), "workflow_ids": workflow_ids, "swept": True}
        for page in range(MAX_PAGES_PER_POLL):
            cursor = ctx.step(f"read_cursor_{page}", poll_cursor, store, name, trigger, page)
            batch = ctx.step(f"read_changes_{page}", read_changes, cursor)
            versions = [(record, version_of(record)) for record in batch.records]
            # Records read again (a connector re-reads the watermark second; a replayed page) whose version
            # already has a run are not new: asked in a step, so a replay of this poll decides the same.
            known = ctx.step(
                f"known_versions_{page}", _known_versions, engine, target_flow, _versions_of(versions)
            )
            for record, version in versions:
                if [record.business_key, version] in known:
                    continue
                # Enqueued from the flow itself (not inside a step): DBOS records it as this run's child.
                handle = engine.enqueue(target_flow, record.business_key, payload(record), version=version)
                workflow_ids.append(handle.workflow_id)
            for unreadable in batch.unreadable:
                if reread_payload is not None:
                    version = f"unreadable~{field_hash(unreadable.error)[:16]}"
                    handle = engine.enqueue(
                        target_flow,
                        unreadable.business_key,
                        reread_payload(unreadable.record_id),
                        version=version,
                    )
                    workflow_ids.append(handle.workflow_id)
                else:
                    ctx.step(
                        f"park_{unreadable.business_key}", _park, store, target_flow, record_type, unreadable
                    )
            ctx.step(f"move_cursor_{page}", store.set_cursor, name, batch.cursor)
            if not batch.more:
                break
        return {"enqueued": len(workflow_ids), "workflow_ids": workflow_ids}


def sweep_unsynced(
    records: Iterable[tuple[str, str, str, bool]],
    store: Store,
    *,
    system: str,
    record_type: str,
    chunk: int = 2000,
) -> list[list[str]]:
    """Of ``records`` (record id, business key, version, changed) — streamed, e.g. from a bulk read — those
    ``system`` has no id for in the cross-reference, plus those flagged ``changed`` (a change the target
    must see even when it holds the record, such as a cancellation): one store query per ``chunk``
    records, memory flat. A flagged record is queued once per version (its workflow id), not every sweep."""
    missing: list[list[str]] = []
    batch: list[tuple[str, str, str, bool]] = []
    for record in chain(records, [None]):
        if record is not None:
            batch.append(record)
        if batch and (record is None or len(batch) >= chunk):
            linked = store.linked_keys(system, record_type, [key for _, key, _, _ in batch])
            missing += [
                [rid, key, version] for rid, key, version, changed in batch if changed or key not in linked
            ]
            batch = []
    return missing


def _versions_of(versions: list[tuple[Any, str]]) -> list[list[str]]:
    return [[record.business_key, version] for record, version in versions]


def _known_versions(engine: Engine, flow: str, versions: list[list[str]]) -> list[list[str]]:
    """The (business key, version) pairs already queued for ``flow``, as lists (a step's result is JSON)."""
    known = engine.queued_versions(flow, [(key, version) for key, version in versions])
    return [[key, version] for key, version in versions if (key, version) in known]


def poll_cursor(store: Store, name: str, trigger: dict[str, Any], page: int) -> str | None:
    """Where a poll starts: the stored cursor, or the very beginning for a reconcile (its first page)."""
    if page == 0 and trigger.get("reconcile"):
        return None
    return store.cursor(name)


def _park(store: Store, flow: str, record_type: str, unreadable: Unreadable) -> int:
    exception_id = store.open_exception(
        flow=flow,
        record_type=record_type,
        business_key=unreadable.business_key,
        error=unreadable.error,
        payload={"record_id": unreadable.record_id},
    )
    store.record_event(
        record_type,
        unreadable.business_key,
        "parked",
        system=unreadable.error.get("system"),
        external_id=unreadable.record_id,
        error_class=unreadable.error.get("error_class"),
        message=unreadable.error.get("message"),
    )
    return exception_id


def version_of(record: Record) -> str:
    """A record's version for dedupe: its change time plus a hash of its content. The same change polled
    twice (an overlap window, a reconcile) runs once; two changes within one second — platforms such as
    Shopify stamp ``updated_at`` in whole seconds — differ by content, so neither is lost."""
    content = record.to_json_dict()
    content.pop("origin", None)
    return f"{record.origin.updated_at.astimezone(UTC).isoformat()}~{field_hash(content)[:16]}"
