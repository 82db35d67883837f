"""Shopify products, variants, inventory levels and locations ↔ canonical catalog records.

Locations: Shopify locations have no code, and REST payloads (inventory levels, fulfillments, refunds) name
them only by numeric id, so a canonical ``Location.code`` is the Shopify location's numeric id; the mapping's
value map turns it into an ERP warehouse code ("71234" → "WH01"). Prices in REST product payloads are strings
without a currency: the caller passes the shop currency.

Writing: ``product_set_input`` builds ``productSet`` input, which creates or updates a product by handle
(https://shopify.dev/docs/api/admin-graphql/latest/mutations/productSet), so replaying it is harmless.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from erpsync.connectors.shopify.translate.common import (
    graphql_address,
    legacy_id,
    money,
    nodes,
    optional_id,
    origin,
    rest_address,
    split_tags,
    translator,
)
from erpsync.model import InventoryLevel, Location, Product, ProductOption, Variant, Weight

_WEIGHT_UNITS = {
    "g": "g",
    "kg": "kg",
    "oz": "oz",
    "lb": "lb",
    "GRAMS": "g",
    "KILOGRAMS": "kg",
    "OUNCES": "oz",
}
_WEIGHT_UNITS["POUNDS"] = "lb"
_STATUSES = {"active", "draft", "archived"}


@translator("product")
def product_from_rest(payload: Mapping[str, Any], *, currency: str) -> Product:
    """A REST product (``products/create``/``products/update``); ``currency`` is the shop currency."""
    record = f"product {payload.get('id')}"
    options = [
        ProductOption(name=str(o["name"]), values=[str(v) for v in o.get("values") or []])
        for o in payload.get("options") or []
        if o.get("name")
    ]
    option_names = [
        str(o.get("name")) for o in sorted(payload.get("options") or [], key=lambda o: o.get("position", 0))
    ]
    variants = [_variant_from_rest(v, option_names, currency, record) for v in payload.get("variants") or []]
    return Product(
        origin=origin(payload["id"], payload.get("updated_at"), payload.get("created_at")),
        title=str(payload.get("title") or "(untitled)"),
        handle=payload.get("handle"),
        description=payload.get("body_html") or None,
        vendor=payload.get("vendor") or None,
        product_type=payload.get("product_type") or None,
        status=_status(payload.get("status")),
        tags=split_tags(payload.get("tags")),
        options=options,
        variants=variants,
    )


def _variant_from_rest(
    item: Mapping[str, Any], option_names: list[str], currency: str, record: str
) -> Variant:
    chosen = {
        name: str(item[f"option{index + 1}"])
        for index, name in enumerate(option_names[:3])
        if item.get(f"option{index + 1}") is not None
    }
    weight = None
    if item.get("weight") is not None and _WEIGHT_UNITS.get(str(item.get("weight_unit"))):
        weight = Weight(value=item["weight"], unit=_WEIGHT_UNITS[str(item["weight_unit"])])
    compare_at = item.get("compare_at_price")
    return Variant(
        origin=origin(item["id"], item.get("updated_at"), item.get("created_at")),
        sku=item.get("sku") or None,
        barcode=item.get("barcode") or None,
        title=item.get("title"),
        product_id=optional_id(item.get("product_id")),
        options=chosen,
        price=money(item.get("price", "0"), currency, field="variants.price", record=record),
        compare_at_price=money(compare_at, currency, field="variants.compare_at_price", record=record)
        if compare_at not in (None, "")
        else None,
        weight=weight,
        taxable=bool(item.get("taxable", True)),
        requires_shipping=bool(item.get("requires_shipping", True)),
        inventory_tracked=item.get("inventory_management") == "shopify",
    )


PRODUCT_FIELDS = """
  id title handle descriptionHtml vendor productType status tags createdAt updatedAt
  options { name values }
  variants(first: 100) { nodes {
    id title sku barcode price compareAtPrice taxable createdAt updatedAt
    selectedOptions { name value }
    inventoryItem { id tracked requiresShipping }
  } }
