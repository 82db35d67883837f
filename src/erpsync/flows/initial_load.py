"""Initial load, ERP → store: the whole catalog in bulk operations, then stock at every location.

The regular catalog flow writes one product per flow (one ``productSet`` each): right for a few changes a
minute, hours for an empty store and 100,000 ERP items. The initial load streams the ERP's items page by
page (the same ``products_changed_since`` the poller reads) into chunks of ``chunk_size`` products; each
chunk is one bulk mutation in the store (``bulk_catalog()`` of the store connector), run while the next
chunk is read. Memory holds at most two chunks, whatever the catalog's size.

For each chunk, as the per-product flow does for one product: the store handle is made once and kept in the
cross-reference; only products whose field hashes changed are sent (a re-run after a crash skips what was
written); written products get their cross-reference (store id, ERP id, and each SKU's inventory item) and
field hashes; a product the store refused is parked on its own with its ``userErrors`` (edit-and-retry runs
it through the per-product ``catalog_to_store`` flow), and the rest of the load goes on.

Then inventory: the ERP's levels (``inventory_changed_since``) are turned into what the store may sell
(``inventory.store_levels``: location map, safety stock, oversell guard) and set by inventory item id, 250
per call. At the end the catalog poller's and the inventory flow's cursors are moved past what the load
read, so the regular polls continue from there instead of reading everything again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from erpsync.errors import ConfigError, DataError
from erpsync.flows import catalog, inventory
from erpsync.flows.hub import Hub
from erpsync.model import Product

DEFAULT_CHUNK = 5_000
INVENTORY_BATCH = 250  # Shopify's input-array maximum (https://shopify.dev/api/usage/limits)
# NetSuite's default account limit is 15 concurrent requests: an initial load takes about half of it
ERP_READS_IN_FLIGHT = 8
ERP_PAGE_SIZE = 1000  # SuiteQL's largest page (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157909186990.html)
ITEM_RECORD = "inventory_item"  # cross-reference: the store's inventory item id per SKU


class WrittenProduct(Protocol):
    product: Product
    store_id: str | None
    inventory_items: dict[str, str]
    error: DataError | None


class StockQuantity(Protocol):
    inventory_item_id: str
    location_code: str
    quantity: int


class BulkCatalogWriter(Protocol):
    """What a store connector's ``bulk_catalog()`` answers (``connectors/shopify/bulk_catalog.py``)."""

    def upsert_products(
        self, products: Sequence[Product], *, stock_at: Sequence[str] = (), label: str | None = None
    ) -> Sequence[WrittenProduct]: ...

    def set_quantities(self, quantities: Sequence[Any], *, idempotency_key: str) -> int: ...


@dataclass
class LoadProgress:
    """Counts so far; ``phase`` is "catalog", "inventory" or "done"."""

    phase: str = "catalog"
    products_read: int = 0
    products_sent: int = 0
    products_written: int = 0
    products_unchanged: int = 0
    products_parked: int = 0
    bulk_operations: int = 0
    levels_read: int = 0
    levels_set: int = 0
    levels_skipped: int = 0
    levels_parked: int = 0
    inventory_calls: int = 0
    parked: list[int] = field(default_factory=list)
    catalog_cursor: str | None = None  # the ERP cursor after the last page read

    def as_json(self) -> dict[str, Any]:
        figures = dict(self.__dict__)
        figures["parked"] = len(self.parked)
        figures.pop("catalog_cursor")
        return figures


Progress = Callable[[LoadProgress], None]


def bulk_writer_of(hub: Hub, **options: Any) -> BulkCatalogWriter:
    make = getattr(hub.shop, "bulk_catalog", None)
    if make is None:
        raise ConfigError(
            f"store connector {hub.shop.system} has no bulk catalog writes; an initial load cannot run "
            "(the regular catalog poll syncs the same products one by one)",
            system=hub.shop.system,
        )
    writer: BulkCatalogWriter = make(**options)
    return writer


