"""Business rules of the sandbox's transactions, as a NetSuite account applies them.

- Lines: ``amount = quantity x rate`` (rate defaults to the item's base price); an unknown or inactive
  item fails the whole request.
- Totals: ``total = subtotal + discountTotal + taxTotal + shippingCost`` where ``discountRate`` is an amount
  ("-5.00") or a percent ("-10%") of the subtotal and ``taxTotal = (subtotal + discount) x taxRate %``.
- Sales order status moves as NetSuite's does: Pending Approval (A) -> Pending Fulfillment (B) ->
  Partially Fulfilled (D) / Pending Billing/Partially Fulfilled (E) -> Pending Billing (F) -> Billed (G).
- Transforms (Oracle help section_157901123882): salesOrder -> itemFulfillment | invoice |
  returnAuthorization, invoice -> customerPayment | creditMemo,
  returnAuthorization -> creditMemo | cashRefund | itemReceipt.
- Return authorizations move as NetSuite's do: Pending Receipt (B) -> Partially Received (D) -> Pending
  Refund (F) once every line is received (an item receipt, ``_receive_return``) -> Refunded (G) once
  credited. Received units go back on hand at the receipt line's location. (A new return authorization
  without an ``orderStatus`` starts at Pending Refund, as if nothing had to come back.)
- Stock: a shipped fulfillment (shipStatus C) takes its quantities off the location's on-hand stock;
  an inventoryAdjustment adds or removes stock.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from erpsync.sandboxes.netsuite.banking import deposit_totals
from erpsync.sandboxes.netsuite.errors import NetSuiteError, user_error
from erpsync.sandboxes.netsuite.records import Record, RecordStore, to_decimal
from erpsync.sandboxes.netsuite.schema import PACKAGE_SUBLISTS, RECORD_TYPES, RecordType

CENT = Decimal("0.01")
ZERO = Decimal("0")
LINE_TRANSACTIONS = {"salesOrder", "invoice", "creditMemo", "cashRefund", "returnAuthorization"}
OPEN_ORDER_STATUSES = {"B", "D", "E"}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def lines(record: Record, sublist: str = "item") -> list[Record]:
    items: list[Record] = record.get(sublist, {}).get("items", [])
    return items


# --- creating and updating ------------------------------------------------------------------------


def before_write(store: RecordStore, record_type: RecordType, record: Record, *, creating: bool) -> None:
    """Apply the record type's rules to a record about to be saved (new, or merged with an update)."""
    if record_type.family != "transaction":
        return
    if creating:
        record.setdefault("tranId", f"{record_type.display_prefix}{store.new_id()}")
        record.setdefault("tranDate", store.clock.now().date().isoformat())
        record.setdefault("currency", {"id": "1"})
        record.setdefault("subsidiary", {"id": "1"})
    if record_type.name in LINE_TRANSACTIONS:
        _price_lines(store, record, creating=creating)
        _compute_totals(record)
    if record_type.name == "salesOrder":
        _check_order_status_change(record, creating=creating)
        if not creating:
            _check_lines_cover_shipped_units(record)
        record["status"] = {"id": sales_order_status(record)}
        record["orderStatus"] = dict(record["status"])
    elif record_type.name == "invoice":
        if creating:
            record["amountPaid"] = ZERO
        record["amountRemaining"] = money(record["total"] - record.get("amountPaid", ZERO))
        record["status"] = {"id": "B" if record["amountRemaining"] <= 0 else "A"}
    elif record_type.name == "returnAuthorization" and creating:
        record.setdefault("orderStatus", {"id": "F"})
        record["status"] = dict(record["orderStatus"])
    elif record_type.name in ("customerPayment", "customerDeposit"):
        record["total"] = money(record["payment"])
    if record_type.name == "deposit":
        deposit_totals(record)
    if creating and record_type.name == "itemFulfillment" and "createdFrom" not in record:
        raise user_error(
            "An item fulfillment is created from its sales order: "
            "POST /record/v1/salesOrder/{id}/!transform/itemFulfillment."
        )


