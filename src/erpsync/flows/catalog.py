"""Catalog ERP → store: items, variants, descriptions and prices the ERP owns, created or updated in the
store. Only real changes are sent: the fields of each product are hashed in the cross-reference and an
unchanged product is not written again. A product reaching the store releases the orders that were held
waiting for one of its SKUs ("variant:<SKU>")."""

from __future__ import annotations

import re
from typing import Any

from erpsync.engine import Engine, FlowContext
from erpsync.flows.hub import Hub
from erpsync.flows.polling import register_poller
from erpsync.model import Product

FLOW = "catalog_to_store"
POLLER = "poll_erp_catalog"
HANDLE_SYSTEM = "store-handle"


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.shop.system, record_type="product")
    def catalog_to_store(ctx: FlowContext, item: dict[str, Any]) -> dict[str, Any]:
        product = ctx.step("store_handle", _with_store_handle, hub, Product.from_json_dict(item))
        fields = product_fields(product)
        changed = ctx.step("changed_fields", _changed_fields, hub, product, fields)
        store_id = None
        if changed:
            store_id = ctx.step(
                "upsert_product",
                hub.shop.upsert_product,
                product,
                idempotency_key=ctx.idempotency_key("upsert_product"),
            )
            ctx.step("remember", _remember, hub, product, fields, store_id)
        for variant in product.variants:
            if variant.sku:
                engine.complete(f"variant:{variant.sku}")
        return {"store_product_id": store_id, "changed_fields": sorted(changed)}

    register_poller(
        engine,
        hub.store,
        name=POLLER,
        queue=hub.erp.system,
        read_changes=hub.erp.products_changed_since,
        target_flow=FLOW,
    )


def _with_store_handle(hub: Hub, product: Product) -> Product:
    """The product with the store handle (URL slug) it had when first synced, or a new one.

    ERPs have no handle; the store matches products by it on a replayed write. It is made once from the
    title and the ERP id, then kept in the cross-reference, so renaming the item in the ERP never creates a
    second product in the store.
    """
    if product.handle:
        return product
    handle = hub.store.external_id(HANDLE_SYSTEM, "product", product.business_key)
    if handle is None:
        handle = slugify(f"{product.title} {product.origin.id}")
        hub.store.link(HANDLE_SYSTEM, "product", handle, product.business_key)
    return product.model_copy(update={"handle": handle})


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def product_fields(product: Product) -> dict[str, Any]:
    """The fields whose change is worth a write (origin timestamps are not)."""
    document = product.to_json_dict()
    document.pop("origin", None)
    return document


def _changed_fields(hub: Hub, product: Product, fields: dict[str, Any]) -> set[str]:
    return hub.store.changed_fields(hub.shop.system, "product", product.business_key, fields)


def _remember(hub: Hub, product: Product, fields: dict[str, Any], store_id: str) -> None:
    hub.store.link(hub.shop.system, "product", store_id, product.business_key)
    hub.store.link(hub.erp.system, "product", product.origin.id, product.business_key)
    hub.store.remember_fields(hub.shop.system, "product", product.business_key, fields)
