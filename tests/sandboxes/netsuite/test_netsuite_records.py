"""Records over REST as NetSuite serves them: 204 + Location, eid: upsert, validation, sublists, paging."""

from __future__ import annotations

from typing import Any

RECORDS = "/services/rest/record/v1"


def _error(response: Any) -> tuple[int, str, str | None]:
    detail = response.json()["o:errorDetails"][0]
    return response.status_code, detail["o:errorCode"], detail.get("o:errorPath")


def test_create_answers_204_with_the_location_of_the_new_record(netsuite: Any) -> None:
    response = netsuite.client.post(
        f"{RECORDS}/customer", json={"companyName": "Acme Tools", "email": "buyer@acme.example"}
    )
    assert response.status_code == 204 and response.content == b""
    location = response.headers["location"]
    assert location.startswith(f"{netsuite.url}{RECORDS}/customer/")
    customer = netsuite.client.get(location).json()
    assert customer["companyName"] == "Acme Tools"
    assert customer["subsidiary"]["id"] == "1" and customer["subsidiary"]["refName"] == "Parent Company"
    assert customer["links"] == [{"rel": "self", "href": location}]


def test_eid_upsert_creates_then_updates_the_same_record(netsuite: Any) -> None:
    first = netsuite.client.put(f"{RECORDS}/customer/eid:shop-42", json={"companyName": "Blue Bikes"})
    assert first.status_code == 204
    second = netsuite.client.put(
        f"{RECORDS}/customer/eid:shop-42", json={"companyName": "Blue Bikes Ltd", "phone": "555-0100"}
    )
    assert second.status_code == 204
    assert first.headers["location"] == second.headers["location"]
    listed = netsuite.client.get(f"{RECORDS}/customer", params={"q": 'externalId IS "shop-42"'}).json()
    assert listed["totalResults"] == 1
    customer = netsuite.get("customer", "eid:shop-42")
    assert (customer["companyName"], customer["phone"], customer["externalId"]) == (
        "Blue Bikes Ltd",
        "555-0100",
        "shop-42",
    )


def test_external_id_is_unique_per_record_type(netsuite: Any) -> None:
    netsuite.create("customer", {"companyName": "One", "externalId": "dup-1"})
    response = netsuite.client.post(f"{RECORDS}/customer", json={"companyName": "Two", "externalId": "dup-1"})
    assert _error(response) == (400, "DUP_RCRD", "externalId")
    item = netsuite.create("nonInventorySaleItem", {"itemId": "GIFT-CARD", "externalId": "dup-1"})
    assert netsuite.get("nonInventoryItem", item)["externalId"] == "dup-1"


def test_duplicate_customer_id_is_refused(netsuite: Any) -> None:
    response = netsuite.client.post(
        f"{RECORDS}/customer", json={"entityId": "C2001", "companyName": "Copycat"}
    )
    assert _error(response) == (400, "UNIQUE_CUST_ID_REQD", "entityId")


def test_unknown_field_and_read_only_field_are_rejected(netsuite: Any) -> None:
    response = netsuite.client.post(
        f"{RECORDS}/customer", json={"companyName": "X", "favouriteColour": "red"}
    )
    assert _error(response) == (400, "USER_ERROR", "favouriteColour")
    response = netsuite.client.patch(f"{RECORDS}/customer/eid:cust-2001", json={"dateCreated": "2020-01-01"})
    assert _error(response)[:2] == (400, "USER_ERROR")
    ok = netsuite.client.patch(f"{RECORDS}/customer/eid:cust-2001", json={"custentity_loyalty_tier": "gold"})
    assert ok.status_code == 204
    assert netsuite.get("customer", "eid:cust-2001")["custentity_loyalty_tier"] == "gold"


def test_missing_record_is_404_nonexistent_id(netsuite: Any) -> None:
    assert _error(netsuite.client.get(f"{RECORDS}/customer/999999"))[:2] == (404, "NONEXISTENT_ID")
    assert _error(netsuite.client.get(f"{RECORDS}/customer/eid:nobody"))[:2] == (404, "NONEXISTENT_ID")


def test_sublists_are_links_unless_expanded_and_fields_select(netsuite: Any) -> None:
    customer = netsuite.get("customer", "eid:cust-2001")
    assert set(customer["addressBook"]) == {"links"}
    expanded = netsuite.get("customer", "eid:cust-2001", expandSubResources="true")
    address = expanded["addressBook"]["items"][0]["addressBookAddress"]
    assert address["country"] == {"id": "US"} and address["city"]
    selected = netsuite.get("customer", "eid:cust-2001", fields="email,entityId")
    assert set(selected) == {"links", "id", "email", "entityId"}
    sublist = netsuite.client.get(f"{RECORDS}/customer/eid:cust-2001/addressBook").json()
    assert sublist["count"] == 1


def test_collection_pages_with_links(netsuite: Any) -> None:
    first = netsuite.client.get(f"{RECORDS}/inventoryItem", params={"limit": 5}).json()
    assert (first["count"], first["totalResults"], first["hasMore"], first["offset"]) == (5, 12, True, 0)
    rels = {link["rel"]: link["href"] for link in first["links"]}
    assert set(rels) == {"next", "last", "self"}
    last = netsuite.client.get(rels["last"]).json()
    assert (last["offset"], last["count"], last["hasMore"]) == (10, 2, False)
    assert netsuite.client.get(f"{RECORDS}/inventoryItem", params={"limit": 1001}).status_code == 400


def test_delete_removes_the_record(netsuite: Any) -> None:
    customer_id = netsuite.create("customer", {"companyName": "Short Lived"})
    assert netsuite.client.delete(f"{RECORDS}/customer/{customer_id}").status_code == 204
    assert netsuite.client.get(f"{RECORDS}/customer/{customer_id}").status_code == 404
