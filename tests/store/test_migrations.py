from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, make_url, text

from erpsync.errors import ConfigError
from erpsync.store import Store, resolve_url
from erpsync.store.database import VERSION_TABLE, alembic_config
from erpsync.store.tables import Base

from .conftest import POSTGRES_ADMIN_URL, raw_engine

STORE_TABLES = {
    "xref",
    "field_hashes",
    "cursors",
    "payloads",
    "timeline_events",
    "exceptions",
    "holds",
    "conflicts",
}


def _tables(url: str) -> set[str]:
    with raw_engine(url) as engine:
        return set(inspect(engine).get_table_names())


def test_open_creates_every_table_on_an_empty_database(database_url: str) -> None:
    assert _tables(database_url) == set()
    Store.open(database_url).close()
    assert _tables(database_url) == STORE_TABLES | {VERSION_TABLE}


def test_reopening_keeps_data_and_schema(database_url: str) -> None:
    with Store.open(database_url) as first:
        first.set_cursor("orders", "2026-03-01T00:00:00Z")
    with Store.open(database_url) as second:
        assert second.cursor("orders") == "2026-03-01T00:00:00Z"
    assert _tables(database_url) == STORE_TABLES | {VERSION_TABLE}


def test_migrations_match_the_models(database_url: str) -> None:
    Store.open(database_url).close()
    with raw_engine(database_url) as engine, engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, Base.metadata) == []


OPEN_WHEN_TOLD = """
import pathlib, sys, time
from erpsync.store import Store
url, ready, go = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
ready.touch()
while not go.exists():
    time.sleep(0.01)
Store.open(url).close()
"""


@pytest.mark.slow
def test_processes_opening_an_empty_database_at_once_all_succeed(database_url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{number}" for number in range(3)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_WHEN_TOLD, database_url, str(flag), str(go)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    try:
        # Release all three at once, after each has paid its import cost.
        while not all(flag.exists() for flag in ready) and all(w.poll() is None for w in workers):
            time.sleep(0.01)
        go.touch()
        # A generous bound, not a timing assertion: without the migration lock an open can hang.
        errors = [worker.communicate(timeout=120)[1] for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    assert [worker.returncode for worker in workers] == [0, 0, 0], errors
    assert _tables(database_url) == STORE_TABLES | {VERSION_TABLE}


def test_a_schema_newer_than_this_erpsync_is_a_config_error(database_url: str) -> None:
    Store.open(database_url).close()
    with raw_engine(database_url) as engine, engine.begin() as connection:
        connection.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = 'from_the_future'"))
    with pytest.raises(ConfigError, match="unknown to this erpsync version"):
        Store.open(database_url)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    with Store.open(sqlite_url) as store, store._engine.connect() as connection:
        # Connection settings are only visible on the store's own connections.
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def test_postgresql_urls_use_psycopg_3() -> None:
    assert resolve_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"


def test_url_comes_from_the_environment_then_defaults_to_sqlite_in_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ERPSYNC_DATABASE_URL", "postgresql://u@h/db")
    assert resolve_url().drivername == "postgresql+psycopg"
    assert resolve_url("sqlite:///other.db").database == "other.db"
    monkeypatch.delenv("ERPSYNC_DATABASE_URL")
    assert resolve_url().render_as_string() == "sqlite:///erpsync.db"
    monkeypatch.chdir(tmp_path)
    with Store.open() as store:
        store.set_cursor("orders", "1")
        assert store.database_url == f"sqlite:///{tmp_path / 'erpsync.db'}"
        # A later change of working directory must not send new connections to another file.
        monkeypatch.chdir(tmp_path.parent)
        store.close()
        assert store.cursor("orders") == "1"
    assert (tmp_path / "erpsync.db").exists()


def test_unsupported_or_malformed_urls_are_config_errors_that_do_not_echo_the_password() -> None:
    with pytest.raises(ConfigError, match="SQLite or PostgreSQL"):
        resolve_url("mysql://u:hunter2@h/db")
    with pytest.raises(ConfigError) as raised:
        resolve_url("not a url hunter2")
    assert "hunter2" not in str(raised.value)


def test_database_url_hides_the_password(postgres_url: str) -> None:
    # Trust authentication ignores the password, so this store connects while carrying one.
    with_password = postgres_url.replace("postgres@", "postgres:hunter2@", 1)
    assert "hunter2" in with_password
    with Store.open(with_password) as store:
        assert "hunter2" not in store.database_url
        assert store.database_url.startswith("postgresql+psycopg://postgres:***@")


def test_a_sqlite_file_in_a_new_directory_is_created(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'state' / 'erpsync.db'}") as store:
        store.set_cursor("orders", "1")
    assert (tmp_path / "state" / "erpsync.db").exists()


def test_an_in_memory_sqlite_store_is_refused() -> None:
    with pytest.raises(ConfigError, match="not an in-memory database"):
        Store.open("sqlite:///:memory:")
    with pytest.raises(ConfigError, match="not an in-memory database"):
        Store.open("sqlite://")


def test_reachable_says_whether_the_database_answers(postgres_url: str) -> None:
    store = Store.open(postgres_url)
    assert store.reachable() is True
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{make_url(postgres_url).database}" WITH (FORCE)')
    assert store.reachable() is False
    store.close()


def test_migrations_downgrade_to_empty_and_upgrade_again(database_url: str) -> None:
    Store.open(database_url).close()
    with raw_engine(database_url) as engine, engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert _tables(database_url) == {VERSION_TABLE}
    with Store.open(database_url) as store:
        store.set_cursor("orders", "1")
        assert store.cursor("orders") == "1"
