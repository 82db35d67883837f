"""Per-field source of truth: which system owns a field, and the conflict raised when another one changes it.

A field's ``owner:`` is ``store``, ``erp`` or a system name. ``store``/``erp`` resolve, at load time, to the
one system of that role among the spec's source and target (``SYSTEM_ROLES``), so a resolved owner is always a
system name. A change coming from any other system is not applied: the target keeps its current value and a
``Conflict`` is reported for the caller to record in the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The platforms erpsync knows; a spec may name others, but then its owners must be system names.
SYSTEM_ROLES: dict[str, str] = {
    "shopify": "store",
    "bigcommerce": "store",
    "adobe_commerce": "store",
    "netsuite": "erp",
    "sap": "erp",
    "business_central": "erp",
    "tryton": "erp",
}
ROLES = ("store", "erp")


@dataclass(frozen=True)
class Conflict:
    """A change to ``field`` from ``attempted_by``, refused because ``owner`` is its source of truth."""

    field: str
    owner: str
    attempted_by: str
    current: Any
    proposed: Any


def resolve_owner(owner: str, systems: tuple[str, ...]) -> str:
    """The system name that ``owner`` designates among the spec's ``systems``; ValueError with the fix."""
    if owner in systems:
        return owner
    if owner in ROLES:
        matching = [s for s in dict.fromkeys(systems) if SYSTEM_ROLES.get(s) == owner]
        if len(matching) == 1:
            return matching[0]
        raise ValueError(
            f"owner '{owner}' is ambiguous here: the spec's systems {list(dict.fromkeys(systems))} "
            f"have {len(matching)} of role '{owner}'; name the system instead"
        )
    raise ValueError(
        f"owner '{owner}' is neither 'store', 'erp' nor one of the spec's systems {list(systems)}"
    )


def same_system(owner: str, changed_by: str) -> bool:
    """Whether a change from ``changed_by`` (a system name or a role) comes from ``owner`` (a system name)."""
    return changed_by == owner or (changed_by in ROLES and SYSTEM_ROLES.get(owner) == changed_by)
