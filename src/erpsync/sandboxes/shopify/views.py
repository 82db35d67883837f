"""Store records seen through the GraphQL schema: each view is a dict keyed by Shopify's field names.

Fields with arguments (connections, ``quantities(names:)``) are callables ``(info, **args)``, which
graphql-core's default resolver calls; so a view costs nothing until the client selects the field.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from erpsync.sandboxes.shopify import journeys, metafields, order_math, price_list_views
from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import gid, maybe_number
from erpsync.sandboxes.shopify.paging import connection
from erpsync.sandboxes.shopify.return_views import return_view, returns_of
from erpsync.sandboxes.shopify.search import search
from erpsync.sandboxes.shopify.store import Record, money

View = dict[str, Any]

# quantity names of an inventory level (https://shopify.dev/docs/apps/build/orders-fulfillment/inventory-management-apps/manage-quantities-states)
ON_HAND_PARTS = ("available", "committed", "reserved", "damaged", "safety_stock", "quality_control")
QUANTITY_NAMES = (*ON_HAND_PARTS, "incoming", "on_hand")


def quantity(level: Record, name: str) -> int:
    quantities = level["quantities"]
    if name == "on_hand":
        return sum(int(quantities.get(part, 0)) for part in ON_HAND_PARTS)
    return int(quantities.get(name, 0))


class Views:
    def __init__(self, ctx: ResolveContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    # ------------------------------------------------------------------ helpers
    def page(
        self,
        rows: list[Record],
        view: Callable[[Record], View],
        args: dict[str, Any],
        sort_key: Callable[[Record], Any] | None = None,
    ) -> View:
        return connection(
            rows,
            view,
            first=args.get("first"),
            after=args.get("after"),
            last=args.get("last"),
            before=args.get("before"),
            reverse=bool(args.get("reverse")),
            sort_key=sort_key,
            unlimited=self.ctx.unlimited,
        )

    def money(self, amount: Decimal | str) -> View:
        return {"amount": money(amount), "currencyCode": self.store.currency}

    def bag(self, amount: Decimal | str) -> View:
        return {"shopMoney": self.money(amount), "presentmentMoney": self.money(amount)}

    def count(self, number: int) -> View:
        return {"count": number, "precision": "EXACT"}

    # ------------------------------------------------------------------ shop
    def shop(self) -> View:
        store = self.store
        return {
            "__typename": "Shop",
            "id": gid("Shop", 1),
            "name": store.name,
            "email": f"owner@{store.domain}",
            "myshopifyDomain": store.domain,
            "currencyCode": store.currency,
            "ianaTimezone": "UTC",
            "weightUnit": "KILOGRAMS",
            "plan": {
                "displayName": {"plus": "Shopify Plus", "advanced": "Advanced"}.get(store.plan, "Basic"),
                "partnerDevelopment": False,
                "shopifyPlus": store.plan == "plus",
            },
            "primaryDomain": {"host": store.domain, "url": f"https://{store.domain}"},
            "enabledPresentmentCurrencies": [store.currency],
            "taxesIncluded": False,
        }

    # ------------------------------------------------------------------ locations and inventory
    def location(self, record: Record) -> View:
        def levels() -> list[Record]:
            return [lv for lv in self.store.rows("inventory_levels") if lv["location_id"] == record["id"]]

        return {
            "__typename": "Location",
            "id": gid("Location", record["id"]),
            "legacyResourceId": record["id"],
            "name": record["name"],
            "isActive": record.get("active", True),
            "fulfillsOnlineOrders": record.get("fulfills_online_orders", True),
            "address": {
                "address1": record.get("address1"),
                "address2": record.get("address2"),
                "city": record.get("city"),
                "province": record.get("province"),
                "provinceCode": record.get("province_code"),
                "country": record.get("country"),
                "countryCode": record.get("country_code"),
                "zip": record.get("zip"),
                "phone": record.get("phone"),
            },
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "inventoryLevels": lambda _info, **args: self.page(
                search(levels(), args.get("query"), level_search_fields), self.inventory_level, args
            ),
            "inventoryLevel": lambda _info, inventoryItemId: self._level_or_none(
                maybe_number(inventoryItemId, "InventoryItem"), record["id"]
            ),
        }

    def _level_or_none(self, item_id: int | None, location_id: int | None) -> View | None:
        if item_id is None or location_id is None:
            return None
        level = self.store.inventory_level(item_id, location_id)
        return self.inventory_level(level) if level else None

    def inventory_level(self, level: Record) -> View:
        return {
            "__typename": "InventoryLevel",
            "id": f"{gid('InventoryLevel', level['id'])}?inventory_item_id={level['inventory_item_id']}",
            "item": lambda _info: self.inventory_item(
                self.store.tables["inventory_items"][level["inventory_item_id"]]
            ),
            "location": lambda _info: self.location(self.store.tables["locations"][level["location_id"]]),
            "quantities": lambda _info, names: [
                {
                    "id": f"{gid('InventoryQuantity', level['id'])}?name={name}",
                    "name": name,
                    "quantity": quantity(level, name),
                    "updatedAt": level["updated_at"],
                }
                for name in names
                if name in QUANTITY_NAMES
            ],
            "canDeactivate": quantity(level, "committed") == 0,
            "createdAt": level["created_at"],
            "updatedAt": level["updated_at"],
        }

    def inventory_item(self, record: Record) -> View:
        def levels() -> list[Record]:
            return [
                lv for lv in self.store.rows("inventory_levels") if lv["inventory_item_id"] == record["id"]
            ]

        variant = self.store.get("variants", record.get("variant_id"))
        return {
            "__typename": "InventoryItem",
            "id": gid("InventoryItem", record["id"]),
            "legacyResourceId": record["id"],
            "sku": record.get("sku"),
            "tracked": record.get("tracked", True),
            "requiresShipping": record.get("requires_shipping", True),
            "unitCost": self.money(record["cost"]) if record.get("cost") is not None else None,
            "countryCodeOfOrigin": record.get("country_code_of_origin"),
            "harmonizedSystemCode": record.get("harmonized_system_code"),
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "variant": (lambda _info: self.variant(variant)) if variant else None,
            "inventoryLevels": lambda _info, **args: self.page(
                search(levels(), args.get("query"), level_search_fields), self.inventory_level, args
            ),
            "inventoryLevel": lambda _info, locationId: self._level_or_none(
                record["id"], maybe_number(locationId, "Location")
            ),
        }

    def adjustment_group(self, record: Record) -> View:
        def changes(_info: Any, **args: Any) -> list[View]:
            names = args.get("quantityNames")
            items = {maybe_number(i, "InventoryItem") for i in args.get("inventoryItemIds") or []}
            locations = {maybe_number(i, "Location") for i in args.get("locationIds") or []}
            return [
                {
                    "name": change["name"],
                    "delta": change["delta"],
                    "quantityAfterChange": change.get("quantity_after_change"),
                    "item": self._item_view(change["inventory_item_id"]),
                    "location": self._location_view(change["location_id"]),
                    "ledgerDocumentUri": change.get("ledger_document_uri"),
                }
                for change in record["changes"]
                if (not names or change["name"] in names)
                and (not items or change["inventory_item_id"] in items)
                and (not locations or change["location_id"] in locations)
            ]

        return {
            "__typename": "InventoryAdjustmentGroup",
            "id": gid("InventoryAdjustmentGroup", record["id"]),
            "createdAt": record["created_at"],
            "reason": record["reason"],
            "referenceDocumentUri": record.get("reference_document_uri"),
            "changes": changes,
        }

    def _item_view(self, item_id: int) -> View | None:
        item = self.store.get("inventory_items", item_id)
        return self.inventory_item(item) if item else None

    def _location_view(self, location_id: int | None) -> View | None:
        location = self.store.get("locations", location_id)
        return self.location(location) if location else None

    # ------------------------------------------------------------------ products
    def product(self, record: Record) -> View:
        def variants() -> list[Record]:
            return [self.store.tables["variants"][v] for v in record["variant_ids"]]

        def collections() -> list[Record]:
            return [c for c in self.store.rows("collections") if record["id"] in c.get("product_ids", [])]

        return {
            "__typename": "Product",
            "id": gid("Product", record["id"]),
            "legacyResourceId": record["id"],
            "title": record["title"],
            "handle": record["handle"],
            "descriptionHtml": record.get("body_html") or "",
            "vendor": record.get("vendor") or "",
            "productType": record.get("product_type") or "",
            "status": record["status"].upper(),
            "tags": list(record.get("tags", [])),
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "publishedAt": record.get("published_at"),
            "totalInventory": product_total_inventory(self.store, record),
            "tracksInventory": True,
            "options": lambda _info, **_args: [
                {
                    "__typename": "ProductOption",
                    "id": gid("ProductOption", option["id"]),
                    "name": option["name"],
                    "position": option["position"],
                    "values": list(option["values"]),
                    "optionValues": [
                        {"id": gid("ProductOptionValue", option["id"] * 1000 + i), "name": value}
                        for i, value in enumerate(option["values"])
                    ],
                }
                for option in record.get("options", [])
            ],
            "variants": lambda _info, **args: self.page(
                variants(), self.variant, args, variant_sort_key(args.get("sortKey") or "POSITION")
            ),
            "variantsCount": self.count(len(record["variant_ids"])),
            "collections": lambda _info, **args: self.page(collections(), self.collection, args),
        }

    def variant(self, record: Record) -> View:
        product = self.store.tables["products"][record["product_id"]]
        options = product.get("options", [])
        item = self.store.tables["inventory_items"][record["inventory_item_id"]]
        return {
            "__typename": "ProductVariant",
            "id": gid("ProductVariant", record["id"]),
            "legacyResourceId": record["id"],
            "title": record["title"],
            "displayName": f"{product['title']} - {record['title']}",
            "sku": record.get("sku"),
            "barcode": record.get("barcode"),
            "price": record["price"],
            "compareAtPrice": record.get("compare_at_price"),
            "position": record["position"],
            "inventoryQuantity": variant_available(self.store, record),
            "inventoryPolicy": record.get("inventory_policy", "deny").upper(),
            "taxable": record.get("taxable", True),
            "selectedOptions": [
                {"name": option["name"], "value": value}
                for option, value in zip(options, record.get("option_values", []), strict=False)
            ],
            "product": lambda _info: self.product(product),
            "inventoryItem": lambda _info: self.inventory_item(item),
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
        }

    def collection(self, record: Record) -> View:
        def products() -> list[Record]:
            return [self.store.tables["products"][p] for p in record.get("product_ids", [])]

        return {
            "__typename": "Collection",
            "id": gid("Collection", record["id"]),
            "legacyResourceId": record["id"],
            "title": record["title"],
            "handle": record["handle"],
            "description": record.get("body_html") or "",
            "updatedAt": record["updated_at"],
            "products": lambda _info, **args: self.page(products(), self.product, args),
            "productsCount": self.count(len(record.get("product_ids", []))),
        }

    # ------------------------------------------------------------------ customers and B2B
    def address(self, address: Record | None) -> View | None:
        if not address:
            return None
        return {
            "id": gid("MailingAddress", address["id"]) if address.get("id") else None,
            "firstName": address.get("first_name"),
            "lastName": address.get("last_name"),
            "name": address.get("name")
            or " ".join(p for p in (address.get("first_name"), address.get("last_name")) if p),
            "company": address.get("company"),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "province": address.get("province"),
            "provinceCode": address.get("province_code"),
            "country": address.get("country"),
            "countryCodeV2": address.get("country_code"),
            "zip": address.get("zip"),
            "phone": address.get("phone"),
        }

    def customer(self, record: Record) -> View:
        def orders() -> list[Record]:
            return [o for o in self.store.rows("orders") if o.get("customer_id") == record["id"]]

        addresses = record.get("addresses", [])
        default = next((a for a in addresses if a.get("default")), addresses[0] if addresses else None)
        spent = sum((order_math.totals(o).current_total for o in orders()), order_math.ZERO)
        return {
            "__typename": "Customer",
            "id": gid("Customer", record["id"]),
            "legacyResourceId": record["id"],
            "firstName": record.get("first_name"),
            "lastName": record.get("last_name"),
            "displayName": " ".join(p for p in (record.get("first_name"), record.get("last_name")) if p)
            or record.get("email")
            or "",
            "email": record.get("email"),
            "phone": record.get("phone"),
            "note": record.get("note"),
            "tags": list(record.get("tags", [])),
            "state": record.get("state", "enabled").upper(),
            "verifiedEmail": record.get("verified_email", True),
            "taxExempt": record.get("tax_exempt", False),
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "numberOfOrders": len(orders()),
            "amountSpent": self.money(spent),
            "defaultAddress": self.address(default),
            "addresses": lambda _info, **_args: [self.address(a) for a in addresses],
            "orders": lambda _info, **args: self.page(
                search(orders(), args.get("query"), order_search_fields), self.order, args
            ),
            "companyContactProfiles": [
                self.company_contact(c)
                for c in self.store.rows("company_contacts")
                if c["customer_id"] == record["id"]
            ],
            **metafields.owner_fields(record, self.page),
        }

    def company(self, record: Record) -> View:
        def contacts() -> list[Record]:
            return [c for c in self.store.rows("company_contacts") if c["company_id"] == record["id"]]

        def locations() -> list[Record]:
            return [c for c in self.store.rows("company_locations") if c["company_id"] == record["id"]]

        def orders() -> list[Record]:
            return [
                o for o in self.store.rows("orders") if (o.get("company") or {}).get("id") == record["id"]
            ]

        main = self.store.get("company_contacts", record.get("main_contact_id"))
        return {
            "__typename": "Company",
            "id": gid("Company", record["id"]),
            "name": record["name"],
            "externalId": record.get("external_id"),
            "note": record.get("note"),
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "mainContact": (lambda _info: self.company_contact(main)) if main else None,
            "contacts": lambda _info, **args: self.page(contacts(), self.company_contact, args),
            "locations": lambda _info, **args: self.page(locations(), self.company_location, args),
            "orders": lambda _info, **args: self.page(orders(), self.order, args),
            "contactsCount": self.count(len(contacts())),
            "locationsCount": self.count(len(locations())),
        }

    def company_contact(self, record: Record) -> View:
        return {
            "__typename": "CompanyContact",
            "id": gid("CompanyContact", record["id"]),
            "customer": lambda _info: self.customer(self.store.tables["customers"][record["customer_id"]]),
            "company": lambda _info: self.company(self.store.tables["companies"][record["company_id"]]),
            "isMainContact": record.get("is_main_contact", False),
            "title": record.get("title"),
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
        }

    def company_address(self, address: Record | None, company_name: str) -> View | None:
        if not address:
            return None
        return {
            "__typename": "CompanyAddress",
            "id": gid("CompanyAddress", address["id"]),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "province": address.get("province"),
            "zoneCode": address.get("zone_code"),
            "countryCode": address.get("country_code") or "US",
            "zip": address.get("zip"),
            "recipient": address.get("recipient"),
            "companyName": company_name,
            "phone": address.get("phone"),
        }

    def company_location(self, record: Record) -> View:
        company = self.store.tables["companies"][record["company_id"]]

        def orders() -> list[Record]:
            return [
                o
                for o in self.store.rows("orders")
                if (o.get("company") or {}).get("location_id") == record["id"]
            ]

        return {
            "__typename": "CompanyLocation",
            "id": gid("CompanyLocation", record["id"]),
            "name": record["name"],
            "externalId": record.get("external_id"),
            "company": lambda _info: self.company(company),
            "billingAddress": self.company_address(record.get("billing_address"), company["name"]),
            "shippingAddress": self.company_address(record.get("shipping_address"), company["name"]),
            "taxExemptions": list(record.get("tax_exemptions", [])),
            "taxRegistrationId": record.get("tax_registration_id"),
            "buyerExperienceConfiguration": self.buyer_experience(record.get("payment_terms")),
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "orders": lambda _info, **args: self.page(orders(), self.order, args),
            "catalogs": lambda _info, **args: self.page(
                price_list_views.catalogs_of_location(self.store, record["id"]), self.catalog, args
            ),
        }

    # ------------------------------------------------------------------ B2B price lists (price_list_views.py)
    def price_list(self, record: Record) -> View:
        return price_list_views.price_list(self, record)

    def price_list_price(self, record: Record) -> View:
        return price_list_views.price_list_price(self, record)

    def catalog(self, record: Record) -> View:
        return price_list_views.catalog(self, record)

    def buyer_experience(self, terms: Record | None) -> View:
        """A location's checkout settings; ``terms`` is ``{"id", "name", "type", "due_in_days"}`` or None."""
        template = None
        if terms:
            template = {
                "__typename": "PaymentTermsTemplate",
                "id": gid("PaymentTermsTemplate", terms["id"]),
                "name": terms["name"],
                "paymentTermsType": terms["type"],
                "dueInDays": terms.get("due_in_days"),
                "description": f"Within {terms['due_in_days']} days" if terms.get("due_in_days") else "",
                "translatedName": terms["name"],
            }
        return {"checkoutToDraft": False, "editableShippingAddress": False, "paymentTermsTemplate": template}

    # ------------------------------------------------------------------ discounts
    def discount_node(self, record: Record) -> View:
        if record["value_type"] == "percentage":
            value: View = {"__typename": "DiscountPercentage", "percentage": float(record["value"])}
        else:
            value = {
                "__typename": "DiscountAmount",
                "amount": self.money(record["value"]),
                "appliesOnEachItem": record.get("applies_on_each_item", False),
            }
        codes = [{"id": gid("DiscountRedeemCode", record["code_id"]), "code": record["code"]}]
        status = discount_status(record, self.store.now())
        return {
            "__typename": "DiscountCodeNode",
            "id": gid("DiscountCodeNode", record["id"]),
            "codeDiscount": {
                "__typename": "DiscountCodeBasic",
                "title": record["title"],
                "summary": discount_summary(record, self.store.currency),
                "status": status,
                "startsAt": record["starts_at"],
                "endsAt": record.get("ends_at"),
                "usageLimit": record.get("usage_limit"),
                "appliesOncePerCustomer": record.get("applies_once_per_customer", False),
                "asyncUsageCount": record.get("usage_count", 0),
                "customerGets": {"value": value},
                "codes": lambda _info, **args: self.page(
                    codes,
                    lambda c: {**c, "asyncUsageCount": record.get("usage_count", 0)},
                    args,
                    lambda c: [c["code"]],
                ),
                "codesCount": self.count(1),
                "createdAt": record["created_at"],
                "updatedAt": record["updated_at"],
            },
        }

    # ------------------------------------------------------------------ orders
    def tax_line(self, tax: Record) -> View:
        return {
            "title": tax["title"],
            "rate": float(tax["rate"]),
            "ratePercentage": float(tax["rate"]) * 100,
            "priceSet": self.bag(tax["price"]),
            "channelLiable": tax.get("channel_liable", False),
        }

    def discount_application(self, application: Record, index: int) -> View:
        if application["value_type"] == "percentage":
            value: View = {"__typename": "PricingPercentageValue", "percentage": float(application["value"])}
        else:
            value = {"__typename": "MoneyV2", **self.money(application["value"])}
        return {
            "__typename": "DiscountCodeApplication",
            "allocationMethod": application["allocation_method"].upper(),
            "index": index,
            "targetSelection": application["target_selection"].upper(),
            "targetType": application["target_type"].upper(),
            "value": value,
            "code": application.get("code", ""),
        }

    def line_item(self, order: Record, line: Record) -> View:
        variant = self.store.get("variants", line.get("variant_id"))
        product = self.store.get("products", line.get("product_id"))
        discount = order_math.line_discount(line)
        gross = order_math.line_gross(line)
        ordered = order_math.ordered_quantity(line)
        unit_discounted = (gross - discount) / ordered if ordered else order_math.ZERO
        applications = order.get("discount_applications", [])
        return {
            "__typename": "LineItem",
            "id": gid("LineItem", line["id"]),
            "title": line["title"],
            "name": line.get("name") or line["title"],
            "variantTitle": line.get("variant_title"),
            "sku": line.get("sku"),
            "vendor": line.get("vendor"),
            "quantity": line["quantity"],
            "currentQuantity": order_math.current_quantity(line),
            "unfulfilledQuantity": order_math.fulfillable_quantity(line),
            "refundableQuantity": order_math.refundable_quantity(line),
            "requiresShipping": line.get("requires_shipping", True),
            "taxable": line.get("taxable", True),
            "variant": (lambda _info: self.variant(variant)) if variant else None,
            "product": (lambda _info: self.product(product)) if product else None,
            "originalUnitPriceSet": self.bag(line["price"]),
            "discountedUnitPriceSet": self.bag(unit_discounted),
            "originalTotalSet": self.bag(gross),
            "discountedTotalSet": self.bag(gross - discount),
            "totalDiscountSet": self.bag(discount),
            "taxLines": lambda _info, **_args: [self.tax_line(t) for t in line.get("tax_lines", [])],
            "discountAllocations": [
                {
                    "allocatedAmountSet": self.bag(a["amount"]),
                    "discountApplication": self.discount_application(
                        applications[a["discount_application_index"]], a["discount_application_index"]
                    ),
                }
                for a in line.get("discount_allocations", [])
                if a["discount_application_index"] < len(applications)
            ],
        }

    def shipping_line(self, shipping: Record) -> View:
        discounted = order_math.dec(shipping["price"]) - order_math.shipping_discount(shipping)
        return {
            "id": gid("ShippingLine", shipping["id"]),
            "title": shipping["title"],
            "code": shipping.get("code"),
            "source": shipping.get("source"),
            "originalPriceSet": self.bag(shipping["price"]),
            "discountedPriceSet": self.bag(discounted),
            "taxLines": [self.tax_line(t) for t in shipping.get("tax_lines", [])],
        }

    def transaction(self, transaction: Record, order: Record) -> View:
        parent = next(
            (t for t in order.get("transactions", []) if t["id"] == transaction.get("parent_id")), None
        )
        return {
            "__typename": "OrderTransaction",
            "id": gid("OrderTransaction", transaction["id"]),
            "kind": transaction["kind"].upper(),
            "status": transaction["status"].upper(),
            "gateway": transaction.get("gateway"),
            "test": transaction.get("test", False),
            "amountSet": self.bag(transaction["amount"]),
            "processedAt": transaction.get("processed_at"),
            "createdAt": transaction["created_at"],
            "parentTransaction": (lambda _info: self.transaction(parent, order)) if parent else None,
        }

    def order(self, record: Record) -> View:
        amounts = order_math.totals(record)
        customer = self.store.get("customers", record.get("customer_id"))
        lines = record.get("line_items", [])

        def fulfillment_orders() -> list[Record]:
            return [fo for fo in self.store.rows("fulfillment_orders") if fo["order_id"] == record["id"]]

        fulfillments = [f for f in self.store.rows("fulfillments") if f["order_id"] == record["id"]]
        refunds = [r for r in self.store.rows("refunds") if r["order_id"] == record["id"]]
        applications = record.get("discount_applications", [])
        financial = order_math.financial_status(record)
        return {
            "__typename": "Order",
            "id": gid("Order", record["id"]),
            "legacyResourceId": record["id"],
            "name": record["name"],
            "number": record["number"],
            "email": record.get("email"),
            "phone": record.get("phone"),
            "note": record.get("note"),
            "tags": list(record.get("tags", [])),
            "test": record.get("test", False),
            "confirmed": True,
            "closed": record.get("closed_at") is not None,
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "processedAt": record["processed_at"],
            "closedAt": record.get("closed_at"),
            "cancelledAt": record.get("cancelled_at"),
            "cancelReason": record["cancel_reason"].upper() if record.get("cancel_reason") else None,
            "currencyCode": self.store.currency,
            "presentmentCurrencyCode": record.get("presentment_currency") or self.store.currency,
            "taxesIncluded": record.get("taxes_included", False),
            "displayFinancialStatus": financial.upper(),
            "displayFulfillmentStatus": order_math.display_fulfillment_status(record),
            "sourceName": record.get("source_name"),
            "customerJourneySummary": journeys.summary(record),
            "poNumber": record.get("po_number"),
            "subtotalPriceSet": self.bag(amounts.subtotal),
            "totalPriceSet": self.bag(amounts.total),
            "totalTaxSet": self.bag(amounts.tax),
            "totalDiscountsSet": self.bag(amounts.discounts),
            "totalShippingPriceSet": self.bag(amounts.shipping),
            "totalRefundedSet": self.bag(amounts.refunded),
            "currentTotalPriceSet": self.bag(amounts.current_total),
            "currentSubtotalPriceSet": self.bag(amounts.subtotal),
            "currentTotalTaxSet": self.bag(amounts.tax),
            "currentTotalDiscountsSet": self.bag(amounts.discounts),
            # the total as placed: order edits (order_edits.py) keep it when they change the total
            "originalTotalPriceSet": self.bag(record.get("original_total_price") or amounts.total),
            "totalOutstandingSet": self.bag(amounts.outstanding),
            "edited": bool(record.get("edited")),
            "discountCode": record["discount_codes"][0]["code"] if record.get("discount_codes") else None,
            "discountCodes": [d["code"] for d in record.get("discount_codes", [])],
            "discountApplications": lambda _info, **args: self.page(
                [{"id": i, "application": a} for i, a in enumerate(applications)],
                lambda row: self.discount_application(row["application"], row["id"]),
                args,
            ),
            "customer": (lambda _info: self.customer(customer)) if customer else None,
            "purchasingEntity": lambda _info: self.purchasing_entity(record),
            "shippingAddress": self.address(record.get("shipping_address")),
            "billingAddress": self.address(record.get("billing_address")),
            "lineItems": lambda _info, **args: self.page(
                lines, lambda line: self.line_item(record, line), args
            ),
            "shippingLines": lambda _info, **args: self.page(
                record.get("shipping_lines", []), self.shipping_line, args
            ),
            "taxLines": [self.tax_line(t) for t in order_tax_lines(record)],
            "transactions": lambda _info, **args: [
                self.transaction(t, record)
                for t in record.get("transactions", [])[: args.get("first") or None]
            ],
            "fulfillments": lambda _info, **args: [
                self.fulfillment(f) for f in fulfillments[: args.get("first") or None]
            ],
            "fulfillmentOrders": lambda _info, **args: self.page(
                search(fulfillment_orders(), args.get("query"), fulfillment_order_search_fields),
                self.fulfillment_order,
                args,
            ),
            "refunds": lambda _info, **args: [self.refund(r) for r in refunds[: args.get("first") or None]],
            "returns": lambda _info, **args: self.page(
                returns_of(self.store, record["id"]), self.return_, args
            ),
            "suggestedRefund": lambda _info, **args: self.ctx.extra["suggested_refund"](self, record, args),
        }

    def purchasing_entity(self, record: Record) -> View | None:
        company = record.get("company")
        if company:
            contact = self.store.get("company_contacts", company.get("contact_id"))
            return {
                "__typename": "PurchasingCompany",
                "company": self.company(self.store.tables["companies"][company["id"]]),
                "location": self.company_location(
                    self.store.tables["company_locations"][company["location_id"]]
                ),
                "contact": self.company_contact(contact) if contact else None,
            }
        customer = self.store.get("customers", record.get("customer_id"))
        return self.customer(customer) if customer else None

    # ------------------------------------------------------------------ fulfillment
    def fulfillment_order(self, record: Record) -> View:
        order = self.store.tables["orders"][record["order_id"]]
        lines = {line["id"]: line for line in order["line_items"]}
        location = self.store.get("locations", record.get("location_id"))

        def fulfillments() -> list[Record]:
            return [
                f
                for f in self.store.rows("fulfillments")
                if any(li.get("fulfillment_order_id") == record["id"] for li in f["line_items"])
            ]

        return {
            "__typename": "FulfillmentOrder",
            "id": gid("FulfillmentOrder", record["id"]),
            "status": record["status"].upper(),
            "requestStatus": record.get("request_status", "unsubmitted").upper(),
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "assignedLocation": {
                "name": location["name"] if location else "",
                "location": (lambda _info: self.location(location)) if location else None,
            },
            "order": lambda _info: self.order(order),
            "lineItems": lambda _info, **args: self.page(
                record["line_items"],
                lambda fl: {
                    "__typename": "FulfillmentOrderLineItem",
                    "id": gid("FulfillmentOrderLineItem", fl["id"]),
                    "totalQuantity": fl["total_quantity"],
                    "remainingQuantity": fl["remaining_quantity"],
                    "sku": lines[fl["line_item_id"]].get("sku"),
                    "lineItem": lambda _info: self.line_item(order, lines[fl["line_item_id"]]),
                },
                args,
            ),
            "fulfillments": lambda _info, **args: self.page(fulfillments(), self.fulfillment, args),
        }

    def fulfillment(self, record: Record) -> View:
        order = self.store.tables["orders"][record["order_id"]]
        lines = {line["id"]: line for line in order["line_items"]}
        numbers = record.get("tracking_numbers", [])
        urls = record.get("tracking_urls", [])
        location = self.store.get("locations", record.get("location_id"))
        return {
            "__typename": "Fulfillment",
            "id": gid("Fulfillment", record["id"]),
            "legacyResourceId": record["id"],
            "name": record["name"],
            "status": record["status"].upper(),
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "location": self.location(location) if location else None,
            "order": lambda _info: self.order(order),
            "trackingInfo": lambda _info, **_args: [
                {
                    "company": record.get("tracking_company"),
                    "number": number,
                    "url": urls[i] if i < len(urls) else None,
                }
                for i, number in enumerate(numbers)
            ],
            "fulfillmentLineItems": lambda _info, **args: self.page(
                record["line_items"],
                lambda fl: {
                    "__typename": "FulfillmentLineItem",
                    "id": gid("FulfillmentLineItem", fl["id"]),
                    "quantity": fl["quantity"],
                    "lineItem": self.line_item(order, lines[fl["line_item_id"]]),
                },
                args,
            ),
        }

    # ------------------------------------------------------------------ refunds
    def refund_line_item(self, order: Record, refund_line: Record) -> View:
        line = next(li for li in order["line_items"] if li["id"] == refund_line["line_item_id"])
        location = self.store.get("locations", refund_line.get("location_id"))
        return {
            "id": gid("RefundLineItem", refund_line["id"]) if refund_line.get("id") else None,
            "lineItem": self.line_item(order, line),
            "quantity": refund_line["quantity"],
            "restockType": refund_line["restock_type"].upper(),
            "restocked": refund_line["restock_type"] in ("return", "cancel"),
            "location": self.location(location) if location else None,
            "priceSet": self.bag(line["price"]),
            "subtotalSet": self.bag(refund_line["subtotal"]),
            "totalTaxSet": self.bag(refund_line["total_tax"]),
        }

    def refund(self, record: Record) -> View:
        order = self.store.tables["orders"][record["order_id"]]
        transactions = [t for t in order.get("transactions", []) if t.get("refund_id") == record["id"]]
        total = sum((order_math.dec(t["amount"]) for t in transactions), order_math.ZERO)
        return {
            "__typename": "Refund",
            "id": gid("Refund", record["id"]),
            "legacyResourceId": record["id"],
            "note": record.get("note"),
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "order": lambda _info: self.order(order),
            "totalRefundedSet": self.bag(total),
            "refundLineItems": lambda _info, **args: self.page(
                record["refund_line_items"], lambda rl: self.refund_line_item(order, rl), args
            ),
            "transactions": lambda _info, **args: self.page(
                transactions, lambda t: self.transaction(t, order), args
            ),
        }

    def return_(self, record: Record) -> View:
        return return_view(self, record)

    # ------------------------------------------------------------------ bulk operations and webhooks
    def bulk_operation(self, record: Record) -> View:
        return {
            "__typename": "BulkOperation",
            "id": gid("BulkOperation", record["id"]),
            "status": record["status"],
            "type": record.get("type", "QUERY"),
            "errorCode": record.get("error_code"),
            "createdAt": record["created_at"],
            "completedAt": record.get("completed_at"),
            "objectCount": record.get("object_count", 0),
            "rootObjectCount": record.get("root_object_count", 0),
            "fileSize": record.get("file_size"),
            "url": f"{self.ctx.base_url}{record['path']}" if record.get("path") else None,
            "partialDataUrl": None,
            "query": record["query"],
        }

    def webhook_subscription(self, record: Record) -> View:
        return {
            "__typename": "WebhookSubscription",
            "id": gid("WebhookSubscription", record["id"]),
            "legacyResourceId": record["id"],
            "topic": record["topic"],
            "format": record.get("format", "JSON"),
            "uri": record["uri"],
            "callbackUrl": record["uri"],
            "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": record["uri"]},
            "includeFields": list(record.get("include_fields", [])),
            "filter": record.get("filter"),
            "apiVersion": {
                "handle": record["api_version"],
                "displayName": record["api_version"],
                "supported": True,
            },
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
        }


