"""What a new sandbox account holds: the account setup every account has (subsidiary, currencies, payment
terms, the price levels Base Price (id 1) and Wholesale (id 2, 20 % off), a main warehouse), and with
``--seed N`` a deterministic catalog (inventory items with SKUs and stock per location, Wholesale prices for
SKU-1001 and SKU-1002, a shipping and a gift-wrap non-inventory item, a discount item) and customers with
addresses."""

from __future__ import annotations

import random
from decimal import ROUND_DOWN, Decimal

from erpsync.sandboxes.netsuite.account import Account
from erpsync.sandboxes.netsuite.banking import load_finance_setup
from erpsync.sandboxes.netsuite.records import record_type_or_404

FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "John"]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Allen"]
PRICE_LEVELS = [("Base Price", 0), ("Wholesale", -20)]  # name, Markup/Discount %
WHOLESALE_SKUS = {1001, 1002}
TERMS = [("Due on receipt", 0), ("Net 15", 15), ("Net 30", 30), ("Net 60", 60)]
PRODUCTS = [
    "Mug",
    "T-Shirt",
    "Hoodie",
    "Poster",
    "Notebook",
    "Cap",
    "Tote Bag",
    "Sticker Pack",
    "Water Bottle",
]
COLOURS = ["Black", "White", "Navy", "Forest", "Sand", "Coral"]
CITIES = [
    ("Portland", "OR", "97201"),
    ("Austin", "TX", "78701"),
    ("Boston", "MA", "02108"),
    ("Denver", "CO", "80202"),
]


def load_seed(account: Account, seed: int | None) -> None:
    """Create the account setup; with a seed, also the catalog and customers (same seed, same data)."""
    store = account.store
    with account.lock:
        store.records["subsidiary"]["1"] = {"id": "1", "name": "Parent Company", "isInactive": False}
        for number, (code, symbol) in enumerate([("USD", "$"), ("EUR", "€"), ("GBP", "£")], start=1):
            store.records["currency"][str(number)] = {"id": str(number), "name": code, "symbol": symbol}
        # The payment terms a new NetSuite account lists (Setup > Accounting > Accounting Lists > Term).
        for number, (name, days) in enumerate(TERMS, start=1):
            store.records["term"][str(number)] = {
                "id": str(number),
                "name": name,
                "daysUntilNetDue": days,
                "isInactive": False,
            }
        for number, (name, discount) in enumerate(PRICE_LEVELS, start=1):
            store.records["priceLevel"][str(number)] = {
                "id": str(number),
                "name": name,
                "discountPct": Decimal(discount),
                "isInactive": False,
            }
        setup = [*store.records["subsidiary"].values(), *store.records["currency"].values()]
        for record in [*setup, *store.records["term"].values(), *store.records["priceLevel"].values()]:
            record["createdDate"] = record["lastModifiedDate"] = account.clock.now()
        account.create(
            "location",
            {"name": "Main Warehouse", "externalId": "main-warehouse", "makeInventoryAvailable": True},
        )
        if seed is not None:
            _load_catalog(account, random.Random(seed))
        load_finance_setup(account)


def _load_catalog(account: Account, rng: random.Random) -> None:
    _, east = account.create(
        "location", {"name": "East Coast DC", "externalId": "east-dc", "makeInventoryAvailable": True}
    )
    main = account.store.get(record_type_or_404("location"), "eid:main-warehouse")
    for number in range(1, 13):
        product, colour = rng.choice(PRODUCTS), rng.choice(COLOURS)
        base_price = Decimal(rng.randint(500, 6000)) / 100
        body: dict[str, object] = {
            "itemId": f"SKU-{1000 + number}",
            "externalId": f"sku-{1000 + number}",
            "displayName": f"{product} {colour}",
            "salesDescription": f"{product}, {colour.lower()}",
            "basePrice": str(base_price),
            "cost": str(Decimal(rng.randint(200, 2500)) / 100),
        }
        if 1000 + number in WHOLESALE_SKUS:
            body["price"] = {"items": [_wholesale_line(base_price)]}
        _, item = account.create("inventoryItem", body)
        account.store.stock[(item["id"], main["id"])] = Decimal(rng.randint(0, 60))
        account.store.stock[(item["id"], east["id"])] = Decimal(rng.randint(0, 40))
    account.create("nonInventorySaleItem", {"itemId": "SHIPPING", "displayName": "Shipping", "basePrice": 0})
    account.create(
        "nonInventorySaleItem", {"itemId": "GIFT-WRAP", "displayName": "Gift wrap", "basePrice": 4}
    )
    account.create("discountItem", {"itemId": "DISCOUNT", "displayName": "Web store discount", "rate": "0"})
    for number in range(1, 9):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, state, zip_code = rng.choice(CITIES)
        account.create(
            "customer",
            {
                "entityId": f"C{2000 + number}",
                "externalId": f"cust-{2000 + number}",
                "isPerson": True,
                "firstName": first,
                "lastName": last,
                "email": f"{first}.{last}{number}@example.com".lower(),
                "addressBook": {
                    "items": [
                        {
                            "label": "Home",
                            "defaultBilling": True,
                            "defaultShipping": True,
                            "addressBookAddress": {
                                "addressee": f"{first} {last}",
                                "addr1": f"{rng.randint(1, 999)} Main Street",
                                "city": city,
                                "state": state,
                                "zip": zip_code,
                                "country": "US",
                            },
                        }
                    ]
                },
            },
        )


def _wholesale_line(base_price: Decimal) -> dict[str, object]:
    """A Wholesale price in whole dollars, below the base price (Wholesale is 20 % off; base prices >= 5)."""
    price = (base_price * Decimal("0.8")).to_integral_value(rounding=ROUND_DOWN)
    return {
        "priceLevel": {"id": "2"},
        "currencyPage": {"id": "1"},
        "quantity": {"value": 0},
        "price": str(price),
    }
