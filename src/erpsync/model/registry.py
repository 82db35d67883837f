"""``RECORD_TYPES``: record type name → canonical class; the mapping engine finds target models here."""

from __future__ import annotations

from erpsync.model.catalog import InventoryLevel, Location, Price, PriceList, Product, Variant
from erpsync.model.common import Record
from erpsync.model.customers import Company, CompanyContact, CompanyLocation, Customer
from erpsync.model.finance import CreditMemo, Invoice, Payout, Refund, Transaction
from erpsync.model.orders import Fulfillment, Order
from erpsync.model.promotions import Discount, LoyaltyEvent

_RECORD_CLASSES: tuple[type[Record], ...] = (
    Product,
    Variant,
    Price,
    PriceList,
    Location,
    InventoryLevel,
    Customer,
    Company,
    CompanyLocation,
    CompanyContact,
    Order,
    Fulfillment,
    Transaction,
    Refund,
    Payout,
    Invoice,
    CreditMemo,
    Discount,
    LoyaltyEvent,
)

RECORD_TYPES: dict[str, type[Record]] = {cls.record_type: cls for cls in _RECORD_CLASSES}
# DESIGN.md names the gateway transaction "Payment"; both names lead to the same class.
RECORD_TYPES["payment"] = Transaction


def record_class(record_type: str) -> type[Record]:
    """The class for ``record_type``; a ``KeyError`` that lists the known names when there is none."""
    try:
        return RECORD_TYPES[record_type]
    except KeyError:
        raise KeyError(
            f"unknown record type {record_type!r}; known: {', '.join(sorted(RECORD_TYPES))}"
        ) from None
