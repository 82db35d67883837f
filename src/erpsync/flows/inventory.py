"""Inventory ERP → store, near real time: stock per SKU × location, as the store may sell it.

Available in the store = the ERP's available (on hand − reserved) − safety stock, never below zero and never
above what the ERP has (the oversell guard). ERP locations are mapped to store locations; an ERP location
with no mapping is not pushed (it is not a selling location) when a map is configured. Writes are absolute
quantities, batched to the store API's maximum, so a replayed batch sets the same numbers again.
"""

from __future__ import annotations

from typing import Any

from erpsync.engine import Engine, FlowContext
from erpsync.flows.hub import Hub
from erpsync.flows.polling import poll_cursor
from erpsync.model import InventoryLevel

FLOW = "inventory_to_store"


RECONCILE_MAX_PAGES = 100_000  # a sweep reads every page in one run; the cap only stops a runaway cursor


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.shop.system, record_type="poll")
    def inventory_to_store(ctx: FlowContext, trigger: dict[str, Any]) -> dict[str, Any]:
        """A reconcile (``{"reconcile": true}``) starts from the beginning and corrects any drift in the
        store: with a store that can be read in bulk (``inventory_snapshot``) it reads every ERP page in this
        run and writes only the levels the store shows differently; otherwise every level is set again."""
        if trigger.get("reconcile") and hasattr(hub.shop, "inventory_snapshot"):
            return _reconcile(ctx, hub, trigger)
        pushed = 0
        for page in range(20):
            cursor = ctx.step(f"read_cursor_{page}", poll_cursor, hub.store, FLOW, trigger, page)
            batch = ctx.step(f"read_changes_{page}", hub.erp.inventory_changed_since, cursor)
            levels = store_levels(batch.records, hub)
            if levels:
                ctx.step(
                    f"set_inventory_{page}",
                    hub.shop.set_inventory,
                    levels,
                    idempotency_key=ctx.idempotency_key(f"set_inventory_{page}"),
                )
                pushed += len(levels)
            ctx.step(f"move_cursor_{page}", hub.store.set_cursor, FLOW, batch.cursor)
            if not batch.more:
                break
        return {"levels_pushed": pushed}


def _reconcile(ctx: FlowContext, hub: Hub, trigger: dict[str, Any]) -> dict[str, Any]:
    """Every ERP page against one bulk snapshot of the store. Each page is one step that reads the page and
    keeps only the drifted levels, so the flow's durable log holds the drift, not the catalog; the snapshot
    is read on first use (again after a crash, since it is not part of the log)."""
    snapshot = _LazySnapshot(hub)
    checked = repaired = 0
    for page in range(RECONCILE_MAX_PAGES):
        cursor = ctx.step(f"read_cursor_{page}", poll_cursor, hub.store, FLOW, trigger, page)
        drift = ctx.step(f"read_drift_{page}", snapshot.read_drift, cursor)
        if drift["levels"]:
            ctx.step(
                f"repair_{page}",
                snapshot.set_inventory,
                drift["levels"],
                idempotency_key=ctx.idempotency_key(f"repair_{page}"),
            )
        checked += drift["checked"]
        repaired += len(drift["levels"])
        ctx.step(f"move_cursor_{page}", hub.store.set_cursor, FLOW, drift["cursor"])
        if not drift["more"]:
            break
    return {"levels_checked": checked, "levels_pushed": repaired, "reconcile": True}


class _LazySnapshot:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._snapshot: Any = None

    def _get(self) -> Any:
        if self._snapshot is None:
            self._snapshot = self.hub.shop.inventory_snapshot()  # type: ignore[attr-defined]
        return self._snapshot

    def read_drift(self, cursor: str | None) -> dict[str, Any]:
        batch = self.hub.erp.inventory_changed_since(cursor)
        levels = store_levels(batch.records, self.hub)
        drifted = self._get().drifted(levels) if levels else []
        return {"levels": drifted, "checked": len(levels), "cursor": batch.cursor, "more": batch.more}

    def set_inventory(self, levels: list[InventoryLevel], *, idempotency_key: str) -> None:
        self._get().set_inventory(levels, idempotency_key=idempotency_key)


def store_levels(erp_levels: list[InventoryLevel], hub: Hub) -> list[InventoryLevel]:
    """What the store should show for each ERP level (see the module docstring for the rules)."""
    levels = []
    for level in erp_levels:
        store_location = (
            hub.location_map.get(level.location_code) if hub.location_map else level.location_code
        )
        if store_location is None:
            continue
        erp_available = min(level.available, level.on_hand - level.reserved)
        sellable = max(0, erp_available - hub.safety_stock_for(level.sku, level.location_code))
        levels.append(level.model_copy(update={"location_code": store_location, "available": sellable}))
    return levels
