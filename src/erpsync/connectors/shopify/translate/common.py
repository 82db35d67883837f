"""Pieces every Shopify translator shares: ids, money, dates, addresses.

Shopify speaks two shapes. REST webhook payloads (2026-04 schemas) carry numeric ids and money as strings
(``"price": "19.99"``) or money sets (``"price_set": {"shop_money": {"amount": "19.99", "currency_code":
"USD"}, "presentment_money": {...}}``). GraphQL carries global ids (``gid://shopify/Order/450789469``) and
``MoneyBag {shopMoney {amount currencyCode}}`` / ``MoneyV2 {amount currencyCode}``. Canonical records use
the numeric id as ``origin.id`` in both cases, so a webhook and a GraphQL read of one order share a key.
Money is read as ``Decimal(str)``, never through float.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ParamSpec, TypeVar

from pydantic import ValidationError

from erpsync.errors import DataError
from erpsync.model import Address, Money, Origin

SYSTEM = "shopify"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

P = ParamSpec("P")
R = TypeVar("R")


# What a record of an unexpected shape raises while being read (a missing key, a list where an object
# belongs, a
# number that is not one): the record's problem, like a validation failure, found by tests/fuzz.
MALFORMED = (ValidationError, KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError)


def translator(kind: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn a canonical model's validation failure, or a payload of an unexpected shape, into a DataError
    naming the Shopify record and field.

    A Shopify record that contradicts itself (totals that do not add up, a refund of an unknown line) or is
    not shaped as documented is the record's problem, to be parked with its reason, not a crash of the flow.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def translate(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return function(*args, **kwargs)
            except DataError:
                raise
            except MALFORMED as exc:
                name = _record_name(args[0] if args else None)
                field, reasons = _failure(exc)
                raise DataError(
                    f"Shopify {kind} {name} cannot become a canonical {kind}: {reasons}",
                    system=SYSTEM,
                    record=f"{kind} {name}",
                    field=field,
                    suggested_fix="check the record in Shopify; if it is right, report a translation bug",
                ) from exc

        return translate

    return decorate


def _record_name(payload: Any) -> str:
    if not isinstance(payload, Mapping):
        return "?"
    name = payload.get("name")
    return str(name) if isinstance(name, str | int) and name else legacy_id(payload.get("id", "?"))


def _failure(exc: Exception) -> tuple[str | None, str]:
    """The field and the reason of a translation failure, for the exception queue."""
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        location = errors[0]["loc"] if errors else ()
        field = ".".join(str(part) for part in location) or None
        return field, "; ".join(str(error.get("msg")) for error in errors)
    if isinstance(exc, KeyError):
        return str(exc.args[0]) if exc.args else None, f"field {exc} is missing"
    return None, f"unexpected shape ({type(exc).__name__}: {exc})"


def legacy_id(value: Any) -> str:
    """``"gid://shopify/Order/450789469"`` or ``450789469`` → ``"450789469"``."""
    text = str(value)
    return text.rsplit("/", 1)[-1].split("?", 1)[0] if text.startswith("gid://") else text


def gid(resource: str, value: Any) -> str:
    """The GraphQL global id of a REST id (an id already global is kept)."""
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{resource}/{text}"


def optional_id(value: Any) -> str | None:
    return legacy_id(value) if value not in (None, "") else None


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def origin(record_id: Any, *times: Any) -> Origin:
    """Origin of a Shopify record; ``updated_at`` is the first of ``times`` present (epoch when none is)."""
    moment = next((t for t in (parse_time(v) for v in times) if t is not None), _EPOCH)
    return Origin(system=SYSTEM, id=legacy_id(record_id), updated_at=moment)


def decimal(value: Any, *, field: str, record: str) -> Decimal:
    if isinstance(value, float):
        # REST refund lines send ``subtotal`` as a JSON number; its shortest repr is what Shopify meant.
        value = repr(value)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise DataError(
            f"Shopify {record}: {field} is not a number ({value!r})",
            system=SYSTEM,
            record=record,
            field=field,
        ) from exc


def money(amount: Any, currency: str, *, field: str, record: str) -> Money:
    return Money(amount=decimal(amount, field=field, record=record), currency=currency)


def rest_money(
    payload: Mapping[str, Any], name: str, currency: str, *, record: str, presentment: bool = False
) -> Money | None:
    """Money from a REST ``<name>_set`` (shop money unless ``presentment``), else from the plain string."""
    money_set = payload.get(f"{name}_set")
    if isinstance(money_set, Mapping):
        side = money_set.get("presentment_money" if presentment else "shop_money")
        if isinstance(side, Mapping) and side.get("amount") is not None:
            code = side.get("currency_code") or currency
            return money(side["amount"], str(code), field=f"{name}_set", record=record)
    if presentment or payload.get(name) in (None, ""):
        return None
    return money(payload[name], currency, field=name, record=record)


def graphql_money(value: Mapping[str, Any] | None, *, field: str, record: str) -> Money | None:
    """Money from a ``MoneyBag`` (its shop money) or a ``MoneyV2``."""
    if not isinstance(value, Mapping):
        return None
    inner = value.get("shopMoney", value)
    if not isinstance(inner, Mapping) or inner.get("amount") is None:
        return None
    return money(inner["amount"], str(inner.get("currencyCode")), field=field, record=record)


def zero_if_none(amount: Money | None, currency: str) -> Money:
    return amount if amount is not None else Money.zero(currency)


def split_tags(tags: Any) -> list[str]:
    """REST sends tags as ``"a, b"``, GraphQL as a list."""
    if isinstance(tags, list):
        return [str(t).strip() for t in tags if str(t).strip()]
    if isinstance(tags, str):
        return [t.strip() for t in tags.split(",") if t.strip()]
    return []


def _full_name(first: Any, last: Any) -> str | None:
    name = " ".join(str(part) for part in (first, last) if part)
    return name or None


def rest_address(payload: Mapping[str, Any] | None, *, is_default: bool | None = None) -> Address | None:
    if not isinstance(payload, Mapping):
        return None
    return Address(
        name=payload.get("name") or _full_name(payload.get("first_name"), payload.get("last_name")),
        company=payload.get("company"),
        line1=payload.get("address1"),
        line2=payload.get("address2"),
        city=payload.get("city"),
        region=payload.get("province_code"),
        postal_code=payload.get("zip"),
        country_code=_country(payload.get("country_code")),
        phone=payload.get("phone"),
        is_default=bool(payload.get("default")) if is_default is None else is_default,
    )


def graphql_address(payload: Mapping[str, Any] | None, *, is_default: bool = False) -> Address | None:
    if not isinstance(payload, Mapping):
        return None
    return Address(
        name=payload.get("name")
        or payload.get("recipient")
        or _full_name(payload.get("firstName"), payload.get("lastName")),
        company=payload.get("company") or payload.get("companyName"),
        line1=payload.get("address1"),
        line2=payload.get("address2"),
        city=payload.get("city"),
        region=payload.get("provinceCode") or payload.get("zoneCode"),
        postal_code=payload.get("zip"),
        country_code=_country(payload.get("countryCodeV2") or payload.get("countryCode")),
        phone=payload.get("phone"),
        is_default=is_default,
    )


def address_input(address: Address) -> dict[str, Any]:
    """Canonical address → GraphQL ``MailingAddressInput``."""
    first, _, last = (address.name or "").partition(" ")
    fields = {
        "firstName": first or None,
        "lastName": last or None,
        "company": address.company,
        "address1": address.line1,
        "address2": address.line2,
        "city": address.city,
        "provinceCode": address.region,
        "countryCode": address.country_code,
        "zip": address.postal_code,
        "phone": address.phone,
    }
    return {k: v for k, v in fields.items() if v is not None}


def _country(code: Any) -> str | None:
    text = str(code).strip().upper() if code else ""
    return text if len(text) == 2 and text.isalpha() else None


def nodes(connection: Any) -> list[dict[str, Any]]:
    """Items of a GraphQL connection (``nodes`` or ``edges.node``) or of a plain list."""
    if isinstance(connection, list):
        return [item for item in connection if isinstance(item, dict)]
    if not isinstance(connection, Mapping):
        return []
    if isinstance(connection.get("nodes"), list):
        return [n for n in connection["nodes"] if isinstance(n, dict)]
    return [e["node"] for e in connection.get("edges") or [] if isinstance(e, Mapping) and e.get("node")]
