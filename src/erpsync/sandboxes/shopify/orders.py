"""Order mutations: ``orderCreate``, ``orderUpdate``, ``orderCancel``, ``orderClose``, ``orderOpen``.

``orderCreate`` (https://shopify.dev/docs/api/admin-graphql/latest/mutations/orderCreate) takes variant or
custom lines, a customer to associate or upsert, a B2B purchasing company, one discount code, shipping lines,
taxes and transactions; inventory is untouched unless ``options.inventoryBehaviour`` says to decrement.
Each order gets fulfillment orders, one per location that holds its lines' stock.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from erpsync.sandboxes.shopify import order_math, rest
from erpsync.sandboxes.shopify.catalog import ensure_level
from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.customers import ADDRESS_FIELDS, find_or_create_customer
from erpsync.sandboxes.shopify.fulfillments import fulfill_everything
from erpsync.sandboxes.shopify.ids import gid, maybe_number
from erpsync.sandboxes.shopify.order_events import order_updated
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, ref, user_error
from erpsync.sandboxes.shopify.store import Record, ShopStore, money
from erpsync.sandboxes.shopify.views import quantity

D = order_math.dec


class OrderInputError(Exception):
    def __init__(self, message: str, field: list[str], code: str = "INVALID") -> None:
        super().__init__(message)
        self.error = user_error(message, field, code)


def _amount(bag: dict[str, Any] | None) -> Decimal | None:
    if not bag:
        return None
    return D(bag["shopMoney"]["amount"])


def snake_address(data: dict[str, Any] | None) -> Record | None:
    if not data:
        return None
    # An order address is a customer address plus the newer names MailingAddressInput accepts.
    keys = {**ADDRESS_FIELDS, "zoneCode": "province_code", "recipient": "first_name"}
    return {snake: data[camel] for camel, snake in keys.items() if data.get(camel) is not None}


# ---------------------------------------------------------------------- building an order


def _line_items(store: ShopStore, lines_input: list[dict[str, Any]]) -> list[Record]:
    if not lines_input:
        raise OrderInputError("Line items must have at least one line item", ["order", "lineItems"])
    lines = []
    for index, data in enumerate(lines_input):
        field = ["order", "lineItems", str(index)]
        if data["quantity"] < 1:
            raise OrderInputError("Quantity must be greater than 0", [*field, "quantity"])
        price = _amount(data.get("priceSet"))
        line: Record = {
            "id": store.new_id(),
            "quantity": data["quantity"],
            "tax_lines": [],
            "discount_allocations": [],
        }
        if data.get("variantId"):
            variant = store.get("variants", maybe_number(data["variantId"], "ProductVariant"))
            if variant is None:
                raise OrderInputError(
                    "Variant does not exist", [*field, "variantId"], "PRODUCT_VARIANT_DOES_NOT_EXIST"
                )
            product = store.tables["products"][variant["product_id"]]
            item = store.tables["inventory_items"][variant["inventory_item_id"]]
            line.update(
                {
                    "variant_id": variant["id"],
                    "product_id": product["id"],
                    "inventory_item_id": item["id"],
                    "title": product["title"],
                    "variant_title": None if variant["title"] == "Default Title" else variant["title"],
                    "sku": variant.get("sku"),
                    "vendor": product.get("vendor"),
                    "price": money(price if price is not None else variant["price"]),
                    "requires_shipping": item.get("requires_shipping", True),
                    "taxable": variant.get("taxable", True),
                    "grams": 0,
                }
            )
            line["name"] = line["title"] + (f" - {line['variant_title']}" if line["variant_title"] else "")
        else:
            if not data.get("title") or price is None:
                raise OrderInputError("Custom line items need a title and a priceSet", field, "INVALID")
            line.update(
                {
                    "variant_id": None,
                    "product_id": None,
                    "title": data["title"],
                    "name": data["title"],
                    "variant_title": None,
                    "sku": data.get("sku"),
                    "vendor": data.get("vendor"),
                    "price": money(price),
                    "requires_shipping": data.get("requiresShipping", True),
                    "taxable": data.get("taxable", True),
                    "grams": 0,
                }
            )
        if data.get("requiresShipping") is not None:
            line["requires_shipping"] = data["requiresShipping"]
        line["tax_input"] = data.get("taxLines") or []
        lines.append(line)
    return lines


def _apply_discount(store: ShopStore, order: Record, discount_input: dict[str, Any] | None) -> None:
    """One discount code per order (https://shopify.dev/docs/api/admin-graphql/latest/input-objects/OrderCreateDiscountCodeInput)."""
    order["discount_applications"], order["discount_codes"] = [], []
    if not discount_input:
        return
    kind, data = next(((k, v) for k, v in discount_input.items() if v), (None, None))
    if kind is None or data is None:
        return
    code = data["code"]
    known = next((d for d in store.rows("discounts") if d["code"].lower() == code.lower()), None)
    lines = order["line_items"]
    if kind == "freeShippingDiscountCode":
        for shipping in order.get("shipping_lines", []):
            shipping["discount_allocations"] = [
                {"amount": shipping["price"], "discount_application_index": 0}
            ]
        amount = sum((D(s["price"]) for s in order.get("shipping_lines", [])), order_math.ZERO)
        application = {"value": "100.0", "value_type": "percentage", "target_type": "shipping_line"}
        code_type = "shipping"
    else:
        if kind == "itemPercentageDiscountCode":
            percentage = data.get("percentage")
            if percentage is None and known and known["value_type"] == "percentage":
                percentage = float(known["value"]) * 100
            percent = D(percentage or 0)
            shares = [(order_math.line_gross(li) * percent / 100).quantize(Decimal("0.01")) for li in lines]
            application = {"value": str(percent), "value_type": "percentage", "target_type": "line_item"}
            code_type = "percentage"
        else:
            fixed = _amount(data.get("amountSet"))
            if fixed is None and known and known["value_type"] == "fixed_amount":
                fixed = D(known["value"])
            fixed = min(
                fixed or order_math.ZERO, sum((order_math.line_gross(li) for li in lines), order_math.ZERO)
            )
            shares = order_math.allocate(fixed, [order_math.line_gross(li) for li in lines])
            application = {"value": money(fixed), "value_type": "fixed_amount", "target_type": "line_item"}
            code_type = "fixed_amount"
        for line, share in zip(lines, shares, strict=True):
            if share:
                line["discount_allocations"] = [{"amount": money(share), "discount_application_index": 0}]
        amount = sum(shares, order_math.ZERO)
    order["discount_applications"] = [
        {
            "type": "discount_code",
            "code": code,
            "allocation_method": "across",
            "target_selection": "all",
            **application,
        }
    ]
    order["discount_codes"] = [{"code": code, "amount": money(amount), "type": code_type}]
    if known:
        known["usage_count"] = known.get("usage_count", 0) + 1


def _tax_price(tax: dict[str, Any], base: Decimal) -> Decimal:
    given = _amount(tax.get("priceSet"))
    return given if given is not None else (base * D(tax["rate"])).quantize(Decimal("0.01"))


def _apply_taxes(order: Record, order_taxes: list[dict[str, Any]]) -> None:
    lines = order["line_items"]
    for line in lines:
        base = order_math.line_gross(line) - order_math.line_discount(line)
        line["tax_lines"] = [
            {
                "title": t["title"],
                "rate": str(t["rate"]),
                "price": money(_tax_price(t, base)),
                "channel_liable": bool(t.get("channelLiable")),
            }
            for t in line.pop("tax_input", [])
        ]
    taxable = [li for li in lines if li.get("taxable", True)] or lines
    weights = [order_math.line_gross(li) - order_math.line_discount(li) for li in taxable]
    for tax in order_taxes:
        total = _tax_price(tax, sum(weights, order_math.ZERO))
        for line, share in zip(taxable, order_math.allocate(total, weights), strict=True):
            line["tax_lines"].append(
                {
                    "title": tax["title"],
                    "rate": str(tax["rate"]),
                    "price": money(share),
                    "channel_liable": False,
                }
            )


def _shipping_lines(store: ShopStore, shipping_input: list[dict[str, Any]] | None) -> list[Record]:
    lines = []
    for data in shipping_input or []:
        price = _amount(data["priceSet"]) or order_math.ZERO
        line = {
            "id": store.new_id(),
            "title": data["title"],
            "code": data.get("code"),
            "source": data.get("source"),
            "price": money(price),
            "discount_allocations": [],
        }
        line["tax_lines"] = [
            {
                "title": t["title"],
                "rate": str(t["rate"]),
                "price": money(_tax_price(t, price)),
                "channel_liable": False,
            }
            for t in data.get("taxLines") or []
        ]
        lines.append(line)
    return lines


def _transactions(store: ShopStore, order: Record, data: dict[str, Any]) -> list[Record]:
    now = store.now()
    given = data.get("transactions") or []
    transactions = [
        {
            "id": store.new_id(),
            "kind": str(t.get("kind") or "SALE").lower(),
            "status": str(t.get("status") or "SUCCESS").lower(),
            "gateway": t.get("gateway") or "manual",
            "amount": money(_amount(t["amountSet"]) or 0),
            "test": bool(t.get("test")),
            "created_at": now,
            "processed_at": t.get("processedAt") or now,
            "parent_id": None,
        }
        for t in given
    ]
    status = str(data.get("financialStatus") or "").upper()
    if not given and status in ("PAID", "AUTHORIZED"):
        total = order_math.totals(order).total
        kind = "sale" if status == "PAID" else "authorization"
        transactions.append(
            {
                "id": store.new_id(),
                "kind": kind,
                "status": "success",
                "gateway": "manual",
                "amount": money(total),
                "test": False,
                "created_at": now,
                "processed_at": now,
                "parent_id": None,
            }
        )
    return transactions


def _purchaser(
    store: ShopStore, ctx: ResolveContext, data: dict[str, Any]
) -> tuple[int | None, Record | None]:
    """The customer id and the B2B company reference ({id, location_id, contact_id}) of a new order."""
    company_ref = None
    entity = data.get("purchasingEntity") or {}
    purchasing = entity.get("purchasingCompany")
    location_gid = (purchasing or {}).get("companyLocationId") or data.get("companyLocationId")
    if location_gid:
        location = store.get("company_locations", maybe_number(location_gid, "CompanyLocation"))
        if location is None:
            raise OrderInputError(
                "Company location does not exist", ["order", "companyLocationId"], "INVALID"
            )
        contact_id = maybe_number((purchasing or {}).get("companyContactId"), "CompanyContact")
        company = store.tables["companies"][location["company_id"]]
        contact_id = contact_id or company.get("main_contact_id")
        company_ref = {"id": company["id"], "location_id": location["id"], "contact_id": contact_id}
    customer_id = maybe_number(entity.get("customerId") or data.get("customerId"), "Customer")
    customer_input = data.get("customer") or {}
    if customer_input.get("toAssociate"):
        associate = customer_input["toAssociate"]
        if associate.get("id"):
            customer_id = maybe_number(associate["id"], "Customer")
        elif associate.get("email"):
            found = next((c for c in store.rows("customers") if c.get("email") == associate["email"]), None)
            customer_id = found["id"] if found else None
        if customer_id is None or store.get("customers", customer_id) is None:
            raise OrderInputError(
                "Customer does not exist", ["order", "customer", "toAssociate"], "CUSTOMER_DOES_NOT_EXIST"
            )
    elif customer_input.get("toUpsert"):
        upsert = customer_input["toUpsert"]
        customer_id = find_or_create_customer(
            ctx,
            {
                "email": upsert.get("email"),
                "first_name": upsert.get("firstName"),
                "last_name": upsert.get("lastName"),
                "phone": upsert.get("phone"),
            },
        )["id"]
    elif customer_id is not None and store.get("customers", customer_id) is None:
        raise OrderInputError("Customer does not exist", ["order", "customerId"], "CUSTOMER_DOES_NOT_EXIST")
    if customer_id is None and company_ref and company_ref["contact_id"]:
        contact = store.get("company_contacts", company_ref["contact_id"])
        customer_id = contact["customer_id"] if contact else None
    if customer_id is None and data.get("email"):
        found = next((c for c in store.rows("customers") if c.get("email") == data["email"]), None)
        customer_id = found["id"] if found else None
    return customer_id, company_ref


def _assign_locations(store: ShopStore, order: Record) -> dict[int, list[Record]]:
    """Route each shipped line to the first active location with stock for it (else the primary one)."""
    locations = sorted(
        (loc for loc in store.rows("locations") if loc.get("active", True)), key=lambda loc: loc["id"]
    )
    primary = locations[0]["id"] if locations else 0
    routed: dict[int, list[Record]] = {}
    for line in order["line_items"]:
        chosen = primary
        item_id = line.get("inventory_item_id")
        for location in locations:
            level = store.inventory_level(item_id, location["id"]) if item_id else None
            if level is not None and quantity(level, "available") >= line["quantity"]:
                chosen = location["id"]
                break
        line["location_id"] = chosen
        routed.setdefault(chosen, []).append(line)
    return routed


def _create_fulfillment_orders(store: ShopStore, order: Record, routed: dict[int, list[Record]]) -> None:
    for location_id, lines in routed.items():
        fo_lines = [fulfillment_order_line(store, li["id"], li["quantity"]) for li in lines]
        add_fulfillment_order(store, order["id"], location_id, fo_lines)


def fulfillment_order_line(store: ShopStore, line_item_id: int, units: int) -> Record:
    """``units`` of an order line to ship, none shipped yet."""
    return {
        "id": store.new_id(),
        "line_item_id": line_item_id,
        "total_quantity": units,
        "remaining_quantity": units,
    }


def add_fulfillment_order(
    store: ShopStore, order_id: int, location_id: int | None, lines: list[Record]
) -> None:
    """A new open fulfillment order of ``lines`` at ``location_id`` (at orderCreate, or for an order edit)."""
    store.add(
        "fulfillment_orders",
        {
            "order_id": order_id,
            "location_id": location_id,
            "status": "open",
            "request_status": "unsubmitted",
            "line_items": lines,
        },
    )


def _decrement_inventory(ctx: ResolveContext, order: Record, obey_policy: bool) -> None:
    store = ctx.store
    touched = []
    for line in order["line_items"]:
        if not line.get("inventory_item_id"):
            continue
        level = ensure_level(store, line["inventory_item_id"], line["location_id"])
        variant = store.tables["variants"].get(line["variant_id"])
        if (
            obey_policy
            and variant
            and variant.get("inventory_policy", "deny") == "deny"
            and quantity(level, "available") < line["quantity"]
        ):
            raise OrderInputError(
                f"{line['name']} is not available in the requested quantity",
                ["order", "lineItems"],
                "INVENTORY_NOT_AVAILABLE",
            )
        touched.append((level, line["quantity"]))
    for level, amount in touched:
        level["quantities"]["available"] = quantity(level, "available") - amount
        level["quantities"]["committed"] = quantity(level, "committed") + amount
        store.touch(level)
        ctx.emit(store, "inventory_levels/update", rest.inventory_level(level))
    order["inventory_decremented"] = True


def order_create(
    ctx: ResolveContext, order: dict[str, Any], options: dict[str, Any] | None = None
) -> Payload:
    store, data = ctx.store, order
    try:
        customer_id, company_ref = _purchaser(store, ctx, data)
        record = _new_order(store, data, customer_id, company_ref)
        routed = _assign_locations(store, record)
        behaviour = str((options or {}).get("inventoryBehaviour") or "BYPASS").upper()
        if behaviour.startswith("DECREMENT"):
            _decrement_inventory(ctx, record, obey_policy=behaviour == "DECREMENT_OBEYING_POLICY")
    except OrderInputError as problem:
        return {"order": None, "userErrors": [problem.error]}
    store.add("orders", record)
    _create_fulfillment_orders(store, record, routed)
    ctx.emit(store, "orders/create", rest.order(store, record))
    if order_math.financial_status(record) == "paid":
        ctx.emit(store, "orders/paid", rest.order(store, record))
    if str(data.get("fulfillmentStatus") or "").upper() == "FULFILLED":
        # historical imports: the order arrives already shipped
        fulfill_everything(ctx, record)
    return {"order": ref("orders", record["id"]), "userErrors": []}


def _new_order(
    store: ShopStore, data: dict[str, Any], customer_id: int | None, company_ref: Record | None
) -> Record:
    customer = store.get("customers", customer_id)
    shipping = snake_address(data.get("shippingAddress"))
    if shipping is None and company_ref:
        shipping = (
            dict(store.tables["company_locations"][company_ref["location_id"]].get("shipping_address") or {})
            or None
        )
    if shipping is None and customer and customer.get("addresses"):
        shipping = dict(customer["addresses"][0])
    now = store.now()
    record: Record = {
        "id": store.new_id(),
        "number": store.next_order_number,
        "token": secrets.token_hex(16),
        "confirmation_number": secrets.token_hex(4).upper(),
        "email": data.get("email") or (customer or {}).get("email"),
        "phone": data.get("phone"),
        "note": data.get("note"),
        "tags": sorted({t.strip() for t in data.get("tags") or [] if t.strip()}),
        "test": bool(data.get("test")),
        "taxes_included": bool(data.get("taxesIncluded")),
        "source_name": data.get("sourceName") or "erpsync-sandbox",
        "po_number": data.get("poNumber"),
        "customer_id": customer_id,
        "company": company_ref,
        "shipping_address": shipping,
        "billing_address": snake_address(data.get("billingAddress"))
        or (dict(shipping) if shipping else None),
        "line_items": _line_items(store, data["lineItems"]),
        "shipping_lines": _shipping_lines(store, data.get("shippingLines")),
        "processed_at": data.get("processedAt") or now,
        "created_at": now,
        "updated_at": now,
        "closed_at": None,
        "cancelled_at": None,
        "cancel_reason": None,
    }
    record["name"] = f"#{record['number']}"
    _apply_discount(store, record, data.get("discountCode"))
    _apply_taxes(record, data.get("taxLines") or [])
    record["transactions"] = _transactions(store, record, data)
    store.next_order_number += 1
    return record


# ---------------------------------------------------------------------- changing an order


def _order(store: ShopStore, order_gid: str) -> Record | None:
    return store.get("orders", maybe_number(order_gid, "Order"))


def order_update(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    order = _order(ctx.store, input["id"])
    if order is None:
        return {"order": None, "userErrors": [user_error("Order does not exist", ["id"])]}
    for key, field in (("email", "email"), ("note", "note"), ("poNumber", "po_number"), ("phone", "phone")):
        if key in input:
            order[field] = input[key]
    if input.get("tags") is not None:
        order["tags"] = sorted({t.strip() for t in input["tags"] if t.strip()})
    if input.get("shippingAddress") is not None:
        order["shipping_address"] = snake_address(input["shippingAddress"])
    order_updated(ctx, order)
    return {"order": ref("orders", order["id"]), "userErrors": []}


def order_cancel(
    ctx: ResolveContext,
    orderId: str,
    reason: str,
    refund: bool,
    restock: bool,
    notifyCustomer: bool = False,
    staffNote: str | None = None,
) -> Payload:
    store = ctx.store
    order = _order(store, orderId)
    if order is None:
        return _cancel_error("Order does not exist", "NOT_FOUND")
    if order.get("cancelled_at"):
        return _cancel_error("Order has already been cancelled", "INVALID")
    if any(line.get("fulfilled_quantity", 0) for line in order["line_items"]):
        return _cancel_error(
            "Cannot cancel an order with fulfilled items; cancel the fulfillments first", "INVALID"
        )
    now = store.now()
    order.update(
        {"cancelled_at": now, "closed_at": now, "cancel_reason": reason.lower(), "staff_note": staffNote}
    )
    _release_unfulfilled(ctx, order, restock)
    if refund:
        _refund_received(store, order)
    order_updated(ctx, order)
    ctx.emit(store, "orders/cancelled", rest.order(store, order))
    return {
        "job": {"id": gid("Job", store.new_id()), "done": True},
        "orderCancelUserErrors": [],
        "userErrors": [],
    }


def _cancel_error(message: str, code: str) -> Payload:
    return {
        "job": None,
        "orderCancelUserErrors": [user_error(message, ["orderId"], code)],
        "userErrors": [user_error(message, ["orderId"])],
    }


def _release_unfulfilled(ctx: ResolveContext, order: Record, restock: bool) -> None:
    store = ctx.store
    for fulfillment_order in store.rows("fulfillment_orders"):
        if fulfillment_order["order_id"] != order["id"]:
            continue
        fulfillment_order["status"] = "cancelled"
        store.touch(fulfillment_order)
    for line in order["line_items"]:
        open_quantity = order_math.fulfillable_quantity(line)
        line["removed_quantity"] = line.get("removed_quantity", 0) + open_quantity
        if order.get("inventory_decremented") and line.get("inventory_item_id") and open_quantity:
            level = ensure_level(store, line["inventory_item_id"], line["location_id"])
            level["quantities"]["committed"] = quantity(level, "committed") - open_quantity
            if restock:
                level["quantities"]["available"] = quantity(level, "available") + open_quantity
            store.touch(level)
            ctx.emit(store, "inventory_levels/update", rest.inventory_level(level))


def _refund_received(store: ShopStore, order: Record) -> None:
    amounts = order_math.totals(order)
    refundable = amounts.received - amounts.refunded
    if refundable <= 0:
        return
    sale = next((t for t in order["transactions"] if t["kind"] in ("sale", "capture")), None)
    now = store.now()
    order["transactions"].append(
        {
            "id": store.new_id(),
            "kind": "refund",
            "status": "success",
            "gateway": sale["gateway"] if sale else "manual",
            "amount": money(refundable),
            "test": False,
            "created_at": now,
            "processed_at": now,
            "parent_id": sale["id"] if sale else None,
        }
    )


def order_close(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    order = _order(ctx.store, input["id"])
    if order is None:
        return {"order": None, "userErrors": [user_error("Order does not exist", ["id"])]}
    order["closed_at"] = order.get("closed_at") or ctx.store.now()
    order_updated(ctx, order)
    return {"order": ref("orders", order["id"]), "userErrors": []}


def order_open(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    order = _order(ctx.store, input["id"])
    if order is None:
        return {"order": None, "userErrors": [user_error("Order does not exist", ["id"])]}
    if order.get("cancelled_at"):
        return {
            "order": ref("orders", order["id"]),
            "userErrors": [user_error("Cancelled orders cannot be reopened", ["id"])],
        }
    order["closed_at"] = None
    order_updated(ctx, order)
    return {"order": ref("orders", order["id"]), "userErrors": []}


MUTATIONS: dict[str, MutationResolver] = {
    "orderCreate": order_create,
    "orderUpdate": order_update,
    "orderCancel": order_cancel,
    "orderClose": order_close,
    "orderOpen": order_open,
}
