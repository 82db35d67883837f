"""Canonical records: the platform-neutral shape every connector translates to and from.

Money is Decimal + ISO currency (never float); every record has an ``origin``, a ``record_type`` and a
``business_key``; ``RECORD_TYPES`` finds a class by its record type name.
"""

from erpsync.model.catalog import (
    InventoryLevel,
    Location,
    Price,
    PriceList,
    Product,
    ProductOption,
    Variant,
    Weight,
)
from erpsync.model.common import (
    Address,
    CurrencyMismatchError,
    InconsistentRecordError,
    Money,
    Origin,
    Part,
    Record,
    sum_money,
)
from erpsync.model.customers import Company, CompanyContact, CompanyLocation, Customer, PaymentTerms, TaxId
from erpsync.model.finance import (
    BillingDocument,
    CreditMemo,
    DocumentLine,
    Invoice,
    Payment,
    Payout,
    PayoutAdjustment,
    Refund,
    RefundLine,
    Transaction,
)
from erpsync.model.orders import (
    Attribution,
    DiscountApplication,
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderLine,
    OrderTotals,
    ShippingLine,
    TaxLine,
    TrackingInfo,
)
from erpsync.model.promotions import Discount, LoyaltyEvent
from erpsync.model.registry import RECORD_TYPES, InvalidRecordError, build_record, record_class

__all__ = [
    "RECORD_TYPES",
    "Address",
    "Attribution",
    "BillingDocument",
    "Company",
    "CompanyContact",
    "CompanyLocation",
    "CreditMemo",
    "CurrencyMismatchError",
    "Customer",
    "Discount",
    "DiscountApplication",
    "DocumentLine",
    "Fulfillment",
    "FulfillmentLine",
    "InconsistentRecordError",
    "InvalidRecordError",
    "InventoryLevel",
    "Invoice",
    "Location",
    "LoyaltyEvent",
    "Money",
    "Order",
    "OrderLine",
    "OrderTotals",
    "Origin",
    "Part",
    "Payment",
    "PaymentTerms",
    "Payout",
    "PayoutAdjustment",
    "Price",
    "PriceList",
    "Product",
    "ProductOption",
    "Record",
    "Refund",
    "RefundLine",
    "ShippingLine",
    "TaxId",
    "TaxLine",
    "TrackingInfo",
    "Transaction",
    "Variant",
    "Weight",
    "build_record",
    "record_class",
    "sum_money",
]
