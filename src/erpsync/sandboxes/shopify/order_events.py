"""What every change to an order announces: a new ``updated_at`` and the orders/updated webhook."""

from __future__ import annotations

from erpsync.sandboxes.shopify import rest
from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.store import Record


def order_updated(ctx: ResolveContext, order: Record) -> None:
    ctx.store.touch(order)
    ctx.emit(ctx.store, "orders/updated", rest.order(ctx.store, order))
