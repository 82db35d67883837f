"""Inventory mutations: ``inventoryActivate``, ``inventorySetQuantities``, ``inventoryAdjustQuantities``.

``inventorySetQuantities`` is compare-and-set: each quantity carries the value the client last read
(``compareQuantity``, or ``changeFromQuantity`` from 2026-04) and nothing is written when one is stale, unless
``ignoreCompareQuantity: true`` (https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventorySetQuantities).
A request is all or nothing: any user error leaves every level unchanged.
"""

from __future__ import annotations

from typing import Any

from erpsync.sandboxes.shopify import rest
from erpsync.sandboxes.shopify.catalog import ensure_level
from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import maybe_number
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, ref, user_error
from erpsync.sandboxes.shopify.store import Record, ShopStore
from erpsync.sandboxes.shopify.views import QUANTITY_NAMES, quantity

# https://shopify.dev/docs/apps/build/orders-fulfillment/inventory-management-apps/manage-quantities-states
REASONS = {
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
}
SETTABLE_NAMES = {"available", "on_hand"}
ADJUSTABLE_NAMES = set(QUANTITY_NAMES) - {"committed"}


def _apply(level: Record, name: str, delta: int) -> list[tuple[str, int, int]]:
    """Change one quantity; the changes as (name, delta, quantity after), on_hand included when it moves."""
    target = "available" if name == "on_hand" else name
    level["quantities"][target] = int(level["quantities"].get(target, 0)) + delta
    changes = [(target, delta, quantity(level, target))]
    if target != "incoming":
        changes.append(("on_hand", delta, quantity(level, "on_hand")))
    return changes


def _record_group(
    store: ShopStore,
    reason: str,
    reference: str | None,
    changes: list[tuple[Record, str, int, int, str | None]],
) -> Record:
    return store.add(
        "adjustment_groups",
        {
            "reason": reason,
            "reference_document_uri": reference,
            "changes": [
                {
                    "inventory_item_id": level["inventory_item_id"],
                    "location_id": level["location_id"],
                    "name": name,
                    "delta": delta,
                    "quantity_after_change": after,
                    "ledger_document_uri": ledger,
                }
                for level, name, delta, after, ledger in changes
            ],
        },
    )


def _locate(
    store: ShopStore,
    item_gid: str,
    location_gid: str,
    field: list[str],
    error_code: str = "INVALID_INVENTORY_ITEM",
) -> tuple[Record | None, dict[str, Any] | None]:
    item_id = maybe_number(item_gid, "InventoryItem")
    location_id = maybe_number(location_gid, "Location")
    if store.get("inventory_items", item_id) is None:
        return None, user_error(
            "The specified inventory item could not be found.", [*field, "inventoryItemId"], error_code
        )
    if store.get("locations", location_id) is None:
        return None, user_error(
            "The specified location could not be found.", [*field, "locationId"], "INVALID_LOCATION"
        )
    level = store.inventory_level(item_id, location_id)  # type: ignore[arg-type]
    if level is None:
        return None, user_error(
            "The specified inventory item is not stocked at the location.",
            [*field, "locationId"],
            "ITEM_NOT_STOCKED_AT_LOCATION",
        )
    return level, None


