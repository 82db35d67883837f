"""An order the store returns in a shape no canonical order can take is parked with its reason, through the
real flow, and the other orders sync as usual."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.flows import orders


@pytest.fixture
def env_with_a_broken_order(sqlite_url: str) -> Iterator[tuple[DemoEnvironment, str, str]]:
    with demo_environment(sqlite_url) as env:
        env.sync_catalog()
        sku = env.erp_skus()[0]
        good = env.place_order([(sku, 1)], email="good@example.com")
        broken = env.place_order([(sku, 1)], email="broken@example.com")
        # The store hands out a line with a negative quantity, which no canonical order line may have (a line
        # at 0 is one an order edit removed: it is left out, and an order left with no line is refused too).
        shop = next(iter(env.shopify_sandbox.stores.values()))
        shop.get("orders", int(broken))["line_items"][0]["quantity"] = -1
        yield env, good, broken


def _sales_orders(env: DemoEnvironment) -> int:
    client = env.hub.erp.client  # type: ignore[attr-defined]
    return len(list(client.suiteql_rows("SELECT id FROM transaction WHERE type = 'SalesOrd'")))


def test_an_order_that_cannot_be_translated_is_parked_with_its_reason_and_the_others_sync(
    env_with_a_broken_order: tuple[DemoEnvironment, str, str],
) -> None:
    env, good, broken = env_with_a_broken_order
    # As the webhook intake queues them: one flow per order, which reads the order from the store.
    handles = {
        order_id: env.engine.enqueue(orders.FLOW, f"shopify:{order_id}", orders.order_reference(order_id))
        for order_id in (good, broken)
    }
    assert handles[good].result(60).status == "completed"
    outcome = handles[broken].result(60)
    assert outcome.status == "parked", outcome

    parked = [e for e in env.hub.store.exceptions(status="open") if e.business_key == f"shopify:{broken}"]
    assert len(parked) == 1, env.hub.store.exceptions(status="open")
    exception = parked[0]
    assert exception.flow == orders.FLOW and exception.error_class == "data"
    assert "cannot become a canonical order" in exception.message and "greater than 0" in exception.message
    assert exception.field and "quantity" in exception.field
    assert exception.suggested_fix
    assert _sales_orders(env) == 1, "only the good order reached NetSuite"


def test_an_untranslatable_order_in_a_poll_page_does_not_stop_the_others(
    env_with_a_broken_order: tuple[DemoEnvironment, str, str],
) -> None:
    env, good, broken = env_with_a_broken_order
    env.sync_orders()
    assert env.hub.store.external_id("netsuite", "order", f"shopify:{good}") is not None
    assert [e.business_key for e in env.hub.store.exceptions(status="open")] == [f"shopify:{broken}"]
