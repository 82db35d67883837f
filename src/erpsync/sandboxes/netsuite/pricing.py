"""Price levels and item pricing: the rules of an item's pricing matrix and the SuiteQL tables built from it.

An item's REST sublist ``price`` holds one line per cell of the pricing matrix
(https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_159531460854.html)::

    "price": {"items": [{"currencyPage": {"id": "1"}, "priceLevel": {"id": "2"},
                         "quantity": {"value": 0}, "price": 25.5}]}

- A cell is keyed by (price level, currency, quantity break); the currency defaults to the base currency
  (id 1) and the quantity to 0. Naming the same cell twice in one request is refused (400 USER_ERROR
  [UNCONF] NetSuite's exact code and wording), as is a negative price; a price level that does not exist is
  refused like any other reference (400 INVALID_KEY_OR_REF).
- PATCH sets the cells it names: a cell already on the item gets the new price, others are added (the
  matrix is written "per row, per column", section_159531460854); ``?replace=price`` makes the given cells
  the whole matrix.
- The Base Price cell at quantity 0 is the item's ``basePrice`` unless a line sets it.
- Price levels (REST record id ``pricelevel``,
  https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/article_0718033232.html): ``name``,
  ``discountPct`` (the "Markup/Discount %", negative for a discount, e.g. -20), ``isInactive``, ``isOnline``
  (field list: https://system.netsuite.com/help/helpcenter/en_US/srbrowser/Browser2023_1/schema/record/PriceLevel.html).
  Prices a level would compute from its discount are not filled in: only cells set on the item exist.

SuiteQL: ``pricelevel`` (id, name, discountpct, isinactive, lastmodifieddate) and ``pricing`` (item,
pricelevel, currency, quantity, unitprice). [UNCONF] the ``pricing`` table's exact column names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from erpsync.sandboxes.netsuite.errors import user_error
from erpsync.sandboxes.netsuite.promotions import sql_time

Record = dict[str, Any]
CellKey = tuple[str, str, Decimal]

BASE_PRICE_LEVEL = "1"
BASE_CURRENCY = "1"

PRICE_LEVEL_COLUMNS = ("id", "name", "discountpct", "isinactive", "lastmodifieddate")
PRICING_COLUMNS = ("item", "pricelevel", "currency", "quantity", "unitprice")


def _cell(line: Record) -> CellKey:
    return (
        str((line.get("priceLevel") or {}).get("id")),
        str((line.get("currencyPage") or {}).get("id", BASE_CURRENCY)),
        Decimal(str((line.get("quantity") or {}).get("value", 0))),
    )


def _complete(line: Record, index: int) -> Record:
    """A requested line with its defaults, checked: a price, not negative."""
    path = f"price.items[{index}].price"
    if line.get("price") is None:
        raise user_error("Please enter value(s) for: price", path=path)
    if Decimal(str(line["price"])) < 0:
        raise user_error(f"Invalid price {line['price']}: a price cannot be negative.", path=path)
    line.setdefault("currencyPage", {"id": BASE_CURRENCY})
    line.setdefault("quantity", {"value": Decimal(0)})
    return line


def apply_price_lines(stored: Record | None, item: Record) -> None:
    """Check the item's ``price`` lines as this write leaves them and merge them cell by cell.

    After a PATCH the lines are the stored ones followed by the requested ones (the sandbox appends sublist
    lines without a ``line`` number); after a create, PUT or ``replace=price`` they are the requested ones."""
    lines = (item.get("price") or {}).get("items")
    if lines is None:
        return
    before = ((stored or {}).get("price") or {}).get("items") or []
    merging = bool(before) and lines[: len(before)] == before
    requested = lines[len(before) :] if merging else lines
    seen: set[CellKey] = set()
    for index, line in enumerate(requested):
        _complete(line, index)
        key = _cell(line)
        if key in seen:
            raise user_error(
                f"The price for price level {key[0]}, currency {key[1]} and quantity {key[2]} "
                "is given twice.",
                path=f"price.items[{index}]",
            )
        seen.add(key)
    cells = {_cell(line): line for line in before} if merging else {}
    for line in requested:
        cells[_cell(line)] = line
    item["price"] = {"items": list(cells.values())}


def price_matrix(item: Record) -> Record:
    """The item's ``price`` sublist as GET answers it: the Base Price cell from ``basePrice``, then the
    lines set on the item (a line for that cell replaces it)."""
    lines: list[Record] = list((item.get("price") or {}).get("items") or [])
    base_cell = (BASE_PRICE_LEVEL, BASE_CURRENCY, Decimal(0))
    if item.get("basePrice") is not None and base_cell not in {_cell(line) for line in lines}:
        base = {"priceLevel": {"id": BASE_PRICE_LEVEL}, "quantity": {"value": Decimal(0)}}
        lines.insert(0, {**base, "price": item["basePrice"]})
    return {"items": lines}


def price_level_rows(store: Any) -> list[Record]:
    return [
        {
            "id": level["id"],
            "name": level.get("name"),
            "discountpct": level.get("discountPct"),
            "isinactive": "T" if level.get("isInactive") else "F",
            "lastmodifieddate": sql_time(level.get("lastModifiedDate")),
        }
        for level in store.records["priceLevel"].values()
    ]


def pricing_rows(store: Any, item_types: tuple[str, ...]) -> list[Record]:
    rows = []
    for type_name in item_types:
        for item in store.records[type_name].values():
            for line in price_matrix(item)["items"]:
                level, currency, quantity = _cell(line)
                rows.append(
                    {
                        "item": item["id"],
                        "pricelevel": level,
                        "currency": currency,
                        "quantity": quantity,
                        "unitprice": line.get("price"),
                    }
                )
    return rows
