"""The connector against the Shopify sandbox over real HTTP on loopback: paging, throttling, faults, auth,
idempotent replays, incremental reads, bulk reads, and every StoreConnector write."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from erpsync.connectors.base import StoreConnector
from erpsync.connectors.shopify import CostBudget, RetrySchedule, translate, verify_webhook
from erpsync.connectors.shopify.bulk import BulkReader, products_bulk_query
from erpsync.connectors.shopify.connector import CUSTOMER_CREATE, INVENTORY_SET, ShopifyConnector
from erpsync.connectors.shopify.cost import estimate_query_cost
from erpsync.connectors.shopify.translate import gid, legacy_id, product_from_graphql
from erpsync.errors import ConfigError, DataError, TransientError
from erpsync.model import (
    Company,
    CompanyContact,
    CompanyLocation,
    Customer,
    Fulfillment,
    FulfillmentLine,
    InventoryLevel,
    Location,
    Money,
    Origin,
    Product,
    ProductOption,
    Refund,
    RefundLine,
    TrackingInfo,
    Variant,
)
from erpsync.sandboxes.common import RunningSandbox, serve_in_thread
from erpsync.sandboxes.shopify import ShopifySandbox, build_sandbox

FAST_RETRY = RetrySchedule(attempts=4, base_delay=0.01, max_delay=0.05)
PRODUCTS_PAGE = """
query products($first: Int!, $after: String) {
  products(first: $first, after: $after) { nodes { id handle } pageInfo { hasNextPage endCursor } }
}"""
ORDER_CREATE = """
mutation orderCreate($order: OrderCreateOrderInput!) {
  orderCreate(order: $order) { order { id } userErrors { field message } }
}"""
VARIANTS = """{ productVariants(first: 5) { nodes {
  id sku price inventoryItem { id inventoryLevels(first: 1) { nodes { location { id } } } } } } }"""
ORDER_UPDATE = """
mutation orderUpdate($input: OrderInput!) {
  orderUpdate(input: $input) { order { id } userErrors { field message } }
}"""


@pytest.fixture
def sandbox() -> Iterator[tuple[ShopifySandbox, RunningSandbox]]:
    shop = build_sandbox(seed=7)
    with serve_in_thread(shop.app) as running:
        yield shop, running


def test_connector_satisfies_the_store_connector_protocol(sandbox: Any) -> None:
    store: StoreConnector = connect(sandbox)  # mypy checks the signatures; the call checks it runs
    assert store.system == "shopify" and store.locations()


def connect(sandbox: tuple[ShopifySandbox, RunningSandbox], **options: Any) -> ShopifyConnector:
    shop, running = sandbox
    credentials = shop.credentials()
    settings: dict[str, Any] = {"budget": CostBudget(), "retry": FAST_RETRY, **options}
    token = settings.pop("access_token", credentials["access_token"])
    version = settings.pop("api_version", credentials["api_version"])
    return ShopifyConnector(credentials["shop_domain"], token, version, base_url=running.url, **settings)


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def erp_origin(record_id: str) -> Origin:
    return Origin(system="erp", id=record_id, updated_at="2026-04-01T00:00:00Z")


def set_faults(running: RunningSandbox, config: dict[str, Any]) -> dict[str, Any]:
    response = httpx.put(f"{running.url}/_sandbox/faults", json=config)
    response.raise_for_status()
    return dict(response.json())


def injected(running: RunningSandbox) -> dict[str, int]:
    return dict(httpx.get(f"{running.url}/_sandbox/faults").json()["injected"])


def stocked_location(variant: dict[str, Any]) -> Location:
    stocked = variant["inventoryItem"]["inventoryLevels"]["nodes"][0]["location"]["id"]
    return Location(origin=erp_origin(stocked), code=legacy_id(stocked))


def place_order(connector: ShopifyConnector, quantity: int = 2, note: str | None = None) -> str:
    variant = connector.client.execute(VARIANTS)["productVariants"]["nodes"][0]
    order = {
        "currency": "USD",
        "email": "shopper@example.com",
        "note": note,
        "lineItems": [
            {
                "variantId": variant["id"],
                "quantity": quantity,
                "priceSet": {"shopMoney": {"amount": "10.00", "currencyCode": "USD"}},
            }
        ],
        "transactions": [
            {
                "kind": "SALE",
                "status": "SUCCESS",
                "gateway": "manual",
                "amountSet": {"shopMoney": {"amount": str(10 * quantity), "currencyCode": "USD"}},
            }
        ],
    }
    payload = connector.client.mutate(ORDER_CREATE, {"order": order}, payload_key="orderCreate")
    return legacy_id(payload["order"]["id"])


# ------------------------------------------------------------------------------------- reading


def test_paging_reads_every_product_exactly_once(sandbox: Any) -> None:
    connector = connect(sandbox)
    products = list(connector.client.paginate(PRODUCTS_PAGE, connection_path=("products",), page_size=7))
    ids = [p["id"] for p in products]
    assert len(ids) == 24 and len(set(ids)) == 24


def test_locations_have_their_shopify_id_as_code(sandbox: Any) -> None:
    locations = ShopifyConnector.locations(connect(sandbox))
    assert {loc.name for loc in locations} >= {"Main Warehouse"}
    assert all(loc.code.isdigit() for loc in locations)


def test_created_order_reads_back_as_a_consistent_canonical_order(sandbox: Any) -> None:
    connector = connect(sandbox)
    order_id = place_order(connector, quantity=3)
    order = connector.get_order(order_id)
    assert order.business_key == f"shopify:{order_id}"
    assert order.lines[0].quantity == 3 and order.lines[0].unit_price == usd("10.00")
    assert order.totals.lines == usd("30.00")
    assert order.payments and order.payments[0].gateway == "manual"


def test_orders_changed_since_returns_each_change_once_across_pages(sandbox: Any) -> None:
    connector = connect(sandbox, page_size=2)
    created = {place_order(connector) for _ in range(3)}
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        batch = connector.orders_changed_since(cursor)
        seen += [o.origin.id for o in batch.records]
        cursor = batch.cursor
        if not batch.more:
            break
    assert sorted(seen) == sorted(created)
    # A new scan reads the watermark second again (the poll's versions drop what did not change): only
    # orders of that second, nothing older.
    watermark = max(o.origin.updated_at for o in map(connector.get_order, created))
    again = connector.orders_changed_since(cursor).records
    assert {o.origin.id for o in again} <= created
    assert all(o.origin.updated_at == watermark for o in again)

    shop, _ = sandbox
    shop.clock.advance(5)
    changed = sorted(created)[0]
    connector.client.mutate(
        ORDER_UPDATE, {"input": {"id": gid("Order", changed), "note": "gift"}}, payload_key="orderUpdate"
    )
    gifts: list[str] = []
    for _ in range(5):
        batch = connector.orders_changed_since(cursor)
        gifts += [o.origin.id for o in batch.records if o.note == "gift"]
        cursor = batch.cursor
        if not batch.more:
            break
    assert gifts == [changed]


def test_an_order_changed_twice_within_one_second_is_read_again(sandbox: Any) -> None:
    """Shopify stamps updatedAt in whole seconds: a second change inside the watermark second must not be
    taken for the change already returned (it was, before: a cancellation right after an edit was lost)."""
    shop, _ = sandbox
    connector = connect(sandbox)
    order_id = place_order(connector)
    second = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)

    def update(note: str) -> None:
        shop.clock.set(second)  # both changes land in this one second, however slow the machine is
        connector.client.mutate(
            ORDER_UPDATE, {"input": {"id": gid("Order", order_id), "note": note}}, payload_key="orderUpdate"
        )

    update("first")
    cursor: str | None = None
    while True:
        batch = connector.orders_changed_since(cursor)
        cursor = batch.cursor
        if not batch.more:
            break
    update("second")

    [reread] = [o for o in connector.orders_changed_since(cursor).records if o.origin.id == order_id]
    assert reread.note == "second"


def test_bulk_read_returns_every_product_with_its_variants(sandbox: Any) -> None:
    connector = connect(sandbox)
    reader = BulkReader(connector.client, poll_interval=0.05, timeout=30)
    products = [product_from_graphql(row, currency="USD") for row in reader.run(products_bulk_query())]
    assert len(products) == 24
    assert all(p.variants and all(v.sku for v in p.variants) for p in products)


# --------------------------------------------------------------------------- auth, version, faults


def test_wrong_access_token_is_a_config_error_without_the_token_in_it(sandbox: Any) -> None:
    connector = connect(sandbox, access_token="shpat_wrong_token_value")
    with pytest.raises(ConfigError) as error:
        connector.shop_currency()
    assert "401" in str(error.value) and "shpat_wrong_token_value" not in str(error.value)


def test_answer_from_a_fallen_forward_version_warns(sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    connector = connect(sandbox, api_version="2025-01")
    with caplog.at_level(logging.WARNING):
        connector.shop_currency()
    assert "answered with API version 2025-10 instead of the requested 2025-01" in caplog.text


def test_injected_server_errors_and_resets_are_retried(sandbox: Any) -> None:
    _, running = sandbox
    connector = connect(sandbox)
    set_faults(running, {"script": [{"kind": "server_error"}, {"kind": "reset"}, {"kind": "server_error"}]})
    assert connector.shop_currency() == "USD"
    assert injected(running) == {"server_error": 2, "reset": 1}


def test_giving_up_raises_transient_error_with_retry_after(sandbox: Any) -> None:
    _, running = sandbox
    connector = connect(sandbox)
    set_faults(running, {"script": [{"kind": "server_error"}] * 4})
    with pytest.raises(TransientError) as error:
        connector.shop_currency()
    assert error.value.retry_after is not None and injected(running) == {"server_error": 4}


def test_mutation_without_idempotency_key_is_not_resent_after_an_ambiguous_failure(sandbox: Any) -> None:
    _, running = sandbox
    connector = connect(sandbox)
    set_faults(running, {"script": [{"kind": "reset", "operation": "customerCreate"}]})
    customer = Customer(origin=erp_origin("c-9"), email="new.buyer@example.com", first_name="New")
    with pytest.raises(TransientError, match="not resent"):
        connector.upsert_customer(customer, idempotency_key="flow-1:customer")
    assert injected(running) == {"reset": 1}
    # The engine's retry of the step looks the customer up first, so it cannot create a duplicate.
    assert connector.upsert_customer(customer, idempotency_key="flow-1:customer")


def test_scripted_throttle_is_waited_out_and_retried(sandbox: Any) -> None:
    _, running = sandbox
    connector = connect(sandbox)
    set_faults(running, {"script": [{"kind": "throttle"}]})
    assert connector.shop_currency() == "USD"
    assert connector.client.throttled_responses == 1


def test_throttle_answered_with_http_429_is_retried_too(sandbox: Any) -> None:
    _, running = sandbox
    connector = connect(sandbox)
    httpx.put(
        f"{running.url}/_sandbox/shopify/settings", json={"throttle_status_code": 429}
    ).raise_for_status()
    set_faults(running, {"script": [{"kind": "throttle"}, {"kind": "throttle"}]})
    assert connector.shop_currency() == "USD"
    assert connector.client.throttled_responses == 2


BURST_QUERY = "{ productVariants(first: 30) { nodes { id sku } } }"


def test_burst_over_the_bucket_is_paced_by_the_shared_budget_with_zero_throttles(sandbox: Any) -> None:
    shop, running = sandbox
    credentials = shop.credentials()
    connect(sandbox).shop_currency()  # creates the store and its bucket
    bucket = shop.bucket(credentials["shop_domain"])
    bucket.maximum = (
        300.0  # standard preset (100 points/s) with a small bucket, so a short burst overdraws it
    )

    budget = CostBudget()
    connectors = [connect(sandbox, budget=budget) for _ in range(3)]
    failures: list[BaseException] = []

    def shopper(connector: ShopifyConnector) -> None:
        try:
            for _ in range(6):
                connector.client.execute(BURST_QUERY)
        except BaseException as exc:  # collected and re-raised by the test thread
            failures.append(exc)

    threads = [threading.Thread(target=shopper, args=(c,)) for c in connectors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sum(c.client.throttled_responses for c in connectors) == 0
    assert budget.waited_seconds > 0, "the burst was over the bucket, so the budget had to wait"

    # Control: the same burst sent without a budget is throttled by the sandbox.
    naive = [
        httpx.post(
            f"{running.url}/admin/api/2026-04/graphql.json",
            json={"query": BURST_QUERY},
            headers={
                "X-Shopify-Access-Token": credentials["access_token"],
                "Host": credentials["shop_domain"],
            },
        ).json()
        for _ in range(30)
    ]
    assert any("THROTTLED" in str(answer.get("errors")) for answer in naive)


# ----------------------------------------------------------------------------------------- writes


def test_idempotent_inventory_mutation_replayed_returns_the_original_result(sandbox: Any) -> None:
    connector = connect(sandbox)
    variant = connector.client.execute(VARIANTS)["productVariants"]["nodes"][0]
    location = stocked_location(variant)

    def set_quantity(quantity: int) -> str:
        payload = connector.client.mutate(
            INVENTORY_SET,
            {
                "input": {
                    "name": "available",
                    "reason": "correction",
                    "ignoreCompareQuantity": True,
                    "quantities": [
                        {
                            "inventoryItemId": variant["inventoryItem"]["id"],
                            "locationId": gid("Location", location.code),
                            "quantity": quantity,
                        }
                    ],
                }
            },
            payload_key="inventorySetQuantities",
            idempotency_key="flow-7:inventory",
        )
        return str(payload["inventoryAdjustmentGroup"]["id"])

    first = set_quantity(11)
    assert set_quantity(11) == first, "a replayed key returns the original result, not a new adjustment"
    with pytest.raises(DataError, match="idempotency key"):
        set_quantity(99)
    level = connector.client.execute(
        "query($id: ID!, $loc: ID!) { inventoryItem(id: $id) { inventoryLevel(locationId: $loc) { "
        'quantities(names: ["available"]) { name quantity } } } }',
        {"id": variant["inventoryItem"]["id"], "loc": gid("Location", location.code)},
    )
    assert level["inventoryItem"]["inventoryLevel"]["quantities"][0]["quantity"] == 11


def test_set_inventory_writes_levels_by_sku_and_location_code(sandbox: Any) -> None:
    connector = connect(sandbox)
    variant = connector.client.execute(VARIANTS)["productVariants"]["nodes"][0]
    location = stocked_location(variant)
    level = InventoryLevel(
        origin=erp_origin("inv-1"), sku=variant["sku"], location_code=location.code, on_hand=40, available=37
    )
    connector.set_inventory([level], idempotency_key="flow-8:inventory")
    read = connector.client.execute(
        "query($id: ID!, $loc: ID!) { inventoryItem(id: $id) { inventoryLevel(locationId: $loc) { "
        'quantities(names: ["available"]) { name quantity } } } }',
        {"id": variant["inventoryItem"]["id"], "loc": gid("Location", location.code)},
    )
    assert read["inventoryItem"]["inventoryLevel"]["quantities"][0]["quantity"] == 37


def test_set_inventory_of_an_unknown_sku_is_a_data_error_naming_it(sandbox: Any) -> None:
    connector = connect(sandbox)
    level = InventoryLevel(
        origin=erp_origin("inv-2"), sku="NO-SUCH-SKU", location_code="1", on_hand=1, available=1
    )
    with pytest.raises(DataError, match="NO-SUCH-SKU"):
        connector.set_inventory([level], idempotency_key="flow-9:inventory")


def test_refund_replayed_with_the_same_key_is_created_once(sandbox: Any) -> None:
    connector = connect(sandbox)
    order_id = place_order(connector, quantity=2)
    line_id = connector.get_order(order_id).lines[0].line_id
    refund = Refund(
        origin=erp_origin("cm-1"),
        order_id=order_id,
        lines=[RefundLine(line_id=line_id, quantity=1, subtotal=usd("10.00"))],
        total=usd("10.00"),
    )
    first = connector.create_refund(refund, idempotency_key="flow-3:refund")
    assert connector.create_refund(refund, idempotency_key="flow-3:refund") == first
    assert len(connector.get_order(order_id).refunds) == 1


def test_fulfillment_is_created_once_and_replays_return_it(sandbox: Any) -> None:
    connector = connect(sandbox)
    order_id = place_order(connector, quantity=2)
    line_id = connector.get_order(order_id).lines[0].line_id
    shipment = Fulfillment(
        origin=erp_origin("shp-1"),
        order_id=order_id,
        status="success",
        tracking=[TrackingInfo(number="1Z999", company="UPS")],
        lines=[FulfillmentLine(line_id=line_id, quantity=2)],
    )
    first = connector.create_fulfillment(shipment, idempotency_key="flow-4:fulfillment")
    assert connector.create_fulfillment(shipment, idempotency_key="flow-4:fulfillment") == first
    order = connector.get_order(order_id)
    assert len(order.fulfillments) == 1 and order.fulfillments[0].tracking[0].number == "1Z999"


def test_cancelling_twice_cancels_once(sandbox: Any) -> None:
    connector = connect(sandbox)
    order_id = place_order(connector)
    connector.cancel_order(order_id, reason="customer", idempotency_key="flow-5:cancel")
    connector.cancel_order(order_id, reason="customer", idempotency_key="flow-5:cancel")
    assert connector.get_order(order_id).cancelled_at is not None


def test_customer_upsert_matches_by_email_on_replay(sandbox: Any) -> None:
    connector = connect(sandbox)
    customer = Customer(
        origin=erp_origin("c-1"), email="Replay@Example.com", first_name="Re", last_name="Play"
    )
    first = connector.upsert_customer(customer, idempotency_key="flow-6:customer")
    assert connector.upsert_customer(customer, idempotency_key="flow-6:customer") == first
    assert connector.get_customer(first).last_name == "Play"


def test_company_upsert_matches_by_external_id_on_replay(sandbox: Any) -> None:
    connector = connect(sandbox)
    company = Company(
        origin=erp_origin("k-1"),
        name="Replay Industries",
        code="CUST-4711",
        contacts=[
            CompanyContact(origin=erp_origin("p-1"), email="buyer@replay.example", is_main_contact=True)
        ],
        locations=[CompanyLocation(origin=erp_origin("l-1"), name="Replay HQ", code="SHIP-1")],
    )
    first = connector.upsert_company(company, idempotency_key="flow-2:company")
    assert connector.upsert_company(company, idempotency_key="flow-2:company") == first


def test_product_upsert_by_handle_updates_instead_of_duplicating(sandbox: Any) -> None:
    connector = connect(sandbox)
    product = Product(
        origin=erp_origin("item-1"),
        title="Travel Mug",
        handle="erp-travel-mug",
        options=[ProductOption(name="Color", values=["Red", "Blue"])],
        variants=[
            Variant(origin=erp_origin("v-1"), sku="MUG-RED", options={"Color": "Red"}, price=usd("12.00")),
            Variant(origin=erp_origin("v-2"), sku="MUG-BLUE", options={"Color": "Blue"}, price=usd("12.50")),
        ],
    )
    first = connector.upsert_product(product, idempotency_key="flow-1:product")
    cheaper = product.model_copy(update={"title": "Travel Mug (new)"})
    assert connector.upsert_product(cheaper, idempotency_key="flow-1:product") == first
    products = list(connector.client.paginate(PRODUCTS_PAGE, connection_path=("products",), page_size=50))
    assert [p["handle"] for p in products].count("erp-travel-mug") == 1


# ---------------------------------------------------------------------------------------- webhooks

SUBSCRIBE = """
mutation subscribe($topic: WebhookSubscriptionTopic!, $url: URL!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {callbackUrl: $url, format: JSON}) {
    webhookSubscription { id }
    userErrors { field message }
  }
}"""


WEBHOOK_TRANSLATORS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "orders/create": translate.order_from_rest,
    "refunds/create": translate.refund_from_rest,
    "fulfillments/create": translate.fulfillment_from_rest,
    "customers/create": translate.customer_from_rest,
}


class Receiver:
    """A loopback endpoint recording each delivery's raw body and headers, answering 200."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        deliveries = self.deliveries = list[tuple[bytes, dict[str, str]]]()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                deliveries.append((body, dict(self.headers.items())))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_sandbox_webhooks_verify_and_translate_like_graphql_reads(sandbox: Any) -> None:
    shop, _ = sandbox
    connector = connect(sandbox)
    receiver = Receiver()
    try:
        for topic in ("ORDERS_CREATE", "REFUNDS_CREATE", "FULFILLMENTS_CREATE", "CUSTOMERS_CREATE"):
            connector.client.mutate(
                SUBSCRIBE, {"topic": topic, "url": receiver.url}, payload_key="webhookSubscriptionCreate"
            )
        order_id = place_order(connector, quantity=2)
        order = connector.get_order(order_id)
        line_id = order.lines[0].line_id
        connector.create_fulfillment(
            Fulfillment(
                origin=erp_origin("shp-9"),
                order_id=order_id,
                status="success",
                tracking=[TrackingInfo(number="1Z777", company="UPS")],
                lines=[FulfillmentLine(line_id=line_id, quantity=1)],
            ),
            idempotency_key="flow-10:fulfillment",
        )
        refund = Refund(
            origin=erp_origin("cm-9"),
            order_id=order_id,
            lines=[RefundLine(line_id=line_id, quantity=1, subtotal=usd("10.00"))],
            total=usd("10.00"),
        )
        connector.create_refund(refund, idempotency_key="flow-10:refund")
        connector.upsert_customer(
            Customer(origin=erp_origin("c-10"), email="hook@example.com"), idempotency_key="flow-10:customer"
        )
        assert shop.webhooks.wait_idle(10)
    finally:
        receiver.close()

    secret = shop.credentials()["client_secret"]
    translated: dict[str, Any] = {}
    for body, headers in receiver.deliveries:
        delivery = verify_webhook(body, headers, secrets=["rotated-out-secret", secret])
        payload = json.loads(body)
        translated[delivery.topic] = WEBHOOK_TRANSLATORS[delivery.topic](payload)
    assert set(translated) == {"orders/create", "refunds/create", "fulfillments/create", "customers/create"}
    from_webhook = translated["orders/create"]
    assert from_webhook.business_key == order.business_key
    assert from_webhook.totals == order.totals and from_webhook.lines == order.lines
    assert translated["refunds/create"].order_id == order_id and translated["refunds/create"].total == usd(
        "10.00"
    )
    assert translated["fulfillments/create"].tracking[0].number == "1Z777"
    assert translated["customers/create"].business_key == "hook@example.com"


