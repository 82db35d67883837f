"""A loaded mapping spec and how it maps one record: ``MappingSpec.apply(source_document, ...)``.

Each target field has a ``FieldRule`` with its expressions compiled at load time. A field's value comes from
exactly one source (``from`` expression, constant ``value``, ``lookup`` through the id cross-reference, or an
``each`` list of sub-records), then goes through its transforms, then its value map; ``default`` fills a field
that selected nothing and ``required`` turns nothing into a data problem. Problems are collected over the
whole record and raised together as one ``MappingDataError``, so an operator fixes them in one go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from erpsync.errors import DataError
from erpsync.mapping.errors import FieldProblem, MappingDataError, Prerequisite
from erpsync.mapping.expressions import Expression, ExpressionRuntimeError, to_json_document
from erpsync.mapping.ownership import Conflict, same_system
from erpsync.mapping.schema import Endpoint, Trigger, ValueMap, _map_key
from erpsync.mapping.transforms import Transform, TransformError, string


class Lookup(Protocol):
    """The id cross-reference as the mapping needs it; ``erpsync.store`` provides the real one."""

    def external_id(self, system: str, record_type: str, business_key: str) -> str | None: ...


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class LookupRule:
    system: str
    record_type: str
    key: Expression


@dataclass(frozen=True)
class FieldRule:
    """How one target field gets its value; ``label`` is the full path people see (``item.items[].rate``)."""

    target: str
    label: str
    line: int
    expression: Expression | None = None
    constant: Any = MISSING
    lookup: LookupRule | None = None
    each: Expression | None = None
    fields: tuple[FieldRule, ...] = ()
    transforms: tuple[Transform, ...] = ()
    value_map: str | None = None
    default: Any = MISSING
    required: bool = False
    owner: str | None = None  # resolved system name
    owner_declared: str | None = None  # as written in the spec: store, erp or a system
    description: str | None = None

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.target.split("."))

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING


@dataclass
class MappingResult:
    """The target record's fields, and the changes refused because another system owns the field."""

    values: dict[str, Any]
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass(frozen=True)
class MappingSpec:
    """One loaded, validated spec: how ``source`` records of one type become ``target`` records."""

    path: Path
    spec_version: int
    name: str
    flow: str
    description: str
    source: Endpoint
    target: Endpoint
    trigger: Trigger
    value_maps: Mapping[str, ValueMap]
    fields: tuple[FieldRule, ...]

    @property
    def lookups(self) -> list[tuple[str, str]]:
        """(system, record_type) of every record this spec looks up: what its records may wait for."""
        found: dict[tuple[str, str], None] = {}
        for rule in _walk(self.fields):
            if rule.lookup is not None:
                found[(rule.lookup.system, rule.lookup.record_type)] = None
        return list(found)

    def apply(
        self,
        source_document: Mapping[str, Any] | BaseModel,
        *,
        lookup: Lookup | None = None,
        changed_by: str | None = None,
        current: Mapping[str, Any] | None = None,
        record: str | None = None,
    ) -> MappingResult:
        """Map one source record to the target's fields.

        ``changed_by`` is the system the change came from. When it is given and ``current`` (the target record
        as it is now) exists, a field owned by another system keeps its current value and the refused change
        is returned in ``conflicts``. Without ``current`` the target record does not exist yet, so every field
        is seeded. Raises ``MappingDataError`` listing every problem in the record; ``record`` names the
        record in its message (e.g. ``"#1042"``), else the source record's ``name`` or ``id`` is used.
        """
        if lookup is None and self.lookups:
            raise TypeError(f"mapping '{self.name}' looks up {self.lookups}; pass lookup= (the id store)")
        document = to_json_document(source_document)
        if not isinstance(document, dict):
            raise DataError(
                f"mapping '{self.name}' needs a {self.source.system} {self.source.record_type} object, "
                f"got {type(document).__name__}",
                suggested_fix="pass the record itself (a JSON object), not a list or a value",
            )
        run = _Run(self, document, lookup)
        values: dict[str, Any] = {}
        conflicts: list[Conflict] = []
        for rule in self.fields:
            proposed = run.resolve(rule, document, rule.label)
            if proposed is MISSING:
                continue
            if rule.owner and changed_by and current is not None and not same_system(rule.owner, changed_by):
                kept = _get_path(current, rule.path)
                kept_json = None if kept is MISSING else to_json_document(kept)
                if not _same_value(kept_json, proposed):
                    conflicts.append(Conflict(rule.label, rule.owner, changed_by, kept_json, proposed))
                if kept is not MISSING:
                    _set_path(values, rule.path, kept_json)
                continue
            _set_path(values, rule.path, proposed)
        if run.problems:
            raise MappingDataError(self.name, run.problems, record=self._describe(document, record))
        return MappingResult(values=values, conflicts=conflicts)

    def _describe(self, document: dict[str, Any], record: str | None) -> str:
        identity = record or next((str(document[k]) for k in ("name", "id") if document.get(k)), None)
        kind = f"{self.source.system} {self.source.record_type}"
        return f"{kind} {identity}" if identity else kind


