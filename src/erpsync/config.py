"""The one config loader: `erpsync.yaml` validated by pydantic-settings.

Secrets are never written in the file: a credential is ``{env: NAME}`` or ``{file: /path}`` and is read at
load time into a ``SecretStr`` (which prints as ``**********``). An inline secret is a config error, so a
secret cannot end up in git or in a log line that prints the config.

Environment overrides: ``ERPSYNC_DATABASE_URL`` (state store and engine database) and ``ERPSYNC_WORKER_ID``.

Example::

    database_url: sqlite:///erpsync.db
    connections:
      shopify:
        platform: shopify
        url: https://acme.myshopify.com
        api_version: "2026-04"
        credentials:
          access_token: {env: SHOPIFY_ACCESS_TOKEN}
          webhook_secret: {file: /run/secrets/shopify_webhook_secret}
        budget: {cost_per_second: 1000}
      netsuite:
        platform: netsuite
        url: https://1234567.suitetalk.api.netsuite.com
        account_id: "1234567"
        credentials:
          consumer_key: {env: NS_CONSUMER_KEY}
          ...
        budget: {concurrency: 15}
    flows:
      order_to_erp:
        source: shopify
        target: netsuite
        trigger: {webhook: true, poll_every_seconds: 300}
        reconcile: {cron: "0 * * * *"}
        mapping: mappings/shopify-netsuite/orders.yaml
        retry: {max_attempts: 12, base_delay_seconds: 1, max_delay_seconds: 300}
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from erpsync.errors import ConfigError

DEFAULT_CONFIG_FILE = "erpsync.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(_Strict):
    """Where a secret comes from: an environment variable or a file (Docker/Kubernetes secrets)."""

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _exactly_one_source(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of `env: NAME` or `file: /path`")
        return self

    def resolve(self) -> SecretStr:
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise ValueError(f"environment variable {self.env} is not set")
            return SecretStr(value)
        assert self.file is not None
        try:
            return SecretStr(self.file.read_text().strip())
        except OSError as exc:
            raise ValueError(f"cannot read secret file {self.file}: {exc.strerror}") from exc


class Budget(_Strict):
    """An API budget, enforced cluster-wide by the engine (DESIGN decision 4); how each field applies to
    each platform: ``erpsync.budgets``. For NetSuite, ``concurrency`` is the account's limit on requests in
    flight and ``flows_in_flight`` the flows run at once (default twice the limit)."""

    concurrency: int | None = Field(default=None, ge=1)
    flows_in_flight: int | None = Field(default=None, ge=1)
    requests_per_second: float | None = Field(default=None, gt=0)
    per_record: int | None = Field(default=None, ge=1)  # 1: one record's changes apply one after the other
    cost_per_second: float | None = Field(default=None, gt=0)  # Shopify GraphQL restore rate
    bucket_size: float | None = Field(default=None, gt=0)


class Connection(_Strict):
    platform: Literal[
        "shopify", "bigcommerce", "adobe_commerce", "netsuite", "business_central", "sap", "tryton"
    ]
    url: str
    api_version: str | None = None
    account_id: str | None = None
    database: str | None = None  # Tryton: the database name on the server
    # Account-specific choices of the connector, e.g. NetSuite's discount_item_id, guest_customer_id,
    # ship_methods (see the connector's settings class); checked when the connector is built.
    settings: dict[str, Any] = Field(default_factory=dict)
    credentials: dict[str, SecretRef] = Field(default_factory=dict)
    budget: Budget = Field(default_factory=Budget)

    @field_validator("url")
    @classmethod
    def _safe_url(cls, value: str) -> str:
        return check_outbound_url(value)

    @field_validator("credentials", mode="before")
    @classmethod
    def _no_inline_secrets(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for name, ref in value.items():
                if not isinstance(ref, dict):
                    raise ValueError(
                        f"credential {name!r} is written inline; secrets never go in the config file: "
                        f"use `{name}: {{env: VARIABLE}}` or `{name}: {{file: /path/to/secret}}`"
                    )
        return value

    def secrets(self) -> dict[str, SecretStr]:
        """Read every credential now; raises ValueError naming the credential that cannot be read."""
        resolved = {}
        for name, ref in self.credentials.items():
            try:
                resolved[name] = ref.resolve()
            except ValueError as exc:
                raise ValueError(f"credential {name!r}: {exc}") from exc
        return resolved


# Cloud metadata services answer on link-local or internal names; a config pointing there would hand the
# machine's cloud credentials to whoever wrote the config (SSRF), so erpsync never calls them.
METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"}
)
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def check_outbound_url(url: str) -> str:
    """An API URL erpsync may call: https (http only on loopback, for sandboxes and local servers), no
    credentials in the URL, no link-local or cloud metadata host. Raises ValueError saying what to fix."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError(f"{url!r} is not an http(s) URL with a host, e.g. https://acme.myshopify.com")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "credentials do not go in the URL (they would show in logs): remove the user:password@ part "
            "and use the connection's `credentials` with {env: ...} or {file: ...}"
        )
    address = _ip_address(host)
    if host in METADATA_HOSTS or (address is not None and address.is_link_local):
        raise ValueError(f"{host} is a link-local or cloud metadata address; erpsync does not call it")
    loopback = (
        host in LOOPBACK_NAMES or host.endswith(".localhost") or (address is not None and address.is_loopback)
    )
    if parts.scheme == "http" and not loopback:
        raise ValueError(f"{url!r} is plain http; use https (http is allowed only for localhost/127.0.0.1)")
    return url


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        # A bare number is an IPv4 address to the system resolver (http://2852039166/ is 169.254.169.254).
        address = ipaddress.ip_address(int(host, 0) if host[:1].isdigit() and "." not in host else host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class Trigger(_Strict):
    webhook: bool = False
    poll_every_seconds: int | None = Field(default=None, ge=1)
    cron: str | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> Trigger:
        if not (self.webhook or self.poll_every_seconds or self.cron):
            raise ValueError(
                "a flow needs a trigger: `webhook: true`, `poll_every_seconds: N` or `cron: ...`"
            )
        if self.cron is not None:
            _check_cron(self.cron)
        return self


class Reconcile(_Strict):
    cron: str

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        _check_cron(value)
        return value


class Retry(_Strict):
    max_attempts: int = Field(default=12, ge=1)
    base_delay_seconds: float = Field(default=1.0, gt=0)
    max_delay_seconds: float = Field(default=300.0, gt=0)


class Flow(_Strict):
    enabled: bool = True
    source: str
    target: str
    trigger: Trigger
    reconcile: Reconcile | None = None
    mapping: Path | None = None
    retry: Retry = Field(default_factory=Retry)


class Alert(_Strict):
    url: SecretRef  # apprise URLs embed tokens (Slack, Teams), so they are secrets too
    events: list[str] = Field(default_factory=lambda: ["new_exception_class", "flow_paused"])


class Smtp(_Strict):
    """The SMTP server erpsync's own customer e-mails go through (``erpsync.notify``)."""

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username: str | None = None
    password: SecretRef | None = None


class Notifications(_Strict):
    """Customer e-mails. ``shipping_confirmation``: ``store`` (the store sends its own, e.g. Shopify's
    notifyCustomer), ``erpsync`` (erpsync's notifier through ``smtp``, for stores that do not), ``off``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    smtp: Smtp | None = None
    sender: str | None = Field(default=None, alias="from")
    shipping_confirmation: Literal["store", "erpsync", "off"] = "store"

    @model_validator(mode="after")
    def _erpsync_needs_smtp(self) -> Notifications:
        if self.shipping_confirmation == "erpsync" and (self.smtp is None or not self.sender):
            raise ValueError(
                "shipping_confirmation: erpsync sends the mail itself: give `smtp: {host: ..., port: ...}` "
                "and `from: Shop <shop@example.com>`"
            )
        return self


class Settings(BaseSettings):
    """The whole erpsync configuration."""

    model_config = SettingsConfigDict(env_prefix="ERPSYNC_", extra="forbid", frozen=True)

    database_url: str = "sqlite:///erpsync.db"
    worker_id: str | None = None
    # How long inbound webhook bodies and API reads stay in the raw payload archive (None: forever).
    payload_retention_days: int | None = Field(default=90, ge=1)
    connections: dict[str, Connection] = Field(default_factory=dict)
    flows: dict[str, Flow] = Field(default_factory=dict)
    alerts: list[Alert] = Field(default_factory=list)
    notifications: Notifications = Field(default_factory=Notifications)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: Any, env_settings: Any, *_: Any, **__: Any
    ) -> tuple[Any, ...]:
        # The environment wins over the file: a deployment points the same erpsync.yaml at its own database.
        return (env_settings, init_settings)

    @model_validator(mode="after")
    def _flows_name_known_connections(self) -> Settings:
        for name, flow in self.flows.items():
            for role in ("source", "target"):
                connection = getattr(flow, role)
                if connection not in self.connections:
                    known = ", ".join(sorted(self.connections)) or "none configured"
                    raise ValueError(
                        f"flow {name!r}: {role} {connection!r} is not a connection (known: {known})"
                    )
        return self


def _check_cron(expression: str) -> None:
    if len(expression.split()) != 5:
        raise ValueError(
            f"cron {expression!r} must have 5 fields: minute hour day-of-month month day-of-week"
        )


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; see `erpsync config check --help` for the schema)"
    return f"{where}: {message}"


def load_settings(path: str | Path | None = None) -> Settings:
    """Load ``erpsync.yaml`` (or ``path``); a missing default file means the embedded defaults.

    Raises ConfigError whose message lists every problem, one per line, each naming the key path.
    """
    file = Path(path) if path is not None else Path(DEFAULT_CONFIG_FILE)
    document: Any = {}
    if file.exists():
        try:
            document = yaml.safe_load(file.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{file}: not valid YAML: {exc}", suggested_fix="fix the YAML syntax") from exc
        if not isinstance(document, dict):
            raise ConfigError(f"{file}: the top level must be a mapping of settings")
    elif path is not None:
        raise ConfigError(f"{file}: no such config file")
    try:
        return Settings(**document)
    except ValidationError as exc:
        problems = "\n".join(f"  {file}: {_describe(error)}" for error in exc.errors())
        raise ConfigError(f"{file} has {exc.error_count()} problem(s):\n{problems}") from None


def check_secrets(settings: Settings) -> list[str]:
    """Every credential that cannot be read now, named by connection and credential (never the value)."""
    problems = []
    for name, connection in settings.connections.items():
        try:
            connection.secrets()
        except ValueError as exc:
            problems.append(f"connections.{name}: {exc}")
    for index, alert in enumerate(settings.alerts):
        try:
            alert.url.resolve()
        except ValueError as exc:
            problems.append(f"alerts.{index}.url: {exc}")
    smtp = settings.notifications.smtp
    if smtp is not None and smtp.password is not None:
        try:
            smtp.password.resolve()
        except ValueError as exc:
            problems.append(f"notifications.smtp.password: {exc}")
    return problems
