"""Load and check spec files: every problem reported with file, line and field, and how to fix it.

``load_spec`` raises the first ``MappingSpecError`` (``.errors`` holds all of that file's); ``check`` returns
every error of every file, for ``erpsync mapping check``. Each top-level section and each field is validated
on its own, so one broken field does not hide the problems of the others.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from erpsync.mapping.errors import MappingSpecError, did_you_mean
from erpsync.mapping.expressions import Expression, ExpressionSyntaxError
from erpsync.mapping.ownership import resolve_owner
from erpsync.mapping.schema import (
    HEADER,
    SOURCE_KEYS,
    SPEC_VERSIONS,
    Endpoint,
    FieldSpec,
    LookupSpec,
    Trigger,
)
from erpsync.mapping.spec import MISSING, FieldRule, LookupRule, MappingSpec
from erpsync.mapping.transforms import TRANSFORMS
from erpsync.mapping.yaml_source import PathKey, YamlDocument, YamlSyntaxError, parse_yaml

SPEC_SUFFIXES = (".yaml", ".yml")
_TARGET_SEGMENT = re.compile(r"[A-Za-z_$@][A-Za-z0-9_$@-]*")

_ADAPTERS = {key: TypeAdapter(header_key.kind) for key, header_key in HEADER.items()}
_FIELD_ADAPTER = TypeAdapter(FieldSpec)


def load_spec(path: str | Path) -> MappingSpec:
    """Load and validate one spec file; raises ``MappingSpecError`` (all the file's errors in ``.errors``)."""
    spec, errors = _load(Path(path))
    if errors:
        first = errors[0]
        first.errors = errors
        raise first
    assert spec is not None
    return spec


def load_specs(directory: str | Path) -> list[MappingSpec]:
    """Every spec under ``directory`` (``*.yaml``/``*.yml``, recursively, by path); names must be unique."""
    specs: list[MappingSpec] = []
    errors: list[MappingSpecError] = []
    for path in _spec_files([Path(directory)], errors):
        spec, file_errors = _load(path)
        errors.extend(file_errors)
        if spec is not None:
            specs.append(spec)
    errors.extend(_duplicate_names(specs))
    if errors:
        errors[0].errors = errors
        raise errors[0]
    return specs


def check(paths: Iterable[Path]) -> list[MappingSpecError]:
    """All errors in the given spec files and directories (empty when every spec is valid)."""
    errors: list[MappingSpecError] = []
    specs: list[MappingSpec] = []
    for path in _spec_files([Path(p) for p in paths], errors):
        spec, file_errors = _load(path)
        errors.extend(file_errors)
        if spec is not None:
            specs.append(spec)
    return errors + _duplicate_names(specs)


def _spec_files(paths: list[Path], errors: list[MappingSpecError]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in SPEC_SUFFIXES and p.is_file())
        elif path.exists():
            yield path
        else:
            errors.append(MappingSpecError(path, 1, None, "no such file or directory"))


def _duplicate_names(specs: list[MappingSpec]) -> list[MappingSpecError]:
    seen: dict[str, MappingSpec] = {}
    errors = []
    for spec in specs:
        if spec.name in seen:
            errors.append(
                MappingSpecError(
                    spec.path,
                    1,
                    "name",
                    f"name '{spec.name}' is also used by {seen[spec.name].path}; rename one",
                )
            )
        seen.setdefault(spec.name, spec)
    return errors


def _load(path: Path) -> tuple[MappingSpec | None, list[MappingSpecError]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [MappingSpecError(path, 1, None, f"cannot read the file: {exc}")]
    try:
        document = parse_yaml(text)
    except YamlSyntaxError as exc:
        return None, [MappingSpecError(path, exc.line, None, f"{exc.message}; fix the YAML")]
    return _SpecBuilder(path, document).build()


class _SpecBuilder:
    """Turns one parsed YAML document into a MappingSpec, collecting every error on the way."""

    def __init__(self, path: Path, document: YamlDocument) -> None:
        self.path = path
        self.document = document
        self.errors: list[MappingSpecError] = []
        self.header: dict[str, Any] = {}

    def error(self, where: PathKey, problem: str, *, line: int | None = None) -> None:
        field, key = _field_and_key(where)
        message = f"{key}: {problem}" if key else problem
        self.errors.append(MappingSpecError(self.path, line or self.document.line_of(where), field, message))

    def build(self) -> tuple[MappingSpec | None, list[MappingSpecError]]:
        for key_path, first, again in self.document.duplicates:
            self.error(key_path, f"duplicate key (first at line {first}); keep one", line=again)
        data = self.document.data
        if not isinstance(data, dict):
            self.error(
                (), "a spec is a YAML mapping with spec_version, name, flow, source, target, trigger, fields"
            )
            return None, self.errors
        self._validate_header(data)
        rules = self._build_fields(data.get("fields"))
        self._check_header_semantics()
        if self.errors or rules is None:
            return None, sorted(self.errors, key=lambda e: e.line)
        spec = MappingSpec(
            path=self.path,
            spec_version=self.header["spec_version"],
            name=self.header["name"],
            flow=self.header["flow"],
            description=self.header["description"],
            source=self.header["source"],
            target=self.header["target"],
            trigger=self.header["trigger"],
            value_maps=self.header.get("value_maps", {}),
            fields=rules,
        )
        return spec, []

    # -- header -------------------------------------------------------------------------------------------

    def _validate_header(self, data: dict[Any, Any]) -> None:
        for key in data:
            if key not in HEADER:
                self.error((str(key),), f"unknown key '{key}'; {did_you_mean(str(key), HEADER)}")
        for key, header_key in HEADER.items():
            if key not in data:
                if header_key.required:
                    self.error((), f"missing required key '{key}' ({header_key.hint})", line=1)
                continue
            if key == "fields":
                continue
            try:
                self.header[key] = _ADAPTERS[key].validate_python(data[key])
            except ValidationError as exc:
                self._pydantic_errors(exc, (key,), header_key.kind)

    def _check_header_semantics(self) -> None:
        version = self.header.get("spec_version")
        if version is not None and version not in SPEC_VERSIONS:
            self.error(
                ("spec_version",),
                f"spec_version {version} is not supported; this erpsync reads {list(SPEC_VERSIONS)}",
            )
        trigger: Trigger | None = self.header.get("trigger")
        if trigger is not None:
            self._check_trigger(trigger)
        for side in ("source", "target"):
            endpoint: Endpoint | None = self.header.get(side)
            if endpoint is not None and endpoint.model is not None:
                self._check_model(side, endpoint.model)
        for name, value_map in self.header.get("value_maps", {}).items():
            if not value_map.values:
                self.error(("value_maps", name, "values"), "a value map needs at least one entry")

    def _check_trigger(self, trigger: Trigger) -> None:
        needs = {"webhook": None, "poll": "every", "cron": "cron"}[trigger.type]
        for key in ("every", "cron"):
            given = getattr(trigger, key) is not None
            if key == needs and not given:
                self.error(("trigger", "type"), f"trigger type '{trigger.type}' needs '{key}:'")
            elif given and key != needs:
                self.error(
                    ("trigger", key), f"'{key}:' does not apply to trigger type '{trigger.type}'; remove it"
                )
        if trigger.topics is not None and trigger.type != "webhook":
            self.error(("trigger", "topics"), "topics only apply to trigger type 'webhook'; remove them")
        reconcile = trigger.reconcile
        if reconcile is not None and (reconcile.every is None) == (reconcile.cron is None):
            self.error(("trigger", "reconcile"), "reconcile needs exactly one of 'every:' or 'cron:'")

    def _check_model(self, side: str, model: str) -> None:
        record_types = _record_types()
        if model not in record_types:
            self.error(
                (side, "model"), f"unknown canonical model '{model}'; {did_you_mean(model, record_types)}"
            )

    # -- fields -------------------------------------------------------------------------------------------

    def _build_fields(self, raw_fields: Any) -> tuple[FieldRule, ...] | None:
        if raw_fields is None:
            return None
        if not isinstance(raw_fields, dict) or not raw_fields:
            self.error(
                ("fields",), "fields is a mapping of target field -> how to fill it, with at least one"
            )
            return None
        rules = self._rules(raw_fields, ("fields",), label_prefix="", nested=False)
        self._check_model_fields(rules)
        return rules

    def _rules(
        self, raw_fields: dict[Any, Any], where: PathKey, label_prefix: str, nested: bool
    ) -> tuple[FieldRule, ...]:
        rules = []
        for target, raw in raw_fields.items():
            rule = self._rule(str(target), raw, (*where, str(target)), label_prefix, nested)
            if rule is not None:
                rules.append(rule)
        self._check_overlaps(rules, where)
        return tuple(rules)

    def _rule(
        self, target: str, raw: Any, where: PathKey, label_prefix: str, nested: bool
    ) -> FieldRule | None:
        label = f"{label_prefix}{target}"
        if not all(_TARGET_SEGMENT.fullmatch(part) for part in target.split(".")):
            self.error(where, "a target field is a dotted path of names such as 'shipAddress.addr1'")
        if not isinstance(raw, dict):
            self.error(
                where, f"give the field a mapping with one of {', '.join(SOURCE_KEYS)} (e.g. from: name)"
            )
            return None
        sub_fields = raw.get("fields")
        shallow = {k: v for k, v in raw.items() if k != "fields"}
        try:
            field_spec = _FIELD_ADAPTER.validate_python(shallow)
        except ValidationError as exc:
            self._pydantic_errors(exc, where, FieldSpec)
            field_spec = None
        children: tuple[FieldRule, ...] = ()
        if sub_fields is not None:
            if isinstance(sub_fields, dict) and sub_fields:
                children = self._rules(sub_fields, (*where, "fields"), f"{label}[].", nested=True)
            else:
                self.error(
                    (*where, "fields"), "fields of a list is a mapping of element field -> how to fill it"
                )
        if field_spec is None:
            return None
        return self._compile_rule(
            target, label, field_spec, children, where, nested, has_fields="fields" in raw
        )

    def _compile_rule(
        self,
        target: str,
        label: str,
        spec: FieldSpec,
        children: tuple[FieldRule, ...],
        where: PathKey,
        nested: bool,
        has_fields: bool,
    ) -> FieldRule | None:
        given = spec.model_fields_set
        sources = [key for key in SOURCE_KEYS if _field_attr(key) in given]
        errors_before = len(self.errors)
        if not sources:
            self.error(where, f"no source: give one of {', '.join(SOURCE_KEYS)}")
        elif len(sources) > 1:
            self.error((*where, sources[1]), f"has both '{sources[0]}' and '{sources[1]}'; keep one")
        if spec.each is not None and not has_fields:
            self.error((*where, "each"), "'each:' selects a list; add 'fields:' to map each element")
        if has_fields and spec.each is None:
            self.error((*where, "fields"), "'fields:' maps list elements; add 'each:' to select the list")
        if spec.each is not None and (spec.map or spec.transform):
            self.error(where, "a list field ('each:') takes no map or transform; put them on its fields")
        if spec.lookup is not None and spec.map:
            self.error((*where, "map"), "a lookup field cannot also use a value map; drop 'map:'")
        if nested and spec.owner:
            self.error(
                (*where, "owner"),
                "ownership applies to a whole list; move 'owner:' to the list field that has 'each:'",
            )
        expression = self._compile(spec.from_, (*where, "from"))
        each = self._compile(spec.each, (*where, "each"))
        lookup = self._lookup_rule(spec.lookup, (*where, "lookup"))
        transforms = self._transforms(spec.transform, (*where, "transform"))
        self._check_map(spec.map, (*where, "map"))
        owner = self._owner(spec.owner, (*where, "owner"))
        if len(self.errors) > errors_before:
            return None
        return FieldRule(
            target=target,
            label=label,
            line=self.document.line_of(where),
            expression=expression,
            constant=spec.value if "value" in given else MISSING,
            lookup=lookup,
            each=each,
            fields=children,
            transforms=transforms,
            value_map=spec.map,
            default=spec.default if "default" in given else MISSING,
            required=spec.required,
            owner=owner,
            owner_declared=spec.owner,
            description=spec.description,
        )

    def _compile(self, text: str | None, where: PathKey) -> Expression | None:
        if text is None:
            return None
        try:
            return Expression(text)
        except ExpressionSyntaxError as exc:
            self.error(where, f"JSONata syntax error in {text!r}: {exc.message}")
            return None

    def _lookup_rule(self, spec: LookupSpec | None, where: PathKey) -> LookupRule | None:
        if spec is None:
            return None
        key = self._compile(spec.key, (*where, "key"))
        return LookupRule(spec.system, spec.record_type, key) if key is not None else None

    def _transforms(self, names: str | list[str] | None, where: PathKey) -> tuple[Any, ...]:
        if names is None:
            return ()
        found = []
        for name in [names] if isinstance(names, str) else names:
            if name in TRANSFORMS:
                found.append(TRANSFORMS[name])
            else:
                self.error(where, f"unknown transform '{name}'; {did_you_mean(name, TRANSFORMS)}")
        return tuple(found)

    def _check_map(self, name: str | None, where: PathKey) -> None:
        if name is None or ("value_maps" in self.header and name in self.header["value_maps"]):
            return
        if "value_maps" not in self.header and "value_maps" in (self.document.data or {}):
            return  # the value_maps section itself is broken and already reported
        declared = self.header.get("value_maps", {})
        self.error(
            where, f"value map '{name}' is not declared under value_maps; {did_you_mean(name, declared)}"
        )

    def _owner(self, owner: str | None, where: PathKey) -> str | None:
        if owner is None:
            return None
        systems = tuple(
            e.system for e in (self.header.get("source"), self.header.get("target")) if e is not None
        )
        if len(systems) < 2:
            return owner  # source/target broken, already reported
        try:
            return resolve_owner(owner, systems)
        except ValueError as exc:
            self.error(where, str(exc))
            return None

    def _check_overlaps(self, rules: list[FieldRule], where: PathKey) -> None:
        seen: dict[tuple[str, ...], FieldRule] = {}
        for rule in rules:
            for other_path, other in seen.items():
                shorter = min(len(other_path), len(rule.path))
                if other_path[:shorter] == rule.path[:shorter]:
                    self.error(
                        (*where, rule.target),
                        f"overlaps field '{other.target}' (line {other.line}); one target, one field",
                    )
            seen[rule.path] = rule

    def _check_model_fields(self, rules: tuple[FieldRule, ...]) -> None:
        target: Endpoint | None = self.header.get("target")
        # Only a canonical target has a known field list; a platform record may carry any custom field.
        if target is None or target.system != "canonical" or target.model is None:
            return
        model = _record_types().get(target.model)
        if model is None:
            return
        names = set(model.model_fields) | {f.alias for f in model.model_fields.values() if f.alias}
        for rule in rules:
            if rule.path[0] not in names:
                self.error(
                    ("fields", rule.target),
                    f"'{rule.path[0]}' is not a field of canonical {target.model}; "
                    f"{did_you_mean(rule.path[0], names)}",
                )

    # -- pydantic errors to lines -------------------------------------------------------------------------

    def _pydantic_errors(self, exc: ValidationError, where: PathKey, root_type: Any) -> None:
        suggested: set[PathKey] = set()  # a misspelt key explains its "missing" twin; report it once
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        for error in errors:
            loc = tuple(part for part in error["loc"] if part != "[key]")
            full = (*where, *loc)
            kind = error["type"]
            if kind == "extra_forbidden":
                key = str(loc[-1])
                allowed = _keys_of(_model_at(root_type, loc[:-1]))
                hint = did_you_mean(key, allowed)
                if hint.startswith("did you mean"):
                    suggested.add((*full[:-1], hint.split("'")[1]))
                self.error(full, f"unknown key '{key}'; {hint}")
            elif kind == "missing":
                if full not in suggested:
                    self.error(full[:-1], f"missing required key '{loc[-1]}'")
            else:
                message = error["msg"].removeprefix("Value error, ")
                got = error.get("input")
                hide_input = isinstance(got, (dict, list)) or "Value error" in error["msg"]
                self.error(full, message if hide_input else f"{message}, got {got!r}")


def _field_attr(key: str) -> str:
    return "from_" if key == "from" else key


def _field_and_key(where: PathKey) -> tuple[str | None, str | None]:
    """Whom to blame: ``('fields', 'a', 'fields', 'rate', 'from')`` -> ``('a[].rate', 'from')``.

    Header paths name themselves (``trigger.every``); field paths name the target field and, apart, the key.
    """
    if not where:
        return None, None
    if where[0] != "fields" or len(where) == 1:
        return ".".join(str(p) for p in where), None
    names = [str(where[1])]
    index = 2
    while index + 1 < len(where) and where[index] == "fields":
        names.append(str(where[index + 1]))
        index += 2
    key = ".".join(str(p) for p in where[index:])
    return "[].".join(names), key or None


def _model_at(kind: Any, loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that the error location ``loc`` points into, to list its allowed keys."""
    for part in loc:
        kind = _unwrap(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            by_alias = {f.alias or n: f for n, f in kind.model_fields.items()}
            if part not in by_alias:
                return None
            kind = by_alias[part].annotation
        elif typing.get_origin(kind) in (dict, Mapping):
            kind = typing.get_args(kind)[1]
        elif typing.get_origin(kind) is list:
            kind = typing.get_args(kind)[0]
        else:
            return None
    kind = _unwrap(kind)
    return kind if isinstance(kind, type) and issubclass(kind, BaseModel) else None


def _unwrap(kind: Any) -> Any:
    while True:
        origin = typing.get_origin(kind)
        if origin is typing.Annotated:
            kind = typing.get_args(kind)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(kind) if a is not type(None)]
            structured = [a for a in options if typing.get_origin(a) in (dict, list) or isinstance(a, type)]
            kind = next(
                (a for a in structured if typing.get_origin(a) or issubclass(a, BaseModel)), options[0]
            )
        else:
            return kind


def _keys_of(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _record_types() -> Mapping[str, type[BaseModel]]:
    try:
        from erpsync.model import RECORD_TYPES
    except ImportError:
        return {}
    return dict(RECORD_TYPES)
