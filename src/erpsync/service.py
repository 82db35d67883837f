"""Assembling a running erpsync from ``erpsync.yaml``: the state store, one connector per connection, the
engine with each system's API budget, and the flows with their schedules. ``erpsync run``, ``erpsync
worker`` and the ops commands that need the engine all start here, so every process builds the same
queues and flows (DBOS requires every worker to register the same configuration)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from erpsync.budgets import declare_budget
from erpsync.config import Connection, Settings
from erpsync.connectors.base import ErpConnector, StoreConnector
from erpsync.engine import Engine, FlowContext, RetryPolicy
from erpsync.errors import ConfigError
from erpsync.flows import (
    Hub,
    catalog,
    customers,
    fulfillments,
    inventory,
    invoicing,
    loyalty,
    orders,
    payouts,
    price_lists,
    promotions,
    refunds,
    register_flows,
    returns,
    tieout,
)
from erpsync.notify import configure_notifications
from erpsync.store import Store

STORE_PLATFORMS = ("shopify",)
ERP_PLATFORMS = ("netsuite", "tryton")

# The flow a user names in erpsync.yaml -> the flow the engine schedules for its poll trigger.
POLLED_BY = {
    orders.FLOW: orders.POLLER,
    fulfillments.FLOW: fulfillments.POLLER,
    inventory.FLOW: inventory.FLOW,
    catalog.FLOW: catalog.POLLER,
    invoicing.FLOW: invoicing.POLLER,
    refunds.FLOW: refunds.POLLER,
    refunds.TO_STORE: refunds.ERP_POLLER,  # only for ERP connectors with refunds_changed_since
    returns.FLOW: returns.POLLER,  # returns flows: only when both connectors handle returns
    returns.FROM_ERP: returns.ERP_POLLER,
    payouts.FLOW: payouts.POLLER,  # store payouts -> ERP bank deposits
    tieout.FLOW: tieout.FLOW,  # a cron trigger ties out the day before it fires
    customers.TO_ERP: customers.STORE_POLLER,
    customers.TO_STORE: customers.ERP_POLLER,
}
POLLED_BY.update(
    {
        promotions.TO_ERP: promotions.STORE_POLLER,
        promotions.TO_STORE: promotions.ERP_POLLER,
        loyalty.FLOW: loyalty.POLLER,
        price_lists.FLOW: price_lists.POLLER,  # B2B price lists: a schedule (cron) is the usual trigger
    }
)


@dataclass
class Service:
    settings: Settings
    store: Store
    engine: Engine
    hub: Hub

    def shutdown(self) -> None:
        self.engine.shutdown()
        self.store.close()


def build_service(settings: Settings) -> Service:
    """Everything ``erpsync run`` needs, declared but not launched (call ``service.engine.launch()``)."""
    shop_name, erp_name = _connection_pair(settings)
    shop = store_connector(settings.connections[shop_name])
    erp = erp_connector(settings.connections[erp_name])
    retention = settings.payload_retention_days
    store = Store.open(
        settings.database_url, payload_retention=timedelta(days=retention) if retention else None
    )
    hub = Hub(store=store, shop=shop, erp=erp)
    configure_notifications(hub, settings.notifications)  # who sends the shipping confirmation
    engine = Engine(settings.database_url, worker_id=settings.worker_id)
    for connector, connection in (
        (shop, settings.connections[shop_name]),
        (erp, settings.connections[erp_name]),
    ):
        declare_budget(engine, connector, connection.budget)
    register_flows(engine, hub)
    _register_housekeeping(engine, store)
    for name, flow in settings.flows.items():
        engine.set_retry(
            name,
            RetryPolicy(
                max_attempts=flow.retry.max_attempts,
                base_delay=flow.retry.base_delay_seconds,
                max_delay=flow.retry.max_delay_seconds,
            ),
        )
        if flow.enabled and flow.trigger.poll_every_seconds:
            engine.schedule(POLLED_BY[name], every_seconds_cron(flow.trigger.poll_every_seconds))
        if flow.enabled and flow.trigger.cron:
            engine.schedule(POLLED_BY[name], f"0 {flow.trigger.cron}")
        if flow.enabled and flow.reconcile:
            # Re-reads everything from the start: what a webhook or a poll missed is found and synced, and
            # what is already synced at that version runs once (its workflow id exists).
            engine.schedule(
                POLLED_BY[name],
                f"0 {flow.reconcile.cron}",
                name=f"reconcile:{name}",
                record={"reconcile": True},
            )
    return Service(settings=settings, store=store, engine=engine, hub=hub)


HOUSEKEEPING = "purge_expired_payloads"


def _register_housekeeping(engine: Engine, store: Store) -> None:
    """Daily at 04:00 UTC: raw payloads older than ``payload_retention_days`` leave the archive."""
    engine.budget("housekeeping", concurrency=1)

    @engine.flow(HOUSEKEEPING, queue="housekeeping", record_type="housekeeping")
    def purge_expired_payloads(ctx: FlowContext, _trigger: dict[str, Any]) -> dict[str, int]:
        return {"purged": ctx.step("purge", store.purge_expired_payloads)}

    engine.schedule(HOUSEKEEPING, "0 0 4 * * *")


def every_seconds_cron(seconds: int) -> str:
    """A six-field cron (seconds first, as the engine takes it) firing every ``seconds``."""
    if seconds < 60:
        return f"*/{seconds} * * * * *"
    if seconds % 60 == 0 and seconds < 3600:
        return f"0 */{seconds // 60} * * * *"
    raise ConfigError(
        f"poll_every_seconds={seconds}: use a divisor of 60 seconds, a whole number of minutes under an "
        "hour, or a cron trigger for longer intervals"
    )


def _connection_pair(settings: Settings) -> tuple[str, str]:
    unknown = sorted(set(settings.flows) - set(POLLED_BY))
    if unknown:
        raise ConfigError(
            f"erpsync.yaml names flow(s) {', '.join(unknown)} that erpsync does not have "
            f"(known: {', '.join(sorted(POLLED_BY))})"
        )
    stores = [name for name, c in settings.connections.items() if c.platform in STORE_PLATFORMS]
    erps = [name for name, c in settings.connections.items() if c.platform in ERP_PLATFORMS]
    if len(stores) != 1 or len(erps) != 1:
        raise ConfigError(
            "erpsync runs one store and one ERP per deployment: configure exactly one connection with "
            f"platform {' or '.join(STORE_PLATFORMS)} and one with {' or '.join(ERP_PLATFORMS)} "
            f"(found stores {stores or 'none'}, ERPs {erps or 'none'}); other platforms are not built yet"
        )
    return stores[0], erps[0]


def _secrets(connection: Connection) -> dict[str, str]:
    try:
        return {name: value.get_secret_value() for name, value in connection.secrets().items()}
    except ValueError as exc:
        raise ConfigError(f"{connection.platform} connection: {exc}") from None


def store_connector(connection: Connection) -> StoreConnector:
    from erpsync.connectors.shopify import ShopifyConnector

    secrets = _secrets(connection)
    if "access_token" not in secrets:
        raise ConfigError("the shopify connection needs credentials.access_token ({env: ...} or {file: ...})")
    url = urlparse(connection.url)
    shop = ShopifyConnector(
        url.hostname or connection.url,
        secrets["access_token"],
        connection.api_version or "2026-04",
        base_url=f"{url.scheme}://{url.netloc}" if url.scheme else None,
    )
    if connection.settings.get("loyalty_metafield"):  # "namespace.key" of the loyalty app's points balance
        shop.loyalty_metafield = str(connection.settings["loyalty_metafield"])
    return shop


def erp_connector(connection: Connection) -> ErpConnector:
    if connection.platform == "tryton":
        return _tryton_connector(connection)
    from erpsync.connectors.netsuite.auth import auth_from_credentials
    from erpsync.connectors.netsuite.connector import NetSuiteConnector
    from erpsync.connectors.netsuite.translate import NetSuiteSettings

    if not connection.account_id:
        raise ConfigError('the netsuite connection needs account_id (e.g. "1234567" or "1234567_SB1")')
    credentials: dict[str, Any] = {"account_id": connection.account_id, **_secrets(connection)}
    return NetSuiteConnector(
        connection.account_id,
        connection.url,
        auth_from_credentials(connection.url, credentials),
        settings=_connector_settings(NetSuiteSettings, connection),
    )


def _connector_settings(settings_class: Any, connection: Connection) -> Any:
    """The connection's ``settings:`` as the connector's settings object; an unknown key names the known."""
    known = {f.name for f in dataclasses.fields(settings_class)}
    unknown = sorted(set(connection.settings) - known)
    if unknown:
        raise ConfigError(
            f"{connection.platform} connection: unknown setting(s) {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    return settings_class(**connection.settings)


def _tryton_connector(connection: Connection) -> ErpConnector:
    from erpsync.connectors.tryton import TrytonClient, TrytonConnector

    secrets = _secrets(connection)
    missing = [name for name in ("login", "password") if name not in secrets]
    if not connection.database or missing:
        raise ConfigError(
            "the tryton connection needs `database` and credentials login and password "
            f"(missing: {', '.join(missing + ([] if connection.database else ['database']))})"
        )
    client = TrytonClient(connection.url, connection.database, secrets["login"], secrets["password"])
    return TrytonConnector(client)