class _Run:
    """One apply() call: the record, the lookup, and the problems found so far."""

    def __init__(self, spec: MappingSpec, root: dict[str, Any], lookup: Lookup | None) -> None:
        self.spec = spec
        self.root = root
        self.lookup = lookup
        self.problems: list[FieldProblem] = []
        self.maps = {name: dict(value_map.values) for name, value_map in spec.value_maps.items()}

    def problem(self, label: str, problem: str, fix: str, prerequisite: Prerequisite | None = None) -> Any:
        self.problems.append(FieldProblem(label, problem, fix, prerequisite))
        return MISSING

    def resolve(self, rule: FieldRule, context: Any, label: str) -> Any:
        try:
            value = self._raw_value(rule, context, label)
            if value is MISSING:
                return MISSING
            if rule.lookup is None:
                for transform in rule.transforms:
                    value = transform(value)
            if rule.value_map is not None and value is not None:
                value = self._map(rule.value_map, value, label)
        except ExpressionRuntimeError as exc:
            return self.problem(
                label,
                f"expression failed on this record: {exc.message}",
                f"fix the record, or the expression at {self.spec.path.name}:{rule.line}",
            )
        except TransformError as exc:
            return self.problem(label, exc.problem, exc.fix)
        return self._fill(rule, value, label)

    def _raw_value(self, rule: FieldRule, context: Any, label: str) -> Any:
        if rule.expression is not None:
            return rule.expression.evaluate(context, self.root, self.maps)
        if rule.constant is not MISSING:
            return to_json_document(rule.constant)
        if rule.lookup is not None:
            return self._lookup(rule, context, label)
        if rule.each is not None:
            return self._each(rule, context, label)
        raise AssertionError(f"field {label} has no source; the loader guarantees one")  # pragma: no cover

    def _fill(self, rule: FieldRule, value: Any, label: str) -> Any:
        if value is not None and value != []:
            return value
        if rule.has_default:
            return to_json_document(rule.default)
        if rule.required:
            return self.problem(
                label,
                "required field has no value in this record",
                f"fill it in {self.spec.source.system}, or give the field a default in {self.spec.path.name}",
            )
        return MISSING if value is None else value

    def _map(self, map_name: str, value: Any, label: str) -> Any:
        if isinstance(value, list):
            return [None if item is None else self._map(map_name, item, label) for item in value]
        value_map = self.spec.value_maps[map_name]
        if isinstance(value, (dict, list)):
            return self.problem(
                label,
                f"value map '{map_name}' needs a single value, got a {type(value).__name__}",
                "point the expression at one value",
            )
        key = _map_key(value)
        if key in value_map.values:
            return to_json_document(value_map.values[key])
        if not value_map.strict:
            return to_json_document(value_map.default)
        return self.problem(
            label,
            f"value {value!r} is not in value map '{map_name}'",
            f"add {key!r} to value_maps.{map_name}.values in {self.spec.path.name} or give the map a default",
        )

    def _lookup(self, rule: FieldRule, context: Any, label: str) -> Any:
        assert rule.lookup is not None and self.lookup is not None
        key = rule.lookup.key.evaluate(context, self.root, self.maps)
        for transform in rule.transforms:
            key = transform(key)
        if key is None or key == "":
            return None
        if isinstance(key, (dict, list)):
            return self.problem(
                label,
                f"lookup key {rule.lookup.key.text!r} selected a {type(key).__name__}, not one key",
                f"make the key select a single value ({self.spec.path.name}:{rule.line})",
            )
        business_key = string(key)
        found = self.lookup.external_id(rule.lookup.system, rule.lookup.record_type, business_key)
        if found is not None:
            return found
        prerequisite = Prerequisite(rule.lookup.system, rule.lookup.record_type, business_key)
        return self.problem(
            label,
            f"no {rule.lookup.system} {rule.lookup.record_type} is linked to {business_key!r}",
            f"create {rule.lookup.record_type} {business_key!r} in {rule.lookup.system} or link it in the id "
            f"cross-reference; the record waits for {prerequisite.name}",
            prerequisite,
        )

    def _each(self, rule: FieldRule, context: Any, label: str) -> Any:
        assert rule.each is not None
        selected = rule.each.evaluate(context, self.root, self.maps)
        if selected is None:
            return None
        # JSONata returns a one-element sequence as the element itself.
        elements = selected if isinstance(selected, list) else [selected]
        result = []
        for index, element in enumerate(elements):
            record: dict[str, Any] = {}
            for child in rule.fields:
                value = self.resolve(child, element, f"{label}[{index}].{child.target}")
                if value is not MISSING:
                    _set_path(record, child.path, value)
            result.append(record)
        return result


def _walk(rules: tuple[FieldRule, ...]) -> list[FieldRule]:
    found: list[FieldRule] = []
    for rule in rules:
        found.append(rule)
        found.extend(_walk(rule.fields))
    return found


def walk_fields(spec: MappingSpec) -> list[FieldRule]:
    """Every field rule of the spec, nested ``each`` fields right after their list."""
    return _walk(spec.fields)


def _get_path(document: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = document
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return MISSING
        node = node[part]
    return node


def _set_path(document: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = document
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _same_value(current: Any, proposed: Any) -> bool:
    if current == proposed:
        return True
    # "19.90" from one system and 19.9 from another are the same price.
    values = (current, proposed)
    if any(isinstance(v, bool) or not isinstance(v, (str, int, float, Decimal)) for v in values):
        return False
    try:
        return bool(Decimal(str(current)) == Decimal(str(proposed)))
    except InvalidOperation:
        return False
