"""B2B: an order placed for a Shopify company lands on the company's NetSuite customer account."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from erpsync.demo import COMPANIES_QUERY, DemoEnvironment, demo_environment


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        yield environment


def test_company_order_is_booked_to_the_company_account(env: DemoEnvironment) -> None:
    env.sync_catalog()
    company = env._graphql(COMPANIES_QUERY, {})["companies"]["nodes"][0]
    sku = env.erp_skus()[0]
    order_id = env.place_company_order([(sku, 3)])

    results = env.sync_orders()
    assert [r.status for r in results] == ["completed"], results
    sales_order = env.hub.erp.client.get("salesOrder", results[0].value["sales_order_id"])  # type: ignore[attr-defined]

    # The sales order's customer is the company, created in NetSuite first with its branches' addresses.
    account = env.hub.erp.client.get("customer", str(sales_order["entity"]["id"]))  # type: ignore[attr-defined]
    assert account["isPerson"] is False
    assert account["companyName"] == company["name"]
    assert account["entityId"] == company["externalId"]
    assert account["email"] == company["mainContact"]["customer"]["email"]
    assert len(account["addressBook"]["items"]) >= 2  # the first location's billing and shipping address
    # Payment terms and tax registration come from the company's location in Shopify.
    location = company["locations"]["nodes"][0]
    terms = env.hub.erp.client.get("term", str(account["terms"]["id"]))  # type: ignore[attr-defined]
    assert terms["name"] == location["buyerExperienceConfiguration"]["paymentTermsTemplate"]["name"]
    assert account["vatRegNumber"] == location["taxRegistrationId"]
    company_gid_id = company["id"].rsplit("/", 1)[-1]
    assert env.hub.store.external_id("netsuite", "company", company["externalId"]) == str(account["id"])
    assert env.hub.store.business_key("shopify", "company", company_gid_id) == company["externalId"]
    [line] = sales_order["item"]["items"]
    assert Decimal(str(line["quantity"])) == 3

    # Finance moves the company to Net 60 in NetSuite: credit terms are NetSuite's once the account exists.
    env.hub.erp.client.update("customer", str(account["id"]), {"terms": {"id": _term(env, "Net 60")}})  # type: ignore[attr-defined]

    # A second order for the same company uses the same account: no second company customer.
    second = env.place_company_order([(sku, 1)])
    results = env.sync_orders("2")
    assert [r.status for r in results] == ["completed"], results
    second_order = env.hub.erp.client.get("salesOrder", results[0].value["sales_order_id"])  # type: ignore[attr-defined]
    assert second_order["entity"]["id"] == sales_order["entity"]["id"]
    same_name = env.hub.erp.client.suiteql_rows(  # type: ignore[attr-defined]
        f"SELECT id FROM customer WHERE companyname = '{company['name']}'"
    )
    assert len(list(same_name)) == 1
    account = env.hub.erp.client.get("customer", str(account["id"]))  # type: ignore[attr-defined]
    assert str(account["terms"]["id"]) == _term(env, "Net 60")
    assert order_id != second


def _term(env: DemoEnvironment, name: str) -> str:
    client = env.hub.erp.client  # type: ignore[attr-defined]
    [term_id] = [i for i in client.list_ids("term") if client.get("term", i)["name"] == name]
    return str(term_id)