# ---------------------------------------------------------------------- derived values


def variant_available(store: Any, variant: Record) -> int:
    # per location through the store's level index: a scan of every level is too slow at 100,000 products
    item_id = variant["inventory_item_id"]
    levels = (store.inventory_level(item_id, location_id) for location_id in store.tables["locations"])
    return sum(quantity(level, "available") for level in levels if level is not None)


def product_total_inventory(store: Any, product: Record) -> int:
    return sum(variant_available(store, store.tables["variants"][v]) for v in product["variant_ids"])


def order_tax_lines(order: Record) -> list[Record]:
    """Taxes of all lines and shipping merged by title and rate, as Shopify's order-level tax lines are."""
    merged: dict[tuple[str, str], Decimal] = {}
    sources = [*order.get("line_items", []), *order.get("shipping_lines", [])]
    for source in sources:
        for tax in source.get("tax_lines", []):
            key = (tax["title"], str(tax["rate"]))
            merged[key] = merged.get(key, order_math.ZERO) + order_math.dec(tax["price"])
    return [{"title": t, "rate": r, "price": money(p)} for (t, r), p in merged.items()]


def discount_status(record: Record, now: str) -> str:
    if record["starts_at"] > now:
        return "SCHEDULED"
    if record.get("ends_at") and record["ends_at"] <= now:
        return "EXPIRED"
    if record.get("usage_limit") is not None and record.get("usage_count", 0) >= record["usage_limit"]:
        return "EXPIRED"
    return "ACTIVE"


