"""Rotating the Shopify app's client secret loses no delivery: while the rotation settles, deliveries signed
with the old or the new secret are accepted; once the previous secret is removed from the config, the old one
is refused. Secrets come from secret files, read at each delivery, so no restart is needed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from erpsync.cli import _webhook_secrets
from erpsync.config import Settings
from erpsync.connectors.shopify.webhooks import signature
from erpsync.store import Store
from erpsync.web.webhooks import shopify_webhook_router

OLD, NEW = "old-client-secret-0123456789", "new-client-secret-9876543210"


class Rotation:
    """The operator's side: secret files and the connection's credentials in erpsync.yaml."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.settings = self._settings(current=OLD, previous=None)

    def _settings(self, *, current: str, previous: str | None) -> Settings:
        (self.folder / "current").write_text(current)
        credentials: dict[str, Any] = {"webhook_secret": {"file": str(self.folder / "current")}}
        if previous is not None:
            (self.folder / "previous").write_text(previous)
            credentials["previous_webhook_secret"] = {"file": str(self.folder / "previous")}
        connection = {"platform": "shopify", "url": "https://acme.myshopify.com", "credentials": credentials}
        return Settings(connections={"shopify": connection})

    def start(self) -> None:
        self.settings = self._settings(current=NEW, previous=OLD)

    def finish(self) -> None:
        self.settings = self._settings(current=NEW, previous=None)


@pytest.fixture
def intake(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Rotation]]:
    store = Store.open(sqlite_url)
    rotation = Rotation(tmp_path)
    service = SimpleNamespace(settings=None)

    def secrets() -> list[str]:
        service.settings = rotation.settings
        return _webhook_secrets(service)  # type: ignore[arg-type]

    app = FastAPI()
    # products/update is archived, not queued, so these deliveries need no engine.
    app.include_router(shopify_webhook_router(store=store, engine=None, secrets=secrets))  # type: ignore[arg-type]
    yield TestClient(app), rotation
    store.close()


def _deliver(client: TestClient, secret: str, webhook_id: str) -> int:
    body = json.dumps({"id": 7, "title": "Tee"}).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": signature(body, secret),
        "X-Shopify-Topic": "products/update",
        "X-Shopify-Shop-Domain": "acme.myshopify.com",
        "X-Shopify-Webhook-Id": webhook_id,
    }
    return client.post("/webhooks/shopify", content=body, headers=headers).status_code


def test_old_and_new_secret_both_accepted_during_rotation_and_old_refused_after(
    intake: tuple[TestClient, Rotation],
) -> None:
    client, rotation = intake
    assert _deliver(client, OLD, "before-1") == 200
    assert _deliver(client, NEW, "before-2") == 401, "the new secret is not valid before the rotation"

    rotation.start()
    assert _deliver(client, OLD, "during-1") == 200, "Shopify may still sign with the old secret"
    assert _deliver(client, NEW, "during-2") == 200

    rotation.finish()
    assert _deliver(client, OLD, "after-1") == 401
    assert _deliver(client, NEW, "after-2") == 200
