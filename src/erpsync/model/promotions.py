"""Promotion records: discounts (codes and the rules behind them) and loyalty points earned and spent."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field, model_validator

from erpsync.model.common import (
    InconsistentRecordError,
    Measure,
    NonEmptyStr,
    NonNegativeMoney,
    Record,
)

DiscountRuleKind = Literal["percentage", "fixed_amount", "free_shipping", "buy_x_get_y"]
DiscountScope = Literal["order", "products", "collections"]
LoyaltyEventKind = Literal["earned", "spent", "expired", "adjusted"]


class Discount(Record):
    """A promotion rule and the codes that trigger it (no codes: an automatic discount).

    Rule: ``kind`` *percentage* takes ``percentage`` % (0 < p ≤ 100) off the scope; *fixed_amount* takes
    ``amount``; *free_shipping* zeroes shipping; *buy_x_get_y* gives ``get_quantity`` units at ``percentage``
    % off (100 = free) for every ``buy_quantity`` bought. ``scope`` narrows it to ``skus`` or ``collections``.
    Conditions: ``minimum_subtotal``, ``minimum_quantity``, ``usage_limit`` (total uses),
    ``once_per_customer``, ``customer_segments``, and the validity window ``starts_at``..``ends_at``.

    Business key: the code upper-cased when the discount has exactly one (stores match codes
    case-insensitively), else ``"<system>:<id>"``.
    """

    record_type: ClassVar[str] = "discount"

    title: NonEmptyStr
    codes: list[NonEmptyStr] = Field(default_factory=list)
    kind: DiscountRuleKind
    percentage: Measure | None = Field(default=None, gt=0, le=100)
    amount: NonNegativeMoney | None = None
    buy_quantity: int | None = Field(default=None, gt=0)
    get_quantity: int | None = Field(default=None, gt=0)
    scope: DiscountScope = "order"
    skus: list[NonEmptyStr] = Field(default_factory=list)
    collections: list[NonEmptyStr] = Field(default_factory=list)
    minimum_subtotal: NonNegativeMoney | None = None
    minimum_quantity: int | None = Field(default=None, gt=0)
    usage_limit: int | None = Field(default=None, gt=0)
    once_per_customer: bool = False
    customer_segments: list[str] = Field(default_factory=list)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None

    @property
    def is_automatic(self) -> bool:
        return not self.codes

    @property
    def business_key(self) -> str:
        # Codes match case-insensitively at checkout (Shopify:
        # https://shopify.dev/changelog/cartdiscountcode-code-has-been-fixed-to-be-case-insensitive;
        # Magento accepts "Test123" for "TEST123": github.com/magento/magento2/issues/34363).
        if len(self.codes) == 1:
            return self.codes[0].upper()
        return f"{self.origin.system}:{self.origin.id}"

    @model_validator(mode="after")
    def _rule_is_complete(self) -> Discount:
        required = {
            "percentage": ["percentage"],
            "fixed_amount": ["amount"],
            "free_shipping": [],
            "buy_x_get_y": ["buy_quantity", "get_quantity", "percentage"],
        }[self.kind]
        for name in required:
            if getattr(self, name) is None:
                raise InconsistentRecordError(f"{name}: a {self.kind} discount needs {name}", field=name)
        if self.scope == "products" and not self.skus:
            raise InconsistentRecordError(
                "skus: a discount scoped to products needs at least one SKU", field="skus"
            )
        if self.scope == "collections" and not self.collections:
            raise InconsistentRecordError(
                "collections: a discount scoped to collections needs at least one collection",
                field="collections",
            )
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise InconsistentRecordError(
                f"ends_at: {self.ends_at.isoformat()} is not after starts_at {self.starts_at.isoformat()}",
                field="ends_at",
            )
        if self.amount and self.minimum_subtotal:
            self.amount._same_currency(self.minimum_subtotal, "compare")
        return self


class LoyaltyEvent(Record):
    """A change to a customer's loyalty points balance.

    ``points`` is the size of the change, positive; the ``kind`` gives its direction: *earned* adds, *spent*
    and *expired* subtract, *adjusted* is a manual correction whose ``points`` carry their own sign.
    ``signed_points`` is the change as a signed number. ``balance_after`` is the program's balance after it,
    when the loyalty system reports one.

    Business key: ``"<system>:<id>"`` (the loyalty program's event id).
    """

    record_type: ClassVar[str] = "loyalty_event"

    kind: LoyaltyEventKind
    points: int
    customer_id: str | None = None
    customer_email: str | None = None
    balance_after: int | None = None
    order_id: str | None = None
    reason: str | None = None
    occurred_at: AwareDatetime

    @property
    def signed_points(self) -> int:
        return -self.points if self.kind in ("spent", "expired") else self.points

    @model_validator(mode="after")
    def _points_and_customer(self) -> LoyaltyEvent:
        if self.kind == "adjusted" and self.points == 0:
            raise InconsistentRecordError("points: an adjustment of 0 points changes nothing", field="points")
        if self.kind != "adjusted" and self.points <= 0:
            raise InconsistentRecordError(
                f"points: {self.kind} points are counted positive (the kind gives the sign), "
                f"got {self.points}",
                field="points",
            )
        if not (self.customer_id or self.customer_email):
            raise InconsistentRecordError(
                "customer_id: a loyalty event needs customer_id or customer_email", field="customer_id"
            )
        return self
