"""Web fixtures: a store, an app over it without an engine, users of each role with API tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.support import SETTINGS, Tokens, add_role_users

from erpsync.store import Store
from erpsync.web.app import create_app


@pytest.fixture
def web_store(sqlite_url: str) -> Iterator[Store]:
    opened = Store.open(sqlite_url)
    yield opened
    opened.close()


@pytest.fixture
def app(web_store: Store) -> FastAPI:
    return create_app(settings=SETTINGS, store=web_store)


@pytest.fixture
def tokens(app: FastAPI) -> Tokens:
    return add_role_users(app.state.users)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)
