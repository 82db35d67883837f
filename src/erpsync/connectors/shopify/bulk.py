"""Bulk reads for initial loads and reconcile sweeps: ``bulkOperationRunQuery``, polling, JSONL download.

Shopify runs a bulk query in the background and leaves a JSONL file at ``url``: one object per line, nested
connection items on their own lines pointing at their parent with ``__parentId``; children come after their
parent, though not necessarily right after it unless ``groupObjects`` is true
(https://shopify.dev/api/usage/bulk-operations/queries)::

    {"id":"gid://shopify/Product/1","title":"Tee"}
    {"id":"gid://shopify/ProductVariant/11","sku":"TEE-S","__parentId":"gid://shopify/Product/1"}

``reassemble`` puts children back under their parent as ``{"variants": {"nodes": [...]}}``, the shape the
GraphQL translators read, so bulk rows and paged reads share one translation. The download URL is a signed
URL on Shopify's storage: it is fetched without the shop's access token.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from erpsync.connectors.shopify.client import GraphQLClient
from erpsync.connectors.shopify.errors import SYSTEM
from erpsync.errors import DataError, TransientError

RUN_QUERY = """
mutation bulkOperationRunQuery($query: String!, $groupObjects: Boolean!) {
  bulkOperationRunQuery(query: $query, groupObjects: $groupObjects) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}"""
CURRENT_OPERATION = """
query currentBulkOperation {
  currentBulkOperation(type: QUERY) { id status errorCode objectCount url partialDataUrl }
}"""

FINISHED = {"COMPLETED", "FAILED", "CANCELED", "EXPIRED"}

CHILD_FIELDS = {
    "LineItem": "lineItems",
    "ShippingLine": "shippingLines",
    "ProductVariant": "variants",
    "InventoryLevel": "inventoryLevels",
    "FulfillmentOrder": "fulfillmentOrders",
    "FulfillmentOrderLineItem": "lineItems",
    "CompanyContact": "contacts",
    "CompanyLocation": "locations",
    "Metafield": "metafields",
}
"""Which field of the parent a child row belongs to, by the child's GraphQL type (read from its ``id``)."""


@dataclass(frozen=True)
class BulkOperation:
    id: str
    status: str
    error_code: str | None = None
    object_count: int = 0
    url: str | None = None
    partial_data_url: str | None = None

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> BulkOperation:
        return cls(
            id=str(node["id"]),
            status=str(node.get("status")),
            error_code=node.get("errorCode"),
            object_count=int(node.get("objectCount") or 0),
            url=node.get("url"),
            partial_data_url=node.get("partialDataUrl"),
        )


