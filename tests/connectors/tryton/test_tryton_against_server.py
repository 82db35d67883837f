"""The Tryton connector against a real trytond 8.2 (sale, stock, account_invoice): login, orders to sales,
shipments back as fulfillments, stock changes as inventory levels, invoices and credit notes."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from tests.connectors.tryton.conftest import SEED_SKUS, OrderFactory, make_customer, usd

from erpsync.connectors.tryton import TrytonClient, TrytonConnector
from erpsync.errors import ConfigError, DataError, MissingPrerequisite
from erpsync.model import Refund
from erpsync.sandboxes.tryton import TrytonServer, add_stock, ship_sale

# The first test in a session may install Tryton and build its template database (1-2 min on 2 cores, more
# on a busy machine): room beyond the suite's 300 s per test, for that setup only.
pytestmark = [pytest.mark.tryton, pytest.mark.timeout(900)]


class RecordingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str | None]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        import json

        self.calls.append((json.loads(request.content)["method"], request.headers.get("Authorization")))
        return super().handle_request(request)


def test_client_logs_in_once_and_sends_the_session_on_every_call(tryton_server: TrytonServer) -> None:
    transport = RecordingTransport()
    client = TrytonClient(
        tryton_server.url,
        tryton_server.database,
        tryton_server.login,
        tryton_server.password,
        transport=transport,
    )
    for _ in range(3):
        client.search_read("product.product", [], ["id"])
    methods = [method for method, _ in transport.calls]
    assert methods.count("common.db.login") == 1
    assert methods[0] == "common.db.login"
    after_login = [auth for method, auth in transport.calls if method != "common.db.login"]
    assert len(after_login) == 4  # preferences once, then three searches
    assert all(auth and auth.startswith("Session ") for auth in after_login)
    assert tryton_server.password not in repr(client)


def test_bad_password_is_a_config_error_without_the_password(tryton_server: TrytonServer) -> None:
    client = TrytonClient(tryton_server.url, tryton_server.database, tryton_server.login, "wrong-secret-pw")
    with pytest.raises(ConfigError) as raised:
        client.login()
    assert "wrong-secret-pw" not in str(raised.value.as_dict())


def test_unknown_database_is_a_config_error(tryton_server: TrytonServer) -> None:
    client = TrytonClient(tryton_server.url, "no_such_db", tryton_server.login, tryton_server.password)
    with pytest.raises(ConfigError):
        client.login()


def test_order_becomes_a_confirmed_sale_and_a_replay_does_not_double_it(
    connector: TrytonConnector, make_order: OrderFactory
) -> None:
    party_id = connector.upsert_customer(make_customer("501", "ann.501@example.com"), idempotency_key="c-501")
    order = make_order(customer_id="501")

    sale_id = connector.upsert_sales_order(order, idempotency_key=order.business_key)
    replayed = connector.upsert_sales_order(order, idempotency_key=order.business_key)

    assert replayed == sale_id
    sales = connector.client.search_read(
        "sale.sale",
        [["description", "=", order.business_key]],
        ["id", "state", "party", "reference", "total_amount", "comment", "shipments", "lines"],
    )
    assert len(sales) == 1
    (sale,) = sales
    assert sale["state"] == "processing"  # quoted, confirmed and processed: the shipment exists
    assert str(sale["party"]) == party_id
    assert sale["reference"] == order.number
    assert sale["total_amount"] == order.totals.total.amount
    assert sale["comment"] == "leave at the door"
    assert len(sale["shipments"]) == 1
    lines = connector.client.read("sale.line", sale["lines"], ["product.code", "quantity", "unit_price"])
    assert sorted((line["product."]["code"], line["quantity"], line["unit_price"]) for line in lines) == [
        ("ERP-MUG", 1, SEED_SKUS["ERP-MUG"]),
        ("ERP-TEE-S", 2, SEED_SKUS["ERP-TEE-S"]),
    ]


def test_upserting_a_customer_twice_keeps_one_party(connector: TrytonConnector) -> None:
    customer = make_customer("502", "bo.502@example.com")
    first = connector.upsert_customer(customer, idempotency_key="c-502")
    second = connector.upsert_customer(customer, idempotency_key="c-502")
    assert first == second
    mechanisms = connector.client.search_read(
        "party.contact_mechanism", [["party", "=", int(first)]], ["type", "value"]
    )
    assert sorted((m["type"], m["value"]) for m in mechanisms) == [
        ("email", "bo.502@example.com"),
        ("phone", "+1 555 0100"),
    ]


def test_unknown_sku_waits_for_the_variant(connector: TrytonConnector, make_order: OrderFactory) -> None:
    connector.upsert_customer(make_customer("503", "cy.503@example.com"), idempotency_key="c-503")
    order = make_order(customer_id="503", lines=[("ERP-TEE-S", 1, "25.00"), ("NO-SUCH-SKU", 1, "3.00")])
    with pytest.raises(MissingPrerequisite) as raised:
        connector.upsert_sales_order(order, idempotency_key=order.business_key)
    assert raised.value.prerequisite == "variant:NO-SUCH-SKU"
    assert connector.find_sale(order.business_key) is None


def test_unknown_customer_waits_for_the_customer(
    connector: TrytonConnector, make_order: OrderFactory
) -> None:
    order = make_order(customer_id="never-synced")
    with pytest.raises(MissingPrerequisite) as raised:
        connector.upsert_sales_order(order, idempotency_key=order.business_key)
    assert raised.value.prerequisite == "customer:shopify:never-synced"


def test_processed_shipment_comes_back_as_a_fulfillment_with_tracking(
    connector: TrytonConnector, make_order: OrderFactory
) -> None:
    connector.upsert_customer(make_customer("504", "di.504@example.com"), idempotency_key="c-504")
    add_stock(connector.client, "ERP-TEE-S", 10)
    add_stock(connector.client, "ERP-MUG", 10)
    order = make_order(customer_id="504")
    sale_id = connector.upsert_sales_order(order, idempotency_key=order.business_key)
    cursor = _drain(connector.fulfillments_changed_since)
    (sale,) = connector.client.read("sale.sale", [int(sale_id)], ["shipments", "lines"])
    (shipment_id,) = sale["shipments"]

    client = connector.client
    client.button("stock.shipment.out", "assign_try", [shipment_id])
    client.button("stock.shipment.out", "pick", [shipment_id])
    client.button("stock.shipment.out", "pack", [shipment_id])
    batch = connector.fulfillments_changed_since(cursor)
    (packed,) = [f for f in batch.records if f.origin.id == str(shipment_id)]
    assert packed.status == "open"  # packed is not shipped yet: the flow does not tell the store
    client.write("stock.shipment.out", [shipment_id], {"reference": "1Z999AA10123456784"})
    client.button("stock.shipment.out", "do", [shipment_id])

    batch = connector.fulfillments_changed_since(batch.cursor)
    (fulfillment,) = [f for f in batch.records if f.origin.id == str(shipment_id)]
    assert fulfillment.status == "success"
    assert fulfillment.order_id == sale_id
    assert [t.number for t in fulfillment.tracking] == ["1Z999AA10123456784"]
    assert fulfillment.location_code == "WH"
    assert fulfillment.shipped_at is not None
    assert sorted((line.sku, line.quantity) for line in fulfillment.lines) == [
        ("ERP-MUG", 1),
        ("ERP-TEE-S", 2),
    ]
    assert {line.line_id for line in fulfillment.lines} == {str(line_id) for line_id in sale["lines"]}
    order_key, store_lines = connector.store_order_of_sale(fulfillment.order_id)
    assert order_key == order.business_key
    assert sorted(store_lines[line.line_id] for line in fulfillment.lines) == sorted(
        line.line_id for line in order.lines
    )
    again = connector.fulfillments_changed_since(batch.cursor)
    assert str(shipment_id) not in {f.origin.id for f in again.records}  # the overlap re-reads, not re-sends


def test_stock_changed_in_tryton_shows_up_as_an_inventory_level(connector: TrytonConnector) -> None:
    cursor = _drain(connector.inventory_changed_since)
    (before,) = [
        level
        for level in connector.inventory_levels(_product_ids(connector, "ERP-MUG"))
        if level.sku == "ERP-MUG"
    ]

    add_stock(connector.client, "ERP-MUG", 7)

    batch = connector.inventory_changed_since(cursor)
    (level,) = [level for level in batch.records if level.sku == "ERP-MUG"]
    assert level.location_code == "WH"
    assert level.on_hand == before.on_hand + 7
    assert level.available == before.available + 7
    assert level.business_key == "ERP-MUG@WH"
    assert not [
        level for level in connector.inventory_changed_since(batch.cursor).records if level.sku == "ERP-MUG"
    ]


def test_locations_are_the_warehouses(connector: TrytonConnector) -> None:
    assert [(location.code, location.name) for location in connector.locations()] == [("WH", "Warehouse")]


def test_catalog_polling_reads_products_with_sku_and_price(connector: TrytonConnector) -> None:
    products, cursor, more = [], None, True
    while more:
        batch = connector.products_changed_since(cursor)
        products += batch.records
        cursor, more = batch.cursor, batch.more
    prices = {p.variants[0].sku: p.variants[0].price for p in products}
    assert prices["ERP-TEE-S"] == usd("25.00")
    assert prices["ERP-MUG"] == usd("12.50")
    connector.client.write("product.template", [_template_id(connector, "ERP-MUG")], {"list_price": "13.00"})
    changed = connector.products_changed_since(cursor)
    assert [(p.variants[0].sku, p.variants[0].price) for p in changed.records] == [("ERP-MUG", usd("13.00"))]


def test_invoice_is_posted_once_and_a_refund_becomes_one_credit_note(
    connector: TrytonConnector, make_order: OrderFactory
) -> None:
    connector.upsert_customer(make_customer("505", "ed.505@example.com"), idempotency_key="c-505")
    order = make_order(customer_id="505", lines=[("ERP-TEE-S", 2, "25.00")])
    connector.upsert_sales_order(order, idempotency_key=order.business_key)

    invoice = connector.create_invoice(order, idempotency_key=f"{order.business_key}:invoice")
    again = connector.create_invoice(order, idempotency_key=f"{order.business_key}:invoice")

    assert again.number == invoice.number
    assert invoice.status == "open"
    assert invoice.total == usd("50.00")
    refund = Refund.model_validate(
        {
            "origin": {"system": "shopify", "id": f"r-{order.origin.id}", "updated_at": datetime.now(UTC)},
            "order_id": order.origin.id,
            "lines": [
                {
                    "line_id": order.lines[0].line_id,
                    "sku": "ERP-TEE-S",
                    "quantity": 1,
                    "subtotal": usd("25.00"),
                }
            ],
            "total": usd("25.00"),
            "reason": "damaged",
        }
    )
    credit = connector.create_credit_memo(refund, idempotency_key=refund.business_key)
    replay = connector.create_credit_memo(refund, idempotency_key=refund.business_key)
    assert replay.number == credit.number
    assert credit.total == usd("25.00")
    assert credit.status == "open"
    assert [(line.sku, line.quantity, line.amount) for line in credit.lines] == [
        ("ERP-TEE-S", 1, usd("25.00"))
    ]
    notes = connector.client.search_read("account.invoice", [["reference", "=", refund.business_key]], ["id"])
    assert len(notes) == 1


def _drain(poll: object) -> str | None:
    cursor, more = None, True
    while more:
        batch = poll(cursor)  # type: ignore[operator]
        cursor, more = batch.cursor, batch.more
    return cursor


def _product_ids(connector: TrytonConnector, sku: str) -> list[int]:
    return [
        int(row["id"])
        for row in connector.client.search_read("product.product", [["code", "=", sku]], ["id"])
    ]


def _template_id(connector: TrytonConnector, sku: str) -> int:
    (row,) = connector.client.search_read("product.product", [["code", "=", sku]], ["template"])
    return int(row["template"])


def test_a_sale_left_in_draft_by_a_crash_is_confirmed_by_the_replay(
    connector: TrytonConnector, make_order: OrderFactory
) -> None:
    connector.upsert_customer(make_customer("506", "fay.506@example.com"), idempotency_key="c-506")
    order = make_order(customer_id="506")
    draft_id = connector._create_sale(order)  # the first attempt died right after creating the sale

    assert connector.upsert_sales_order(order, idempotency_key=order.business_key) == str(draft_id)
    (sale,) = connector.client.read("sale.sale", [draft_id], ["state"])
    assert sale["state"] == "processing"


def test_cancelling_a_processing_sale_is_refused_as_data(
    connector: TrytonConnector, make_order: OrderFactory
) -> None:
    connector.upsert_customer(make_customer("507", "gus.507@example.com"), idempotency_key="c-507")
    order = make_order(customer_id="507")
    connector.upsert_sales_order(order, idempotency_key=order.business_key)
    with pytest.raises(DataError, match="processing"):
        connector.cancel_sales_order(order, idempotency_key=f"{order.business_key}:cancel")


def test_customers_changed_in_tryton_are_polled_with_email_phone_and_address(
    connector: TrytonConnector,
) -> None:
    cursor = _drain(connector.customers_changed_since)
    party_id = connector.upsert_customer(make_customer("508", "hal.508@example.com"), idempotency_key="c-508")

    batch = connector.customers_changed_since(cursor)

    (customer,) = [c for c in batch.records if c.origin.id == party_id]
    assert (customer.email, customer.phone) == ("hal.508@example.com", "+1 555 0100")
    assert (customer.first_name, customer.last_name) == ("Ann", "Buyer")
    assert customer.default_address is not None
    assert (customer.default_address.line1, customer.default_address.city) == ("1 Main St", "Springfield")


def test_shipping_a_sale_takes_its_units_out_of_the_warehouse_stock(
    connector: TrytonConnector, make_order: OrderFactory
) -> None:
    connector.upsert_customer(make_customer("509", "ida.509@example.com"), idempotency_key="c-509")
    add_stock(connector.client, "ERP-TEE-S", 5)
    cursor = _drain(connector.inventory_changed_since)
    tee_ids = _product_ids(connector, "ERP-TEE-S")
    (before,) = connector.inventory_levels(tee_ids)
    order = make_order(customer_id="509", lines=[("ERP-TEE-S", 3, "25.00")])

    sale_id = connector.upsert_sales_order(order, idempotency_key=order.business_key)
    batch = connector.inventory_changed_since(cursor)
    (reserved,) = [level for level in batch.records if level.sku == "ERP-TEE-S"]
    assert (reserved.on_hand, reserved.reserved, reserved.available) == (
        before.on_hand,
        before.reserved + 3,
        before.available - 3,
    )
    ship_sale(connector.client, int(sale_id), tracking_number="TRACK-509")

    batch = connector.inventory_changed_since(batch.cursor)
    (shipped,) = [level for level in batch.records if level.sku == "ERP-TEE-S"]
    assert (shipped.on_hand, shipped.available) == (before.on_hand - 3, before.available - 3)
