"""Webhook subscription mutations: ``webhookSubscriptionCreate`` and ``webhookSubscriptionDelete``.

Accepts the 2026-04 ``uri`` and the older ``callbackUrl``; a topic and address pair is unique per app
(https://shopify.dev/docs/api/admin-graphql/latest/mutations/webhookSubscriptionCreate).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import maybe_number
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, ref, user_error


def webhook_subscription_create(
    ctx: ResolveContext, topic: str, webhookSubscription: dict[str, Any]
) -> Payload:
    store, data = ctx.store, webhookSubscription
    uri = data.get("uri") or data.get("callbackUrl")
    field = ["webhookSubscription", "uri" if data.get("uri") else "callbackUrl"]
    parsed = urlparse(uri or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return {"webhookSubscription": None, "userErrors": [user_error("Address is invalid", field)]}
    if any(s["topic"] == topic and s["uri"] == uri for s in store.rows("webhook_subscriptions")):
        return {
            "webhookSubscription": None,
            "userErrors": [user_error("Address for this topic has already been taken", field)],
        }
    record = store.add(
        "webhook_subscriptions",
        {
            "topic": topic,
            "uri": uri,
            "format": data.get("format") or "JSON",
            "include_fields": list(data.get("includeFields") or []),
            "filter": data.get("filter"),
            "api_version": ctx.api_version,
        },
    )
    return {"webhookSubscription": ref("webhook_subscriptions", record["id"]), "userErrors": []}


def webhook_subscription_delete(ctx: ResolveContext, id: str) -> Payload:
    number = maybe_number(id, "WebhookSubscription")
    if ctx.store.tables["webhook_subscriptions"].pop(number or -1, None) is None:
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [user_error("Webhook subscription does not exist", ["id"])],
        }
    return {"deletedWebhookSubscriptionId": id, "userErrors": []}


MUTATIONS: dict[str, MutationResolver] = {
    "webhookSubscriptionCreate": webhook_subscription_create,
    "webhookSubscriptionDelete": webhook_subscription_delete,
}
