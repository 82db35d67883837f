"""`erpsync demo`: the main job, order to cash, between the Shopify and NetSuite sandboxes on the embedded
default (SQLite in the working directory, no server to install).

The same environment drives the end-to-end business-flow tests (tests/flows/), so what the demo shows is
what the tests prove. Steps, each through the real flows and the real HTTP APIs on loopback:

1. catalog: NetSuite items become Shopify products (NetSuite owns title and price);
2. inventory: NetSuite stock per location becomes Shopify available quantities;
3. shoppers place orders in Shopify;
4. order to ERP: each order becomes a NetSuite sales order (customer created first);
5. NetSuite's warehouse ships them; the fulfillments, with tracking, come back to Shopify.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import httpx

from erpsync.config import Notifications
from erpsync.connectors.base import ErpConnector
from erpsync.connectors.netsuite.auth import auth_from_credentials
from erpsync.connectors.netsuite.connector import NetSuiteConnector
from erpsync.connectors.netsuite.translate import NetSuiteSettings
from erpsync.connectors.shopify.connector import ShopifyConnector
from erpsync.connectors.tryton import TrytonClient, TrytonConnector
from erpsync.engine import Engine, FlowResult
from erpsync.flows import (
    Hub,
    catalog,
    customers,
    fulfillments,
    inventory,
    invoicing,
    orders,
    refunds,
    register_flows,
    tieout,
)
from erpsync.notify import configure_notifications
from erpsync.sandboxes import build_sandbox
from erpsync.sandboxes.common import serve_in_thread
from erpsync.sandboxes.email import EmailSink
from erpsync.sandboxes.tryton import add_stock, running_tryton, ship_sale
from erpsync.store import Store

SHOPIFY_SEED = 11  # gives the store its locations and customers; its own catalog stays out of the demo
NETSUITE_SEED = 7
ERPS = ("netsuite", "tryton")
WAIT_SECONDS = 120.0
# The engine budgets every demo worker declares: flows at once on each system's queue, across all workers.
SHOP_CONCURRENCY = 4
NETSUITE_CONCURRENCY = 15
DEMO_SENDER = "erpsync demo shop <shop@erpsync-demo.test>"
CODE_PERCENT = 10  # a shopper's discount code takes this much off every line

REFUND_CREATE = """
mutation refundCreate($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) { refund { id } userErrors { field message } }
}"""
THROTTLED_RETRIES = 120  # a shopper waits up to two minutes for the bucket to refill
COMPANIES_QUERY = """
{ companies(first: 20) { nodes {
    id name externalId
    mainContact { customer { email } }
    locations(first: 5) { nodes {
      id name taxRegistrationId buyerExperienceConfiguration { paymentTermsTemplate { name } } } }
} } }"""
ORDER_CANCEL = """
mutation orderCancel($orderId: ID!) {
  orderCancel(orderId: $orderId, reason: CUSTOMER, refund: false, restock: true, notifyCustomer: false) {
    orderCancelUserErrors { field message code }
  }
}"""
ORDER_EDIT_BEGIN = """
mutation orderEditBegin($id: ID!) { orderEditBegin(id: $id) {
  calculatedOrder { id lineItems(first: 50) { nodes { id sku quantity } } }
  userErrors { field message } } }"""
ORDER_EDIT_SET_QUANTITY = """
mutation orderEditSetQuantity($id: ID!, $line: ID!, $quantity: Int!) {
  orderEditSetQuantity(id: $id, lineItemId: $line, quantity: $quantity, restock: true) {
    calculatedLineItem { id } userErrors { field message } } }"""
ORDER_EDIT_ADD_VARIANT = """
mutation orderEditAddVariant($id: ID!, $variant: ID!, $quantity: Int!) {
  orderEditAddVariant(id: $id, variantId: $variant, quantity: $quantity) {
    calculatedLineItem { id } userErrors { field message } } }"""
ORDER_EDIT_COMMIT = """
mutation orderEditCommit($id: ID!) {
  orderEditCommit(id: $id, notifyCustomer: false, staffNote: "changed at the customer's request") {
    order { id edited totalPriceSet { shopMoney { amount } } } userErrors { field message } } }"""
ORDER_CREATE = """
mutation orderCreate($order: OrderCreateOrderInput!) {
  orderCreate(order: $order) { order { id name } userErrors { field message } }
}"""


class ErpDesk(Protocol):
    """What people do in the ERP during the demo (outside erpsync): ship orders, add an item."""

    def receive_goods(self, skus: list[str], quantity: int) -> None: ...
    def ship_open_orders(self) -> int: ...
    def add_item(self, sku: str, title: str, price: str) -> None: ...


@dataclass
class NetSuiteDesk:
    """The NetSuite sandbox's warehouse ships open orders itself; items are added over REST."""

    url: str
    connector: NetSuiteConnector

    def receive_goods(self, skus: list[str], quantity: int) -> None:
        """Nothing to do: the sandbox's seeded catalog has stock at both locations."""

    def ship_open_orders(self) -> int:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            client.put("/_sandbox/warehouse", json={"enabled": True, "delay_seconds": 0}).raise_for_status()
            return len(client.get("/_sandbox/warehouse").json().get("shipped", []))

    def add_item(self, sku: str, title: str, price: str) -> None:
        self.connector.client.upsert(
            "inventoryItem", sku.lower(), {"itemId": sku, "displayName": title, "basePrice": price}
        )


