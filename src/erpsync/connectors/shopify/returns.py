"""Returns in Shopify: read one (``return(id:)``), read those of changed orders (``Order.returns``), create
one for units the ERP authorized (``returnCreate``, status OPEN at once:
https://shopify.dev/docs/api/admin-graphql/latest/mutations/returnCreate), and close one once refunded
(``returnClose``: https://shopify.dev/docs/api/admin-graphql/latest/mutations/returnClose).

``returnCreate`` takes no idempotency key, so a replay is found first: an open, requested or closed return
of the order whose lines carry the same ``returnReasonNote`` (the flow writes the ERP's RMA id there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from erpsync.connectors.base import Unreadable
from erpsync.connectors.shopify.errors import SYSTEM
from erpsync.connectors.shopify.translate import gid, legacy_id
from erpsync.connectors.shopify.translate.returns import (
    COUNTED_STATUSES,
    RETURN_FIELDS,
    return_from_graphql,
    return_input,
)
from erpsync.errors import DataError
from erpsync.model import Return

if TYPE_CHECKING:
    from erpsync.connectors.shopify.connector import ShopifyConnector

RETURN_QUERY = "query return($id: ID!) { return(id: $id) { " + RETURN_FIELDS + " } }"
ORDER_RETURNS_QUERY = (
    "query orderReturns($id: ID!) { order(id: $id) { id returns(first: 5) { nodes { "
    + RETURN_FIELDS
    + " } } } }"
)
ORDER_FOR_RETURN = """
query orderForReturn($id: ID!) {
  order(id: $id) {
    id
    fulfillments(first: 10) {
      status
      fulfillmentLineItems(first: 20) { nodes { id quantity lineItem { id } } }
    }
    returns(first: 10) { nodes {
      id status
      returnLineItems(first: 10) { nodes { quantity returnReasonNote fulfillmentLineItem { id } } }
    } }
  }
}"""
RETURN_CLOSE = """
mutation returnClose($id: ID!) {
  returnClose(id: $id) { return { id status } userErrors { field message code } }
}"""
RETURN_CREATE = """
mutation returnCreate($returnInput: ReturnInput!) {
  returnCreate(returnInput: $returnInput) { return { id } userErrors { field message code } }
}"""


def get_return(connector: ShopifyConnector, return_id: str) -> Return:
    node = connector.client.execute(RETURN_QUERY, {"id": gid("Return", return_id)}).get("return")
    if not node:
        raise connector._not_found("return", return_id)
    return return_from_graphql(node)


def returns_of_orders(
    connector: ShopifyConnector, order_ids: list[str]
) -> tuple[list[Return], list[Unreadable]]:
    """Every return of these orders (the caller found them changed: a return changes its order's
    ``updatedAt``); the poll's versions keep an unchanged return from running twice."""
    returns: list[Return] = []
    unreadable: list[Unreadable] = []
    for order_id in order_ids:
        order = connector.client.execute(ORDER_RETURNS_QUERY, {"id": gid("Order", order_id)}).get("order")
        for node in ((order or {}).get("returns") or {}).get("nodes") or []:
            try:
                returns.append(return_from_graphql(node))
            except DataError as error:
                return_id = legacy_id(node.get("id"))
                unreadable.append(Unreadable.of(return_id, f"{SYSTEM}:{return_id}", error))
    return returns, unreadable


def create_return(connector: ShopifyConnector, store_return: Return) -> str:
    """An OPEN return of the store order ``store_return.order_id`` (lines: the order's line item ids)."""
    order_gid = gid("Order", store_return.order_id)
    order = connector.client.execute(ORDER_FOR_RETURN, {"id": order_gid}).get("order")
    if not order:
        raise connector._not_found("order", store_return.order_id)
    existing = _existing_return(order, store_return)
    if existing is not None:
        return existing
    shipped = [
        item
        for fulfillment in order.get("fulfillments") or []
        if str(fulfillment.get("status")).upper() == "SUCCESS"
        for item in (fulfillment.get("fulfillmentLineItems") or {}).get("nodes") or []
    ]
    returned: dict[str, int] = {}
    for node in (order.get("returns") or {}).get("nodes") or []:
        if str(node.get("status")).upper() in COUNTED_STATUSES:
            for item in (node.get("returnLineItems") or {}).get("nodes") or []:
                key = str(item["fulfillmentLineItem"]["id"])
                returned[key] = returned.get(key, 0) + int(item["quantity"])
    payload = connector.client.mutate(
        RETURN_CREATE,
        {"returnInput": return_input(store_return, order_gid=order_gid, shipped=shipped, returned=returned)},
        payload_key="returnCreate",
        record=f"return {store_return.business_key} of Shopify order {store_return.order_id}",
    )
    return legacy_id(payload["return"]["id"])


def close_return(connector: ShopifyConnector, return_id: str) -> None:
    """Mark the return complete (``returnClose``); a return closed already is left as it is."""
    if get_return(connector, return_id).status == "closed":
        return
    connector.client.mutate(
        RETURN_CLOSE,
        {"id": gid("Return", return_id)},
        payload_key="returnClose",
        record=f"Shopify return {return_id}",
    )


def _existing_return(order: dict[str, Any], store_return: Return) -> str | None:
    notes = {line.note for line in store_return.lines if line.note}
    if not notes:
        return None
    for node in (order.get("returns") or {}).get("nodes") or []:
        if str(node.get("status")).upper() not in COUNTED_STATUSES:
            continue
        lines = (node.get("returnLineItems") or {}).get("nodes") or []
        if lines and {item.get("returnReasonNote") for item in lines} <= notes:
            return legacy_id(node["id"])
    return None
