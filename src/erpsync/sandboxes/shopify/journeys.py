"""``Order.customerJourneySummary``: the storefront visit that led to an order (marketing attribution).

Shopify records the shopper's visits before a checkout: ``lastVisit.landingPage`` is the URL the last
session started on (with its ``utm_*`` query), ``referrerUrl`` the page that linked to it,
``utmParameters`` the parsed UTM values (https://shopify.dev/docs/api/admin-graphql/latest/objects/CustomerVisit,
https://shopify.dev/docs/api/admin-graphql/latest/objects/CustomerJourneySummary). Orders created through the
Admin API (``orderCreate``) have no visit; the sandbox serves one for an order whose record holds
``landing_site`` (and optionally ``referring_site``), the REST names of the same data, as a storefront
checkout would have left them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from erpsync.sandboxes.shopify.ids import gid
from erpsync.sandboxes.shopify.store import Record


def summary(order: Record) -> dict[str, Any] | None:
    landing = order.get("landing_site")
    if not landing:
        return None
    query = parse_qs(urlparse(str(landing)).query)
    visit = {
        "id": gid("CustomerVisit", order["id"]),
        "landingPage": landing,
        "referrerUrl": order.get("referring_site"),
        "occurredAt": order["created_at"],
        "utmParameters": {
            name: next(iter(query.get(f"utm_{name}", [])), None)
            for name in ("campaign", "content", "medium", "source", "term")
        },
    }
    return {"ready": True, "firstVisit": visit, "lastVisit": visit, "customerOrderIndex": 1}
