"""Discount mutations: ``discountCodeBasicCreate`` (a code worth a percentage or an amount off) and
``discountCodeBasicUpdate`` (changes the fields given, keeps the others; a code already used by another
discount is refused as on create; https://shopify.dev/docs/api/admin-graphql/latest/mutations/discountCodeBasicUpdate).

``customerGets.value.percentage`` is a fraction (0.1 = 10%), as in Shopify's ``DiscountPercentage``
(https://shopify.dev/docs/api/admin-graphql/latest/mutations/discountCodeBasicCreate).
"""

from __future__ import annotations

from typing import Any

from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import gid, maybe_number
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, ref, user_error
from erpsync.sandboxes.shopify.store import Record, ShopStore, money
from erpsync.sandboxes.shopify.views import discount_status

FIELD = ["basicCodeDiscount"]


def discount_code_basic_create(ctx: ResolveContext, basicCodeDiscount: dict[str, Any]) -> Payload:
    store, data = ctx.store, basicCodeDiscount
    errors = []
    if not data.get("title"):
        errors.append(user_error("Title can't be blank", [*FIELD, "title"], "BLANK"))
    code = (data.get("code") or "").strip()
    errors += _code_errors(store, code, None)
    value = ((data.get("customerGets") or {}).get("value")) or {}
    if value.get("percentage") is not None:
        errors += _percentage_errors(value["percentage"])
        value_type, amount = "percentage", str(value["percentage"])
    elif (value.get("discountAmount") or {}).get("amount") is not None:
        value_type, amount = "fixed_amount", money(value["discountAmount"]["amount"])
    else:
        errors.append(
            user_error("Customer gets value is required", [*FIELD, "customerGets", "value"], "BLANK")
        )
        value_type, amount = "percentage", "0"
    if errors:
        return {"codeDiscountNode": None, "userErrors": errors}
    record = store.add(
        "discounts",
        {
            "title": data["title"],
            "code": code,
            "code_id": store.new_id(),
            "starts_at": data.get("startsAt") or store.now(),
            "ends_at": data.get("endsAt"),
            "usage_limit": data.get("usageLimit"),
            "applies_once_per_customer": bool(data.get("appliesOncePerCustomer")),
            "value_type": value_type,
            "value": amount,
            "applies_on_each_item": bool((value.get("discountAmount") or {}).get("appliesOnEachItem")),
            "usage_count": 0,
        },
    )
    ctx.emit(store, "discounts/create", _discount_event(store, record))
    return {"codeDiscountNode": ref("discounts", record["id"]), "userErrors": []}


MUTATIONS: dict[str, MutationResolver] = {"discountCodeBasicCreate": discount_code_basic_create}


def discount_code_basic_update(ctx: ResolveContext, id: str, basicCodeDiscount: dict[str, Any]) -> Payload:
    store, data = ctx.store, basicCodeDiscount
    record = store.get("discounts", maybe_number(id, "DiscountCodeNode"))
    if record is None:
        return {"codeDiscountNode": None, "userErrors": [user_error("Discount does not exist", ["id"])]}
    errors = []
    if "title" in data and not data["title"]:
        errors.append(user_error("Title can't be blank", [*FIELD, "title"], "BLANK"))
    code = (data.get("code") or "").strip() if "code" in data else record["code"]
    errors += _code_errors(store, code, record["id"])
    value = ((data.get("customerGets") or {}).get("value")) or {}
    changes: dict[str, Any] = {}
    if value.get("percentage") is not None:
        errors += _percentage_errors(value["percentage"])
        changes.update(value_type="percentage", value=str(value["percentage"]))
    elif (value.get("discountAmount") or {}).get("amount") is not None:
        changes.update(
            value_type="fixed_amount",
            value=money(value["discountAmount"]["amount"]),
            applies_on_each_item=bool(value["discountAmount"].get("appliesOnEachItem")),
        )
    starts_at = data.get("startsAt", record["starts_at"]) or record["starts_at"]
    ends_at = data.get("endsAt", record.get("ends_at"))
    if ends_at and ends_at <= starts_at:
        errors.append(
            user_error(
                "Ends at needs to be after starts_at", [*FIELD, "endsAt"], "END_DATE_BEFORE_START_DATE"
            )
        )
    if errors:
        return {"codeDiscountNode": None, "userErrors": errors}
    for key, column in (
        ("title", "title"),
        ("usageLimit", "usage_limit"),
        ("appliesOncePerCustomer", "applies_once_per_customer"),
    ):
        if key in data:
            changes[column] = data[key]
    record.update(changes, code=code, starts_at=starts_at, ends_at=ends_at)
    store.touch(record)
    ctx.emit(store, "discounts/update", _discount_event(store, record))
    return {"codeDiscountNode": ref("discounts", record["id"]), "userErrors": []}


MUTATIONS["discountCodeBasicUpdate"] = discount_code_basic_update


def _code_errors(store: ShopStore, code: str, own_id: int | None) -> list[dict[str, Any]]:
    """A code is required and unique in the shop, whatever its case (the discount itself aside)."""
    if not code:
        return [user_error("Code can't be blank", [*FIELD, "code"], "BLANK")]
    if any(d["code"].lower() == code.lower() and d["id"] != own_id for d in store.rows("discounts")):
        return [user_error("Code must be unique. Please try a different code.", [*FIELD, "code"], "TAKEN")]
    return []


def _percentage_errors(percentage: float) -> list[dict[str, Any]]:
    if 0 < percentage <= 1:
        return []
    path = [*FIELD, "customerGets", "value", "percentage"]
    return [user_error("Value must be between 0.0 and 1.0", path, "VALUE_OUTSIDE_RANGE")]


def _discount_event(store: ShopStore, record: Record) -> dict[str, Any]:
    """The body of the discounts/create and discounts/update webhooks."""
    return {
        "admin_graphql_api_id": gid("DiscountCodeNode", record["id"]),
        "created_at": record["created_at"],
        "status": discount_status(record, store.now()),
        "title": record["title"],
        "updated_at": record["updated_at"],
    }
