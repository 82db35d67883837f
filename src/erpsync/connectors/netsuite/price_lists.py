"""The NetSuite side of B2B price lists (the ``NetSuiteConnector`` methods delegate here).

A price list is a NetSuite price level (Setup > Accounting > Accounting Lists, "Price Level"; Multiple Prices
feature: https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_N2006796.html [UNCONF section
id]): its name is the list's code, its markup/discount % (negative: a discount) the list's adjustment. The
base price level (internal id 1, "Base Price") is every item's default price, i.e. the store's own prices, so
it is not a list.

Explicit prices come from the items' pricing sublist (pricing matrix: price level × currency × quantity
break, https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_159531460854.html), read for a
whole level in one SuiteQL query of the ``pricing`` table [UNCONF: table and column names as in the sandbox];
only the first quantity break (0) moves: the store lists have no volume breaks here. A customer's list is its
``priceLevel`` field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from erpsync.connectors.netsuite import translate
from erpsync.model import Money, Origin, Price, PriceList

if TYPE_CHECKING:
    from erpsync.connectors.netsuite.connector import NetSuiteConnector

BASE_PRICE_LEVEL = "1"
LEVELS_QUERY = (
    "SELECT id, name, discountpct, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate "
    f"FROM pricelevel WHERE isinactive = 'F' AND id <> {BASE_PRICE_LEVEL} ORDER BY id"
)
PRICES_QUERY = (
    "SELECT pricing.item AS item, item.itemid AS sku, pricing.unitprice AS unitprice, "
    "pricing.currency AS currency, pricing.quantity AS quantity "
    "FROM pricing JOIN item ON item.id = pricing.item WHERE pricing.pricelevel = {level} ORDER BY item.itemid"
)
ACCOUNTS_QUERY = "SELECT id FROM customer WHERE pricelevel = {level} ORDER BY id"


def price_lists(connector: NetSuiteConnector) -> list[PriceList]:
    currency = connector.settings.currency
    return [
        PriceList(
            origin=_origin(row),
            code=str(row["name"]),
            name=str(row["name"]),
            currency=currency,
            adjustment_percent=Decimal(str(row["discountpct"]))
            if row.get("discountpct") not in (None, "")
            else None,
        )
        for row in connector.client.suiteql_rows(LEVELS_QUERY)
    ]


def price_list_prices(connector: NetSuiteConnector, price_list: PriceList) -> list[Price]:
    """The level's explicit prices in the connection's currency, first quantity break only."""
    settings = connector.settings
    currency_id = settings.currencies.get(settings.currency)  # None: a single-currency account
    rows = connector.client.suiteql_rows(PRICES_QUERY.format(level=_level_id(price_list)))
    return [
        Price(
            origin=Origin(
                system="netsuite",
                id=f"{row['item']}@{price_list.origin.id}",
                updated_at=price_list.origin.updated_at,
            ),
            sku=str(row["sku"]),
            price_list=price_list.code,
            list_price=Money.of(Decimal(str(row["unitprice"])), settings.currency),
        )
        for row in rows
        if translate.decimal_of(row.get("quantity")) == 0
        and (currency_id is None or str(row.get("currency") or currency_id) == currency_id)
    ]


def price_list_accounts(connector: NetSuiteConnector, price_list: PriceList) -> list[str]:
    query = ACCOUNTS_QUERY.format(level=_level_id(price_list))
    return [str(row["id"]) for row in connector.client.suiteql_rows(query)]


def _origin(row: dict[str, object]) -> Origin:
    modified = str(row.get("lastmodifieddate") or "").replace(" ", "T")  # TO_CHAR's text, in UTC
    return translate.origin_of({"id": row["id"], "lastModifiedDate": modified or None})


def _level_id(price_list: PriceList) -> int:
    """The level's internal id, as a number in the query (never text from elsewhere in SuiteQL)."""
    return int(price_list.origin.id)
