"""``ShopifyConnector``: the StoreConnector the flows use, composed of the GraphQL client and the translators.

Every write is safe to replay (DESIGN decision 3, steps are at-least-once):

- inventory and refunds carry ``@idempotent(key:)`` derived from the flow's idempotency key (Shopify returns
  the original result for a replayed key);
- products are written with ``productSet`` identified by handle (an upsert);
- customers and companies are looked up by e-mail / external id first, then updated or created;
- a fulfillment is looked up among the order's fulfillments (same tracking numbers, or same lines) first;
- cancelling an already cancelled order does nothing.

Search filters are re-checked on the results: Shopify ignores a filter on a field it does not know and then
answers with every row (https://shopify.dev/docs/api/usage/search-syntax), which must never turn a lookup
into "found somebody else".
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from erpsync.connectors.base import ChangeBatch, PriceListWritten, Unreadable
from erpsync.connectors.shopify import price_lists, promotions, returns
from erpsync.connectors.shopify.bulk import BulkReader
from erpsync.connectors.shopify.bulk_catalog import INVENTORY_SET, BulkCatalog
from erpsync.connectors.shopify.client import GraphQLClient, RetrySchedule
from erpsync.connectors.shopify.errors import SYSTEM, data_error_for_user_errors
from erpsync.connectors.shopify.inventory_snapshot import InventorySnapshot
from erpsync.connectors.shopify.payouts import PayoutReader
from erpsync.connectors.shopify.throttle import CostBudget
from erpsync.connectors.shopify.translate import (
    COMPANY_FIELDS,
    CUSTOMER_FIELDS,
    LINE_ITEM_FIELDS,
    LOCATION_FIELDS,
    ORDER_FIELDS,
    company_create_input,
    company_from_graphql,
    customer_from_graphql,
    customer_input,
    fulfillment_input,
    fulfillment_order_lines,
    gid,
    legacy_id,
    location_from_graphql,
    order_from_graphql,
    product_set_input,
    refund_input,
)
from erpsync.errors import DataError
from erpsync.model import (
    Company,
    Customer,
    Fulfillment,
    InventoryLevel,
    Location,
    Order,
    Price,
    PriceList,
    Product,
    Refund,
    Return,
)
from erpsync.model.loyalty import LoyaltyBalance
from erpsync.model.promotions import Discount

MAX_INPUT_ITEMS = 250  # Shopify input arrays hold at most 250 items (https://shopify.dev/api/usage/limits)
_CANCEL_REASONS = {"CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"}

ORDER_QUERY = "query order($id: ID!) { order(id: $id) { " + ORDER_FIELDS + " } }"
ORDER_LINES_QUERY = (
    "query orderLines($id: ID!, $first: Int!, $after: String) { order(id: $id) { "
    "lineItems(first: $first, after: $after) { nodes { " + LINE_ITEM_FIELDS + " } "
    "pageInfo { hasNextPage endCursor } } } }"
)
ORDERS_CHANGED_QUERY = """
query ordersChanged($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { id updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}"""
CUSTOMER_QUERY = "query customer($id: ID!) { customer(id: $id) { " + CUSTOMER_FIELDS + " } }"
CUSTOMER_BY_EMAIL = (
    "query customerByEmail($query: String!) { customers(first: 5, query: $query) { nodes { id email } } }"
)
CUSTOMERS_CHANGED_QUERY = """
query customersChanged($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { id updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}"""
COMPANY_QUERY = "query company($id: ID!) { company(id: $id) { " + COMPANY_FIELDS + " } }"
COMPANY_BY_EXTERNAL_ID = """
query companyByExternalId($query: String!) {
  companies(first: 5, query: $query) { nodes { id externalId } }
}"""
LOCATIONS_QUERY = (
    """
query locations($first: Int!, $after: String) {
  locations(first: $first, after: $after, includeInactive: true) {
    nodes { """
    + LOCATION_FIELDS
    + """ }
    pageInfo { hasNextPage endCursor }
  }
}"""
)
SHOP_QUERY = "query shop { shop { currencyCode } }"
VARIANTS_BY_SKU = """
query variantsBySku($first: Int!, $query: String!) {
  productVariants(first: $first, query: $query) {
    nodes { sku inventoryItem { id inventoryLevels(first: 10) { nodes { location { id } } } } }
  }
}"""
INVENTORY_ACTIVATE = """
mutation inventoryActivate($inventoryItemId: ID!, $locationId: ID!) {
  inventoryActivate(inventoryItemId: $inventoryItemId, locationId: $locationId) {
    inventoryLevel { id }
    userErrors { field message }
  }
}"""
SKUS_PER_LOOKUP = 15  # 30 variants with 10 levels each keeps the query well under Shopify's 1000-point cap
ORDER_FOR_FULFILLMENT = """
query orderForFulfillment($id: ID!) {
  order(id: $id) {
    id
    fulfillments(first: 20) {
      id status trackingInfo { number }
      fulfillmentLineItems(first: 30) { nodes { quantity lineItem { id } } }
    }
    fulfillmentOrders(first: 5) { nodes {
      id status
      assignedLocation { location { id } }
      lineItems(first: 50) { nodes { id remainingQuantity sku lineItem { id sku } } }
    } }
  }
}"""
ORDER_IDS_BULK_QUERY = "{ orders { edges { node { id updatedAt cancelledAt } } } }"
ORDER_STATUS_QUERY = "query orderStatus($id: ID!) { order(id: $id) { id cancelledAt } }"
ORDER_GATEWAYS_QUERY = """
query orderGateways($id: ID!) { order(id: $id) { id transactions(first: 20) { kind status gateway } } }"""

PRODUCT_SET = """
mutation productSet($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier, synchronous: true) {
    product { id }
    userErrors { field message code }
  }
}"""
FULFILLMENT_CREATE = """
mutation fulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id }
    userErrors { field message }
  }
}"""
ORDER_CANCEL = """
mutation orderCancel($orderId: ID!, $reason: OrderCancelReason!, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refund: false, restock: true, staffNote: $staffNote) {
    job { id }
    orderCancelUserErrors { field message code }
    userErrors { field message }
  }
}"""
REFUND_CREATE = """
mutation refundCreate($input: RefundInput!, $idempotencyKey: String!) {
  refundCreate(input: $input) @idempotent(key: $idempotencyKey) {
    refund { id }
    userErrors { field message }
  }
}"""
CUSTOMER_CREATE = """
mutation customerCreate($input: CustomerInput!) {
  customerCreate(input: $input) { customer { id } userErrors { field message } }
}"""
CUSTOMER_UPDATE = """
mutation customerUpdate($input: CustomerInput!) {
  customerUpdate(input: $input) { customer { id } userErrors { field message } }
}"""
COMPANY_CREATE = """
mutation companyCreate($input: CompanyCreateInput!) {
  companyCreate(input: $input) { company { id } userErrors { field message code } }
}"""


@dataclass
class _InventoryItem:
    item_id: str
    stocked_at: set[str]  # location gids


class ShopifyConnector(PayoutReader):
    """One Shopify store, as the flows see it (``erpsync.connectors.base.StoreConnector``).

    ``inventory_quantity_name`` is the quantity ``set_inventory`` writes: ``"available"`` (the ERP's
    available-to-sell, default) or ``"on_hand"`` (physical stock; Shopify subtracts committed units).
    """

    system: ClassVar[str] = SYSTEM

    def __init__(
        self,
        shop_domain: str,
        access_token: str,
        api_version: str,
        *,
        base_url: str | None = None,
        budget: CostBudget | None = None,
        retry: RetrySchedule | None = None,
        inventory_quantity_name: str = "available",
        page_size: int = 25,
    ) -> None:
        if inventory_quantity_name not in ("available", "on_hand"):
            raise ValueError("inventory_quantity_name must be 'available' or 'on_hand'")
        self.client = GraphQLClient(
            shop_domain, access_token, api_version, base_url=base_url, budget=budget, retry=retry
        )
        self.shop_domain = shop_domain
        self.inventory_quantity_name = inventory_quantity_name
        self.page_size = page_size
        self._currency: str | None = None

    def close(self) -> None:
        self.client.close()

    # -- B2B price lists (connectors/shopify/price_lists.py) --------------------------------------------

    def upsert_price_list(
        self,
        price_list: PriceList,
        prices: Sequence[Price],
        company_location_ids: Sequence[str],
        *,
        idempotency_key: str,
    ) -> PriceListWritten:
        return price_lists.upsert_price_list(self, price_list, prices, company_location_ids)

    def company_location_ids(self, company_id: str) -> list[str]:
        return price_lists.company_location_ids(self, company_id)

    # -- promotions and loyalty (connectors/shopify/promotions.py) --------------------------------------
    loyalty_metafield: str = promotions.DEFAULT_LOYALTY_METAFIELD  # "namespace.key" of the points balance

    def get_discount(self, discount_id: str) -> Discount:
        return promotions.get_discount(self, discount_id)

    def find_discount_by_code(self, code: str) -> str | None:
        return promotions.find_discount_by_code(self, code)

    def discounts_changed_since(self, cursor: str | None) -> ChangeBatch[Discount]:
        return promotions.discounts_changed_since(self, cursor)

    def upsert_discount(self, discount: Discount, *, idempotency_key: str) -> str:
        return promotions.upsert_discount(self, discount)

    def loyalty_balances_changed_since(self, cursor: str | None) -> ChangeBatch[LoyaltyBalance]:
        return promotions.loyalty_balances_changed_since(self, cursor)

    # -- returns (connectors/shopify/returns.py) -------------------------------------------------------

    def get_return(self, return_id: str) -> Return:
        return returns.get_return(self, return_id)

    def returns_changed_since(self, cursor: str | None) -> ChangeBatch[Return]:
        """The returns of the orders changed since the cursor (the orders' cursor rules: each scan reads
        the watermark second again, so a return requested and approved within one second is seen twice;
        the poll's versions keep what did not change from running twice)."""
        order_ids, next_cursor, more = self._changed_since(ORDERS_CHANGED_QUERY, "orders", cursor)
        changed, unreadable = returns.returns_of_orders(self, order_ids)
        return ChangeBatch(changed, next_cursor, more, unreadable)

    def create_return(self, store_return: Return, *, idempotency_key: str) -> str:
        return returns.create_return(self, store_return)

    def close_return(self, return_id: str, *, idempotency_key: str) -> None:
        returns.close_return(self, return_id)

    def __enter__(self) -> ShopifyConnector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ reads

    def shop_currency(self) -> str:
        if self._currency is None:
            self._currency = str(self.client.execute(SHOP_QUERY)["shop"]["currencyCode"])
        return self._currency

    def get_order(self, order_id: str) -> Order:
        order_gid = gid("Order", order_id)
        node = self.client.execute(ORDER_QUERY, {"id": order_gid}).get("order")
        if not node:
            raise self._not_found("order", order_id)
        lines = node.get("lineItems") or {}
        page_info = lines.get("pageInfo") or {}
        if page_info.get("hasNextPage"):
            # Large (B2B) orders: the first query keeps its cost down, the other lines are paged after it.
            for page in self.client.pages(
                ORDER_LINES_QUERY,
                {"id": order_gid},
                connection_path=("order", "lineItems"),
                page_size=50,
                after=page_info.get("endCursor"),
            ):
                lines["nodes"] = [*lines.get("nodes", []), *page.get("nodes", [])]
        return order_from_graphql(node)

    def orders_changed_since(self, cursor: str | None) -> ChangeBatch[Order]:
        """Orders updated at or after the cursor's watermark, oldest first, ``page_size`` at a time.

        The cursor holds the watermark (``updated_at`` of the last order returned), the ids already returned
        at that instant (``updated_at:>=`` includes it again) and Shopify's page cursor within the current
        scan, so every change is returned once even when many orders share one timestamp.
        """
        order_ids, next_cursor, more = self._changed_since(ORDERS_CHANGED_QUERY, "orders", cursor)
        orders, unreadable = [], []
        for order_id in order_ids:
            try:
                orders.append(self.get_order(order_id))
            except DataError as error:
                unreadable.append(Unreadable.of(order_id, f"{SYSTEM}:{order_id}", error))
        return ChangeBatch(orders, next_cursor, more, unreadable)

    def orders_updated_since(self, since: datetime) -> tuple[list[Order], list[Unreadable]]:
        """Every order updated at or after ``since``: placed, paid, shipped or refunded since then, and the
        ones that could not be translated. For reports over a past day (the tie-out); near-real-time intake
        uses ``orders_changed_since``."""
        nodes = self.client.paginate(
            ORDERS_CHANGED_QUERY,
            {"query": f"updated_at:>='{_utc(since.isoformat())}'"},
            connection_path=("orders",),
            page_size=self.page_size,
        )
        orders, unreadable = [], []
        for node in nodes:
            order_id = legacy_id(node["id"])
            try:
                orders.append(self.get_order(order_id))
            except DataError as error:
                unreadable.append(Unreadable.of(order_id, f"{SYSTEM}:{order_id}", error))
        return orders, unreadable

    def get_customer(self, customer_id: str) -> Customer:
        node = self.client.execute(CUSTOMER_QUERY, {"id": gid("Customer", customer_id)}).get("customer")
        if not node:
            raise self._not_found("customer", customer_id)
        return customer_from_graphql(node)

    def customers_changed_since(self, cursor: str | None) -> ChangeBatch[Customer]:
        """Customers updated at or after the cursor's watermark, oldest first (the orders' cursor rules)."""
        ids, next_cursor, more = self._changed_since(CUSTOMERS_CHANGED_QUERY, "customers", cursor)
        return ChangeBatch([self.get_customer(customer_id) for customer_id in ids], next_cursor, more)

    def _changed_since(self, query_text: str, root: str, cursor: str | None) -> tuple[list[str], str, bool]:
        """One page of ids of ``root`` updated since the cursor, the next cursor, and whether more wait."""
        state = _ChangeCursor.decode(cursor)
        if state.after is None:
            # A new scan reads the watermark second again in full: Shopify stamps updatedAt in whole seconds,
            # so an order changed twice within that second looks the same; the poll's record versions (the
            # content's hash) let what did not change pass once and what did run again.
            state = _ChangeCursor(state.since)
        while True:
            query = f"updated_at:>='{state.since}'" if state.since else None
            data = self.client.execute(
                query_text, {"first": self.page_size, "after": state.after, "query": query}
            )
            connection = data[root]
            fresh = [n for n in connection["nodes"] if not state.already_returned(n)]
            page_info = connection.get("pageInfo") or {}
            more = bool(page_info.get("hasNextPage"))
            state = state.advanced(fresh, page_info.get("endCursor") if more else None)
            # A page holding only records returned before (ties at the watermark) is skipped, not handed out
            # as an empty batch that still says "more".
            if fresh or not more:
                break
        return [legacy_id(node["id"]) for node in fresh], state.encode(), more

    def get_company(self, company_id: str) -> Company:
        """A B2B company with its contacts and locations (the buyer of an order's ``company_id``)."""
        node = self.client.execute(COMPANY_QUERY, {"id": gid("Company", company_id)}).get("company")
        if not node:
            raise self._not_found("company", company_id)
        return company_from_graphql(node)

    def locations(self) -> list[Location]:
        return [
            location_from_graphql(node)
            for node in self.client.paginate(LOCATIONS_QUERY, connection_path=("locations",), page_size=50)
        ]

    # ----------------------------------------------------------------------------------------- writes

    def bulk_catalog(self, **options: Any) -> BulkCatalog:
        """Many products in one bulk mutation, stock by item id: the initial load's writes."""
        return BulkCatalog(self, **options)

    def upsert_product(self, product: Product, *, idempotency_key: str) -> str:
        if product.origin.system == SYSTEM:
            identifier = {"id": gid("Product", product.origin.id)}
        elif product.handle:
            identifier = {"handle": product.handle}
        else:
            raise DataError(
                f"product {product.business_key} has no handle, so Shopify cannot match it on a replay",
                system=SYSTEM,
                record=f"product {product.business_key}",
                field="handle",
                suggested_fix="map a stable handle (e.g. from the ERP item group) in the catalog mapping",
            )
        payload = self.client.mutate(
            PRODUCT_SET,
            {"input": product_set_input(product), "identifier": identifier},
            payload_key="productSet",
            record=f"product {product.handle or product.business_key}",
            retry_safe=True,  # productSet by handle or id is an upsert: resending cannot duplicate
        )
        return legacy_id(payload["product"]["id"])

    def set_inventory(self, levels: Sequence[InventoryLevel], *, idempotency_key: str) -> None:
        """Set absolute quantities (``inventorySetQuantities``), 250 per call, each call idempotent.

        The ERP is the source of truth here, so Shopify's compare-and-set check is skipped
        (``ignoreCompareQuantity``), as Shopify advises for a system of record.
        """
        items = self._inventory_items({level.sku for level in levels})
        self._stock_at_locations(items, levels)
        quantities = []
        for level in levels:
            quantity = level.available if self.inventory_quantity_name == "available" else level.on_hand
            quantities.append(
                {
                    "inventoryItemId": items[level.sku].item_id,
                    "locationId": gid("Location", level.location_code),
                    "quantity": quantity,
                }
            )
        self.set_quantities(quantities, idempotency_key=idempotency_key)

    def set_quantities(self, quantities: Sequence[Mapping[str, Any]], *, idempotency_key: str) -> None:
        """``inventorySetQuantities`` for entries whose item and location ids are known, 250 per call."""
        for index, chunk in enumerate(_chunks(list(quantities), MAX_INPUT_ITEMS)):
            self.client.mutate(
                INVENTORY_SET,
                {
                    "input": {
                        "name": self.inventory_quantity_name,
                        "reason": "correction",
                        "referenceDocumentUri": f"erpsync://inventory/{idempotency_key}",
                        "ignoreCompareQuantity": True,
                        "quantities": chunk,
                    }
                },
                payload_key="inventorySetQuantities",
                record=f"inventory of {len(chunk)} SKU/location pairs",
                idempotency_key=f"{idempotency_key}:{index}",
            )

    def order_ids(self) -> Iterator[tuple[str, str, bool]]:
        """Every order's id, ``updatedAt`` and whether it is cancelled, from one bulk read (reconcile sweeps:
        no per-order read)."""
        rows = BulkReader(self.client).run(ORDER_IDS_BULK_QUERY)
        return (
            (legacy_id(str(row["id"])), str(row.get("updatedAt") or ""), bool(row.get("cancelledAt")))
            for row in rows
        )

    def inventory_snapshot(self) -> InventorySnapshot:
        """Every level's quantity in one bulk read, for reconcile sweeps (``inventory_snapshot.py``)."""
        return InventorySnapshot.read(self)

    def create_fulfillment(self, fulfillment: Fulfillment, *, idempotency_key: str) -> str:
        order = self.client.execute(ORDER_FOR_FULFILLMENT, {"id": gid("Order", fulfillment.order_id)}).get(
            "order"
        )
        if not order:
            raise self._not_found("order", fulfillment.order_id)
        existing = _matching_fulfillment(fulfillment, order.get("fulfillments") or [])
        if existing is not None:
            return existing
        open_lines = fulfillment_order_lines(_nodes(order.get("fulfillmentOrders")))
        payload = self.client.mutate(
            FULFILLMENT_CREATE,
            {"fulfillment": fulfillment_input(fulfillment, open_lines)},
            payload_key="fulfillmentCreate",
            record=f"fulfillment of Shopify order {fulfillment.order_id}",
        )
        return legacy_id(payload["fulfillment"]["id"])

    def cancel_order(self, order_id: str, *, reason: str, idempotency_key: str) -> None:
        order_gid = gid("Order", order_id)
        order = self.client.execute(ORDER_STATUS_QUERY, {"id": order_gid}).get("order")
        if not order:
            raise self._not_found("order", order_id)
        if order.get("cancelledAt"):
            return
        code = reason.strip().upper()
        payload = self.client.mutate(
            ORDER_CANCEL,
            {
                "orderId": order_gid,
                "reason": code if code in _CANCEL_REASONS else "OTHER",
                "staffNote": reason,
            },
            payload_key="orderCancel",
            record=f"Shopify order {order_id}",
        )
        if payload.get("orderCancelUserErrors"):
            raise data_error_for_user_errors(
                payload["orderCancelUserErrors"],
                operation="orderCancel",
                record=f"Shopify order {order_id}",
                shop_domain=self.shop_domain,
            )

    def create_refund(self, refund: Refund, *, idempotency_key: str) -> str:
        order_gid = gid("Order", refund.order_id)
        order = self.client.execute(ORDER_GATEWAYS_QUERY, {"id": order_gid}).get("order")
        if not order:
            raise self._not_found("order", refund.order_id)
        gateway = next(
            (
                t.get("gateway")
                for t in order.get("transactions") or []
                if str(t.get("kind")).upper() in ("SALE", "CAPTURE")
                and str(t.get("status")).upper() == "SUCCESS"
            ),
            None,
        )
        payload = self.client.mutate(
            REFUND_CREATE,
            {"input": refund_input(refund, order_gid=order_gid, gateway=gateway)},
            payload_key="refundCreate",
            record=f"refund {refund.business_key} of Shopify order {refund.order_id}",
            idempotency_key=idempotency_key,
        )
        return legacy_id(payload["refund"]["id"])

    def upsert_customer(self, customer: Customer, *, idempotency_key: str) -> str:
        existing = self._customer_id_by_email(customer.email) if customer.email else None
        if existing is None and customer.origin.system == SYSTEM:
            existing = gid("Customer", customer.origin.id)
        if existing is None and not customer.email:
            raise DataError(
                f"customer {customer.business_key} has no e-mail, so Shopify cannot match it on a replay",
                system=SYSTEM,
                record=f"customer {customer.business_key}",
                field="email",
                suggested_fix="give the customer an e-mail address in the ERP",
            )
        mutation, key = (
            (CUSTOMER_UPDATE, "customerUpdate") if existing else (CUSTOMER_CREATE, "customerCreate")
        )
        payload = self.client.mutate(
            mutation,
            {"input": customer_input(customer, shopify_id=existing)},
            payload_key=key,
            record=f"customer {customer.business_key}",
        )
        return legacy_id(payload["customer"]["id"])

    def upsert_company(self, company: Company, *, idempotency_key: str) -> str:
        """Create the company (with its main contact and first location) unless its external id exists.

        Updating an existing company (``companyUpdate``, further contacts and locations) is not implemented:
        an existing company is returned unchanged.
        """
        if not company.code:
            raise DataError(
                f"company {company.name!r} has no code, so Shopify cannot match it on a replay",
                system=SYSTEM,
                record=f"company {company.business_key}",
                field="code",
                suggested_fix="map the ERP customer number to the company's code",
            )
        data = self.client.execute(COMPANY_BY_EXTERNAL_ID, {"query": f'external_id:"{company.code}"'})
        for node in data["companies"]["nodes"]:
            if node.get("externalId") == company.code:
                return legacy_id(node["id"])
        payload = self.client.mutate(
            COMPANY_CREATE,
            {"input": company_create_input(company)},
            payload_key="companyCreate",
            record=f"company {company.code}",
        )
        return legacy_id(payload["company"]["id"])

    # ---------------------------------------------------------------------------------------- helpers

    def _stock_at_locations(
        self, items: Mapping[str, _InventoryItem], levels: Sequence[InventoryLevel]
    ) -> None:
        """Activate each item at each location it is not stocked at yet: Shopify refuses quantities for an
        item at a location where it is not stocked ("The specified inventory item is not stocked at the
        location", https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventoryActivate)."""
        for level in levels:
            item, location = items[level.sku], gid("Location", level.location_code)
            if location in item.stocked_at:
                continue
            self.client.mutate(
                INVENTORY_ACTIVATE,
                {"inventoryItemId": item.item_id, "locationId": location},
                payload_key="inventoryActivate",
                record=f"inventory of SKU {level.sku} at location {level.location_code}",
                retry_safe=True,  # activating an item that is already stocked changes nothing
            )
            item.stocked_at.add(location)

    def variants_by_sku(self, skus: set[str], query: str, per_lookup: int) -> dict[str, dict[str, Any]]:
        """``{SKU: variant node}`` for the SKUs the shop sells, ``per_lookup`` SKUs a search; ``query`` takes
        ``$first`` and ``$query`` and selects ``productVariants { nodes { sku ... } }``."""
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(sorted(skus), per_lookup):
            search = " OR ".join(f'sku:"{sku}"' for sku in chunk)
            data = self.client.execute(query, {"first": 2 * len(chunk), "query": search})
            found.update({n["sku"]: n for n in data["productVariants"]["nodes"] if n.get("sku") in chunk})
        return found

    def _inventory_items(self, skus: set[str]) -> dict[str, _InventoryItem]:
        found = {
            sku: _InventoryItem(
                item_id=node["inventoryItem"]["id"],
                stocked_at={
                    level["location"]["id"] for level in _nodes(node["inventoryItem"].get("inventoryLevels"))
                },
            )
            for sku, node in self.variants_by_sku(skus, VARIANTS_BY_SKU, SKUS_PER_LOOKUP).items()
        }
        missing = sorted(skus - set(found))
        if missing:
            raise DataError(
                f"Shopify shop {self.shop_domain} has no variant with SKU {', '.join(missing)}",
                system=SYSTEM,
                record=f"inventory of SKU {missing[0]}",
                field="sku",
                suggested_fix="create the product in Shopify first (catalog flow) or fix the SKU mapping",
            )
        return found

    def _customer_id_by_email(self, email: str) -> str | None:
        data = self.client.execute(CUSTOMER_BY_EMAIL, {"query": f'email:"{email}"'})
        for node in data["customers"]["nodes"]:
            if str(node.get("email") or "").lower() == email.lower():
                return str(node["id"])
        return None

    def _not_found(self, kind: str, record_id: str) -> DataError:
        return DataError(
            f"Shopify shop {self.shop_domain} has no {kind} {record_id}",
            system=SYSTEM,
            record=f"{kind} {record_id}",
            suggested_fix=f"check the {kind} still exists in Shopify (deleted, or another shop's id)",
        )


class _ChangeCursor:
    """The opaque cursor of ``orders_changed_since`` and ``customers_changed_since`` (base64 JSON).

    ``since``/``seen``: the watermark of the running scan and the ids at exactly that instant already
    returned; ``after``: Shopify's page cursor inside the scan; ``latest``/``at_latest``: the newest change
    returned so far and its ids, which become the next scan's watermark.
    """

    def __init__(
        self,
        since: str | None = None,
        seen: Iterable[str] = (),
        after: str | None = None,
        latest: str | None = None,
        at_latest: Iterable[str] = (),
    ) -> None:
        self.since, self.seen, self.after = since, set(seen), after
        self.latest, self.at_latest = latest, set(at_latest)

    @classmethod
    def decode(cls, cursor: str | None) -> _ChangeCursor:
        if not cursor:
            return cls()
        try:
            state = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            return cls(**state)
        except (ValueError, TypeError, AttributeError) as exc:
            raise DataError(
                f"Shopify order cursor {cursor[:40]!r} is not one this connector wrote",
                system=SYSTEM,
                suggested_fix="reset the flow's cursor",
            ) from exc

    def encode(self) -> str:
        state = {
            "since": self.since,
            "seen": sorted(self.seen),
            "after": self.after,
            "latest": self.latest,
            "at_latest": sorted(self.at_latest),
        }
        return base64.urlsafe_b64encode(json.dumps(state, sort_keys=True).encode()).decode()

    def already_returned(self, node: Mapping[str, Any]) -> bool:
        """Returned by an earlier batch: at the watermark instant and among the ids seen there (an order
        changed again since has a later ``updatedAt`` and is returned again)."""
        return _utc(node["updatedAt"]) == self.since and legacy_id(node["id"]) in self.seen

    def advanced(self, returned: Sequence[Mapping[str, Any]], after: str | None) -> _ChangeCursor:
        latest, at_latest = self.latest, set(self.at_latest)
        for node in returned:
            moment = _utc(node["updatedAt"])
            if latest is None or moment > latest:
                latest, at_latest = moment, {legacy_id(node["id"])}
            elif moment == latest:
                at_latest.add(legacy_id(node["id"]))
        if after is not None:
            return _ChangeCursor(self.since, self.seen, after, latest, at_latest)
        if latest is None:
            return _ChangeCursor(self.since, self.seen)
        carried = self.seen if latest == self.since else set()
        return _ChangeCursor(latest, carried | at_latest)


def _utc(value: str) -> str:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _nodes(connection: Any) -> list[dict[str, Any]]:
    if isinstance(connection, Mapping):
        return list(connection.get("nodes") or [])
    return list(connection or [])


def _matching_fulfillment(fulfillment: Fulfillment, existing: Sequence[Mapping[str, Any]]) -> str | None:
    """The id of an existing fulfillment this one repeats (same tracking numbers, or the same lines)."""
    wanted_tracking = {t.number for t in fulfillment.tracking}
    wanted_lines = sorted((line.line_id, line.quantity) for line in fulfillment.lines)
    for candidate in existing:
        if str(candidate.get("status")).upper() in ("CANCELLED", "ERROR", "FAILURE"):
            continue
        tracking = {str(t.get("number")) for t in candidate.get("trackingInfo") or [] if t.get("number")}
        lines = sorted(
            (legacy_id((item.get("lineItem") or {}).get("id")), int(item.get("quantity") or 0))
            for item in _nodes(candidate.get("fulfillmentLineItems"))
        )
        if (wanted_tracking and tracking == wanted_tracking) or (
            not wanted_tracking and lines == wanted_lines
        ):
            return legacy_id(candidate["id"])
    return None
