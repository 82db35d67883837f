"""Shopify global ids: ``gid://shopify/Product/123`` (https://shopify.dev/docs/api/usage/gids)."""

from __future__ import annotations

from graphql import GraphQLError

GID_PREFIX = "gid://shopify/"


def gid(resource: str, number: int) -> str:
    return f"{GID_PREFIX}{resource}/{number}"


def parse_gid(value: str, expected: str | None = None) -> tuple[str, int]:
    """``gid://shopify/Product/7?x=1`` -> ("Product", 7); a malformed id is a GraphQL error, as on Shopify."""
    if not isinstance(value, str) or not value.startswith(GID_PREFIX):
        raise GraphQLError(
            f"Invalid global id '{value}'", extensions={"code": "argumentLiteralsIncompatible"}
        )
    resource, _, rest = value[len(GID_PREFIX) :].partition("/")
    number = rest.split("?", 1)[0]
    if not number.isdigit() or (expected is not None and resource != expected):
        raise GraphQLError(
            f"Invalid global id '{value}'", extensions={"code": "argumentLiteralsIncompatible"}
        )
    return resource, int(number)


def number_of(value: str, expected: str) -> int:
    return parse_gid(value, expected)[1]


def maybe_number(value: str | None, expected: str) -> int | None:
    """The number of a well-formed gid of the expected type, else None (lets mutations answer a userError)."""
    if not isinstance(value, str) or not value.startswith(f"{GID_PREFIX}{expected}/"):
        return None
    number = value[len(GID_PREFIX) + len(expected) + 1 :].split("?", 1)[0]
    return int(number) if number.isdigit() else None
