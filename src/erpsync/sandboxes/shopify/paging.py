"""Relay cursor connections as Shopify serves them: ``edges{cursor node}``, ``nodes``, ``pageInfo``.

    products(first: 2, after: "eyJsYXN0X2lkIjo...") {
      edges { cursor node { id } }
      pageInfo { hasNextPage endCursor }
    }

A cursor is opaque base64 JSON of the sort key of the row it points at, so paging stays stable while rows
are added. ``first``/``last`` must be given and be at most 250 (https://shopify.dev/docs/api/usage/pagination-graphql).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

from graphql import GraphQLError

from erpsync.sandboxes.shopify.store import Record

MAX_PAGE_SIZE = 250

SortKey = Callable[[Record], Any]


def encode_cursor(key: Any) -> str:
    return base64.b64encode(json.dumps({"key": key}, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> Any:
    try:
        return json.loads(base64.b64decode(cursor.encode(), validate=True))["key"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise GraphQLError(
            f"Invalid cursor for current pagination sort.: {cursor}",
            extensions={"code": "BAD_USER_INPUT"},
        ) from exc


def _comparable(key: Any) -> Any:
    # JSON turns tuples into lists; compare lists element-wise with None sorting first.
    if isinstance(key, list | tuple):
        return tuple((value is not None, value) for value in key)
    return key


def check_page_size(first: int | None, last: int | None) -> None:
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last", extensions={"code": "BAD_USER_INPUT"})
    for name, value in (("first", first), ("last", last)):
        if value is not None and value > MAX_PAGE_SIZE:
            raise GraphQLError(
                f"The {name} argument must be less than or equal to {MAX_PAGE_SIZE}",
                extensions={"code": "BAD_USER_INPUT"},
            )
        if value is not None and value < 0:
            raise GraphQLError(f"{name} cannot be negative", extensions={"code": "BAD_USER_INPUT"})


def connection(
    rows: Sequence[Record],
    view: Callable[[Record], Any],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool = False,
    sort_key: SortKey | None = None,
    unlimited: bool = False,
) -> dict[str, Any]:
    """One page of ``rows`` as a connection object. ``unlimited`` (bulk operations) returns every row."""
    key_of: SortKey = sort_key or (lambda row: [row["id"]])
    if not unlimited:
        check_page_size(first, last)
    ordered = sorted(rows, key=lambda row: _comparable(key_of(row)), reverse=reverse)
    keys = [_comparable(key_of(row)) for row in ordered]
    start, stop = 0, len(ordered)
    if after is not None:
        after_key = _comparable(decode_cursor(after))
        start = next((i for i, k in enumerate(keys) if (k < after_key if reverse else k > after_key)), stop)
    if before is not None:
        before_key = _comparable(decode_cursor(before))
        stop = next(
            (i for i, k in enumerate(keys) if (k <= before_key if reverse else k >= before_key)), stop
        )
        stop = max(stop, start)
    window_start, window_stop = start, stop
    if not unlimited and first is not None:
        window_stop = min(stop, start + first)
    if not unlimited and last is not None:
        window_start = max(window_start, window_stop - last)
    page = ordered[window_start:window_stop]
    cursors = [encode_cursor(key_of(row)) for row in page]
    edges = [{"cursor": c, "node": view(row)} for c, row in zip(cursors, page, strict=True)]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": window_stop < len(ordered),
            "hasPreviousPage": window_start > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }
