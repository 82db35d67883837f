"""Bulk operations: ``bulkOperationRunQuery``, ``bulkOperationCancel``, ``currentBulkOperation``, the JSONL.

The query runs over every row (no paging, no cost). The result is one JSON object per line; each node of a
nested connection is its own line carrying ``__parentId``, the id of the node it belongs to:

    {"id":"gid://shopify/Product/1","title":"Shirt"}
    {"id":"gid://shopify/ProductVariant/2","sku":"S-1","__parentId":"gid://shopify/Product/1"}

Bulk mutations (``bulkOperationRunMutation``, staged uploads) are in ``bulk_mutation.py`` and
``staged_uploads.py``.

Rules (https://shopify.dev/api/usage/bulk-operations/queries): at least one connection, at most five,
nested at most two levels deep. The sandbox completes the operation at once: the mutation answers CREATED,
and the next ``currentBulkOperation`` read is COMPLETED with a ``url`` served by the sandbox itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    get_named_type,
    parse,
)

from erpsync.sandboxes.shopify import bulk_mutation, rest, staged_uploads
from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import maybe_number
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, snapshot, user_error
from erpsync.sandboxes.shopify.store import Record

if TYPE_CHECKING:
    from erpsync.sandboxes.shopify.sandbox import ShopifySandbox

MAX_CONNECTIONS = 5
MAX_NESTING = 2


def _connections(schema: GraphQLSchema, operation: OperationDefinitionNode) -> list[int]:
    """The nesting depth of every connection field the bulk query selects (1 = top level)."""
    depths: list[int] = []

    def walk(selection_set: Any, parent: Any, depth: int) -> None:
        for selection in selection_set.selections if selection_set else []:
            if not isinstance(selection, FieldNode) or not isinstance(parent, GraphQLObjectType):
                continue
            definition = parent.fields.get(selection.name.value)
            if definition is None:
                continue
            field_type = get_named_type(definition.type)
            is_connection = field_type.name.endswith("Connection")
            if is_connection:
                depths.append(depth + 1)
            walk(selection.selection_set, field_type, depth + 1 if is_connection else depth)

    walk(operation.selection_set, schema.query_type, 0)
    return depths


def check_bulk_query(schema: GraphQLSchema, query: str) -> str | None:
    try:
        document = parse(query)
    except GraphQLError as error:
        return f"Invalid bulk query: {error}"
    operation = next((d for d in document.definitions if isinstance(d, OperationDefinitionNode)), None)
    if operation is None:
        return "Invalid bulk query: no query operation"
    depths = _connections(schema, operation)
    if not depths:
        return "Bulk queries must contain at least one connection."
    if len(depths) > MAX_CONNECTIONS:
        return f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
    if max(depths) > MAX_NESTING:
        return f"Bulk queries cannot contain connections with a nesting depth greater than {MAX_NESTING}."
    return None


def _is_connection(value: Any) -> bool:
    return isinstance(value, dict) and ("edges" in value or "nodes" in value)


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    if connection.get("edges") is not None:
        return [edge["node"] for edge in connection["edges"] if edge.get("node") is not None]
    return [node for node in connection.get("nodes") or [] if node is not None]


def _split(value: Any, children: list[dict[str, Any]]) -> Any:
    """``value`` without its nested connections, which are appended to ``children``."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            if _is_connection(item):
                children.append(item)
            else:
                kept[key] = _split(item, children)
        return kept
    if isinstance(value, list):
        return [_split(item, children) for item in value]
    return value


def flatten(data: dict[str, Any]) -> list[Record]:
    lines: list[Record] = []

    def emit(node: dict[str, Any], parent_id: str | None) -> None:
        children: list[dict[str, Any]] = []
        own = _split(node, children)
        if parent_id is not None:
            own["__parentId"] = parent_id
        lines.append(own)
        for child in children:
            for item in _nodes(child):
                emit(item, own.get("id"))

    for value in data.values():
        if _is_connection(value):
            for item in _nodes(value):
                emit(item, None)
        elif isinstance(value, dict):
            emit(value, None)
    return lines


def bulk_query_runner(sandbox: ShopifySandbox) -> Callable[[ResolveContext, Record], None]:
    """Runs a bulk operation's query and stores its JSONL where ``/_bulk/{shop}/{id}.jsonl`` serves it."""

    def run(ctx: ResolveContext, operation: Record) -> None:
        data, errors = sandbox.graphql.run_unlimited(ctx, operation["query"])
        now = ctx.store.now()
        if data is None:
            operation.update({"status": "FAILED", "error_code": "INTERNAL_SERVER_ERROR", "completed_at": now})
            return
        lines = flatten(data)
        text = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)
        path = f"/_bulk/{ctx.store.domain}/{operation['id']}.jsonl"
        sandbox.bulk_files[(ctx.store.domain, operation["id"])] = text
        operation.update(
            {
                "status": "COMPLETED",
                "completed_at": now,
                "object_count": len(lines),
                "root_object_count": sum(1 for line in lines if "__parentId" not in line),
                "file_size": len(text.encode()),
                "path": path if lines else None,
                "partial_errors": errors,
            }
        )

    return run


def bulk_operation_run_query(ctx: ResolveContext, query: str, groupObjects: bool = False) -> Payload:
    store = ctx.store
    running = [
        op
        for op in store.rows("bulk_operations")
        if op["type"] == "QUERY" and op["status"] in ("CREATED", "RUNNING")
    ]
    if running:
        message = f"A bulk query operation for this app and shop is already in progress: gid://shopify/BulkOperation/{running[0]['id']}."
        return {"bulkOperation": None, "userErrors": [user_error(message, None, "OPERATION_IN_PROGRESS")]}
    problem = check_bulk_query(ctx.extra["schema"], query)
    if problem:
        return {"bulkOperation": None, "userErrors": [user_error(problem, ["query"], "INVALID")]}
    operation = store.add(
        "bulk_operations", {"type": "QUERY", "status": "CREATED", "query": query, "object_count": 0}
    )
    if ctx.run_bulk_query is None:
        raise NotImplementedError("this sandbox context cannot run bulk queries")
    ctx.run_bulk_query(ctx, operation)
    ctx.emit(store, "bulk_operations/finish", rest.bulk_operation(operation))
    created = snapshot(
        "bulk_operations",
        operation["id"],
        status="CREATED",
        completedAt=None,
        objectCount=0,
        rootObjectCount=0,
        fileSize=None,
        url=None,
    )
    return {"bulkOperation": created, "userErrors": []}


def bulk_operation_cancel(ctx: ResolveContext, id: str) -> Payload:
    operation = ctx.store.get("bulk_operations", maybe_number(id, "BulkOperation"))
    if operation is None:
        return {"bulkOperation": None, "userErrors": [user_error("Bulk operation does not exist", ["id"])]}
    if operation["status"] in ("COMPLETED", "FAILED", "CANCELED", "EXPIRED"):
        message = f"A bulk operation cannot be canceled when it is {operation['status'].lower()}"
        return {
            "bulkOperation": snapshot("bulk_operations", operation["id"]),
            "userErrors": [user_error(message, ["id"])],
        }
    operation["status"] = "CANCELED"
    return {"bulkOperation": snapshot("bulk_operations", operation["id"]), "userErrors": []}


MUTATIONS: dict[str, MutationResolver] = {
    "bulkOperationRunQuery": bulk_operation_run_query,
    "bulkOperationCancel": bulk_operation_cancel,
    **bulk_mutation.MUTATIONS,  # bulkOperationRunMutation
    **staged_uploads.MUTATIONS,  # stagedUploadsCreate (its variables file)
}
