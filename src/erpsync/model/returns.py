"""Returns: goods a customer sends back for an order (a Shopify return, a NetSuite return authorization).

A return is the promise of goods coming back, not money: the money moves later as a ``Refund`` (store) and a
``CreditMemo`` (ERP), when the goods have been received.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field, model_validator

from erpsync.model.common import InconsistentRecordError, NonEmptyStr, Part, Record

ReturnStatus = Literal["requested", "open", "received", "refunded", "closed", "declined", "cancelled"]
# Shopify's ReturnReason values, lower-cased (https://shopify.dev/docs/api/admin-graphql/latest/enums/ReturnReason)
ReturnReason = Literal[
    "color",
    "defective",
    "not_as_described",
    "other",
    "size_too_large",
    "size_too_small",
    "style",
    "unknown",
    "unwanted",
    "wrong_item",
]
ACTIVE_STATUSES: frozenset[str] = frozenset({"open", "received"})


class ReturnLine(Part):
    """Units of one order line coming back. ``line_id`` is the order line's id in the return's own system
    (a Shopify line item, a NetSuite sales order line number); ``sku`` is what matches lines across systems.
    ``note`` is free text (the customer's words, or where the line came from)."""

    line_id: NonEmptyStr
    sku: str | None = None
    quantity: int = Field(gt=0)
    reason: ReturnReason = "unknown"
    note: str | None = None


class Return(Record):
    """A return of some units of an order's lines.

    ``status``: *requested* (the customer asked, the merchant has not approved), *open* (approved, goods on
    their way), *received* (the warehouse has them; the refund is due), *refunded*, *closed*, *declined*,
    *cancelled*. ``order_id`` is the order's id in the same system. ``location_code`` is where the goods
    were (or are to be) received, in the return's system's location codes. ``source_key`` is the business
    key of the return this record was written from, when erpsync wrote it (so a poll of that system knows
    it is not a new return). Business key: ``"<system>:<id>"``.
    """

    record_type: ClassVar[str] = "return"

    order_id: NonEmptyStr
    number: str | None = None
    status: ReturnStatus
    created_at: AwareDatetime | None = None
    lines: list[ReturnLine] = Field(min_length=1)
    note: str | None = None
    location_code: str | None = None
    source_key: str | None = None

    @property
    def is_active(self) -> bool:
        """Approved and not finished: the ERP should hold a return authorization for it."""
        return self.status in ACTIVE_STATUSES

    @property
    def reason(self) -> str:
        """The return's reason for people: the reasons of its lines, most frequent first."""
        reasons: list[str] = [line.reason for line in self.lines]
        return ", ".join(sorted(set(reasons), key=lambda r: (-reasons.count(r), r)))

    @model_validator(mode="after")
    def _one_line_per_order_line(self) -> Return:
        seen: set[str] = set()
        for index, line in enumerate(self.lines):
            if line.line_id in seen:
                raise InconsistentRecordError(
                    f"lines.{index}.line_id: order line {line.line_id} appears twice in return "
                    f"{self.origin.id}; merge the quantities into one line",
                    field=f"lines.{index}.line_id",
                )
            seen.add(line.line_id)
        return self
