"""Tryton records ↔ canonical records (the *mapper*). Pure functions over the rows the client reads.

Field names are Tryton's (``trytond.modules.*``, series 8.2); rows come from ``search_read``/``read`` with
the fields listed next to each function (``*_FIELDS``). Dotted fields come back nested under ``"field."``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from erpsync.model import (
    Address,
    CreditMemo,
    Customer,
    DocumentLine,
    Fulfillment,
    FulfillmentLine,
    InventoryLevel,
    Invoice,
    Location,
    Money,
    Order,
    Origin,
    Product,
    TrackingInfo,
    Variant,
)
from erpsync.model.orders import FulfillmentStatus

SYSTEM = "tryton"
Row = Mapping[str, Any]

PARTY_FIELDS = [
    "id",
    "name",
    "active",
    "create_date",
    "write_date",
    "contact_mechanisms",
    "addresses",
    "identifiers",
]
CONTACT_FIELDS = ["id", "party", "type", "value", "active"]
ADDRESS_FIELDS = [
    "id",
    "party",
    "party_name",
    "street",
    "postal_code",
    "city",
    "country.code",
    "subdivision.code",
    "sequence",
    "active",
]
PRODUCT_FIELDS = [
    "id",
    "code",
    "name",
    "active",
    "create_date",
    "write_date",
    "list_price_used",
    "template",
    "template.name",
    "template.type",
    "template.salable",
    "template.active",
    "template.write_date",
]
LOCATION_FIELDS = ["id", "code", "name", "type", "active", "write_date", "create_date", "storage_location"]
SHIPMENT_FIELDS = [
    "id",
    "number",
    "reference",
    "state",
    "create_date",
    "write_date",
    "effective_date",
    "warehouse.code",
    "warehouse.name",
    "outgoing_moves",
]
MOVE_FIELDS = ["id", "product.code", "quantity", "origin", "state"]
INVOICE_FIELDS = [
    "id",
    "number",
    "state",
    "type",
    "invoice_date",
    "create_date",
    "write_date",
    "currency.code",
    "party",
    "untaxed_amount",
    "tax_amount",
    "total_amount",
    "amount_to_pay",
    "lines",
    "reference",
    "description",
]
INVOICE_LINE_FIELDS = ["id", "type", "product.code", "description", "quantity", "unit_price", "amount"]

# stock.shipment.out states (trytond/modules/stock/shipment.py): goods leave the warehouse at "shipped"
# ("done" when the shipped step is skipped). Before that the shipment is being prepared.
FULFILLMENT_STATUS: dict[str, FulfillmentStatus] = {
    "draft": "pending",
    "waiting": "pending",
    "assigned": "open",
    "picked": "open",
    "packed": "open",
    "shipped": "success",
    "done": "success",
    "cancelled": "cancelled",
}
# account.invoice states: posted is open for payment, paid is paid, cancelled is void.
DOCUMENT_STATUS = {
    "draft": "draft",
    "validated": "draft",
    "posted": "open",
    "paid": "paid",
    "cancelled": "void",
}


def changed_at(row: Row) -> datetime:
    """When a Tryton record last changed: ``write_date``, else ``create_date`` (aware, UTC)."""
    stamp = row.get("write_date") or row.get("create_date")
    if isinstance(stamp, datetime):
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return datetime.now(UTC)


def origin_of(row: Row, *, updated_at: datetime | None = None) -> Origin:
    return Origin(system=SYSTEM, id=str(row["id"]), updated_at=updated_at or changed_at(row))


def nested(row: Row, field: str) -> Any:
    """A dotted field of a row: ``nested(row, "warehouse.code")`` reads ``row["warehouse."]["code"]``."""
    head, _, rest = field.partition(".")
    value = row.get(f"{head}.") if rest else row.get(head)
    if rest:
        return nested(value, rest) if isinstance(value, Mapping) else None
    return value


# -- parties ---------------------------------------------------------------------------------------


def address_from_tryton(row: Row, *, is_default: bool = False) -> Address:
    lines = [line for line in str(row.get("street") or "").splitlines() if line.strip()]
    return Address(
        name=row.get("party_name") or None,
        line1=lines[0] if lines else None,
        line2=", ".join(lines[1:]) or None,
        city=row.get("city") or None,
        region=_subdivision_region(nested(row, "subdivision.code")),
        postal_code=row.get("postal_code") or None,
        country_code=nested(row, "country.code") or None,
        is_default=is_default,
    )


def _subdivision_region(code: str | None) -> str | None:
    # Tryton subdivision codes are ISO 3166-2 ("US-CA"); stores use the part after the country.
    return code.split("-", 1)[-1] if code else None


def address_to_tryton(address: Address, *, country_id: int | None) -> dict[str, Any]:
    street = "\n".join(part for part in (address.company, address.line1, address.line2) if part)
    values: dict[str, Any] = {
        "party_name": address.name or None,
        "street_unstructured": street or None,
        "postal_code": address.postal_code,
        "city": address.city,
    }
    if country_id is not None:
        values["country"] = country_id
    return values


def customer_from_tryton(party: Row, contacts: Sequence[Row], addresses: Sequence[Row]) -> Customer:
    """A party as a customer: first e-mail and phone of its contact mechanisms, its addresses (the first,
    by sequence, is the default — Tryton's own choice for sales)."""
    email = next((c["value"] for c in contacts if c.get("type") == "email" and c.get("value")), None)
    phone = next(
        (c["value"] for c in contacts if c.get("type") in ("phone", "mobile") and c.get("value")), None
    )
    first, _, last = str(party.get("name") or "").partition(" ")
    return Customer(
        origin=origin_of(party),
        email=email,
        first_name=first or None,
        last_name=last or None,
        phone=phone,
        addresses=[address_from_tryton(a, is_default=index == 0) for index, a in enumerate(addresses)],
    )


def party_name(first_name: str | None, last_name: str | None, fallback: str) -> str:
    return " ".join(part for part in (first_name, last_name) if part) or fallback


def contact_mechanisms_to_create(email: str | None, phone: str | None) -> list[dict[str, str]]:
    mechanisms = [{"type": "email", "value": email}] if email else []
    return mechanisms + ([{"type": "phone", "value": phone}] if phone else [])


# -- catalog ---------------------------------------------------------------------------------------


def product_from_tryton(row: Row, *, currency: str) -> Product:
    """One ``product.product`` (a variant in Tryton's words) as a product with one variant; its ``code`` is
    the SKU. ``list_price_used`` is the variant's price, or its template's when it has none."""
    price = row.get("list_price_used")
    active = bool(row.get("active", True)) and bool(nested(row, "template.active") is not False)
    origin = origin_of(row, updated_at=max(changed_at(row), _template_changed(row)))
    variant = Variant(
        origin=origin,
        sku=row.get("code") or None,
        title=row.get("name") or None,
        product_id=str(row.get("template")) if row.get("template") else None,
        price=Money.of(Decimal(price), currency) if price is not None else None,
        requires_shipping=nested(row, "template.type") == "goods",
        inventory_tracked=nested(row, "template.type") == "goods",
    )
    return Product(
        origin=origin,
        title=nested(row, "template.name") or row.get("name") or f"product {row['id']}",
        product_type=nested(row, "template.type"),
        status="active" if active and nested(row, "template.salable") is not False else "archived",
        variants=[variant],
    )


def _template_changed(row: Row) -> datetime:
    stamp = nested(row, "template.write_date")
    return stamp if isinstance(stamp, datetime) else changed_at(row)


def location_from_tryton(row: Row) -> Location:
    """A warehouse: stock is counted per warehouse (its storage zone and children). Code: the warehouse's
    ``code`` ("WH"), else its name."""
    return Location(
        origin=origin_of(row),
        code=str(row.get("code") or row.get("name") or row["id"]),
        name=row.get("name"),
        active=bool(row.get("active", True)),
    )


def inventory_level_from_tryton(
    row: Row, *, location_code: str, location_id: int, as_of: datetime
) -> InventoryLevel:
    """A product's stock in one warehouse, from ``product.product`` read with ``context={"locations":
    [warehouse]}``: ``quantity`` is on hand (done moves), ``forecast_quantity`` adds the planned ones.
    Outgoing planned moves (sales not shipped yet) are what is reserved; incoming ones are not sold
    ahead, so available is the lower of the two."""
    on_hand = int(Decimal(str(row.get("quantity") or 0)))
    forecast = int(Decimal(str(row.get("forecast_quantity") or 0)))
    reserved = max(0, on_hand - forecast)
    return InventoryLevel(
        origin=Origin(system=SYSTEM, id=f"{row['id']}@{location_id}", updated_at=as_of),
        sku=str(row["code"]),
        location_code=location_code,
        on_hand=on_hand,
        reserved=reserved,
        available=min(on_hand, forecast),
    )


# -- sales -----------------------------------------------------------------------------------------


def sale_to_tryton(
    order: Order,
    *,
    party_id: int,
    address_id: int,
    shipment_address_id: int,
    currency_id: int,
    products: Mapping[str, Row],
) -> dict[str, Any]:
    """The ``sale.sale`` for a store order. ``reference`` is the store's order name (what staff search);
    ``description`` holds the order's business key (``"shopify:1042"``), the key the connector looks a sale
    up by before creating one, so a replayed create finds the sale it made."""
    lines = [
        {
            "type": "line",
            "product": products[line.sku]["id"],
            "quantity": line.quantity,
            "unit": nested(products[line.sku], "template.sale_uom") or products[line.sku]["default_uom"],
            "unit_price": line.unit_price.amount,
            "description": line.title if not line.variant_title else f"{line.title} ({line.variant_title})",
            "note": store_line_note(order, line.line_id),
        }
        for line in order.lines
        if line.sku
    ]
    comments = [
        {"type": "comment", "description": f"{line.title} (no SKU) x {line.quantity} at {line.unit_price}"}
        for line in order.lines
        if not line.sku
    ]
    return {
        "party": party_id,
        "invoice_address": address_id,
        "shipment_address": shipment_address_id,
        "currency": currency_id,
        "reference": order.number or order.origin.id,
        "description": order.business_key,
        "sale_date": order.placed_at.date(),
        "comment": order.note,
        "lines": [["create", lines + comments]],
    }


STORE_LINE_PREFIX = "store line: "


def store_line_note(order: Order, line_id: str) -> str:
    """The ``sale.line`` note naming the store line it was made from (fulfillments point at sale lines)."""
    return f"{STORE_LINE_PREFIX}{order.origin.system}:{line_id}"


def store_line_id(note: str | None) -> str | None:
    """The store line id from a note written by ``store_line_note`` (``"store line: shopify:1001-0"``)."""
    if not note or not note.startswith(STORE_LINE_PREFIX):
        return None
    return note[len(STORE_LINE_PREFIX) :].split(":", 1)[-1].strip() or None


# -- shipments -------------------------------------------------------------------------------------


def fulfillment_from_tryton(
    shipment: Row, moves: Sequence[Row], *, sale_of_line: Mapping[int, int]
) -> Fulfillment | None:
    """A customer shipment (``stock.shipment.out``) as a fulfillment of the sale its moves come from.

    ``order_id`` is the Tryton sale id, line ids are ``sale.line`` ids (the flow maps both to the store's
    through the cross-reference). Tracking: without Tryton's carrier modules a shipment has no tracking
    field, so the convention is that the warehouse types the tracking number into the shipment's
    ``reference``. None when no move comes from a sale (a shipment made by hand).
    """
    lines: list[FulfillmentLine] = []
    sales: set[int] = set()
    for move in moves:
        line_id = _sale_line_id(move.get("origin"))
        if line_id is None or line_id not in sale_of_line or not move.get("quantity"):
            continue
        sales.add(sale_of_line[line_id])
        lines.append(
            FulfillmentLine(
                line_id=str(line_id),
                sku=nested(move, "product.code"),
                quantity=int(Decimal(str(move["quantity"]))),
            )
        )
    if not lines:
        return None
    status = FULFILLMENT_STATUS.get(str(shipment.get("state")), "pending")
    shipped = shipment.get("effective_date")
    reference = str(shipment.get("reference") or "").strip()
    return Fulfillment(
        origin=origin_of(shipment),
        order_id=str(min(sales)),
        status=status,
        location_code=nested(shipment, "warehouse.code") or nested(shipment, "warehouse.name"),
        tracking=[TrackingInfo(number=reference)] if reference else [],
        lines=lines,
        shipped_at=_date_as_datetime(shipped) if status == "success" and shipped else None,
    )


def sale_line_id(origin: Any) -> int | None:
    return _sale_line_id(origin)


def _sale_line_id(origin: Any) -> int | None:
    # A Reference field reads as "model,id": "sale.line,12".
    if isinstance(origin, str) and origin.startswith("sale.line,"):
        try:
            return int(origin.split(",", 1)[1])
        except ValueError:
            return None
    return None


def _date_as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


# -- invoices --------------------------------------------------------------------------------------


PRICE_DECIMALS = 4  # trytond's default [product] price_decimal


def credit_quantity_and_price(quantity: int, subtotal: Decimal) -> tuple[int, Decimal]:
    """The (negative) quantity and unit price of a credit-note line refunding ``subtotal`` for ``quantity``
    units. Tryton keeps unit prices to 4 decimals, so when the per-unit price is not exact there (10.00 for
    3 units) the line credits one lot of the whole subtotal instead, keeping the money exact."""
    step = Decimal(1).scaleb(-PRICE_DECIMALS)
    unit_price = subtotal / quantity
    if unit_price == unit_price.quantize(step):
        return -quantity, unit_price.quantize(step).normalize() if unit_price else Decimal(0)
    return -1, subtotal


def _document_parts(invoice: Row, lines: Sequence[Row], *, sign: int) -> dict[str, Any]:
    currency = str(nested(invoice, "currency.code"))

    def money(value: Any) -> Money:
        return Money.of(Decimal(value or 0) * sign, currency)

    document_lines = [
        DocumentLine(
            sku=nested(line, "product.code"),
            description=line.get("description") or None,
            quantity=abs(Decimal(str(line["quantity"]))),
            unit_price=Money.of(abs(Decimal(line["unit_price"])), currency),
            amount=money(line["amount"]),
        )
        for line in lines
        if line.get("type") == "line" and line.get("quantity")
    ]
    issued = invoice.get("invoice_date")
    return {
        "origin": origin_of(invoice),
        "number": str(invoice.get("number") or f"draft-{invoice['id']}"),
        "issued_at": _date_as_datetime(issued) if issued else None,
        "status": DOCUMENT_STATUS.get(str(invoice.get("state")), "open"),
        "lines": document_lines,
        "subtotal": money(invoice.get("untaxed_amount")),
        "tax": money(invoice.get("tax_amount")),
        "total": money(invoice.get("total_amount")),
        "amount_due": money(invoice.get("amount_to_pay")),
    }


def invoice_from_tryton(invoice: Row, lines: Sequence[Row], *, order_id: str | None) -> Invoice:
    """A customer invoice (``account.invoice`` of type ``out`` with a positive total)."""
    return Invoice(**_document_parts(invoice, lines, sign=1), order_id=order_id)


def credit_memo_from_tryton(
    invoice: Row, lines: Sequence[Row], *, order_id: str | None, refund_id: str | None
) -> CreditMemo:
    """A credit note: in Tryton an ``out`` invoice whose lines have negative quantities; canonical amounts are
    positive (a credit memo's sign is in its meaning)."""
    return CreditMemo(
        **_document_parts(invoice, lines, sign=-1),
        order_id=order_id,
        refund_id=refund_id,
        reason=invoice.get("description") or None,
    )
