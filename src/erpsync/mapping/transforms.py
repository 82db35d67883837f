"""The named, safe transforms a field may apply after its expression: ``transform: money`` or a list of names.

Each transform is a plain function of one value. Scalar transforms applied to a list apply to each element
(``line_items.sku`` with ``upper`` upper-cases every SKU). A value that a transform cannot convert raises
``TransformError`` with what was wrong and how to fix it; the spec turns that into a ``MappingDataError``.

Money: JSONata computes in binary floats, so ``0.1 + 0.2`` is ``0.30000000000000004`` there. Money therefore
travels through expressions as the platform's own decimal string (Shopify sends ``"19.99"``) and only our
``money`` / ``money_sum`` transforms turn it into an exact ``Decimal``, written out as a string.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

# A float that came straight from JSON text (NetSuite sends amounts as numbers) has a short repr equal to
# that text; one with more places than this came from float arithmetic and has already lost cents.
MAX_FLOAT_MONEY_PLACES = 4


class TransformError(ValueError):
    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


@dataclass(frozen=True)
class Transform:
    name: str
    function: Callable[[Any], Any]
    description: str
    elementwise: bool = True

    def __call__(self, value: Any) -> Any:
        if value is None:
            return None
        if self.elementwise and isinstance(value, list):
            return [None if item is None else self.function(item) for item in value]
        return self.function(value)


def to_decimal(value: Any) -> Decimal:
    """An exact Decimal from a money value; refuses floats that carry float-arithmetic noise."""
    if isinstance(value, bool):
        raise TransformError(f"money value {value!r} is a boolean", "map a money field, not a flag")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
        if amount.is_finite() and -amount.as_tuple().exponent > MAX_FLOAT_MONEY_PLACES:  # type: ignore[operator]
            raise TransformError(
                f"money value {value!r} is a float with float-arithmetic noise",
                "keep money as strings in expressions (no $number, no + on amounts); sum with money_sum",
            )
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise TransformError(
                f"money value {value!r} is not a decimal number", "point the expression at an amount field"
            ) from None
    else:
        raise TransformError(
            f"money value of type {type(value).__name__} is not an amount",
            "point the expression at a single amount, e.g. price or total_price_set.shop_money.amount",
        )
    if not amount.is_finite():
        raise TransformError(
            f"money value {value!r} is not finite", "point the expression at an amount field"
        )
    return amount


def money(value: Any) -> str:
    return str(to_decimal(value))


def money_sum(value: Any) -> str:
    amounts = value if isinstance(value, list) else [value]
    return str(sum((to_decimal(a) for a in amounts if a is not None), Decimal(0)))


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TransformError(
            f"{name} needs text, got {type(value).__name__} {value!r}", f"apply 'string' before '{name}'"
        )
    return value


def upper(value: Any) -> str:
    return _text(value, "upper").upper()


def lower(value: Any) -> str:
    return _text(value, "lower").lower()


def trim(value: Any) -> str:
    return _text(value, "trim").strip()


def string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    raise TransformError(f"cannot turn {type(value).__name__} into text", "select a single value")


def integer(value: Any) -> int:
    if isinstance(value, bool):
        raise TransformError(f"integer needs a number, got boolean {value!r}", "select a count or id")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    raise TransformError(f"{value!r} is not a whole number", "select a count or id, or drop 'integer'")


_TRUE = {"true", "yes", "y", "1", "t", "on"}
_FALSE = {"false", "no", "n", "0", "f", "off", ""}


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise TransformError(f"{value!r} is not a yes/no value", "use a value map to translate it to true/false")


def _parse_datetime(value: Any, name: str) -> datetime:
    text = _text(value, name).strip()
    try:
        # Python 3.11 fromisoformat reads the 'Z' suffix and offsets, as Shopify and NetSuite send them.
        return datetime.fromisoformat(text)
    except ValueError:
        raise TransformError(
            f"{text!r} is not an ISO 8601 date/time", "select a timestamp such as created_at"
        ) from None


def iso_datetime(value: Any) -> str:
    moment = _parse_datetime(value, "iso_datetime")
    if moment.tzinfo is None:
        raise TransformError(
            f"{value!r} has no time zone, so the instant is ambiguous",
            "select a timestamp with an offset, or append one in the expression (& 'Z')",
        )
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def date_only(value: Any) -> str:
    moment = _parse_datetime(value, "date")
    # The calendar date where the event happened (its own offset), as an ERP's transaction date expects.
    return moment.date().isoformat()


def split_list(value: Any) -> list[str]:
    return [part.strip() for part in _text(value, "split_list").split(",") if part.strip()]


def join_list(value: Any) -> str:
    items = value if isinstance(value, list) else [value]
    return ", ".join(string(item) for item in items if item is not None)


def gid_id(value: Any) -> str:
    text = string(value)
    # Shopify GraphQL ids look like gid://shopify/Product/123; REST payloads carry the bare 123.
    match = re.fullmatch(r"gid://[^/]+/[^/]+/([^/?]+)(\?.*)?", text)
    return match.group(1) if match else text


def empty_to_null(value: Any) -> Any:
    return None if value in ("", [], {}) else value


TRANSFORMS: dict[str, Transform] = {
    t.name: t
    for t in (
        Transform("money", money, 'amount as an exact decimal string ("19.99"), never via float'),
        Transform("money_sum", money_sum, "exact decimal sum of a list of amounts", elementwise=False),
        Transform("upper", upper, "upper case"),
        Transform("lower", lower, "lower case"),
        Transform("trim", trim, "strip surrounding spaces"),
        Transform("string", string, "as text (ids, numbers)"),
        Transform("integer", integer, "as a whole number"),
        Transform("boolean", boolean, "as true/false (accepts yes/no, 1/0)"),
        Transform("iso_datetime", iso_datetime, 'ISO 8601 instant in UTC ("2026-01-05T10:00:00Z")'),
        Transform("date", date_only, "calendar date YYYY-MM-DD"),
        Transform(
            "split_list", split_list, "comma-separated text to a list (Shopify tags)", elementwise=False
        ),
        Transform("join_list", join_list, "list to comma-separated text", elementwise=False),
        Transform("gid_id", gid_id, "numeric id from a Shopify GraphQL gid://… id"),
        Transform("empty_to_null", empty_to_null, "empty text/list means 'no value'", elementwise=False),
    )
}