def initial_load(
    hub: Hub,
    writer: BulkCatalogWriter,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    with_inventory: bool = True,
    release: Callable[[str], object] | None = None,
    progress: Progress | None = None,
    erp_reads_in_flight: int = ERP_READS_IN_FLIGHT,
    erp_page_size: int = ERP_PAGE_SIZE,
) -> LoadProgress:
    """Load the ERP's catalog (and stock) into the store; the counts. ``release`` is the engine's
    ``complete`` ("variant:<SKU>" releases orders held for that SKU); ``erp_reads_in_flight`` is how many
    item records an ERP connector that reads them one by one (NetSuite) may read at once, and the ERP's
    change polls read pages of ``erp_page_size`` (NetSuite: SuiteQL's maximum, 1000) during the load."""
    knobs = {"item_reads_in_flight": erp_reads_in_flight, "poll_page_size": erp_page_size}
    before = {name: getattr(hub.erp, name) for name in knobs if hasattr(hub.erp, name)}
    for name in before:
        setattr(hub.erp, name, knobs[name])
    try:
        return _load(hub, writer, chunk_size, with_inventory, release, progress)
    finally:
        for name, value in before.items():
            setattr(hub.erp, name, value)


def _load(
    hub: Hub,
    writer: BulkCatalogWriter,
    chunk_size: int,
    with_inventory: bool,
    release: Callable[[str], object] | None,
    progress: Progress | None,
) -> LoadProgress:
    state = LoadProgress()
    run_id = uuid.uuid4().hex[:12]
    stock_at = _store_locations(hub)
    report = progress or (lambda _state: None)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="initial-load-bulk") as shop_side:
        pending: Future[None] | None = None
        for number, chunk in enumerate(_chunks(hub, chunk_size, state, report)):
            if pending is not None:
                pending.result()  # at most one chunk in the store while the next one is read
            label = f"erpsync-initial-load-{run_id}-{number}"
            pending = shop_side.submit(_write_chunk, hub, writer, chunk, stock_at, label, state, release)
        if pending is not None:
            pending.result()
    if state.catalog_cursor is not None and hub.store.cursor(catalog.POLLER) is None:
        hub.store.set_cursor(catalog.POLLER, state.catalog_cursor)
    if with_inventory:
        state.phase = "inventory"
        report(state)
        _load_inventory(hub, writer, run_id, state, report)
    state.phase = "done"
    report(state)
    return state


def _chunks(hub: Hub, chunk_size: int, state: LoadProgress, report: Progress) -> Iterator[list[Product]]:
    """The ERP's products in chunks of changed ones, with their store handle."""
    chunk: list[Product] = []
    while True:
        batch = hub.erp.products_changed_since(state.catalog_cursor)
        state.catalog_cursor = batch.cursor
        state.products_read += len(batch.records)
        for unreadable in getattr(batch, "unreadable", None) or []:
            state.parked.append(_park_unreadable(hub, unreadable))
            state.products_parked += 1
        chunk.extend(_changed(hub, _with_store_handles(hub, batch.records), state))
        report(state)
        while len(chunk) >= chunk_size:
            yield chunk[:chunk_size]
            chunk = chunk[chunk_size:]
        if not batch.more:
            break
    if chunk:
        yield chunk


def _with_store_handles(hub: Hub, products: Sequence[Product]) -> list[Product]:
    """``catalog._with_store_handle`` for a page: one read, one write for the new handles."""
    keys = [p.business_key for p in products if not p.handle]
    known = hub.store.external_ids(catalog.HANDLE_SYSTEM, "product", keys)
    new = {
        p.business_key: catalog.slugify(f"{p.title} {p.origin.id}")
        for p in products
        if not p.handle and p.business_key not in known
    }
    hub.store.link_many(catalog.HANDLE_SYSTEM, "product", [(handle, key) for key, handle in new.items()])
    handles = {**known, **new}
    return [p if p.handle else p.model_copy(update={"handle": handles[p.business_key]}) for p in products]


def _changed(hub: Hub, products: Sequence[Product], state: LoadProgress) -> list[Product]:
    fields = {p.business_key: catalog.product_fields(p) for p in products}
    changed = hub.store.changed_fields_many(hub.shop.system, "product", fields)
    kept = [p for p in products if changed[p.business_key]]
    state.products_unchanged += len(products) - len(kept)
    return kept


