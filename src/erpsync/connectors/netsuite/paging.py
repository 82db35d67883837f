"""NetSuite's paging: ``limit``/``offset`` query parameters, a page body with ``links`` (rel next/last/self).

Record collections and SuiteQL answer the same shape (Oracle help "Collection Paging", section_156414087576)::

    GET /services/rest/record/v1/customer?limit=2&offset=0
    {"links": [{"rel": "next", "href": "https://…/customer?limit=2&offset=2"}, {"rel": "self", …}],
     "count": 2, "hasMore": true, "offset": 0, "totalResults": 5, "items": [{"id": "107", "links": […]}, …]}

``limit`` is at most 1000; a query reads at most 100,000 results (offset + limit ≤ 100,000); the offset is a
multiple of the limit, so pages are always asked for from offset 0 in steps of one page.
The ``next`` link's host is the account's own domain, so only its ``limit``/``offset`` are taken; the client
keeps talking to the base URL it was configured with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_LIMIT = 1000
MAX_RESULTS = 100_000


@dataclass(frozen=True)
class Page:
    """One page of a collection or a SuiteQL query."""

    items: list[dict[str, Any]]
    offset: int
    has_more: bool
    total_results: int | None
    next_offset: int | None

    @classmethod
    def from_body(cls, body: dict[str, Any], *, requested_offset: int) -> Page:
        items = body.get("items") or []
        offset = int(body.get("offset", requested_offset))
        has_more = bool(body.get("hasMore", False))
        next_offset = link_offset(body.get("links"), "next")
        if next_offset is None and has_more:
            next_offset = offset + int(body.get("count", len(items)))
        total = body.get("totalResults")
        return cls(
            items=list(items),
            offset=offset,
            has_more=has_more and next_offset is not None,
            total_results=int(total) if total is not None else None,
            next_offset=next_offset if has_more else None,
        )


def link_offset(links: Any, rel: str) -> int | None:
    """The ``offset`` of the link with relation ``rel`` in a ``links`` list, if there is one."""
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("rel") == rel and link.get("href"):
            values = parse_qs(urlsplit(str(link["href"])).query).get("offset")
            return int(values[0]) if values else 0
    return None


def check_window(limit: int, offset: int) -> None:
    """Refuse a page NetSuite would refuse: limit 1..1000, offset + limit within the 100,000 results cap."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"NetSuite pages hold 1 to {MAX_LIMIT} items, asked for {limit}")
    if offset < 0 or offset + limit > MAX_RESULTS:
        raise ValueError(
            f"NetSuite reads at most {MAX_RESULTS} results of one query; "
            f"offset {offset} + limit {limit} is past it"
            " (narrow the query, e.g. by lastModifiedDate, instead of paging further)"
        )
