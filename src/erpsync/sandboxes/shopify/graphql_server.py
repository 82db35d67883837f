"""The GraphQL Admin API endpoint's core: parse, validate, cost, throttle, execute, shape the answer.

POST /admin/api/2026-04/graphql.json  {"query": "{ shop { name } }"}
-> {"data": {"shop": {"name": "Acme"}},
    "extensions": {"cost": {"requestedQueryCost": 1, "actualQueryCost": 1,
                            "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1999.0,
                                               "restoreRate": 100.0}}}}
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute_sync,
    get_directive_values,
    get_operation_ast,
    parse,
    validate,
)

from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.cost import MAX_QUERY_COST, LeakyBucket, cost_extension, operation_cost
from erpsync.sandboxes.shopify.errors import (
    execution_error,
    max_cost_error,
    throttled_error,
    validation_error,
)
from erpsync.sandboxes.shopify.payload import MutationResolver, materialize
from erpsync.sandboxes.shopify.queries import QUERIES
from erpsync.sandboxes.shopify.views import Views

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
# Query texts whose parsed (and validated) document is kept: clients send the same few texts over and over
# (their queries are constants), and parsing and validating them again was half of serving a request.
DOCUMENTS_KEPT = 512


# Input arrays hold at most 250 items (https://shopify.dev/api/usage/limits); product variants up to 2048.
MAX_INPUT_ITEMS = 250
MAX_INPUT_ITEMS_BY_FIELD = {"variants": 2048}

# From 2026-04 these mutations must carry @idempotent(key:)
# (https://shopify.dev/changelog/making-idempotency-mandatory-for-inventory-adjustments-and-refund-mutations).
IDEMPOTENCY_REQUIRED_FROM = "2026-04"
IDEMPOTENCY_REQUIRED = {"inventorySetQuantities", "inventoryAdjustQuantities", "refundCreate"}


@functools.lru_cache(maxsize=DOCUMENTS_KEPT)
def parse_query(query: str) -> DocumentNode:
    """``query``'s document, parsed once per text (a text that does not parse raises every time)."""
    return parse(query)


@functools.cache
def _sdl_schema() -> GraphQLSchema:
    """Built once per process: resolvers read everything per request from ``info.context``, so every
    sandbox instance can share the bound schema (building it takes a noticeable fraction of a second)."""
    schema = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    # "An unsigned 64-bit integer ... encoded as a string of base-10 digits. Example value: "50""
    # (https://shopify.dev/docs/api/admin-graphql/latest/scalars/UnsignedInt64)
    unsigned = schema.type_map["UnsignedInt64"]
    assert isinstance(unsigned, GraphQLScalarType)
    unsigned.serialize = lambda value: str(int(value))  # type: ignore[method-assign]
    unsigned.parse_value = lambda value: int(str(value))  # type: ignore[method-assign]
    return schema


def load_schema() -> GraphQLSchema:
    return _sdl_schema()


def _oversized_input(value: Any, path: list[str]) -> tuple[list[str], int, int] | None:
    if isinstance(value, list):
        limit = MAX_INPUT_ITEMS_BY_FIELD.get(path[-1] if path else "", MAX_INPUT_ITEMS)
        if len(value) > limit:
            return path, len(value), limit
        for item in value:
            found = _oversized_input(item, path)
            if found:
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _oversized_input(item, [*path, key])
            if found:
                return found
    return None


