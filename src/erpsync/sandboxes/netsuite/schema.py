"""The record types the sandbox serves and the fields each accepts, as NetSuite's REST metadata names them.

A body field not listed here (and not a custom field of the record's kind, e.g. ``custbody_*`` on a
transaction) is rejected with 400 USER_ERROR, as NetSuite rejects unknown field names. Read-only fields
(totals, statuses, system dates) are served but cannot be written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    BOOL = "bool"
    DATE = "date"
    ENUM = "enum"  # a select list answered as {"id": "B", "refName": "Pending Fulfillment"}
    REF = "ref"  # a reference to another record: {"id": "12"} or {"externalId": "X"}
    ADDRESS = "address"  # an address subrecord
    SUBLIST = "sublist"  # {"items": [...]}
    VALUE = "value"  # a number wrapped as {"value": 5}: the pricing matrix's quantity break


@dataclass(frozen=True)
class Field:
    kind: Kind
    target: str = ""  # REF: record type or family ("item", "transaction"); ENUM: enum name
    required: bool = False
    read_only: bool = False
    line_fields: dict[str, Field] = field(default_factory=dict)  # SUBLIST only


@dataclass(frozen=True)
class RecordType:
    name: str  # as in the URL: salesOrder
    family: str  # entity | item | transaction | list
    fields: dict[str, Field]
    suiteql_type: str = ""  # transaction.type / item.itemtype code in SuiteQL (SalesOrd, InvtPart...)
    display_prefix: str = ""  # tranId prefix for transactions

    @property
    def custom_prefixes(self) -> tuple[str, ...]:
        return {
            "entity": ("custentity",),
            "item": ("custitem",),
            "transaction": ("custbody",),
        }.get(self.family, ("custrecord",))


TEXT, NUMBER, BOOL, DATE = Field(Kind.TEXT), Field(Kind.NUMBER), Field(Kind.BOOL), Field(Kind.DATE)
READ_ONLY_TEXT = Field(Kind.TEXT, read_only=True)
READ_ONLY_NUMBER = Field(Kind.NUMBER, read_only=True)


def ref(target: str, *, required: bool = False, read_only: bool = False) -> Field:
    return Field(Kind.REF, target, required=required, read_only=read_only)


def sublist(line_fields: dict[str, Field], *, read_only: bool = False) -> Field:
    return Field(Kind.SUBLIST, line_fields=line_fields, read_only=read_only)


ADDRESS = Field(Kind.ADDRESS)
ADDRESS_FIELDS = {
    "addressee", "attention", "addr1", "addr2", "addr3", "city", "state", "zip", "country", "addrPhone",
    "addrText", "override",
}  # fmt: skip

SYSTEM_FIELDS = {
    "id": READ_ONLY_TEXT,
    "externalId": TEXT,
    "createdDate": Field(Kind.DATE, read_only=True),
    "lastModifiedDate": Field(Kind.DATE, read_only=True),
}

ENTITY_FIELDS = {
    **SYSTEM_FIELDS,
    "entityId": TEXT,
    "isInactive": BOOL,
    "email": TEXT,
    "phone": TEXT,
    "comments": TEXT,
    "subsidiary": ref("subsidiary"),
    "currency": ref("currency"),
    "dateCreated": Field(Kind.DATE, read_only=True),
}

ADDRESS_BOOK_LINE = {
    "id": READ_ONLY_TEXT,
    "label": TEXT,
    "defaultBilling": BOOL,
    "defaultShipping": BOOL,
    "isResidential": BOOL,
    "addressBookAddress": ADDRESS,
}

ITEM_FIELDS = {
    **SYSTEM_FIELDS,
    "itemId": Field(Kind.TEXT, required=True),
    "displayName": TEXT,
    "salesDescription": TEXT,
    "upcCode": TEXT,
    "isInactive": BOOL,
    "basePrice": NUMBER,
    "cost": NUMBER,
    "subsidiary": ref("subsidiary"),
    "itemType": Field(Kind.TEXT, read_only=True),
}

STOCK_LINE = {
    "location": ref("location", read_only=True),
    "quantityOnHand": READ_ONLY_NUMBER,
    "quantityCommitted": READ_ONLY_NUMBER,
    "quantityAvailable": READ_ONLY_NUMBER,
}

ORDER_LINE = {
    "line": TEXT,  # matches a line on PATCH; assigned by the sandbox on create
    "item": ref("item", required=True),
    "quantity": NUMBER,
    "rate": NUMBER,
    "amount": NUMBER,
    "description": TEXT,
    "location": ref("location"),
    "isClosed": BOOL,
    "quantityFulfilled": READ_ONLY_NUMBER,
    "quantityBilled": READ_ONLY_NUMBER,
    "orderLine": READ_ONLY_TEXT,
}

FULFILLMENT_LINE = {
    "line": TEXT,
    "orderLine": TEXT,
    "item": ref("item", read_only=True),
    "itemReceive": BOOL,
    "quantity": NUMBER,
    "location": ref("location"),
    "description": READ_ONLY_TEXT,
}

PACKAGE_LINE = {"packageTrackingNumber": TEXT, "packageWeight": NUMBER, "packageDescr": TEXT}
# A fulfillment's packages: the plain sublist (any carrier) and one per integrated carrier, whose fields carry
# the carrier's suffix (SOAP packageUpsList / packageFedExList / packageUspsList; REST drops "List").
PACKAGE_SUBLISTS = {
    "package": PACKAGE_LINE,
    "packageUps": {"packageTrackingNumberUps": TEXT, "packageWeightUps": NUMBER, "packageDescrUps": TEXT},
    "packageFedEx": {"packageTrackingNumberFedEx": TEXT, "packageWeightFedEx": NUMBER},
    "packageUsps": {"packageTrackingNumberUsps": TEXT, "packageWeightUsps": NUMBER, "packageDescrUsps": TEXT},
}

TRANSACTION_FIELDS = {
    **SYSTEM_FIELDS,
    "tranId": TEXT,
    "tranDate": DATE,
    "memo": TEXT,
    "subsidiary": ref("subsidiary"),
    "currency": ref("currency"),
    "status": Field(Kind.ENUM, "status", read_only=True),
    "createdFrom": ref("transaction", read_only=True),
}

SALES_FIELDS = {
    **TRANSACTION_FIELDS,
    "entity": ref("customer", required=True),
    "otherRefNum": TEXT,
    "email": TEXT,
    "location": ref("location"),
    "billingAddress": ADDRESS,
    "shippingAddress": ADDRESS,
    "shipMethod": ref("item"),
    "shippingCost": NUMBER,
    "discountItem": ref("item"),
    "discountRate": TEXT,  # "-10.00" (amount) or "-10%" (percent), as on the NetSuite form
    # The promotion applied (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_159795372138.html)
    "promoCode": ref("promotionCode"),
    # A tax code (salesTaxItem) or tax group, never a sale item.
    "taxItem": ref("taxitem"),
    "taxRate": NUMBER,  # percent; legacy (non-SuiteTax) tax as set on the order header
    "subtotal": READ_ONLY_NUMBER,
    "discountTotal": READ_ONLY_NUMBER,
    "taxTotal": READ_ONLY_NUMBER,
    "total": READ_ONLY_NUMBER,
    "item": sublist(ORDER_LINE),
}

# One cell of an item's pricing matrix (REST sublist "price", Oracle help section_159531460854): the price at
# one price level, in one currency, from one quantity break on (sandboxes/netsuite/pricing.py).
PRICE_LINE = {
    "priceLevel": ref("priceLevel", required=True),
    "currencyPage": ref("currency"),
    "quantity": Field(Kind.VALUE),
    "price": NUMBER,
}

APPLY_LINE = {"doc": ref("transaction", required=True), "apply": BOOL, "amount": NUMBER}
TAX_ITEM_FIELDS = {
    **SYSTEM_FIELDS,
    "itemId": Field(Kind.TEXT, required=True),
    "rate": NUMBER,
    "description": TEXT,
    "isInactive": BOOL,
}


def _types() -> dict[str, RecordType]:
    inventory_item = {
        **ITEM_FIELDS,
        "locations": sublist(STOCK_LINE, read_only=True),
        "price": sublist(PRICE_LINE),
    }
    types = [
        RecordType("subsidiary", "list", {**SYSTEM_FIELDS, "name": TEXT, "isInactive": BOOL}),
        RecordType("currency", "list", {**SYSTEM_FIELDS, "name": TEXT, "symbol": TEXT}),
        RecordType(
            "term", "list", {**SYSTEM_FIELDS, "name": TEXT, "daysUntilNetDue": NUMBER, "isInactive": BOOL}
        ),
        # A price level (REST record id "pricelevel", Oracle help article_0718033232): discountPct is the
        # "Markup/Discount %" applied to the Base Price level, negative for a discount.
        RecordType(
            "priceLevel",
            "list",
            {
                **SYSTEM_FIELDS,
                "name": Field(Kind.TEXT, required=True),
                "discountPct": NUMBER,
                "isInactive": BOOL,
                "isOnline": BOOL,
            },
        ),
        RecordType(
            "customer",
            "entity",
            {
                **ENTITY_FIELDS,
                "companyName": TEXT,
                "firstName": TEXT,
                "lastName": TEXT,
                "isPerson": BOOL,
                # Whether sales to the customer are taxed; false for tax-exempt customers (NetSuite REST API
                # Browser, customer record, field "taxable").
                "taxable": BOOL,
                # Payment terms (a Term list record) and the tax registration number ("Tax Reg. Number").
                "terms": ref("term"),
                # The customer's price level (SOAP Customer.priceLevel; [UNCONF] the REST field name).
                "priceLevel": ref("priceLevel"),
                "vatRegNumber": TEXT,
                # E-mail marketing consent (Soft/Confirmed Opt-In/Out; SOAP enum GlobalSubscriptionStatus).
                "globalSubscriptionStatus": Field(Kind.ENUM, "globalSubscriptionStatus"),
                "defaultAddress": READ_ONLY_TEXT,
                "addressBook": sublist(ADDRESS_BOOK_LINE),
            },
        ),
        RecordType(
            "location",
            "list",
            {
                **SYSTEM_FIELDS,
                "name": Field(Kind.TEXT, required=True),
                "isInactive": BOOL,
                "subsidiary": ref("subsidiary"),
                "makeInventoryAvailable": BOOL,
                "mainAddress": ADDRESS,
            },
        ),
        RecordType("inventoryItem", "item", inventory_item, suiteql_type="InvtPart"),
        RecordType(
            "nonInventorySaleItem",
            "item",
            {**ITEM_FIELDS, "price": sublist(PRICE_LINE)},
            suiteql_type="NonInvtPart",
        ),
        RecordType("discountItem", "item", {**ITEM_FIELDS, "rate": TEXT}, suiteql_type="Discount"),
        # Finance setup (sandboxes/netsuite/banking.py): general ledger accounts (REST record "account":
        # acctName, acctNumber, acctType) and legacy tax codes and groups, the "taxitem" family a
        # transaction's taxItem refers to (REST records "salesTaxItem", "taxGroup"; rate in percent).
        RecordType(
            "account",
            "list",
            {
                **SYSTEM_FIELDS,
                "acctName": Field(Kind.TEXT, required=True),
                "acctNumber": TEXT,
                "acctType": TEXT,
                "isInactive": BOOL,
            },
        ),
        RecordType(
            "paymentMethod",
            "list",
            {
                **SYSTEM_FIELDS,
                "name": Field(Kind.TEXT, required=True),
                "methodType": TEXT,
                "account": ref("account"),
                "isInactive": BOOL,
            },
        ),
        RecordType("salesTaxItem", "taxitem", dict(TAX_ITEM_FIELDS)),
        RecordType("taxGroup", "taxitem", dict(TAX_ITEM_FIELDS)),
        # SuitePromotions' promotion (REST record id "promotioncode"): its coupon ``code``, the ``discount``
        # item it books to and the ``rate`` ("10%" or an amount), as the REST API Browser names them
        # (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_76112913770.html; field list:
        # https://system.netsuite.com/help/helpcenter/en_US/srbrowser/Browser2023_1/schema/record/PromotionCode.html).
        # A journal entry (REST record "journalentry"): ``line`` items each debit or credit one account,
        # for an entity; the debits equal the credits
        # (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_159886587653.html).
        RecordType(
            "journalEntry",
            "transaction",
            {
                **TRANSACTION_FIELDS,
                "line": sublist(
                    {
                        "account": ref("account", required=True),
                        "debit": NUMBER,
                        "credit": NUMBER,
                        "entity": ref("customer"),
                        "memo": TEXT,
                    }
                ),
            },
            suiteql_type="Journal",
            display_prefix="JE",
        ),
        RecordType(
            "promotionCode",
            "list",
            {
                **SYSTEM_FIELDS,
                "name": Field(Kind.TEXT, required=True),
                "code": TEXT,
                "description": TEXT,
                "discount": ref("item", required=True),
                "rate": TEXT,
                "startDate": DATE,
                "endDate": DATE,
                "isInactive": BOOL,
                "isPublic": BOOL,
                "minimumOrderAmount": NUMBER,
            },
        ),
        RecordType(
            "salesOrder",
            "transaction",
            {**SALES_FIELDS, "orderStatus": Field(Kind.ENUM, "orderStatus")},
            suiteql_type="SalesOrd",
            display_prefix="SO",
        ),
        RecordType(
            "itemFulfillment",
            "transaction",
            {
                **TRANSACTION_FIELDS,
                "entity": ref("customer", read_only=True),
                "shipStatus": Field(Kind.ENUM, "shipStatus"),
                "shippingAddress": ADDRESS,
                "shipMethod": ref("item"),
                "item": sublist(FULFILLMENT_LINE),
                **{name: sublist(fields) for name, fields in PACKAGE_SUBLISTS.items()},
            },
            suiteql_type="ItemShip",
            display_prefix="IF",
        ),
        RecordType(
            "invoice",
            "transaction",
            {
                **SALES_FIELDS,
                "amountPaid": READ_ONLY_NUMBER,
                "amountRemaining": READ_ONLY_NUMBER,
            },
            suiteql_type="CustInvc",
            display_prefix="INV",
        ),
        RecordType(
            "customerPayment",
            "transaction",
            {
                **TRANSACTION_FIELDS,
                "customer": ref("customer", required=True),
                "payment": Field(Kind.NUMBER, required=True),
                # A Payment Method record (Setup > Accounting > Accounting Lists), not free text.
                "paymentMethod": ref("paymentMethod"),
                # The account the payment posts to instead of Undeposited Funds (undepFunds false).
                "account": ref("account"),
                "undepFunds": BOOL,
                "apply": sublist(APPLY_LINE),
                "total": READ_ONLY_NUMBER,
            },
            suiteql_type="CustPymt",
            display_prefix="PYMT",
        ),
        RecordType(
            "customerDeposit",
            "transaction",
            {
                **TRANSACTION_FIELDS,
                "customer": ref("customer", required=True),
                "salesOrder": ref("salesOrder"),
                "payment": Field(Kind.NUMBER, required=True),
                "paymentMethod": TEXT,
                "total": READ_ONLY_NUMBER,
            },
            suiteql_type="CustDep",
            display_prefix="DEP",
        ),
        # A bank deposit (REST record "deposit"): Other Deposits less Cash Back lines into ``account``
        # (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/article_14124948339.html).
        RecordType(
            "deposit",
            "transaction",
            {
                **TRANSACTION_FIELDS,
                "account": ref("account", required=True),
                "other": sublist(
                    {
                        "account": ref("account", required=True),
                        "amount": Field(Kind.NUMBER, required=True),
                        "entity": ref("customer"),
                        "memo": TEXT,
                    }
                ),
                "cashBack": sublist(
                    {
                        "account": ref("account", required=True),
                        "amount": Field(Kind.NUMBER, required=True),
                        "memo": TEXT,
                    }
                ),
                "total": READ_ONLY_NUMBER,
            },
            suiteql_type="Deposit",
            display_prefix="BDEP",
        ),
        RecordType(
            "returnAuthorization",
            "transaction",
            {**SALES_FIELDS, "orderStatus": Field(Kind.ENUM, "orderStatus")},
            suiteql_type="RtnAuth",
            display_prefix="RMA",
        ),
        RecordType(
            "itemReceipt",
            "transaction",
            {
                **TRANSACTION_FIELDS,
                "entity": ref("customer", read_only=True),
                "item": sublist(FULFILLMENT_LINE),
            },
            suiteql_type="ItemRcpt",
            display_prefix="IR",
        ),
        RecordType(
            "creditMemo", "transaction", dict(SALES_FIELDS), suiteql_type="CustCred", display_prefix="CM"
        ),
        RecordType(
            "cashRefund", "transaction", dict(SALES_FIELDS), suiteql_type="CashRfnd", display_prefix="CR"
        ),
        RecordType(
            "inventoryAdjustment",
            "transaction",
            {
                **TRANSACTION_FIELDS,
                "adjLocation": ref("location"),
                "account": TEXT,
                "inventory": sublist(
                    {
                        "item": ref("inventoryItem", required=True),
                        "location": ref("location", required=True),
                        "adjustQtyBy": Field(Kind.NUMBER, required=True),
                        "memo": TEXT,
                    }
                ),
            },
            suiteql_type="InvAdjst",
            display_prefix="ADJ",
        ),
    ]
    return {record_type.name: record_type for record_type in types}


RECORD_TYPES: dict[str, RecordType] = _types()

# The issue asks for "nonInventoryItem"; NetSuite's REST name is nonInventorySaleItem. Both reach it.
TYPE_ALIASES = {
    "nonInventoryItem": "nonInventorySaleItem",
    "promotioncode": "promotionCode",
    "journalentry": "journalEntry",
    "pricelevel": "priceLevel",
}

FAMILY_OF = {name: record_type.family for name, record_type in RECORD_TYPES.items()}

# Sales order statuses: SuiteQL transaction.status letters and their names (NetSuite's SalesOrd:X codes).
ORDER_STATUSES = {
    "A": "Pending Approval",
    "B": "Pending Fulfillment",
    "C": "Cancelled",
    "D": "Partially Fulfilled",
    "E": "Pending Billing/Partially Fulfilled",
    "F": "Pending Billing",
    "G": "Billed",
    "H": "Closed",
}
INVOICE_STATUSES = {"A": "Open", "B": "Paid In Full"}
RETURN_STATUSES = {
    "A": "Pending Approval",
    "B": "Pending Receipt",
    "C": "Cancelled",
    "D": "Partially Received",
    "E": "Pending Refund/Partially Received",
    "F": "Pending Refund",
    "G": "Refunded",
    "H": "Closed",
}
SHIP_STATUSES = {"A": "Picked", "B": "Packed", "C": "Shipped"}
# [UNCONF] the REST ids of the four statuses; the names are NetSuite's (SOAP enum GlobalSubscriptionStatus).
SUBSCRIPTION_STATUSES = {
    "1": "Soft Opt-In",
    "2": "Soft Opt-Out",
    "3": "Confirmed Opt-In",
    "4": "Confirmed Opt-Out",
}
ENUMS = {
    "orderStatus": ORDER_STATUSES,
    "shipStatus": SHIP_STATUSES,
    "globalSubscriptionStatus": SUBSCRIPTION_STATUSES,
}
STATUS_NAMES = {"invoice": INVOICE_STATUSES, "returnAuthorization": RETURN_STATUSES}


def resolve_type(name: str) -> RecordType | None:
    return RECORD_TYPES.get(TYPE_ALIASES.get(name, name))
