"""Declared mappings: YAML specs, JSONata expressions, value maps, ownership, and the stakeholder renderer.

``load_spec``/``load_specs``/``check`` read specs, ``MappingSpec.apply`` maps a record, ``render`` documents.
"""

from erpsync.mapping.errors import FieldProblem, MappingDataError, MappingSpecError, Prerequisite
from erpsync.mapping.loader import check, load_spec, load_specs
from erpsync.mapping.ownership import SYSTEM_ROLES, Conflict
from erpsync.mapping.render import render
from erpsync.mapping.spec import FieldRule, Lookup, MappingResult, MappingSpec
from erpsync.mapping.transforms import TRANSFORMS

__all__ = [
    "SYSTEM_ROLES",
    "TRANSFORMS",
    "Conflict",
    "FieldProblem",
    "FieldRule",
    "Lookup",
    "MappingDataError",
    "MappingResult",
    "MappingSpec",
    "MappingSpecError",
    "Prerequisite",
    "check",
    "load_spec",
    "load_specs",
    "render",
]