class ShopifyGraphQL:
    """Binds the resolvers to the SDL schema and serves one request at a time per store."""

    def __init__(self, mutations: dict[str, MutationResolver]) -> None:
        self.schema = load_schema()
        self._validated: dict[str, list[GraphQLError]] = {}
        self.idempotent = self.schema.get_directive("idempotent")
        self.throttle_status_code = (
            200  # Shopify answers THROTTLED with 200 (or 429 [CONFLICT]; configurable)
        )
        for name, resolver in QUERIES.items():
            self.schema.query_type.fields[name].resolve = self._query(resolver)  # type: ignore[union-attr]
        mutation_type = self.schema.mutation_type
        assert mutation_type is not None
        missing = set(mutation_type.fields) - set(mutations)
        if missing:
            raise RuntimeError(f"mutations declared in schema.graphql without a resolver: {sorted(missing)}")
        for name, resolver in mutations.items():
            mutation_type.fields[name].resolve = self._mutation(name, resolver)

    # ------------------------------------------------------------------ binding
    @staticmethod
    def _query(resolver: Callable[..., Any]) -> Callable[..., Any]:
        def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
            return resolver(Views(info.context), **args)

        return resolve

    def _idempotency_key(self, info: GraphQLResolveInfo) -> str | None:
        assert self.idempotent is not None
        for node in (info.field_nodes[0], info.operation):
            values = get_directive_values(self.idempotent, node, info.variable_values)
            if values and values.get("key"):
                return str(values["key"])
        return None

    def _mutation(self, name: str, resolver: MutationResolver) -> Callable[..., Any]:
        def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
            ctx: ResolveContext = info.context
            oversized = _oversized_input(args, [name])
            if oversized:
                _path, size, limit = oversized
                raise GraphQLError(
                    f"The input array size of {size} is greater than the maximum allowed of {limit}.",
                    extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"},
                )
            key = self._idempotency_key(info)
            if key is None and name in IDEMPOTENCY_REQUIRED and ctx.api_version >= IDEMPOTENCY_REQUIRED_FROM:
                raise GraphQLError(
                    f"The @idempotent directive is required for {name} (API version {ctx.api_version}).",
                    extensions={"code": "BAD_REQUEST"},
                )
            with ctx.store.lock:
                payload = self._run_once(ctx, name, key, args, resolver)
            return materialize(Views(ctx), payload)

        return resolve

    @staticmethod
    def _run_once(
        ctx: ResolveContext, name: str, key: str | None, args: dict[str, Any], resolver: MutationResolver
    ) -> dict[str, Any]:
        """Apply the mutation, or replay the first result for a key already used with the same arguments."""
        if key is None:
            return resolver(ctx, **args)
        fingerprint = json.dumps(args, sort_keys=True, default=str)
        slot = f"{name}:{key}"
        seen = ctx.store.idempotency.get(slot)
        if seen is not None:
            if seen["fingerprint"] != fingerprint:
                raise GraphQLError(
                    "The idempotency key has already been used with different arguments.",
                    extensions={"code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"},
                )
            if "payload" in seen:
                return dict(seen["payload"])
        payload = resolver(ctx, **args)
        ctx.store.idempotency[slot] = {"fingerprint": fingerprint, "payload": payload}
        return payload

    # ------------------------------------------------------------------ serving
    def handle(self, ctx: ResolveContext, body: Any, bucket: LeakyBucket) -> tuple[int, dict[str, Any]]:
        """HTTP status and JSON body for one GraphQL request."""
        if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
            return 400, {"errors": {"query": "Required parameter missing or invalid"}}
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            return 400, {"errors": {"variables": "Invalid variables"}}
        try:
            document = parse_query(body["query"])
        except GraphQLError as error:
            return 200, self._answer({"errors": [validation_error(error, None)]}, 0, 0, bucket)
        problems = self._validate(body["query"], document)
        if problems:
            return 200, self._answer(
                {"errors": [validation_error(e, document) for e in problems]}, 0, 0, bucket
            )
        operation = get_operation_ast(document, body.get("operationName"))
        if operation is None:
            missing = {
                "message": "An operation name is required",
                "extensions": {"code": "OPERATION_NAME_REQUIRED"},
            }
            return 200, self._answer({"errors": [missing]}, 0, 0, bucket)
        return self._execute(ctx, document, operation, variables, bucket)

    def _validate(self, query: str, document: DocumentNode) -> list[GraphQLError]:
        problems = self._validated.get(query)
        if problems is None:
            problems = validate(self.schema, document)
            if len(self._validated) < DOCUMENTS_KEPT:
                self._validated[query] = problems
        return problems

    def _execute(
        self,
        ctx: ResolveContext,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        bucket: LeakyBucket,
    ) -> tuple[int, dict[str, Any]]:
        try:
            requested = operation_cost(self.schema, document, operation, variables)
        except (GraphQLError, TypeError, ValueError):
            requested = 0  # bad variables: execution reports them below
        if requested > MAX_QUERY_COST:
            return 200, self._answer(
                {"errors": [max_cost_error(requested, MAX_QUERY_COST)]}, requested, None, bucket
            )
        if not bucket.try_charge(requested):
            return self.throttle_status_code, self._answer(
                {"errors": [throttled_error()]}, requested, None, bucket
            )
        with ctx.store.lock:  # one request sees one consistent store, even with shoppers checking out
            result = execute_sync(
                self.schema,
                document,
                context_value=ctx,
                variable_values=variables,
                operation_name=operation.name.value if operation.name else None,
            )
        if result.data is None and result.errors:
            # variables that do not fit their types: nothing ran, nothing is charged
            bucket.refund(requested)
            rejected = {"errors": [validation_error(e, document) for e in result.errors]}
            return 200, self._answer(rejected, requested, 0, bucket)
        actual = operation_cost(self.schema, document, operation, variables, result.data, actual=True)
        actual = min(actual, requested)
        bucket.refund(requested - actual)
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer = {"errors": [execution_error(e) for e in result.errors], **answer}
        return 200, self._answer(answer, requested, actual, bucket)

    @staticmethod
    def _answer(
        body: dict[str, Any], requested: int, actual: int | None, bucket: LeakyBucket
    ) -> dict[str, Any]:
        body["extensions"] = cost_extension(requested, actual, bucket.status())
        return body

    # ------------------------------------------------------------------ bulk operations
    def run_unlimited(self, ctx: ResolveContext, query: str) -> tuple[dict[str, Any] | None, list[str]]:
        """Execute a bulk operation's query over every row (no paging, no cost); data and error messages."""
        try:
            document = parse(query)
        except GraphQLError as error:
            return None, [error.message]
        problems = validate(self.schema, document)
        if problems:
            return None, [validation_error(e, document)["message"] for e in problems]
        operation = get_operation_ast(document)
        if operation is None or operation.operation.value != "query":
            return None, ["Bulk queries must contain exactly one query operation."]
        if not any(isinstance(s, FieldNode) for s in operation.selection_set.selections):
            return None, ["Bulk queries must select at least one field."]
        result = execute_sync(self.schema, document, context_value=replace(ctx, unlimited=True))
        return result.data, [e.message for e in result.errors or []]
