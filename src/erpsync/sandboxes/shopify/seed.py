"""A deterministic starting store for ``--seed N``: locations, a catalog with stock, customers, B2B
companies, discount codes, collections. Same seed, same records and ids."""

from __future__ import annotations

import random

from erpsync.sandboxes.shopify.catalog import create_variant, ensure_level, handleize, unique_handle
from erpsync.sandboxes.shopify.store import Record, ShopStore, money

LOCATIONS = (
    {
        "name": "Main Warehouse",
        "address1": "100 Commerce Way",
        "city": "Columbus",
        "province": "Ohio",
        "province_code": "OH",
        "zip": "43004",
    },
    {
        "name": "West Coast DC",
        "address1": "55 Harbor Blvd",
        "city": "Oakland",
        "province": "California",
        "province_code": "CA",
        "zip": "94607",
    },
    {
        "name": "Downtown Store",
        "address1": "12 Main Street",
        "city": "Chicago",
        "province": "Illinois",
        "province_code": "IL",
        "zip": "60601",
    },
)
PRODUCT_KINDS = (
    ("T-Shirt", "Apparel", ("S", "M", "L", "XL"), "19.00"),
    ("Hoodie", "Apparel", ("S", "M", "L"), "49.00"),
    ("Mug", "Homeware", (), "12.50"),
    ("Notebook", "Stationery", (), "8.00"),
    ("Backpack", "Bags", ("Black", "Navy"), "79.00"),
    ("Water Bottle", "Homeware", ("500 ml", "750 ml"), "24.00"),
)
ADJECTIVES = ("Classic", "Organic", "Trail", "Studio", "Everyday", "Heritage", "Urban", "Coastal")
FIRST_NAMES = ("Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Edsger")
LAST_NAMES = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Dijkstra",
)
CITIES = (
    ("Austin", "Texas", "TX", "73301"),
    ("Denver", "Colorado", "CO", "80202"),
    ("Boston", "Massachusetts", "MA", "02108"),
)
COMPANIES = ("Northwind Traders", "Contoso Retail", "Fabrikam Supplies")

PRODUCT_COUNT = 24
CUSTOMER_COUNT = 20


def seed_store(store: ShopStore, seed: int) -> None:
    rng = random.Random(seed)
    locations = [
        store.add(
            "locations",
            {
                "active": True,
                "fulfills_online_orders": True,
                "country": "United States",
                "country_code": "US",
                **loc,
            },
        )
        for loc in LOCATIONS
    ]
    products = [_product(store, rng, index, locations) for index in range(PRODUCT_COUNT)]
    customers = [_customer(store, rng, index) for index in range(CUSTOMER_COUNT)]
    for index, name in enumerate(COMPANIES):
        _company(store, rng, index, name, customers[index])
    _collections(store, products)
    _discounts(store)


def _product(store: ShopStore, rng: random.Random, index: int, locations: list[Record]) -> Record:
    kind, product_type, values, price = PRODUCT_KINDS[index % len(PRODUCT_KINDS)]
    title = f"{ADJECTIVES[index % len(ADJECTIVES)]} {kind}"
    product = store.add(
        "products",
        {
            "title": title,
            "handle": unique_handle(store, handleize(title)),
            "body_html": f"<p>{title}, seeded by the erpsync sandbox.</p>",
            "vendor": "erpsync Goods",
            "product_type": product_type,
            "status": "active",
            "tags": sorted({product_type.lower(), "seed"}),
            "published_at": store.now(),
            "options": [],
            "variant_ids": [],
            "image_id": store.new_id(),
        },
    )
    option_name = "Size" if product_type == "Apparel" else ("Color" if kind == "Backpack" else "Volume")
    product["options"] = [
        {
            "id": store.new_id(),
            "name": option_name if values else "Title",
            "position": 1,
            "values": list(values) or ["Default Title"],
        }
    ]
    for value_index, value in enumerate(values or ("Default Title",)):
        sku = f"SKU-{index + 1:03d}" + (f"-{value_index + 1}" if values else "")
        variant = create_variant(
            store,
            product,
            [value],
            {"sku": sku, "price": price, "inventoryItem": {"cost": money(float(price) * 0.4)}},
        )
        for location in locations[: 1 + rng.randrange(len(locations))]:
            level = ensure_level(store, variant["inventory_item_id"], location["id"])
            level["quantities"]["available"] = rng.randrange(0, 60)
    return product


