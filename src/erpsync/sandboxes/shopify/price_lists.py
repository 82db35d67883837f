"""B2B price list and catalog mutations; the views and queries are in ``price_list_views.py``.

- ``priceListCreate`` / ``priceListUpdate``: a name unique in the shop (TAKEN), a currency, a parent
  percentage adjustment (a negative value or a decrease over 100 % is refused), optionally the catalog the
  list prices. A catalog holds one price list: on create, "if the catalog was already associated with
  another price list then it will be unlinked"
  (https://shopify.dev/docs/api/admin-graphql/latest/input-objects/PriceListCreateInput); on update the
  sandbox answers CATALOG_TAKEN ("Catalog has a price list already assigned") instead [UNCONF]
  (https://shopify.dev/docs/api/admin-graphql/latest/mutations/priceListCreate,
  https://shopify.dev/docs/api/admin-graphql/latest/mutations/priceListUpdate,
  https://shopify.dev/docs/api/admin-graphql/latest/enums/PriceListUserErrorCode).
- ``priceListFixedPricesUpdate``: fixed prices added (a variant's earlier fixed price is replaced) and
  deleted in one call, all or nothing [UNCONF: whether Shopify applies the valid part]; a price must be
  in the list's currency (https://shopify.dev/docs/api/admin-graphql/latest/mutations/priceListFixedPricesUpdate,
  https://shopify.dev/docs/api/admin-graphql/latest/enums/PriceListPriceUserErrorCode). More than 250
  prices in one call is the API-wide input limit, a top-level MAX_INPUT_SIZE_EXCEEDED error served by
  ``graphql_server`` (https://shopify.dev/docs/api/usage/limits), not a userError: the error enum has no
  code for it.
- ``catalogCreate`` / ``catalogContextUpdate``: company location catalogs; an unknown location is
  COMPANY_LOCATION_NOT_FOUND (https://shopify.dev/docs/api/admin-graphql/latest/mutations/catalogCreate,
  https://shopify.dev/docs/api/admin-graphql/latest/mutations/catalogContextUpdate,
  https://shopify.dev/docs/api/admin-graphql/latest/enums/CatalogUserErrorCode).
"""

from __future__ import annotations

from decimal import InvalidOperation
from typing import Any

from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import maybe_number
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, ref, user_error
from erpsync.sandboxes.shopify.price_list_views import catalog_of_price_list, fixed_prices_of
from erpsync.sandboxes.shopify.store import Record, ShopStore, money

Errors = list[dict[str, Any]]

MAX_NAME_LENGTH = 255  # [UNCONF] the documented TOO_LONG code names no length
MAX_DECREASE_PERCENT = 100  # a decrease over 100 % would price variants below zero