"""
"""The product fields ``product_from_graphql`` reads."""


@translator("product")
def product_from_graphql(node: Mapping[str, Any], *, currency: str) -> Product:
    """A GraphQL ``Product`` with its variants; ``currency`` is the shop currency (``Money`` is a bare
    decimal string in GraphQL, e.g. ``price: "19.99"``)."""
    record = f"product {legacy_id(node.get('id'))}"
    product_id = legacy_id(node["id"])
    variants = []
    for item in nodes(node.get("variants")):
        inventory_item = item.get("inventoryItem") or {}
        compare_at = item.get("compareAtPrice")
        variants.append(
            Variant(
                origin=origin(item["id"], item.get("updatedAt"), item.get("createdAt")),
                sku=item.get("sku") or None,
                barcode=item.get("barcode") or None,
                title=item.get("title"),
                product_id=product_id,
                options={str(o["name"]): str(o["value"]) for o in item.get("selectedOptions") or []},
                price=money(_amount(item.get("price")), currency, field="variants.price", record=record),
                compare_at_price=money(_amount(compare_at), currency, field="compareAtPrice", record=record)
                if compare_at not in (None, "")
                else None,
                taxable=bool(item.get("taxable", True)),
                requires_shipping=bool(inventory_item.get("requiresShipping", True)),
                inventory_tracked=bool(inventory_item.get("tracked", True)),
            )
        )
    options = [
        ProductOption(name=str(o["name"]), values=[str(v) for v in o.get("values") or []])
        for o in node.get("options") or []
        if o.get("name") and o.get("name") != "Title"
    ]
    known = {o.name for o in options}
    for variant in variants:
        # Shopify's default single variant carries the placeholder option "Title: Default Title".
        variant.options = {k: v for k, v in variant.options.items() if k in known}
    return Product(
        origin=origin(node["id"], node.get("updatedAt"), node.get("createdAt")),
        title=str(node.get("title") or "(untitled)"),
        handle=node.get("handle"),
        description=node.get("descriptionHtml") or None,
        vendor=node.get("vendor") or None,
        product_type=node.get("productType") or None,
        status=_status(node.get("status")),
        tags=split_tags(node.get("tags")),
        options=options,
        variants=variants,
    )


def product_set_input(product: Product) -> dict[str, Any]:
    """Canonical product → ``ProductSetInput`` (options, variants with SKU, prices, inventory item)."""
    options = product.options or (
        [ProductOption(name="Title", values=["Default Title"])] if product.variants else []
    )
    payload: dict[str, Any] = {
        "title": product.title,
        "status": product.status.upper(),
        "tags": product.tags,
        "productOptions": [
            {"name": option.name, "position": index + 1, "values": [{"name": v} for v in option.values]}
            for index, option in enumerate(options)
        ],
        "variants": [_variant_input(variant, options) for variant in product.variants],
    }
    optional = {
        "handle": product.handle,
        "descriptionHtml": product.description,
        "vendor": product.vendor,
        "productType": product.product_type,
    }
    payload.update({key: value for key, value in optional.items() if value is not None})
    return payload


def _variant_input(variant: Variant, options: list[ProductOption]) -> dict[str, Any]:
    default = {options[0].name: options[0].values[0]} if options and options[0].values else {}
    chosen = variant.options or default
    item: dict[str, Any] = {
        "optionValues": [{"optionName": name, "name": value} for name, value in chosen.items()],
        "taxable": variant.taxable,
        "inventoryItem": {
            "tracked": variant.inventory_tracked,
            "requiresShipping": variant.requires_shipping,
        },
    }
    if variant.sku:
        item["sku"] = variant.sku
        item["inventoryItem"]["sku"] = variant.sku
    if variant.barcode:
        item["barcode"] = variant.barcode
    if variant.price is not None:
        item["price"] = str(variant.price.amount)
    if variant.compare_at_price is not None:
        item["compareAtPrice"] = str(variant.compare_at_price.amount)
    return item


@translator("location")
def location_from_rest(payload: Mapping[str, Any]) -> Location:
    """A REST location (``locations/create``/``update``)."""
    return Location(
        origin=origin(payload["id"], payload.get("updated_at"), payload.get("created_at")),
        code=legacy_id(payload["id"]),
        name=payload.get("name"),
        address=rest_address(payload, is_default=False),
        active=bool(payload.get("active", True)),
    )


LOCATION_FIELDS = """
  id name isActive fulfillsOnlineOrders createdAt updatedAt
  address { address1 address2 city provinceCode countryCode zip phone }
"""


@translator("location")
def location_from_graphql(node: Mapping[str, Any]) -> Location:
    address = node.get("address")
    return Location(
        origin=origin(node["id"], node.get("updatedAt"), node.get("createdAt")),
        code=legacy_id(node["id"]),
        name=node.get("name"),
        address=graphql_address(address) if address else None,
        active=bool(node.get("isActive", True)),
        fulfills_online_orders=bool(node.get("fulfillsOnlineOrders", True)),
    )


@translator("inventory level")
def inventory_level_from_rest(payload: Mapping[str, Any], *, sku: str) -> InventoryLevel:
    """A REST ``inventory_levels/update`` body: ``{"inventory_item_id", "location_id", "available"}``.

    The payload names the inventory item, not the SKU (the caller resolves it), and carries only
    ``available``: ``on_hand`` is reported equal to it. Flows treat the webhook as a hint and re-read the
    level through GraphQL (``inventory_level_from_graphql``) when on-hand matters.
    """
    available = int(payload.get("available") or 0)
    return InventoryLevel(
        origin=origin(
            f"{legacy_id(payload['inventory_item_id'])}@{legacy_id(payload['location_id'])}",
            payload.get("updated_at"),
        ),
        sku=sku,
        location_code=legacy_id(payload["location_id"]),
        on_hand=available,
        available=available,
    )


INVENTORY_LEVEL_FIELDS = """
  id updatedAt
  quantities(names: ["available", "on_hand", "committed", "reserved"]) { name quantity }
  item { id sku }
  location { id }
"""


@translator("inventory level")
def inventory_level_from_graphql(node: Mapping[str, Any], *, sku: str | None = None) -> InventoryLevel:
    """A GraphQL ``InventoryLevel`` with ``quantities(names: [available, on_hand, committed, reserved])``.

    Canonical ``reserved`` is Shopify's ``committed`` (units promised to open orders) plus ``reserved``.
    """
    quantities = {str(q.get("name")): int(q.get("quantity") or 0) for q in node.get("quantities") or []}
    item = node.get("item") or {}
    location_id = legacy_id((node.get("location") or {}).get("id"))
    resolved_sku = sku or item.get("sku") or f"shopify-item-{legacy_id(item.get('id'))}"
    return InventoryLevel(
        origin=origin(f"{legacy_id(item.get('id'))}@{location_id}", node.get("updatedAt")),
        sku=resolved_sku,
        location_code=location_id,
        on_hand=quantities.get("on_hand", quantities.get("available", 0)),
        reserved=quantities.get("committed", 0) + quantities.get("reserved", 0),
        available=quantities.get("available", 0),
    )


def _status(value: Any) -> str:
    status = str(value or "active").lower()
    return status if status in _STATUSES else "active"


def _amount(value: Any) -> Any:
    if isinstance(value, Mapping):
        return value.get("amount")
    return value
