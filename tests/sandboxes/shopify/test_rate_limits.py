"""Calculated query cost and the leaky bucket, with Shopify's documented numbers.

The buckets run on the sandbox clock ("rate_limit_clock": "sandbox"): they refill only when the test
moves the clock, so every number below is exact.
"""

from __future__ import annotations

import pytest
from tests.sandboxes.shopify.conftest import Shop

# 2 (connection) + 250 products x 1 (the product object; scalars cost 0) = 252
PAGE_OF_250 = "{ products(first: 250) { edges { node { id title } } } }"


@pytest.fixture
def frozen(shop: Shop) -> Shop:
    assert (
        shop.http.put("/_sandbox/shopify/settings", json={"rate_limit_clock": "sandbox"}).status_code == 200
    )
    return shop


def cost(body: dict) -> dict:
    return body["extensions"]["cost"]


def test_requested_cost_follows_the_documented_formula_and_actual_counts_what_came_back(frozen: Shop) -> None:
    # shop 1 + products(first: 3) 2 + 3 x (product 1 + variants(first: 5) (2 + 5 x 1)) = 27
    query = "{ shop { name } products(first: 3) { nodes { id variants(first: 5) { nodes { sku } } } } }"
    body = frozen.gql(query)
    variants = [len(p["variants"]["nodes"]) for p in body["data"]["products"]["nodes"]]
    assert cost(body)["requestedQueryCost"] == 27
    assert cost(body)["actualQueryCost"] == 1 + 2 + sum(1 + 2 + n for n in variants)
    assert cost(body)["throttleStatus"] == {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 2000.0 - cost(body)["actualQueryCost"],
        "restoreRate": 100.0,
    }


def test_mutations_cost_ten_and_the_unused_part_is_refunded(frozen: Shop) -> None:
    mutation = (
        'mutation { customerCreate(input: {email: "c@x.test"}) { customer { id } userErrors { message } } }'
    )
    assert cost(frozen.gql(mutation))["requestedQueryCost"] == 10
    few = frozen.gql('{ orders(first: 100, query: "id:<0") { nodes { id } } }')
    assert (cost(few)["requestedQueryCost"], cost(few)["actualQueryCost"]) == (102, 2)
    assert cost(few)["throttleStatus"]["currentlyAvailable"] == 2000 - 10 - 2


def test_a_burst_over_the_bucket_is_throttled_exactly_when_shopify_would(frozen: Shop) -> None:
    # 24 products exist: each page requests 252 and costs 2 + 24 = 26 once refunded
    answers = [frozen.gql("{ products(first: 250) { edges { node { id } } } }") for _ in range(3)]
    assert [cost(a)["actualQueryCost"] for a in answers] == [26, 26, 26]
    available = 2000 - 3 * 26
    # drain the rest with mutations: they cost exactly 10, nothing is refunded
    drain = 'mutation { customerUpdate(input: {id: "gid://shopify/Customer/1"}) { userErrors { message } } }'
    while available >= 10:
        body = frozen.gql(drain)
        assert "errors" not in body
        available -= 10
        assert cost(body)["throttleStatus"]["currentlyAvailable"] == available
    throttled = frozen.gql(drain)
    assert throttled["errors"] == [
        {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
        }
    ]
    assert cost(throttled)["actualQueryCost"] is None
    assert cost(throttled)["throttleStatus"]["currentlyAvailable"] == available  # nothing charged
    # the bucket leaks back 100 points per second: 0.1 s later exactly one more mutation fits
    frozen.http.put("/_sandbox/clock", json={"advance_seconds": (10 - available) / 100})
    assert "errors" not in frozen.gql(drain)
    assert frozen.gql(drain)["errors"][0]["extensions"]["code"] == "THROTTLED"


def test_throttling_checks_the_requested_cost_even_when_the_actual_cost_would_fit(frozen: Shop) -> None:
    # requested: 2 + 250 x (variant 1 + inventoryItem 1) = 502; actual: 2 + 2 per variant that exists
    query = "{ productVariants(first: 250) { nodes { id inventoryItem { id } } } }"
    available = 2000.0
    while available >= 502:
        body = frozen.gql(query)
        assert cost(body)["requestedQueryCost"] == 502
        actual = cost(body)["actualQueryCost"]
        available = cost(body)["throttleStatus"]["currentlyAvailable"]
    assert actual < available < 502
    throttled = frozen.gql(query)
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert cost(throttled)["throttleStatus"]["currentlyAvailable"] == available


def test_single_query_over_1000_is_max_cost_exceeded_and_charges_nothing(frozen: Shop) -> None:
    query = "{ products(first: 250) { nodes { id variants(first: 10) { nodes { id } } } } }"
    body = frozen.gql(query)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert (error["extensions"]["cost"], error["extensions"]["maxCost"]) == (2 + 250 * (1 + 2 + 10), 1000)
    assert "data" not in body
    assert cost(body)["throttleStatus"]["currentlyAvailable"] == 2000.0


def test_plan_presets_set_restore_rate_and_a_bucket_of_twenty_seconds(frozen: Shop) -> None:
    for preset, rate in (("advanced", 200), ("plus", 1000), ("standard", 100)):
        assert frozen.http.put("/_sandbox/rate-limit", json={"preset": preset}).status_code == 200
        status = cost(frozen.gql("{ shop { name } }"))["throttleStatus"]
        assert (status["restoreRate"], status["maximumAvailable"]) == (rate, 20 * rate)
    assert frozen.http.put("/_sandbox/rate-limit", json={"preset": "gold"}).status_code == 422


def test_buckets_are_per_store(frozen: Shop) -> None:
    frozen.gql(PAGE_OF_250)
    other = frozen.gql("{ shop { name } }", **{"Host": "other.myshopify.com"})
    assert cost(other)["throttleStatus"]["currentlyAvailable"] == 2000 - 1


def test_throttled_answer_can_use_http_429(frozen: Shop) -> None:
    frozen.http.put("/_sandbox/shopify/settings", json={"throttle_status_code": 429})
    frozen.http.put("/_sandbox/faults", json={"script": [{"kind": "throttle"}]})
    throttled = frozen.post("{ shop { name } }")
    assert throttled.status_code == 429
    assert throttled.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
