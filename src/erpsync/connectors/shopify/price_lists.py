"""The Shopify side of B2B price lists (the ``ShopifyConnector`` methods delegate here).

A list is a Shopify ``PriceList`` named by the list's code (names are unique in a shop, so a replayed create
finds its first attempt by name): its currency, its parent adjustment (a percentage decrease or increase of
the store's prices, https://shopify.dev/docs/api/admin-graphql/latest/mutations/priceListCreate) and fixed
prices per variant (``priceListFixedPricesUpdate``: prices to add or replace and variants to delete, at most
250 of each per call, https://shopify.dev/docs/api/admin-graphql/latest/mutations/priceListFixedPricesUpdate).
Buyers get it through a company-location catalog carrying the list (``catalogCreate`` with
``context.companyLocationIds``, then ``catalogContextUpdate`` to add and remove locations,
https://shopify.dev/docs/api/admin-graphql/latest/mutations/catalogCreate).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from erpsync.connectors.base import PriceListWritten
from erpsync.connectors.shopify.translate import gid, legacy_id
from erpsync.model import Price, PriceList

if TYPE_CHECKING:
    from erpsync.connectors.shopify.connector import ShopifyConnector

PER_CALL = 250  # priceListFixedPricesUpdate: pricesToAdd and variantIdsToDelete, each
SKUS_PER_LOOKUP = 50
USER_ERRORS = "userErrors { field message code }"

PRICE_LISTS = """
query priceLists($first: Int!, $after: String) {
  priceLists(first: $first, after: $after) {
    nodes { id name catalog { id } } pageInfo { hasNextPage endCursor }
  }
}"""
PRICE_LIST_CREATE = f"""
mutation priceListCreate($input: PriceListCreateInput!) {{
  priceListCreate(input: $input) {{ priceList {{ id catalog {{ id }} }} {USER_ERRORS} }}
}}"""
PRICE_LIST_UPDATE = f"""
mutation priceListUpdate($id: ID!, $input: PriceListUpdateInput!) {{
  priceListUpdate(id: $id, input: $input) {{ priceList {{ id catalog {{ id }} }} {USER_ERRORS} }}
}}"""
FIXED_PRICES = """
query fixedPrices($id: ID!, $first: Int!, $after: String) {
  priceList(id: $id) {
    prices(first: $first, after: $after, originType: FIXED) {
      nodes { variant { id } price { amount currencyCode } } pageInfo { hasNextPage endCursor }
    }
  }
}"""
FIXED_PRICES_UPDATE = f"""
mutation fixedPricesUpdate(
  $priceListId: ID!, $pricesToAdd: [PriceListPriceInput!]!, $variantIdsToDelete: [ID!]!
) {{
  priceListFixedPricesUpdate(
    priceListId: $priceListId, pricesToAdd: $pricesToAdd, variantIdsToDelete: $variantIdsToDelete
  ) {{ priceList {{ id }} {USER_ERRORS} }}
}}"""
CATALOG_CREATE = f"""
mutation catalogCreate($input: CatalogCreateInput!) {{
  catalogCreate(input: $input) {{ catalog {{ id }} {USER_ERRORS} }}
}}"""
CATALOG_LOCATIONS = """
query catalogLocations($id: ID!) {
  catalog(id: $id) { id ... on CompanyLocationCatalog { companyLocations(first: 250) { nodes { id } } } }
}"""
CATALOG_CONTEXT_UPDATE = f"""
mutation catalogContextUpdate($catalogId: ID!, $add: CatalogContextInput, $remove: CatalogContextInput) {{
  catalogContextUpdate(catalogId: $catalogId, contextsToAdd: $add, contextsToRemove: $remove) {{
    catalog {{ id }} {USER_ERRORS}
  }}
}}"""
VARIANT_IDS = """
query variantIds($first: Int!, $query: String!) {
  productVariants(first: $first, query: $query) { nodes { id sku } }
}
"""
COMPANY_LOCATIONS = """
query companyLocations($id: ID!) { company(id: $id) { locations(first: 250) { nodes { id } } } }
"""


def upsert_price_list(
    connector: ShopifyConnector,
    price_list: PriceList,
    prices: Sequence[Price],
    company_location_ids: Sequence[str],
) -> PriceListWritten:
    """Create or update the list, set its fixed prices to ``prices`` and its catalog's locations."""
    record = f"price list {price_list.code}"
    list_id, catalog_id = _write_list(connector, price_list, record)
    variants = _variant_ids(connector, {p.sku for p in prices})
    wanted = {variants[p.sku]: p for p in prices if p.sku in variants}
    _set_fixed_prices(connector, list_id, wanted, record)
    catalog_id = _set_catalog(connector, price_list, list_id, catalog_id, company_location_ids, record)
    missing = sorted({p.sku for p in prices} - set(variants))
    return PriceListWritten(legacy_id(list_id), legacy_id(catalog_id) if catalog_id else None, missing)


