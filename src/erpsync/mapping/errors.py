"""What can go wrong with a mapping: a broken spec (config) or a record the spec cannot map (data).

- ``MappingSpecError`` (a ``ConfigError``): the spec file itself is wrong. Names file, line and field, and how
  to fix it: ``orders.yaml:42: field 'item.items[].rate': unknown transform 'mony'; did you mean 'money'?``
- ``MappingDataError`` (a ``DataError``): this record cannot be mapped as it is. It lists every problem found
  in the record, not just the first, and ``prerequisites`` names the records that must exist first (an item
  for a SKU, a customer) so the engine can hold the record and release it when they appear.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from erpsync.errors import ConfigError, DataError


class MappingSpecError(ConfigError):
    """A spec file that cannot be loaded. ``str()`` is ``file:line: field 'x': what is wrong and how to fix``.

    ``errors`` holds every problem found in the same file (this one first), so one run shows them all.
    """

    def __init__(self, file: str | Path, line: int, field: str | None, problem: str) -> None:
        self.file = str(file)
        self.line = line
        self.problem = problem
        where = f"{self.file}:{line}: "
        subject = f"field '{field}': " if field else ""
        super().__init__(f"{where}{subject}{problem}", field=field)
        self.errors: list[MappingSpecError] = [self]

    def __reduce__(self) -> tuple[Any, ...]:
        # The engine (DBOS) pickles a failed step's exception; rebuild from our own arguments.
        return (MappingSpecError, (self.file, self.line, self.field, self.problem), {"errors": [self]})


@dataclass(frozen=True)
class Prerequisite:
    """A record that must exist in ``system`` before the record being mapped can be written.

    ``name`` is the stable handle the engine holds the dependant on, e.g. ``netsuite:inventoryItem:SKU-9``.
    """

    system: str
    record_type: str
    business_key: str

    @property
    def name(self) -> str:
        return f"{self.system}:{self.record_type}:{self.business_key}"


@dataclass(frozen=True)
class FieldProblem:
    """One reason a record could not be mapped: the target field, what is wrong, and how to fix it."""

    field: str
    problem: str
    suggested_fix: str
    prerequisite: Prerequisite | None = None

    def __str__(self) -> str:
        return f"field '{self.field}': {self.problem} (fix: {self.suggested_fix})"


class MappingDataError(DataError):
    """A record that the spec cannot map; every problem is listed in ``problems``.

    ``prerequisites`` lists every missing record. ``prerequisite`` (what the engine's retry policy reads to
    hold a record) names the first of them, and is set only when missing records are the *only* problems:
    a record that also has, say, an unknown currency would fail again after the wait, so it is parked.
    """

    def __init__(
        self, spec_name: str, problems: Sequence[FieldProblem], *, record: str | None = None
    ) -> None:
        self.spec_name = spec_name
        self.problems = tuple(problems)
        self.prerequisites = tuple(p.prerequisite for p in self.problems if p.prerequisite is not None)
        only_waiting = bool(self.problems) and len(self.prerequisites) == len(self.problems)
        self.prerequisite: str | None = self.prerequisites[0].name if only_waiting else None
        subject = record or "record"
        lines = "; ".join(str(p) for p in self.problems)
        super().__init__(
            f"mapping '{spec_name}' cannot map {subject}: {lines}",
            record=record,
            field=self.problems[0].field if self.problems else None,
            suggested_fix="; ".join(dict.fromkeys(p.suggested_fix for p in self.problems)),
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_data_error, (self.spec_name, self.problems, self.record))


def _rebuild_data_error(
    spec_name: str, problems: Sequence[FieldProblem], record: str | None
) -> MappingDataError:
    return MappingDataError(spec_name, problems, record=record)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` did you mean 'x'?`` for the closest candidate, else a list of what is allowed."""
    options = sorted(set(candidates))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if not options:
        return "none are declared"
    return "expected one of: " + ", ".join(f"'{o}'" for o in options)
