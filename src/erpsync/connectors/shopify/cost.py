"""What a GraphQL query will cost before it is sent, so the throttle can wait for it.

Shopify's calculated query cost (https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits,
cost rules [3P] in platform-apis.md §1): scalars and enums 0, objects 1, connections 2 + the number of items
requested (``first``/``last``) times the cost of one item, mutations 10. The exact figure comes back as
``extensions.cost.requestedQueryCost``; ``CostEstimator`` learns it per query shape and uses the static
estimate below only for a shape it has not sent yet, rounding up where the rules are unclear.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    parse,
)
from graphql.error import GraphQLError

MUTATION_COST = 10
CONNECTION_BASE_COST = 2
_DEFAULT_PAGE = 250  # a connection without first/last: assume Shopify's largest page, to stay conservative


def estimate_query_cost(query: str, variables: Mapping[str, Any] | None = None) -> int:
    """Static upper-bound-ish estimate of a query's requested cost; 50 when the text cannot be parsed."""
    try:
        document = parse(query)
    except GraphQLError:
        return 50
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    total = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            walker = _CostWalker(fragments, variables or {})
            if definition.operation is OperationType.MUTATION:
                total += MUTATION_COST * len(definition.selection_set.selections)
            else:
                total += walker.selection_cost(definition.selection_set)
    return max(total, 1)


class _CostWalker:
    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any]) -> None:
        self._fragments = fragments
        self._variables = variables

    def selection_cost(self, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost += self.field_cost(selection)
            elif isinstance(selection, InlineFragmentNode):
                cost += self.selection_cost(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragments.get(selection.name.value)
                cost += self.selection_cost(fragment.selection_set) if fragment else 0
        return cost

    def field_cost(self, field: FieldNode) -> int:
        if field.selection_set is None:
            return 0  # scalar or enum
        page = self._page_size(field)
        if page is None or not _is_connection(field.selection_set):
            # A plain object, or a list field (``taxLines``, ``transactions(first: 5)``): Shopify counts
            # connections by the items requested, other objects once.
            return 1 + self.selection_cost(field.selection_set)
        item_cost = max(1, self._item_cost(field.selection_set))
        return CONNECTION_BASE_COST + (page or _DEFAULT_PAGE) * item_cost

    def _item_cost(self, selection_set: SelectionSetNode) -> int:
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode) and selection.name.value in ("edges", "nodes"):
                inner = selection.selection_set
                is_edges = selection.name.value == "edges"
                cost += self._edges_cost(inner) if is_edges else self._nodes_cost(inner)
            elif isinstance(selection, FieldNode) and selection.name.value == "pageInfo":
                continue
            elif isinstance(selection, FieldNode):
                cost += self.field_cost(selection)
        return cost

    def _edges_cost(self, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode) and selection.name.value == "node":
                cost += self._nodes_cost(selection.selection_set)
        return cost

    def _nodes_cost(self, selection_set: SelectionSetNode | None) -> int:
        return 1 + self.selection_cost(selection_set)

    def _page_size(self, field: FieldNode) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                given = self._variables.get(value.name.value)
                return int(given) if isinstance(given, int) else _DEFAULT_PAGE
        return None


def _is_connection(selection_set: SelectionSetNode) -> bool:
    return any(
        isinstance(selection, FieldNode) and selection.name.value in ("edges", "nodes")
        for selection in selection_set.selections
    )


class CostEstimator:
    """Remembers the requested cost Shopify reported per query shape; estimates statically otherwise.

    The shape is the query text plus its integer variables (page sizes change the cost; ids and cursors do
    not), so every page of one paged read shares a learned cost after the first page.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._learned: dict[str, float] = {}

    @staticmethod
    def shape(query: str, variables: Mapping[str, Any] | None) -> str:
        sizes = {k: v for k, v in (variables or {}).items() if isinstance(v, int) and not isinstance(v, bool)}
        return query + "\n" + json.dumps(sizes, sort_keys=True)

    def estimate(self, query: str, variables: Mapping[str, Any] | None) -> float:
        with self._lock:
            learned = self._learned.get(self.shape(query, variables))
        return learned if learned is not None else float(estimate_query_cost(query, variables))

    def learn(self, query: str, variables: Mapping[str, Any] | None, requested_cost: float) -> None:
        with self._lock:
            self._learned[self.shape(query, variables)] = requested_cost
