"""Whatever reaches POST /webhooks/shopify, the intake answers 2xx or 4xx, never 5xx; and what is not signed
with the shop's secret leaves nothing in the database (no archived payload, no timeline event, no flow)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.fuzz.fuzzing import ANY_JSON

from erpsync.connectors.shopify.webhooks import signature
from erpsync.demo import demo_environment
from erpsync.web.webhooks import shopify_webhook_router

TABLES = ("payloads", "timeline_events", "xref", "exceptions")
HEADER_NAMES = [
    "Content-Type",
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Topic",
    "X-Shopify-Shop-Domain",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "X-Shopify-API-Version",
    "Content-Length",
]
TOPICS = ["orders/create", "orders/updated", "orders/paid", "refunds/create", "products/update", "", "x/y"]
HEADER_VALUE = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
BODY = st.binary(max_size=300) | ANY_JSON.map(lambda value: json.dumps(value).encode())
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

Intake = tuple[TestClient, str, Path]


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    database = tmp_path_factory.mktemp("intake") / "erpsync.db"
    with demo_environment(f"sqlite:///{database}") as env:
        secret = env.shopify_credentials["webhook_secret"]
        app = FastAPI()
        app.include_router(
            shopify_webhook_router(store=env.hub.store, engine=env.engine, secrets=lambda: [secret])
        )
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, secret, database


def _rows(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        return {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}


@FUZZ
@given(body=BODY, headers=st.dictionaries(st.sampled_from(HEADER_NAMES), HEADER_VALUE, max_size=8))
def test_unsigned_or_forged_deliveries_are_refused_and_leave_nothing_behind(
    intake: Intake, body: bytes, headers: dict[str, str]
) -> None:
    client, secret, database = intake
    if headers.get("X-Shopify-Hmac-Sha256") == signature(body, secret):
        return  # hypothesis guessed the HMAC: not an unsigned delivery
    headers.pop("Content-Length", None)  # a lying length is the HTTP server's to refuse, before the intake
    before = _rows(database)
    answer = client.post("/webhooks/shopify", content=body, headers=headers)
    assert answer.status_code in (401, 413, 415), (answer.status_code, answer.text)
    assert _rows(database) == before


@FUZZ
@given(body=BODY, topic=st.sampled_from(TOPICS), webhook_id=HEADER_VALUE, content_type=st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", ""]))  # fmt: skip
def test_signed_deliveries_of_any_body_get_a_2xx_or_4xx_answer(
    intake: Intake, body: bytes, topic: str, webhook_id: str, content_type: str
) -> None:
    client, secret, _ = intake
    headers = {
        "Content-Type": content_type,
        "X-Shopify-Hmac-Sha256": signature(body, secret),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": "erpsync-dev.myshopify.com",
        "X-Shopify-Webhook-Id": webhook_id,
    }
    answer = client.post("/webhooks/shopify", content=body, headers=headers)
    assert 200 <= answer.status_code < 500, (answer.status_code, answer.text)
