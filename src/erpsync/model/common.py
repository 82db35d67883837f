"""Building blocks every canonical record shares: Money, Origin, Address and the Record base class.

Money is a ``Decimal`` amount plus an ISO 4217 currency code. Floats are rejected on purpose: a float cannot
hold most cent values exactly (``0.1 + 0.2 != 0.3``), and a cent lost between a store and an ERP is a
reconciliation exception. Connectors whose platform sends prices as JSON numbers convert them with
``Decimal(str(value))`` at the edge, where the decision is visible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from erpsync.errors import DataError

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")


def _reject_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError(
            f"money must not be a float ({value!r} loses cents); pass a string such as '{value}', "
            "an int or a Decimal"
        )
    if isinstance(value, bool):
        raise ValueError(f"money must be a string, an int or a Decimal, not a bool ({value!r})")
    return value


def _float_via_repr(value: Any) -> Any:
    # Weights and tax rates are measurements, not money: a JSON 1.5 means exactly 1.5, so its shortest repr
    # is the value the platform meant (Decimal(1.1) would be 1.100000000000000088817841970012523...).
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _check_currency_code(code: str) -> str:
    if not _CURRENCY_CODE.fullmatch(code):
        raise ValueError(
            f"currency must be an ISO 4217 code of 3 uppercase letters (e.g. 'USD'), got {code!r}"
        )
    return code


def _check_country_code(code: str) -> str:
    if not _COUNTRY_CODE.fullmatch(code):
        raise ValueError(
            f"country_code must be ISO 3166-1 alpha-2, 2 uppercase letters (e.g. 'DE'), got {code!r}"
        )
    return code


def _decimal_to_json(value: Decimal) -> str:
    # Fixed-point, never exponent notation: "100", not "1E+2" — ERPs and JSONata read plain decimals only.
    return format(value, "f")


_DECIMAL_JSON_SCHEMA = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["19.99"]}


ExactDecimal = Annotated[
    Decimal,
    BeforeValidator(_reject_float),
    Field(allow_inf_nan=False),
    PlainSerializer(_decimal_to_json, return_type=str, when_used="json"),
    WithJsonSchema(_DECIMAL_JSON_SCHEMA),
]
"""A money amount: str, int or Decimal in; float refused; serialized to JSON as a string, exactly."""

Measure = Annotated[
    Decimal,
    BeforeValidator(_float_via_repr),
    Field(allow_inf_nan=False),
    PlainSerializer(_decimal_to_json, return_type=str, when_used="json"),
    WithJsonSchema(_DECIMAL_JSON_SCHEMA),
]
"""A non-money decimal (weight, tax rate, percentage): floats are taken at their shortest repr."""

CurrencyCode = Annotated[
    str, AfterValidator(_check_currency_code), WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$"})
]
CountryCode = Annotated[
    str, AfterValidator(_check_country_code), WithJsonSchema({"type": "string", "pattern": "^[A-Z]{2}$"})
]
NonEmptyStr = Annotated[str, Field(min_length=1)]


class InconsistentRecordError(DataError, ValueError):
    """A record contradicts itself (totals that do not add up, a line that is not in its order).

    A ``DataError`` for the engine (park the record with the reason) and a ``ValueError`` so that pydantic
    reports it, with the field's name, as a validation error when raised inside a validator.
    """


class CurrencyMismatchError(InconsistentRecordError):
    """Two amounts in different currencies were combined; converting needs a rate, which is not our call."""


class Money(BaseModel):
    """An exact amount in one currency. Immutable; arithmetic returns new Money.

    ``Money.of("10.50", "EUR") + Money.of("1", "EUR") == Money.of("11.50", "EUR")``;
    adding USD to EUR raises ``CurrencyMismatchError``. Amounts keep their scale ("10.50" stays "10.50").
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: ExactDecimal
    currency: CurrencyCode

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """``Money.of("10.50", "EUR")``: the typed constructor (floats are refused here too)."""
        return cls.model_validate({"amount": amount, "currency": currency})

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal(0), currency=currency)

    def _same_currency(self, other: Money, operation: str) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {operation} Money and {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"cannot {operation} {self} and {other}: "
                f"currencies differ ({self.currency} vs {other.currency})",
                suggested_fix="convert one amount explicitly at a known exchange rate first",
            )

    def __add__(self, other: Money) -> Money:
        self._same_currency(other, "add")
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other, "subtract")
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float | bool) or not isinstance(factor, int | Decimal):
            raise TypeError(
                f"Money can only be multiplied by an int or a Decimal, not {type(factor).__name__}"
            )
        return Money(amount=self.amount * factor, currency=self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other, "compare")
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other, "compare")
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other, "compare")
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other, "compare")
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def is_zero(self) -> bool:
        return self.amount == 0

    def differs_from(self, other: Money, tolerance: Decimal = Decimal(0)) -> bool:
        """True when the amounts differ by more than ``tolerance`` (same currency required)."""
        self._same_currency(other, "compare")
        return abs(self.amount - other.amount) > tolerance


