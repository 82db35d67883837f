"""Promotions (SuitePromotions ``promotionCode`` records): the account's rules and their SuiteQL table; and
the rule of the journal entries loyalty points are booked with (debits equal credits, each line one of them).

A coupon code is unique among promotions (NetSuite matches it case-insensitively at order entry); the
sandbox refuses a second promotion with the same code. [UNCONF] NetSuite's exact error code and message for
it are not documented; the sandbox answers 400 USER_ERROR naming the code
(docs/flows.md, "Promotions and loyalty").
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from erpsync.sandboxes.netsuite.errors import user_error

Record = dict[str, Any]

PROMOTION_CODE_COLUMNS = (
    "id",
    "code",
    "name",
    "externalid",
    "isinactive",
    "rate",
    "discount",
    "startdate",
    "enddate",
    "lastmodifieddate",
)


def check_promotion_code(store: Any, promotion: Record) -> None:
    code = str(promotion.get("code") or "").strip()
    if not code:
        return
    for other in store.records["promotionCode"].values():
        if other["id"] != promotion.get("id") and str(other.get("code") or "").lower() == code.lower():
            raise user_error(f"The coupon code {code} is already in use by another promotion.", path="code")


def check_journal_entry(journal: Record) -> None:
    """Each line debits or credits (not both, not neither) and the entry balances. [UNCONF] NetSuite's exact
    wording; the sandbox answers 400 USER_ERROR."""
    lines = (journal.get("line") or {}).get("items") or []
    if not lines:
        raise user_error("Please enter value(s) for: line", path="line")
    debits = credits = Decimal(0)
    for index, line in enumerate(lines):
        debit, credit = line.get("debit"), line.get("credit")
        if (debit is None) == (credit is None):
            raise user_error(
                "A journal line has either a debit or a credit amount.", path=f"line.items[{index}]"
            )
        debits += Decimal(str(debit or 0))
        credits += Decimal(str(credit or 0))
    if debits != credits:
        raise user_error(
            f"The transaction is not in balance: debits {debits} and credits {credits} differ.", path="line"
        )


def sql_time(value: Any) -> str | None:
    """A stored moment as SuiteQL serves a timestamp column read through these tables (UTC text)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else None


def promotion_code_rows(store: Any) -> list[Record]:
    return [
        {
            "id": p["id"],
            "code": p.get("code"),
            "name": p.get("name"),
            "externalid": p.get("externalId"),
            "isinactive": "T" if p.get("isInactive") else "F",
            "rate": p.get("rate"),
            "discount": (p.get("discount") or {}).get("id"),
            "startdate": p.get("startDate"),
            "enddate": p.get("endDate"),
            "lastmodifieddate": sql_time(p["lastModifiedDate"]),
        }
        for p in store.records["promotionCode"].values()
    ]
