"""Price levels and item pricing matrices over HTTP: the ``pricelevel`` record, an item's ``price`` sublist
(written with PATCH, read with GET and SuiteQL) and a customer's ``priceLevel``."""

from __future__ import annotations

from typing import Any

RECORDS = "/services/rest/record/v1"
SKU = "eid:sku-1003"  # seeded without Wholesale prices


def _wholesale_id(netsuite: Any) -> str:
    rows = netsuite.suiteql("SELECT id FROM pricelevel WHERE name = 'Wholesale'").json()["items"]
    return str(rows[0]["id"])


def _patch(netsuite: Any, path: str, body: dict[str, Any], **params: str) -> Any:
    return netsuite.client.patch(f"{RECORDS}/{path}", json=body, params=params)


def _line(level: str, price: float, quantity: int = 0) -> dict[str, Any]:
    return {
        "priceLevel": {"id": level},
        "currencyPage": {"id": "1"},
        "quantity": {"value": quantity},
        "price": price,
    }


def _rows(netsuite: Any, query: str) -> list[dict[str, Any]]:
    response = netsuite.suiteql(query)
    assert response.status_code == 200, response.text
    return [{k: v for k, v in row.items() if k != "links"} for row in response.json()["items"]]


def _error(response: Any) -> dict[str, Any]:
    detail: dict[str, Any] = response.json()["o:errorDetails"][0]
    return detail


def _pricing_rows(netsuite: Any, item_id: str, level: str) -> list[dict[str, Any]]:
    query = (
        "SELECT item, pricelevel, unitprice, quantity FROM pricing "
        f"WHERE pricelevel = {level} AND item = {item_id} ORDER BY quantity"
    )
    return _rows(netsuite, query)


def test_a_price_level_is_created_read_and_listed_in_suiteql(netsuite: Any) -> None:
    level_id = netsuite.create(
        "pricelevel", {"name": "Distributor", "discountPct": -35, "externalId": "dist"}
    )
    level = netsuite.get("priceLevel", "eid:dist")
    assert (level["id"], level["name"], level["discountPct"], level["isInactive"]) == (
        level_id,
        "Distributor",
        -35.0,
        False,
    )
    row = _rows(netsuite, f"SELECT name, discountpct, isinactive FROM pricelevel WHERE id = {level_id}")
    assert row == [{"name": "Distributor", "discountpct": "-35", "isinactive": "F"}]
    assert _patch(netsuite, f"pricelevel/{level_id}", {"discountPct": -30}).status_code == 204
    row = _rows(netsuite, f"SELECT discountpct FROM pricelevel WHERE id = {level_id}")
    assert row == [{"discountpct": "-30"}]


def test_a_price_level_needs_a_name(netsuite: Any) -> None:
    response = netsuite.client.post(f"{RECORDS}/pricelevel", json={"discountPct": -5})
    assert response.status_code == 400
    assert _error(response)["o:errorCode"] == "USER_ERROR"
    assert _error(response)["o:errorPath"] == "name"


def test_seeded_wholesale_prices_are_round_and_below_the_base_price(netsuite: Any) -> None:
    wholesale = _wholesale_id(netsuite)
    query = (
        "SELECT i.itemid, i.baseprice, p.unitprice FROM pricing p JOIN item i ON i.id = p.item "
        f"WHERE p.pricelevel = {wholesale} ORDER BY i.itemid"
    )
    rows = netsuite.suiteql(query).json()["items"]
    assert [row["itemid"] for row in rows] == ["SKU-1001", "SKU-1002"]
    for row in rows:
        assert float(row["unitprice"]) == int(float(row["unitprice"])) < float(row["baseprice"])


def test_wholesale_prices_set_by_patch_read_back_by_get_and_suiteql(netsuite: Any) -> None:
    wholesale = _wholesale_id(netsuite)
    item = netsuite.get("inventoryItem", SKU)
    body = {"price": {"items": [_line(wholesale, 12.5), _line(wholesale, 11, quantity=10)]}}
    assert _patch(netsuite, f"inventoryItem/{SKU}", body).status_code == 204

    expanded = netsuite.get("inventoryItem", SKU, expandSubResources="true")
    cells = {
        (line["priceLevel"]["refName"], line["quantity"]["value"]): line["price"]
        for line in expanded["price"]["items"]
    }
    assert cells[("Wholesale", "0")] == 12.5
    assert cells[("Wholesale", "10")] == 11.0
    assert cells[("Base Price", "0")] == item["basePrice"]
    assert "items" not in netsuite.get("inventoryItem", SKU)["price"]  # a link unless expanded

    rows = _pricing_rows(netsuite, item["id"], wholesale)
    assert [(row["unitprice"], row["quantity"]) for row in rows] == [("12.5", "0"), ("11", "10")]
    assert {row["item"] for row in rows} == {item["id"]}