def after_create(store: RecordStore, record_type: RecordType, record: Record) -> None:
    """Effects a new record has on others: payments on invoices, adjustments on stock."""
    if record_type.name == "customerPayment":
        _apply_payment(store, record)
    elif record_type.name == "inventoryAdjustment":
        _adjust_stock(store, record)


def after_update(store: RecordStore, record_type: RecordType, record: Record) -> None:
    if record_type.name == "itemFulfillment":
        _post_fulfillment_stock(store, record)


def _price_lines(store: RecordStore, record: Record, *, creating: bool) -> None:
    used = [int(line["line"]) for line in lines(record) if str(line.get("line", "")).isdigit()]
    next_line = 0 if creating else max(used, default=0)
    for index, line in enumerate(lines(record)):
        path = f"item.items[{index}]"
        item = _line_item(store, line, path)
        if creating or not str(line.get("line", "")).isdigit():
            next_line += 1
            line["line"] = str(next_line)
        quantity = line.setdefault("quantity", Decimal(1))
        if quantity <= 0:
            raise user_error("Quantity must be greater than zero.", path=f"{path}.quantity")
        if line.get("rate") is None:
            if line.get("amount") is not None:
                line["rate"] = line["amount"] / quantity
            else:
                line["rate"] = to_decimal(item.get("basePrice") or 0, f"{path}.rate")
        line["amount"] = (
            money(line["amount"]) if line.get("amount") is not None else money(quantity * line["rate"])
        )
        line.setdefault("description", item.get("salesDescription") or item.get("displayName"))
        line.setdefault("quantityFulfilled", ZERO)
        line.setdefault("quantityBilled", ZERO)


def _line_item(store: RecordStore, line: Record, path: str) -> Record:
    if not line.get("item"):
        raise user_error("Please enter value(s) for: item", path=f"{path}.item")
    found = store.find_any("item", line["item"]["id"])
    if found is None:  # validation resolved it; a delete since then is the only way here
        raise NetSuiteError(400, "INVALID_KEY_OR_REF", f"Invalid item reference key {line['item']['id']}.")
    if found[1].get("isInactive"):
        raise user_error(
            f"The item {found[1].get('itemId')} is inactive and cannot be sold.", path=f"{path}.item"
        )
    return found[1]


def _discount(record: Record, subtotal: Decimal) -> Decimal:
    rate = str(record.get("discountRate") or "").strip()
    if not rate:
        return ZERO
    if rate.endswith("%"):
        return money(subtotal * to_decimal(rate[:-1], "discountRate") / 100)
    return money(to_decimal(rate, "discountRate"))


def _compute_totals(record: Record) -> None:
    subtotal = money(sum((line["amount"] for line in lines(record)), ZERO))
    discount = _discount(record, subtotal)
    tax = money((subtotal + discount) * record["taxRate"] / 100) if record.get("taxRate") else ZERO
    shipping = money(record.get("shippingCost") or ZERO)
    record["subtotal"], record["discountTotal"], record["taxTotal"] = subtotal, discount, tax
    record["total"] = money(subtotal + discount + tax + shipping)


# --- sales order status ---------------------------------------------------------------------------


def sales_order_status(order: Record) -> str:
    chosen = order.get("orderStatus", {"id": "B"})["id"]
    if chosen in ("A", "C", "H"):
        return str(chosen)
    open_lines = [line for line in lines(order) if not line.get("isClosed")]
    fulfilled = [line["quantityFulfilled"] for line in open_lines]
    if not any(fulfilled):
        return "B"
    fully_fulfilled = all(line["quantityFulfilled"] >= line["quantity"] for line in open_lines)
    unbilled = any(line["quantityFulfilled"] > line["quantityBilled"] for line in open_lines)
    if not fully_fulfilled:
        return "E" if unbilled else "D"
    fully_billed = all(line["quantityBilled"] >= line["quantity"] for line in open_lines)
    return "G" if fully_billed else "F"


def _check_order_status_change(order: Record, *, creating: bool) -> None:
    chosen = order.get("orderStatus", {"id": "B"})["id"]
    if creating and chosen not in ("A", "B"):
        raise user_error(
            "A new sales order is Pending Approval (A) or Pending Fulfillment (B).", path="orderStatus"
        )
    touched = any(line["quantityFulfilled"] for line in lines(order))
    if not creating and chosen in ("A", "C") and touched:
        raise user_error(
            "A sales order with fulfilled lines cannot be cancelled or unapproved.", path="orderStatus"
        )


