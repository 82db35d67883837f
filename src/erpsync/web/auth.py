"""Who may use the ops API and the dashboard: local users, API tokens, login sessions, roles and CSRF.

- Passwords are hashed with argon2id (``argon2-cffi``'s defaults, RFC 9106 parameters).
- API tokens (``Authorization: Bearer esk_...``) and session ids are random 256-bit values stored as their
  SHA-256 only: they are high-entropy, so a fast hash is enough and a leaked table reveals none of them.
- Roles: viewer (read), operator (retry, skip, resolve, edit), admin (config, users, pause/resume).
- A request authenticated by its session cookie must carry the session's CSRF token on every unsafe method
  (form field ``csrf_token`` or header ``X-CSRF-Token``); a bearer token is not sent by browsers on their own,
  so token requests need none.

The tables live in their own SQLAlchemy metadata in the store's database, created on startup (the store's
Alembic migrations do not know them yet; see docs/operations.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "esk_"
SESSION_COOKIE = "erpsync_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_LIFETIME = timedelta(hours=12)


class UnknownUser(LookupError):
    """No user of that name."""


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


_RANKS = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}

metadata = sa.MetaData()

users_table = sa.Table(
    "web_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(100), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

tokens_table = sa.Table(
    "web_api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)

sessions_table = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("session_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user, their role, and how they proved it (``session`` carries a CSRF token)."""

    username: str
    role: Role
    via: str  # "session" | "token"
    csrf_token: str | None = None


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    created_at: datetime


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything written here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class UserDirectory:
    """Users, API tokens and login sessions in the given database (tables created when missing)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._hasher = PasswordHasher()
        self._decoy: str | None = None
        metadata.create_all(engine)

    def _decoy_hash(self) -> str:
        # Verifying against this when the user does not exist keeps login time the same either way.
        if self._decoy is None:
            self._decoy = self._hasher.hash(secrets.token_hex(16))
        return self._decoy

    @classmethod
    def from_url(cls, database_url: str) -> UserDirectory:
        from erpsync.store.database import create_store_engine, resolve_url

        return cls(create_store_engine(resolve_url(database_url)))

    def close(self) -> None:
        self._engine.dispose()

    # --- users ----------------------------------------------------------------------------------------
    def add_user(self, username: str, password: str, role: Role | str) -> User:
        role = Role(role)
        _check_password(password)
        created = _now()
        with self._engine.begin() as connection:
            exists = connection.scalar(sa.select(users_table.c.id).where(users_table.c.username == username))
            if exists is not None:
                raise ValueError(f"user {username!r} already exists")
            connection.execute(
                users_table.insert().values(
                    username=username,
                    password_hash=self._hasher.hash(password),
                    role=role.value,
                    created_at=created,
                )
            )
        return User(username, role, created)

    def set_password(self, username: str, password: str) -> None:
        _check_password(password)
        self._update_user(username, password_hash=self._hasher.hash(password))
        self._end_sessions_of(username)

    def set_role(self, username: str, role: Role | str) -> None:
        self._update_user(username, role=Role(role).value)

    def remove_user(self, username: str) -> None:
        with self._engine.begin() as connection:
            user_id = self._user_id(connection, username)
            connection.execute(sessions_table.delete().where(sessions_table.c.user_id == user_id))
            connection.execute(tokens_table.delete().where(tokens_table.c.user_id == user_id))
            connection.execute(users_table.delete().where(users_table.c.id == user_id))

    def users(self) -> list[User]:
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(users_table).order_by(users_table.c.username)).all()
        return [User(row.username, Role(row.role), _aware(row.created_at)) for row in rows]

    def verify_password(self, username: str, password: str) -> Principal | None:
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(users_table).where(users_table.c.username == username)).first()
        try:
            self._hasher.verify(row.password_hash if row is not None else self._decoy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if self._hasher.check_needs_rehash(row.password_hash):
            self._update_user(username, password_hash=self._hasher.hash(password))
        return Principal(row.username, Role(row.role), "password")

    # --- API tokens -----------------------------------------------------------------------------------
    def create_token(self, username: str, name: str) -> str:
        """A new API token for ``username``; the value is returned once and only its hash is kept."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._engine.begin() as connection:
            connection.execute(
                tokens_table.insert().values(
                    user_id=self._user_id(connection, username),
                    name=name,
                    token_sha256=_sha256(token),
                    created_at=_now(),
                    revoked=False,
                )
            )
        return token

    def revoke_token(self, username: str, name: str) -> bool:
        with self._engine.begin() as connection:
            result = connection.execute(
                tokens_table.update()
                .where(
                    tokens_table.c.user_id == self._user_id(connection, username), tokens_table.c.name == name
                )
                .values(revoked=True)
            )
            return bool(result.rowcount)

    def principal_for_token(self, token: str) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        query = (
            sa.select(users_table.c.username, users_table.c.role)
            .join(tokens_table, tokens_table.c.user_id == users_table.c.id)
            .where(tokens_table.c.token_sha256 == _sha256(token), tokens_table.c.revoked.is_(False))
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else Principal(row.username, Role(row.role), "token")

    # --- login sessions -------------------------------------------------------------------------------
    def start_session(self, username: str) -> tuple[str, str]:
        """A session for a user who just proved their password: (session id for the cookie, CSRF token)."""
        session_id, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._engine.begin() as connection:
            connection.execute(sessions_table.delete().where(sessions_table.c.expires_at < _now()))
            connection.execute(
                sessions_table.insert().values(
                    user_id=self._user_id(connection, username),
                    session_sha256=_sha256(session_id),
                    csrf_token=csrf_token,
                    expires_at=_now() + SESSION_LIFETIME,
                )
            )
        return session_id, csrf_token

    def principal_for_session(self, session_id: str) -> Principal | None:
        query = (
            sa.select(
                users_table.c.username,
                users_table.c.role,
                sessions_table.c.csrf_token,
                sessions_table.c.expires_at,
            )
            .join(sessions_table, sessions_table.c.user_id == users_table.c.id)
            .where(sessions_table.c.session_sha256 == _sha256(session_id))
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None or _aware(row.expires_at) < _now():
            return None
        return Principal(row.username, Role(row.role), "session", row.csrf_token)

    def end_session(self, session_id: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                sessions_table.delete().where(sessions_table.c.session_sha256 == _sha256(session_id))
            )

    # --- helpers --------------------------------------------------------------------------------------
    def _user_id(self, connection: sa.Connection, username: str) -> int:
        user_id = connection.scalar(sa.select(users_table.c.id).where(users_table.c.username == username))
        if user_id is None:
            raise UnknownUser(f"no user {username!r}")
        return int(user_id)

    def _update_user(self, username: str, **values: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                users_table.update()
                .where(users_table.c.id == self._user_id(connection, username))
                .values(**values)
            )

    def _end_sessions_of(self, username: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                sessions_table.delete().where(sessions_table.c.user_id == self._user_id(connection, username))
            )


class LoginThrottle:
    """Slows password guessing: after ``limit`` failures for one username within ``window``, that username
    is refused until the window has passed (per process; a success clears the count)."""

    def __init__(self, limit: int = 5, window: timedelta = timedelta(minutes=15)) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, list[datetime]] = {}
        self._lock = threading.Lock()

    def blocked(self, username: str, now: datetime | None = None) -> bool:
        now = now or _now()
        with self._lock:
            recent = [at for at in self._failures.get(username, []) if now - at < self.window]
            self._failures[username] = recent
            return len(recent) >= self.limit

    def failed(self, username: str, now: datetime | None = None) -> None:
        with self._lock:
            self._failures.setdefault(username, []).append(now or _now())

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)


def csrf_matches(principal: Principal, presented: str | None) -> bool:
    return (
        principal.csrf_token is not None
        and presented is not None
        and hmac.compare_digest(principal.csrf_token, presented)
    )


def _check_password(password: str) -> None:
    if len(password) < 10:
        raise ValueError("a password needs at least 10 characters")


def add_user_command(database_url: str, username: str, password: str, role: str = "viewer") -> str:
    """What ``erpsync users add`` runs: create the user; returns a one-line confirmation (no secret)."""
    directory = UserDirectory.from_url(database_url)
    try:
        user = directory.add_user(username, password, role)
    finally:
        directory.close()
    return f"user {user.username!r} added with role {user.role.value}"


def create_token_command(database_url: str, username: str, name: str) -> str:
    """What ``erpsync users token`` runs: returns the new token, to be shown once to the operator."""
    directory = UserDirectory.from_url(database_url)
    try:
        return directory.create_token(username, name)
    finally:
        directory.close()
