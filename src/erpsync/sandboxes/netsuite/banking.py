"""The sandbox account's finance setup and its bank deposits.

Setup every new account gets (Setup > Accounting): general ledger ``account`` records for the bank, the
payment providers' clearing accounts, merchant fees and payout adjustments; payment methods posting to them
(``paymentMethod``); legacy (non-SuiteTax) tax codes
(``salesTaxItem``) and a tax group (``taxGroup``). Each has an external id, so a connection's settings can
name them (``"eid:shopify-clearing"``) whatever internal ids an account gives them.

Deposits (REST record ``deposit``, https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/
article_14124948339.html): money into the body ``account`` from *Other Deposits* lines (``other``: account,
amount, memo) less *Cash Back* lines (``cashBack``: account, amount, memo). The total is the net of the lines;
"when the net value of all sublist lines is negative, the record cannot be added"
(https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_3947199795.html), and a deposit with
no line at all is refused as every transaction without lines is. The *Payments* sublist (customer payments
taken out of Undeposited Funds) is not served.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from erpsync.sandboxes.netsuite.errors import user_error

if TYPE_CHECKING:
    from erpsync.sandboxes.netsuite.account import Account
    from erpsync.sandboxes.netsuite.records import Record

CENT = Decimal("0.01")

# (external id, name, number, type): the REST account record's acctName, acctNumber and acctType.
ACCOUNTS = [
    ("operating-bank", "Operating Bank", "1010", "Bank"),
    ("undeposited-funds", "Undeposited Funds", "1020", "OthCurrAsset"),
    ("shopify-clearing", "Shopify Clearing", "1030", "OthCurrAsset"),
    ("paypal-clearing", "PayPal Clearing", "1040", "OthCurrAsset"),
    ("merchant-fees", "Merchant Fees", "6010", "Expense"),
    ("payout-adjustments", "Payout Adjustments", "6020", "Expense"),
]
# (external id, code, rate in percent): what the sandbox's demo orders and the tests charge.
TAX_CODES = [
    ("tax-us-8", "US-SALES-8", Decimal("8")),
    ("tax-ca-state", "CA-STATE", Decimal("7.25")),
    ("tax-ca-la-county", "CA-LA-COUNTY", Decimal("2.25")),
]
TAX_GROUPS = [("tax-ca-la", "CA-LA", Decimal("9.5"))]
# (external id, name, account external id): Payment Method records (Setup > Accounting > Accounting Lists).
PAYMENT_METHODS = [
    ("shopify-payments", "Shopify Payments", "shopify-clearing"),
    ("paypal", "PayPal", "paypal-clearing"),
    ("cash", "Cash", "undeposited-funds"),
]


def load_finance_setup(account: Account) -> None:
    """Create the accounts, tax codes and tax group (explicit small ids, as the account setup's own)."""
    store = account.store
    now = account.clock.now()
    for number, (external_id, name, account_number, account_type) in enumerate(ACCOUNTS, start=1):
        store.records["account"][str(number)] = {
            "id": str(number),
            "externalId": external_id,
            "acctName": name,
            "acctNumber": account_number,
            "acctType": account_type,
            "isInactive": False,
        }
    accounts = {record["externalId"]: record["id"] for record in store.records["account"].values()}
    for number, (external_id, name, posts_to) in enumerate(PAYMENT_METHODS, start=1):
        store.records["paymentMethod"][str(number)] = {
            "id": str(number),
            "externalId": external_id,
            "name": name,
            "methodType": "Other",
            "account": {"id": accounts[posts_to]},
            "isInactive": False,
        }
    for type_name, entries in (("salesTaxItem", TAX_CODES), ("taxGroup", TAX_GROUPS)):
        for number, (external_id, code, rate) in enumerate(entries, start=1):
            store.records[type_name][str(number)] = {
                "id": str(number),
                "externalId": external_id,
                "itemId": code,
                "rate": rate,
                "isInactive": False,
            }
    for type_name in ("account", "paymentMethod", "salesTaxItem", "taxGroup"):
        for record in store.records[type_name].values():
            record["createdDate"] = record["lastModifiedDate"] = now


def deposit_totals(record: Record) -> None:
    """Check a deposit's lines and set its ``total`` (Other Deposits less Cash Back)."""
    other = record.get("other", {}).get("items", [])
    cash_back = record.get("cashBack", {}).get("items", [])
    if not other and not cash_back:
        raise user_error("You must enter at least one line item for this transaction.", path="other")
    total = sum((line["amount"] for line in other), Decimal(0)) - sum(
        (line["amount"] for line in cash_back), Decimal(0)
    )
    total = total.quantize(CENT, rounding=ROUND_HALF_UP)
    if total < 0:
        raise user_error(
            f"The total of a deposit cannot be negative (the lines net to {total}).", path="cashBack"
        )
    record["total"] = total


# The NetSuite connection ``settings:`` that fit this setup (erpsync.yaml, or NetSuiteSettings(**...)): tax
# codes for the tax lines the sandboxes' orders carry, and the store gateways' methods and accounts.
CONNECTION_SETTINGS: dict[str, Any] = {
    "tax_codes": [
        {"jurisdiction": "Sales tax", "rate": "0.08", "tax_code": "eid:tax-us-8"},
        {"jurisdiction": "CA State Tax", "rate": "0.0725", "tax_code": "eid:tax-ca-la"},
        {"jurisdiction": "Los Angeles County Tax", "rate": "0.0225", "tax_code": "eid:tax-ca-la"},
    ],
    "payment_gateways": {
        "shopify_payments": {
            "payment_method": "eid:shopify-payments",
            "account": "eid:shopify-clearing",
            "bank_account": "eid:operating-bank",
            "fees_account": "eid:merchant-fees",
            "adjustments_account": "eid:payout-adjustments",
        },
        "paypal": {"payment_method": "eid:paypal", "account": "eid:paypal-clearing"},
        "manual": {"payment_method": "eid:cash", "account": "eid:undeposited-funds"},
    },
}
