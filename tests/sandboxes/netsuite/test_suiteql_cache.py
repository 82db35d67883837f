"""The SuiteQL tables kept between queries: a query right after any kind of write sees it, a query in another
thread never sees half of a write, and a page cut in SQLite is the same page as one cut from the answer."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from erpsync.sandboxes.netsuite import build_sandbox
from erpsync.sandboxes.netsuite.records import record_type_or_404
from erpsync.sandboxes.netsuite.suiteql import run_suiteql, run_suiteql_page

RECORDS = "/services/rest/record/v1"
PERSON = {"isPerson": True, "firstName": "Test", "lastName": "Person"}
STOCK_AT_MAIN = (
    "SELECT iil.quantityonhand, iil.quantitycommitted FROM inventoryitemlocations iil "
    "JOIN item ON item.id = iil.item JOIN location ON location.id = iil.location "
    "WHERE item.itemid = '{sku}' AND location.externalid = 'main-warehouse'"
)


def _rows(netsuite: Any, query: str) -> list[dict[str, Any]]:
    response = netsuite.suiteql(query)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _one(netsuite: Any, query: str) -> dict[str, Any]:
    rows = _rows(netsuite, query)
    assert len(rows) == 1, rows
    return rows[0]


def _stock_at_main(netsuite: Any, sku: str) -> tuple[str, str]:
    row = _one(netsuite, STOCK_AT_MAIN.format(sku=sku))
    return row["quantityonhand"], row.get("quantitycommitted", "0")


def _give_stock(netsuite: Any, sku: str, quantity: int) -> None:
    line = {
        "item": {"externalId": sku},
        "location": {"externalId": "main-warehouse"},
        "adjustQtyBy": quantity,
    }
    netsuite.create("inventoryAdjustment", {"inventory": {"items": [line]}})


def _order(netsuite: Any, sku: str, quantity: int, external_id: str) -> str:
    order_id: str = netsuite.create(
        "salesOrder",
        {
            "entity": {"externalId": "cust-2001"},
            "externalId": external_id,
            "location": {"externalId": "main-warehouse"},
            "item": {"items": [{"item": {"externalId": sku}, "quantity": quantity, "rate": 10}]},
        },
    )
    return order_id


def test_a_query_after_create_update_upsert_and_delete_sees_each_write(netsuite: Any) -> None:
    by_email = "SELECT id, email, phone FROM customer WHERE email LIKE '%@cache.example' ORDER BY id"
    assert _rows(netsuite, by_email) == []  # the table is built now; every write below must show

    created = netsuite.create(
        "customer", {"entityId": "C9001", **PERSON, "lastName": "Ada", "email": "ada@cache.example"}
    )
    assert [row["id"] for row in _rows(netsuite, by_email)] == [created]

    netsuite.client.patch(f"{RECORDS}/customer/{created}", json={"phone": "555-0101"})
    assert _rows(netsuite, by_email)[0]["phone"] == "555-0101"

    upsert = {**PERSON, "entityId": "C9002", "lastName": "Bo", "email": "bo@cache.example"}
    assert netsuite.client.put(f"{RECORDS}/customer/eid:cache-bo", json=upsert).status_code == 204
    assert len(_rows(netsuite, by_email)) == 2
    assert (
        netsuite.client.put(f"{RECORDS}/customer/eid:cache-bo", json={"phone": "555-0102"}).status_code == 204
    )
    assert [row.get("phone") for row in _rows(netsuite, by_email)] == ["555-0101", "555-0102"]

    assert netsuite.client.delete(f"{RECORDS}/customer/{created}").status_code == 204
    assert [row["email"] for row in _rows(netsuite, by_email)] == ["bo@cache.example"]


def test_a_query_after_stock_writes_sees_adjustments_commitments_and_fulfillments(netsuite: Any) -> None:
    on_hand, _ = _stock_at_main(netsuite, "SKU-1001")
    _give_stock(netsuite, "sku-1001", 10)
    assert _stock_at_main(netsuite, "SKU-1001") == (str(int(on_hand) + 10), "0")

    order_id = _order(netsuite, "sku-1001", 3, "cache-order-1")
    assert _stock_at_main(netsuite, "SKU-1001") == (str(int(on_hand) + 10), "3")  # committed to the order

    orders = f"SELECT id, BUILTIN.DF(status) AS status FROM transaction WHERE id = {order_id}"
    assert _one(netsuite, orders)["status"] == "Sales Order : Pending Fulfillment"
    response = netsuite.client.post(f"{RECORDS}/salesOrder/{order_id}/!transform/itemFulfillment")
    assert response.status_code == 204, response.text
    assert _one(netsuite, orders)["status"] == "Sales Order : Pending Billing"
    assert _stock_at_main(netsuite, "SKU-1001") == (str(int(on_hand) + 7), "0")
    shipped = f"SELECT id FROM transaction WHERE type = 'ItemShip' AND createdfrom = {order_id}"
    assert len(_rows(netsuite, shipped)) == 1


def test_a_query_after_a_payment_sees_the_invoice_it_paid(netsuite: Any) -> None:
    _give_stock(netsuite, "sku-1002", 5)
    order_id = _order(netsuite, "sku-1002", 1, "cache-order-2")
    netsuite.client.post(f"{RECORDS}/salesOrder/{order_id}/!transform/itemFulfillment")
    billed = netsuite.client.post(f"{RECORDS}/salesOrder/{order_id}/!transform/invoice")
    invoice_id = billed.headers["location"].rsplit("/", 1)[-1]
    invoice = f"SELECT foreignamountremaining, foreignamountpaid FROM transaction WHERE id = {invoice_id}"
    assert _one(netsuite, invoice)["foreignamountremaining"] == "10"

    paid = netsuite.client.post(f"{RECORDS}/invoice/{invoice_id}/!transform/customerPayment")
    assert paid.status_code == 204, paid.text
    assert _one(netsuite, invoice) == {"links": [], "foreignamountremaining": "0", "foreignamountpaid": "10"}


def test_a_query_after_the_warehouse_shipped_sees_the_fulfillment(netsuite: Any) -> None:
    _give_stock(netsuite, "sku-1003", 5)
    order_id = _order(netsuite, "sku-1003", 2, "cache-order-3")
    shipped = (
        f"SELECT id, trackingnumberlist FROM transaction WHERE type = 'ItemShip' AND createdfrom = {order_id}"
    )
    assert _rows(netsuite, shipped) == []

    netsuite.sandbox.warehouse.configure({"enabled": True, "delay_seconds": 0})
    rows = _rows(netsuite, shipped)  # the warehouse works before each request, this one included
    assert len(rows) == 1 and rows[0]["trackingnumberlist"].startswith("1ZSBX")


def test_a_query_after_sandbox_control_calls_sees_the_bulk_seed_and_the_reset(netsuite: Any) -> None:
    bench_items = "SELECT COUNT(*) AS n FROM item WHERE itemid LIKE 'BULK-%'"
    assert _one(netsuite, bench_items)["n"] == "0"
    locations = netsuite.client.post("/_sandbox/netsuite/bulk-seed", json={"locations": ["main-warehouse"]})
    main = locations.json()["locations"]["main-warehouse"]
    items = [{"sku": f"BULK-{n}", "stock": {main: 4}} for n in range(3)]
    seeded = netsuite.client.post("/_sandbox/netsuite/bulk-seed", json={"items": items})
    assert seeded.status_code == 200, seeded.text
    assert _one(netsuite, bench_items)["n"] == "3"
    assert _stock_at_main(netsuite, "BULK-2") == ("4", "0")

    assert netsuite.client.post("/_sandbox/reset").status_code in (200, 204)
    assert _one(netsuite, bench_items)["n"] == "0"


def test_a_refused_write_leaves_the_query_answering_the_stock_it_restored() -> None:
    account = build_sandbox(seed=7).account
    store = account.store
    item = store.get(record_type_or_404("inventoryItem"), "eid:sku-1004")
    query = f"SELECT SUM(quantityonhand) AS on_hand FROM inventoryitemlocations WHERE item = {item['id']}"
    before = run_suiteql(account, query)
    kept = dict(store.stock)
    for key in [key for key in store.stock if key[0] == item["id"]]:
        store.stock[key] += 100
    assert run_suiteql(account, query) != before
    store.stock = kept  # what Account._update does when a change is refused
    assert run_suiteql(account, query) == before


def test_a_query_in_another_thread_never_sees_half_of_a_write() -> None:
    """Customers are created five at a time under the account's lock, as one request's writes are: every
    count a concurrent query answers is a whole number of batches, never a table caught mid-build."""
    account = build_sandbox(seed=7).account
    count = "SELECT COUNT(*) AS n FROM customer"
    base = int(run_suiteql(account, count)[0]["n"])
    done = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for batch in range(30):
                with account.lock:
                    for n in range(5):
                        account.create("customer", {**PERSON, "entityId": f"T{batch}-{n}"})
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    def read() -> None:
        try:
            while not done.is_set():
                seen.append(int(run_suiteql(account, count)[0]["n"]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write), threading.Thread(target=read), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all((n - base) % 5 == 0 and base <= n <= base + 150 for n in seen), sorted(set(seen))
    assert int(run_suiteql(account, count)[0]["n"]) == base + 150


@pytest.mark.parametrize(
    "query",
    [
        "SELECT id, itemid FROM item ORDER BY itemid",
        "SELECT id, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified FROM item "
        "WHERE lastmodifieddate >= TO_TIMESTAMP('2000-01-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS') "
        "ORDER BY lastmodifieddate DESC, id",
        "SELECT DISTINCT location FROM inventoryitemlocations ORDER BY location",
        "SELECT item, COUNT(*) AS n FROM inventoryitemlocations GROUP BY item ORDER BY item",
        "SELECT id FROM item WHERE ROWNUM <= 7 ORDER BY id",
        "SELECT id FROM item ORDER BY id FETCH FIRST 4 ROWS ONLY",
        "SELECT id AS ident FROM customer WHERE ident > 0 ORDER BY ident",  # SQLite lets WHERE use an alias
        "SELECT id FROM customer UNION SELECT id FROM location",
        "SELECT * FROM location",
    ],
)
def test_pages_cut_in_sqlite_are_the_pages_of_the_whole_answer(query: str) -> None:
    account = build_sandbox(seed=7).account
    answer = run_suiteql(account, query)
    for offset in (0, 3, 5, len(answer), len(answer) + 2):
        window = run_suiteql_page(account, query, offset=offset, limit=3)
        assert len(window) == len(answer)
        assert window[offset : offset + 3] == answer[offset : offset + 3]


def test_external_ids_are_found_after_insert_change_and_delete() -> None:
    account = build_sandbox(seed=7).account
    customer = record_type_or_404("customer")
    _, created = account.create("customer", {**PERSON, "entityId": "C9100", "externalId": "first"})
    assert account.store.find(customer, "eid:first") is created
    account.update("customer", created["id"], {"externalId": "second"})
    assert account.store.find(customer, "eid:first") is None
    assert account.store.find(customer, "eid:second") is created
    account.delete("customer", "eid:second")
    assert account.store.find(customer, "eid:second") is None
    _, again = account.create("customer", {**PERSON, "entityId": "C9101", "externalId": "second"})
    assert account.store.find(customer, "eid:second") is again
