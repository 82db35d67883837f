"""Shopify Payments payouts: read through ``shopifyPaymentsAccount { payouts }`` (GraphQL Admin API,
https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsAccount), translated by
``translate.finance.payout_from_graphql``.

Polling (``payouts_changed_since``): a payout changes status after it is issued (scheduled, in transit,
paid), so the poll re-reads every payout issued since the oldest one it has not yet seen final (paid,
failed, cancelled) — a handful a day — and hands them on; the flow's dedupe (a record's version is its
content) runs each status once. The cursor holds that ``issued_at`` watermark; the search
filter ``issued_at:>=`` and the ``ISSUED_AT`` sort key are Shopify's
(https://shopify.dev/docs/api/admin-graphql/latest/enums/PayoutSortKeys).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from erpsync.connectors.base import ChangeBatch, Unreadable
from erpsync.connectors.shopify.client import GraphQLClient
from erpsync.connectors.shopify.translate.common import legacy_id
from erpsync.connectors.shopify.translate.finance import PAYOUT_FIELDS, payout_from_graphql
from erpsync.errors import DataError
from erpsync.model import Payout

SYSTEM = "shopify"
PAYOUTS_QUERY = (
    "query($first: Int!, $after: String, $query: String) {\n"
    "  shopifyPaymentsAccount {\n"
    "    payouts(first: $first, after: $after, query: $query, sortKey: ISSUED_AT) {\n"
    f"      nodes {{ {PAYOUT_FIELDS} }}\n"
    "      pageInfo { hasNextPage endCursor }\n"
    "    }\n"
    "  }\n"
    "}"
)
FINAL = ("paid", "failed", "cancelled")


def _search(since: datetime | None, until: datetime | None = None) -> str | None:
    terms = []
    if since is not None:
        terms.append(f"issued_at:>='{since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'")
    if until is not None:
        terms.append(f"issued_at:<'{until.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'")
    return " AND ".join(terms) or None


def _read(
    client: GraphQLClient, since: datetime | None, until: datetime | None, page_size: int
) -> list[tuple[str, str, Payout | Unreadable]]:
    """(issuedAt, id, payout or why it is unreadable) of the payouts issued in ``[since, until)``."""
    read: list[tuple[str, str, Payout | Unreadable]] = []
    nodes = client.paginate(
        PAYOUTS_QUERY,
        {"query": _search(since, until)},
        connection_path=("shopifyPaymentsAccount", "payouts"),
        page_size=page_size,
    )
    for node in nodes:
        payout_id = legacy_id(node.get("id"))
        issued = _utc_text(node.get("issuedAt"))
        try:
            read.append((issued, payout_id, payout_from_graphql(node)))
        except DataError as error:
            read.append((issued, payout_id, Unreadable.of(payout_id, f"{SYSTEM}:{payout_id}", error)))
    return read


def _utc_text(value: object) -> str:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC).isoformat()
    except ValueError:
        return ""


def payouts_changed_since(
    client: GraphQLClient, cursor: str | None, *, page_size: int = 50
) -> ChangeBatch[Payout]:
    """The cursor is ``{"since": <issuedAt watermark>, "seen": [ids at the watermark handed out final]}``
    (JSON): the watermark is the oldest payout not yet final, else the newest payout; payouts issued at the
    watermark and already handed out in a final status are not handed out again."""
    state = json.loads(cursor) if cursor else {"since": None, "seen": []}
    since = datetime.fromisoformat(state["since"]) if state.get("since") else None
    seen = set(state.get("seen") or [])
    read = _read(client, since, None, page_size)
    fresh = [
        (issued, pid, item)
        for issued, pid, item in read
        if not (issued == state.get("since") and pid in seen)
    ]
    pending = [issued for issued, _, item in read if isinstance(item, Payout) and item.status not in FINAL]
    watermark = (
        min(pending) if pending else max((issued for issued, _, _ in read), default=state.get("since"))
    )
    final_at_watermark = [
        pid
        for issued, pid, item in read
        if issued == watermark and not (isinstance(item, Payout) and item.status not in FINAL)
    ]
    next_cursor = json.dumps({"since": watermark, "seen": sorted(final_at_watermark)})
    payouts = [item for _, _, item in fresh if isinstance(item, Payout)]
    unreadable = [item for _, _, item in fresh if isinstance(item, Unreadable)]
    return ChangeBatch(payouts, next_cursor, False, unreadable)


def payouts_issued_between(client: GraphQLClient, first_day: date, last_day: date) -> list[Payout]:
    """Every payout issued on ``first_day`` to ``last_day`` (UTC dates), for the tie-out."""
    start = datetime.combine(first_day, time(), tzinfo=UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=UTC)
    return [item for _, _, item in _read(client, start, end, 50) if isinstance(item, Payout)]


class PayoutReader:
    """Payout reads, a base class of ``ShopifyConnector``: what the payouts flow and the tie-out use."""

    client: GraphQLClient

    def payouts_changed_since(self, cursor: str | None) -> ChangeBatch[Payout]:
        """Payouts issued since the cursor's watermark (see the module docstring), oldest first."""
        return payouts_changed_since(self.client, cursor)

    def payouts_issued_between(self, first_day: date, last_day: date) -> list[Payout]:
        return payouts_issued_between(self.client, first_day, last_day)
