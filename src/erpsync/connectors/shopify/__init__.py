"""Shopify connector: GraphQL Admin API client (auth, paging, cost throttle, retries), bulk reads, webhook
verification and Shopify <-> canonical translation, composed into ``ShopifyConnector``."""

from erpsync.connectors.shopify.bulk import BulkOperation, BulkReader, reassemble
from erpsync.connectors.shopify.client import (
    GraphQLClient,
    RetrySchedule,
    shared_budget,
    shopify_idempotency_key,
)
from erpsync.connectors.shopify.connector import ShopifyConnector
from erpsync.connectors.shopify.cost import CostEstimator, estimate_query_cost
from erpsync.connectors.shopify.throttle import CostBudget, QueryTooExpensive, ThrottleStatus
from erpsync.connectors.shopify.versions import VersionCheck
from erpsync.connectors.shopify.webhooks import WebhookDelivery, WebhookRejected, verify_webhook

__all__ = [
    "BulkOperation",
    "BulkReader",
    "CostBudget",
    "CostEstimator",
    "GraphQLClient",
    "QueryTooExpensive",
    "RetrySchedule",
    "ShopifyConnector",
    "ThrottleStatus",
    "VersionCheck",
    "WebhookDelivery",
    "WebhookRejected",
    "estimate_query_cost",
    "reassemble",
    "shared_budget",
    "shopify_idempotency_key",
    "verify_webhook",
]
