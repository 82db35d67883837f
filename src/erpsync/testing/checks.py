"""Run a mapping spec over every source record of a scenario and ask the target system whether it would
accept each result.

For each record: the spec is applied with look-ups answered by the scenario's systems
(``ScenarioLookup``); a mapping problem (a required field missing, a value not in a value map, a look-up
that finds nothing) is reported with the spec's own message. A mapped body is then checked by the target:
NetSuite bodies by the sandbox account's own validation (``POST /_sandbox/validate/{type}``: field names,
types, required fields, references to existing records; nothing is stored), Shopify inputs by coercing
them to the GraphQL input type the spec names in the sandbox's Admin API schema (unknown fields, wrong
types, missing non-null fields).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from graphql import GraphQLInputObjectType, coerce_input_value

from erpsync.mapping import MappingDataError, MappingSpec
from erpsync.sandboxes.shopify.graphql_server import load_schema
from erpsync.testing.records import SourceRecord

if TYPE_CHECKING:
    from erpsync.testing.lookup import ScenarioLookup


@dataclass(frozen=True)
class RecordCheck:
    """One source record through one spec: the mapped values, or why it could not be mapped or sent."""

    spec: str
    record: str
    values: dict[str, Any] | None
    mapping_problem: str | None = None
    target_rejection: str | None = None

    @property
    def ok(self) -> bool:
        return self.mapping_problem is None and self.target_rejection is None


@dataclass
class SpecReport:
    """Every record of one spec's source type in the scenario, checked."""

    spec: str
    source: str
    target: str
    checks: list[RecordCheck] = field(default_factory=list)
    unreadable: str | None = None  # why the scenario could not read the spec's source records at all

    @property
    def failures(self) -> list[RecordCheck]:
        return [check for check in self.checks if not check.ok]

    @property
    def ok(self) -> bool:
        """Every record mapped and accepted — and there was at least one record to check."""
        return bool(self.checks) and not self.failures

    def summary(self) -> str:
        head = f"{self.spec}: {self.source} -> {self.target}: {len(self.checks)} records"
        if self.unreadable:
            return f"{head}: not checked: {self.unreadable}"
        if not self.checks:
            return f"{head}: the scenario produced no {self.source} records, so nothing was checked"
        lines = [f"{head}, {len(self.failures)} failed"]
        for check in self.failures:
            reason = check.mapping_problem or check.target_rejection
            lines.append(f"  {check.record}: {reason}")
        return "\n".join(lines)


class TargetValidator:
    """Would the target system accept a mapped body? ``None`` when it would, else its error message."""

    def __init__(self, netsuite_url: str | None) -> None:
        self._netsuite_url = netsuite_url
        self._schema = load_schema()

    def rejection(self, spec: MappingSpec, values: dict[str, Any]) -> str | None:
        system, record_type = spec.target.system, spec.target.record_type
        if system == "netsuite":
            return self._netsuite(record_type, values)
        if system == "shopify":
            return self._shopify(record_type, values)
        return f"the scenario cannot validate {system} bodies (it validates NetSuite and Shopify targets)"

    def _netsuite(self, record_type: str, values: dict[str, Any]) -> str | None:
        if self._netsuite_url is None:
            return "the scenario's ERP is not NetSuite: NetSuite bodies cannot be validated"
        response = httpx.post(
            f"{self._netsuite_url}/_sandbox/validate/{record_type}", json=values, timeout=30
        )
        if response.status_code == 204:
            return None
        details = response.json().get("o:errorDetails", [{}])
        return "; ".join(
            f"NetSuite {response.status_code} {d.get('o:errorCode')}: {d.get('detail')}"
            + (f" (field {d['o:errorPath']})" if d.get("o:errorPath") else "")
            for d in details
        )

    def _shopify(self, input_type_name: str, values: dict[str, Any]) -> str | None:
        input_type = self._schema.type_map.get(input_type_name)
        if not isinstance(input_type, GraphQLInputObjectType):
            return f"Shopify's Admin API (the sandbox's schema) has no input type {input_type_name}"
        problems: list[str] = []

        def on_error(path: list[str | int], _invalid: Any, error: Exception) -> None:
            where = ".".join(str(p) for p in path) or input_type_name
            problems.append(f"{where}: {error}")

        coerce_input_value(values, input_type, on_error)
        return "; ".join(f"Shopify {p}" for p in problems) or None


def check_record(
    spec: MappingSpec, record: SourceRecord, lookup: ScenarioLookup, validator: TargetValidator
) -> RecordCheck:
    try:
        values = spec.apply(record.document, lookup=lookup, record=record.label).values
    except MappingDataError as problem:
        return RecordCheck(spec.name, record.label, None, mapping_problem=str(problem))
    return RecordCheck(spec.name, record.label, values, target_rejection=validator.rejection(spec, values))
