"""Customer metafields: ``metafieldsSet`` and the ``Customer.metafield``/``metafields`` fields.

Loyalty apps keep a customer's points balance in a customer metafield (namespace and key of their choosing,
e.g. ``loyalty.points`` of type ``number_integer``). ``metafieldsSet`` creates or updates up to 25 metafields
at once, atomically: one bad input and nothing is written; ``compareDigest`` makes a write compare-and-set
(``STALE_OBJECT`` when the stored value changed since it was read), and ``compareDigest: null`` means "only
if it does not exist yet" (https://shopify.dev/docs/api/admin-graphql/latest/mutations/metafieldsSet; error
codes: https://shopify.dev/docs/api/admin-graphql/latest/enums/MetafieldsSetUserErrorCode).

Sandbox choices (docs/flows.md, "Promotions and loyalty"): only customers own metafields here; a write bumps
the customer's ``updated_at`` (so an ``updated_at`` poll sees it; unconfirmed for the real API, which is why
the loyalty poll should also run a daily reconcile).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import gid, maybe_number
from erpsync.sandboxes.shopify.store import Record

# Not payload.py's user_error: views.py imports this module, and payload.py imports views.py.
Payload = dict[str, Any]


def user_error(message: str, field: list[str], code: str) -> dict[str, Any]:
    return {"field": field, "message": message, "code": code}


MAX_METAFIELDS_PER_CALL = 25
NAMESPACE_LENGTH = (3, 255)
KEY_LENGTH = (2, 64)
_UNSET = object()


def compare_digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _valid_value(metafield_type: str, value: str) -> bool:
    if metafield_type == "number_integer":
        return value.strip().lstrip("-").isdigit()
    if metafield_type == "number_decimal":
        try:
            Decimal(value)
        except InvalidOperation:
            return False
        return True
    if metafield_type == "boolean":
        return value in ("true", "false")
    if metafield_type == "json":
        try:
            json.loads(value)
        except ValueError:
            return False
        return True
    return metafield_type in ("single_line_text_field", "multi_line_text_field")


def _errors_of(ctx: ResolveContext, index: int, data: dict[str, Any]) -> list[dict[str, Any]]:
    def error(message: str, field: str, code: str) -> dict[str, Any]:
        return {**user_error(message, ["metafields", str(index), field], code), "elementIndex": index}

    owner = ctx.store.get("customers", maybe_number(data.get("ownerId"), "Customer"))
    if owner is None:
        return [error("Owner does not exist.", "ownerId", "INVALID")]
    namespace, key = data.get("namespace") or "", data.get("key") or ""
    errors = []
    for name, text, (shortest, longest) in (
        ("namespace", namespace, NAMESPACE_LENGTH),
        ("key", key, KEY_LENGTH),
    ):
        if len(text) < shortest:
            errors.append(
                error(f"{name.title()} is too short (minimum is {shortest} characters)", name, "TOO_SHORT")
            )
        elif len(text) > longest:
            errors.append(
                error(f"{name.title()} is too long (maximum is {longest} characters)", name, "TOO_LONG")
            )
    existing = _find(owner, namespace, key)
    metafield_type = data.get("type") or (existing or {}).get("type")
    if not metafield_type:
        errors.append(error("Type can't be blank", "type", "BLANK"))
    elif not _valid_value(metafield_type, str(data.get("value", ""))):
        errors.append(
            error(f"Value must be a valid {metafield_type.replace('_', ' ')}.", "value", "INVALID_VALUE")
        )
    wanted = data.get("compareDigest", _UNSET)
    if wanted is not _UNSET:
        current = compare_digest(existing["value"]) if existing else None
        if wanted != current:
            errors.append(
                error(
                    "The resource has been updated since it was loaded. Try again with an updated "
                    "`compareDigest` value.",
                    "compareDigest",
                    "STALE_OBJECT",
                )
            )
    return errors


def _find(owner: Record, namespace: str, key: str) -> Record | None:
    return next(
        (m for m in owner.get("metafields", []) if m["namespace"] == namespace and m["key"] == key), None
    )


def metafields_set(ctx: ResolveContext, metafields: list[dict[str, Any]]) -> Payload:
    store = ctx.store
    if len(metafields) > MAX_METAFIELDS_PER_CALL:
        return {
            "metafields": None,
            "userErrors": [
                user_error(
                    f"Exceeded the maximum metafields input limit of {MAX_METAFIELDS_PER_CALL}.",
                    ["metafields"],
                    "LESS_THAN_OR_EQUAL_TO",
                )
            ],
        }
    errors = [e for index, data in enumerate(metafields) for e in _errors_of(ctx, index, data)]
    if errors:
        return {"metafields": None, "userErrors": errors}  # atomic: nothing is written
    written = []
    now = store.now()
    for data in metafields:
        owner = store.get("customers", maybe_number(data["ownerId"], "Customer"))
        assert owner is not None  # checked above
        metafield = _find(owner, data["namespace"], data["key"])
        if metafield is None:
            metafield = {
                "id": store.new_id(),
                "namespace": data["namespace"],
                "key": data["key"],
                "type": data["type"],
                "created_at": now,
            }
            owner.setdefault("metafields", []).append(metafield)
        metafield.update(value=str(data["value"]), updated_at=now, type=data.get("type") or metafield["type"])
        store.touch(owner)
        written.append(metafield_view(owner, metafield))
    return {"metafields": written, "userErrors": []}


def metafield_view(owner: Record, metafield: Record) -> dict[str, Any]:
    return {
        "__typename": "Metafield",
        "id": gid("Metafield", metafield["id"]),
        "namespace": metafield["namespace"],
        "key": metafield["key"],
        "type": metafield["type"],
        "value": metafield["value"],
        "compareDigest": compare_digest(metafield["value"]),
        "ownerType": "CUSTOMER",
        "createdAt": metafield["created_at"],
        "updatedAt": metafield["updated_at"],
    }


def owner_fields(owner: Record, page: Any) -> dict[str, Any]:
    """The ``metafield(namespace:, key:)`` and ``metafields(first:, namespace:)`` fields of an owner's view;
    ``page`` is the views' connection pager."""

    def one(_info: Any, key: str, namespace: str | None = None) -> dict[str, Any] | None:
        found = _find(owner, namespace or "", key)
        return metafield_view(owner, found) if found else None

    def many(_info: Any, namespace: str | None = None, **args: Any) -> Any:
        rows = [m for m in owner.get("metafields", []) if namespace is None or m["namespace"] == namespace]
        return page(rows, lambda m: metafield_view(owner, m), args)

    return {"metafield": one, "metafields": many}


MUTATIONS: dict[str, Callable[..., Payload]] = {"metafieldsSet": metafields_set}
