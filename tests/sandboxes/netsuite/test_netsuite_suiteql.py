"""SuiteQL as connectors use it: paging with links, change polling on lastmodifieddate, joins for stock."""

from __future__ import annotations

from typing import Any

SUITEQL = "/services/rest/query/v1/suiteql"
POLL = (
    "SELECT id, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified FROM customer "
    "WHERE lastmodifieddate >= TO_TIMESTAMP('{since}', 'YYYY-MM-DD HH24:MI:SS') ORDER BY lastmodifieddate, id"
)


def test_rows_page_with_limit_offset_and_links(netsuite: Any) -> None:
    first = netsuite.suiteql(
        "SELECT id, itemid FROM item WHERE itemtype = 'InvtPart' ORDER BY itemid", limit=5
    )
    assert first.status_code == 200, first.text
    page = first.json()
    assert (page["count"], page["totalResults"], page["hasMore"], page["offset"]) == (5, 12, True, 0)
    assert [row["itemid"] for row in page["items"]] == [f"SKU-{n}" for n in range(1001, 1006)]
    next_url = next(link["href"] for link in page["links"] if link["rel"] == "next")
    second = netsuite.client.post(
        next_url,
        json={"q": "SELECT id, itemid FROM item WHERE itemtype = 'InvtPart' ORDER BY itemid"},
        headers={"Prefer": "transient"},
    ).json()
    assert second["offset"] == 5 and second["items"][0]["itemid"] == "SKU-1006"


def test_values_come_as_strings_and_bare_dates_in_the_account_format(netsuite: Any) -> None:
    row = netsuite.suiteql(
        "SELECT id, isperson, datecreated, email FROM customer WHERE entityid = 'C2001'"
    ).json()
    customer = row["items"][0]
    assert customer["isperson"] == "T" and isinstance(customer["id"], str)
    today = netsuite.sandbox.clock.now()
    assert customer["datecreated"] == f"{today.month}/{today.day}/{today.year}"


def test_change_polling_sees_only_records_modified_since_the_cursor(netsuite: Any) -> None:
    netsuite.sandbox.clock.advance(3600)
    since = netsuite.sandbox.clock.now().strftime("%Y-%m-%d %H:%M:%S")
    netsuite.sandbox.clock.advance(5)
    netsuite.client.patch("/services/rest/record/v1/customer/eid:cust-2003", json={"phone": "555-0199"})
    rows = netsuite.suiteql(POLL.format(since=since)).json()["items"]
    changed = netsuite.get("customer", "eid:cust-2003")
    assert [row["id"] for row in rows] == [changed["id"]]
    assert rows[0]["modified"] == changed["lastModifiedDate"].replace("T", " ").rstrip("Z")


def test_inventory_by_location_join_and_item_lookup_by_sku(netsuite: Any) -> None:
    query = (
        "SELECT i.itemid AS sku, BUILTIN.DF(ail.location) AS location_name, ail.quantityonhand, "
        "ail.quantityavailable FROM item i JOIN aggregateItemLocation ail ON ail.item = i.id "
        "WHERE i.itemid IN ('SKU-1001', 'SKU-1002') ORDER BY i.itemid, location_name"
    )
    rows = netsuite.suiteql(query).json()["items"]
    item = netsuite.get("inventoryItem", "eid:sku-1001", expandSubResources="true")
    by_location = {line["location"]["refName"]: line for line in item["locations"]["items"]}
    first = [row for row in rows if row["sku"] == "SKU-1001"]
    assert {row["location_name"] for row in first} == {"East Coast DC", "Main Warehouse"}
    for row in first:
        assert float(row["quantityonhand"]) == by_location[row["location_name"]]["quantityOnHand"]


def test_sales_order_lines_are_negative_as_netsuite_posts_them(netsuite: Any) -> None:
    order_id = netsuite.create(
        "salesOrder",
        {"entity": {"externalId": "cust-2001"}, "item": {"items": [{"item": {"externalId": "sku-1001"},
                                                                    "quantity": 3, "rate": 2}]}},
    )  # fmt: skip
    query = (
        "SELECT t.tranid, BUILTIN.DF(t.status) AS status, tl.quantity, tl.foreignamount FROM transaction t "
        f"JOIN transactionline tl ON tl.transaction = t.id WHERE t.id = {order_id} AND tl.mainline = 'F'"
    )
    row = netsuite.suiteql(query).json()["items"][0]
    assert row["status"] == "Sales Order : Pending Fulfillment"
    assert (row["quantity"], row["foreignamount"]) == ("-3", "-6")


def test_bad_queries_answer_netsuite_errors(netsuite: Any) -> None:
    for query in ("SELECT id FROM widgets", "SELECT colour FROM customer", "DELETE FROM customer"):
        response = netsuite.suiteql(query)
        assert response.status_code == 400, query
        detail = response.json()["o:errorDetails"][0]
        assert detail["o:errorCode"] == "INVALID_PARAMETER" and "Invalid search query" in detail["detail"]
    no_prefer = netsuite.client.post(SUITEQL, json={"q": "SELECT id FROM customer"})
    assert no_prefer.status_code == 400
    assert netsuite.suiteql("SELECT id FROM customer", limit=1001).status_code == 400
