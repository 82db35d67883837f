"""The NetSuite side of promotions and loyalty (the ``NetSuiteConnector`` methods delegate here).

Discount codes are SuitePromotions ``promotionCode`` records (REST record id ``promotioncode``;
the SuitePromotions feature must be on:
https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_76112913770.html).
Fields used: ``name`` (title), ``code`` (the coupon code), ``discount`` (the discount item the promotion books
to:
``discount_item_id`` in the settings), ``rate`` ("10%" takes a percentage off, "5.00" an amount; a leading
minus, as on discount items, is read the same), ``startDate``/``endDate`` (dates: ``endDate`` is the last
valid day, so a store discount ending at 2026-12-31T00:00Z is valid through 2026-12-30).

A sales order names the promotion of its discount code in ``promoCode``
(https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_159795372138.html) when the account has
a promotion with that code and ``promotion_on_sales_order`` is on.

Loyalty: the balance after each event goes to a customer custom field (``custentity_loyalty_points`` by
default); the write is absolute, so a replay lands once. With ``loyalty_posting: journal_entry`` each event is
also booked as a journal entry (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_159886587653.html)
worth points x ``loyalty_point_value``: earned debits the expense account and credits the liability, spent
the reverse, both lines for the customer; its external id is the event's, so a replay upserts the same entry.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from erpsync.connectors.base import ChangeBatch, Unreadable
from erpsync.connectors.netsuite import translate
from erpsync.connectors.netsuite.changes import ChangeCursor, poll_changes, sql_quote
from erpsync.connectors.netsuite.client import external_id_for
from erpsync.errors import ConfigError, DataError, ErpsyncError
from erpsync.model import Discount, LoyaltyEvent, Money, Order

if TYPE_CHECKING:
    from erpsync.connectors.netsuite.connector import NetSuiteConnector

SYSTEM = "netsuite"
RECORD = "promotionCode"


# -- translation ------------------------------------------------------------------------------------


def discount_from_netsuite(body: dict[str, Any], *, currency: str) -> Discount:
    record = f"promotionCode {body.get('id')}"
    rate = str(body.get("rate") or "").strip().lstrip("-")
    percentage = amount = None
    if rate.endswith("%"):
        kind, percentage = "percentage", Decimal(rate[:-1])
    elif rate:
        kind, amount = "fixed_amount", Money.of(Decimal(rate), currency)
    else:
        raise DataError(
            f"NetSuite {record} has no rate; only percentage and amount promotions are synced",
            system=SYSTEM,
            record=record,
            field="rate",
            suggested_fix="give the promotion a rate (e.g. 10% or 5.00) in NetSuite",
        )
    end = translate.parse_datetime(body.get("endDate"))
    return Discount(
        origin=translate.origin_of(body),
        title=str(body.get("name") or body.get("code") or "(untitled promotion)"),
        codes=[str(body["code"])] if body.get("code") else [],
        kind=kind,
        percentage=percentage,
        amount=amount,
        starts_at=translate.parse_datetime(body.get("startDate")),
        ends_at=end + timedelta(days=1) if end else None,  # endDate is inclusive
    )


def discount_to_netsuite(discount: Discount, *, discount_item_id: str | None) -> dict[str, Any]:
    record = f"promotionCode for discount {discount.business_key}"
    if discount.kind not in ("percentage", "fixed_amount") or len(discount.codes) != 1:
        raise DataError(
            f"discount {discount.business_key} is a {discount.kind} discount with {len(discount.codes)} "
            "code(s); NetSuite promotions are synced for one-code percentage or amount discounts only",
            system=SYSTEM,
            record=record,
            field="kind",
            suggested_fix="create the promotion in NetSuite by hand",
        )
    if not discount_item_id:
        raise ConfigError(
            "NetSuite promotions need a discount item: set discount_item_id in the NetSuite settings"
        )
    if discount.kind == "percentage":
        assert discount.percentage is not None
        rate = f"{discount.percentage.normalize():f}%"
    else:
        assert discount.amount is not None
        rate = f"{discount.amount.amount:.2f}"
    return {
        "name": discount.title,
        "code": discount.codes[0],
        "discount": {"id": discount_item_id},
        "rate": rate,
        "startDate": _day(discount.starts_at),
        "endDate": _day(discount.ends_at - timedelta(seconds=1)) if discount.ends_at else None,
    }


def _day(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).date().isoformat() if moment else None


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


# -- the connector's operations --------------------------------------------------------------------


def get_discount(connector: NetSuiteConnector, promotion_id: str) -> Discount:
    body = connector.client.get(RECORD, promotion_id)
    return discount_from_netsuite(body, currency=connector.settings.currency)


def discounts_changed_since(connector: NetSuiteConnector, cursor: str | None) -> ChangeBatch[Discount]:
    changed = poll_changes(
        connector.client, "promotioncode", ChangeCursor.decode(cursor), **connector._poll_options()
    )
    discounts, unreadable = [], []
    for row in changed.rows:
        promotion_id = str(row["id"])
        try:
            discounts.append(get_discount(connector, promotion_id))
        except ErpsyncError as exc:
            unreadable.append(Unreadable.of(promotion_id, f"{SYSTEM}:{promotion_id}", exc))
    return ChangeBatch(discounts, changed.cursor.encode(), changed.more, unreadable)


def promotion_id_for_code(connector: NetSuiteConnector, code: str) -> str | None:
    rows = connector.client.suiteql_rows(
        f"SELECT id FROM promotioncode WHERE UPPER(code) = {sql_quote(code.upper())} ORDER BY id"
    )
    first = next(iter(rows), None)
    return str(first["id"]) if first else None


def upsert_discount(connector: NetSuiteConnector, discount: Discount) -> str:
    """Update the promotion NetSuite already has (by id, or by its code), else create it with an external id
    made from the discount's origin (a replayed create lands on the same record)."""
    body = discount_to_netsuite(discount, discount_item_id=connector.settings.discount_item_id)
    existing = discount.origin.id if discount.origin.system == SYSTEM else None
    existing = existing or promotion_id_for_code(connector, discount.codes[0])
    if existing is not None:
        connector.client.update(RECORD, existing, body)
        return existing
    external_id = external_id_for(f"{discount.origin.system}:{discount.origin.id}")
    return connector.client.upsert(RECORD, external_id, {**body, "externalId": external_id})