class BulkReader:
    """Runs bulk queries through a ``GraphQLClient`` and streams their rows back, reassembled."""

    def __init__(
        self,
        client: GraphQLClient,
        *,
        poll_interval: float = 1.0,
        timeout: float = 4 * 3600,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.poll_interval = poll_interval
        self.timeout = timeout
        self._sleep = sleep
        self._clock = clock

    def run(self, query: str, *, group_objects: bool = False) -> Iterator[dict[str, Any]]:
        """Start ``query`` as a bulk operation, wait for it, and yield its top-level records."""
        operation = self.wait(self.start(query, group_objects=group_objects))
        if operation.url is None:
            return iter(())  # a completed operation without a file matched nothing
        url = self.client.resolve_url(operation.url)
        return reassemble(download_lines(url), grouped=group_objects)

    def start(self, query: str, *, group_objects: bool = False) -> BulkOperation:
        payload = self.client.mutate(
            RUN_QUERY,
            {"query": query, "groupObjects": group_objects},
            payload_key="bulkOperationRunQuery",
            record="bulk query",
        )
        return BulkOperation.from_node(payload["bulkOperation"])

    def wait(self, started: BulkOperation) -> BulkOperation:
        """Poll ``currentBulkOperation`` until ours finishes; raise unless it completed."""
        deadline = self._clock() + self.timeout
        while True:
            node = self.client.execute(CURRENT_OPERATION).get("currentBulkOperation")
            current = BulkOperation.from_node(node) if node else None
            if current is None or current.id != started.id:
                raise TransientError(
                    f"Shopify shop {self.client.shop_domain}: bulk operation {started.id} is no longer the "
                    "current one (another app or process started a bulk query); start it again",
                    system=SYSTEM,
                )
            if current.status in FINISHED:
                return completed(current, self.client.shop_domain)
            if self._clock() > deadline:
                raise TransientError(
                    f"Shopify bulk operation {started.id} still {current.status} after {self.timeout:.0f} s",
                    system=SYSTEM,
                    retry_after=self.poll_interval,
                )
            self._sleep(self.poll_interval)


def completed(
    operation: BulkOperation,
    shop_domain: str,
    *,
    kind: str = "bulk operation",
    suggested_fix: str = "check the bulk query (access scopes, at most 5 connections, nesting depth 2)",
) -> BulkOperation:
    """``operation`` if it completed; a Shopify-side failure is transient, anything else a data error."""
    if operation.status == "COMPLETED":
        return operation
    message = f"Shopify shop {shop_domain}: {kind} {operation.id} ended {operation.status}"
    if operation.error_code in ("INTERNAL_SERVER_ERROR", "TIMEOUT") or operation.status == "EXPIRED":
        raise TransientError(f"{message} ({operation.error_code})", system=SYSTEM)
    raise DataError(f"{message} ({operation.error_code})", system=SYSTEM, suggested_fix=suggested_fix)


def download_lines(url: str, *, timeout: float = 60.0) -> Iterator[dict[str, Any]]:
    """Stream the JSONL result file line by line (no access token: the URL is pre-signed)."""
    with httpx.Client(timeout=timeout) as http, http.stream("GET", url) as response:
        if response.status_code >= 400:
            raise TransientError(
                f"Shopify bulk result download answered HTTP {response.status_code}", system=SYSTEM
            )
        for line in response.iter_lines():
            if line.strip():
                yield json.loads(line)


def reassemble(
    rows: Iterable[dict[str, Any]],
    *,
    grouped: bool = False,
    child_fields: Mapping[str, str] = CHILD_FIELDS,
) -> Iterator[dict[str, Any]]:
    """Top-level records with their children nested back as ``{field: {"nodes": [...]}}``.

    ``grouped`` (the operation ran with ``groupObjects: true``): children follow their parent directly, so
    each record is yielded as soon as the next top-level row appears and memory stays flat. Otherwise
    children may come anywhere after their parent and records are yielded once the file is read.
    """
    by_id: dict[str, dict[str, Any]] = {}
    pending: list[dict[str, Any]] = []
    for row in rows:
        parent_id = row.pop("__parentId", None)
        if parent_id is None:
            if grouped and pending:
                yield from pending
                pending.clear()
                by_id.clear()
            pending.append(row)
        else:
            parent = by_id.get(parent_id)
            if parent is None:
                raise DataError(
                    f"Shopify bulk result row {row.get('id')} names parent {parent_id}, which came before "
                    "no row; the file is incomplete or out of order",
                    system=SYSTEM,
                )
            field = child_fields.get(_type_of(row), _type_of(row) or "children")
            parent.setdefault(field, {}).setdefault("nodes", []).append(row)
        if row.get("id"):
            by_id[str(row["id"])] = row
    yield from pending


def _type_of(row: Mapping[str, Any]) -> str:
    typename = row.get("__typename")
    if isinstance(typename, str):
        return typename
    identifier = str(row.get("id") or "")
    return identifier.split("/")[3] if identifier.startswith("gid://shopify/") else ""


def updated_since_filter(since: datetime | None) -> str:
    """The search filter of an incremental read: ``updated_at:>='2026-04-01T12:00:00Z'`` (empty for all)."""
    if since is None:
        return ""
    return f"updated_at:>='{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'"


BULK_ORDER_FIELDS = """
  id name createdAt updatedAt processedAt cancelledAt cancelReason email note tags sourceName
  currencyCode presentmentCurrencyCode taxesIncluded displayFinancialStatus
  customer { id email }
  totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
  totalTaxSet { shopMoney { amount currencyCode } }
  taxLines { title rate priceSet { shopMoney { amount currencyCode } } }
  lineItems { edges { node {
    id title variantTitle sku quantity requiresShipping taxable
    originalUnitPriceSet { shopMoney { amount currencyCode } }
    taxLines { title rate priceSet { shopMoney { amount currencyCode } } }
    discountAllocations {
      allocatedAmountSet { shopMoney { amount currencyCode } } discountApplication { index } }
  } } }
  shippingLines { edges { node {
    id title code source
    originalPriceSet { shopMoney { amount currencyCode } }
    discountedPriceSet { shopMoney { amount currencyCode } }
    taxLines { title rate priceSet { shopMoney { amount currencyCode } } }
  } } }
"""
"""Order fields for bulk sweeps: lines, shipping and totals (fulfillments and refunds are read per order;
bulk queries allow at most 5 connections and nesting depth 2)."""


def orders_bulk_query(since: datetime | None = None) -> str:
    """The bulk query of every order updated since ``since`` (all orders when None), oldest change first."""
    search = updated_since_filter(since)
    arguments = f'query: "{search}", sortKey: UPDATED_AT' if search else "sortKey: UPDATED_AT"
    return f"{{ orders({arguments}) {{ edges {{ node {{ {BULK_ORDER_FIELDS} }} }} }} }}"


BULK_PRODUCT_FIELDS = """
  id title handle descriptionHtml vendor productType status tags createdAt updatedAt
  options { name values }
  variants { edges { node {
    id title sku barcode price compareAtPrice taxable createdAt updatedAt
    selectedOptions { name value }
    inventoryItem { id tracked requiresShipping }
  } } }
"""


def products_bulk_query(since: datetime | None = None) -> str:
    """The bulk query of every product (with its variants) updated since ``since``."""
    search = updated_since_filter(since)
    arguments = f'(query: "{search}")' if search else ""
    return f"{{ products{arguments} {{ edges {{ node {{ {BULK_PRODUCT_FIELDS} }} }} }} }}"
