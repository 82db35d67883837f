"""Shopify's search query syntax for the ``query:`` argument of list fields.

    orders(first: 50, query: "updated_at:>='2026-12-01T00:00:00Z' status:open -tag:test")
    products(first: 10, query: "sku:ABC* OR title:shirt")

Terms are ANDed, ``OR`` separates alternatives, ``-`` or ``NOT`` negates, comparators are ``:``, ``:>``,
``:>=``, ``:<``, ``:<=``, ``*`` is a prefix wildcard, a bare word searches the default text fields
(https://shopify.dev/docs/api/usage/search-syntax). A filter on an unknown field is
ignored: Shopify answers with every row and a search warning.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from erpsync.sandboxes.shopify.store import Record

# field name -> value(s) of a record for that field; "default" holds the bare-word text fields
SearchFields = Callable[[Record], dict[str, Any]]

_TERM = re.compile(r"^(?P<field>[A-Za-z_][\w.]*):(?P<op>>=|<=|>|<|=)?(?P<value>.*)$")


@dataclass(frozen=True)
class Term:
    field: str | None
    op: str
    value: str
    negated: bool = False


def parse(query: str | None) -> list[list[Term]]:
    """Alternatives (OR) of conjunctions (AND) of terms."""
    if not query or not query.strip():
        return []
    lexer = shlex.shlex(query.replace("(", " ").replace(")", " "), posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    alternatives: list[list[Term]] = [[]]
    negate_next = False
    for token in lexer:
        if token == "OR":
            alternatives.append([])
            continue
        if token == "AND":
            continue
        if token == "NOT":
            negate_next = True
            continue
        negated = negate_next or token.startswith("-")
        negate_next = False
        token = token.lstrip("-") if token.startswith("-") else token
        match = _TERM.match(token)
        if match:
            term = Term(match["field"].lower(), match["op"] or "=", match["value"], negated)
        else:
            term = Term(None, "=", token, negated)
        alternatives[-1].append(term)
    return [terms for terms in alternatives if terms]


@lru_cache(maxsize=65536)  # a search compares every row's timestamps; a shop's rows share many seconds
def _as_datetime(value: str) -> datetime | None:
    text = value.strip("'\"")
    if text.lower() == "now":
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _compare(actual: Any, op: str, wanted: str) -> bool:
    if actual is None:
        return False
    if isinstance(actual, list | tuple | set):
        return any(_compare(item, op, wanted) for item in actual)
    if isinstance(actual, bool):
        return op == "=" and str(actual).lower() == wanted.lower()
    if isinstance(actual, int | float):
        try:
            number = float(wanted)
        except ValueError:
            return False
        return _ordered(actual, op, number)
    text = str(actual)
    moment = _as_datetime(text) if len(text) >= 10 and text[4:5] == "-" else None
    if moment is not None:
        wanted_moment = _as_datetime(wanted)
        return wanted_moment is not None and _ordered(moment, op, wanted_moment)
    wanted_text = wanted.strip("'\"").lower()
    if op != "=":
        return _ordered(text.lower(), op, wanted_text)
    if wanted_text.endswith("*"):
        return text.lower().startswith(wanted_text[:-1])
    return text.lower() == wanted_text


def _ordered(actual: Any, op: str, wanted: Any) -> bool:
    if op == ">":
        return bool(actual > wanted)
    if op == ">=":
        return bool(actual >= wanted)
    if op == "<":
        return bool(actual < wanted)
    if op == "<=":
        return bool(actual <= wanted)
    return bool(actual == wanted)


def _term_matches(term: Term, values: dict[str, Any]) -> bool:
    if term.field is None:
        word = term.value.strip("'\"").lower().rstrip("*")
        texts = values.get("default", [])
        found = any(word in str(text).lower() for text in texts if text)
    elif term.field not in values:
        return True  # Shopify ignores an unknown filter field (and warns); so does the sandbox
    else:
        found = _compare(values[term.field], term.op, term.value)
    return found != term.negated


def matches(query: str | None, record: Record, fields: SearchFields) -> bool:
    return _matches(parse(query), record, fields)


def search(rows: list[Record], query: str | None, fields: SearchFields) -> list[Record]:
    # Parsed once, not once per row: on a 4,000-order shop, parsing per row was half of an orders page.
    alternatives = parse(query)
    if not alternatives:
        return list(rows)
    return [row for row in rows if _matches(alternatives, row, fields)]


def _matches(alternatives: list[list[Term]], record: Record, fields: SearchFields) -> bool:
    if not alternatives:
        return True
    values = fields(record)
    return any(all(_term_matches(term, values) for term in terms) for terms in alternatives)