def _check_lines_cover_shipped_units(order: Record) -> None:
    """A sales order line keeps at least the units already fulfilled (or billed) from it."""
    for index, line in enumerate(lines(order)):
        done = max(line.get("quantityFulfilled") or ZERO, line.get("quantityBilled") or ZERO)
        if line["quantity"] < done:
            raise user_error(
                f"The quantity of line {line.get('line')} cannot be less than the {done} units already "
                "fulfilled or billed.",
                path=f"item.items[{index}].quantity",
            )


# --- transforms -----------------------------------------------------------------------------------

Transform = Callable[[RecordStore, Record, Record], tuple[RecordType, Record]]


def transform(
    store: RecordStore, source_type: RecordType, source: Record, target: str, body: Record
) -> tuple[RecordType, Record]:
    """Create ``target`` from ``source`` (``POST /record/v1/{type}/{id}/!transform/{target}``)."""
    handler = TRANSFORMS.get((source_type.name, target))
    if handler is None:
        raise user_error(f"The transformation from {source_type.name} to {target} is not supported.")
    new_type, record = handler(store, source, body)
    store.insert(new_type, record)
    after_create(store, new_type, record)
    store.touch(source)
    return new_type, record


def _header_from(source: Record, body: Record, *fields: str) -> Record:
    record: Record = {name: source[name] for name in fields if name in source}
    record.update({k: v for k, v in body.items() if k not in ("item", "apply", *PACKAGE_SUBLISTS)})
    record["createdFrom"] = {"id": source["id"]}
    return record


def _chosen_lines(body: Record) -> dict[str, Record] | None:
    """Lines named in a transform body by ``orderLine``; None means "every remaining line"."""
    if "item" not in body:
        return None
    return {str(line.get("orderLine")): line for line in body["item"].get("items", [])}


def _fulfill(store: RecordStore, order: Record, body: Record) -> tuple[RecordType, Record]:
    if sales_order_status(order) not in OPEN_ORDER_STATUSES:
        raise user_error(f"You can not initialize itemfulfillment: invalid reference {order['id']}.")
    chosen = _chosen_lines(body)
    fulfillment = _header_from(order, body, "entity", "shippingAddress", "subsidiary", "shipMethod")
    fulfillment.setdefault("shipStatus", {"id": "C"})
    fulfillment_lines = []
    for line in lines(order):
        remaining = line["quantity"] - line["quantityFulfilled"]
        picked = chosen.get(line["line"]) if chosen is not None else {}
        if remaining <= 0 or line.get("isClosed") or picked is None or picked.get("itemReceive") is False:
            continue
        quantity = picked.get("quantity", remaining)
        if quantity > remaining:
            raise user_error(
                f"You cannot fulfill {quantity} of line {line['line']}: only {remaining} remain.",
                path=f"item.items[orderLine={line['line']}].quantity",
            )
        location = picked.get("location") or line.get("location") or order.get("location")
        location = location or _stocked_location(store, line["item"]["id"], quantity)
        fulfillment_lines.append(_line_from(line, quantity, location))
    _number_lines(fulfillment_lines, "itemfulfillment", order["id"])
    fulfillment["item"] = {"items": fulfillment_lines}
    for name in PACKAGE_SUBLISTS:
        fulfillment[name] = body.get(name, {"items": []})
    fulfillment["_stock_posted"] = False
    before_write(store, RECORD_TYPES["itemFulfillment"], fulfillment, creating=True)
    _post_fulfillment_stock(store, fulfillment)  # checks stock before the order changes
    for line in fulfillment_lines:
        order_line = next(o for o in lines(order) if o["line"] == line["orderLine"])
        order_line["quantityFulfilled"] += line["quantity"]
    order["status"] = {"id": sales_order_status(order)}
    order["orderStatus"] = dict(order["status"])
    return RECORD_TYPES["itemFulfillment"], fulfillment


