"""QueryRoot fields: ``shop``, ``products``, ``orders``... each a function of the views and the arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from erpsync.sandboxes.shopify import price_list_views
from erpsync.sandboxes.shopify.ids import maybe_number, parse_gid
from erpsync.sandboxes.shopify.payouts import shopify_payments_account
from erpsync.sandboxes.shopify.search import search
from erpsync.sandboxes.shopify.store import Record
from erpsync.sandboxes.shopify.views import (
    View,
    Views,
    fulfillment_order_search_fields,
    level_search_fields,
    order_search_fields,
)

QueryResolver = Callable[..., Any]

# GraphQL type of a gid -> (table, view method name); what `node(id:)` and `nodes(ids:)` can return
NODE_TABLES: dict[str, tuple[str, str]] = {
    "Product": ("products", "product"),
    "ProductVariant": ("variants", "variant"),
    "InventoryItem": ("inventory_items", "inventory_item"),
    "Location": ("locations", "location"),
    "Collection": ("collections", "collection"),
    "Customer": ("customers", "customer"),
    "Company": ("companies", "company"),
    "CompanyContact": ("company_contacts", "company_contact"),
    "CompanyLocation": ("company_locations", "company_location"),
    "DiscountCodeNode": ("discounts", "discount_node"),
    "Order": ("orders", "order"),
    "FulfillmentOrder": ("fulfillment_orders", "fulfillment_order"),
    "Fulfillment": ("fulfillments", "fulfillment"),
    "Refund": ("refunds", "refund"),
    "Return": ("returns", "return_"),
    "InventoryAdjustmentGroup": ("adjustment_groups", "adjustment_group"),
    "BulkOperation": ("bulk_operations", "bulk_operation"),
    "WebhookSubscription": ("webhook_subscriptions", "webhook_subscription"),
    "PriceList": ("price_lists", "price_list"),
    "CompanyLocationCatalog": ("catalogs", "catalog"),
}


def by_id(views: Views, table_type: str, id: str) -> View | None:
    """A malformed id is an error; a well-formed id of another type or of no record is null, as on Shopify."""
    parse_gid(id)
    number = maybe_number(id, table_type)
    table, method = NODE_TABLES[table_type]
    record = views.store.get(table, number)
    return getattr(views, method)(record) if record else None


def node(views: Views, id: str) -> View | None:
    resource, number = parse_gid(id)
    if resource == "InventoryLevel":
        level = views.store.get("inventory_levels", number)
        return views.inventory_level(level) if level else None
    if resource not in NODE_TABLES:
        return None
    table, method = NODE_TABLES[resource]
    record = views.store.get(table, number)
    return getattr(views, method)(record) if record else None


def _sorted_by(field: str | None) -> Callable[[Record], Any] | None:
    if field is None:
        return None
    return lambda row: [row.get(field), row["id"]]


def _product_fields(product: Record, views: Views) -> dict[str, Any]:
    variants = [views.store.tables["variants"][v] for v in product["variant_ids"]]
    return {
        "id": product["id"],
        "title": product["title"],
        "handle": product["handle"],
        "status": product["status"],
        "vendor": product.get("vendor"),
        "product_type": product.get("product_type"),
        "tag": product.get("tags", []),
        "sku": [v.get("sku") for v in variants],
        "barcode": [v.get("barcode") for v in variants],
        "created_at": product["created_at"],
        "updated_at": product["updated_at"],
        "published_at": product.get("published_at"),
        "default": [product["title"], product.get("vendor"), *[v.get("sku") for v in variants]],
    }


PRODUCT_SORT = {
    "TITLE": "title",
    "CREATED_AT": "created_at",
    "UPDATED_AT": "updated_at",
    "PRODUCT_TYPE": "product_type",
    "VENDOR": "vendor",
    "PUBLISHED_AT": "published_at",
}
ORDER_SORT = {
    "CREATED_AT": "created_at",
    "UPDATED_AT": "updated_at",
    "PROCESSED_AT": "processed_at",
    "ORDER_NUMBER": "number",
}
CUSTOMER_SORT = {"CREATED_AT": "created_at", "UPDATED_AT": "updated_at", "NAME": "last_name"}


def products(views: Views, **args: Any) -> View:
    rows = search(list(views.store.rows("products")), args.get("query"), lambda p: _product_fields(p, views))
    return views.page(rows, views.product, args, _sorted_by(PRODUCT_SORT.get(args.get("sortKey") or "ID")))


def products_count(views: Views, query: str | None = None) -> View:
    rows = search(list(views.store.rows("products")), query, lambda p: _product_fields(p, views))
    return views.count(len(rows))


def product_by_handle(views: Views, handle: str) -> View | None:
    found = next((p for p in views.store.rows("products") if p["handle"] == handle), None)
    return views.product(found) if found else None


def _variant_fields(variant: Record, views: Views) -> dict[str, Any]:
    product = views.store.tables["products"][variant["product_id"]]
    return {
        "id": variant["id"],
        "sku": variant.get("sku"),
        "barcode": variant.get("barcode"),
        "title": variant["title"],
        "product_id": variant["product_id"],
        "inventory_item_id": variant["inventory_item_id"],
        "updated_at": variant["updated_at"],
        "created_at": variant["created_at"],
        "product_status": product["status"],
        "default": [variant.get("sku"), variant["title"], product["title"]],
    }


def product_variants(views: Views, **args: Any) -> View:
    rows = search(list(views.store.rows("variants")), args.get("query"), lambda v: _variant_fields(v, views))
    sort = {"SKU": "sku", "TITLE": "title", "NAME": "title", "POSITION": "position"}.get(
        args.get("sortKey") or "ID"
    )
    return views.page(rows, views.variant, args, _sorted_by(sort))


def _item_fields(item: Record) -> dict[str, Any]:
    return {
        "id": item["id"],
        "sku": item.get("sku"),
        "created_at": item["created_at"],
        "updated_at": item["updated_at"],
        "default": [item.get("sku")],
    }


def inventory_items(views: Views, **args: Any) -> View:
    rows = search(list(views.store.rows("inventory_items")), args.get("query"), _item_fields)
    return views.page(rows, views.inventory_item, args)


def locations(views: Views, **args: Any) -> View:
    rows = [
        loc for loc in views.store.rows("locations") if loc.get("active", True) or args.get("includeInactive")
    ]
    rows = search(
        rows, args.get("query"), lambda loc: {"id": loc["id"], "name": loc["name"], "default": [loc["name"]]}
    )
    sort = "name" if (args.get("sortKey") or "NAME") == "NAME" else None
    return views.page(rows, views.location, args, _sorted_by(sort))


def location(views: Views, id: str | None = None) -> View | None:
    if id is None:
        primary = min(views.store.rows("locations"), key=lambda loc: loc["id"], default=None)
        return views.location(primary) if primary else None
    return by_id(views, "Location", id)


def inventory_level(views: Views, id: str) -> View | None:
    number = maybe_number(id, "InventoryLevel")
    level = views.store.get("inventory_levels", number)
    return views.inventory_level(level) if level else None


def collections(views: Views, **args: Any) -> View:
    rows = search(
        list(views.store.rows("collections")),
        args.get("query"),
        lambda c: {
            "id": c["id"],
            "title": c["title"],
            "handle": c["handle"],
            "updated_at": c["updated_at"],
            "default": [c["title"]],
        },
    )
    sort = {"TITLE": "title", "UPDATED_AT": "updated_at"}.get(args.get("sortKey") or "ID")
    return views.page(rows, views.collection, args, _sorted_by(sort))


def orders(views: Views, **args: Any) -> View:
    rows = search(list(views.store.rows("orders")), args.get("query"), order_search_fields)
    return views.page(
        rows, views.order, args, _sorted_by(ORDER_SORT.get(args.get("sortKey") or "PROCESSED_AT"))
    )


def orders_count(views: Views, query: str | None = None) -> View:
    return views.count(len(search(list(views.store.rows("orders")), query, order_search_fields)))


def fulfillment_orders(views: Views, **args: Any) -> View:
    rows = [
        fo
        for fo in views.store.rows("fulfillment_orders")
        if args.get("includeClosed") or fo["status"] not in ("closed", "cancelled")
    ]
    rows = search(rows, args.get("query"), fulfillment_order_search_fields)
    return views.page(rows, views.fulfillment_order, args)


def _customer_fields(customer: Record) -> dict[str, Any]:
    return {
        "id": customer["id"],
        "email": customer.get("email"),
        "first_name": customer.get("first_name"),
        "last_name": customer.get("last_name"),
        "phone": customer.get("phone"),
        "tag": customer.get("tags", []),
        "state": customer.get("state", "enabled"),
        "created_at": customer["created_at"],
        "updated_at": customer["updated_at"],
        "default": [customer.get("email"), customer.get("first_name"), customer.get("last_name")],
    }


def customers(views: Views, **args: Any) -> View:
    rows = search(list(views.store.rows("customers")), args.get("query"), _customer_fields)
    return views.page(rows, views.customer, args, _sorted_by(CUSTOMER_SORT.get(args.get("sortKey") or "ID")))


def customers_count(views: Views, query: str | None = None) -> View:
    return views.count(len(search(list(views.store.rows("customers")), query, _customer_fields)))


def companies(views: Views, **args: Any) -> View:
    rows = search(
        list(views.store.rows("companies")),
        args.get("query"),
        lambda c: {
            "id": c["id"],
            "name": c["name"],
            "external_id": c.get("external_id"),
            "updated_at": c["updated_at"],
            "created_at": c["created_at"],
            "default": [c["name"], c.get("external_id")],
        },
    )
    sort = {"NAME": "name", "CREATED_AT": "created_at", "UPDATED_AT": "updated_at"}.get(
        args.get("sortKey") or "ID"
    )
    return views.page(rows, views.company, args, _sorted_by(sort))


def code_discount_nodes(views: Views, **args: Any) -> View:
    rows = search(
        list(views.store.rows("discounts")),
        args.get("query"),
        lambda d: {
            "id": d["id"],
            "code": d["code"],
            "title": d["title"],
            "updated_at": d["updated_at"],
            "created_at": d["created_at"],
            "status": d.get("status", "active"),
            "default": [d["code"], d["title"]],
        },
    )
    sort = {
        "TITLE": "title",
        "CREATED_AT": "created_at",
        "UPDATED_AT": "updated_at",
        "STARTS_AT": "starts_at",
    }
    return views.page(rows, views.discount_node, args, _sorted_by(sort.get(args.get("sortKey") or "ID")))


def code_discount_node_by_code(views: Views, code: str) -> View | None:
    found = next((d for d in views.store.rows("discounts") if d["code"].lower() == code.lower()), None)
    return views.discount_node(found) if found else None


def current_bulk_operation(views: Views, type: str = "QUERY") -> View | None:
    operations = [op for op in views.store.rows("bulk_operations") if op.get("type", "QUERY") == type]
    latest = max(operations, key=lambda op: op["id"], default=None)
    return views.bulk_operation(latest) if latest else None


def webhook_subscriptions(views: Views, **args: Any) -> View:
    topics = set(args.get("topics") or [])
    rows = [s for s in views.store.rows("webhook_subscriptions") if not topics or s["topic"] in topics]
    return views.page(rows, views.webhook_subscription, args)


def _by(table_type: str) -> QueryResolver:
    return lambda views, id: by_id(views, table_type, id)


QUERIES: dict[str, QueryResolver] = {
    "shop": lambda views: views.shop(),
    "shopLocales": lambda views, published=None: [
        {"locale": "en", "name": "English", "primary": True, "published": True}
    ],
    "node": node,
    "nodes": lambda views, ids: [node(views, i) for i in ids],
    "location": location,
    "locations": locations,
    "product": _by("Product"),
    "productByHandle": product_by_handle,
    "products": products,
    "productsCount": products_count,
    "productVariant": _by("ProductVariant"),
    "productVariants": product_variants,
    "inventoryItem": _by("InventoryItem"),
    "inventoryItems": inventory_items,
    "inventoryLevel": inventory_level,
    "collection": _by("Collection"),
    "collections": collections,
    "order": _by("Order"),
    "orders": orders,
    "ordersCount": orders_count,
    "fulfillmentOrder": _by("FulfillmentOrder"),
    "fulfillmentOrders": fulfillment_orders,
    "fulfillment": _by("Fulfillment"),
    "refund": _by("Refund"),
    "return": _by("Return"),
    "customer": _by("Customer"),
    "customers": customers,
    "customersCount": customers_count,
    "company": _by("Company"),
    "companies": companies,
    "companyLocation": _by("CompanyLocation"),
    "codeDiscountNode": _by("DiscountCodeNode"),
    "codeDiscountNodeByCode": code_discount_node_by_code,
    "codeDiscountNodes": code_discount_nodes,
    "currentBulkOperation": current_bulk_operation,
    "shopifyPaymentsAccount": shopify_payments_account,
    "webhookSubscription": _by("WebhookSubscription"),
    "webhookSubscriptions": webhook_subscriptions,
    "priceList": _by("PriceList"),
    "priceLists": price_list_views.price_lists,
    "catalog": _by("CompanyLocationCatalog"),
    "catalogs": price_list_views.catalogs,
}

__all__ = ["NODE_TABLES", "QUERIES", "level_search_fields"]
