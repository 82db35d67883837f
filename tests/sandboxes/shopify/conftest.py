"""A seeded Shopify sandbox served on loopback, and a small GraphQL client for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from erpsync.sandboxes.common import serve_in_thread
from erpsync.sandboxes.shopify import ShopifySandbox, build_sandbox


@dataclass
class Shop:
    sandbox: ShopifySandbox
    http: httpx.Client
    version: str = "2026-04"

    @property
    def path(self) -> str:
        return f"/admin/api/{self.version}/graphql.json"

    def post(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        sent = {"X-Shopify-Access-Token": self.sandbox.access_token, **headers}
        return self.http.post(self.path, json={"query": query, "variables": variables or {}}, headers=sent)

    def gql(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
        response = self.post(query, variables, **headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.gql(query, variables)
        assert "errors" not in body, body["errors"]
        result: dict[str, Any] = body["data"]
        return result


@pytest.fixture
def shop() -> Iterator[Shop]:
    sandbox = build_sandbox(seed=7)
    with serve_in_thread(sandbox.app) as running, httpx.Client(base_url=running.url, timeout=10) as http:
        yield Shop(sandbox, http)
    sandbox.webhooks.stop()