def test_cost_estimates_of_the_connector_queries_never_undercount_the_calculated_cost(sandbox: Any) -> None:
    """The budget reserves the static estimate for a query it has not sent yet; it must not be too low."""
    connector = connect(sandbox)
    order_id = place_order(connector)
    connector.get_order(order_id)
    connector.orders_changed_since(None)
    connector.locations()
    connector.create_fulfillment(
        Fulfillment(
            origin=erp_origin("shp-11"),
            order_id=order_id,
            status="success",
            lines=[FulfillmentLine(line_id=connector.get_order(order_id).lines[0].line_id, quantity=1)],
        ),
        idempotency_key="flow-11:fulfillment",
    )
    learned = connector.client.estimator._learned
    assert len(learned) >= 5
    for shape, reported in learned.items():
        query, _, sizes = shape.rpartition("\n")
        estimate = estimate_query_cost(query, json.loads(sizes))
        assert estimate >= reported, f"estimate {estimate} < Shopify's {reported} for {query[:60]}"
        assert reported <= 1000


def test_user_errors_become_a_data_error_naming_the_record_and_the_field(sandbox: Any) -> None:
    connector = connect(sandbox)
    taken = {"input": {"email": "taken@example.com"}}
    connector.client.mutate(CUSTOMER_CREATE, taken, payload_key="customerCreate")
    with pytest.raises(DataError) as error:
        connector.client.mutate(CUSTOMER_CREATE, taken, payload_key="customerCreate", record="customer C-7")
    assert error.value.record == "customer C-7" and error.value.field is not None
    assert "email" in error.value.field and "customer C-7" in str(error.value)


def test_code_discounts_translate_with_percentages_as_percent(sandbox: Any) -> None:
    connector = connect(sandbox)
    query = "{ codeDiscountNodes(first: 10) { nodes { " + translate.DISCOUNT_FIELDS + " } } }"
    discounts = {
        d.business_key: d
        for d in map(
            translate.discount_from_graphql, connector.client.execute(query)["codeDiscountNodes"]["nodes"]
        )
    }
    welcome = discounts["WELCOME10"]
    assert welcome.kind == "percentage" and welcome.percentage == Decimal(10)
    assert welcome.codes == ["WELCOME10"]
