"""Mutation payloads as JSON-able data: records are referenced, not embedded, so a payload can be kept for
an ``@idempotent`` replay (and persisted) and still show the record's current state when served."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from erpsync.sandboxes.shopify.queries import NODE_TABLES
from erpsync.sandboxes.shopify.views import Views

Payload = dict[str, Any]
MutationResolver = Callable[..., Payload]

_VIEW_OF_TABLE = {table: method for table, method in NODE_TABLES.values()}
_VIEW_OF_TABLE["inventory_levels"] = "inventory_level"
_VIEW_OF_TABLE["price_list_prices"] = "price_list_price"  # pricesAdded of priceListFixedPricesUpdate


def ref(table: str, number: int) -> dict[str, Any]:
    return {"__ref__": [table, number]}


def snapshot(table: str, number: int, **fields: Any) -> dict[str, Any]:
    return {"__ref__": [table, number], "__override__": fields}


def user_error(message: str, field: list[str] | None = None, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"field": field, "message": message}
    if code is not None:
        error["code"] = code
    return error


def materialize(views: Views, value: Any) -> Any:
    """Replace references with live views of the records."""
    if isinstance(value, dict):
        if "__ref__" in value:
            table, number = value["__ref__"]
            record = views.store.get(table, number)
            if record is None:
                return None
            # "__override__": fields as they were when the mutation answered (a bulk operation is CREATED)
            return {**getattr(views, _VIEW_OF_TABLE[table])(record), **value.get("__override__", {})}
        return {key: materialize(views, item) for key, item in value.items()}
    if isinstance(value, list):
        return [materialize(views, item) for item in value]
    return value
