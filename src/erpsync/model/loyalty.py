"""A customer's loyalty points balance as the loyalty program reports it (``LoyaltyBalance``).

Loyalty apps on a store keep a balance per customer (Smile, for instance, in a customer metafield), not a
list of events; erpsync turns each change of balance into a ``LoyaltyEvent`` (flows/loyalty.py). Not in
``RECORD_TYPES``: no mapping targets a balance, it is only what a store connector reads.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from erpsync.model.common import Record


class LoyaltyBalance(Record):
    """``points`` held by the customer ``customer_id`` (in the origin's system) right now; ``version`` is the
    store's own stamp of this value (a metafield's ``compareDigest``), so the same balance read twice is one
    balance and a new value is a new one.

    Business key: ``"loyalty:<e-mail>"`` (lower-cased), else ``"loyalty:<system>:<customer id>"``.
    """

    record_type: ClassVar[str] = "loyalty_balance"

    customer_id: str
    customer_email: str | None = None
    points: int = Field(ge=0)
    version: str

    @property
    def customer_key(self) -> str:
        """The customer's own business key (as ``Customer.business_key``)."""
        if self.customer_email:
            return self.customer_email.lower()
        return f"{self.origin.system}:{self.customer_id}"

    @property
    def business_key(self) -> str:
        return f"loyalty:{self.customer_key}"
