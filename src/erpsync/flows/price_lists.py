"""B2B price lists, ERP → store: each ERP price list becomes a store price list, on a catalog for the
companies that buy on it.

What moves: every active ERP price list other than the base prices (NetSuite: a price level; ``PriceList``,
whose code is the level's name) becomes a store price list of that name, in the ERP's currency, with

- its percentage off (or on) the store's default prices (NetSuite: the level's markup/discount %), and
- a fixed price for each SKU the ERP prices explicitly on it (NetSuite: the item's pricing sublist at that
  level, quantity break 0);

and the companies whose ERP account is on that list (NetSuite: the customer's price level), as far as
erpsync knows them (the companies flow links store company and ERP customer), get it through a store catalog
for their locations (Shopify: a company-location catalog carrying the price list).

When: ``poll_erp_price_lists`` on a schedule (price levels change rarely, and NetSuite reports no change per
level): each run queues ``price_list_to_store`` once per list; a list whose content is what erpsync last
wrote is not written again (field hashes), so a frequent schedule costs one read per list.

Ownership: the ERP owns the lists. The store's fixed prices on an erpsync list are set to the ERP's at the
next change (a price set by hand in the store is replaced); companies not on the level leave the catalog.

Failures: a SKU the store does not sell yet is left out and named in the result and on the timeline; the
list is written again at the next run (its prices are not remembered as in sync), so it completes once the
catalog flow has created the product. A store refusal parks the list with the store's reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from erpsync.connectors.base import PriceListWritten
from erpsync.engine import Engine, FlowContext
from erpsync.errors import ConfigError
from erpsync.flows.hub import Hub
from erpsync.model import Price, PriceList

FLOW = "price_list_to_store"
POLLER = "poll_erp_price_lists"
RECORD_TYPE = "price_list"
COMPANY = "company"  # the companies flow's cross-reference record type


@runtime_checkable
class PriceListSource(Protocol):
    """An ERP connector that keeps B2B price lists (NetSuite: price levels and item pricing)."""

    def price_lists(self) -> list[PriceList]: ...
    def price_list_prices(self, price_list: PriceList) -> list[Price]: ...
    def price_list_accounts(self, price_list: PriceList) -> list[str]:
        """The ERP customer ids that buy on the list."""
        ...


@runtime_checkable
class PriceListTarget(Protocol):
    """A store connector that sells to companies at list prices (Shopify: price lists and catalogs)."""

    def upsert_price_list(
        self,
        price_list: PriceList,
        prices: Sequence[Price],
        company_location_ids: Sequence[str],
        *,
        idempotency_key: str,
    ) -> PriceListWritten: ...

    def company_location_ids(self, company_id: str) -> list[str]: ...


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(POLLER, queue=hub.erp.system, record_type="poll")
    def poll_erp_price_lists(ctx: FlowContext, trigger: dict[str, Any]) -> dict[str, Any]:
        source, _ = _capable(hub)
        lists = ctx.step("read_price_lists", lambda: [p.to_json_dict() for p in source.price_lists()])
        # One run per list per poll: the flow itself skips what did not change.
        handles = [engine.enqueue(FLOW, data["code"], data, version=ctx.business_key) for data in lists]
        return {"enqueued": len(handles), "workflow_ids": [h.workflow_id for h in handles]}

    @engine.flow(FLOW, queue=hub.shop.system, record_type=RECORD_TYPE)
    def price_list_to_store(ctx: FlowContext, data: dict[str, Any]) -> dict[str, Any]:
        source, target = _capable(hub)
        price_list = PriceList.from_json_dict(data)
        content = ctx.step("read_price_list", _read_contents, hub, source, target, price_list)
        key = price_list.business_key
        fields = _fields(price_list, content)
        if not hub.store.changed_fields(hub.shop.system, RECORD_TYPE, key, fields):
            return {"status": "unchanged", "price_list": key}
        written = ctx.step(
            "write_price_list",
            _write,
            target,
            price_list,
            content,
            idempotency_key=ctx.idempotency_key("write_price_list"),
        )
        return _remember(hub, price_list, fields, written)


def _capable(hub: Hub) -> tuple[PriceListSource, PriceListTarget]:
    if not isinstance(hub.erp, PriceListSource):
        raise ConfigError(f"the {hub.erp.system} connector keeps no price lists: leave {POLLER} unscheduled")
    if not isinstance(hub.shop, PriceListTarget):
        raise ConfigError(
            f"the {hub.shop.system} connector sells at no price lists: leave {POLLER} unscheduled"
        )
    return hub.erp, hub.shop


def _read_contents(
    hub: Hub, source: PriceListSource, target: PriceListTarget, price_list: PriceList
) -> dict[str, Any]:
    """The list's prices (sorted by SKU) and the store company locations that buy on it."""
    prices = sorted(source.price_list_prices(price_list), key=lambda p: p.sku)
    locations: set[str] = set()
    for erp_customer in source.price_list_accounts(price_list):
        company_key = hub.store.business_key(hub.erp.system, COMPANY, erp_customer)
        store_company = company_key and hub.store.external_id(hub.shop.system, COMPANY, company_key)
        if store_company:  # an ERP-only account has no store company to sell to
            locations.update(target.company_location_ids(store_company))
    return {"prices": [p.to_json_dict() for p in prices], "locations": sorted(locations)}


def _fields(price_list: PriceList, content: dict[str, Any]) -> dict[str, Any]:
    """What the store must hold for the list, as compared and remembered."""
    adjustment = price_list.adjustment_percent
    return {
        "currency": price_list.currency,
        "adjustment_percent": None if adjustment is None else format(adjustment.normalize(), "f"),
        "prices": [[p["sku"], p["list_price"]["amount"]] for p in content["prices"]],
        "locations": content["locations"],
    }


def _write(
    target: PriceListTarget, price_list: PriceList, content: dict[str, Any], *, idempotency_key: str
) -> dict[str, Any]:
    prices = [Price.from_json_dict(p) for p in content["prices"]]
    written = target.upsert_price_list(
        price_list, prices, content["locations"], idempotency_key=idempotency_key
    )
    return {
        "price_list_id": written.price_list_id,
        "catalog_id": written.catalog_id,
        "missing_skus": written.missing_skus,
    }


def _remember(
    hub: Hub, price_list: PriceList, fields: dict[str, Any], written: dict[str, Any]
) -> dict[str, Any]:
    key, missing = price_list.business_key, written["missing_skus"]
    hub.store.link(hub.shop.system, RECORD_TYPE, written["price_list_id"], key)
    # Prices with a SKU the store lacks are not in sync yet: the next run writes the list again.
    in_sync = {name: value for name, value in fields.items() if not (missing and name == "prices")}
    hub.store.remember_fields(hub.shop.system, RECORD_TYPE, key, in_sync)
    note = f"; not in the store yet: SKU {', '.join(missing)}" if missing else ""
    hub.store.record_event(
        RECORD_TYPE,
        key,
        "acknowledged",
        system=hub.shop.system,
        external_id=written["price_list_id"],
        message=f"price list {key}: {len(fields['prices']) - len(missing)} fixed prices, "
        f"{len(fields['locations'])} company locations{note}",
    )
    return {"status": "written", "price_list": key, **written}
