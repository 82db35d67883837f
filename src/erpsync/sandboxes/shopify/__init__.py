"""Shopify sandbox: the GraphQL Admin API (schema subset, cost-based rate limits, bulk operations) and signed
webhooks, served over real HTTP for connector tests and the demo (``erpsync sandbox shopify``)."""

from erpsync.sandboxes.shopify.sandbox import DEFAULT_SHOP, ShopifySandbox, build_sandbox
from erpsync.sandboxes.shopify.scenario import ScenarioReport, ScenarioSettings, ShopperScenario
from erpsync.sandboxes.shopify.webhooks import sign, topic_of

__all__ = [
    "DEFAULT_SHOP",
    "ScenarioReport",
    "ScenarioSettings",
    "ShopifySandbox",
    "ShopperScenario",
    "build_sandbox",
    "sign",
    "topic_of",
]
