"""Near-real-time intake by polling: read a page of changes after the flow's cursor, enqueue one durable
flow per changed record, then move the cursor. Each poll is itself a durable flow, so a crash between
"enqueued" and "cursor moved" replays from its checkpoints instead of losing or skipping changes; and a
record enqueued twice (overlap windows, a replayed page) runs once, because its workflow id is its
business key plus its version."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from erpsync.connectors.base import ChangeBatch
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
) -> None:
    """Declare the flow ``name`` that feeds ``target_flow`` with every record ``read_changes`` returns."""

    @engine.flow(name, queue=queue, record_type="poll")
    def poll(ctx: FlowContext, trigger: dict[str, Any]) -> dict[str, Any]:
        workflow_ids: list[str] = []
        for page in range(MAX_PAGES_PER_POLL):
            cursor = ctx.step(f"read_cursor_{page}", poll_cursor, store, name, trigger, page)
            batch = ctx.step(f"read_changes_{page}", read_changes, cursor)
            for record in batch.records:
                # Enqueued from the flow itself (not inside a step): DBOS records it as this run's child.
                handle = engine.enqueue(
                    target_flow, record.business_key, payload(record), version=version_of(record)
                )
                workflow_ids.append(handle.workflow_id)
            ctx.step(f"move_cursor_{page}", store.set_cursor, name, batch.cursor)
            if not batch.more:
                break
        return {"enqueued": len(workflow_ids), "workflow_ids": workflow_ids}


def poll_cursor(store: Store, name: str, trigger: dict[str, Any], page: int) -> str | None:
    """Where a poll starts: the stored cursor, or the very beginning for a reconcile (its first page)."""
    if page == 0 and trigger.get("reconcile"):
        return None
    return store.cursor(name)


def version_of(record: Record) -> str:
    """A record's version for dedupe: its change time plus a hash of its content. The same change polled
    twice (an overlap window, a reconcile) runs once; two changes within one second — platforms such as
    Shopify stamp ``updated_at`` in whole seconds — differ by content, so neither is lost."""
    content = record.to_json_dict()
    content.pop("origin", None)
    return f"{record.origin.updated_at.astimezone(UTC).isoformat()}~{field_hash(content)[:16]}"
