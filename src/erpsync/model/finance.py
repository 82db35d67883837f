"""Money movements: payment transactions, refunds, payouts from payment providers, and the ERP's invoices
and credit memos."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field, model_validator

from erpsync.model.common import (
    InconsistentRecordError,
    Measure,
    Money,
    NonEmptyStr,
    NonNegativeMoney,
    Part,
    Record,
    RoundingTolerance,
    check_total,
    require_currency,
    sum_money,
)

TransactionKind = Literal["authorization", "capture", "sale", "refund", "void"]
TransactionStatus = Literal["pending", "success", "failure", "error"]
PayoutStatus = Literal["scheduled", "in_transit", "paid", "failed", "cancelled"]
PayoutAdjustmentKind = Literal["charge", "refund", "dispute", "reserve", "fee", "adjustment", "other"]
DocumentStatus = Literal["draft", "open", "paid", "void"]


class Transaction(Record):
    """One payment-gateway operation on an order (also exported as ``Payment``).

    ``kind``: an *authorization* holds funds, a *capture* takes held funds (``parent_id`` names the
    authorization), a *sale* authorizes and captures at once, a *refund* returns money, a *void* cancels an
    authorization. Only successful captures and sales are money received; the ERP books them as customer
    payments. ``reference`` is the gateway's own id (PSP reference, charge id) used to match payouts.

    Business key: ``"<system>:<id>"``.
    """

    record_type: ClassVar[str] = "transaction"

    order_id: str | None = None
    kind: TransactionKind
    status: TransactionStatus
    gateway: NonEmptyStr
    amount: NonNegativeMoney
    payment_method: str | None = None
    parent_id: str | None = None
    reference: str | None = None
    processed_at: AwareDatetime | None = None

    @property
    def is_money_received(self) -> bool:
        return self.status == "success" and self.kind in ("capture", "sale")


Payment = Transaction


class RefundLine(Part):
    """An order line given back: how many units, whether they return to stock (and where), and the money."""

    line_id: NonEmptyStr
    sku: str | None = None
    quantity: int = Field(gt=0)
    restock: bool = False
    restock_location_code: str | None = None
    subtotal: NonNegativeMoney
    tax: NonNegativeMoney | None = None


class Refund(Record):
    """Money (and possibly goods) returned for an order.

    ``total`` must equal the lines' subtotal and tax plus refunded ``shipping`` plus ``adjustment`` (a
    goodwill amount not tied to a line), within ``rounding_tolerance`` when the source system declares one.
    Every amount is non-negative: a refund gives money back, its sign is in its meaning. ``transactions`` are
    the gateway refunds that paid it out.

    Business key: ``"<system>:<id>"``.
    """

    record_type: ClassVar[str] = "refund"

    order_id: NonEmptyStr
    created_at: AwareDatetime | None = None
    reason: str | None = None
    note: str | None = None
    lines: list[RefundLine] = Field(default_factory=list)
    shipping: NonNegativeMoney | None = None
    adjustment: NonNegativeMoney | None = None
    total: NonNegativeMoney
    transactions: list[Transaction] = Field(default_factory=list)
    rounding_tolerance: RoundingTolerance = Decimal(0)

    @property
    def currency(self) -> str:
        return self.total.currency

    @model_validator(mode="after")
    def _amounts_add_up(self) -> Refund:
        require_currency(self, self.currency)
        for index, transaction in enumerate(self.transactions):
            if transaction.kind != "refund":
                raise InconsistentRecordError(
                    f"transactions.{index}.kind: a refund's transactions are refunds, "
                    f"got {transaction.kind!r}"
                )
        parts = [line.subtotal for line in self.lines] + [line.tax for line in self.lines if line.tax]
        parts += [amount for amount in (self.shipping, self.adjustment) if amount is not None]
        computed = sum_money(parts, self.currency)
        check_total(
            "total", self.total, computed, "lines + line tax + shipping + adjustment", self.rounding_tolerance
        )
        return self


class PayoutAdjustment(Part):
    """One movement inside a payout besides the gross charges: a refund, a dispute (chargeback), a reserve
    held or released, a fee or a manual adjustment. ``amount`` is signed from the merchant's view: money
    leaving the merchant (refund, dispute, reserve held) is negative."""

    kind: PayoutAdjustmentKind
    amount: Money
    description: str | None = None
    order_id: str | None = None
    transaction_id: str | None = None


class Payout(Record):
    """A payment provider's transfer to the merchant's bank: what the ERP books as a bank deposit.

    ``net`` must equal ``gross`` (charges captured) - ``fees`` + the signed ``adjustments``, within
    ``rounding_tolerance`` when declared. ``net`` may be negative (a payout that debits the bank account).

    Business key: ``"<system>:<id>"``.
    """

    record_type: ClassVar[str] = "payout"

    status: PayoutStatus
    issued_at: AwareDatetime | None = None
    arrival_date: date | None = None
    gross: NonNegativeMoney
    fees: NonNegativeMoney
    adjustments: list[PayoutAdjustment] = Field(default_factory=list)
    net: Money
    bank_reference: str | None = None
    rounding_tolerance: RoundingTolerance = Decimal(0)

    @property
    def currency(self) -> str:
        return self.net.currency

    @model_validator(mode="after")
    def _net_adds_up(self) -> Payout:
        require_currency(self, self.currency)
        computed = self.gross - self.fees + sum_money((a.amount for a in self.adjustments), self.currency)
        check_total("net", self.net, computed, "gross - fees + adjustments", self.rounding_tolerance)
        return self


class DocumentLine(Part):
    """A line of an invoice or credit memo. ``amount`` is the line's net amount as the ERP booked it (after
    line discounts and the ERP's own rounding); ``quantity`` may be fractional (kilograms, hours)."""

    sku: str | None = None
    description: str | None = None
    quantity: Measure = Field(gt=0)
    unit_price: NonNegativeMoney
    amount: NonNegativeMoney
    tax: NonNegativeMoney | None = None


