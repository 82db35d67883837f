"""Calculated query cost and the leaky bucket, as Shopify documents them.

Cost (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits): scalar and enum fields 0, object
fields 1, connections 2 plus the items requested (``first``/``last``) times the cost of one item, interfaces
and unions the maximum of their possible selections, each mutation field 10. The *requested* cost comes
from the query alone; the *actual* cost counts what was returned (fewer edges, null objects).

Bucket: per app and store, the requested cost is charged up front and the difference to the actual cost
refunded after execution (https://help.shopify.com/en/api/graphql-admin-api/call-limit). A query whose
requested cost is above what is available is THROTTLED and charged nothing; above 1000 it is
MAX_COST_EXCEEDED whatever the bucket holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
    value_from_ast,
)

MAX_QUERY_COST = 1000
MUTATION_COST = 10
CONNECTION_BASE_COST = 2

# restore rate in points per second; the bucket holds 20 seconds of it (captured responses: 2000/100,
# 4000/200, 20000/1000; docs/connectors/shopify-sandbox.md)
RATE_LIMIT_PRESETS: dict[str, int] = {"standard": 100, "advanced": 200, "plus": 1000, "enterprise": 2000}
BUCKET_SECONDS = 20


def _is_connection(type_name: str) -> bool:
    return type_name.endswith("Connection")


@dataclass
class _Walk:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]

    def selection_cost(
        self, selection_set: SelectionSetNode | None, parent: Any, data: Any, actual: bool
    ) -> int:
        """Cost of the fields below ``parent``; ``data`` is the returned value when computing actual cost."""
        if selection_set is None:
            return 0
        common, by_type = 0, dict[str, int]()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                common += self.field_cost(selection, parent, data, actual)
            elif isinstance(selection, InlineFragmentNode):
                type_name = selection.type_condition.name.value if selection.type_condition else parent.name
                fragment_parent = self.schema.get_type(type_name) or parent
                by_type[type_name] = by_type.get(type_name, 0) + self.selection_cost(
                    selection.selection_set, fragment_parent, data, actual
                )
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    type_name = fragment.type_condition.name.value
                    fragment_parent = self.schema.get_type(type_name) or parent
                    by_type[type_name] = by_type.get(type_name, 0) + self.selection_cost(
                        fragment.selection_set, fragment_parent, data, actual
                    )
        # fragments on the parent's own type always apply; fragments on possible types: the most expensive
        own = by_type.pop(parent.name, 0) if hasattr(parent, "name") else 0
        return common + own + (max(by_type.values()) if by_type else 0)

    def field_cost(self, node: FieldNode, parent: Any, data: Any, actual: bool) -> int:
        if node.name.value.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0
        definition: GraphQLField | None = parent.fields.get(node.name.value)
        if definition is None:
            return 0
        field_type = get_named_type(definition.type)
        if is_leaf_type(field_type):
            return 0
        key = node.alias.value if node.alias else node.name.value
        value = data.get(key) if actual and isinstance(data, dict) else None
        if actual and value is None:
            return 0
        if _is_connection(field_type.name):
            return self.connection_cost(node, definition, field_type, value, actual)
        if actual and isinstance(value, list):
            return sum(1 + self.selection_cost(node.selection_set, field_type, item, True) for item in value)
        return 1 + self.selection_cost(node.selection_set, field_type, value, actual)

    def connection_cost(
        self, node: FieldNode, definition: GraphQLField, connection_type: Any, value: Any, actual: bool
    ) -> int:
        edge_type = get_named_type(connection_type.fields["edges"].type)
        node_type = get_named_type(edge_type.fields["node"].type)
        items = self._items(node, definition, value, actual)
        per_item_selections = self._node_selections(node)
        if actual:
            return CONNECTION_BASE_COST + sum(
                1 + sum(self.selection_cost(s, node_type, item, True) for s in per_item_selections)
                for item in items
            )
        per_item = 1 + sum(self.selection_cost(s, node_type, None, False) for s in per_item_selections)
        return CONNECTION_BASE_COST + len(items) * per_item

    def _items(self, node: FieldNode, definition: GraphQLField, value: Any, actual: bool) -> list[Any]:
        if actual:
            # what came back: nodes from `edges { node }` and from `nodes`, whichever the client asked for
            edges = [edge.get("node") or {} for edge in value.get("edges") or []]
            nodes = value.get("nodes") or []
            merged = []
            for index in range(max(len(edges), len(nodes))):
                item: dict[str, Any] = {}
                item.update(edges[index] if index < len(edges) else {})
                item.update(nodes[index] if index < len(nodes) else {})
                merged.append(item)
            return merged
        size = 0
        for argument in node.arguments:
            if argument.name.value in ("first", "last"):
                arg_type = definition.args[argument.name.value].type
                size = max(size, int(value_from_ast(argument.value, arg_type, self.variables) or 0))
        return [None] * size

    def _node_selections(self, node: FieldNode) -> list[SelectionSetNode]:
        """The selection sets that describe one item: ``edges { node {…} }`` and ``nodes {…}``."""
        found: list[SelectionSetNode] = []
        for selection in node.selection_set.selections if node.selection_set else []:
            if not isinstance(selection, FieldNode) or selection.selection_set is None:
                continue
            if selection.name.value == "nodes":
                found.append(selection.selection_set)
            elif selection.name.value == "edges":
                for inner in selection.selection_set.selections:
                    if isinstance(inner, FieldNode) and inner.name.value == "node" and inner.selection_set:
                        found.append(inner.selection_set)
        return found


def _walk(schema: GraphQLSchema, document: Any, variables: dict[str, Any] | None) -> _Walk:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _Walk(schema, fragments, variables or {})


def operation_cost(
    schema: GraphQLSchema,
    document: Any,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None,
    data: dict[str, Any] | None = None,
    *,
    actual: bool = False,
) -> int:
    walk = _walk(schema, document, variables)
    if operation.operation.value == "mutation":
        mutation_fields = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
        if actual and data is not None:
            return MUTATION_COST * sum(1 for f in mutation_fields if (f.alias or f.name).value in data)
        return MUTATION_COST * len(mutation_fields)
    root = schema.query_type
    return walk.selection_cost(operation.selection_set, root, data if actual else None, actual)


@dataclass
class ThrottleStatus:
    maximum_available: float
    currently_available: float
    restore_rate: float

    def as_json(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": self.currently_available,
            "restoreRate": self.restore_rate,
        }


class LeakyBucket:
    """Points available to one app on one store, refilled at ``restore_rate`` per second of sandbox time."""

    def __init__(self, restore_rate: float, now: Callable[[], float]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self.restore_rate = float(restore_rate)
        self.maximum = self.restore_rate * BUCKET_SECONDS
        self._available = self.maximum
        self._at = now()

    def _refill(self) -> None:
        moment = self._now()
        elapsed = max(0.0, moment - self._at)
        self._available = min(self.maximum, self._available + elapsed * self.restore_rate)
        self._at = moment

    def try_charge(self, cost: int) -> bool:
        with self._lock:
            self._refill()
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def refund(self, points: int) -> None:
        with self._lock:
            self._refill()
            self._available = min(self.maximum, self._available + points)

    def status(self) -> ThrottleStatus:
        with self._lock:
            self._refill()
            return ThrottleStatus(self.maximum, round(self._available, 1), self.restore_rate)

    def rebase(self, now: Callable[[], float]) -> None:
        """Switch the time source (refilling up to the switch on the old one)."""
        with self._lock:
            self._refill()
            self._now = now
            self._at = now()

    def set_rate(self, restore_rate: float) -> None:
        with self._lock:
            self._refill()
            self.restore_rate = float(restore_rate)
            self.maximum = self.restore_rate * BUCKET_SECONDS
            self._available = min(self._available, self.maximum)


def cost_extension(requested: int, actual: int | None, status: ThrottleStatus) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": status.as_json(),
        }
    }