def discount_summary(record: Record, currency: str) -> str:
    if record["value_type"] == "percentage":
        return f"{Decimal(str(record['value'])) * 100:.0f}% off entire order"
    return f"{money(record['value'])} {currency} off entire order"


def variant_sort_key(sort_key: str) -> Callable[[Record], Any]:
    fields = {"SKU": "sku", "TITLE": "title", "NAME": "title", "POSITION": "position"}
    name = fields.get(sort_key)
    if name is None:
        return lambda row: [row["id"]]
    return lambda row: [row.get(name), row["id"]]


# ---------------------------------------------------------------------- search fields per resource


def level_search_fields(level: Record) -> dict[str, Any]:
    return {
        "id": level["id"],
        "updated_at": level["updated_at"],
        "inventory_item_id": level["inventory_item_id"],
    }


def fulfillment_order_search_fields(fulfillment_order: Record) -> dict[str, Any]:
    return {
        "id": fulfillment_order["id"],
        "status": fulfillment_order["status"],
        "updated_at": fulfillment_order["updated_at"],
        "assigned_location_id": fulfillment_order.get("location_id"),
    }


def order_search_fields(order: Record) -> dict[str, Any]:
    closed, cancelled = order.get("closed_at") is not None, order.get("cancelled_at") is not None
    status = [
        "any",
        "cancelled" if cancelled else "",
        "closed" if closed else "",
        "open" if not closed and not cancelled else "",
    ]
    if not closed:
        status.append("not_closed")
    return {
        "id": order["id"],
        "name": [order["name"], order["name"].lstrip("#")],
        "updated_at": order["updated_at"],
        "created_at": order["created_at"],
        "processed_at": order["processed_at"],
        "status": [s for s in status if s],
        "financial_status": order_math.financial_status(order),
        "fulfillment_status": order_math.fulfillment_status(order) or "unfulfilled",
        "email": order.get("email"),
        "tag": order.get("tags", []),
        "customer_id": order.get("customer_id"),
        "company_id": (order.get("company") or {}).get("id"),
        "company_location_id": (order.get("company") or {}).get("location_id"),
        "discount_code": [d["code"] for d in order.get("discount_codes", [])],
        "sku": [line.get("sku") for line in order.get("line_items", [])],
        "test": order.get("test", False),
        "default": [order["name"], order.get("email")],
    }