class BillingDocument(Record):
    """What invoices and credit memos share: numbered lines whose amounts add up to the totals.

    ``subtotal`` = Σ line amounts (exact); ``tax`` = Σ line tax when lines carry tax; ``total`` = subtotal +
    tax; ``amount_due`` is what remains open (0 ≤ amount_due ≤ total). Tax and total allow
    ``rounding_tolerance`` when declared. Business key: ``"<system>:<number>"`` (numbers are unique per
    issuing system).
    """

    number: NonEmptyStr
    order_id: str | None = None
    customer_key: str | None = None
    issued_at: AwareDatetime | None = None
    status: DocumentStatus = "open"
    lines: list[DocumentLine] = Field(min_length=1)
    subtotal: NonNegativeMoney
    tax: NonNegativeMoney
    total: NonNegativeMoney
    amount_due: NonNegativeMoney
    rounding_tolerance: RoundingTolerance = Decimal(0)

    @property
    def currency(self) -> str:
        return self.total.currency

    @property
    def business_key(self) -> str:
        return f"{self.origin.system}:{self.number}"

    @model_validator(mode="after")
    def _totals_add_up(self) -> BillingDocument:
        require_currency(self, self.currency)
        check_total(
            "subtotal",
            self.subtotal,
            sum_money((line.amount for line in self.lines), self.currency),
            "Σ lines.amount",
        )
        line_taxes = [line.tax for line in self.lines if line.tax is not None]
        if line_taxes:
            check_total(
                "tax", self.tax, sum_money(line_taxes, self.currency), "Σ lines.tax", self.rounding_tolerance
            )
        check_total("total", self.total, self.subtotal + self.tax, "subtotal + tax", self.rounding_tolerance)
        if self.amount_due > self.total:
            raise InconsistentRecordError(f"amount_due: {self.amount_due} exceeds total {self.total}")
        return self


class Invoice(BillingDocument):
    """A bill for goods shipped or an order placed, issued by the ERP (or the store for B2B terms orders).
    ``due_at`` follows from the buyer's payment terms."""

    record_type: ClassVar[str] = "invoice"

    due_at: AwareDatetime | None = None


class CreditMemo(BillingDocument):
    """A credit against an invoice: the ERP's side of a refund. ``applies_to_invoice`` is the invoice number,
    ``refund_id`` the store refund it books."""

    record_type: ClassVar[str] = "credit_memo"

    applies_to_invoice: str | None = None
    refund_id: str | None = None
    reason: str | None = None