def sum_money(amounts: Iterable[Money], currency: str) -> Money:
    """Total of ``amounts``, all in ``currency`` (an empty iterable totals zero in that currency)."""
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total


def _check_non_negative(money: Money) -> Money:
    if money.amount < 0:
        raise ValueError(f"amount must not be negative, got {money}")
    return money


NonNegativeMoney = Annotated[Money, AfterValidator(_check_non_negative)]


class Part(BaseModel):
    """A piece of a record (an order line, an address): unknown fields rejected, no identity of its own."""

    model_config = ConfigDict(extra="forbid")


class Origin(Part):
    """Where a record came from: the system's name (e.g. "shopify", "netsuite"), its own id there, and when it
    last changed there (timezone-aware, so "newer than" is decidable across systems)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: NonEmptyStr
    id: NonEmptyStr
    updated_at: AwareDatetime


class Address(Part):
    """A postal address as stores and ERPs know it. ``region`` is the state/province code ("CA", "BY")."""

    name: str | None = None
    company: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country_code: CountryCode | None = None
    phone: str | None = None
    is_default: bool = False


class Record(Part):
    """A canonical record: one business object that moves between systems.

    ``record_type`` names the kind ("order"); the mapping engine finds the class through ``RECORD_TYPES``.
    ``business_key`` is the stable identity used for idempotency keys and the id cross-reference; the
    default is ``"<origin.system>:<origin.id>"``, and each subclass documents its own rule.
    """

    record_type: ClassVar[str] = "record"

    origin: Origin

    @property
    def business_key(self) -> str:
        return f"{self.origin.system}:{self.origin.id}"

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: Decimals as exact strings, datetimes as ISO 8601. ``from_json_dict`` reverses
        it."""
        return self.model_dump(mode="json")

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> Self:
        return cls.model_validate(data)


def money_fields(part: BaseModel, path: str = "") -> Iterator[tuple[str, Money]]:
    """Every Money inside ``part`` with its dotted path ("lines.0.unit_price"), for consistency checks."""
    for name in type(part).model_fields:
        value = getattr(part, name)
        field_path = f"{path}{name}"
        yield from _money_in(value, field_path)


def _money_in(value: object, path: str) -> Iterator[tuple[str, Money]]:
    if isinstance(value, Money):
        yield path, value
    elif isinstance(value, BaseModel):
        yield from money_fields(value, f"{path}.")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _money_in(item, f"{path}.{index}")


def require_currency(
    part: BaseModel,
    currency: str,
    *,
    skip: frozenset[str] = frozenset(),
    allowed: frozenset[str] = frozenset(),
) -> None:
    """Raise naming the field when an amount in ``part`` is in neither ``currency`` nor ``allowed``.

    ``skip`` names top-level fields the caller checks itself (an order's payments may be in presentment
    currency).
    """
    for path, money in money_fields(part):
        if path.split(".", 1)[0] in skip:
            continue
        if money.currency != currency and money.currency not in allowed:
            raise CurrencyMismatchError(
                f"{path}: {money} is not in the record's currency {currency}",
                field=path,
                suggested_fix="translate every amount of one record into its currency",
            )


def check_total(
    field: str, declared: Money, computed: Money, formula: str, tolerance: Decimal = Decimal(0)
) -> None:
    """Raise a message naming ``field`` when a declared total differs from the one its parts add up to."""
    if declared.differs_from(computed, tolerance):
        allowance = f" (rounding tolerance {tolerance})" if tolerance else ""
        raise InconsistentRecordError(
            f"{field}: {declared} does not equal {formula} = {computed}{allowance}", field=field
        )


RoundingTolerance = Annotated[ExactDecimal, Field(ge=0, le=Decimal("0.01"))]
"""The most a computed total may differ from a declared one: 0 unless the source system declares rounding."""
