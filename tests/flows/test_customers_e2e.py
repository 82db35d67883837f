"""Customers both ways between the Shopify and NetSuite sandboxes: ownership honoured, conflicts recorded,
and erpsync's own writes never bounce back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.engine import FlowResult
from erpsync.flows import customers

CUSTOMER_CREATE = """
mutation customerCreate($input: CustomerInput!) {
  customerCreate(input: $input) { customer { id } userErrors { field message } }
}"""
CUSTOMER_UPDATE = """
mutation customerUpdate($input: CustomerInput!) {
  customerUpdate(input: $input) { customer { id } userErrors { field message } }
}"""


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        yield environment


def _statuses(results: list[FlowResult]) -> dict[str, str]:
    assert all(result.status == "completed" for result in results), results
    return {result.value["customer"]: result.value["status"] for result in results}


def _shopify_customer(env: DemoEnvironment, email: str, **fields: Any) -> str:
    created = env._graphql(CUSTOMER_CREATE, {"input": {"email": email, **fields}})["customerCreate"]
    assert not created["userErrors"], created
    return str(created["customer"]["id"]).rsplit("/", 1)[-1]


def _netsuite_customers_by_email(env: DemoEnvironment, email: str) -> list[dict[str, Any]]:
    rows = env.hub.erp.client.suiteql_rows(  # type: ignore[attr-defined]
        f"SELECT id, firstname, phone FROM customer WHERE email = '{email}'"
    )
    return list(rows)


def test_two_way_sync_settles_without_ping_pong(env: DemoEnvironment) -> None:
    _shopify_customer(env, "ada@example.com", firstName="Ada", lastName="Lovelace", phone="+15550100")

    to_erp = _statuses(env.run_poll(customers.STORE_POLLER, "1"))
    assert to_erp["ada@example.com"] == "written"
    to_store = _statuses(env.run_poll(customers.ERP_POLLER, "1"))
    # Ada came back from NetSuite as erpsync wrote her: no change. NetSuite's own customers reached Shopify.
    assert to_store["ada@example.com"] == "unchanged"
    netsuite_born = sorted(key for key, status in to_store.items() if status == "written")
    assert netsuite_born

    # Second round: every record each side reports is erpsync's own write, so nothing moves any more.
    again_to_erp = _statuses(env.run_poll(customers.STORE_POLLER, "2"))
    assert set(again_to_erp.values()) <= {"unchanged"}, again_to_erp
    assert set(netsuite_born) <= set(again_to_erp)
    again_to_store = _statuses(env.run_poll(customers.ERP_POLLER, "2"))
    assert set(again_to_store.values()) <= {"unchanged"}, again_to_store

    assert env.hub.store.conflicts() == []
    ada = _netsuite_customers_by_email(env, "ada@example.com")
    assert [(row["firstname"], row["phone"]) for row in ada] == [("Ada", "+15550100")]
    store_id = env.hub.store.external_id("shopify", "customer", netsuite_born[0])
    assert store_id is not None
    assert env.hub.shop.get_customer(store_id).email == netsuite_born[0]


def test_each_field_moves_only_from_its_owner(env: DemoEnvironment) -> None:
    store_id = _shopify_customer(
        env, "grace@example.com", firstName="Grace", lastName="Hopper", phone="+15550111"
    )
    env.run_poll(customers.STORE_POLLER, "1")
    env.run_poll(customers.ERP_POLLER, "1")
    erp_id = env.hub.store.external_id("netsuite", "customer", "grace@example.com")
    assert erp_id is not None

    # NetSuite edits the phone (the store's) and the tax exemption (NetSuite's own).
    env.hub.erp.client.update("customer", erp_id, {"phone": "+15559999", "taxable": False})  # type: ignore[attr-defined]
    results = _statuses(env.run_poll(customers.ERP_POLLER, "2"))
    assert results["grace@example.com"] == "conflict"
    in_store = env.hub.shop.get_customer(store_id)
    assert in_store.tax_exempt is True  # applied: NetSuite owns it
    assert in_store.phone == "+15550111"  # not applied: the store owns it
    [conflict] = env.hub.store.conflicts(business_key="grace@example.com")
    assert (conflict.field, conflict.owner, conflict.attempted_by) == ("phone", "shopify", "netsuite")
    assert (conflict.current, conflict.proposed) == ("+15550111", "+15559999")

    # The store edits the first name (its own) and clears the tax exemption (NetSuite's).
    updated = env._graphql(
        CUSTOMER_UPDATE,
        {
            "input": {
                "id": f"gid://shopify/Customer/{store_id}",
                "firstName": "Amazing Grace",
                "taxExempt": False,
            }
        },
    )["customerUpdate"]
    assert not updated["userErrors"], updated
    results = _statuses(env.run_poll(customers.STORE_POLLER, "2"))
    assert results["grace@example.com"] == "conflict"
    in_erp = env.hub.erp.client.get("customer", erp_id)  # type: ignore[attr-defined]
    assert in_erp["firstName"] == "Amazing Grace"
    assert in_erp["taxable"] is False
    # The store's phone is the truth: the next write from the store restored it in NetSuite.
    assert in_erp["phone"] == "+15550111"
    conflicts = env.hub.store.conflicts(business_key="grace@example.com")
    assert [(c.field, c.owner, c.attempted_by) for c in conflicts] == [
        ("phone", "shopify", "netsuite"),
        ("tax_exempt", "netsuite", "shopify"),
    ]

    # Each conflict is recorded once: polling again changes nothing and records nothing.
    assert set(_statuses(env.run_poll(customers.ERP_POLLER, "3")).values()) <= {"unchanged"}
    assert set(_statuses(env.run_poll(customers.STORE_POLLER, "3")).values()) <= {"unchanged"}
    assert len(env.hub.store.conflicts(business_key="grace@example.com")) == 2


def test_store_customer_matching_an_existing_erp_customer_is_linked_not_duplicated(
    env: DemoEnvironment,
) -> None:
    # Go-live: the shopper has an account in both systems already (same e-mail), never linked by erpsync.
    erp_customer = env.hub.erp.customers_changed_since(None).records[0]
    assert erp_customer.email is not None
    email = erp_customer.email
    _shopify_customer(env, email, firstName="Renamed", lastName="In Store", phone="+15550123")

    results = _statuses(env.run_poll(customers.STORE_POLLER, "1"))
    assert results[email] == "written"
    [row] = _netsuite_customers_by_email(env, email)
    assert str(row["id"]) == erp_customer.origin.id
    assert (row["firstname"], row["phone"]) == ("Renamed", "+15550123")  # the store owns contact details
    assert env.hub.store.external_id("netsuite", "customer", email) == erp_customer.origin.id
    # NetSuite's customer keeps its own external id (orders booked to it before go-live still point at it).
    in_erp = env.hub.erp.client.get("customer", erp_customer.origin.id)  # type: ignore[attr-defined]
    assert in_erp["externalId"].startswith("cust-")
