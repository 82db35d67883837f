"""The order-to-cash scenario your mapping specs are checked against.

It is the demo's flow (``erpsync.demo``) on the same sandboxes, over real HTTP on loopback: the NetSuite
catalog becomes Shopify products, stock is pushed, shoppers place orders, erpsync books them in NetSuite,
NetSuite ships them and the fulfillments come back to Shopify. Then every record either system holds can be
fed to a spec, and every mapped body checked by the system it is meant for.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from erpsync.demo import DemoEnvironment, demo_environment, shopper_basket
from erpsync.engine import FlowResult
from erpsync.mapping import MappingSpec, load_spec, load_specs
from erpsync.mapping.schema import ValueMap
from erpsync.testing.checks import SpecReport, TargetValidator, check_record
from erpsync.testing.lookup import ScenarioLookup
from erpsync.testing.records import SourceRecord, source_records


class MappingScenario:
    """A finished order-to-cash run whose records specs are checked against (``check_spec``)."""

    def __init__(self, env: DemoEnvironment) -> None:
        self.env = env
        self.shop = env.shopify_sandbox.store_for(env.shopify_credentials["shop_domain"])
        self.lookup = ScenarioLookup(env, self.shop)
        netsuite_url = getattr(env.desk, "url", None) if env.hub.erp.system == "netsuite" else None
        self._validator = TargetValidator(netsuite_url)

    def records(self, system: str, record_type: str) -> list[SourceRecord]:
        """Every ``record_type`` record ``system`` holds now (Shopify: webhook-shaped; NetSuite: REST)."""
        return list(source_records(self.env, self.shop, system, record_type))

    def location_value_map(self) -> dict[str, str]:
        """NetSuite location internal id -> Shopify location gid, as the scenario's warehouses are mapped:
        the value your spec's location map holds for this account (pass it as ``value_maps``)."""
        store_ids = {location.code: location.origin.id for location in self.env.hub.shop.locations()}
        return {
            location.origin.id: f"gid://shopify/Location/{store_ids[self.env.hub.location_map[location.code]]}"
            for location in self.env.hub.erp.locations()
            if location.code in self.env.hub.location_map
        }

    def check_spec(
        self, spec: MappingSpec | Path | str, *, value_maps: Mapping[str, Mapping[str, Any]] | None = None
    ) -> SpecReport:
        """Map every source record of the spec's type and have the target validate each result.

        ``value_maps`` replaces the values of the spec's account-specific maps (internal ids differ between
        your production account and the sandbox's): ``{"locations": scenario.location_value_map()}``.
        """
        loaded = spec if isinstance(spec, MappingSpec) else load_spec(Path(spec))
        loaded = _with_value_maps(loaded, value_maps or {})
        report = SpecReport(
            spec=loaded.name,
            source=f"{loaded.source.system} {loaded.source.record_type}",
            target=f"{loaded.target.system} {loaded.target.record_type}",
        )
        try:
            records = self.records(loaded.source.system, loaded.source.record_type)
        except LookupError as unreadable:
            report.unreadable = str(unreadable)
            return report
        for record in records:
            report.checks.append(check_record(loaded, record, self.lookup, self._validator))
        return report

    def check_specs(
        self, directory: Path | str, *, value_maps: Mapping[str, Mapping[str, Any]] | None = None
    ) -> list[SpecReport]:
        """``check_spec`` for every spec in ``directory`` (a spec that does not load raises, naming it);
        ``value_maps`` applies to every spec that declares a map of that name."""
        overrides = value_maps or {}
        return [
            self.check_spec(spec, value_maps={k: v for k, v in overrides.items() if k in spec.value_maps})
            for spec in load_specs(Path(directory))
        ]


def _with_value_maps(spec: MappingSpec, overrides: Mapping[str, Mapping[str, Any]]) -> MappingSpec:
    unknown = sorted(set(overrides) - set(spec.value_maps))
    if unknown:
        raise KeyError(f"spec {spec.name} has no value map {unknown[0]!r}; it has {sorted(spec.value_maps)}")
    if not overrides:
        return spec
    replaced = dict(spec.value_maps)
    for name, values in overrides.items():
        replaced[name] = ValueMap(description=spec.value_maps[name].description, values=dict(values))
    return dataclasses.replace(spec, value_maps=replaced)


def assert_specs_accepted(reports: list[SpecReport]) -> None:
    """Fail listing every problem of every spec, record by record, unless all mapped and were accepted."""
    failed = [report for report in reports if not report.ok]
    if failed:
        raise AssertionError("\n".join(report.summary() for report in failed))


@contextmanager
def order_to_cash_scenario(database_url: str, *, orders: int = 3, seed: int = 1) -> Iterator[MappingScenario]:
    """Run order to cash with ``orders`` shopper orders on the sandboxes, then hand over its records."""
    rng = random.Random(seed)
    with demo_environment(database_url, worker_id="mapping-scenario") as env:
        env.sync_catalog("scenario")
        skus = env.erp_skus()
        env.desk.receive_goods(skus, 40)
        env.sync_inventory("scenario")
        for number in range(orders):
            env.place_order(shopper_basket(rng, skus), email=f"scenario.shopper{number + 1}@example.com")
        _require_all_completed(env.sync_orders("scenario"), "order to ERP")
        env.ship_open_orders()
        _require_all_completed(env.sync_fulfillments("scenario"), "fulfillment to the store")
        yield MappingScenario(env)


def _require_all_completed(results: list[FlowResult], step: str) -> None:
    broken = [result for result in results if result.status != "completed"]
    if broken:
        raise RuntimeError(f"the scenario's {step} step did not complete: {[r.reason for r in broken]}")
