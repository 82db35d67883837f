"""The source records a scenario leaves in each system, in the shape a mapping spec reads them.

Shopify records are the REST-shaped documents Shopify's webhooks carry (``orders/create``,
``customers/create``, ``products/create``), rendered by the sandbox exactly as it signs and sends them;
NetSuite records are what ``GET /record/v1/{type}/{id}?expandSubResources=true`` answers, read over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from erpsync.sandboxes.shopify import rest

if TYPE_CHECKING:
    from erpsync.demo import DemoEnvironment
    from erpsync.sandboxes.shopify.store import Record, ShopStore


@dataclass(frozen=True)
class SourceRecord:
    """One record as a spec reads it; ``label`` names it in reports (``shopify order #1001``)."""

    label: str
    document: dict[str, Any]


# Shopify record type (as specs name it) -> the sandbox table and the webhook-shaped renderer.
SHOPIFY_RECORDS: dict[str, tuple[str, Callable[[ShopStore, Record], Record]]] = {
    "order": ("orders", rest.order),
    "customer": ("customers", rest.customer),
    "product": ("products", rest.product),
    "company": ("companies", rest.company),
}


def source_records(
    env: DemoEnvironment, shop: ShopStore, system: str, record_type: str
) -> Iterator[SourceRecord]:
    """Every ``record_type`` record ``system`` holds at the end of the scenario."""
    if system == env.hub.shop.system:
        yield from _shopify_records(shop, record_type)
    elif system == env.hub.erp.system == "netsuite":
        yield from _netsuite_records(env, record_type)
    else:
        raise LookupError(
            f"the scenario cannot read {system} {record_type} records (it reads Shopify "
            f"{', '.join(sorted(SHOPIFY_RECORDS))} and any NetSuite record type)"
        )


def _shopify_records(shop: ShopStore, record_type: str) -> Iterator[SourceRecord]:
    if record_type not in SHOPIFY_RECORDS:
        raise LookupError(
            f"the scenario cannot read Shopify {record_type} records; it reads {', '.join(SHOPIFY_RECORDS)}"
        )
    table, render = SHOPIFY_RECORDS[record_type]
    for record in list(shop.rows(table)):
        document = render(shop, record)
        name = document.get("name") or document.get("email") or document.get("title") or record["id"]
        yield SourceRecord(f"shopify {record_type} {name}", document)


def _netsuite_records(env: DemoEnvironment, record_type: str) -> Iterator[SourceRecord]:
    client = env.hub.erp.client  # type: ignore[attr-defined]
    for record_id in client.list_ids(record_type):
        document = client.get(record_type, record_id)
        name = document.get("tranId") or document.get("itemId") or document.get("entityId") or record_id
        yield SourceRecord(f"netsuite {record_type} {name}", document)
