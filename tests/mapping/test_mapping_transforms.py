"""The named transforms: what each one turns a platform value into, and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from erpsync.mapping.transforms import TRANSFORMS, TransformError


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("upper", "sku-9", "SKU-9"),
        ("lower", "Ada@Example.COM", "ada@example.com"),
        ("trim", "  SHIRT-RED-M ", "SHIRT-RED-M"),
        ("upper", ["a", None, "b"], ["A", None, "B"]),  # scalar transforms apply to each element
        ("string", 42, "42"),
        ("string", True, "true"),
        ("string", 3.0, "3"),
        ("integer", "12", 12),
        ("integer", 2.0, 2),
        ("boolean", "Yes", True),
        ("boolean", "0", False),
        ("iso_datetime", "2026-03-14T22:26:53-04:00", "2026-03-15T02:26:53Z"),
        ("iso_datetime", "2026-03-14T10:00:00Z", "2026-03-14T10:00:00Z"),
        ("date", "2026-03-14T22:26:53-04:00", "2026-03-14"),
        ("date", "2026-03-14", "2026-03-14"),
        ("split_list", "vip, wholesale,,  b2b ", ["vip", "wholesale", "b2b"]),
        ("join_list", ["SUMMER10", "FREESHIP"], "SUMMER10, FREESHIP"),
        ("gid_id", "gid://shopify/Product/108828309", "108828309"),
        ("gid_id", 108828309, "108828309"),
        ("empty_to_null", "", None),
        ("empty_to_null", "x", "x"),
    ],
)
def test_transform_converts(name: str, value: Any, expected: Any) -> None:
    assert TRANSFORMS[name](value) == expected


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("integer", "12.5", "is not a whole number"),
        ("integer", True, "integer needs a number"),
        ("upper", 5, "upper needs text"),
        ("boolean", "maybe", "is not a yes/no value"),
        ("iso_datetime", "2026-03-14T10:00:00", "has no time zone"),
        ("iso_datetime", "14/03/2026", "is not an ISO 8601 date/time"),
        ("string", {"a": 1}, "cannot turn dict into text"),
    ],
)
def test_transform_refuses_with_a_fix(name: str, value: Any, problem: str) -> None:
    with pytest.raises(TransformError) as caught:
        TRANSFORMS[name](value)

    assert problem in caught.value.problem
    assert caught.value.fix


def test_no_value_stays_no_value_through_every_transform() -> None:
    assert all(transform(None) is None for transform in TRANSFORMS.values())