def _stocked_location(store: RecordStore, item_id: str, quantity: Decimal) -> Record | None:
    stocked = sorted(
        (loc for (item, loc), qty in store.stock.items() if item == item_id and qty >= quantity), key=int
    )
    return {"id": stocked[0]} if stocked else None


def _post_fulfillment_stock(store: RecordStore, fulfillment: Record) -> None:
    """A shipped fulfillment (shipStatus C) takes its quantities off on-hand stock, once."""
    if fulfillment.get("_stock_posted") or fulfillment.get("shipStatus", {}).get("id") != "C":
        return
    left: dict[tuple[str, str], Decimal] = {}  # stock after this fulfillment, per item and location
    for index, line in enumerate(lines(fulfillment)):
        if store.find(RECORD_TYPES["inventoryItem"], line["item"]["id"]) is None:
            continue  # non-inventory items carry no stock
        location = (line.get("location") or {}).get("id")
        key = (line["item"]["id"], location or "")
        on_hand = left.get(key, store.stock.get(key, ZERO))
        if location is None or on_hand < line["quantity"]:
            raise user_error(
                f"Insufficient stock of item {store.ref_name('item', line['item']['id'])} at location "
                f"{location}: {on_hand} on hand, {line['quantity']} to ship.",
                path=f"item.items[{index}].quantity",
            )
        left[key] = on_hand - line["quantity"]
    for key, quantity in left.items():
        store.stock[key] = quantity
        store.touch(store.records["inventoryItem"][key[0]])  # an inventory item, checked above
    fulfillment["_stock_posted"] = True


def _bill(store: RecordStore, order: Record, body: Record) -> tuple[RecordType, Record]:
    chosen = _chosen_lines(body)
    first_invoice = not any(line["quantityBilled"] for line in lines(order))
    invoice = _header_from(
        order, body, "entity", "otherRefNum", "billingAddress", "shippingAddress", "subsidiary", "currency",
        "location", "discountItem", "taxItem", "taxRate", "email",
    )  # fmt: skip
    if first_invoice:  # shipping and an amount discount are billed once, on the first invoice
        for name in ("shippingCost", "shipMethod", "discountRate"):
            if name in order:
                invoice.setdefault(name, order[name])
    elif str(order.get("discountRate", "")).endswith("%"):
        invoice.setdefault("discountRate", order["discountRate"])
    invoice_lines = []
    for line in lines(order):
        billable = line["quantityFulfilled"] - line["quantityBilled"]
        picked = chosen.get(line["line"]) if chosen is not None else {}
        if billable <= 0 or picked is None:
            continue
        quantity = min(picked.get("quantity", billable), billable)
        invoice_lines.append(
            {
                "item": dict(line["item"]),
                "quantity": quantity,
                "rate": line["rate"],
                "description": line.get("description"),
                "location": line.get("location"),
                "orderLine": line["line"],
            }
        )
        line["quantityBilled"] += quantity
    if not invoice_lines:
        raise user_error(
            f"You can not initialize invoice: invalid reference {order['id']}. Nothing is ready to bill."
        )
    invoice["item"] = {"items": invoice_lines}
    before_write(store, RECORD_TYPES["invoice"], invoice, creating=True)
    order["status"] = {"id": sales_order_status(order)}
    order["orderStatus"] = dict(order["status"])
    return RECORD_TYPES["invoice"], invoice


def _copy_lines(source: Record) -> Record:
    keep = ("item", "quantity", "rate", "description", "location")
    return {"items": [{k: line[k] for k in keep if line.get(k) is not None} for line in lines(source)]}


def _copy_sale(target: str) -> Transform:
    def copy_sale(store: RecordStore, source: Record, body: Record) -> tuple[RecordType, Record]:
        record = _header_from(
            source, body, "entity", "otherRefNum", "billingAddress", "subsidiary", "currency", "location",
            "discountItem", "discountRate", "taxItem", "taxRate", "shippingCost",
        )  # fmt: skip
        record["item"] = body.get("item", _copy_lines(source))
        before_write(store, RECORD_TYPES[target], record, creating=True)
        _settle_source(store, source, record)
        return RECORD_TYPES[target], record

    return copy_sale


