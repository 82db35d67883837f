"""A warehouse that ships open sales orders by itself, so order-to-cash runs without a person.

An approved order (Pending Fulfillment or partly fulfilled) older than ``delay_seconds`` by the sandbox
clock is fulfilled in full with one package and a tracking number, exactly as a client would do it
(``salesOrder/{id}/!transform/itemFulfillment``). An order short of stock waits as a backorder and is
tried again later. Work is done lazily before each request, so moving the sandbox clock is enough
(``PUT /_sandbox/clock``); configure it with
``PUT /_sandbox/warehouse {"enabled": true, "delay_seconds": 60}``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from erpsync.sandboxes.netsuite.account import Account
from erpsync.sandboxes.netsuite.errors import NetSuiteError
from erpsync.sandboxes.netsuite.transactions import OPEN_ORDER_STATUSES

DEFAULT_DELAY_SECONDS = 120.0


class Warehouse:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.enabled = True
        self.delay_seconds = DEFAULT_DELAY_SECONDS
        self.carrier = "UPS"
        self.shipped: list[dict[str, str]] = []
        self.backorders: dict[str, str] = {}  # sales order id -> why it waits

    def configure(self, config: Any) -> None:
        if not isinstance(config, dict):
            raise ValueError('give {"enabled": bool, "delay_seconds": number, "carrier": text}')
        delay = float(config.get("delay_seconds", self.delay_seconds))
        if delay < 0:
            raise ValueError("delay_seconds must not be negative")
        self.enabled = bool(config.get("enabled", self.enabled))
        self.delay_seconds = delay
        self.carrier = str(config.get("carrier", self.carrier))

    def describe(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "delay_seconds": self.delay_seconds,
            "carrier": self.carrier,
            "shipped": list(self.shipped),
            "backorders": dict(self.backorders),
        }

    def reset(self) -> None:
        self.shipped, self.backorders = [], {}

    def run_due(self) -> None:
        """Fulfil every open order whose delay has passed; leave the others (and backorders) waiting."""
        if not self.enabled:
            return
        with self.account.lock:
            now = self.account.clock.now()
            due = [
                order
                for order in self.account.store.records["salesOrder"].values()
                if order["status"]["id"] in OPEN_ORDER_STATUSES
                and order["createdDate"] + timedelta(seconds=self.delay_seconds) <= now
            ]
            for order in sorted(due, key=lambda o: int(o["id"])):
                self._ship(order)

    def _ship(self, order: dict[str, Any]) -> None:
        tracking = f"1ZSBX{int(order['id']):08d}{len(self.shipped) + 1:04d}"
        body = {
            "memo": f"Shipped by the sandbox warehouse ({self.carrier})",
            **_package(self.carrier, tracking),
        }
        try:
            _, fulfillment = self.account.transform("salesOrder", order["id"], "itemFulfillment", body)
        except NetSuiteError as exc:
            self.backorders[order["id"]] = exc.detail
            return
        self.backorders.pop(order["id"], None)
        self.shipped.append(
            {"salesOrder": order["id"], "itemFulfillment": fulfillment["id"], "tracking": tracking}
        )


# NetSuite's integrated shipping keeps each carrier's packages in a sublist of its own; any other carrier's
# go on the plain "package" sublist, where only the ship method tells the carrier.
CARRIER_SUBLISTS = {"UPS": "Ups", "FedEx": "FedEx", "USPS": "Usps"}


def _package(carrier: str, tracking: str) -> dict[str, Any]:
    suffix = CARRIER_SUBLISTS.get(carrier)
    if suffix is None:
        return {"package": {"items": [{"packageTrackingNumber": tracking, "packageDescr": carrier}]}}
    return {f"package{suffix}": {"items": [{f"packageTrackingNumber{suffix}": tracking}]}}
