"""Hypothesis strategies for hostile input: any JSON, and JSON shaped like a platform record (the field names
a translator reads, with values of any type), which reaches much deeper into the code than random keys."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        ["", "0", "-1", "1.5", "1e999", "NaN", "2026-12-04T10:00:00Z", "not-a-date", "USD", "XXX"]
    )
)
ANY_JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)

_FIELD = re.compile(r"""(?:\.get\(|\[)\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""")


def field_names(*sources: Path) -> list[str]:
    """The record field names a translator's source reads (``x.get("name")``, ``x["name"]``)."""
    names: set[str] = set()
    for source in sources:
        names |= set(_FIELD.findall(source.read_text()))
    return sorted(names)


def shaped_json(keys: list[str]) -> st.SearchStrategy[Any]:
    """Objects whose keys are the translator's own field names, nested, with values of any JSON type."""
    key = st.sampled_from(keys)
    return st.recursive(
        SCALARS,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(key, children, max_size=8),
        max_leaves=40,
    ).filter(lambda value: isinstance(value, dict)) | st.dictionaries(key, ANY_JSON, max_size=12)
