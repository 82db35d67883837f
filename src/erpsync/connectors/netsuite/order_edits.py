"""Store order edits → the NetSuite sales order that already holds the order.

An edit made in the store after NetSuite took the order (units removed, units added, a line added or
removed) reaches the sales order as one ``PATCH``: changed lines by their ``line`` number, new lines
without one ("Use Case For Updating Your Sales Order", Oracle help section_159795512874). A line the edit
removed is deleted the documented way, by sending the item sublist with ``?replace=item`` and every line
except it ("Working with Sublists", Oracle help chapter_1545142407). The header amounts (discount, shipping,
tax rate) are recomputed from the edited order exactly as for a new sales order, so the two totals still
agree to the cent.

What NetSuite cannot take is refused here, before any write, as a ``DataError`` the flow parks with its
reason: fewer units than the warehouse has shipped, removing a shipped line, editing a cancelled or closed
sales order, or a line staff closed in NetSuite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from erpsync.connectors.netsuite.translate import NetSuiteBody, NetSuiteSettings, ref_id
from erpsync.errors import DataError
from erpsync.model import Order

SYSTEM = "netsuite"
HEADER_AMOUNT_FIELDS = ("discountItem", "discountRate", "shippingCost", "shipMethod", "taxItem", "taxRate")
"""Header fields that follow the order's amounts (plus the discount codes field from the settings)."""
LINE_AMOUNT_FIELDS = ("quantity", "rate", "amount")
FROZEN_STATUSES = {"C": "cancelled", "H": "closed"}


@dataclass
class Amendment:
    """The ``PATCH`` that brings a sales order in line with the edited order, and what it changes."""

    body: NetSuiteBody = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    replace_lines: bool = False

    @property
    def needed(self) -> bool:
        return bool(self.changes)


def plan_amendment(
    existing: Mapping[str, Any], desired: NetSuiteBody, order: Order, settings: NetSuiteSettings
) -> Amendment:
    """Compare the sales order as NetSuite has it (``existing``, read with its sublists) with the body a new
    sales order for ``order`` would have (``desired``) and plan the edit; raise ``DataError`` if NetSuite
    cannot take it."""
    sales_order = f"sales order {existing.get('id')} ({existing.get('tranId') or 'no number'})"
    current = list((existing.get("item") or {}).get("items") or [])
    ours = {str(line[settings.line_id_field]): line for line in current if line.get(settings.line_id_field)}
    amendment = Amendment()
    kept: list[NetSuiteBody] = []
    for wanted in desired["item"]["items"]:
        line_id = str(wanted[settings.line_id_field])
        line = ours.pop(line_id, None)
        if line is None:
            kept.append(wanted)
            amendment.changes.append(f"added {_units(wanted['quantity'])} × {_name(wanted)}")
            continue
        update = _line_update(line, wanted, order, sales_order)
        if update:
            amendment.changes.append(
                f"{_name(line)}: {_units(line.get('quantity'))} → {_units(wanted['quantity'])} units"
            )
        kept.append({"line": line["line"], **update})
    for line in ours.values():  # on the sales order, gone from the edited order
        if line.get("isClosed"):
            kept.append({"line": line["line"]})
            continue
        _refuse_if_shipped(line, order, sales_order)
        amendment.replace_lines = True
        amendment.changes.append(f"removed {_name(line)}")
    if not amendment.changes:
        return amendment  # amounts alone never move without a line: nothing the store edited
    _refuse_if_frozen(existing, order, sales_order)
    others = [line for line in current if not line.get(settings.line_id_field)]  # added in NetSuite
    lines = kept + [{"line": line["line"]} for line in others]
    if not amendment.replace_lines:
        lines = [line for line in lines if set(line) != {"line"}]  # a merge PATCH leaves unnamed lines be
    amendment.body = {"item": {"items": lines}}
    for name in (*HEADER_AMOUNT_FIELDS, settings.discount_codes_field):
        if name in desired:
            amendment.body[name] = desired[name]
    return amendment


def _line_update(
    line: Mapping[str, Any], wanted: NetSuiteBody, order: Order, sales_order: str
) -> NetSuiteBody:
    if _number(line.get("quantity")) == _number(wanted["quantity"]):
        return {}
    if line.get("isClosed"):
        raise _refused(
            order,
            f"{_name(line)} is closed on {sales_order}; the store's edit sets it to "
            f"{_units(wanted['quantity'])} units",
            field="lines.quantity",
            fix="reopen the line in NetSuite and retry, or undo the edit in the store and skip this",
        )
    shipped = _number(line.get("quantityFulfilled"))
    if _number(wanted["quantity"]) < shipped:
        raise _refused(
            order,
            f"the store's edit sets {_name(line)} to {_units(wanted['quantity'])} units, but NetSuite has "
            f"already shipped {_units(shipped)} on {sales_order}",
            field="lines.quantity",
            fix=(
                "the goods have left the warehouse: refund or return the extra units in the store instead of "
                "editing them away, then skip this exception"
            ),
        )
    return {name: wanted[name] for name in LINE_AMOUNT_FIELDS if name in wanted}


def _refuse_if_shipped(line: Mapping[str, Any], order: Order, sales_order: str) -> None:
    shipped = _number(line.get("quantityFulfilled"))
    if shipped:
        raise _refused(
            order,
            f"the store's edit removed {_name(line)}, but NetSuite has already shipped {_units(shipped)} "
            f"of it on {sales_order}",
            field="lines",
            fix="refund or return the shipped units in the store, then skip this exception",
        )


def _refuse_if_frozen(existing: Mapping[str, Any], order: Order, sales_order: str) -> None:
    status = FROZEN_STATUSES.get(ref_id(existing.get("orderStatus")) or "")
    if status:
        raise _refused(
            order,
            f"{sales_order} is {status} in NetSuite, so the store's edit of order "
            f"{order.number or order.origin.id} cannot be applied",
            field="orderStatus",
            fix="apply the change in NetSuite by hand (or reopen the sales order and retry), then resolve",
        )


def _refused(order: Order, message: str, *, field: str, fix: str) -> DataError:
    return DataError(
        message,
        system=SYSTEM,
        record=f"salesOrder for order {order.business_key}",
        field=field,
        suggested_fix=fix,
    )


def _number(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _units(value: Any) -> str:
    return f"{_number(value).normalize():f}"


def _name(line: Mapping[str, Any]) -> str:
    item = line.get("item") or {}
    label = item.get("refName") if isinstance(item, Mapping) else None
    return f"line {line.get('line')} ({label})" if line.get("line") else str(line.get("description") or label)