def test_patching_a_cell_again_changes_its_price(netsuite: Any) -> None:
    wholesale = _wholesale_id(netsuite)
    item_id = netsuite.get("inventoryItem", SKU)["id"]
    for price, shown in ((12.5, "12.5"), (9, "9")):
        body = {"price": {"items": [_line(wholesale, price)]}}
        assert _patch(netsuite, f"inventoryItem/{SKU}", body).status_code == 204
        # queried after each write: the cached pricing table is rebuilt from the changed item
        assert [row["unitprice"] for row in _pricing_rows(netsuite, item_id, wholesale)] == [shown]


def test_replace_price_makes_the_given_cells_the_whole_matrix(netsuite: Any) -> None:
    wholesale = _wholesale_id(netsuite)
    item_id = netsuite.get("inventoryItem", "eid:sku-1001")["id"]
    body = {"price": {"items": [_line(wholesale, 3, quantity=50)]}}
    assert _patch(netsuite, "inventoryItem/eid:sku-1001", body, replace="price").status_code == 204
    assert [row["quantity"] for row in _pricing_rows(netsuite, item_id, wholesale)] == ["50"]


def test_a_non_inventory_item_takes_prices_too(netsuite: Any) -> None:
    wholesale = _wholesale_id(netsuite)
    item_id = netsuite.create(
        "nonInventorySaleItem",
        {"itemId": "SVC-1", "basePrice": 10, "price": {"items": [_line(wholesale, 8)]}},
    )
    assert [row["unitprice"] for row in _pricing_rows(netsuite, item_id, wholesale)] == ["8"]


def test_a_missing_price_level_is_refused_as_an_invalid_reference(netsuite: Any) -> None:
    response = _patch(netsuite, f"inventoryItem/{SKU}", {"price": {"items": [_line("9999", 5)]}})
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_KEY_OR_REF"
    assert _error(response)["o:errorPath"] == "price.items[0].priceLevel"


def test_a_negative_price_is_refused_and_nothing_is_written(netsuite: Any) -> None:
    wholesale = _wholesale_id(netsuite)
    item_id = netsuite.get("inventoryItem", SKU)["id"]
    response = _patch(netsuite, f"inventoryItem/{SKU}", {"price": {"items": [_line(wholesale, -1)]}})
    assert response.status_code == 400
    assert response.json()["title"] == "Bad Request"
    assert _error(response)["o:errorCode"] == "USER_ERROR"
    assert _error(response)["o:errorPath"] == "price.items[0].price"
    assert _pricing_rows(netsuite, item_id, wholesale) == []


def test_the_same_cell_twice_is_refused(netsuite: Any) -> None:
    wholesale = _wholesale_id(netsuite)
    body = {"price": {"items": [_line(wholesale, 10), {"priceLevel": {"id": wholesale}, "price": 9}]}}
    response = _patch(netsuite, f"inventoryItem/{SKU}", body)
    assert response.status_code == 400
    assert _error(response)["o:errorCode"] == "USER_ERROR"
    assert _error(response)["o:errorPath"] == "price.items[1]"
    created = netsuite.client.post(f"{RECORDS}/inventoryItem", json={"itemId": "DUP-1", **body})
    assert created.status_code == 400


def test_a_customer_price_level_shows_in_suiteql(netsuite: Any) -> None:
    wholesale = _wholesale_id(netsuite)
    customer = netsuite.get("customer", "eid:cust-2001")
    assert _patch(netsuite, "customer/eid:cust-2001", {"priceLevel": {"id": wholesale}}).status_code == 204
    rows = _rows(netsuite, f"SELECT pricelevel FROM customer WHERE id = {customer['id']}")
    assert rows == [{"pricelevel": wholesale}]
    assert netsuite.get("customer", "eid:cust-2001")["priceLevel"]["refName"] == "Wholesale"
    refused = _patch(netsuite, "customer/eid:cust-2001", {"priceLevel": {"id": "9999"}})
    assert _error(refused)["o:errorCode"] == "INVALID_KEY_OR_REF"


def test_a_price_change_moves_the_item_lastmodifieddate(netsuite: Any) -> None:
    wholesale = _wholesale_id(netsuite)
    query = (
        "SELECT TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate FROM item "
        "WHERE itemid = 'SKU-1003'"
    )
    before = netsuite.suiteql(query).json()["items"][0]["lastmodifieddate"]
    netsuite.sandbox.clock.advance(120)
    assert (
        _patch(netsuite, f"inventoryItem/{SKU}", {"price": {"items": [_line(wholesale, 7)]}}).status_code
        == 204
    )
    after = netsuite.suiteql(query).json()["items"][0]["lastmodifieddate"]
    assert after != before
    assert netsuite.get("inventoryItem", SKU)["lastModifiedDate"] > before.replace(" ", "T")