def _write_chunk(
    hub: Hub,
    writer: BulkCatalogWriter,
    chunk: list[Product],
    stock_at: Sequence[str],
    label: str,
    state: LoadProgress,
    release: Callable[[str], object] | None,
) -> None:
    state.products_sent += len(chunk)
    results = writer.upsert_products(chunk, stock_at=stock_at, label=label)
    state.bulk_operations += 1
    written = [r for r in results if r.error is None and r.store_id is not None]
    system = hub.shop.system
    hub.store.link_many(system, "product", [(str(r.store_id), r.product.business_key) for r in written])
    hub.store.link_many(
        hub.erp.system, "product", [(r.product.origin.id, r.product.business_key) for r in written]
    )
    hub.store.link_many(
        system, ITEM_RECORD, [(item, sku) for r in written for sku, item in r.inventory_items.items()]
    )
    hub.store.remember_fields_many(
        system, "product", {r.product.business_key: catalog.product_fields(r.product) for r in written}
    )
    state.products_written += len(written)
    for result in results:
        if result.error is not None or result.store_id is None:
            error = result.error or DataError("the store answered no product id", system=system)
            state.parked.append(
                hub.store.open_exception(
                    flow=catalog.FLOW,
                    record_type="product",
                    business_key=result.product.business_key,
                    error=error,
                    payload=result.product.to_json_dict(),
                )
            )
            state.products_parked += 1
    if release is not None:
        _release(release, [r.product for r in written])


def _release(release: Callable[[str], object], chunk: Sequence[Product]) -> None:
    for product in chunk:
        for variant in product.variants:
            if variant.sku:
                release(f"variant:{variant.sku}")


def _park_unreadable(hub: Hub, unreadable: Any) -> int:
    parked: int = hub.store.open_exception(
        flow=catalog.FLOW,
        record_type="product",
        business_key=unreadable.business_key,
        error=unreadable.error,
        payload={"id": unreadable.record_id},
    )
    return parked


def _store_locations(hub: Hub) -> list[str]:
    """Where new variants are stocked: the mapped store locations, or every active one without a map."""
    if hub.location_map:
        return sorted(set(hub.location_map.values()))
    return [location.code for location in hub.shop.locations() if location.active]


def _load_inventory(
    hub: Hub, writer: BulkCatalogWriter, run_id: str, state: LoadProgress, report: Progress
) -> None:
    from erpsync.connectors.shopify.bulk_catalog import StockQuantity as Quantity

    cursor: str | None = None
    waiting: list[Quantity] = []
    page = 0
    while True:
        batch = hub.erp.inventory_changed_since(cursor)
        cursor = batch.cursor
        levels = inventory.store_levels(batch.records, hub)
        state.levels_read += len(batch.records)
        items = hub.store.external_ids(hub.shop.system, ITEM_RECORD, sorted({level.sku for level in levels}))
        for level in levels:
            item = items.get(level.sku)
            if item is None:  # its product was parked, or is not in the store: the regular flow syncs it
                state.levels_skipped += 1
                continue
            waiting.append(Quantity(item, level.location_code, level.available))
        while len(waiting) >= INVENTORY_BATCH or (waiting and not batch.more):
            sending, waiting = waiting[:INVENTORY_BATCH], waiting[INVENTORY_BATCH:]
            key = f"initial-load:{run_id}:{page}"
            try:
                state.inventory_calls += writer.set_quantities(sending, idempotency_key=key)
                state.levels_set += len(sending)
            except DataError as error:  # e.g. an unmapped location: parked, the rest of the stock goes on
                state.inventory_calls += 1
                state.levels_parked += len(sending)
                state.parked.append(
                    hub.store.open_exception(
                        flow=inventory.FLOW,
                        record_type="inventory_level",
                        business_key=key,
                        error=error,
                        payload={"quantities": [q.__dict__ for q in sending]},
                    )
                )
            page += 1
        report(state)
        if not batch.more:
            break
    if cursor is not None and hub.store.cursor(inventory.FLOW) is None:
        hub.store.set_cursor(inventory.FLOW, cursor)
