"""Opening the store's database: URL defaults, SQLite pragmas, and migrating to head on open."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL

from erpsync.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///erpsync.db"
DATABASE_URL_ENV = "ERPSYNC_DATABASE_URL"
VERSION_TABLE = "erpsync_store_version"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Any constant works as long as every erpsync process uses the same one: it serialises migrations on PG.
_MIGRATION_LOCK_KEY = 0x45525053594E43  # "ERPSYNC"
# WAL readers never block the writer; writers queue behind each other for up to this long.
SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY_OPTION = "erpsync_read_only"


def resolve_url(url: str | None = None) -> URL:
    """The URL given, else ``ERPSYNC_DATABASE_URL``, else SQLite ``erpsync.db`` in the working directory.

    ``postgresql://`` and ``postgres://`` mean psycopg 3, the one PostgreSQL driver erpsync installs.
    """
    raw = url or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL
    try:
        parsed = make_url(raw)
    except Exception as exc:  # SQLAlchemy's ArgumentError echoes the URL, which may hold a password.
        raise ConfigError(
            "the database URL is not a valid SQLAlchemy URL",
            suggested_fix=f"set {DATABASE_URL_ENV} to e.g. sqlite:///erpsync.db or postgresql://user@host/db",
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"unsupported database {parsed.get_backend_name()!r}: erpsync runs on SQLite or PostgreSQL",
            suggested_fix=f"set {DATABASE_URL_ENV} to a sqlite:/// or postgresql:// URL",
        )
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        # Every pooled connection to an in-memory SQLite database is a different, empty database.
        raise ConfigError(
            "the store needs a SQLite file, not an in-memory database",
            suggested_fix="use a file URL such as sqlite:///erpsync.db",
        )
    return parsed


def create_store_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(_pinned_sqlite_file(url))
        _configure_sqlite(engine)
        return engine
    # Pre-ping: a worker outlives database restarts and idle-connection timeouts of poolers.
    return create_engine(url, pool_pre_ping=True)


def _pinned_sqlite_file(url: URL) -> URL:
    """The SQLite file as an absolute path, its directory created.

    SQLite resolves a relative path against the working directory each time a connection opens, so a
    process that changes directory after opening the store would otherwise get a second, empty database.
    """
    database = url.database or ""
    if database.startswith("file:"):  # a URI filename: SQLite resolves it, we leave it alone
        return url
    path = Path(database).expanduser().absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    return url.set(database=str(path))


def _configure_sqlite(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys, and explicit transactions.

    pysqlite's own transaction handling defers BEGIN and never wraps DDL; SQLAlchemy's documented recipe
    ("Serializable isolation / Savepoints / Transactional DDL" in its SQLite dialect docs) turns it off and
    emits BEGIN itself. Writers use BEGIN IMMEDIATE: a deferred transaction that reads and then writes gets
    SQLITE_BUSY without waiting when another writer got in first, which the busy timeout cannot help.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys = ON")
        # NORMAL is durable in WAL mode except for the last commits on power loss (SQLite docs, "WAL").
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode = WAL``, retried while another process holds the brand-new file: switching the
    journal mode needs an exclusive lock, and SQLite can answer "database is locked" at once instead of
    waiting out the busy timeout when several processes open a new database together (seen in the
    three-process open test under load). The switch is idempotent, so retrying is safe."""
    for attempt in range(100):
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.05 + 0.01 * attempt)


def alembic_config(connection: Connection) -> Config:
    """Alembic configured in code (no alembic.ini) to migrate through ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def migrate_to_head(engine: Engine) -> None:
    """Apply every Alembic revision not yet applied, in one transaction.

    Safe when several processes open the store at once: on PostgreSQL a transaction-scoped advisory lock
    lets one migrate while the others wait and then find nothing to do; on SQLite BEGIN IMMEDIATE does the
    same, and SQLite DDL is transactional under the explicit BEGIN set up above.
    """
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        try:
            command.upgrade(alembic_config(connection), "head")
        except CommandError as exc:
            raise ConfigError(
                f"the store's database schema is unknown to this erpsync version ({exc})",
                suggested_fix="upgrade erpsync to the version that last migrated this database",
            ) from exc