def _settle_source(store: RecordStore, source: Record, credit: Record) -> None:
    """A credit memo pays down the invoice it came from; a refund closes its return authorization."""
    if "amountRemaining" in source:
        applied = min(source["amountRemaining"], credit["total"])
        source["amountPaid"] = money(source.get("amountPaid", ZERO) + applied)
        source["amountRemaining"] = money(source["total"] - source["amountPaid"])
        source["status"] = {"id": "B" if source["amountRemaining"] <= 0 else "A"}
    elif source.get("status", {}).get("id") == "F":
        source["status"] = source["orderStatus"] = {"id": "G"}


def _receive_payment(store: RecordStore, invoice: Record, body: Record) -> tuple[RecordType, Record]:
    amount = body.get("payment", invoice["amountRemaining"])
    payment = _header_from(invoice, body, "subsidiary", "currency")
    payment["customer"] = invoice["entity"]
    payment["payment"] = amount
    payment["apply"] = {"items": [{"doc": {"id": invoice["id"]}, "apply": True, "amount": amount}]}
    before_write(store, RECORD_TYPES["customerPayment"], payment, creating=True)
    return RECORD_TYPES["customerPayment"], payment


def _apply_payment(store: RecordStore, payment: Record) -> None:
    """Check every applied line first, then pay the invoices down: a refused payment changes nothing."""
    applications: list[tuple[Record, Decimal]] = []
    for index, line in enumerate(lines(payment, "apply")):
        if line.get("apply") is False:
            continue
        invoice = store.records["invoice"].get(line["doc"]["id"])
        if invoice is None:
            raise user_error("A payment applies to invoices only.", path=f"apply.items[{index}].doc")
        amount: Decimal = invoice["amountRemaining"] if line.get("amount") is None else line["amount"]
        if amount > invoice["amountRemaining"]:
            raise user_error(
                f"Amount {amount} exceeds the {invoice['amountRemaining']} due on invoice "
                f"{invoice['tranId']}.",
                path=f"apply.items[{index}].amount",
            )
        applications.append((invoice, amount))
    if sum((amount for _, amount in applications), ZERO) > payment["payment"]:
        raise user_error("The amounts applied exceed the payment.", path="payment")
    for invoice, amount in applications:
        invoice["amountPaid"] = money(invoice["amountPaid"] + amount)
        invoice["amountRemaining"] = money(invoice["total"] - invoice["amountPaid"])
        invoice["status"] = {"id": "B" if invoice["amountRemaining"] <= 0 else "A"}
        store.touch(invoice)


def _adjust_stock(store: RecordStore, adjustment: Record) -> None:
    after: dict[tuple[str, str], Decimal] = {}
    for index, line in enumerate(lines(adjustment, "inventory")):
        key = (line["item"]["id"], line["location"]["id"])
        after[key] = after.get(key, store.stock.get(key, ZERO)) + line["adjustQtyBy"]
        if after[key] < 0:
            raise user_error(
                f"The adjustment would leave {after[key]} on hand.",
                path=f"inventory.items[{index}].adjustQtyBy",
            )
    for key, quantity in after.items():
        store.stock[key] = quantity
        store.touch(store.records["inventoryItem"][key[0]])  # the line's item ref is an inventoryItem


