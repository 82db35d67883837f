"""Catalog mutations: ``productSet``, ``productVariantsBulkUpdate``, ``productChangeStatus``.

``productSet`` is Shopify's declarative upsert: the product ends up exactly as the input says, variants
missing from the input are deleted (https://shopify.dev/docs/api/admin-graphql/latest/mutations/productSet).
"""

from __future__ import annotations

import re
from typing import Any

from erpsync.sandboxes.shopify import rest
from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import maybe_number
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, ref, user_error
from erpsync.sandboxes.shopify.store import Record, ShopStore, money

DEFAULT_OPTION = "Title"
DEFAULT_VALUE = "Default Title"


def handleize(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "product"


def unique_handle(store: ShopStore, wanted: str, own_id: int | None = None) -> str:
    handle, suffix = wanted, 1
    while (other := store.product_by_handle(handle)) is not None and other["id"] != own_id:
        handle, suffix = f"{wanted}-{suffix}", suffix + 1
    return handle


def new_inventory_item(store: ShopStore, sku: str | None, item_input: dict[str, Any] | None) -> Record:
    item_input = item_input or {}
    return store.add(
        "inventory_items",
        {
            "sku": item_input.get("sku", sku),
            "tracked": item_input.get("tracked", True),
            "requires_shipping": item_input.get("requiresShipping", True),
            "cost": money(item_input["cost"]) if item_input.get("cost") is not None else None,
            "country_code_of_origin": item_input.get("countryCodeOfOrigin"),
            "harmonized_system_code": item_input.get("harmonizedSystemCode"),
            "variant_id": None,
        },
    )


def ensure_level(store: ShopStore, item_id: int, location_id: int) -> Record:
    level = store.inventory_level(item_id, location_id)
    if level is None:
        level = store.add(
            "inventory_levels",
            {"inventory_item_id": item_id, "location_id": location_id, "quantities": {"available": 0}},
        )
    return level


def _apply_item_input(store: ShopStore, item: Record, item_input: dict[str, Any] | None) -> None:
    if not item_input:
        return
    mapping = {
        "sku": "sku",
        "tracked": "tracked",
        "requiresShipping": "requires_shipping",
        "countryCodeOfOrigin": "country_code_of_origin",
        "harmonizedSystemCode": "harmonized_system_code",
    }
    for key, field in mapping.items():
        if key in item_input:
            item[field] = item_input[key]
    if item_input.get("cost") is not None:
        item["cost"] = money(item_input["cost"])
    store.touch(item)


def _option_values(options: list[Record], values_input: list[dict[str, Any]] | None) -> list[str]:
    by_name = {v.get("optionName"): v.get("name") for v in values_input or []}
    if not values_input:
        return [option["values"][0] for option in options]
    return [str(by_name.get(option["name"]) or option["values"][0]) for option in options]


def _options(
    store: ShopStore, options_input: list[dict[str, Any]] | None, variants: list[dict[str, Any]]
) -> list[Record]:
    if options_input:
        return [
            {
                "id": store.new_id(),
                "name": option["name"],
                "position": index + 1,
                "values": [v["name"] for v in option.get("values") or []] or [DEFAULT_VALUE],
            }
            for index, option in enumerate(options_input)
        ]
    # options named only by the variants' optionValues
    names: dict[str, list[str]] = {}
    for variant in variants:
        for value in variant.get("optionValues") or []:
            if value.get("optionName"):
                names.setdefault(value["optionName"], [])
                if value.get("name") not in names[value["optionName"]]:
                    names[value["optionName"]].append(value["name"])
    if not names:
        return [{"id": store.new_id(), "name": DEFAULT_OPTION, "position": 1, "values": [DEFAULT_VALUE]}]
    return [
        {"id": store.new_id(), "name": name, "position": i + 1, "values": values}
        for i, (name, values) in enumerate(names.items())
    ]


def _set_variant_fields(store: ShopStore, variant: Record, data: dict[str, Any]) -> None:
    for key, field in (("sku", "sku"), ("barcode", "barcode"), ("taxable", "taxable")):
        if key in data and data[key] is not None:
            variant[field] = data[key]
    if data.get("price") is not None:
        variant["price"] = money(data["price"])
    if "compareAtPrice" in data:
        variant["compare_at_price"] = (
            money(data["compareAtPrice"]) if data["compareAtPrice"] is not None else None
        )
    if data.get("inventoryPolicy"):
        variant["inventory_policy"] = str(data["inventoryPolicy"]).lower()
    item = store.tables["inventory_items"][variant["inventory_item_id"]]
    if data.get("sku") is not None:
        item["sku"] = data["sku"]
    _apply_item_input(store, item, data.get("inventoryItem"))
    store.touch(variant)


def create_variant(
    store: ShopStore, product: Record, option_values: list[str], data: dict[str, Any]
) -> Record:
    item = new_inventory_item(store, data.get("sku"), data.get("inventoryItem"))
    variant = store.add(
        "variants",
        {
            "product_id": product["id"],
            "title": " / ".join(option_values),
            "option_values": option_values,
            "sku": data.get("sku") or item.get("sku"),
            "barcode": data.get("barcode"),
            "price": money(data.get("price") or "0"),
            "compare_at_price": None,
            "position": len(product["variant_ids"]) + 1,
            "inventory_policy": "deny",
            "taxable": True,
            "inventory_item_id": item["id"],
        },
    )
    item["variant_id"] = variant["id"]
    product["variant_ids"].append(variant["id"])
    _set_variant_fields(store, variant, data)
    return variant


def _delete_variant(store: ShopStore, variant: Record) -> None:
    store.tables["variants"].pop(variant["id"], None)
    item_id = variant["inventory_item_id"]
    store.tables["inventory_items"].pop(item_id, None)
    for level in list(store.rows("inventory_levels")):
        if level["inventory_item_id"] == item_id:
            store.tables["inventory_levels"].pop(level["id"], None)


def _set_quantities(
    ctx: ResolveContext, variant: Record, quantities: list[dict[str, Any]] | None
) -> list[str]:
    problems = []
    for entry in quantities or []:
        location_id = maybe_number(entry["locationId"], "Location")
        if ctx.store.get("locations", location_id) is None or location_id is None:
            problems.append(f"Location {entry['locationId']} does not exist")
            continue
        level = ensure_level(ctx.store, variant["inventory_item_id"], location_id)
        name = entry["name"]
        if name == "on_hand":
            others = sum(v for k, v in level["quantities"].items() if k not in ("available", "incoming"))
            level["quantities"]["available"] = entry["quantity"] - others
        else:
            level["quantities"][name] = entry["quantity"]
        ctx.store.touch(level)
    return problems


def _find_product(
    store: ShopStore, data: dict[str, Any], identifier: dict[str, Any] | None
) -> Record | str | None:
    ident = identifier or {}
    wanted_id = ident.get("id") or data.get("id")
    if wanted_id:
        found = store.get("products", maybe_number(wanted_id, "Product"))
        return found if found else "missing"
    if ident.get("handle"):
        return store.product_by_handle(ident["handle"])
    return None


def product_set(
    ctx: ResolveContext, input: dict[str, Any], synchronous: bool = True, identifier: Any = None
) -> Payload:
    store = ctx.store
    found = _find_product(store, input, identifier)
    if found == "missing":
        return {
            "product": None,
            "productSetOperation": None,
            "userErrors": [user_error("Product does not exist", ["input", "id"], "PRODUCT_DOES_NOT_EXIST")],
        }
    product = found if isinstance(found, dict) else None
    if product is None and not input.get("title"):
        return {
            "product": None,
            "productSetOperation": None,
            "userErrors": [user_error("Title can't be blank", ["input", "title"], "BLANK")],
        }
    variants_input = input.get("variants") or []
    combos = [
        tuple(sorted((v.get("optionName"), v.get("name")) for v in data.get("optionValues") or []))
        for data in variants_input
    ]
    if len(set(combos)) != len(combos):
        return {
            "product": None,
            "productSetOperation": None,
            "userErrors": [
                user_error(
                    "The variants have duplicate option values.",
                    ["input", "variants"],
                    "DUPLICATED_OPTION_VALUE",
                )
            ],
        }
    created = product is None
    if product is None:
        product = store.add(
            "products",
            {
                "title": input["title"],
                "handle": unique_handle(store, input.get("handle") or handleize(input["title"])),
                "body_html": "",
                "vendor": store.name,
                "product_type": "",
                "status": "active",
                "tags": [],
                "published_at": store.now(),
                "options": [],
                "variant_ids": [],
                "image_id": store.new_id(),
            },
        )
    _update_product_fields(store, product, input)
    if created or input.get("productOptions") or variants_input:
        product["options"] = _options(store, input.get("productOptions"), variants_input)
    if variants_input or created:
        _replace_variants(ctx, product, variants_input or [{}])
    if input.get("collections") is not None:
        wanted = {maybe_number(c, "Collection") for c in input["collections"]}
        for collection in store.rows("collections"):
            ids = collection.setdefault("product_ids", [])
            if collection["id"] in wanted and product["id"] not in ids:
                ids.append(product["id"])
            elif collection["id"] not in wanted and product["id"] in ids:
                ids.remove(product["id"])
    store.touch(product)
    ctx.emit(store, "products/create" if created else "products/update", rest.product(store, product))
    operation = (
        None
        if synchronous
        else {
            "__typename": "ProductSetOperation",
            "id": f"gid://shopify/ProductSetOperation/{store.new_id()}",
            "status": "COMPLETE",
            "product": ref("products", product["id"]),
        }
    )
    return {"product": ref("products", product["id"]), "productSetOperation": operation, "userErrors": []}


def _update_product_fields(store: ShopStore, product: Record, data: dict[str, Any]) -> None:
    simple = {
        "title": "title",
        "descriptionHtml": "body_html",
        "vendor": "vendor",
        "productType": "product_type",
    }
    for key, field in simple.items():
        if data.get(key) is not None:
            product[field] = data[key]
    if data.get("handle"):
        product["handle"] = unique_handle(store, data["handle"], product["id"])
        store.index_handle(product)
    if data.get("status"):
        product["status"] = str(data["status"]).lower()
    if data.get("tags") is not None:
        product["tags"] = [t.strip() for t in data["tags"] if t.strip()]


def _replace_variants(ctx: ResolveContext, product: Record, variants_input: list[dict[str, Any]]) -> None:
    store = ctx.store
    existing = [store.tables["variants"][v] for v in product["variant_ids"]]
    by_id = {v["id"]: v for v in existing}
    by_values = {tuple(v["option_values"]): v for v in existing}
    kept: list[int] = []
    for position, data in enumerate(variants_input, start=1):
        values = _option_values(product["options"], data.get("optionValues"))
        variant = by_id.get(maybe_number(data.get("id"), "ProductVariant") or -1) or by_values.get(
            tuple(values)
        )
        if variant is None:
            variant = create_variant(store, product, values, data)
            item = store.tables["inventory_items"][variant["inventory_item_id"]]
            ctx.emit(store, "inventory_items/create", rest.inventory_item(item))
        else:
            variant["option_values"], variant["title"] = values, " / ".join(values)
            _set_variant_fields(store, variant, data)
            _announce_item_change(ctx, variant, data)
        variant["position"] = position
        _set_quantities(ctx, variant, data.get("inventoryQuantities"))
        kept.append(variant["id"])
    for variant in existing:
        if variant["id"] not in kept:
            _delete_variant(store, variant)
    product["variant_ids"] = kept


def _announce_item_change(ctx: ResolveContext, variant: Record, data: dict[str, Any]) -> None:
    if data.get("inventoryItem") or data.get("sku") is not None:
        item = ctx.store.tables["inventory_items"][variant["inventory_item_id"]]
        ctx.emit(ctx.store, "inventory_items/update", rest.inventory_item(item))


def product_variants_bulk_update(
    ctx: ResolveContext, productId: str, variants: list[dict[str, Any]], allowPartialUpdates: bool = False
) -> Payload:
    store = ctx.store
    product = store.get("products", maybe_number(productId, "Product"))
    if product is None:
        return {
            "product": None,
            "productVariants": None,
            "userErrors": [user_error("Product does not exist", ["productId"], "PRODUCT_DOES_NOT_EXIST")],
        }
    errors = []
    for index, data in enumerate(variants):
        number = maybe_number(data.get("id"), "ProductVariant")
        if number not in product["variant_ids"]:
            errors.append(
                user_error(
                    "Product variant does not exist",
                    ["variants", str(index), "id"],
                    "PRODUCT_VARIANT_DOES_NOT_EXIST",
                )
            )
    if errors and not allowPartialUpdates:
        return {"product": ref("products", product["id"]), "productVariants": None, "userErrors": errors}
    updated = []
    for data in variants:
        variant = store.get("variants", maybe_number(data.get("id"), "ProductVariant"))
        if variant is None or variant["product_id"] != product["id"]:
            continue
        if data.get("optionValues"):
            variant["option_values"] = _option_values(product["options"], data["optionValues"])
            variant["title"] = " / ".join(variant["option_values"])
        _set_variant_fields(store, variant, data)
        _announce_item_change(ctx, variant, data)
        updated.append(ref("variants", variant["id"]))
    store.touch(product)
    ctx.emit(store, "products/update", rest.product(store, product))
    return {"product": ref("products", product["id"]), "productVariants": updated, "userErrors": errors}


def product_change_status(ctx: ResolveContext, productId: str, status: str) -> Payload:
    product = ctx.store.get("products", maybe_number(productId, "Product"))
    if product is None:
        return {"product": None, "userErrors": [user_error("Product does not exist", ["productId"])]}
    product["status"] = status.lower()
    ctx.store.touch(product)
    ctx.emit(ctx.store, "products/update", rest.product(ctx.store, product))
    return {"product": ref("products", product["id"]), "userErrors": []}


MUTATIONS: dict[str, MutationResolver] = {
    "productSet": product_set,
    "productVariantsBulkUpdate": product_variants_bulk_update,
    "productChangeStatus": product_change_status,
}
