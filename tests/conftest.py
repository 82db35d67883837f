"""Shared fixtures: every store/engine test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ERPSYNC_TEST_POSTGRES_URL (default: the local trust-auth server, database ``test``).
Each test that asks for it gets a fresh database of its own, dropped afterwards. An unreachable server is a
failure, not a skip: CI must prove both databases.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

POSTGRES_ADMIN_URL = os.environ.get("ERPSYNC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--scale",
        type=int,
        default=None,
        metavar="ORDERS",
        help="orders per chaos run (tests/chaos; default: the CI size, or ERPSYNC_CHAOS_ORDERS)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A scaled chaos run outlasts its CI-size timeout (600 s): give it about 2 s per order on top."""
    scale = config.getoption("--scale") or int(os.environ.get("ERPSYNC_CHAOS_ORDERS", "0"))
    if scale:
        for item in items:
            if item.nodeid.startswith("tests/chaos/test_chaos_order_to_cash"):
                item.add_marker(pytest.mark.timeout(600 + 2 * scale))


def _with_database(url: str, database: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{database}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'erpsync.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"erpsync_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(POSTGRES_ADMIN_URL, name)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database on each backend in turn."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))
