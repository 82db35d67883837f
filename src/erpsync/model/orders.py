"""Order records: the sale itself (Order with its lines, discounts, taxes, shipping, payments, attribution)
and the goods leaving the warehouse (Fulfillment)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field, model_validator

from erpsync.model.common import (
    Address,
    CurrencyCode,
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
from erpsync.model.finance import Refund, RefundLine, Transaction

FulfillmentStatus = Literal["pending", "open", "success", "cancelled", "error", "failure"]
DiscountKind = Literal["percentage", "fixed_amount", "free_shipping", "buy_x_get_y"]
DiscountTarget = Literal["line_items", "shipping"]


class TaxLine(Part):
    """One tax charged: "CA State Tax" at ``rate`` 0.0725 (a fraction, not a percent) of ``amount``."""

    title: NonEmptyStr
    rate: Measure | None = Field(default=None, ge=0, le=1)
    amount: NonNegativeMoney
    jurisdiction: str | None = None


class OrderLine(Part):
    """One line of an order: ``quantity`` units of a SKU at ``unit_price`` (before discounts).

    ``line_id`` is the line's id in the order's system; fulfillments and refunds point at it. ``discount`` is
    the part of the order's discounts allocated to this line, when the platform says (informational).
    """

    line_id: NonEmptyStr
    sku: str | None = None
    title: NonEmptyStr
    variant_title: str | None = None
    quantity: int = Field(gt=0)
    unit_price: NonNegativeMoney
    discount: NonNegativeMoney | None = None
    tax_lines: list[TaxLine] = Field(default_factory=list)
    taxable: bool = True
    requires_shipping: bool = True
    properties: dict[str, str] = Field(default_factory=dict)

    @property
    def subtotal(self) -> Money:
        """``unit_price x quantity``, before discounts and tax."""
        return self.unit_price * self.quantity


class ShippingLine(Part):
    """A delivery charge. ``price`` is before discounts (a shipping discount is a ``DiscountApplication`` with
    ``target="shipping"``); ``code`` is the carrier service a value map turns into an ERP ship method."""

    title: NonEmptyStr
    code: str | None = None
    carrier: str | None = None
    price: NonNegativeMoney
    tax_lines: list[TaxLine] = Field(default_factory=list)


class DiscountApplication(Part):
    """A discount as applied to one order: the ``code`` the buyer typed (None for automatic discounts), its
    rule (``kind`` and ``value``: 10 for 10 %, or an amount) and ``amount``, what it took off the order in
    total."""

    code: str | None = None
    title: str | None = None
    kind: DiscountKind
    value: Measure | None = None
    target: DiscountTarget = "line_items"
    amount: NonNegativeMoney


class Attribution(Part):
    """Where the sale came from, for marketing reports in the ERP: sales channel (``source_name``: "web",
    "pos", "amazon"), UTM parameters of the visit that converted, referrer and landing page."""

    source_name: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    referrer: str | None = None
    landing_page: str | None = None


class OrderTotals(Part):
    """The order's declared sums, in the order's currency.

    ``lines``: Σ unit_price x quantity; ``discounts``: Σ discount applications; ``shipping``: Σ shipping
    prices; ``tax``: Σ every tax line; ``total``: what the buyer pays = lines - discounts + shipping + tax
    (tax not added again when the order's prices include tax).
    """

    lines: NonNegativeMoney
    discounts: NonNegativeMoney
    shipping: NonNegativeMoney
    tax: NonNegativeMoney
    total: NonNegativeMoney


class TrackingInfo(Part):
    """A parcel's tracking: number, carrier (``company``, as the store names it) and tracking page ``url``."""

    number: NonEmptyStr
    company: str | None = None
    url: str | None = None


class FulfillmentLine(Part):
    """Units of one order line in a shipment; ``line_id`` must be a line of the fulfilled order."""

    line_id: NonEmptyStr
    sku: str | None = None
    quantity: int = Field(gt=0)


class Fulfillment(Record):
    """A shipment of some or all of an order's lines, from one location, with tracking.

    ``status``: *pending*/*open* not shipped yet, *success* shipped, *cancelled*, *error*/*failure* the
    carrier or warehouse failed. Cancelled and failed fulfillments do not count as shipped. ``order_id`` is
    the order's id in the same system. Business key: ``"<system>:<id>"``.
    """

    record_type: ClassVar[str] = "fulfillment"

    order_id: NonEmptyStr
    status: FulfillmentStatus
    location_code: str | None = None
    tracking: list[TrackingInfo] = Field(default_factory=list)
    lines: list[FulfillmentLine] = Field(min_length=1)
    shipped_at: AwareDatetime | None = None
    notify_customer: bool = False

    @property
    def counts_as_shipped(self) -> bool:
        return self.status not in ("cancelled", "error", "failure")


class Order(Record):
    """A sale: lines, discounts with their codes, taxes, shipping, payments and the buyer.

    Amounts are in ``currency`` (the shop's currency, what the ERP books); ``presentment_currency`` is the one
    the buyer saw, with ``presentment_total`` in it. Payments may be in either. ``totals`` are the order as
    placed (later refunds are ``Refund`` records, not edits of the totals) and must add up exactly
    (see ``OrderTotals``); a source system that rounds per line may declare ``rounding_tolerance`` up to 0.01
    for tax and total. ``fulfillments`` and ``refunds``, when carried, must point at this order's lines and
    not ship or refund more units than were ordered. For B2B orders ``company_id``/``company_location_id``
    name the buyer's company.

    Business key: ``"<system>:<id>"`` (store + order id: the idempotency key of the order-to-ERP flow).
    """

    record_type: ClassVar[str] = "order"

    number: str | None = None
    placed_at: AwareDatetime
    customer_id: str | None = None
    customer_email: str | None = None
    company_id: str | None = None
    company_location_id: str | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    currency: CurrencyCode
    presentment_currency: CurrencyCode | None = None
    presentment_total: NonNegativeMoney | None = None
    taxes_included: bool = False
    lines: list[OrderLine] = Field(min_length=1)
    discounts: list[DiscountApplication] = Field(default_factory=list)
    tax_lines: list[TaxLine] = Field(
        default_factory=list, description="order-level tax not allocated to lines"
    )
    shipping_lines: list[ShippingLine] = Field(default_factory=list)
    totals: OrderTotals
    payments: list[Transaction] = Field(default_factory=list)
    fulfillments: list[Fulfillment] = Field(default_factory=list)
    refunds: list[Refund] = Field(default_factory=list)
    attribution: Attribution | None = None
    financial_status: str | None = None
    cancelled_at: AwareDatetime | None = None
    cancel_reason: str | None = None
    note: str | None = None
    tags: list[str] = Field(default_factory=list)
    rounding_tolerance: RoundingTolerance = Decimal(0)

    @property
    def discount_codes(self) -> list[str]:
        return [d.code for d in self.discounts if d.code]

    @model_validator(mode="after")
    def _order_is_consistent(self) -> Order:
        self._check_currencies()
        self._check_totals()
        for index, fulfillment in enumerate(self.fulfillments):
            self._check_lines_belong(f"fulfillments.{index}", fulfillment.order_id, fulfillment.lines)
        self._check_not_over(
            "fulfillments", [ln for f in self.fulfillments if f.counts_as_shipped for ln in f.lines]
        )
        for index, refund in enumerate(self.refunds):
            self._check_lines_belong(f"refunds.{index}", refund.order_id, refund.lines)
        self._check_not_over("refunds", [ln for r in self.refunds for ln in r.lines])
        return self

    def check_fulfillment(self, fulfillment: Fulfillment) -> None:
        """Raise ``InconsistentRecordError`` unless ``fulfillment`` ships lines of this order, and with this
        order's other fulfillments not more units than were ordered (for a fulfillment arriving on its own).
        """
        self._check_lines_belong("fulfillment", fulfillment.order_id, fulfillment.lines)
        others = [f for f in self.fulfillments if f.business_key != fulfillment.business_key]
        shipped = [ln for f in [*others, fulfillment] if f.counts_as_shipped for ln in f.lines]
        self._check_not_over("fulfillments", shipped)

    def check_refund(self, refund: Refund) -> None:
        """Raise ``InconsistentRecordError`` unless ``refund`` returns lines of this order, and with this
        order's other refunds not more units than were ordered."""
        self._check_lines_belong("refund", refund.order_id, refund.lines)
        others = [r for r in self.refunds if r.business_key != refund.business_key]
        self._check_not_over("refunds", [ln for r in [*others, refund] for ln in r.lines])

    def _check_currencies(self) -> None:
        presentment = self.presentment_currency or self.currency
        require_currency(self, self.currency, skip=frozenset({"payments", "presentment_total"}))
        for index, payment in enumerate(self.payments):
            if payment.amount.currency not in (self.currency, presentment):
                raise InconsistentRecordError(
                    f"payments.{index}.amount: {payment.amount} is in neither the order currency "
                    f"{self.currency} nor its presentment currency {presentment}",
                    field=f"payments.{index}.amount",
                )
        if self.presentment_total is not None and self.presentment_total.currency != presentment:
            raise InconsistentRecordError(
                f"presentment_total: {self.presentment_total} is not in presentment currency {presentment}",
                field="presentment_total",
            )

    def _check_totals(self) -> None:
        totals, currency, tolerance = self.totals, self.currency, self.rounding_tolerance
        check_total(
            "totals.lines",
            totals.lines,
            sum_money((ln.subtotal for ln in self.lines), currency),
            "Σ lines' unit_price x quantity",
        )
        check_total(
            "totals.discounts",
            totals.discounts,
            sum_money((d.amount for d in self.discounts), currency),
            "Σ discounts.amount",
        )
        check_total(
            "totals.shipping",
            totals.shipping,
            sum_money((s.price for s in self.shipping_lines), currency),
            "Σ shipping_lines.price",
        )
        tax_lines = [*(t for ln in self.lines for t in ln.tax_lines), *self.tax_lines]
        tax_lines += [t for s in self.shipping_lines for t in s.tax_lines]
        taxes = [t.amount for t in tax_lines]
        check_total("totals.tax", totals.tax, sum_money(taxes, currency), "Σ tax lines", tolerance)
        computed = totals.lines - totals.discounts + totals.shipping
        formula = "lines - discounts + shipping (taxes included in prices)"
        if not self.taxes_included:
            computed, formula = computed + totals.tax, "lines - discounts + tax + shipping"
        check_total("totals.total", totals.total, computed, formula, tolerance)

    def _check_lines_belong(
        self, where: str, order_id: str, lines: Sequence[FulfillmentLine | RefundLine]
    ) -> None:
        if order_id != self.origin.id:
            raise InconsistentRecordError(
                f"{where}.order_id: {order_id!r} is not this order ({self.origin.id!r})",
                field=f"{where}.order_id",
            )
        known = {line.line_id for line in self.lines}
        for index, line in enumerate(lines):
            if line.line_id not in known:
                raise InconsistentRecordError(
                    f"{where}.lines.{index}.line_id: {line.line_id!r} is not a line of order "
                    f"{self.business_key} (its lines: {sorted(known)})",
                    field=f"{where}.lines.{index}.line_id",
                )

    def _check_not_over(self, what: str, lines: Sequence[FulfillmentLine | RefundLine]) -> None:
        taken: Counter[str] = Counter()
        for line in lines:
            taken[line.line_id] += line.quantity
        for order_line in self.lines:
            if taken[order_line.line_id] > order_line.quantity:
                raise InconsistentRecordError(
                    f"{what}: line {order_line.line_id!r} has {taken[order_line.line_id]} units in {what} "
                    f"but only {order_line.quantity} ordered",
                    field=what,
                )
