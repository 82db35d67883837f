"""Bulk mutations: staged upload, ``bulkOperationRunMutation`` run in the background, the JSONL result with
each line's userErrors, the finish webhook, and the limits Shopify documents."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from erpsync.connectors.shopify.bulk_writer import BulkWriter
from erpsync.connectors.shopify.client import GraphQLClient
from erpsync.connectors.shopify.throttle import CostBudget
from erpsync.errors import DataError

from .conftest import Shop

PRODUCT_SET = """
mutation productSet($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier) {
    product { id handle variants(first: 5) { nodes { sku inventoryItem { id } } } }
    userErrors { field message code }
  }
}"""
STAGE = """
mutation stage($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) {
    stagedTargets { url parameters { name value } } userErrors { field message }
  }
}"""
RUN = """
mutation run($mutation: String!, $path: String!) {
  bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $path) {
    bulkOperation { id status type } userErrors { field message code }
  }
}"""
STATUS = "query op($id: ID!) { node(id: $id) { ... on BulkOperation { id status objectCount url type } } }"


def product_line(number: int, title: str | None = None) -> dict[str, Any]:
    return {
        "identifier": {"handle": f"bulk-{number}"},
        "input": {
            "title": f"Bulk item {number}" if title is None else title,
            "handle": f"bulk-{number}",
            "productOptions": [{"name": "Title", "values": [{"name": "Default Title"}]}],
            "variants": [
                {"optionValues": [{"optionName": "Title", "name": "Default Title"}], "sku": f"BULK-{number}"}
            ],
        },
    }


def stage(shop: Shop, lines: list[Any]) -> str:
    payload = shop.data(
        STAGE,
        {
            "input": [
                {
                    "resource": "BULK_MUTATION_VARIABLES",
                    "filename": "v.jsonl",
                    "mimeType": "text/jsonl",
                    "httpMethod": "POST",
                }
            ]
        },
    )["stagedUploadsCreate"]
    target = payload["stagedTargets"][0]
    fields = {p["name"]: p["value"] for p in target["parameters"]}
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    url = httpx.URL(target["url"])
    answer = shop.http.post(url.path, data=fields, files={"file": ("v.jsonl", body, "text/jsonl")})
    assert answer.status_code == 201, answer.text
    return fields["key"]


def finish(shop: Shop, operation_id: str) -> dict[str, Any]:
    for _ in range(200):
        node: dict[str, Any] = shop.data(STATUS, {"id": operation_id})["node"]
        if node["status"] not in ("CREATED", "RUNNING"):
            return node
        time.sleep(0.05)
    raise AssertionError(f"bulk operation {operation_id} did not finish")


def result_lines(shop: Shop, url: str) -> list[dict[str, Any]]:
    text = shop.http.get(httpx.URL(url).path).text
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(autouse=True)
def fast_bulk(shop: Shop) -> None:
    shop.sandbox.bulk_mutations.configure({"lines_per_second": 2000})


def test_bulk_product_set_creates_every_line_and_reports_each_in_order(shop: Shop) -> None:
    path = stage(shop, [product_line(n) for n in range(3)])
    started = shop.data(RUN, {"mutation": PRODUCT_SET, "path": path})["bulkOperationRunMutation"]
    assert started["userErrors"] == []
    assert started["bulkOperation"]["status"] == "CREATED" and started["bulkOperation"]["type"] == "MUTATION"
    done = finish(shop, started["bulkOperation"]["id"])
    assert done["status"] == "COMPLETED" and done["objectCount"] == "3"
    lines = result_lines(shop, done["url"])
    assert [line["__lineNumber"] for line in lines] == [0, 1, 2]
    variants = [line["data"]["productSet"]["product"]["variants"]["nodes"][0] for line in lines]
    assert [v["sku"] for v in variants] == ["BULK-0", "BULK-1", "BULK-2"]
    assert all(v["inventoryItem"]["id"].startswith("gid://shopify/InventoryItem/") for v in variants)
    current = shop.data("{ currentBulkOperation(type: MUTATION) { id status } }")["currentBulkOperation"]
    assert current == {"id": started["bulkOperation"]["id"], "status": "COMPLETED"}


def test_a_rejected_line_carries_its_own_user_errors_and_the_others_are_written(shop: Shop) -> None:
    path = stage(shop, [product_line(0), product_line(1, title=""), product_line(2)])
    started = shop.data(RUN, {"mutation": PRODUCT_SET, "path": path})["bulkOperationRunMutation"]
    done = finish(shop, started["bulkOperation"]["id"])
    assert done["status"] == "COMPLETED"
    lines = result_lines(shop, done["url"])
    assert lines[1]["data"]["productSet"]["product"] is None
    assert lines[1]["data"]["productSet"]["userErrors"] == [
        {"field": ["input", "title"], "message": "Title can't be blank", "code": "BLANK"}
    ]
    assert lines[0]["data"]["productSet"]["product"] and lines[2]["data"]["productSet"]["product"]


def test_a_second_bulk_mutation_is_refused_while_one_runs_before_2026_01(shop: Shop) -> None:
    shop.version = "2025-10"
    shop.sandbox.bulk_mutations.configure({"lines_per_second": 5})
    path = stage(shop, [product_line(n) for n in range(20)])
    first = shop.data(RUN, {"mutation": PRODUCT_SET, "path": path})["bulkOperationRunMutation"]
    assert first["userErrors"] == []
    second = shop.data(RUN, {"mutation": PRODUCT_SET, "path": path})["bulkOperationRunMutation"]
    assert second["bulkOperation"] is None
    assert second["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"
    assert first["bulkOperation"]["id"] in second["userErrors"][0]["message"]


def test_from_2026_01_five_bulk_mutations_run_at_once_and_a_sixth_is_refused(shop: Shop) -> None:
    shop.sandbox.bulk_mutations.configure({"lines_per_second": 5})
    path = stage(shop, [product_line(n) for n in range(20)])
    answers = [
        shop.data(RUN, {"mutation": PRODUCT_SET, "path": path})["bulkOperationRunMutation"] for _ in range(6)
    ]
    assert [a["userErrors"] for a in answers[:5]] == [[]] * 5
    assert answers[5]["userErrors"][0]["code"] == "LIMIT_REACHED"


def test_an_unknown_staged_path_or_a_bad_file_or_mutation_is_refused_with_shopify_codes(shop: Shop) -> None:
    missing = shop.data(RUN, {"mutation": PRODUCT_SET, "path": "tmp/1/bulk/nope/v.jsonl"})
    assert missing["bulkOperationRunMutation"]["userErrors"][0]["code"] == "NO_SUCH_FILE"
    bad_file = stage(shop, ["not an object"])
    invalid = shop.data(RUN, {"mutation": PRODUCT_SET, "path": bad_file})["bulkOperationRunMutation"]
    assert invalid["userErrors"][0]["code"] == "INVALID_STAGED_UPLOAD_FILE"
    path = stage(shop, [product_line(0)])
    not_mutation = shop.data(RUN, {"mutation": "{ shop { name } }", "path": path})["bulkOperationRunMutation"]
    assert not_mutation["userErrors"][0]["code"] == "INVALID_MUTATION"
    unknown = shop.data(RUN, {"mutation": "mutation { noSuchThing { id } }", "path": path})
    assert unknown["bulkOperationRunMutation"]["userErrors"][0]["code"] == "INVALID_MUTATION"


def test_the_upload_refuses_a_forged_policy_and_a_file_over_the_limit(shop: Shop) -> None:
    shop.sandbox.staged_files.max_bytes = 100
    payload = shop.data(
        STAGE,
        {
            "input": [
                {
                    "resource": "BULK_MUTATION_VARIABLES",
                    "filename": "v.jsonl",
                    "mimeType": "text/jsonl",
                    "httpMethod": "POST",
                }
            ]
        },
    )["stagedUploadsCreate"]
    fields = {p["name"]: p["value"] for p in payload["stagedTargets"][0]["parameters"]}
    too_big = shop.http.post(
        "/_staged/uploads", data=fields, files={"file": ("v.jsonl", b"{}\n" * 50, "text/jsonl")}
    )
    assert too_big.status_code == 400 and "<Code>EntityTooLarge</Code>" in too_big.text
    forged = {**fields, "key": "tmp/other/bulk/x/v.jsonl"}
    refused = shop.http.post(
        "/_staged/uploads", data=forged, files={"file": ("v.jsonl", b"{}\n", "text/jsonl")}
    )
    assert refused.status_code == 403 and "<Code>AccessDenied</Code>" in refused.text


def test_bulk_writer_streams_lines_through_the_whole_protocol_and_gets_the_finish_webhook(shop: Shop) -> None:
    client = GraphQLClient(
        "erpsync-dev.myshopify.com",
        shop.sandbox.access_token,
        "2026-04",
        base_url=str(shop.http.base_url),
        budget=CostBudget(),
    )
    received: list[dict[str, Any]] = []
    shop.sandbox.webhooks.emit = lambda _store, topic, payload, event_id=None: received.append(  # type: ignore[method-assign]
        {"topic": topic, **payload}
    )
    with client:
        writer = BulkWriter(client, poll_interval=0.05)
        lines = list(writer.run(PRODUCT_SET, (product_line(n) for n in range(4)), payload_key="productSet"))
    assert [line.number for line in lines] == [0, 1, 2, 3] and not any(line.failed for line in lines)
    finished = [w for w in received if w["topic"] == "bulk_operations/finish"]
    assert finished and finished[0]["status"] == "completed" and finished[0]["type"] == "mutation"


def test_bulk_writer_refuses_a_file_over_the_limit_before_uploading(shop: Shop) -> None:
    client = GraphQLClient(
        "erpsync-dev.myshopify.com", shop.sandbox.access_token, "2026-04", base_url=str(shop.http.base_url)
    )
    with client, pytest.raises(DataError, match="over the limit"):
        BulkWriter(client, max_file_bytes=10).stage([product_line(0)])
