"""What a flow works with besides its context: the state store and the two connected systems."""

from __future__ import annotations

from dataclasses import dataclass, field

from erpsync.connectors.base import ErpConnector, StoreConnector
from erpsync.notify import ShippingNotifier
from erpsync.store import Store


@dataclass
class Hub:
    """One store and one ERP kept in sync, with erpsync's own state.

    ``safety_stock`` holds back units per SKU (``"SKU-1"``), per location (``"@WH1"``) or per pair
    (``"SKU-1@WH1"``); the most specific entry wins. ``location_map`` maps an ERP location code to the store
    location code that sells its stock (unmapped ERP locations are not pushed).
    """

    store: Store
    shop: StoreConnector
    erp: ErpConnector
    location_map: dict[str, str] = field(default_factory=dict)
    safety_stock: dict[str, int] = field(default_factory=dict)
    notify_customer: bool = True
    shipping_notifier: ShippingNotifier | None = None  # erpsync sends the shipping confirmation (notify/)

    def safety_stock_for(self, sku: str, location: str) -> int:
        for key in (f"{sku}@{location}", sku, f"@{location}"):
            if key in self.safety_stock:
                return self.safety_stock[key]
        return 0
