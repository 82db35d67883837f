"""Field ownership, as the two-way flows (customers, promotions) apply it: a change to a field another
system owns is not written; it is kept as a conflict for an operator and told on the record's timeline."""

from __future__ import annotations

from typing import Any

from erpsync.store import Store


def refuse_change(
    store: Store,
    *,
    record_type: str,
    noun: str,
    key: str,
    field: str,
    owner: str,
    attempted_by: str,
    current: Any,
    proposed: Any,
) -> None:
    """``attempted_by`` changed ``field`` of the ``noun`` ``key`` to ``proposed``; ``owner`` keeps
    ``current``."""
    store.record_conflict(
        record_type=record_type,
        business_key=key,
        field=field,
        owner=owner,
        attempted_by=attempted_by,
        current=current,
        proposed=proposed,
    )
    store.record_event(
        record_type,
        key,
        "conflict",
        system=attempted_by,
        message=f"{attempted_by} changed {field} of {noun} {key} to {proposed!r}; {owner} owns it and "
        f"keeps {current!r} (not applied)",
    )
