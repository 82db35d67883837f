"""Catalog records: what is sold (Product, Variant), at what price (Price, PriceList), and where it is stocked
(Location, InventoryLevel)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from erpsync.model.common import (
    Address,
    CurrencyCode,
    InconsistentRecordError,
    Measure,
    NonEmptyStr,
    NonNegativeMoney,
    Part,
    Record,
)

WeightUnit = Literal["g", "kg", "oz", "lb"]
ProductStatus = Literal["active", "draft", "archived"]


class Weight(Part):
    """A shipping weight with its unit: stores and ERPs disagree on units, so the unit travels along."""

    value: Measure = Field(ge=0)
    unit: WeightUnit

    def in_unit(self, unit: WeightUnit) -> Weight:
        """The same weight in ``unit``, exactly (the pound and ounce are defined in grams)."""
        grams = self.value * _GRAMS_PER_UNIT[self.unit]
        return Weight(value=grams / _GRAMS_PER_UNIT[unit], unit=unit)


# International avoirdupois pound (1959): exactly 453.59237 g; the ounce is 1/16 of it.
_GRAMS_PER_UNIT: dict[str, Decimal] = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "lb": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}


class ProductOption(Part):
    """One axis a product varies on ("Size": S, M, L); a variant picks one value per option."""

    name: NonEmptyStr
    values: list[NonEmptyStr] = Field(default_factory=list)


class Variant(Record):
    """One sellable item: the thing an ERP stocks, prices and invoices.

    Business key: the SKU, the identity stores and ERPs share (an ERP item's number is the store's SKU); a
    variant without a SKU falls back to ``"<system>:<id>"`` and cannot match an ERP item until it gets one.
    ``options`` maps option name to the chosen value ({"Size": "M"}). ``compare_at_price`` is the "was" price
    a store shows struck through; B2B and customer-specific prices live in ``Price`` records of a
    ``PriceList``.
    """

    record_type: ClassVar[str] = "variant"

    sku: NonEmptyStr | None = None
    barcode: str | None = None
    title: str | None = None
    product_id: str | None = None
    options: dict[str, str] = Field(default_factory=dict)
    price: NonNegativeMoney | None = None
    compare_at_price: NonNegativeMoney | None = None
    weight: Weight | None = None
    taxable: bool = True
    requires_shipping: bool = True
    inventory_tracked: bool = True

    @property
    def business_key(self) -> str:
        return self.sku if self.sku else f"{self.origin.system}:{self.origin.id}"

    @model_validator(mode="after")
    def _prices_share_a_currency(self) -> Variant:
        if self.price is not None and self.compare_at_price is not None:
            self.price._same_currency(self.compare_at_price, "compare")
        return self


class Product(Record):
    """A product as shoppers see it (one page, many variants); ERPs usually hold only the variants as items.

    Business key: ``"<system>:<id>"``. Handles and titles get edited, so products are matched across systems
    through their variants' SKUs, not through the product itself.
    """

    record_type: ClassVar[str] = "product"

    title: NonEmptyStr
    handle: str | None = None
    description: str | None = None
    vendor: str | None = None
    product_type: str | None = None
    status: ProductStatus = "active"
    tags: list[str] = Field(default_factory=list)
    options: list[ProductOption] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)

    @model_validator(mode="after")
    def _variants_are_consistent(self) -> Product:
        option_names = {option.name for option in self.options}
        seen_skus: set[str] = set()
        for index, variant in enumerate(self.variants):
            unknown = set(variant.options) - option_names
            if unknown:
                raise InconsistentRecordError(
                    f"variants.{index}.options: {sorted(unknown)} are not options of product "
                    f"{self.title!r} (known: {sorted(option_names)})"
                )
            if variant.sku is not None:
                if variant.sku in seen_skus:
                    raise InconsistentRecordError(
                        f"variants.{index}.sku: SKU {variant.sku!r} appears twice in one product"
                    )
                seen_skus.add(variant.sku)
        return self


class PriceList(Record):
    """A named set of prices for a group of buyers (B2B catalogs, wholesale tiers, country price lists).

    Business key: ``code``, the name both systems use for the list ("WHOLESALE-EU"). A list either carries
    explicit ``Price`` records or adjusts the default prices by ``adjustment_percent`` (-10 = 10 % off).
    """

    record_type: ClassVar[str] = "price_list"

    code: NonEmptyStr
    name: str | None = None
    currency: CurrencyCode
    adjustment_percent: Measure | None = Field(default=None, ge=-100)

    @property
    def business_key(self) -> str:
        return self.code


class Price(Record):
    """The price of one SKU in one currency, on the default list or on a named ``PriceList``.

    Business key: ``"<price_list or 'default'>:<sku>:<currency>:<min_quantity>"``; ``min_quantity`` above 1 is
    a volume break (B2B quantity pricing). ``list_price`` is the regular price; ``sale_price`` the lower price
    currently charged, when there is one.
    """

    record_type: ClassVar[str] = "price"

    sku: NonEmptyStr
    price_list: str | None = None
    list_price: NonNegativeMoney
    sale_price: NonNegativeMoney | None = None
    min_quantity: int = Field(default=1, ge=1)

    @property
    def currency(self) -> str:
        return self.list_price.currency

    @property
    def business_key(self) -> str:
        return f"{self.price_list or 'default'}:{self.sku}:{self.currency}:{self.min_quantity}"

    @model_validator(mode="after")
    def _sale_price_in_list_currency(self) -> Price:
        if self.sale_price is not None:
            self.list_price._same_currency(self.sale_price, "compare")
        return self


class Location(Record):
    """A place stock is held: a store location or an ERP warehouse.

    Business key: ``code``, the warehouse/location code the mapping's value map translates between systems.
    """

    record_type: ClassVar[str] = "location"

    code: NonEmptyStr
    name: str | None = None
    address: Address | None = None
    active: bool = True
    fulfills_online_orders: bool = True

    @property
    def business_key(self) -> str:
        return self.code


class InventoryLevel(Record):
    """Stock of one SKU at one location.

    ``on_hand`` is physically present; ``reserved`` is promised to open orders; ``available`` is what may
    still be sold. When ``available`` is not given it is ``on_hand - reserved``; when given (a platform
    computing it with safety stock or incoming goods) it is kept as the platform said. Quantities are whole
    units and may be negative when a location is oversold.

    Business key: ``"<sku>@<location_code>"``.
    """

    record_type: ClassVar[str] = "inventory_level"

    sku: NonEmptyStr
    location_code: NonEmptyStr
    on_hand: int
    reserved: int = Field(default=0, ge=0)
    available: int

    @property
    def business_key(self) -> str:
        return f"{self.sku}@{self.location_code}"

    @model_validator(mode="before")
    @classmethod
    def _derive_available(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("available") is None and "on_hand" in data:
            try:
                on_hand, reserved = int(data["on_hand"]), int(data.get("reserved", 0))
            except (TypeError, ValueError):
                return data  # field validation reports the bad quantity with its name
            return {**data, "available": on_hand - reserved}
        return data
