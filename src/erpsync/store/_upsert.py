"""INSERT ... ON CONFLICT DO UPDATE, spelled for whichever of SQLite and PostgreSQL the session talks to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from erpsync.store.tables import Base


def upsert(
    session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]], *, key: Sequence[str]
) -> None:
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(list(rows))
    updates = {name: statement.excluded[name] for name in rows[0] if name not in key}
    session.execute(statement.on_conflict_do_update(index_elements=list(key), set_=updates))
