"""The SuiteQL tables the sandbox serves, built from its records: columns named and valued as NetSuite's
(lower-case names, booleans "T"/"F", datetimes as SQL text in UTC, sales line quantities negative).

Tables: customer, item, location, subsidiary, currency, transaction, transactionline,
inventoryitemlocations and aggregateitemlocation (stock per item and location), pricelevel and pricing
(the items' pricing matrices, pricing.py). Each names the record types
(and ``"stock"``) its rows are built from, so it is rebuilt only when one of them changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from erpsync.sandboxes.netsuite import pricing, promotions
from erpsync.sandboxes.netsuite.records import Record, RecordStore
from erpsync.sandboxes.netsuite.schema import PACKAGE_SUBLISTS, RECORD_TYPES
from erpsync.sandboxes.netsuite.transactions import lines, stock_levels

SQL_DATETIME = "%Y-%m-%d %H:%M:%S"
DATE_COLUMNS = {"datecreated", "createddate", "lastmodifieddate", "trandate", "lastquantityavailablechange"}
SALES_TYPES = {"SalesOrd", "CustInvc", "ItemShip", "CashSale", "RtnAuth", "CustCred", "CashRfnd"}

Row = dict[str, Any]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: Callable[[RecordStore], list[Row]]
    sources: tuple[str, ...]  # record types (and "stock") the rows are built from
    joined_on: tuple[str, ...] = ()  # columns other than id that joins go through

    @property
    def indexes(self) -> list[tuple[str, ...]]:
        """Joins go through ids, change polls order by ``lastmodifieddate, id`` and page with an offset."""
        wanted = [("id",), ("lastmodifieddate", "id"), *((c,) for c in self.joined_on)]
        return [index for index in wanted if set(index) <= set(self.columns)]


def _family(name: str) -> tuple[str, ...]:
    return tuple(t.name for t in RECORD_TYPES.values() if t.family == name)


def _ref(record: Record, name: str) -> Any:
    value = record.get(name)
    return value.get("id") if isinstance(value, dict) else value


def _flag(value: Any) -> str:
    return "T" if value else "F"


def _moment(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(SQL_DATETIME)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return f"{value} 00:00:00"
    return None


def _customers(store: RecordStore) -> list[Row]:
    return [
        {
            "id": c["id"],
            "entityid": c.get("entityId"),
            "externalid": c.get("externalId"),
            "companyname": c.get("companyName"),
            "firstname": c.get("firstName"),
            "lastname": c.get("lastName"),
            "email": c.get("email"),
            "phone": c.get("phone"),
            "isperson": _flag(c.get("isPerson")),
            "isinactive": _flag(c.get("isInactive")),
            "subsidiary": _ref(c, "subsidiary"),
            "currency": _ref(c, "currency"),
            "pricelevel": _ref(c, "priceLevel"),
            "datecreated": _moment(c["createdDate"]),
            "lastmodifieddate": _moment(c["lastModifiedDate"]),
        }
        for c in store.records["customer"].values()
    ]


def _items(store: RecordStore) -> list[Row]:
    rows = []
    for record_type in RECORD_TYPES.values():
        if record_type.family != "item":
            continue
        for i in store.records[record_type.name].values():
            rows.append(
                {
                    "id": i["id"],
                    "itemid": i.get("itemId"),
                    "externalid": i.get("externalId"),
                    "displayname": i.get("displayName"),
                    "description": i.get("salesDescription"),
                    "salesdescription": i.get("salesDescription"),
                    "itemtype": record_type.suiteql_type,
                    "upccode": i.get("upcCode"),
                    "isinactive": _flag(i.get("isInactive")),
                    "baseprice": i.get("basePrice"),
                    "cost": i.get("cost"),
                    "subsidiary": _ref(i, "subsidiary"),
                    "createddate": _moment(i["createdDate"]),
                    "lastmodifieddate": _moment(i["lastModifiedDate"]),
                }
            )
    return rows


def _locations(store: RecordStore) -> list[Row]:
    return [
        {
            "id": loc["id"],
            "name": loc.get("name"),
            "externalid": loc.get("externalId"),
            "isinactive": _flag(loc.get("isInactive")),
            "subsidiary": _ref(loc, "subsidiary"),
            "lastmodifieddate": _moment(loc["lastModifiedDate"]),
        }
        for loc in store.records["location"].values()
    ]


def _stock(store: RecordStore) -> list[Row]:
    rows = []
    for level in stock_levels(store):
        item = store.records["inventoryItem"].get(level["item"], {})
        rows.append(
            {
                "item": level["item"],
                "location": level["location"],
                "quantityonhand": level["quantityOnHand"],
                "quantityavailable": level["quantityAvailable"],
                "quantitycommitted": level["quantityCommitted"],
                "quantityonorder": 0,
                "lastquantityavailablechange": _moment(item.get("lastModifiedDate")),
            }
        )
    return rows


def _transactions(store: RecordStore) -> list[Row]:
    rows = []
    for record_type in RECORD_TYPES.values():
        if record_type.family != "transaction":
            continue
        for t in store.records[record_type.name].values():
            tracking = [
                package.get(f"packageTrackingNumber{name.removeprefix('package')}")
                for name in PACKAGE_SUBLISTS
                for package in lines(t, name)
            ]
            rows.append(
                {
                    "id": t["id"],
                    "tranid": t.get("tranId"),
                    "type": record_type.suiteql_type,
                    "status": (t.get("status") or t.get("shipStatus") or {}).get("id"),
                    "entity": _ref(t, "entity") or _ref(t, "customer"),
                    "trandate": _moment(t.get("tranDate")),
                    "externalid": t.get("externalId"),
                    "otherrefnum": t.get("otherRefNum"),
                    "memo": t.get("memo"),
                    "foreigntotal": t.get("total"),
                    "foreignamountremaining": t.get("amountRemaining"),
                    "foreignamountpaid": t.get("amountPaid"),
                    "currency": _ref(t, "currency"),
                    "subsidiary": _ref(t, "subsidiary"),
                    "createdfrom": _ref(t, "createdFrom"),
                    "trackingnumberlist": ",".join(n for n in tracking if n) or None,
                    "createddate": _moment(t["createdDate"]),
                    "lastmodifieddate": _moment(t["lastModifiedDate"]),
                }
            )
    return rows


def _transaction_lines(store: RecordStore) -> list[Row]:
    rows = []
    for record_type in RECORD_TYPES.values():
        if record_type.family != "transaction":
            continue
        sign = -1 if record_type.suiteql_type in SALES_TYPES else 1
        for t in store.records[record_type.name].values():
            rows.append(
                {
                    "id": "0",
                    "transaction": t["id"],
                    "linesequencenumber": "0",
                    "mainline": "T",
                    "taxline": "F",
                    "foreignamount": t.get("total"),
                    "location": _ref(t, "location"),
                    "createdfrom": _ref(t, "createdFrom"),
                    "isclosed": "F",
                }
            )
            for line in lines(t, "inventory" if record_type.name == "inventoryAdjustment" else "item"):
                quantity = line.get("quantity", line.get("adjustQtyBy"))
                rows.append(
                    {
                        "id": line.get("line"),
                        "transaction": t["id"],
                        "linesequencenumber": line.get("line"),
                        "mainline": "F",
                        "taxline": "F",
                        "item": _ref(line, "item"),
                        "quantity": sign * quantity if quantity is not None else None,
                        "rate": line.get("rate"),
                        "foreignamount": sign * line["amount"] if line.get("amount") is not None else None,
                        "location": _ref(line, "location") or _ref(t, "location"),
                        "quantityshiprecv": line.get("quantityFulfilled"),
                        "quantitybilled": line.get("quantityBilled"),
                        "memo": line.get("description"),
                        "isclosed": _flag(line.get("isClosed")),
                        "createdfrom": _ref(t, "createdFrom"),
                    }
                )
    return rows


def _simple(type_name: str, *columns: str) -> Callable[[RecordStore], list[Row]]:
    def rows(store: RecordStore) -> list[Row]:
        return [{c: r.get(c) for c in columns} for r in store.records[type_name].values()]

    return rows


_TRANSACTION_COLUMNS = (
    "id",
    "tranid",
    "type",
    "status",
    "entity",
    "trandate",
    "externalid",
    "otherrefnum",
    "memo",
    "foreigntotal",
    "foreignamountremaining",
    "foreignamountpaid",
    "currency",
    "subsidiary",
    "createdfrom",
    "trackingnumberlist",
    "createddate",
    "lastmodifieddate",
)
_LINE_COLUMNS = (
    "id",
    "transaction",
    "linesequencenumber",
    "mainline",
    "taxline",
    "item",
    "quantity",
    "rate",
    "foreignamount",
    "location",
    "quantityshiprecv",
    "quantitybilled",
    "memo",
    "isclosed",
    "createdfrom",
)
_PRICED_ITEM_TYPES = tuple(t.name for t in RECORD_TYPES.values() if "price" in t.fields)
_STOCK_SOURCES = ("stock", "inventoryItem", "salesOrder")
_STOCK_COLUMNS = (
    "item",
    "location",
    "quantityonhand",
    "quantityavailable",
    "quantitycommitted",
    "quantityonorder",
    "lastquantityavailablechange",
)

TABLES: dict[str, Table] = {
    "customer": Table(
        (
            "id",
            "entityid",
            "externalid",
            "companyname",
            "firstname",
            "lastname",
            "email",
            "phone",
            "isperson",
            "isinactive",
            "subsidiary",
            "currency",
            "pricelevel",
            "datecreated",
            "lastmodifieddate",
        ),
        _customers,
        ("customer",),
    ),
    "item": Table(
        (
            "id",
            "itemid",
            "externalid",
            "displayname",
            "description",
            "salesdescription",
            "itemtype",
            "upccode",
            "isinactive",
            "baseprice",
            "cost",
            "subsidiary",
            "createddate",
            "lastmodifieddate",
        ),
        _items,
        _family("item"),
    ),
    "location": Table(
        ("id", "name", "externalid", "isinactive", "subsidiary", "lastmodifieddate"),
        _locations,
        ("location",),
    ),
    "subsidiary": Table(("id", "name"), _simple("subsidiary", "id", "name"), ("subsidiary",)),
    "currency": Table(("id", "name", "symbol"), _simple("currency", "id", "name", "symbol"), ("currency",)),
    # committed quantities come from open sales orders; lastquantityavailablechange from the item
    "inventoryitemlocations": Table(_STOCK_COLUMNS, _stock, _STOCK_SOURCES, ("item",)),
    "aggregateitemlocation": Table(_STOCK_COLUMNS, _stock, _STOCK_SOURCES, ("item",)),
    "transaction": Table(_TRANSACTION_COLUMNS, _transactions, _family("transaction")),
    "promotioncode": Table(
        promotions.PROMOTION_CODE_COLUMNS, promotions.promotion_code_rows, ("promotionCode",)
    ),
    "pricelevel": Table(pricing.PRICE_LEVEL_COLUMNS, pricing.price_level_rows, ("priceLevel",)),
    # every item's matrix: its price lines and the Base Price cell from basePrice
    "pricing": Table(
        pricing.PRICING_COLUMNS,
        lambda store: pricing.pricing_rows(store, _PRICED_ITEM_TYPES),
        _PRICED_ITEM_TYPES,
        ("item", "pricelevel"),
    ),
    "transactionline": Table(_LINE_COLUMNS, _transaction_lines, _family("transaction"), ("transaction",)),
}

TYPE_LABELS = {
    t.suiteql_type: re.sub(r"(?<!^)([A-Z])", r" \1", t.name).title() for t in RECORD_TYPES.values()
}
