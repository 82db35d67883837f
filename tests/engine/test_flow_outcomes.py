"""What happens to a record in each outcome: retried, parked, paused, held and released, deduplicated,
retried or skipped by an operator, scheduled. One in-process engine per test, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from erpsync.engine import Alert, Engine, FlowContext, MissingPrerequisite, RetryPolicy
from erpsync.errors import ConfigError, DataError, TransientError
from erpsync.store import Store

FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = Engine(database_url, worker_id="test-worker")
    made.budget("netsuite", concurrency=5)
    yield made
    made.shutdown()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url)
    yield opened
    opened.close()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def steps_of(store: Store, business_key: str) -> list[str]:
    return [event.step for event in store.timeline(business_key)]


def test_transient_errors_are_retried_then_succeed(engine: Engine, store: Store) -> None:
    calls = Counter[str]()

    def create_sales_order(order: dict[str, Any], key: str) -> str:
        calls["create"] += 1
        if calls["create"] < 3:
            raise TransientError("NetSuite answered 503", retry_after=0.01, system="netsuite")
        return f"SO-{order['number']}"

    @engine.flow("order_to_erp", queue="netsuite", record_type="order", retry=FAST)
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> str:
        return ctx.step("create_sales_order", create_sales_order, order, ctx.idempotency_key("create"))

    engine.launch()
    result = engine.enqueue("order_to_erp", "1001", {"number": "1001"}).result()

    assert (result.status, result.value) == ("completed", "SO-1001")
    assert calls["create"] == 3
    timeline = steps_of(store, "1001")
    assert timeline.count("retried") == 2
    assert timeline.index("retried") < timeline.index("written")
    retried = next(event for event in store.timeline("1001") if event.step == "retried")
    assert retried.correlation_id == "order_to_erp:1001"
    assert (retried.error_class, retried.system) == ("transient", "netsuite")


def test_data_error_is_parked_with_reason_and_suggested_fix(engine: Engine, store: Store) -> None:
    def create_sales_order(order: dict[str, Any]) -> str:
        raise DataError(
            "NetSuite rejected sales order for Shopify order #1002: item SKU-9 has no NetSuite item",
            system="netsuite",
            suggested_fix="add SKU-9 in NetSuite, or map it in mappings/items.yaml",
        )

    @engine.flow("order_to_erp", queue="netsuite", record_type="order", retry=FAST)
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> str:
        return ctx.step("create_sales_order", create_sales_order, order)

    engine.launch()
    result = engine.enqueue("order_to_erp", "1002", {"number": "1002"}).result()

    assert result.status == "parked" and result.exception_id is not None
    parked = store.exception(result.exception_id)
    assert parked.status == "open"
    assert parked.error_class == "data"
    assert "SKU-9 has no NetSuite item" in parked.message
    assert parked.suggested_fix == "add SKU-9 in NetSuite, or map it in mappings/items.yaml"
    assert parked.payload == {"number": "1002"}
    assert parked.workflow_id == "order_to_erp:1002"
    assert steps_of(store, "1002")[-2:] == ["failed", "parked"]
    assert "retried" not in steps_of(store, "1002"), "a data error must not be retried"


def test_exhausted_transient_retries_park_the_record(engine: Engine, store: Store) -> None:
    calls = Counter[str]()

    def create_sales_order() -> None:
        calls["create"] += 1
        raise TransientError("connection reset by NetSuite")

    @engine.flow("order_to_erp", queue="netsuite", record_type="order", retry=FAST)
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> None:
        ctx.step("create_sales_order", create_sales_order)

    engine.launch()
    result = engine.enqueue("order_to_erp", "1003", {"number": "1003"}).result()

    assert result.status == "parked"
    assert calls["create"] == FAST.max_attempts
    assert "after 4 attempts" in (result.reason or "")


def test_a_flows_retry_policy_set_from_configuration_is_the_one_it_runs_with(engine: Engine) -> None:
    calls = Counter[str]()

    def create_sales_order() -> None:
        calls["create"] += 1
        raise TransientError("NetSuite is down")

    @engine.flow("order_to_erp", queue="netsuite", record_type="order")  # the default policy
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> None:
        ctx.step("create_sales_order", create_sales_order)

    # What build_service does with flows.order_to_erp.retry from erpsync.yaml.
    engine.set_retry("order_to_erp", RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02))
    engine.launch()
    result = engine.enqueue("order_to_erp", "1009", {"number": "1009"}).result()

    assert result.status == "parked" and calls["create"] == 2
    assert RetryPolicy().max_attempts == 12, "the default rides out an outage of minutes before parking"


def test_config_error_pauses_the_flow_alerts_and_resume_runs_held_records(
    engine: Engine, store: Store
) -> None:
    alerts: list[Alert] = []
    engine.on_alert(alerts.append)
    credentials = {"valid": False}
    written: list[str] = []

    def create_sales_order(number: str) -> None:
        if not credentials["valid"]:
            raise ConfigError(
                "NetSuite refused the token (401): check NETSUITE_TOKEN_SECRET", system="netsuite"
            )
        written.append(number)

    @engine.flow("order_to_erp", queue="netsuite", record_type="order", retry=FAST)
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> None:
        ctx.step("create_sales_order", create_sales_order, order["number"])

    engine.launch()
    first = engine.enqueue("order_to_erp", "1004", {"number": "1004"}).result()

    assert first.status == "held"
    assert engine.paused("order_to_erp")
    assert [(alert.flow, alert.error_class, alert.business_key) for alert in alerts] == [
        ("order_to_erp", "config", "1004")
    ]
    # While paused, new records wait instead of failing the same way.
    second = engine.enqueue("order_to_erp", "1005", {"number": "1005"}).result()
    assert second.status == "held" and written == []
    assert "held" in steps_of(store, "1005")

    credentials["valid"] = True
    resumed = engine.resume("order_to_erp")

    assert sorted(handle.result().status for handle in resumed) == ["completed", "completed"]
    assert sorted(written) == ["1004", "1005"]
    assert not engine.paused("order_to_erp")
    assert len(alerts) == 1


def test_order_held_on_missing_sku_is_released_when_the_sku_flow_succeeds(
    engine: Engine, store: Store
) -> None:
    erp_items: set[str] = set()
    sales_orders: list[str] = []

    def create_sales_order(order: dict[str, Any]) -> None:
        for sku in order["skus"]:
            if sku not in erp_items:
                raise MissingPrerequisite(
                    f"item {sku} has no NetSuite item yet", prerequisite=f"variant:{sku}"
                )
        sales_orders.append(order["number"])

    @engine.flow("order_to_erp", queue="netsuite", record_type="order", retry=FAST)
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> None:
        ctx.step("create_sales_order", create_sales_order, order)

    @engine.flow("item_to_erp", queue="netsuite", record_type="variant", retry=FAST)
    def item_to_erp(ctx: FlowContext, variant: dict[str, Any]) -> None:
        ctx.step("create_item", erp_items.add, variant["sku"])

    engine.launch()
    held = engine.enqueue("order_to_erp", "1006", {"number": "1006", "skus": ["SKU-9"]}).result()

    assert (held.status, held.waits_on) == ("held", "variant:SKU-9")
    assert [hold.business_key for hold in store.holds(waits_on="variant:SKU-9")] == ["1006"]
    assert sales_orders == []

    engine.enqueue("item_to_erp", "SKU-9", {"sku": "SKU-9"}).result()

    wait_until(lambda: sales_orders == ["1006"], "the held order to be released and synced")
    wait_until(lambda: "completed" in steps_of(store, "1006")[-1:], "the released run to complete")
    assert store.holds(waits_on="variant:SKU-9") == []
    timeline = steps_of(store, "1006")
    assert timeline.index("held") < timeline.index("released")


def test_wait_for_passes_a_completed_prerequisite_and_holds_a_missing_one(
    engine: Engine, store: Store
) -> None:
    fulfilled: list[str] = []

    @engine.flow("order_to_erp", queue="netsuite", record_type="order", retry=FAST)
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> None:
        ctx.step("create_sales_order", lambda: None)

    @engine.flow("fulfillment_to_store", queue="netsuite", record_type="fulfillment", retry=FAST)
    def fulfillment_to_store(ctx: FlowContext, fulfillment: dict[str, Any]) -> None:
        ctx.wait_for(f"order:{fulfillment['order']}")
        ctx.step("create_fulfillment", fulfilled.append, fulfillment["id"])

    engine.launch()
    engine.enqueue("order_to_erp", "2001", {}).result()
    assert (
        engine.enqueue("fulfillment_to_store", "F1", {"id": "F1", "order": "2001"}).result().status
        == "completed"
    )

    early = engine.enqueue("fulfillment_to_store", "F2", {"id": "F2", "order": "2002"}).result()
    assert (early.status, early.waits_on) == ("held", "order:2002")
    engine.enqueue("order_to_erp", "2002", {}).result()
    wait_until(lambda: fulfilled == ["F1", "F2"], "the fulfillment to follow its order")


def test_duplicate_enqueues_of_one_business_id_run_once(engine: Engine) -> None:
    runs = Counter[str]()

    @engine.flow("order_to_erp", queue="netsuite", record_type="order", retry=FAST)
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> None:
        ctx.step("create_sales_order", runs.update, [order["number"]])

    engine.launch()
    assert engine.workers() == ["test-worker"]
    handles = [engine.enqueue("order_to_erp", "1007", {"number": "1007"}) for _ in range(3)]
    for handle in handles:
        handle.result()
    # A new version of the record is a new run.
    engine.enqueue("order_to_erp", "1007", {"number": "1007"}, version="v2").result()

    assert {handle.workflow_id for handle in handles} == {"order_to_erp:1007"}
    assert runs["1007"] == 2


def test_retry_of_an_edited_exception_runs_the_edited_payload_and_resolves_it(
    engine: Engine, store: Store
) -> None:
    keys: list[str] = []
    operator_done_clicking = threading.Event()

    def create_sales_order(order: dict[str, Any], key: str) -> None:
        if not order.get("customer"):
            raise DataError("order has no customer", field="customer", suggested_fix="set the customer")
        operator_done_clicking.wait(timeout=30)
        keys.append(key)

    @engine.flow("order_to_erp", queue="netsuite", record_type="order", retry=FAST)
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> None:
        ctx.step("create_sales_order", create_sales_order, order, ctx.idempotency_key("create_sales_order"))

    engine.launch()
    parked = engine.enqueue("order_to_erp", "1008", {"number": "1008"}).result()
    assert parked.exception_id is not None
    store.edit_exception_payload(parked.exception_id, {"number": "1008", "customer": "C-7"})

    retry = engine.retry_exception(parked.exception_id)
    double_click = engine.retry_exception(parked.exception_id)
    operator_done_clicking.set()
    retried = retry.result()

    assert retried.status == "completed"
    assert double_click.workflow_id == retry.workflow_id
    # The retry is a new run, but it writes with the record's original idempotency key.
    assert keys == ["order_to_erp:1008:create_sales_order"]
    assert store.exception(parked.exception_id).status == "resolved"
    with pytest.raises(ValueError, match="nothing to retry"):
        engine.retry_exception(parked.exception_id)


def test_retry_of_an_unedited_exception_resumes_from_the_failed_step(engine: Engine, store: Store) -> None:
    runs = Counter[str]()
    mapping_fixed = {"yes": False}

    def fetch_order() -> dict[str, str]:
        runs["fetch"] += 1
        return {"number": "1009"}

    def create_sales_order(order: dict[str, str]) -> str:
        runs["create"] += 1
        if not mapping_fixed["yes"]:
            raise DataError(
                "shipping method 'Express' has no mapping", suggested_fix="map it in shipping.yaml"
            )
        return "SO-1009"

    @engine.flow("order_to_erp", queue="netsuite", record_type="order", retry=FAST)
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> str:
        fetched = ctx.step("fetch_order", fetch_order)
        return ctx.step("create_sales_order", create_sales_order, fetched)

    engine.launch()
    parked = engine.enqueue("order_to_erp", "1009", {"number": "1009"}).result()
    assert parked.exception_id is not None
    mapping_fixed["yes"] = True

    retried = engine.retry_exception(parked.exception_id).result()

    assert (retried.status, retried.value) == ("completed", "SO-1009")
    assert runs == {"fetch": 1, "create": 2}, "the fork must keep the fetch done before the failure"
    assert store.exception(parked.exception_id).status == "resolved"


def test_skipped_exception_is_closed_and_on_the_timeline(engine: Engine, store: Store) -> None:
    @engine.flow("order_to_erp", queue="netsuite", record_type="order", retry=FAST)
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> None:
        raise DataError("test order, not for the ERP")

    engine.launch()
    parked = engine.enqueue("order_to_erp", "1010", {"number": "1010"}).result()
    assert parked.exception_id is not None
    engine.skip_exception(parked.exception_id, note="test order")

    assert store.exception(parked.exception_id).status == "skipped"
    assert steps_of(store, "1010")[-1] == "skipped"


def test_scheduled_flow_runs_on_its_cron(engine: Engine) -> None:
    fired: list[str] = []

    @engine.flow("reconcile_orders", queue="netsuite", record_type="reconciliation", retry=FAST)
    def reconcile_orders(ctx: FlowContext, tick: dict[str, str]) -> None:
        ctx.step("reconcile", fired.append, tick["scheduled_at"])

    engine.schedule("reconcile_orders", "* * * * * *")  # every second (seconds field first)
    engine.launch()

    wait_until(lambda: len(fired) >= 1, "the schedule to fire", timeout=20)


def test_flow_on_an_undeclared_budget_is_refused_at_launch(engine: Engine) -> None:
    @engine.flow("order_to_erp", queue="sap", record_type="order")
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> None:
        return None

    with pytest.raises(ConfigError, match="no budget"):
        engine.launch()


def test_budget_becomes_the_queue_limits_every_worker_reads(engine: Engine) -> None:
    from dbos import DBOS

    engine.budget("shopify", concurrency=3, requests_per_second=2)
    engine.launch()

    # The limits live in the database, where every worker's queue thread reads them on each poll.
    queue = DBOS.retrieve_queue("shopify")
    assert queue is not None
    assert (queue.global_concurrency, queue.limiter) == (3, {"limit": 2, "period": 1.0})


def test_a_second_engine_in_one_process_is_refused(engine: Engine, database_url: str) -> None:
    # DBOS keeps one instance per process; a second Engine would silently share the first one's settings.
    with pytest.raises(RuntimeError, match="already runs in this process"):
        Engine(database_url, worker_id="another-worker")