def _receive_return(store: RecordStore, rma: Record, body: Record) -> tuple[RecordType, Record]:
    """Goods of a return authorization arrive: an item receipt of the lines (``orderLine``) chosen in the
    body, or of every line not yet received; the units go back on hand at each line's location."""
    if rma.get("status", {}).get("id") not in ("B", "D"):
        raise user_error(f"You can not initialize itemreceipt: invalid reference {rma['id']}.")
    chosen = _chosen_lines(body)
    receipt = _header_from(rma, body, "entity", "subsidiary", "currency")
    receipt_lines = []
    for line in lines(rma):
        remaining = line["quantity"] - line.get("_received", ZERO)
        picked = chosen.get(line["line"]) if chosen is not None else {}
        if remaining <= 0 or picked is None or picked.get("itemReceive") is False:
            continue
        quantity = picked.get("quantity", remaining)
        if quantity > remaining:
            raise user_error(
                f"You cannot receive {quantity} of line {line['line']}: only {remaining} are authorized.",
                path=f"item.items[orderLine={line['line']}].quantity",
            )
        location = picked.get("location") or line.get("location") or rma.get("location")
        if location is None:
            raise user_error(
                "Please enter value(s) for: Location", path=f"item.items[orderLine={line['line']}].location"
            )
        receipt_lines.append(_line_from(line, quantity, location))
    _number_lines(receipt_lines, "itemreceipt", rma["id"])
    for receipt_line in receipt_lines:
        rma_line = next(o for o in lines(rma) if o["line"] == receipt_line["orderLine"])
        rma_line["_received"] = rma_line.get("_received", ZERO) + receipt_line["quantity"]
        if store.find(RECORD_TYPES["inventoryItem"], receipt_line["item"]["id"]) is not None:
            key = (receipt_line["item"]["id"], receipt_line["location"]["id"])
            store.stock[key] = store.stock.get(key, ZERO) + receipt_line["quantity"]
            store.touch(store.records["inventoryItem"][key[0]])
    receipt["item"] = {"items": receipt_lines}
    before_write(store, RECORD_TYPES["itemReceipt"], receipt, creating=True)
    received_all = all(line.get("_received", ZERO) >= line["quantity"] for line in lines(rma))
    rma["status"] = rma["orderStatus"] = {"id": "F" if received_all else "D"}
    return RECORD_TYPES["itemReceipt"], receipt


TRANSFORMS: dict[tuple[str, str], Transform] = {
    ("salesOrder", "itemFulfillment"): _fulfill,
    ("salesOrder", "invoice"): _bill,
    ("salesOrder", "returnAuthorization"): _copy_sale("returnAuthorization"),
    ("invoice", "customerPayment"): _receive_payment,
    ("invoice", "creditMemo"): _copy_sale("creditMemo"),
    ("returnAuthorization", "creditMemo"): _copy_sale("creditMemo"),
    ("returnAuthorization", "cashRefund"): _copy_sale("cashRefund"),
    ("returnAuthorization", "itemReceipt"): _receive_return,
}


def stock_levels(store: RecordStore, item_id: str | None = None) -> list[dict[str, Any]]:
    """On hand, committed (open order quantities not yet fulfilled) and available, per item and location;
    of one item only with ``item_id`` (looked up per location: a GET of one item in a 100,000-item account
    must not sort every level)."""
    committed: dict[tuple[str, str], Decimal] = {}
    for order in store.records["salesOrder"].values():
        if order["status"]["id"] not in OPEN_ORDER_STATUSES:
            continue
        for line in lines(order):
            location = (line.get("location") or order.get("location") or {}).get("id")
            if location:
                key = (line["item"]["id"], location)
                committed[key] = committed.get(key, ZERO) + line["quantity"] - line["quantityFulfilled"]
    levels = []
    stock = store.stock
    if item_id is not None:
        wanted = ((item_id, location_id) for location_id in store.records["location"])
        stock = {key: store.stock[key] for key in wanted if key in store.stock}
    for (item_id, location_id), on_hand in sorted(stock.items()):
        held = min(committed.get((item_id, location_id), ZERO), max(on_hand, ZERO))
        levels.append(
            {
                "item": item_id,
                "location": location_id,
                "quantityOnHand": on_hand,
                "quantityCommitted": held,
                "quantityAvailable": on_hand - held,
            }
        )
    return levels


def _line_from(source_line: Record, quantity: Any, location: Any) -> Record:
    """A fulfillment or receipt line made from its order's (or RMA's) line: the same item, the quantity and
    location chosen; transaction column fields applied to both forms carry over (erpsync's line id does)."""
    return {
        "orderLine": source_line["line"],
        "item": dict(source_line["item"]),
        "itemReceive": True,
        "quantity": quantity,
        "location": location,
        "description": source_line.get("description"),
        **{name: value for name, value in source_line.items() if name.startswith("custcol")},
    }


def _number_lines(made: list[Record], record_name: str, source_id: str) -> None:
    if not made:
        raise user_error(f"You can not initialize {record_name}: invalid reference {source_id}.")
    for number, line in enumerate(made, start=1):
        line["line"] = str(number)