def inventory_set_quantities(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    store, name = ctx.store, input["name"]
    errors = []
    if name not in SETTABLE_NAMES:
        errors.append(
            user_error(
                "The quantity name must be either 'available' or 'on_hand'.",
                ["input", "name"],
                "INVALID_NAME",
            )
        )
    if input["reason"] not in REASONS:
        errors.append(user_error("The specified reason is invalid.", ["input", "reason"], "INVALID_REASON"))
    planned: list[tuple[Record, int]] = []
    for index, entry in enumerate(input["quantities"]):
        field = ["input", "quantities", str(index)]
        level, problem = _locate(store, entry["inventoryItemId"], entry["locationId"], field)
        if problem:
            errors.append(problem)
            continue
        assert level is not None
        current = quantity(level, name) if name in SETTABLE_NAMES else 0
        stale = _stale(entry, current, bool(input.get("ignoreCompareQuantity")), field)
        if stale:
            errors.append(stale)
            continue
        planned.append((level, entry["quantity"] - current))
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    return _commit(ctx, input, [(level, name, delta, None) for level, delta in planned])


def _stale(entry: dict[str, Any], current: int, ignore: bool, field: list[str]) -> dict[str, Any] | None:
    if entry.get("changeFromQuantity") is not None:
        if entry["changeFromQuantity"] != current:
            return user_error(
                "The specified change from quantity does not match the current quantity.",
                [*field, "changeFromQuantity"],
                "CHANGE_FROM_QUANTITY_STALE",
            )
        return None
    if ignore:
        return None
    if entry.get("compareQuantity") is None:
        return user_error(
            "The compareQuantity argument must be given to each quantity or ignored using "
            "ignoreCompareQuantity.",
            [*field, "compareQuantity"],
            "COMPARE_QUANTITY_REQUIRED",
        )
    if entry["compareQuantity"] != current:
        return user_error(
            "The specified compare quantity is stale.", [*field, "compareQuantity"], "COMPARE_QUANTITY_STALE"
        )
    return None


def _commit(
    ctx: ResolveContext, input: dict[str, Any], planned: list[tuple[Record, str, int, str | None]]
) -> Payload:
    store = ctx.store
    changes: list[tuple[Record, str, int, int, str | None]] = []
    for level, name, delta, ledger in planned:
        for changed_name, changed_delta, after in _apply(level, name, delta):
            changes.append((level, changed_name, changed_delta, after, ledger))
        store.touch(level)
    group = _record_group(store, input["reason"], input.get("referenceDocumentUri"), changes)
    for level in {id(level): level for level, *_ in planned}.values():
        ctx.emit(store, "inventory_levels/update", rest.inventory_level(level))
    return {"inventoryAdjustmentGroup": ref("adjustment_groups", group["id"]), "userErrors": []}


def inventory_adjust_quantities(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    store, name = ctx.store, input["name"]
    errors = []
    if name not in ADJUSTABLE_NAMES:
        errors.append(
            user_error(
                f"The quantity name '{name}' cannot be adjusted.", ["input", "name"], "INVALID_QUANTITY_NAME"
            )
        )
    if input["reason"] not in REASONS:
        errors.append(user_error("The specified reason is invalid.", ["input", "reason"], "INVALID_REASON"))
    planned: list[tuple[Record, str, int, str | None]] = []
    for index, change in enumerate(input["changes"]):
        field = ["input", "changes", str(index)]
        level, problem = _locate(store, change["inventoryItemId"], change["locationId"], field)
        if problem:
            errors.append(problem)
            continue
        assert level is not None
        if change.get("changeFromQuantity") is not None and change["changeFromQuantity"] != quantity(
            level, name
        ):
            errors.append(
                user_error(
                    "The specified change from quantity does not match the current quantity.",
                    [*field, "changeFromQuantity"],
                    "CHANGE_FROM_QUANTITY_STALE",
                )
            )
            continue
        planned.append((level, name, change["delta"], change.get("ledgerDocumentUri")))
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    return _commit(ctx, input, planned)


def inventory_activate(
    ctx: ResolveContext,
    inventoryItemId: str,
    locationId: str,
    available: int | None = None,
    onHand: int | None = None,
) -> Payload:
    store = ctx.store
    item_id = maybe_number(inventoryItemId, "InventoryItem")
    location_id = maybe_number(locationId, "Location")
    if store.get("inventory_items", item_id) is None or item_id is None:
        return {
            "inventoryLevel": None,
            "userErrors": [user_error("Inventory item does not exist", ["inventoryItemId"])],
        }
    if store.get("locations", location_id) is None or location_id is None:
        return {"inventoryLevel": None, "userErrors": [user_error("Location does not exist", ["locationId"])]}
    existed = store.inventory_level(item_id, location_id) is not None
    level = ensure_level(store, item_id, location_id)
    if not existed and (available is not None or onHand is not None):
        level["quantities"]["available"] = available if available is not None else onHand
        store.touch(level)
    if not existed:
        ctx.emit(store, "inventory_levels/connect", rest.inventory_level(level))
    return {"inventoryLevel": ref("inventory_levels", level["id"]), "userErrors": []}


MUTATIONS: dict[str, MutationResolver] = {
    "inventoryActivate": inventory_activate,
    "inventorySetQuantities": inventory_set_quantities,
    "inventoryAdjustQuantities": inventory_adjust_quantities,
}
