"""The connector interface the flows are written against (OCA vocabulary: a connector is the *adapter*
plus the *mapper* for one backend). Flows never see a platform payload, only canonical records.

Every write takes an ``idempotency_key`` (DESIGN decision 3): the engine's steps are at-least-once, so a
write replayed after a crash must land once — through the platform's own upsert/external id (NetSuite
``eid:``) or idempotency feature (Shopify ``@idempotent``). Reads that poll for changes take and return an
opaque cursor the engine stores per flow.

Errors are raised as erpsync.errors classes: TransientError (retry), DataError (park), ConfigError (pause).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from erpsync.errors import ErpsyncError

if TYPE_CHECKING:
    from erpsync.model import (
        Company,
        CreditMemo,
        Customer,
        Discount,
        Fulfillment,
        InventoryLevel,
        Invoice,
        Location,
        LoyaltyEvent,
        Money,
        Order,
        Payout,
        Product,
        Refund,
        Transaction,
    )
    from erpsync.model.loyalty import LoyaltyBalance

RecordT = TypeVar("RecordT")


@dataclass(frozen=True)
class Unreadable:
    """A changed record the connector could not turn into a canonical record (the platform sent a shape no
    canonical record can take). The poll hands it on to be parked on its own, so it never stops the others."""

    record_id: str
    business_key: str
    error: dict[str, str | None]  # ErpsyncError.as_dict(): plain data, so a durable step can keep it

    @classmethod
    def of(cls, record_id: str, business_key: str, error: ErpsyncError) -> Unreadable:
        return cls(record_id, business_key, error.as_dict())


@dataclass(frozen=True)
class ChangeBatch(Generic[RecordT]):
    """One page of changes since a cursor; ``cursor`` resumes after it, ``more`` says another page waits;
    ``unreadable`` lists the changed records of the page that could not be translated."""

    records: list[RecordT]
    cursor: str
    more: bool = False
    unreadable: list[Unreadable] = field(default_factory=list)


@dataclass(frozen=True)
class PriceListWritten:
    """A store's answer to a price list write: its ids, and the SKUs it has no product for yet."""

    price_list_id: str
    catalog_id: str | None
    missing_skus: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LedgerEntry:
    """One money document as the ERP booked it, for the daily tie-out (``erpsync.flows.tieout``).

    ``kind`` is ``"order"`` (sales order), ``"refund"`` (credit memo, cash refund) or ``"payout"`` (the bank
    deposit of a payment provider's payout); ``external_id`` is the
    id erpsync gave it when it wrote it (the source record's key, platform-escaped); ``total`` is positive
    whatever sign the ERP stores, the kind says the direction.
    """

    kind: str
    erp_id: str
    number: str | None
    day: date
    total: Money
    external_id: str | None = None
    status: str | None = None


class StoreConnector(Protocol):
    """An online store (Shopify, BigCommerce, Adobe Commerce)."""

    @property
    def system(self) -> str:
        """The platform name used in the cross-reference and timeline ("shopify")."""
        ...

    def get_order(self, order_id: str) -> Order: ...
    def orders_changed_since(self, cursor: str | None) -> ChangeBatch[Order]: ...
    def get_customer(self, customer_id: str) -> Customer: ...
    def customers_changed_since(self, cursor: str | None) -> ChangeBatch[Customer]: ...
    def get_company(self, company_id: str) -> Company: ...
    def locations(self) -> list[Location]: ...

    def upsert_product(self, product: Product, *, idempotency_key: str) -> str: ...
    def set_inventory(self, levels: Sequence[InventoryLevel], *, idempotency_key: str) -> None: ...
    def create_fulfillment(self, fulfillment: Fulfillment, *, idempotency_key: str) -> str: ...
    def cancel_order(self, order_id: str, *, reason: str, idempotency_key: str) -> None: ...
    def create_refund(self, refund: Refund, *, idempotency_key: str) -> str: ...
    def upsert_customer(self, customer: Customer, *, idempotency_key: str) -> str: ...
    def upsert_company(self, company: Company, *, idempotency_key: str) -> str: ...

    # promotions and loyalty (flows/promotions.py, flows/loyalty.py)
    def get_discount(self, discount_id: str) -> Discount: ...
    def find_discount_by_code(self, code: str) -> str | None: ...
    def discounts_changed_since(self, cursor: str | None) -> ChangeBatch[Discount]: ...
    def upsert_discount(self, discount: Discount, *, idempotency_key: str) -> str: ...
    def loyalty_balances_changed_since(self, cursor: str | None) -> ChangeBatch[LoyaltyBalance]: ...


class ErpConnector(Protocol):
    """An ERP (NetSuite, Business Central, SAP S/4HANA, Tryton)."""

    @property
    def system(self) -> str:
        """The platform name used in the cross-reference and timeline ("netsuite")."""
        ...

    def upsert_sales_order(self, order: Order, *, idempotency_key: str) -> str: ...
    def amend_sales_order(self, order: Order, *, idempotency_key: str) -> list[str]:
        """Apply store edits of an order already in the ERP; what changed, or [] (DataError if refused)."""
        ...

    def cancel_sales_order(self, order: Order, *, idempotency_key: str) -> None: ...
    def upsert_customer(self, customer: Customer, *, idempotency_key: str) -> str: ...
    def upsert_company(self, company: Company, *, idempotency_key: str) -> str: ...
    def create_invoice(self, order: Order, *, idempotency_key: str) -> Invoice: ...
    def record_payment(self, transaction: Transaction, *, idempotency_key: str) -> str: ...
    def create_credit_memo(self, refund: Refund, *, idempotency_key: str) -> CreditMemo: ...
    def record_payout(self, payout: Payout, *, idempotency_key: str) -> str: ...

    def products_changed_since(self, cursor: str | None) -> ChangeBatch[Product]: ...
    def inventory_changed_since(self, cursor: str | None) -> ChangeBatch[InventoryLevel]: ...
    def fulfillments_changed_since(self, cursor: str | None) -> ChangeBatch[Fulfillment]: ...
    def customers_changed_since(self, cursor: str | None) -> ChangeBatch[Customer]: ...
    def locations(self) -> list[Location]: ...

    # promotions and loyalty (flows/promotions.py, flows/loyalty.py); an ERP that does not model them raises
    # ConfigError saying so
    def get_discount(self, discount_id: str) -> Discount: ...
    def find_discount_by_code(self, code: str) -> str | None: ...
    def discounts_changed_since(self, cursor: str | None) -> ChangeBatch[Discount]: ...
    def upsert_discount(self, discount: Discount, *, idempotency_key: str) -> str: ...
    def loyalty_points(self, customer_id: str) -> int: ...
    def post_loyalty_event(self, event: LoyaltyEvent, *, customer_id: str, idempotency_key: str) -> str: ...
