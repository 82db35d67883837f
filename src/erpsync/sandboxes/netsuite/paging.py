"""NetSuite collection paging: ``limit``/``offset`` (at most 1000 a page) with ``links`` and totals.

    GET /services/rest/record/v1/customer?limit=2&offset=2
    {"links": [{"rel": "previous", ...}, {"rel": "first", ...}, {"rel": "next", ...}, {"rel": "last", ...},
               {"rel": "self", ...}],
     "count": 2, "hasMore": true, "items": [...], "offset": 2, "totalResults": 7}

Facts: platform-apis.md section 2 (Oracle help section_1546938065 and the SuiteQL pages).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from erpsync.sandboxes.netsuite.errors import NetSuiteError

MAX_PAGE = 1000
DEFAULT_PAGE = 1000
MAX_RESULTS = 100_000  # SuiteQL through REST serves at most 100,000 results


def page_window(limit: str | None, offset: str | None) -> tuple[int, int]:
    try:
        size = int(limit) if limit is not None else DEFAULT_PAGE
        start = int(offset) if offset is not None else 0
    except ValueError:
        raise NetSuiteError(400, "INVALID_PARAMETER", "limit and offset must be whole numbers.") from None
    if not 1 <= size <= MAX_PAGE:
        raise NetSuiteError(
            400, "INVALID_PARAMETER", f"Invalid limit {size}: the limit must be between 1 and {MAX_PAGE}."
        )
    if start < 0 or start >= MAX_RESULTS:
        raise NetSuiteError(
            400, "INVALID_PARAMETER", f"Invalid offset {start}: it must be between 0 and {MAX_RESULTS - 1}."
        )
    return size, start


def page(
    items: list[Any], *, limit: int, offset: int, url: str, query: dict[str, str] | None = None
) -> dict[str, Any]:
    """One page of ``items`` (already filtered) with NetSuite's envelope and navigation links."""
    total = min(len(items), MAX_RESULTS)
    window = items[offset : min(offset + limit, total)]

    def link(rel: str, at: int) -> dict[str, str]:
        params = {**(query or {}), "limit": str(limit), "offset": str(at)}
        return {"rel": rel, "href": f"{url}?{urlencode(params)}"}

    last = max(((total - 1) // limit) * limit, 0)
    links = []
    if offset > 0:
        links += [link("previous", max(offset - limit, 0)), link("first", 0)]
    if offset + limit < total:
        links += [link("next", offset + limit), link("last", last)]
    links.append(link("self", offset))
    return {
        "links": links,
        "count": len(window),
        "hasMore": offset + limit < total,
        "items": window,
        "offset": offset,
        "totalResults": total,
    }