def _customer(store: ShopStore, rng: random.Random, index: int) -> Record:
    first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[(index * 3) % len(LAST_NAMES)]
    city, province, code, zip_code = CITIES[rng.randrange(len(CITIES))]
    return store.add(
        "customers",
        {
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower()}{index}@example.com",
            "phone": f"+1555{index:07d}",
            "note": None,
            "tags": ["seed"],
            "state": "enabled",
            "verified_email": True,
            "tax_exempt": False,
            "addresses": [
                {
                    "id": store.new_id(),
                    "default": True,
                    "first_name": first,
                    "last_name": last,
                    "address1": f"{rng.randrange(1, 999)} Elm Street",
                    "city": city,
                    "province": province,
                    "province_code": code,
                    "country": "United States",
                    "country_code": "US",
                    "zip": zip_code,
                    "phone": f"+1555{index:07d}",
                }
            ],
        },
    )


def _company(store: ShopStore, rng: random.Random, index: int, name: str, buyer: Record) -> None:
    company = store.add(
        "companies",
        {"name": name, "external_id": f"B2B-{index + 1:03d}", "note": None, "main_contact_id": None},
    )
    contact = store.add(
        "company_contacts",
        {"company_id": company["id"], "customer_id": buyer["id"], "is_main_contact": True, "title": "Buyer"},
    )
    company["main_contact_id"] = contact["id"]
    city, province, code, zip_code = CITIES[index % len(CITIES)]
    for site in ("HQ", "Warehouse")[: 1 + rng.randrange(2)]:
        address = {
            "address1": f"{rng.randrange(100, 999)} Industrial Pkwy",
            "city": city,
            "zone_code": code,
            "province_code": code,
            "province": province,
            "country_code": "US",
            "zip": zip_code,
            "recipient": f"{name} {site}",
        }
        store.add(
            "company_locations",
            {
                "company_id": company["id"],
                "name": f"{name} {site}",
                "external_id": f"B2B-{index + 1:03d}-{site.upper()}",
                "shipping_address": {"id": store.new_id(), **address},
                "billing_address": {"id": store.new_id(), **address},
                "tax_exemptions": [],
                "tax_registration_id": f"US-EIN-{index + 1:02d}-{site.upper()}",
                # Shopify's standard payment terms templates (id 4 is "Net 30").
                "payment_terms": {"id": 4, "name": "Net 30", "type": "NET", "due_in_days": 30},
            },
        )


def _collections(store: ShopStore, products: list[Record]) -> None:
    by_type: dict[str, list[int]] = {}
    for product in products:
        by_type.setdefault(product["product_type"], []).append(product["id"])
    for product_type, ids in sorted(by_type.items()):
        store.add(
            "collections",
            {"title": product_type, "handle": handleize(product_type), "body_html": "", "product_ids": ids},
        )


def _discounts(store: ShopStore) -> None:
    for title, code, value_type, value in (
        ("Welcome 10%", "WELCOME10", "percentage", "0.1"),
        ("Five off", "FIVEOFF", "fixed_amount", "5.00"),
        ("Spring 20%", "SPRING20", "percentage", "0.2"),
    ):
        store.add(
            "discounts",
            {
                "title": title,
                "code": code,
                "code_id": store.new_id(),
                "starts_at": "2026-01-01T00:00:00Z",
                "ends_at": None,
                "usage_limit": None,
                "applies_once_per_customer": False,
                "value_type": value_type,
                "value": value,
                "applies_on_each_item": False,
                "usage_count": 0,
            },
        )
