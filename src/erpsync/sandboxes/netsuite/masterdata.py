"""Rules of the sandbox's master data (customers, items, locations), as a NetSuite account enforces them.

- A customer's ``entityId`` is unique among customers (400 UNIQUE_CUST_ID_REQD, "The customer ID you have
  chosen is already in use."); when none is given the account numbers customers itself (auto-numbering).
- A company customer needs ``companyName``; a person (``isPerson``) needs ``firstName`` and ``lastName``.
- An item's ``itemId`` (the SKU) is unique across all item types.
- At most one default billing and one default shipping address per customer.
- An item's pricing matrix (``price`` sublist) names each cell once, with no negative price (pricing.py).
"""

from __future__ import annotations

from erpsync.sandboxes.netsuite import pricing, promotions
from erpsync.sandboxes.netsuite.errors import NetSuiteError, user_error
from erpsync.sandboxes.netsuite.records import Record, RecordStore
from erpsync.sandboxes.netsuite.schema import RECORD_TYPES, RecordType


def before_write(store: RecordStore, record_type: RecordType, record: Record, *, creating: bool) -> None:
    if record_type.name == "customer":
        _check_customer(store, record, creating=creating)
    elif record_type.family == "item":
        _check_item(store, record_type, record)
        if "price" in record_type.fields:
            stored = None if creating else store.records[record_type.name].get(record.get("id", ""))
            pricing.apply_price_lines(stored, record)
    elif record_type.name == "promotionCode":
        promotions.check_promotion_code(store, record)
    elif record_type.name == "journalEntry":
        promotions.check_journal_entry(record)
    if creating and record_type.family in ("entity", "item", "list"):
        record.setdefault("isInactive", False)
        if record_type.name in ("customer", "location") or record_type.family == "item":
            record.setdefault("subsidiary", {"id": "1"})


def _check_customer(store: RecordStore, customer: Record, *, creating: bool) -> None:
    if creating:
        customer.setdefault("dateCreated", store.clock.now())
        customer.setdefault("isPerson", False)
        customer.setdefault("entityId", f"CUST{store.new_id()}")
    if customer.get("isPerson"):
        for name in ("firstName", "lastName"):
            if not customer.get(name):
                raise user_error(f"Please enter value(s) for: {name}", path=name)
    elif not customer.get("companyName"):
        raise user_error("Please enter value(s) for: companyName", path="companyName")
    for other in store.records["customer"].values():
        if other["id"] != customer.get("id") and other.get("entityId") == customer["entityId"]:
            raise NetSuiteError(
                400,
                "UNIQUE_CUST_ID_REQD",
                "The customer ID you have chosen is already in use.",
                path="entityId",
            )
    addresses = customer.get("addressBook", {}).get("items", [])
    for flag in ("defaultBilling", "defaultShipping"):
        if sum(1 for address in addresses if address.get(flag)) > 1:
            raise user_error(f"Only one address can be the {flag} address.", path=f"addressBook.{flag}")
    for number, address in enumerate(addresses, start=1):
        address.setdefault("id", str(number))
    shipping = next((a for a in addresses if a.get("defaultShipping")), addresses[0] if addresses else None)
    if shipping is not None:
        parts = shipping.get("addressBookAddress", {})
        customer["defaultAddress"] = "\n".join(
            str(parts[k]) for k in ("addressee", "addr1", "addr2", "city", "state", "zip") if parts.get(k)
        )


def _check_item(store: RecordStore, record_type: RecordType, item: Record) -> None:
    item["itemType"] = record_type.suiteql_type
    for other_type in RECORD_TYPES.values():
        if other_type.family != "item":
            continue
        for other in store.records[other_type.name].values():
            if other["id"] != item.get("id") and other.get("itemId") == item.get("itemId"):
                # [UNCONF] NetSuite's code for a duplicate item name/number.
                raise NetSuiteError(
                    400,
                    "DUP_ITEM",
                    f"An item with the name {item.get('itemId')} already exists.",
                    path="itemId",
                )
