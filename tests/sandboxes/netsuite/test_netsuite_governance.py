"""Concurrency governance, asynchronous jobs with idempotency keys, and faults in NetSuite's own shapes."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

RECORDS = "/services/rest/record/v1"


def test_requests_over_the_concurrency_limit_get_429(netsuite: Any) -> None:
    assert netsuite.client.put("/_sandbox/rate-limit", json={"preset": "limit-2"}).status_code == 200
    netsuite.client.put(
        "/_sandbox/faults", json={"latency": [{"fixed_ms": 1500, "operations": ["GET customer"]}]}
    )
    start = threading.Barrier(5)

    def read_customer(_: int) -> httpx.Response:
        with httpx.Client(base_url=netsuite.url, auth=netsuite.tba(), timeout=20) as client:
            start.wait()
            return client.get(f"{RECORDS}/customer/eid:cust-2001")

    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(read_customer, range(5)))
    statuses = sorted(response.status_code for response in responses)
    assert 200 in statuses and 429 in statuses
    refused = next(response for response in responses if response.status_code == 429).json()
    assert refused["status"] == 429 and refused["title"] == "Too Many Requests"
    governance = netsuite.client.get("/_sandbox/governance").json()
    assert governance["peak"] <= 2 and governance["rejected"] == statuses.count(429)


def test_rate_limit_presets_follow_service_tier_and_suitecloud_plus(netsuite: Any) -> None:
    limits = netsuite.client.get("/services/rest/system/v1/governanceLimits").json()
    assert limits["accountConcurrencyLimit"] == 15
    assert (
        netsuite.client.put("/_sandbox/rate-limit", json={"preset": "plus-5"}).json()["concurrency_limit"]
        == 65
    )
    assert netsuite.client.put("/_sandbox/rate-limit", json={"preset": "gold"}).status_code == 422


def _async_create(netsuite: Any, key: str, external_id: str) -> httpx.Response:
    return netsuite.client.post(
        f"{RECORDS}/customer",
        json={"companyName": "Async Co", "externalId": external_id},
        headers={"Prefer": "respond-async", "X-NetSuite-Idempotency-Key": key},
    )


def _finished_job(netsuite: Any, url: str) -> dict[str, Any]:
    for _ in range(200):
        job: dict[str, Any] = netsuite.client.get(url).json()
        if job["completed"]:
            return job
        time.sleep(0.02)
    raise AssertionError(f"async job {url} still pending")


def test_async_request_is_pending_until_processed_then_its_result_is_the_create_answer(netsuite: Any) -> None:
    netsuite.client.put("/_sandbox/async", json={"paused": True})
    accepted = _async_create(netsuite, str(uuid.uuid4()), "async-1")
    assert accepted.status_code == 202 and accepted.headers["preference-applied"] == "respond-async"
    pending = netsuite.client.get(accepted.headers["location"]).json()
    assert (pending["completed"], pending["progress"]) == (False, "pending")
    assert netsuite.client.get(f"{RECORDS}/customer/eid:async-1").status_code == 404
    netsuite.client.put("/_sandbox/async", json={"paused": False})
    job = _finished_job(netsuite, accepted.headers["location"])
    assert job["progress"] == "succeeded"
    tasks = netsuite.client.get(job["task"]["links"][0]["href"]).json()
    task = netsuite.client.get(tasks["items"][0]["links"][0]["href"]).json()
    result = netsuite.client.get(task["result"]["links"][0]["href"])
    assert result.status_code == 204
    assert netsuite.client.get(result.headers["location"]).json()["externalId"] == "async-1"


def test_failed_async_request_reports_failed_with_the_error_as_result(netsuite: Any) -> None:
    accepted = netsuite.client.post(
        f"{RECORDS}/customer", json={"colour": "red"}, headers={"Prefer": "respond-async"}
    )
    job = _finished_job(netsuite, accepted.headers["location"])
    assert job["progress"] == "failed"
    result = netsuite.client.get(f"{accepted.headers['location']}/task/{job['id']}/result")
    assert result.status_code == 400 and result.json()["o:errorDetails"][0]["o:errorCode"] == "USER_ERROR"


def test_duplicate_idempotency_key_is_refused_and_creates_nothing(netsuite: Any) -> None:
    key = str(uuid.uuid4())
    first = _async_create(netsuite, key, "async-2")
    assert first.status_code == 202
    again = _async_create(netsuite, key, "async-3")
    assert again.status_code == 400
    assert again.json()["o:errorDetails"][0]["o:errorCode"] == "IDEMPOTENCY_ERROR"
    assert again.headers["location"] == first.headers["location"]
    assert _finished_job(netsuite, first.headers["location"])["progress"] == "succeeded"
    assert netsuite.client.get(f"{RECORDS}/customer/eid:async-3").status_code == 404


def test_injected_faults_answer_netsuite_shapes(netsuite: Any) -> None:
    script = [
        {"kind": "server_error", "operation": "POST customer"},
        {"kind": "throttle", "operation": "POST customer"},
        {"kind": "reset", "operation": "suiteql"},
    ]
    netsuite.client.put("/_sandbox/faults", json={"script": script})
    failed = netsuite.client.post(f"{RECORDS}/customer", json={"companyName": "Flaky"})
    assert (
        failed.status_code == 500 and failed.json()["o:errorDetails"][0]["o:errorCode"] == "UNEXPECTED_ERROR"
    )
    throttled = netsuite.client.post(f"{RECORDS}/customer", json={"companyName": "Flaky"})
    assert throttled.status_code == 429 and throttled.json()["status"] == 429
    with pytest.raises(httpx.TransportError):  # the connection drops: reset or incomplete answer
        netsuite.suiteql("SELECT id FROM customer")
    assert netsuite.client.post(f"{RECORDS}/customer", json={"companyName": "Flaky"}).status_code == 204
