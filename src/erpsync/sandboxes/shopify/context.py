"""What every resolver gets: the store it serves, how to emit webhooks, and the request's options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from erpsync.sandboxes.shopify.store import Record, ShopStore

# emit(topic, payload) queues one webhook for every subscription of the store to that topic
Emit = Callable[[ShopStore, str, Record], None]


def _no_webhooks(_store: ShopStore, _topic: str, _payload: Record) -> None:
    return None


@dataclass
class ResolveContext:
    store: ShopStore
    api_version: str
    base_url: str = "http://127.0.0.1"
    emit: Emit = _no_webhooks
    unlimited: bool = False  # bulk operations read every row of every connection
    # hooks the sandbox provides for bulk operations (run a query document without cost limits)
    run_bulk_query: Callable[[ResolveContext, Record], None] | None = None
    # what resolvers need but cannot import without a cycle: "schema" (the bound GraphQLSchema, for bulk
    # query checks) and "suggested_refund" (refunds.suggested_refund, which itself builds views)
    extra: dict[str, Any] = field(default_factory=dict)
