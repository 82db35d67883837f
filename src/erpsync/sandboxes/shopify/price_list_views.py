"""B2B price lists and catalogs seen through the GraphQL schema, and their QueryRoot fields.

    priceList(id: "gid://shopify/PriceList/1000000101") {
      name currency parent { adjustment { type value } } catalog { id title }
      prices(first: 10, originType: FIXED) {
        nodes { variant { id } price { amount currencyCode } originType }
      }
    }

A price list prices every variant of the shop: a FIXED price where ``priceListFixedPricesUpdate`` set one,
else a RELATIVE price, the variant's price adjusted by the list's parent percentage
(https://shopify.dev/docs/api/admin-graphql/latest/objects/PriceListPrice,
https://shopify.dev/docs/api/admin-graphql/latest/enums/PriceListPriceOriginType,
https://shopify.dev/docs/apps/build/b2b/manage-catalogs). Relative prices keep the shop's amounts in the
list's currency: the sandbox has no exchange rates [UNCONF: Shopify converts them at its rates].

A catalog (https://shopify.dev/docs/api/admin-graphql/latest/interfaces/Catalog) is always a
``CompanyLocationCatalog`` here (https://shopify.dev/docs/api/admin-graphql/latest/objects/CompanyLocationCatalog);
market and app catalogs are not modelled, so ``catalogs(type: MARKET)`` is empty.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from erpsync.sandboxes.shopify.ids import gid
from erpsync.sandboxes.shopify.search import search
from erpsync.sandboxes.shopify.store import Record, ShopStore, money

if TYPE_CHECKING:  # views.py imports this module to serve these types
    from erpsync.sandboxes.shopify.views import View, Views

HUNDRED = Decimal(100)


# ------------------------------------------------------------------ lookups shared with price_lists.py
def fixed_prices_of(store: ShopStore, price_list_id: int) -> dict[int, Record]:
    """The list's fixed prices by variant id."""
    return {
        row["variant_id"]: row
        for row in store.rows("price_list_prices")
        if row["price_list_id"] == price_list_id
    }


def catalog_of_price_list(store: ShopStore, price_list_id: int) -> Record | None:
    return next((c for c in store.rows("catalogs") if c.get("price_list_id") == price_list_id), None)


def catalogs_of_location(store: ShopStore, location_id: int) -> list[Record]:
    return [c for c in store.rows("catalogs") if location_id in c["company_location_ids"]]


def relative_amount(amount: str | None, adjustment: Record) -> str | None:
    """``amount`` moved by the list's percentage: 10 % off 20.00 is 18.00."""
    if amount is None:
        return None
    percent = Decimal(str(adjustment["value"]))
    factor = (
        HUNDRED - percent if adjustment["type"] == "PERCENTAGE_DECREASE" else HUNDRED + percent
    ) / HUNDRED
    return money(Decimal(amount) * factor)


# ------------------------------------------------------------------ views
def price_list(views: Views, record: Record) -> View:
    store = views.store

    def prices(_info: Any, **args: Any) -> View:
        fixed = fixed_prices_of(store, record["id"])
        origin = args.get("originType")
        rows = [
            {"id": variant["id"], "variant": variant, "fixed": fixed.get(variant["id"])}
            for variant in store.rows("variants")
            if origin is None or (origin == "FIXED") == (variant["id"] in fixed)
        ]
        return views.page(rows, lambda row: _price(views, record, row["variant"], row["fixed"]), args)

    catalog = catalog_of_price_list(store, record["id"])
    return {
        "__typename": "PriceList",
        "id": gid("PriceList", record["id"]),
        "name": record["name"],
        "currency": record["currency"],
        "fixedPricesCount": len(fixed_prices_of(store, record["id"])),
        "parent": {"adjustment": dict(record["adjustment"])},
        "catalog": (lambda _info: views.catalog(catalog)) if catalog else None,
        "prices": prices,
    }


def price_list_price(views: Views, fixed: Record) -> View:
    """One fixed price (``pricesAdded`` of ``priceListFixedPricesUpdate``)."""
    record = views.store.tables["price_lists"][fixed["price_list_id"]]
    return _price(views, record, views.store.tables["variants"][fixed["variant_id"]], fixed)


def _price(views: Views, price_list: Record, variant: Record, fixed: Record | None) -> View:
    if fixed is not None:
        return {
            "variant": lambda _info: views.variant(variant),
            "price": fixed["price"],
            "compareAtPrice": fixed.get("compare_at_price"),
            "originType": "FIXED",
        }
    currency, adjustment = price_list["currency"], price_list["adjustment"]
    compare_at = relative_amount(variant.get("compare_at_price"), adjustment)
    return {
        "variant": lambda _info: views.variant(variant),
        "price": {"amount": relative_amount(variant["price"], adjustment), "currencyCode": currency},
        "compareAtPrice": {"amount": compare_at, "currencyCode": currency} if compare_at else None,
        "originType": "RELATIVE",
    }


def catalog(views: Views, record: Record) -> View:
    store = views.store
    price_list_record = store.get("price_lists", record.get("price_list_id"))

    def locations() -> list[Record]:
        rows = store.tables["company_locations"]
        return [rows[n] for n in record["company_location_ids"] if n in rows]

    return {
        "__typename": "CompanyLocationCatalog",
        "id": gid("CompanyLocationCatalog", record["id"]),
        "title": record["title"],
        "status": record["status"],
        "priceList": (lambda _info: views.price_list(price_list_record)) if price_list_record else None,
        "companyLocations": lambda _info, **args: views.page(locations(), views.company_location, args),
        "companyLocationsCount": views.count(len(locations())),
    }


# ------------------------------------------------------------------ QueryRoot fields
def price_lists(views: Views, **args: Any) -> View:
    return views.page(list(views.store.rows("price_lists")), views.price_list, args)


def catalogs(views: Views, **args: Any) -> View:
    # every sandbox catalog is a company location catalog [see module docstring]
    wanted = args.get("type")
    rows = list(views.store.rows("catalogs")) if wanted in (None, "COMPANY_LOCATION") else []
    rows = search(rows, args.get("query"), _catalog_search_fields)
    return views.page(rows, views.catalog, args)


def _catalog_search_fields(record: Record) -> dict[str, Any]:
    return {
        "id": record["id"],
        "title": record["title"],
        "status": record["status"].lower(),
        "default": [record["title"]],
    }
