"""NetSuite records ↔ canonical records (the OCA *mapper*): pure functions, no HTTP.

Field names are NetSuite's REST record names (``entity``, ``otherRefNum``, ``addressBook``…) and stay inside
this package. What an account configures differently (subsidiary, discount item, ship methods, the custom
fields that carry the store's source and campaign) comes in through ``NetSuiteSettings``.

Amounts: NetSuite sends JSON numbers; they become ``Decimal(str(value))`` here (the shortest repr of a
2-decimal amount is that amount). Canonical ``Decimal`` goes out as a JSON number through ``_number``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, ParamSpec, TypeVar

from pydantic import ValidationError

from erpsync.errors import DataError
from erpsync.model import (
    Address,
    Company,
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
    Refund,
    RefundLine,
    TrackingInfo,
    Transaction,
    Variant,
)

SYSTEM = "netsuite"
CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.000001")

NetSuiteBody = dict[str, Any]
P = ParamSpec("P")
R = TypeVar("R")
# What a record of an unexpected shape raises while being read (a missing key, a list where an object
# belongs, a
# number that is not one): the record's problem, to be parked with its reason, found by tests/fuzz.
MALFORMED = (ValidationError, KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError)


def reads(kind: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A NetSuite record that cannot become a canonical ``kind`` raises DataError naming it, never a crash."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def translate(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return function(*args, **kwargs)
            except DataError:
                raise
            except MALFORMED as exc:
                body = args[0] if args and isinstance(args[0], Mapping) else {}
                record_id = body.get("id")
                name = str(record_id) if isinstance(record_id, str | int) else "?"
                reason = (
                    f"field {exc} is missing" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
                )
                raise DataError(
                    f"NetSuite {kind} {name} cannot become a canonical record: {reason}",
                    system=SYSTEM,
                    record=f"{kind} {name}",
                    field=str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else None,
                    suggested_fix="check the record in NetSuite; if it is right, report a translation bug",
                ) from exc

        return translate

    return decorate


@dataclass(frozen=True)
class NetSuiteSettings:
    """The account-specific choices a NetSuite translation needs (ids are NetSuite internal ids).

    ``ship_methods`` maps a canonical shipping line ``code`` to a ship-method item id; ``currencies`` maps ISO
    codes to currency record ids (only needed in OneWorld accounts with several currencies); ``carriers`` maps
    a ship method (its name or internal id) to the carrier as the store names it ("UPS", "FedEx", "DHL
    Express"), for packages on the plain ``package`` sublist, which does not say who carries them.
    """

    currency: str = "USD"
    subsidiary_id: str | None = None
    location_id: str | None = None
    discount_item_id: str | None = None
    tax_item_id: str | None = None
    adjustment_item_id: str | None = None
    guest_customer_id: str | None = None
    default_ship_method_id: str | None = None
    ship_methods: Mapping[str, str] = field(default_factory=dict)
    carriers: Mapping[str, str] = field(default_factory=dict)
    currencies: Mapping[str, str] = field(default_factory=dict)
    refund_record: str = "creditMemo"  # or "cashRefund" (money paid back at once, no invoice to credit)
    source_field: str = "custbody_erpsync_source"
    campaign_field: str = "custbody_erpsync_campaign"
    discount_codes_field: str = "custbody_erpsync_discount_codes"
    line_id_field: str = "custcol_erpsync_line_id"
    # Finance tables (erpsync.connectors.netsuite.finance): (jurisdiction, rate) -> tax code, and store
    # payment gateway -> payment method and accounts; ``payout_gateway`` is the gateway whose payouts come in.
    tax_codes: Sequence[Mapping[str, Any]] = ()
    payment_gateways: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    payout_gateway: str = "shopify_payments"
    # promotions and loyalty (connectors/netsuite/promotions.py)
    promotion_on_sales_order: bool = True  # name the code's promotion in the sales order's promoCode
    loyalty_posting: str = "customer_field"  # or "journal_entry": the field, plus a journal per event
    loyalty_points_field: str = "custentity_loyalty_points"
    loyalty_point_value: str = "0.01"  # money per point, in ``currency``, for journal entries
    loyalty_expense_account_id: str | None = None  # debited when points are earned (credited when spent)
    loyalty_liability_account_id: str | None = None  # the points owed to customers


# -- small conversions -----------------------------------------------------------------------------


def decimal_of(value: Any, default: str = "0") -> Decimal:
    """A NetSuite number (JSON number or numeric string) as an exact Decimal."""
    if value is None or value == "":
        return Decimal(default)
    return Decimal(str(value))


def json_number(amount: Decimal) -> float | int:
    # A JSON number for NetSuite. Amounts have at most a few decimals, whose shortest float repr is exact.
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _money(value: Any, currency: str) -> Money:
    return Money.of(decimal_of(value).quantize(CENT, ROUND_HALF_UP), currency)


def parse_datetime(value: Any) -> datetime | None:
    """NetSuite's ISO 8601 datetimes ("2026-12-04T10:00:00Z", UTC) as aware datetimes; a bare date is
    midnight UTC."""
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    moment = (
        datetime.fromisoformat(text)
        if "T" in text
        else datetime.combine(date.fromisoformat(text), datetime.min.time())
    )
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def origin_of(body: NetSuiteBody, *, at: datetime | None = None) -> Origin:
    updated = parse_datetime(body.get("lastModifiedDate")) or at or datetime.now(UTC)
    return Origin(system=SYSTEM, id=str(body["id"]), updated_at=updated)


def ref(record_id: str | None) -> dict[str, str] | None:
    return {"id": record_id} if record_id else None


def ref_id(value: Any) -> str | None:
    return str(value["id"]) if isinstance(value, dict) and value.get("id") is not None else None


def ref_name(value: Any) -> str | None:
    return str(value["refName"]) if isinstance(value, dict) and value.get("refName") is not None else None


def sublist_items(body: NetSuiteBody, name: str) -> list[NetSuiteBody]:
    """The lines of an expanded sublist (``{"items": [...]}``); empty when absent or not expanded."""
    value = body.get(name)
    return list(value.get("items") or []) if isinstance(value, dict) else []


def currency_of(body: NetSuiteBody, settings: NetSuiteSettings) -> str:
    name = ref_name(body.get("currency"))
    if name and len(name) == 3 and name.isalpha() and name.isupper():
        return name
    return settings.currency


def _without_none(body: NetSuiteBody) -> NetSuiteBody:
    return {key: value for key, value in body.items() if value is not None}


# -- addresses -------------------------------------------------------------------------------------


def address_to_netsuite(address: Address) -> NetSuiteBody:
    """A canonical address as NetSuite's address subrecord (company as addressee, person as attention)."""
    return _without_none(
        {
            "addressee": address.company or address.name,
            "attention": address.name if address.company else None,
            "addr1": address.line1,
            "addr2": address.line2,
            "city": address.city,
            "state": address.region,
            "zip": address.postal_code,
            "country": address.country_code,
            "addrPhone": address.phone,
        }
    )


def address_from_netsuite(body: NetSuiteBody, *, is_default: bool = False) -> Address:
    country = body.get("country")
    country_code = ref_id(country) if isinstance(country, dict) else country
    attention = body.get("attention")
    return Address(
        name=attention or body.get("addressee"),
        company=body.get("addressee") if attention else None,
        line1=body.get("addr1"),
        line2=body.get("addr2"),
        city=body.get("city"),
        region=body.get("state"),
        postal_code=body.get("zip"),
        country_code=country_code or None,
        phone=body.get("addrPhone"),
        is_default=is_default,
    )


def _address_book(addresses: Sequence[Address], *, default_index: int) -> NetSuiteBody:
    return {
        "items": [
            {
                "defaultBilling": index == default_index,
                "defaultShipping": index == default_index,
                "addressBookAddress": address_to_netsuite(address),
            }
            for index, address in enumerate(addresses)
        ]
    }


# -- customers and companies -----------------------------------------------------------------------


def customer_to_netsuite(customer: Customer, *, external_id: str, settings: NetSuiteSettings) -> NetSuiteBody:
    """A person customer. NetSuite requires both names for a person: a missing first name becomes the
    e-mail's local part, a missing one otherwise "-"."""
    addresses = customer.addresses
    default = next((i for i, a in enumerate(addresses) if a.is_default), 0)
    return _without_none(
        {
            "externalId": external_id,
            "isPerson": True,
            "firstName": customer.first_name or _email_name(customer.email) or "-",
            "lastName": customer.last_name or "-",
            "email": customer.email,
            "phone": customer.phone,
            "comments": customer.note,
            "subsidiary": ref(settings.subsidiary_id),
            "addressBook": _address_book(addresses, default_index=default) if addresses else None,
        }
    )


def _email_name(email: str | None) -> str | None:
    return email.split("@", 1)[0] if email else None


@reads("customer")
def customer_from_netsuite(body: NetSuiteBody) -> Customer:
    addresses = [
        address_from_netsuite(
            line.get("addressBookAddress") or {}, is_default=bool(line.get("defaultShipping"))
        )
        for line in sublist_items(body, "addressBook")
    ]
    return Customer(
        origin=origin_of(body),
        email=body.get("email") or None,
        first_name=body.get("firstName"),
        last_name=body.get("lastName"),
        phone=body.get("phone"),
        addresses=addresses,
        note=body.get("comments"),
        # Tax exemption is NetSuite's to decide (``taxable`` false); never marked keeps the default.
        tax_exempt=body.get("taxable") is False,
    )


def company_to_netsuite(
    company: Company, *, external_id: str, settings: NetSuiteSettings, terms_id: str | None = None
) -> NetSuiteBody:
    """A B2B company as a NetSuite company customer: its locations' addresses become its address book,
    ``terms_id`` (the Term of ``company.payment_terms``) its terms, its first tax id its ``vatRegNumber``."""
    addresses: list[Address] = []
    for location in company.locations:
        addresses += [a for a in (location.billing_address, location.shipping_address) if a is not None]
    main_contact = next((c for c in company.contacts if c.is_main_contact), None)
    return _without_none(
        {
            "externalId": external_id,
            "isPerson": False,
            "companyName": company.name,
            "entityId": company.code,
            "email": main_contact.email if main_contact else None,
            "phone": main_contact.phone if main_contact else None,
            "comments": company.note,
            "subsidiary": ref(settings.subsidiary_id),
            "terms": ref(terms_id),
            "vatRegNumber": company.tax_ids[0].value if company.tax_ids else None,
            "addressBook": _address_book(addresses, default_index=0) if addresses else None,
        }
    )


# -- catalog ---------------------------------------------------------------------------------------


def variant_from_item(body: NetSuiteBody, *, currency: str) -> Variant:
    """An inventory or non-inventory item as a sellable variant: ``itemId`` is the SKU."""
    price = body.get("basePrice")
    return Variant(
        origin=origin_of(body),
        sku=body.get("itemId") or None,
        barcode=body.get("upcCode"),
        title=body.get("displayName"),
        product_id=str(body["id"]),
        price=_money(price, currency) if price is not None else None,
        inventory_tracked=_is_inventory_item(body),
    )


@reads("item")
def product_from_item(body: NetSuiteBody, *, currency: str) -> Product:
    """One NetSuite item is one product with one variant (matrix items are not translated)."""
    variant = variant_from_item(body, currency=currency)
    return Product(
        origin=variant.origin,
        title=body.get("displayName") or body.get("itemId") or str(body["id"]),
        description=body.get("salesDescription"),
        status="archived" if body.get("isInactive") else "active",
        product_type=str(body.get("itemType") or ""),
        variants=[variant],
    )


def _is_inventory_item(body: NetSuiteBody) -> bool:
    item_type = str(body.get("itemType") or "")
    return item_type in ("InvtPart", "inventoryItem") or "locations" in body


def location_code(body: NetSuiteBody) -> str:
    """A location's code: its ``externalId`` when set, else its name (what value maps name)."""
    return str(body.get("externalId") or body.get("name") or body["id"])


@reads("location")
def location_from_netsuite(body: NetSuiteBody) -> Location:
    address = body.get("mainAddress")
    return Location(
        origin=origin_of(body),
        code=location_code(body),
        name=body.get("name"),
        address=address_from_netsuite(address) if isinstance(address, dict) else None,
        active=not body.get("isInactive", False),
        fulfills_online_orders=bool(body.get("makeInventoryAvailable", True)),
    )


@reads("inventory row")
def inventory_level_from_row(row: Mapping[str, Any], *, as_of: datetime) -> InventoryLevel:
    """One row of the inventory-by-location SuiteQL query (``sku``, ``location_code``, ``item_id``,
    ``location_id``, ``on_hand``, ``committed``, ``available``, optional ``lastmodifieddate``)."""
    on_hand = int(decimal_of(row.get("on_hand")))
    committed = max(0, int(decimal_of(row.get("committed"))))
    available = row.get("available")
    updated = parse_datetime(row.get("lastmodifieddate")) or as_of
    return InventoryLevel(
        origin=Origin(system=SYSTEM, id=f"{row['item_id']}@{row['location_id']}", updated_at=updated),
        sku=str(row["sku"]),
        location_code=str(row["location_code"]),
        on_hand=on_hand,
        reserved=committed,
        available=int(decimal_of(available)) if available is not None else on_hand - committed,
    )


# -- sales orders ----------------------------------------------------------------------------------


def sales_order_to_netsuite(
    order: Order,
    *,
    external_id: str,
    customer: dict[str, str],
    item_ids: Mapping[str, str],
    settings: NetSuiteSettings,
    tax_item: dict[str, str] | None = None,
) -> NetSuiteBody:
    """A canonical order as a NetSuite sales order.

    ``customer`` is the entity reference (``{"id": …}`` or ``{"externalId": …}``); ``item_ids`` maps each
    line's SKU to its NetSuite item id. Discounts become the header discount item (the codes kept in a custom
    body field), shipping the header shipping cost, tax a header rate computed so NetSuite's tax equals the
    order's; the store's order number goes to ``otherRefNum``.
    """
    net = _net_amounts(order)
    discounts = order.totals.discounts.amount
    if discounts and not settings.discount_item_id:
        raise DataError(
            f"order {order.business_key} has discounts but no NetSuite discount item is configured",
            system=SYSTEM,
            record=f"salesOrder for order {order.business_key}",
            field="discounts",
            suggested_fix="set discount_item_id in the NetSuite settings to a Discount item's internal id",
        )
    attribution = order.attribution
    body: NetSuiteBody = {
        "externalId": external_id,
        "entity": customer,
        "tranDate": order.placed_at.date().isoformat(),
        "otherRefNum": order.number or order.origin.id,
        "email": order.customer_email,
        "memo": order.note,
        "subsidiary": ref(settings.subsidiary_id),
        "location": ref(settings.location_id),
        "currency": ref(settings.currencies.get(order.currency)),
        "billingAddress": address_to_netsuite(order.billing_address) if order.billing_address else None,
        "shippingAddress": address_to_netsuite(order.shipping_address) if order.shipping_address else None,
        "item": {"items": [_order_line(line, item_ids, settings) for line in order.lines]},
        settings.source_field: attribution.source_name if attribution else None,
        settings.campaign_field: attribution.utm_campaign if attribution else None,
    }
    if discounts:
        body["discountItem"] = ref(settings.discount_item_id)
        body["discountRate"] = f"-{net.discount:.2f}"
        body[settings.discount_codes_field] = ",".join(order.discount_codes) or None
    if order.shipping_lines:
        body["shippingCost"] = json_number(net.shipping)
        body["shipMethod"] = ref(_ship_method(order, settings))
    if net.tax:
        if net.taxable_base <= 0:
            raise DataError(
                f"order {order.business_key} charges {net.tax} tax on a zero item subtotal; "
                "NetSuite's header tax rate cannot carry it",
                system=SYSTEM,
                record=f"salesOrder for order {order.business_key}",
                field="totals.tax",
                suggested_fix="book the tax by hand in NetSuite, or add a tax line item in the mapping",
            )
        # ``tax_item``: the order's tax code from the tax code table (erpsync.connectors.netsuite.finance).
        body["taxItem"] = tax_item or ref(settings.tax_item_id)
        body["taxRate"] = json_number(tax_rate_percent(net.tax, net.taxable_base))
    if order.taxes_included:
        for line, amount in zip(body["item"]["items"], net.lines, strict=True):
            line.pop("rate", None)
            line["amount"] = json_number(amount)
    return _without_none(body)


@dataclass(frozen=True)
class _NetAmounts:
    lines: list[Decimal]
    discount: Decimal
    shipping: Decimal
    tax: Decimal

    @property
    def taxable_base(self) -> Decimal:
        # NetSuite's header tax rate applies to the discounted item subtotal, not to the shipping cost.
        return sum(self.lines, Decimal(0)) - self.discount


def _net_amounts(order: Order) -> _NetAmounts:
    """Line, discount and shipping amounts before tax. With tax-inclusive prices each line and shipping line
    gives up its own tax lines and the discount shrinks in proportion; the tax is then whatever makes
    NetSuite's total equal the store's total, so the order still reconciles to the cent."""
    totals = order.totals
    if not order.taxes_included:
        return _NetAmounts(
            lines=[line.subtotal.amount for line in order.lines],
            discount=totals.discounts.amount,
            shipping=totals.shipping.amount,
            tax=totals.tax.amount,
        )
    lines = [
        line.subtotal.amount - sum((t.amount.amount for t in line.tax_lines), Decimal(0))
        for line in order.lines
    ]
    gross_lines = totals.lines.amount
    discount = (
        (totals.discounts.amount * sum(lines, Decimal(0)) / gross_lines).quantize(CENT, ROUND_HALF_UP)
        if gross_lines
        else Decimal(0)
    )
    shipping = sum(
        (
            s.price.amount - sum((t.amount.amount for t in s.tax_lines), Decimal(0))
            for s in order.shipping_lines
        ),
        Decimal(0),
    )
    tax = totals.total.amount - (sum(lines, Decimal(0)) - discount + shipping)
    return _NetAmounts(lines=lines, discount=discount, shipping=shipping, tax=tax)


def tax_rate_percent(tax: Decimal, base: Decimal) -> Decimal:
    """The header tax rate (percent) that reproduces ``tax`` on ``base`` once NetSuite rounds to cents."""
    if base <= 0:
        return Decimal(0)
    return (tax * 100 / base).quantize(RATE_PLACES, ROUND_HALF_UP)


def _order_line(line: Any, item_ids: Mapping[str, str], settings: NetSuiteSettings) -> NetSuiteBody:
    if not line.sku or line.sku not in item_ids:
        raise DataError(
            f"order line {line.line_id} ({line.title}) has SKU {line.sku!r}, which has no NetSuite item",
            system=SYSTEM,
            record="salesOrder",
            field=f"lines.{line.line_id}.sku",
            suggested_fix="create the item in NetSuite (itemId = the SKU) or map the SKU",
        )
    return _without_none(
        {
            "item": {"id": item_ids[line.sku]},
            "quantity": line.quantity,
            "rate": json_number(line.unit_price.amount),
            "description": line.title if not line.variant_title else f"{line.title} - {line.variant_title}",
            settings.line_id_field: line.line_id,
        }
    )


def _ship_method(order: Order, settings: NetSuiteSettings) -> str | None:
    for shipping in order.shipping_lines:
        if shipping.code and shipping.code in settings.ship_methods:
            return settings.ship_methods[shipping.code]
    return settings.default_ship_method_id


# -- fulfillments ----------------------------------------------------------------------------------

_SHIP_STATUS = {"A": "pending", "B": "pending", "C": "success"}


# NetSuite's integrated shipping keeps each carrier's packages in a sublist of its own, its fields suffixed
# with the carrier (SOAP ItemFulfillment packageUpsList / packageFedExList / packageUspsList, whose REST names
# drop "List"); the plain "package" sublist holds any other carrier's.
CARRIER_PACKAGES = {
    "packageUps": ("Ups", "UPS"),
    "packageFedEx": ("FedEx", "FedEx"),
    "packageUsps": ("Usps", "USPS"),
}


@reads("itemFulfillment")
def fulfillment_from_netsuite(
    body: NetSuiteBody,
    *,
    location_codes: Mapping[str, str] | None = None,
    carriers: Mapping[str, str] | None = None,
) -> Fulfillment:
    """An item fulfillment: ``order_id`` is the NetSuite sales order id (``createdFrom``), line ids are the
    sales order's line numbers (``orderLine``), tracking numbers come from the package sublists."""
    status = _SHIP_STATUS.get(ref_id(body.get("shipStatus")) or "C", "pending")
    lines = [
        FulfillmentLine(
            line_id=str(line.get("orderLine") or line.get("line")),
            sku=ref_name(line.get("item")),
            quantity=int(decimal_of(line.get("quantity"))),
        )
        for line in sublist_items(body, "item")
        if line.get("itemReceive", True) and decimal_of(line.get("quantity")) > 0
    ]
    tracking = _tracking(body, carriers or {})
    location_ids = {ref_id(line.get("location")) for line in sublist_items(body, "item")} - {None}
    location = next(iter(location_ids)) if len(location_ids) == 1 else None
    codes = location_codes or {}
    return Fulfillment(
        origin=origin_of(body),
        order_id=str(ref_id(body.get("createdFrom")) or ""),
        status=status,
        location_code=codes.get(location, location) if location else None,
        tracking=tracking,
        lines=lines,
        shipped_at=parse_datetime(body.get("tranDate")) if status == "success" else None,
    )


def _tracking(body: NetSuiteBody, carriers: Mapping[str, str]) -> list[TrackingInfo]:
    """Every package's tracking number, with its carrier: the sublist's for integrated carriers, else the one
    ``carriers`` names for the fulfillment's ship method (none when it names none)."""
    ship_method = body.get("shipMethod")
    plain_carrier = carriers.get(ref_id(ship_method) or "") or carriers.get(ref_name(ship_method) or "")
    tracking = [
        TrackingInfo(number=str(package["packageTrackingNumber"]), company=plain_carrier)
        for package in sublist_items(body, "package")
        if package.get("packageTrackingNumber")
    ]
    for sublist, (suffix, carrier) in CARRIER_PACKAGES.items():
        tracking += [
            TrackingInfo(number=str(package[f"packageTrackingNumber{suffix}"]), company=carrier)
            for package in sublist_items(body, sublist)
            if package.get(f"packageTrackingNumber{suffix}")
        ]
    return tracking


# -- billing documents -----------------------------------------------------------------------------


def _document_lines(body: NetSuiteBody, currency: str) -> list[DocumentLine]:
    """Item lines with the header discount spread over them by amount (largest remainder, to the cent) and
    shipping as one more line: canonical lines carry net amounts and add up to the subtotal."""
    items = sublist_items(body, "item")
    amounts = [decimal_of(line.get("amount")) for line in items]
    discount = abs(decimal_of(body.get("discountTotal")))
    shares = allocate(discount, amounts)
    lines = [
        DocumentLine(
            sku=ref_name(line.get("item")),
            description=line.get("description"),
            quantity=decimal_of(line.get("quantity"), "1"),
            unit_price=_money(line.get("rate", line.get("amount")), currency),
            amount=Money.of(amount - share, currency),
        )
        for line, amount, share in zip(items, amounts, shares, strict=True)
    ]
    shipping = decimal_of(body.get("shippingCost"))
    if shipping:
        lines.append(
            DocumentLine(
                description="Shipping",
                quantity=Decimal(1),
                unit_price=Money.of(shipping, currency),
                amount=Money.of(shipping, currency),
            )
        )
    return lines


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` (cents) over ``weights`` in proportion, the rounding cents going to the largest
    remainders, so the parts add up exactly."""
    weight_sum = sum(weights, Decimal(0))
    if not total or weight_sum <= 0:
        return [Decimal(0)] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [x.quantize(CENT, ROUND_DOWN) for x in exact]
    leftover = int((total - sum(parts, Decimal(0))) / CENT)
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for index in by_remainder[:leftover]:
        parts[index] += CENT
    return parts


@reads("invoice")
def invoice_from_netsuite(body: NetSuiteBody, *, settings: NetSuiteSettings) -> Invoice:
    currency = currency_of(body, settings)
    lines = _document_lines(body, currency)
    subtotal = sum((line.amount.amount for line in lines), Decimal(0))
    tax = decimal_of(body.get("taxTotal"))
    remaining = body.get("amountRemaining")
    status = ref_id(body.get("status"))
    return Invoice(
        origin=origin_of(body),
        number=str(body.get("tranId") or body["id"]),
        order_id=ref_id(body.get("createdFrom")),
        customer_key=ref_id(body.get("entity")),
        issued_at=parse_datetime(body.get("tranDate")),
        status="paid" if status == "B" else "open",
        lines=lines,
        subtotal=Money.of(subtotal, currency),
        tax=Money.of(tax, currency),
        total=Money.of(subtotal + tax, currency),
        amount_due=Money.of(decimal_of(remaining) if remaining is not None else subtotal + tax, currency),
    )


@reads("creditMemo")
def credit_memo_from_netsuite(
    body: NetSuiteBody, *, settings: NetSuiteSettings, refund_id: str | None
) -> CreditMemo:
    """A credit memo or cash refund (both are NetSuite's side of a store refund)."""
    currency = currency_of(body, settings)
    lines = _document_lines(body, currency)
    subtotal = sum((line.amount.amount for line in lines), Decimal(0))
    tax = decimal_of(body.get("taxTotal"))
    total = subtotal + tax
    remaining = body.get("amountRemaining")
    return CreditMemo(
        origin=origin_of(body),
        number=str(body.get("tranId") or body["id"]),
        order_id=ref_id(body.get("createdFrom")),
        customer_key=ref_id(body.get("entity")),
        issued_at=parse_datetime(body.get("tranDate")),
        lines=lines,
        subtotal=Money.of(subtotal, currency),
        tax=Money.of(tax, currency),
        total=Money.of(total, currency),
        amount_due=Money.of(decimal_of(remaining) if remaining is not None else total, currency),
        refund_id=refund_id,
        reason=body.get("memo"),
    )


def refund_to_netsuite(
    refund: Refund,
    *,
    external_id: str,
    customer: dict[str, str],
    item_ids: Mapping[str, str],
    settings: NetSuiteSettings,
) -> NetSuiteBody:
    """A store refund as a credit memo or cash refund: returned lines by SKU with their refunded amounts,
    refunded shipping, a goodwill adjustment line and the refunded tax as a header rate."""
    lines: list[NetSuiteBody] = []
    for line in refund.lines:
        if not line.sku or line.sku not in item_ids:
            raise DataError(
                f"refund line {line.line_id} has SKU {line.sku!r}, which has no NetSuite item",
                system=SYSTEM,
                record=f"{settings.refund_record} for refund {refund.business_key}",
                field=f"lines.{line.line_id}.sku",
                suggested_fix="create the item in NetSuite or map the SKU",
            )
        lines.append(
            {
                "item": {"id": item_ids[line.sku]},
                "quantity": line.quantity,
                "amount": json_number(line.subtotal.amount),
                settings.line_id_field: line.line_id,
            }
        )
    if refund.adjustment is not None and refund.adjustment.amount:
        if not settings.adjustment_item_id:
            raise DataError(
                f"refund {refund.business_key} has a goodwill adjustment but no adjustment item is set",
                system=SYSTEM,
                record=f"{settings.refund_record} for refund {refund.business_key}",
                field="adjustment",
                suggested_fix="set adjustment_item_id to a non-inventory item's internal id",
            )
        lines.append(
            {
                "item": {"id": settings.adjustment_item_id},
                "quantity": 1,
                "amount": json_number(refund.adjustment.amount),
            }
        )
    if not lines:
        raise DataError(
            f"refund {refund.business_key} refunds neither lines nor an adjustment; NetSuite needs a line",
            system=SYSTEM,
            record=f"refund {refund.business_key}",
            suggested_fix="configure adjustment_item_id so shipping-only refunds get a line",
        )
    tax = sum((line.tax.amount for line in refund.lines if line.tax is not None), Decimal(0))
    shipping = refund.shipping.amount if refund.shipping is not None else Decimal(0)
    base = sum((decimal_of(line["amount"]) for line in lines), Decimal(0))
    body: NetSuiteBody = {
        "externalId": external_id,
        "entity": customer,
        "tranDate": (refund.created_at or refund.origin.updated_at).date().isoformat(),
        "otherRefNum": refund.order_id,
        "memo": refund.reason or refund.note,
        "subsidiary": ref(settings.subsidiary_id),
        "location": ref(settings.location_id),
        "item": {"items": lines},
        "shippingCost": json_number(shipping) if shipping else None,
    }
    if tax and base <= 0:
        raise DataError(
            f"refund {refund.business_key} refunds {tax} tax on no item amount; NetSuite's header tax rate "
            "cannot carry it",
            system=SYSTEM,
            record=f"{settings.refund_record} for refund {refund.business_key}",
            field="lines.tax",
        )
    if tax:
        body["taxItem"] = ref(settings.tax_item_id)
        body["taxRate"] = json_number(tax_rate_percent(tax, base))
    return _without_none(body)


# -- payments and payouts --------------------------------------------------------------------------


def customer_payment_to_netsuite(
    transaction: Transaction,
    *,
    external_id: str,
    customer: dict[str, str],
    invoice_id: str | None,
    settings: NetSuiteSettings,
) -> NetSuiteBody:
    """A captured store payment as a customer payment, applied to the order's invoice when there is one."""
    if not transaction.is_money_received:
        raise DataError(
            f"transaction {transaction.business_key} is a {transaction.status} {transaction.kind}, not money "
            "received; only successful captures and sales are booked as customer payments",
            system=SYSTEM,
            record=f"customerPayment for {transaction.business_key}",
            field="kind",
        )
    amount = transaction.amount.amount
    moment = transaction.processed_at or transaction.origin.updated_at
    # The store's method name goes to the memo: NetSuite's paymentMethod names a Payment Method record, which
    # the gateway table chooses (erpsync.connectors.netsuite.finance).
    parts = (transaction.gateway, transaction.payment_method, transaction.reference)
    memo = " ".join(part for part in parts if part)
    body: NetSuiteBody = {
        "externalId": external_id,
        "customer": customer,
        "payment": json_number(amount),
        "tranDate": moment.date().isoformat(),
        "memo": memo,
        "subsidiary": ref(settings.subsidiary_id),
        "currency": ref(settings.currencies.get(transaction.amount.currency)),
    }
    if invoice_id:
        body["apply"] = {"items": [{"doc": {"id": invoice_id}, "apply": True, "amount": json_number(amount)}]}
    return _without_none(body)


@reads("refund")
def refund_from_netsuite(body: NetSuiteBody, *, sales_order_id: str, settings: NetSuiteSettings) -> Refund:
    """A credit memo or cash refund entered in NetSuite, as a refund of its sales order (``order_id`` is the
    NetSuite sales order id). Item lines become refund lines by SKU (``line_id`` is NetSuite's line number;
    the flow finds the store's line by SKU), with the header discount spread over them and the header tax
    allocated to them by amount; shipping stays refunded shipping. Nothing is marked restocked: a credit on
    its own returns no goods (a return authorization's item receipt does, and is not read here)."""
    currency = currency_of(body, settings)
    items = sublist_items(body, "item")
    amounts = [decimal_of(line.get("amount")) for line in items]
    discount = abs(decimal_of(body.get("discountTotal")))
    nets = [amount - share for amount, share in zip(amounts, allocate(discount, amounts), strict=True)]
    taxes = allocate(decimal_of(body.get("taxTotal")), nets)
    lines = [
        RefundLine(
            line_id=str(line.get("line") or index + 1),
            sku=ref_name(line.get("item")),
            quantity=int(decimal_of(line.get("quantity"), "1")),
            subtotal=Money.of(net, currency),
            tax=Money.of(tax, currency) if tax else None,
        )
        for index, (line, net, tax) in enumerate(zip(items, nets, taxes, strict=True))
    ]
    shipping = decimal_of(body.get("shippingCost"))
    total = sum(nets, Decimal(0)) + sum(taxes, Decimal(0)) + shipping
    return Refund(
        origin=origin_of(body),
        order_id=sales_order_id,
        created_at=parse_datetime(body.get("tranDate")),
        reason=body.get("memo"),
        lines=lines,
        shipping=Money.of(shipping, currency) if shipping else None,
        total=Money.of(total, currency),
    )
