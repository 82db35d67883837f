"""Shopify connector: GraphQL Admin API client (auth, paging, cost throttle, retries), bulk reads, webhook
verification and Shopify <-> canonical translation, composed into ``ShopifyConnector``."""

from erpsync.connectors.shopify.client import (
    GraphQLClient,
    RetrySchedule,
    shared_budget,
    shopify_idempotency_key,
)
from erpsync.connectors.shopify.cost import CostEstimator, estimate_query_cost
from erpsync.connectors.shopify.throttle import CostBudget, QueryTooExpensive, ThrottleStatus
from erpsync.connectors.shopify.versions import VersionCheck

__all__ = [
    "CostBudget",
    "CostEstimator",
    "GraphQLClient",
    "QueryTooExpensive",
    "RetrySchedule",
    "ThrottleStatus",
    "VersionCheck",
    "estimate_query_cost",
    "shared_budget",
    "shopify_idempotency_key",
]