def promotion_reference(connector: NetSuiteConnector, order: Order) -> dict[str, str] | None:
    """The ``promoCode`` of the order's first discount code NetSuite has a promotion for, if any."""
    if not connector.settings.promotion_on_sales_order:
        return None
    for code in order.discount_codes:
        promotion_id = promotion_id_for_code(connector, code)
        if promotion_id is not None:
            return {"id": promotion_id}
    return None


def _check_posting(connector: NetSuiteConnector) -> str:
    settings = connector.settings
    if settings.loyalty_posting not in ("customer_field", "journal_entry"):
        raise ConfigError(
            f"NetSuite loyalty_posting {settings.loyalty_posting!r} is not known; use 'customer_field' (a "
            "customer custom field holding the balance) or 'journal_entry' (that field, and a journal per "
            "event)"
        )
    if settings.loyalty_posting == "journal_entry" and not (
        settings.loyalty_expense_account_id and settings.loyalty_liability_account_id
    ):
        raise ConfigError(
            "NetSuite loyalty_posting 'journal_entry' needs loyalty_expense_account_id and "
            "loyalty_liability_account_id (internal ids of the two accounts)"
        )
    return settings.loyalty_points_field


def loyalty_journal(event: LoyaltyEvent, *, customer_id: str, settings: Any) -> dict[str, Any] | None:
    """The journal entry of ``event`` (None when its points are worth nothing at the configured value)."""
    value = (Decimal(event.points) * Decimal(settings.loyalty_point_value)).quantize(Decimal("0.01"))
    if value <= 0:
        return None
    expense, liability = settings.loyalty_expense_account_id, settings.loyalty_liability_account_id
    debit, credit = (expense, liability) if event.kind == "earned" else (liability, expense)
    memo = f"Loyalty: {event.kind} {event.points} points ({event.business_key})"
    amount = translate.json_number(value)
    return {
        "tranDate": event.occurred_at.date().isoformat(),
        "memo": memo,
        "line": {
            "items": [
                {"account": {"id": debit}, "debit": amount, "entity": {"id": customer_id}, "memo": memo},
                {"account": {"id": credit}, "credit": amount, "entity": {"id": customer_id}, "memo": memo},
            ]
        },
    }


def loyalty_points(connector: NetSuiteConnector, customer_id: str) -> int:
    """The points balance NetSuite holds for the customer (0 when none was posted yet)."""
    field = _check_posting(connector)
    value = connector.client.get("customer", customer_id, expand_sub_resources=False).get(field)
    return int(Decimal(str(value))) if value not in (None, "") else 0


def post_loyalty_event(connector: NetSuiteConnector, event: LoyaltyEvent, *, customer_id: str) -> str:
    """Write the balance after ``event`` to the customer's loyalty field; returns the customer id."""
    field = _check_posting(connector)
    if event.balance_after is None:
        raise DataError(
            f"loyalty event {event.business_key} has no balance_after to post",
            system=SYSTEM,
            record=f"customer {customer_id}",
            field=field,
        )
    if connector.settings.loyalty_posting == "journal_entry" and event.kind in ("earned", "spent"):
        journal = loyalty_journal(event, customer_id=customer_id, settings=connector.settings)
        if journal is not None:
            external_id = external_id_for(event.business_key)
            connector.client.upsert("journalEntry", external_id, {**journal, "externalId": external_id})
    connector.client.update("customer", customer_id, {field: event.balance_after})
    return customer_id
