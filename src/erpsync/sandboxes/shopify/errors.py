"""Shopify's GraphQL error shapes.

Shopify's server is graphql-ruby; its validation messages and ``extensions.code`` values differ from
graphql-core's, and clients match on them, so the sandbox rewrites graphql-core's messages:

    {"errors": [{"message": "Field 'colour' doesn't exist on type 'Product'",
                 "locations": [{"line": 1, "column": 30}],
                 "path": ["query", "products", "edges", "node", "colour"],
                 "extensions": {"code": "undefinedField", "typeName": "Product", "fieldName": "colour"}}]}
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
)

logger = logging.getLogger("erpsync.sandboxes.shopify")

RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits"
INVALID_TOKEN_BODY = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}

Rewrite = tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, dict[str, Any]]]]

_REWRITES: list[Rewrite] = [
    (
        re.compile(r"Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'\."),
        lambda m: (
            f"Field '{m['field']}' doesn't exist on type '{m['type']}'",
            {"code": "undefinedField", "typeName": m["type"], "fieldName": m["field"]},
        ),
    ),
    (
        re.compile(r"Unknown argument '(?P<arg>\w+)' on field '(?P<type>\w+)\.(?P<field>\w+)'\."),
        lambda m: (
            f"Field '{m['field']}' doesn't accept argument '{m['arg']}'",
            {
                "code": "argumentNotAccepted",
                "name": m["field"],
                "typeName": "Field",
                "argumentName": m["arg"],
            },
        ),
    ),
    (
        re.compile(
            r"Field '(?P<field>\w+)' argument '(?P<arg>\w+)' of type '.*' is required, "
            r"but it was not provided\."
        ),
        lambda m: (
            f"Field '{m['field']}' is missing required arguments: {m['arg']}",
            {
                "code": "missingRequiredArguments",
                "className": "Field",
                "name": m["field"],
                "arguments": m["arg"],
            },
        ),
    ),
    (
        re.compile(r"Field '(?P<field>\w+)' of type '(?P<type>[^']+)' must have a selection of subfields.*"),
        lambda m: (
            f"Field must have selections (field '{m['field']}' returns {m['type'].strip('[]!')} but has no "
            f"selections. Did you mean '{m['field']} {{ ... }}'?)",
            {
                "code": "selectionMismatch",
                "nodeName": f"field '{m['field']}'",
                "typeName": m["type"].strip("[]!"),
            },
        ),
    ),
    (
        re.compile(r"Unknown type '(?P<type>\w+)'\..*"),
        lambda m: (
            f"No such type {m['type']}, so it can't be a fragment condition",
            {"code": "undefinedType", "typeName": m["type"]},
        ),
    ),
    (
        re.compile(
            r"(?:Enum '(?P<enum>\w+)'|(?P<type>\w+)) cannot represent (a )?non[- ].*value: (?P<value>.*?)\.?"
        ),
        lambda m: (
            f"Argument value {m['value']} is not a valid {m['enum'] or m['type']}",
            {"code": "argumentLiteralsIncompatible", "typeName": m["enum"] or m["type"]},
        ),
    ),
    (
        re.compile(r"Expected value of type '(?P<type>[^']+)', found (?P<value>.*?)\.?(;.*)?"),
        lambda m: (
            f"Argument value {m['value']} is not a valid {m['type'].strip('[]!')}",
            {"code": "argumentLiteralsIncompatible", "typeName": m["type"].strip("[]!")},
        ),
    ),
    (
        re.compile(r"Variable '\$(?P<var>\w+)' (?P<rest>.*)"),
        lambda m: (f"Variable ${m['var']} {m['rest']}", {"code": "INVALID_VARIABLE"}),
    ),
]


def _field_path(document: DocumentNode, target: Node) -> list[str]:
    """graphql-ruby reports where a validation error is: operation type (or name), then field names."""

    def visit(selection_set: SelectionSetNode | None, trail: list[str]) -> list[str] | None:
        for selection in selection_set.selections if selection_set else []:
            if selection is target:
                name = selection.name.value if isinstance(selection, FieldNode) else "..."
                return [*trail, name]
            if isinstance(selection, FieldNode):
                found = visit(selection.selection_set, [*trail, selection.name.value])
            elif isinstance(selection, InlineFragmentNode):
                label = f"... on {selection.type_condition.name.value}" if selection.type_condition else "..."
                found = visit(selection.selection_set, [*trail, label])
            else:
                found = None
            if found:
                return found
            if isinstance(selection, FieldNode):
                for argument in selection.arguments:
                    if argument is target:
                        return [*trail, selection.name.value, argument.name.value]
        return None

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = definition.name.value if definition.name else definition.operation.value
            label = f"{definition.operation.value} {root}" if definition.name else root
            found = visit(definition.selection_set, [label])
        elif isinstance(definition, FragmentDefinitionNode):
            found = visit(definition.selection_set, [f"fragment {definition.name.value}"])
        else:
            found = None
        if found:
            return found
    return []


def validation_error(error: GraphQLError, document: DocumentNode | None) -> dict[str, Any]:
    message, extensions = error.message, {"code": "GRAPHQL_VALIDATION_FAILED"}
    for pattern, rewrite in _REWRITES:
        match = pattern.fullmatch(error.message) or pattern.match(error.message)
        if match:
            message, extensions = rewrite(match)
            break
    shaped: dict[str, Any] = {"message": message}
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if document is not None and error.nodes:
        path = _field_path(document, error.nodes[-1])
        if path:
            shaped["path"] = path
    shaped["extensions"] = extensions
    return shaped


def execution_error(error: GraphQLError) -> dict[str, Any]:
    shaped: dict[str, Any] = {"message": error.message}
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        shaped["path"] = list(error.path)
    extensions = dict(error.extensions or {})
    if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        # an unexpected failure inside the sandbox: Shopify's internal error shape, the traceback in our log
        logger.error("resolver failed at %s", error.path, exc_info=error.original_error)
        shaped["message"] = "Internal error. Looks like something went wrong on our end."
        extensions = {"code": "INTERNAL_SERVER_ERROR"}
    shaped["extensions"] = extensions or {"code": "BAD_REQUEST"}
    return shaped


def throttled_error() -> dict[str, Any]:
    return {"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": RATE_LIMITS_DOC}}


def max_cost_error(cost: int, max_cost: int) -> dict[str, Any]:
    return {
        "message": (
            f"Query cost is {cost}, which exceeds the single query max cost limit ({max_cost}).\n\n"
            "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
            "cost of a query is calculated.\n\n"
            "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
            "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
        ),
        "extensions": {
            "code": "MAX_COST_EXCEEDED",
            "cost": cost,
            "maxCost": max_cost,
            "documentation": RATE_LIMITS_DOC,
        },
    }


def internal_error(request_id: str) -> dict[str, Any]:
    return {
        "errors": [
            {
                "message": "Internal error. Looks like something went wrong on our end.\n"
                f"Request ID: {request_id} "
                "(include this in support requests).",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            }
        ]
    }
