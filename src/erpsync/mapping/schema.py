"""The shape of a mapping spec file, as pydantic models (docs/mapping-language.md explains each key).

These models check types and reject unknown keys; the loader adds what needs the whole spec (value map and
owner references, expression syntax, one source per field) and maps every error back to its YAML line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr

from erpsync.mapping.schedule import check_cron, parse_interval

SPEC_VERSIONS = (1,)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _map_key(key: Any) -> str:
    # YAML reads yes/no/true/false/~ as booleans and null: spell them as the JSON text they are compared to.
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _map_keys(values: Any) -> Any:
    if isinstance(values, dict):
        return {_map_key(k): v for k, v in values.items()}
    return values


Seconds = Annotated[int, BeforeValidator(parse_interval)]
Cron = Annotated[StrictStr, AfterValidator(check_cron)]
Name = Annotated[StrictStr, Field(min_length=1, pattern=r"^[A-Za-z][A-Za-z0-9_.:-]*$")]
Text = Annotated[StrictStr, Field(min_length=1)]


class Endpoint(_Strict):
    """One side of the move: ``system`` (shopify, netsuite, ... or canonical) and its ``record_type``."""

    system: Name
    record_type: Text
    model: Name | None = None  # canonical model name (a key of erpsync.model.RECORD_TYPES)


class Schedule(_Strict):
    every: Seconds | None = None
    cron: Cron | None = None


class Trigger(_Strict):
    """When data moves: ``type`` webhook | poll | cron, plus an optional reconcile schedule."""

    type: Literal["webhook", "poll", "cron"]
    topics: list[Text] | None = None
    every: Seconds | None = None
    cron: Cron | None = None
    reconcile: Schedule | None = None


class ValueMap(_Strict):
    """A table of source value → target value; without ``default`` an unknown value is a data error."""

    description: Text | None = None
    values: Annotated[dict[str, Any], BeforeValidator(_map_keys)]
    default: Any = None

    @property
    def strict(self) -> bool:
        return "default" not in self.model_fields_set


class LookupSpec(_Strict):
    """Resolve a business key through the id cross-reference: ``key`` is a JSONata expression."""

    system: Name
    record_type: Text
    key: Text


class FieldSpec(_Strict):
    from_: Text | None = Field(default=None, alias="from")
    value: Any = None
    map: Name | None = None
    lookup: LookupSpec | None = None
    each: Text | None = None
    fields: dict[str, FieldSpec] | None = None
    transform: Text | list[Text] | None = None
    default: Any = None
    required: StrictBool = False
    owner: Name | None = None
    description: Text | None = None


@dataclass(frozen=True)
class HeaderKey:
    kind: Any
    required: bool
    hint: str  # what the key is for, shown when it is missing


# The top level of a spec. The loader validates each key on its own (and each field of ``fields`` on its own,
# as a FieldSpec), so that one broken section does not hide the problems of the others.
HEADER: dict[str, HeaderKey] = {
    "spec_version": HeaderKey(int, True, "the spec format version, 1"),
    "name": HeaderKey(Name, True, "a unique name such as shopify-order-to-netsuite-sales-order"),
    "flow": HeaderKey(Name, True, "the flow this spec serves, e.g. order_to_erp"),
    "description": HeaderKey(Text, True, "one or two sentences for the stakeholder document"),
    "source": HeaderKey(Endpoint, True, "where records come from: {system, record_type}"),
    "target": HeaderKey(Endpoint, True, "where records go: {system, record_type}"),
    "trigger": HeaderKey(Trigger, True, "when data moves: {type: webhook|poll|cron, ...}"),
    "value_maps": HeaderKey(dict[Name, ValueMap], False, "named value tables"),
    "fields": HeaderKey(dict[str, Any], True, "target field -> how it is filled"),
}
SOURCE_KEYS = ("from", "value", "lookup", "each")