@dataclass
class TrytonDesk:
    """A Tryton warehouse user: processes every confirmed sale's shipment, with a tracking number."""

    client: TrytonClient
    shipped: set[int] = field(default_factory=set)

    def receive_goods(self, skus: list[str], quantity: int) -> None:
        for sku in skus:
            add_stock(self.client, sku, quantity)

    def ship_open_orders(self) -> int:
        sales = self.client.search_read("sale.sale", [["state", "=", "processing"]], ["id"])
        for sale in sales:
            if sale["id"] in self.shipped:
                continue
            ship_sale(self.client, sale["id"], tracking_number=f"1ZTRY{sale['id']:010d}")
            self.shipped.add(sale["id"])
        return len(self.shipped)

    def add_item(self, sku: str, title: str, price: str) -> None:
        raise NotImplementedError(
            "adding a Tryton product in the demo is not built; the NetSuite demo shows it"
        )


@dataclass
class DemoEnvironment:
    """Both sandboxes served on loopback, the connectors pointing at them, the engine and the flows."""

    engine: Engine
    hub: Hub
    desk: ErpDesk
    shopify_url: str
    shopify_credentials: dict[str, Any]
    shopify_sandbox: Any
    placed_orders: list[str] = field(default_factory=list)
    email_sink: EmailSink | None = None
    netsuite_url: str | None = None
    variants_read: dict[str, dict[str, Any]] | None = None
    wait_seconds: float = WAIT_SECONDS  # how long one poll or one record's run may take (a big run: more)

    # --- the flows, one trigger at a time -------------------------------------------------------------
    def run_poll(self, poller: str, trigger_id: str) -> list[FlowResult]:
        """Run one poll and wait for every record flow it started; return their results."""
        polled = self.engine.enqueue(poller, trigger_id, {}).result(self.wait_seconds)
        if polled.status != "completed":
            raise RuntimeError(f"{poller} did not complete: {polled.reason}")
        workflow_ids = polled.value.get("workflow_ids", [])
        return [self.engine.handle(workflow_id).result(self.wait_seconds) for workflow_id in workflow_ids]

    def sync_catalog(self, trigger_id: str = "1") -> list[FlowResult]:
        self.variants_read = None
        return self.run_poll(catalog.POLLER, trigger_id)

    def sync_inventory(self, trigger_id: str = "1") -> FlowResult:
        return self.engine.enqueue(inventory.FLOW, trigger_id, {}).result(self.wait_seconds)

    def sync_orders(self, trigger_id: str = "1") -> list[FlowResult]:
        return self.run_poll(orders.POLLER, trigger_id)

    def sync_fulfillments(self, trigger_id: str = "1") -> list[FlowResult]:
        return self.run_poll(fulfillments.POLLER, trigger_id)

    # --- what people do in the two systems ------------------------------------------------------------
    def place_order(self, lines: list[tuple[str, int]], *, email: str, code: str | None = None) -> str:
        """A shopper checks out in Shopify: ``lines`` are (SKU, quantity) of products synced from the ERP."""
        variants = self._variants_by_sku()
        line_items = [
            {
                "variantId": variants[sku]["id"],
                "quantity": quantity,
                "priceSet": {"shopMoney": {"amount": variants[sku]["price"], "currencyCode": "USD"}},
            }
            for sku, quantity in lines
        ]
        order: dict[str, Any] = {
            "email": email,
            "customer": {"toUpsert": {"email": email, "firstName": email.split("@")[0].title()}},
            "lineItems": line_items,
            "financialStatus": "PAID",
            "sourceName": "web",
            "shippingAddress": _address(email),
            "billingAddress": _address(email),
            "transactions": [
                {
                    "kind": "SALE",
                    "status": "SUCCESS",
                    "gateway": "shopify_payments",
                    "amountSet": {
                        "shopMoney": {
                            "amount": _total(variants, lines, CODE_PERCENT if code else 0),
                            "currencyCode": "USD",
                        }
                    },
                }
            ],
        }
        if code:
            order["discountCode"] = {"itemPercentageDiscountCode": {"code": code, "percentage": CODE_PERCENT}}
        created = self._graphql(ORDER_CREATE, {"order": order})["orderCreate"]
        if created["userErrors"]:
            raise RuntimeError(f"Shopify sandbox refused the demo order: {created['userErrors']}")
        order_id = created["order"]["id"].rsplit("/", 1)[-1]
        self.placed_orders.append(order_id)
        return order_id

    def erp_skus(self) -> list[str]:
        """The SKUs the ERP sells (the store may have others of its own)."""
        skus: set[str] = set()
        cursor, more = None, True
        while more:
            batch = self.hub.erp.products_changed_since(cursor)
            skus |= {v.sku for product in batch.records for v in product.variants if v.sku}
            cursor, more = batch.cursor, batch.more
        return sorted(skus)

    def wait_for_sales_order(self, order_id: str, timeout: float = WAIT_SECONDS) -> str:
        """Wait until the store order has reached the ERP (a released hold runs in the background)."""
        key = f"{self.hub.shop.system}:{order_id}"
        deadline = time.monotonic() + timeout
        while (sales_order := self.hub.store.external_id(self.hub.erp.system, "order", key)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"store order {order_id} did not reach the ERP within {timeout} s")
            time.sleep(0.1)
        return sales_order

    def ship_open_orders(self) -> int:
        """The ERP's warehouse ships every open sales order now."""
        return self.desk.ship_open_orders()

    def remember_variants(self) -> None:
        """Shoppers keep the catalog page they read (one costly query, not one per order) until the next
        catalog sync."""
        self.variants_read = None
        self.variants_read = self._variants_by_sku()

    def _variants_by_sku(self) -> dict[str, dict[str, Any]]:
        if self.variants_read is not None:
            return self.variants_read
        query = "{ productVariants(first: 250) { nodes { id sku price } } }"
        nodes = self._graphql(query, {})["productVariants"]["nodes"]
        return {node["sku"]: node for node in nodes if node.get("sku")}

    def _graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The shoppers' and staff's own calls (not erpsync's): they share the shop's cost bucket with
        erpsync, so when Shopify answers THROTTLED (nothing was run) they wait a second and ask again."""
        for _ in range(THROTTLED_RETRIES):
            body = self._post_graphql(query, variables)
            errors = body.get("errors") or []
            if not any((error.get("extensions") or {}).get("code") == "THROTTLED" for error in errors):
                break
            time.sleep(1.0)
        if body.get("errors"):
            raise RuntimeError(f"Shopify sandbox GraphQL errors: {body['errors']}")
        return dict(body["data"])

    def _post_graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        credentials = self.shopify_credentials
        with httpx.Client(base_url=self.shopify_url, timeout=30) as client:
            response = client.post(
                credentials["graphql_path"],
                json={"query": query, "variables": variables},
                headers={
                    "X-Shopify-Access-Token": credentials["access_token"],
                    "Host": credentials["shop_domain"],
                },
            )
        response.raise_for_status()
        return dict(response.json())

    # --- finance: invoices, refunds, the daily tie-out ---------------------------------------------------
    def sync_invoices(self, trigger_id: str = "1") -> list[FlowResult]:
        """Bill every fully shipped order in the ERP and book its payment (flows/invoicing.py)."""
        return self.run_poll(invoicing.POLLER, trigger_id)

    def sync_refunds(self, trigger_id: str = "1") -> list[FlowResult]:
        """Book every new store refund as an ERP credit memo (flows/refunds.py)."""
        return self.run_poll(refunds.POLLER, trigger_id)

    def refund_in_store(self, order_id: str, sku: str, quantity: int, *, restock: bool = True) -> str:
        """Staff refund ``quantity`` units of ``sku`` in Shopify, the money back through the order's gateway;
        returns the refund id."""
        line = next(line for line in self.hub.shop.get_order(order_id).lines if line.sku == sku)
        order_gid = f"gid://shopify/Order/{order_id}"
        refund_input = {
            "orderId": order_gid,
            "note": "customer changed their mind",
            "refundLineItems": [
                {
                    "lineItemId": f"gid://shopify/LineItem/{line.line_id}",
                    "quantity": quantity,
                    "restockType": "RETURN" if restock else "NO_RESTOCK",
                }
            ],
            "transactions": [
                {
                    "orderId": order_gid,
                    "gateway": "shopify_payments",
                    "kind": "REFUND",
                    "amount": str(line.unit_price.amount * quantity),
                }
            ],
        }
        created = self._graphql(REFUND_CREATE, {"input": refund_input, "key": uuid.uuid4().hex})[
            "refundCreate"
        ]
        if created["userErrors"]:
            raise RuntimeError(f"Shopify sandbox refused the demo refund: {created['userErrors']}")
        return str(created["refund"]["id"]).rsplit("/", 1)[-1]

    def tie_out(self, day: date | None = None) -> dict[str, Any]:
        """Tie out ``day`` (default: today, UTC) and return the stored report (flows/tieout.py)."""
        return tieout.run_tieout(self.hub, day or datetime.now(UTC).date())

    def tie_out_since(self, first_day: date) -> dict[str, Any]:
        """Tie out each UTC day from ``first_day`` to today: a run that crosses midnight placed orders on two
        days, and one day's report holds only that day's records. ``days``, and every day's ``rows``."""
        today = datetime.now(UTC).date()
        days = [first_day + timedelta(days=n) for n in range((today - first_day).days + 1)]
        reports = [self.tie_out(day) for day in days]
        return {
            "days": [day.isoformat() for day in days],
            "rows": [row for report in reports for row in report["rows"]],
        }

    # --- customers, B2B companies, cancellations --------------------------------------------------------
    def sync_customers(self, trigger_id: str = "1") -> list[FlowResult]:
        """Customers store → ERP, then ERP → store, each field from its owner (flows/customers.py)."""
        to_erp = self.run_poll(customers.STORE_POLLER, trigger_id)
        return to_erp + self.run_poll(customers.ERP_POLLER, trigger_id)

    def place_company_order(self, lines: list[tuple[str, int]], *, company_index: int = 0) -> str:
        """A B2B buyer orders for their company (a seeded Shopify company, at its first location), on the
        company's payment terms: nothing is paid at checkout."""
        company = self._graphql(COMPANIES_QUERY, {})["companies"]["nodes"][company_index]
        variants = self._variants_by_sku()
        order = {
            "email": company["mainContact"]["customer"]["email"],
            "lineItems": [
                {
                    "variantId": variants[sku]["id"],
                    "quantity": quantity,
                    "priceSet": {"shopMoney": {"amount": variants[sku]["price"], "currencyCode": "USD"}},
                }
                for sku, quantity in lines
            ],
            "purchasingEntity": {
                "purchasingCompany": {
                    "companyId": company["id"],
                    "companyLocationId": company["locations"]["nodes"][0]["id"],
                }
            },
            "financialStatus": "PENDING",
        }
        created = self._graphql(ORDER_CREATE, {"order": order})["orderCreate"]
        if created["userErrors"]:
            raise RuntimeError(f"Shopify sandbox refused the demo B2B order: {created['userErrors']}")
        order_id = str(created["order"]["id"]).rsplit("/", 1)[-1]
        self.placed_orders.append(order_id)
        return order_id

    def edit_in_store(
        self, order_id: str, *, units: dict[str, int], add: dict[str, int] | None = None
    ) -> Decimal:
        """Staff edit the order in Shopify (begin, set units per SKU, add variants, commit); returns the
        order's new total."""
        edit = self._edit_step(ORDER_EDIT_BEGIN, {"id": f"gid://shopify/Order/{order_id}"})["calculatedOrder"]
        for line in edit["lineItems"]["nodes"]:
            if line["sku"] in units:
                variables = {"id": edit["id"], "line": line["id"], "quantity": units[line["sku"]]}
                self._edit_step(ORDER_EDIT_SET_QUANTITY, variables)
        variants = self._variants_by_sku()
        for sku, quantity in (add or {}).items():
            self._edit_step(
                ORDER_EDIT_ADD_VARIANT,
                {"id": edit["id"], "variant": variants[sku]["id"], "quantity": quantity},
            )
        committed = self._edit_step(ORDER_EDIT_COMMIT, {"id": edit["id"]})["order"]
        return Decimal(committed["totalPriceSet"]["shopMoney"]["amount"])

    def _edit_step(self, mutation: str, variables: dict[str, Any]) -> dict[str, Any]:
        data = self._graphql(mutation, variables)
        payload: dict[str, Any] = next(iter(data.values()))
        if payload["userErrors"]:
            raise RuntimeError(f"Shopify sandbox refused the order edit: {payload['userErrors']}")
        return payload

    def cancel_in_store(self, order_id: str) -> None:
        """The shopper cancels the order in Shopify (stock restocked, no refund: nothing was captured yet)."""
        result = self._graphql(ORDER_CANCEL, {"orderId": f"gid://shopify/Order/{order_id}"})["orderCancel"]
        if result["orderCancelUserErrors"]:
            raise RuntimeError(
                f"Shopify sandbox refused to cancel {order_id}: {result['orderCancelUserErrors']}"
            )


@contextmanager
def demo_environment(
    database_url: str,
    *,
    erp: str = "netsuite",
    worker_id: str = "demo",
    email_sink: EmailSink | None = None,
    shipping_confirmation: str = "store",
    netsuite_settings: NetSuiteSettings | None = None,
    shop_concurrency: int = SHOP_CONCURRENCY,
) -> Iterator[DemoEnvironment]:
    """Serve the Shopify sandbox and the ERP (the NetSuite sandbox, or a real Tryton), connect erpsync to
    them, launch the engine with every flow; tear everything down after.

    With ``email_sink`` the shipping confirmations go to it: sent by the Shopify sandbox
    (``shipping_confirmation="store"``, Shopify's notifyCustomer) or by erpsync's notifier (``"erpsync"``).
    ``shop_concurrency``: Shopify flows at once (a big chaos run on a Plus shop's rate limit raises it; every
    worker on the same database must declare the same).
    """
    if erp not in ERPS:
        raise ValueError(f"unknown demo ERP {erp!r}; choose one of {', '.join(ERPS)}")
    shopify_sandbox = build_sandbox("shopify", seed=SHOPIFY_SEED)
    with ExitStack() as stack:
        shopify_server = stack.enter_context(serve_in_thread(shopify_sandbox.app))
        shop_credentials = shopify_sandbox.credentials()
        shop = ShopifyConnector(
            shop_credentials["shop_domain"],
            shop_credentials["access_token"],
            shop_credentials["api_version"],
            base_url=shopify_server.url,
        )
        stack.callback(shop.close)
        erp_connector, desk = (
            _start_netsuite(stack, netsuite_settings) if erp == "netsuite" else _start_tryton(stack)
        )
        store = Store.open(database_url)
        stack.callback(store.close)
        hub = Hub(store=store, shop=shop, erp=erp_connector, location_map=_location_map(shop, erp_connector))
        if email_sink is not None:
            _send_mail_to(email_sink, shipping_confirmation, shopify_sandbox, hub)
        engine = Engine(database_url, worker_id=worker_id)
        engine.budget(shop.system, concurrency=shop_concurrency)
        # The demo's Tryton runs on SQLite, which serialises writers: one sale at a time (on PostgreSQL more).
        engine.budget(erp_connector.system, concurrency=NETSUITE_CONCURRENCY if erp == "netsuite" else 1)
        register_flows(engine, hub)
        engine.launch()
        stack.callback(engine.shutdown)
        yield DemoEnvironment(
            engine=engine,
            hub=hub,
            desk=desk,
            shopify_url=shopify_server.url,
            shopify_credentials=shop_credentials,
            shopify_sandbox=shopify_sandbox,
            email_sink=email_sink,
            netsuite_url=desk.url if isinstance(desk, NetSuiteDesk) else None,
        )


def _send_mail_to(sink: EmailSink, mode: str, shopify_sandbox: Any, hub: Hub) -> None:
    """Who sends the shipping confirmation, to the sink: the store, erpsync, or nobody ("off")."""
    smtp = {"host": sink.host, "port": sink.smtp_port, "starttls": False}
    settings = {"smtp": smtp, "from": DEMO_SENDER, "shipping_confirmation": mode}
    configure_notifications(hub, Notifications.model_validate(settings))
    if mode == "store":
        shopify_sandbox.notifications.configure({"smtp_host": sink.host, "smtp_port": sink.smtp_port})


def _start_netsuite(
    stack: ExitStack, settings: NetSuiteSettings | None = None
) -> tuple[ErpConnector, ErpDesk]:
    sandbox = build_sandbox("netsuite", seed=NETSUITE_SEED)
    server = stack.enter_context(serve_in_thread(sandbox.app))
    credentials = sandbox.credentials()
    connector = NetSuiteConnector(
        credentials["account_id"],
        server.url,
        auth_from_credentials(server.url, credentials),
        settings=settings,
    )
    stack.callback(connector.close)
    return connector, NetSuiteDesk(server.url, connector)


def _start_tryton(stack: ExitStack) -> tuple[ErpConnector, ErpDesk]:
    """A real trytond (installed into ./.venv-tryton on first use: a minute or two, once)."""
    server = stack.enter_context(running_tryton())
    client = TrytonClient(server.url, server.database, server.login, server.password)
    stack.callback(client.close)
    return TrytonConnector(client), TrytonDesk(client)


def _location_map(shop: ShopifyConnector, erp: ErpConnector) -> dict[str, str]:
    """The demo's warehouse plan: the ERP's locations, in order, stock the store's first locations."""
    store_locations = [location.code for location in shop.locations()]
    erp_locations = [location.code for location in erp.locations()]
    return dict(zip(erp_locations, store_locations, strict=False))


def _address(email: str) -> dict[str, str]:
    name = email.split("@")[0].title()
    return {
        "firstName": name,
        "lastName": "Demo",
        "address1": "1 Market Street",
        "city": "San Francisco",
        "provinceCode": "CA",
        "countryCode": "US",
        "zip": "94105",
    }


def _total(variants: dict[str, dict[str, Any]], lines: list[tuple[str, int]], percent: int = 0) -> str:
    """What the shopper pays: each line less ``percent`` off (rounded per line, as Shopify allocates it)."""
    total = Decimal("0")
    for sku, quantity in lines:
        gross = Decimal(variants[sku]["price"]) * quantity
        total += gross - (gross * percent / 100).quantize(Decimal("0.01"))
    return str(total)


def shopper_basket(rng: random.Random, skus: list[str]) -> list[tuple[str, int]]:
    """One to three different SKUs, one or two of each: a realistic small web order."""
    return [(sku, rng.randint(1, 2)) for sku in rng.sample(skus, k=min(len(skus), rng.randint(1, 3)))]


@dataclass
class DemoReport:
    products: int
    inventory_levels: int
    orders: list[dict[str, Any]]
    held_then_released: dict[str, Any] | None
    exceptions: int


def run_demo(
    database_url: str,
    *,
    erp: str = "netsuite",
    order_count: int = 5,
    seed: int = 1,
    say: Any = print,
    then: Callable[[DemoEnvironment, DemoReport], None] | None = None,
) -> DemoReport:
    """Order to cash on the sandboxes; ``say`` receives one line per step (the CLI prints them); ``then``
    runs with everything still up (``erpsync demo --serve`` serves the dashboard over the demo's state)."""
    rng = random.Random(seed)
    with demo_environment(database_url, erp=erp) as env:
        products = env.sync_catalog()
        say(f"catalog: {len(products)} {erp} items are now Shopify products")
        env.desk.receive_goods(env.erp_skus(), 40)
        levels = env.sync_inventory().value["levels_pushed"]
        say(f"inventory: {levels} SKU × location quantities set in Shopify (ERP stock − safety stock)")
        erp_skus = env.erp_skus()
        for number in range(order_count):
            env.place_order(shopper_basket(rng, erp_skus), email=f"shopper{number + 1}@example.com")
        say(f"shoppers: {order_count} orders placed in Shopify")
        synced = env.sync_orders()
        say(f"order to ERP: {sum(r.status == 'completed' for r in synced)} {erp} sales orders created")
        env.ship_open_orders()
        shipped = env.sync_fulfillments()
        done = sum(r.status == "completed" for r in shipped)
        say(f"fulfillment: {done} {erp} shipments are Shopify fulfillments with tracking")
        # Adding an item is shown on NetSuite; the Tryton demo leaves its catalog as it is.
        held = _hold_and_release(env, say) if erp == "netsuite" else None
        report = DemoReport(
            products=len(products),
            inventory_levels=levels,
            orders=[_order_line(env, order_id) for order_id in env.placed_orders],
            held_then_released=held,
            exceptions=len(env.hub.store.exceptions(status="open")),
        )
        if then is not None:
            then(env, report)
        return report


def _hold_and_release(env: DemoEnvironment, say: Any) -> dict[str, Any]:
    """An order for a SKU the ERP does not know waits, visibly; adding the item in the ERP releases it."""
    store_only = sorted(set(env._variants_by_sku()) - set(env.erp_skus()))[0]
    order_id = env.place_order([(store_only, 1)], email="early.adopter@example.com")
    env.sync_orders("held")
    holds = [h for h in env.hub.store.holds() if h.business_key == f"{env.hub.shop.system}:{order_id}"]
    if not holds:
        raise RuntimeError(f"the order for {store_only} was expected to wait for its item, and did not")
    waited_on = holds[0].waits_on
    say(f"hold: the order for {store_only}, unknown to NetSuite, waits on {waited_on}")
    env.desk.add_item(store_only, f"New item {store_only}", "10.00")
    env.sync_catalog("after-new-item")
    sales_order = env.wait_for_sales_order(order_id)
    say(f"release: {store_only} added in NetSuite; the order was released and is sales order {sales_order}")
    return {"order_id": order_id, "sku": store_only, "waited_on": waited_on, "sales_order": sales_order}


def _order_line(env: DemoEnvironment, order_id: str) -> dict[str, Any]:
    order = env.hub.shop.get_order(order_id)
    sales_order = env.hub.store.external_id(env.hub.erp.system, "order", order.business_key)
    tracking = [t.number for f in order.fulfillments for t in f.tracking]
    return {
        "order": order.number or order_id,
        "total": f"{order.totals.total.amount} {order.currency}",
        "sales_order": sales_order,
        "fulfillments": len(order.fulfillments),
        "tracking": ", ".join(tracking),
    }
