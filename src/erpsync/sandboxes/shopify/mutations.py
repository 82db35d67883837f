"""Every Mutation field of ``schema.graphql`` and the function that serves it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from erpsync.sandboxes.shopify import (
    bulk,
    catalog,
    customers,
    discounts,
    fulfillments,
    inventory,
    metafields,
    order_edits,
    orders,
    price_lists,
    refunds,
    returns,
    subscriptions,
)

MUTATIONS: dict[str, Callable[..., dict[str, Any]]] = {
    **catalog.MUTATIONS,
    **inventory.MUTATIONS,
    **orders.MUTATIONS,
    **order_edits.MUTATIONS,
    **fulfillments.MUTATIONS,
    **refunds.MUTATIONS,
    **returns.MUTATIONS,
    **customers.MUTATIONS,
    **discounts.MUTATIONS,
    **metafields.MUTATIONS,
    **bulk.MUTATIONS,
    **subscriptions.MUTATIONS,
    **price_lists.MUTATIONS,
}