def company_location_ids(connector: ShopifyConnector, company_id: str) -> list[str]:
    company = connector.client.execute(COMPANY_LOCATIONS, {"id": gid("Company", company_id)}).get("company")
    return [node["id"] for node in ((company or {}).get("locations") or {}).get("nodes", [])]


def _write_list(connector: ShopifyConnector, price_list: PriceList, record: str) -> tuple[str, str | None]:
    """The list's id and its catalog's (None when it has none yet), after creating or updating it."""
    found = next(
        (
            node
            for node in connector.client.paginate(PRICE_LISTS, connection_path=("priceLists",), page_size=50)
            if node["name"] == price_list.code
        ),
        None,
    )
    body: dict[str, Any] = {
        "currency": price_list.currency,
        "parent": {"adjustment": _adjustment(price_list)},
    }
    if found is None:
        payload = connector.client.mutate(
            PRICE_LIST_CREATE,
            {"input": {"name": price_list.code, **body}},
            payload_key="priceListCreate",
            record=record,
        )
    else:
        payload = connector.client.mutate(
            PRICE_LIST_UPDATE,
            {"id": found["id"], "input": body},
            payload_key="priceListUpdate",
            record=record,
        )
    written = payload["priceList"]
    return written["id"], (written.get("catalog") or {}).get("id")


def _adjustment(price_list: PriceList) -> dict[str, Any]:
    """The ERP's percentage (-20: 20 % off) as Shopify's adjustment type and non-negative value."""
    percent = price_list.adjustment_percent or Decimal(0)
    kind = "PERCENTAGE_INCREASE" if percent > 0 else "PERCENTAGE_DECREASE"
    return {"type": kind, "value": float(abs(percent))}


def _variant_ids(connector: ShopifyConnector, skus: set[str]) -> dict[str, str]:
    """``{SKU: variant gid}`` for the SKUs the shop sells (the others are simply absent)."""
    return {
        sku: node["id"] for sku, node in connector.variants_by_sku(skus, VARIANT_IDS, SKUS_PER_LOOKUP).items()
    }


def _set_fixed_prices(
    connector: ShopifyConnector, list_id: str, wanted: dict[str, Price], record: str
) -> None:
    """Add or replace what differs and delete what the ERP no longer prices on the list."""
    current = {
        node["variant"]["id"]: Decimal(str(node["price"]["amount"]))
        for node in connector.client.paginate(
            FIXED_PRICES, {"id": list_id}, connection_path=("priceList", "prices"), page_size=250
        )
    }
    to_add = [
        {
            "variantId": variant,
            "price": {"amount": str(p.list_price.amount), "currencyCode": p.list_price.currency},
        }
        for variant, p in sorted(wanted.items())
        if current.get(variant) != p.list_price.amount
    ]
    to_delete = sorted(set(current) - set(wanted))
    for adds, deletes in _in_calls(to_add, to_delete):
        connector.client.mutate(
            FIXED_PRICES_UPDATE,
            {"priceListId": list_id, "pricesToAdd": adds, "variantIdsToDelete": deletes},
            payload_key="priceListFixedPricesUpdate",
            record=record,
            retry_safe=True,  # setting the same prices again changes nothing
        )


def _in_calls(
    adds: list[dict[str, Any]], deletes: list[str]
) -> Iterator[tuple[list[dict[str, Any]], list[str]]]:
    for start in range(0, max(len(adds), len(deletes)), PER_CALL):
        yield adds[start : start + PER_CALL], deletes[start : start + PER_CALL]


def _set_catalog(
    connector: ShopifyConnector,
    price_list: PriceList,
    list_id: str,
    catalog_id: str | None,
    locations: Sequence[str],
    record: str,
) -> str | None:
    """The list's catalog with exactly ``locations`` (created once the list has a first buyer)."""
    if catalog_id is None:
        if not locations:
            return None
        payload = connector.client.mutate(
            CATALOG_CREATE,
            {
                "input": {
                    "title": f"{price_list.code} (erpsync)",
                    "status": "ACTIVE",
                    "context": {"companyLocationIds": list(locations)},
                    "priceListId": list_id,
                }
            },
            payload_key="catalogCreate",
            record=record,
        )
        return str(payload["catalog"]["id"])
    catalog = connector.client.execute(CATALOG_LOCATIONS, {"id": catalog_id}).get("catalog") or {}
    current = {node["id"] for node in (catalog.get("companyLocations") or {}).get("nodes", [])}
    add, remove = sorted(set(locations) - current), sorted(current - set(locations))
    if add or remove:
        connector.client.mutate(
            CATALOG_CONTEXT_UPDATE,
            {
                "catalogId": catalog_id,
                "add": {"companyLocationIds": add} if add else None,
                "remove": {"companyLocationIds": remove} if remove else None,
            },
            payload_key="catalogContextUpdate",
            record=record,
        )
    return catalog_id