# ------------------------------------------------------------------ price lists
def price_list_create(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    store = ctx.store
    adjustment = input["parent"]["adjustment"]
    errors = _name_errors(store, input["name"], None) + _adjustment_errors(adjustment, "parent")
    catalog, catalog_errors = _catalog_to_price(store, input.get("catalogId"), None, unlink_taken=True)
    if errors or catalog_errors:
        return {"priceList": None, "userErrors": errors + catalog_errors}
    record = store.add(
        "price_lists",
        {
            "name": input["name"].strip(),
            "currency": input["currency"],
            "adjustment": {"type": adjustment["type"], "value": adjustment["value"]},
        },
    )
    if catalog is not None:
        _attach(store, catalog, record["id"])
    return {"priceList": ref("price_lists", record["id"]), "userErrors": []}


def price_list_update(ctx: ResolveContext, id: str, input: dict[str, Any]) -> Payload:
    store = ctx.store
    record = store.get("price_lists", maybe_number(id, "PriceList"))
    if record is None:
        missing = user_error("Price list does not exist.", ["id"], "PRICE_LIST_NOT_FOUND")
        return {"priceList": None, "userErrors": [missing]}
    errors: Errors = []
    if input.get("name") is not None:
        errors += _name_errors(store, input["name"], record["id"])
    adjustment = (input.get("parent") or {}).get("adjustment")
    if adjustment is not None:
        errors += _adjustment_errors(adjustment, "parent")
    catalog, catalog_errors = _catalog_to_price(
        store, input.get("catalogId"), record["id"], unlink_taken=False
    )
    if errors or catalog_errors:
        return {"priceList": None, "userErrors": errors + catalog_errors}
    if input.get("name") is not None:
        record["name"] = input["name"].strip()
    if input.get("currency") is not None:
        record["currency"] = input["currency"]
    if adjustment is not None:
        record["adjustment"] = {"type": adjustment["type"], "value": adjustment["value"]}
    if catalog is not None:
        _attach(store, catalog, record["id"])
    store.touch(record)
    return {"priceList": ref("price_lists", record["id"]), "userErrors": []}


def _name_errors(store: ShopStore, name: str, own_id: int | None) -> Errors:
    name = name.strip()
    if not name:
        return [user_error("Name can't be blank", ["input", "name"], "BLANK")]
    if len(name) > MAX_NAME_LENGTH:
        return [user_error("Name is too long", ["input", "name"], "TOO_LONG")]
    # [UNCONF] whether Shopify compares names case-insensitively; the sandbox compares them exactly
    if any(p["name"] == name and p["id"] != own_id for p in store.rows("price_lists")):
        return [user_error("Name has already been taken", ["input", "name"], "TAKEN")]
    return []


def _adjustment_errors(adjustment: dict[str, Any], parent_field: str) -> Errors:
    path = ["input", parent_field, "adjustment", "value"]
    value = adjustment["value"]
    if value < 0:
        return [user_error("Adjustment value must be at least 0", path, "INVALID_ADJUSTMENT_MIN_VALUE")]
    if adjustment["type"] == "PERCENTAGE_DECREASE" and value > MAX_DECREASE_PERCENT:
        message = f"A percentage decrease can't be more than {MAX_DECREASE_PERCENT}"
        return [user_error(message, path, "INVALID_ADJUSTMENT_MAX_VALUE")]
    return []


def _catalog_to_price(
    store: ShopStore, catalog_id: str | None, price_list_id: int | None, *, unlink_taken: bool
) -> tuple[Record | None, Errors]:
    """The catalog ``catalogId`` names, or the userErrors that refuse it; one priced by another list is
    refused unless ``unlink_taken`` (then attaching this list unlinks the other)."""
    if catalog_id is None:
        return None, []
    catalog = store.get("catalogs", maybe_number(catalog_id, "CompanyLocationCatalog"))
    field = ["input", "catalogId"]
    if catalog is None:
        return None, [user_error("Catalog does not exist.", field, "CATALOG_DOES_NOT_EXIST")]
    if not unlink_taken and catalog.get("price_list_id") not in (None, price_list_id):
        return None, [user_error("Catalog has a price list already assigned.", field, "CATALOG_TAKEN")]
    return catalog, []


def _attach(store: ShopStore, catalog: Record, price_list_id: int) -> None:
    """A price list prices one catalog: moving it leaves its former catalog without one."""
    former = catalog_of_price_list(store, price_list_id)
    if former is not None and former["id"] != catalog["id"]:
        former["price_list_id"] = None
        store.touch(former)
    catalog["price_list_id"] = price_list_id
    store.touch(catalog)


# ------------------------------------------------------------------ fixed prices
def price_list_fixed_prices_update(
    ctx: ResolveContext, priceListId: str, pricesToAdd: list[dict[str, Any]], variantIdsToDelete: list[str]
) -> Payload:
    store = ctx.store
    price_list = store.get("price_lists", maybe_number(priceListId, "PriceList"))
    if price_list is None:
        missing = user_error("Price list does not exist.", ["priceListId"], "PRICE_LIST_NOT_FOUND")
        return _prices_refused([missing])
    fixed = fixed_prices_of(store, price_list["id"])
    errors = [
        *_price_errors(store, price_list, pricesToAdd),
        *_deletion_errors(store, fixed, variantIdsToDelete),
    ]
    if errors:
        return _prices_refused(errors)
    added = [_set_fixed_price(store, price_list["id"], fixed, price) for price in pricesToAdd]
    for variant_id in variantIdsToDelete:
        number = _variant_number(variant_id)
        assert number is not None  # checked by _deletion_errors
        store.tables["price_list_prices"].pop(fixed[number]["id"])
    store.touch(price_list)
    return {
        "priceList": ref("price_lists", price_list["id"]),
        "pricesAdded": [ref("price_list_prices", row["id"]) for row in added],
        "deletedFixedPriceVariantIds": list(variantIdsToDelete),
        "userErrors": [],
    }


def _prices_refused(errors: Errors) -> Payload:
    return {"priceList": None, "pricesAdded": [], "deletedFixedPriceVariantIds": [], "userErrors": errors}


def _variant_number(variant_id: str) -> int | None:
    return maybe_number(variant_id, "ProductVariant")


def _price_errors(store: ShopStore, price_list: Record, prices: list[dict[str, Any]]) -> Errors:
    errors: Errors = []
    for index, price in enumerate(prices):
        path = ["pricesToAdd", str(index)]
        if store.get("variants", _variant_number(price["variantId"])) is None:
            errors.append(user_error("Variant does not exist.", [*path, "variantId"], "VARIANT_NOT_FOUND"))
        for money_field in ("price", "compareAtPrice"):
            amount = price.get(money_field)
            if amount is not None and amount["currencyCode"] != price_list["currency"]:
                errors.append(
                    user_error(
                        f"The currency {amount['currencyCode']} doesn't match the price list's "
                        f"currency {price_list['currency']}.",
                        [*path, money_field, "currencyCode"],
                        "PRICE_LIST_CURRENCY_MISMATCH",
                    )
                )
            elif amount is not None and _amount(amount["amount"]) is None:
                errors.append(user_error("Amount is invalid", [*path, money_field, "amount"], "BLANK"))
    return errors


def _deletion_errors(store: ShopStore, fixed: dict[int, Record], variant_ids: list[str]) -> Errors:
    errors: Errors = []
    for index, variant_id in enumerate(variant_ids):
        path = ["variantIdsToDelete", str(index)]
        number = _variant_number(variant_id)
        if store.get("variants", number) is None:
            errors.append(user_error("Variant does not exist.", path, "VARIANT_NOT_FOUND"))
        elif number not in fixed:
            # the variant has only its relative price, which cannot be deleted
            errors.append(user_error("Only fixed prices can be deleted.", path, "PRICE_NOT_FIXED"))
    return errors


def _amount(value: Any) -> str | None:
    try:
        return money(value)
    except (InvalidOperation, ValueError):
        return None


def _set_fixed_price(
    store: ShopStore, price_list_id: int, fixed: dict[int, Record], price: dict[str, Any]
) -> Record:
    variant_id = _variant_number(price["variantId"])
    assert variant_id is not None  # checked by _price_errors
    compare_at = price.get("compareAtPrice")
    values = {
        "price": {
            "amount": _amount(price["price"]["amount"]),
            "currencyCode": price["price"]["currencyCode"],
        },
        "compare_at_price": (
            {"amount": _amount(compare_at["amount"]), "currencyCode": compare_at["currencyCode"]}
            if compare_at
            else None
        ),
    }
    row = fixed.get(variant_id)
    if row is not None:  # a variant has one fixed price per list: a new one replaces it
        row.update(values)
        return store.touch(row)
    row = store.add("price_list_prices", {"price_list_id": price_list_id, "variant_id": variant_id, **values})
    fixed[variant_id] = row
    return row


# ------------------------------------------------------------------ catalogs
def catalog_create(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    store = ctx.store
    errors: Errors = []
    title = input["title"].strip()
    if not title:
        errors.append(user_error("Title can't be blank", ["input", "title"], "BLANK"))
    location_ids = input["context"].get("companyLocationIds") or []
    if not location_ids:
        # [UNCONF] the message; the sandbox models company location catalogs only
        errors.append(
            user_error(
                "Must provide exactly one context type.",
                ["input", "context"],
                "MUST_PROVIDE_EXACTLY_ONE_CONTEXT_TYPE",
            )
        )
    locations, location_errors = _company_locations(store, location_ids, ["input", "context"])
    errors += location_errors + _price_list_errors(store, input.get("priceListId"))
    if errors:
        return {"catalog": None, "userErrors": errors}
    record = store.add(
        "catalogs",
        {
            "title": title,
            "status": input["status"],
            "company_location_ids": locations,
            "price_list_id": maybe_number(input.get("priceListId"), "PriceList"),
            "publication_id": input.get("publicationId"),  # kept, not modelled: no publications here
        },
    )
    return {"catalog": ref("catalogs", record["id"]), "userErrors": []}


def catalog_context_update(
    ctx: ResolveContext,
    catalogId: str,
    contextsToAdd: dict[str, Any] | None = None,
    contextsToRemove: dict[str, Any] | None = None,
) -> Payload:
    store = ctx.store
    catalog = store.get("catalogs", maybe_number(catalogId, "CompanyLocationCatalog"))
    if catalog is None:
        missing = user_error("Catalog does not exist.", ["catalogId"], "CATALOG_NOT_FOUND")
        return {"catalog": None, "userErrors": [missing]}
    to_add = (contextsToAdd or {}).get("companyLocationIds") or []
    to_remove = (contextsToRemove or {}).get("companyLocationIds") or []
    if not to_add and not to_remove:
        message = "Must provide contexts to add or remove."
        return {
            "catalog": None,
            "userErrors": [user_error(message, None, "REQUIRES_CONTEXTS_TO_ADD_OR_REMOVE")],
        }
    added, errors = _company_locations(store, to_add, ["contextsToAdd"])
    removed, remove_errors = _company_locations(store, to_remove, ["contextsToRemove"])
    if errors or remove_errors:
        return {"catalog": None, "userErrors": errors + remove_errors}
    kept = [n for n in catalog["company_location_ids"] if n not in removed]
    catalog["company_location_ids"] = kept + [n for n in added if n not in kept]
    store.touch(catalog)
    return {"catalog": ref("catalogs", catalog["id"]), "userErrors": []}


def _company_locations(store: ShopStore, ids: list[str], path: list[str]) -> tuple[list[int], Errors]:
    """The location numbers, in order and once each, or COMPANY_LOCATION_NOT_FOUND for each unknown id."""
    numbers: list[int] = []
    errors: Errors = []
    for index, location_id in enumerate(ids):
        number = maybe_number(location_id, "CompanyLocation")
        if store.get("company_locations", number) is None or number is None:
            field = [*path, "companyLocationIds", str(index)]
            errors.append(user_error("Company location not found.", field, "COMPANY_LOCATION_NOT_FOUND"))
        elif number not in numbers:
            numbers.append(number)
    return numbers, errors


def _price_list_errors(store: ShopStore, price_list_id: str | None) -> Errors:
    if price_list_id is None:
        return []
    number = maybe_number(price_list_id, "PriceList")
    field = ["input", "priceListId"]
    if store.get("price_lists", number) is None or number is None:
        return [user_error("Price list not found.", field, "PRICE_LIST_NOT_FOUND")]
    if catalog_of_price_list(store, number) is not None:
        # [UNCONF] the code: CatalogUserErrorCode documents no code specific to this case
        return [user_error("Price list is already assigned to another catalog.", field, "TAKEN")]
    return []


MUTATIONS: dict[str, MutationResolver] = {
    "priceListCreate": price_list_create,
    "priceListUpdate": price_list_update,
    "priceListFixedPricesUpdate": price_list_fixed_prices_update,
    "catalogCreate": catalog_create,
    "catalogContextUpdate": catalog_context_update,
}
