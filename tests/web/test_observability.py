"""Metrics that Prometheus scrapes, and JSON logs that carry correlation ids and never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from fastapi.testclient import TestClient
from pydantic import SecretStr
from tests.web.support import SETTINGS

from erpsync.errors import DataError
from erpsync.observability import (
    RECORDS_PROCESSED,
    REDACTED,
    bind_correlation_id,
    clear_correlation_id,
    configure_logging,
    record_budget_use,
)
from erpsync.store import Store
from erpsync.web.app import create_app

TOKEN = "shpat_0123456789abcdef"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging([SecretStr(TOKEN), "ns-consumer-secret-42"], stream=stream)
    yield stream
    root.handlers = saved[0]
    root.setLevel(saved[1])
    structlog.reset_defaults()
    clear_correlation_id()


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_configured_secret_values_are_redacted_wherever_they_appear(log_lines: io.StringIO) -> None:
    log = structlog.get_logger("test")
    log.info("calling shopify", url=f"https://acme.myshopify.com/admin?access_token={TOKEN}")
    log.info("nested", request={"headers": [f"X-Shopify-Access-Token: {TOKEN}"]})
    logging.getLogger("stdlib").warning("oauth failed with ns-consumer-secret-42 for account 1234")
    text = log_lines.getvalue()
    assert TOKEN not in text and "ns-consumer-secret-42" not in text
    assert text.count(REDACTED) == 3
    assert "account 1234" in text, "the rest of the message stays readable"


def test_well_known_secret_keys_are_redacted_whatever_their_value(log_lines: io.StringIO) -> None:
    log = structlog.get_logger("test")
    log.info(
        "webhook",
        headers={
            "Authorization": "Bearer abc",
            "X-Shopify-Hmac-Sha256": "c2lnbmF0dXJl",
            "Content-Type": "json",
        },
        password="hunter2hunter2",
        client_secret="s3",
    )
    (line,) = lines(log_lines)
    assert line["headers"] == {
        "Authorization": REDACTED,
        "X-Shopify-Hmac-Sha256": REDACTED,
        "Content-Type": "json",
    }
    assert line["password"] == REDACTED and line["client_secret"] == REDACTED


def test_log_lines_carry_the_bound_correlation_id(log_lines: io.StringIO) -> None:
    correlation_id = bind_correlation_id("order_to_erp:1001")
    structlog.get_logger("flow").info("sales order written", sales_order="SO-1001")
    logging.getLogger("connector").info("stdlib line")
    assert [line["correlation_id"] for line in lines(log_lines)] == [correlation_id, correlation_id]
    assert lines(log_lines)[0]["level"] == "info"


def test_each_request_gets_a_correlation_id_echoed_back(web_store: Store) -> None:
    client = TestClient(create_app(settings=SETTINGS, store=web_store))
    assert client.get("/healthz", headers={"X-Request-ID": "abc123"}).headers["X-Request-ID"] == "abc123"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id\r\nInjected: 1"}).headers[
        "X-Request-ID"
    ]
    assert generated.isalnum() and "Injected" not in generated


def test_metrics_report_open_exceptions_queue_depth_budget_and_counters(web_store: Store) -> None:
    web_store.open_exception(
        flow="order_to_erp",
        record_type="order",
        business_key="1001",
        error=DataError("unknown SKU", system="netsuite"),
        payload={"number": "1001"},
    )
    web_store.hold(
        flow="fulfillment_to_store",
        record_type="fulfillment",
        business_key="F-1",
        waits_on="order:1001",
        workflow_id=None,
        payload={},
    )
    record_budget_use("netsuite", used=12, limit=15)
    RECORDS_PROCESSED.labels(flow="order_to_erp", system="netsuite").inc()
    text = (
        TestClient(create_app(settings=SETTINGS, store=web_store, metrics_public=True)).get("/metrics").text
    )
    assert 'erpsync_open_exceptions{error_class="data",flow="order_to_erp"} 1.0' in text
    assert 'erpsync_queue_depth{flow="fulfillment_to_store"} 1.0' in text
    assert 'erpsync_api_budget_used_ratio{connection="netsuite"} 0.8' in text
    assert 'erpsync_records_processed_total{flow="order_to_erp",system="netsuite"}' in text
