"""Shoppers placing orders in a sandbox store at a chosen rate, as a checkout would.

    scenario = ShopperScenario(sandbox, ScenarioSettings(orders_per_minute=120, seed=7))
    report = scenario.run(orders=50)            # in this thread, or
    scenario.start(); ...; scenario.stop()       # in the background (also POST /_sandbox/shopify/scenario)

Orders come from the storefront, not from an app: they do not spend the app's rate-limit points, and they
emit the same webhooks as ``orderCreate``. A shopper is a seeded customer (or, at ``b2b_rate``, the buyer
of a B2B company location), buys one to ``max_lines`` in-stock variants, sometimes uses one of the store's
discount codes (``discount_rate``), pays, and stock is reserved where it is, so orders spread over locations.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from erpsync.sandboxes.shopify import orders
from erpsync.sandboxes.shopify.ids import gid
from erpsync.sandboxes.shopify.store import Record, ShopStore
from erpsync.sandboxes.shopify.views import discount_status, variant_available

if TYPE_CHECKING:
    from erpsync.sandboxes.shopify.sandbox import ShopifySandbox

FREE_SHIPPING_FROM = 100
SALES_TAX_RATE = "0.08"


@dataclass
class ScenarioSettings:
    orders_per_minute: float = 60.0
    discount_rate: float = 0.3
    b2b_rate: float = 0.2
    max_lines: int = 3
    seed: int | None = None
    shop_domain: str | None = None  # None: the default shop

    def __post_init__(self) -> None:
        if self.orders_per_minute <= 0:
            raise ValueError("orders_per_minute must be positive")
        for name in ("discount_rate", "b2b_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.max_lines < 1:
            raise ValueError("max_lines must be at least 1")


@dataclass
class ScenarioReport:
    placed: list[str] = field(default_factory=list)  # order gids
    rejected: list[str] = field(default_factory=list)  # user error messages
    discounted: int = 0
    b2b: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "placed": len(self.placed),
            "rejected": self.rejected[-20:],
            "discounted": self.discounted,
            "b2b": self.b2b,
        }


class ShopperScenario:
    def __init__(self, sandbox: ShopifySandbox, settings: ScenarioSettings | None = None) -> None:
        self.sandbox = sandbox
        self.settings = settings or ScenarioSettings()
        self.random = random.Random(self.settings.seed)
        self.report = ScenarioReport()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def store(self) -> ShopStore:
        return self.sandbox.store_for(self.settings.shop_domain or "")

    # ------------------------------------------------------------------ one shopper
    def place_order(self) -> str | None:
        """One checkout; the new order's gid, or None when the store had nothing to sell or refused it."""
        store = self.store
        with store.lock:
            order_input = self._basket(store)
            if order_input is None:
                self.report.rejected.append("no variant in stock")
                return None
            ctx = self.sandbox.context(store, self.sandbox.credentials()["api_version"], "http://127.0.0.1")
            options = {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY"}
            payload = orders.order_create(ctx, order=order_input, options=options)
        if payload["userErrors"]:
            self.report.rejected.append(payload["userErrors"][0]["message"])
            return None
        self.sandbox.save()
        order_gid = gid("Order", payload["order"]["__ref__"][1])
        self.report.placed.append(order_gid)
        self.report.discounted += bool(order_input.get("discountCode"))
        self.report.b2b += bool(order_input.get("companyLocationId"))
        return order_gid

    def _basket(self, store: ShopStore) -> dict[str, Any] | None:
        in_stock = [
            v
            for v in store.rows("variants")
            if variant_available(store, v) > 0
            and store.tables["products"][v["product_id"]]["status"] == "active"
        ]
        if not in_stock:
            return None
        picks = self.random.sample(
            in_stock, k=min(len(in_stock), self.random.randint(1, self.settings.max_lines))
        )
        lines: list[dict[str, Any]] = [
            {"variantId": gid("ProductVariant", v["id"]), "quantity": self._quantity(store, v)} for v in picks
        ]
        order: dict[str, Any] = {
            "lineItems": lines,
            "financialStatus": "PAID",
            "taxLines": [{"title": "Sales tax", "rate": SALES_TAX_RATE}],
        }
        order.update(self._buyer(store))
        subtotal = sum(float(v["price"]) * line["quantity"] for v, line in zip(picks, lines, strict=True))
        shipping = "0.00" if subtotal >= FREE_SHIPPING_FROM else "5.00"
        order["shippingLines"] = [
            {
                "title": "Standard",
                "priceSet": {"shopMoney": {"amount": shipping, "currencyCode": store.currency}},
            }
        ]
        code = self._discount_code(store)
        if code is not None:
            order["discountCode"] = code
        return order

    def _quantity(self, store: ShopStore, variant: Record) -> int:
        return self.random.randint(1, max(1, min(3, variant_available(store, variant))))

    def _buyer(self, store: ShopStore) -> dict[str, Any]:
        locations = list(store.rows("company_locations"))
        if locations and self.random.random() < self.settings.b2b_rate:
            location = self.random.choice(locations)
            return {
                "companyLocationId": gid("CompanyLocation", location["id"]),
                "poNumber": f"PO-{self.random.randrange(10_000, 99_999)}",
            }
        customers = list(store.rows("customers"))
        if not customers:
            return {"email": f"guest{self.random.randrange(1_000_000)}@example.com"}
        customer = self.random.choice(customers)
        return {"customer": {"toAssociate": {"id": gid("Customer", customer["id"])}}}

    def _discount_code(self, store: ShopStore) -> dict[str, Any] | None:
        active = [d for d in store.rows("discounts") if discount_status(d, store.now()) == "ACTIVE"]
        if not active or self.random.random() >= self.settings.discount_rate:
            return None
        discount = self.random.choice(active)
        if discount["value_type"] == "percentage":
            return {"itemPercentageDiscountCode": {"code": discount["code"]}}
        return {"itemFixedDiscountCode": {"code": discount["code"]}}

    # ------------------------------------------------------------------ many shoppers
    def run(self, orders: int | None = None, duration_seconds: float | None = None) -> ScenarioReport:
        """Place orders at the configured rate until ``orders`` were attempted, time is up, or stop()."""
        if orders is None and duration_seconds is None:
            raise ValueError("give orders, duration_seconds or both (use start() to run until stop())")
        return self._loop(orders, duration_seconds)

    def _loop(self, orders: int | None, duration_seconds: float | None) -> ScenarioReport:
        interval = 60.0 / self.settings.orders_per_minute
        attempts = 0
        elapsed = 0.0
        while not self._stop.is_set():
            if orders is not None and attempts >= orders:
                break
            if duration_seconds is not None and elapsed >= duration_seconds:
                break
            self.place_order()
            attempts += 1
            if self._stop.wait(interval):
                break
            elapsed += interval
        return self.report

    def start(self, orders: int | None = None, duration_seconds: float | None = None) -> None:
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("the scenario is already running")
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(orders, duration_seconds), name="shopify-shoppers", daemon=True
        )
        self._thread.start()

    def stop(self) -> ScenarioReport:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        return self.report

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
