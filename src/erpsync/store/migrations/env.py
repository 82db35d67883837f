"""Alembic environment for the store. erpsync passes the open connection in ``config.attributes``
(see ``erpsync.store.database.migrate_to_head``); for ``alembic revision --autogenerate`` during development,
set ``sqlalchemy.url`` in the config or ``ERPSYNC_DATABASE_URL`` instead."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from erpsync.store.database import VERSION_TABLE, create_store_engine, resolve_url
from erpsync.store.tables import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_store_engine(resolve_url(context.config.get_main_option("sqlalchemy.url")))
    try:
        with engine.begin() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise NotImplementedError("offline (SQL script) migrations are not supported; run them online")
run_migrations_online()
