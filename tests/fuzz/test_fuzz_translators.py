"""Whatever a platform sends, its translator returns a canonical record or raises DataError (the record is
parked with its reason); never any other exception, which would crash the flow without a useful reason."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.fuzz.fuzzing import ANY_JSON, field_names, shaped_json

from erpsync.connectors.netsuite import translate as netsuite
from erpsync.connectors.shopify.translate import catalog, customers, finance, fulfillments, orders
from erpsync.errors import DataError

SRC = Path(__file__).resolve().parents[2] / "src" / "erpsync" / "connectors"
SHOPIFY_FIELDS = field_names(*(SRC / "shopify" / "translate").glob("*.py"))
NETSUITE_FIELDS = field_names(SRC / "netsuite" / "translate.py")
NETSUITE_SETTINGS = netsuite.NetSuiteSettings()

SHOPIFY_TRANSLATORS: dict[str, Callable[[Any], Any]] = {
    "order_from_rest": orders.order_from_rest,
    "order_from_graphql": orders.order_from_graphql,
    "customer_from_rest": customers.customer_from_rest,
    "customer_from_graphql": customers.customer_from_graphql,
    "company_from_graphql": customers.company_from_graphql,
    "fulfillment_from_rest": fulfillments.fulfillment_from_rest,
    "refund_from_rest": finance.refund_from_rest,
    "refund_from_graphql": partial(finance.refund_from_graphql, order_id="1"),
    "product_from_rest": partial(catalog.product_from_rest, currency="USD"),
    "product_from_graphql": partial(catalog.product_from_graphql, currency="USD"),
}
NETSUITE_TRANSLATORS: dict[str, Callable[[Any], Any]] = {
    "customer_from_netsuite": netsuite.customer_from_netsuite,
    "product_from_item": partial(netsuite.product_from_item, currency="USD"),
    "location_from_netsuite": netsuite.location_from_netsuite,
    "fulfillment_from_netsuite": netsuite.fulfillment_from_netsuite,
    "invoice_from_netsuite": partial(netsuite.invoice_from_netsuite, settings=NETSUITE_SETTINGS),
    "refund_from_netsuite": partial(
        netsuite.refund_from_netsuite, sales_order_id="1", settings=NETSUITE_SETTINGS
    ),
}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def translate_or_data_error(translator: Callable[[Any], Any], document: Any) -> None:
    try:
        translator(document)
    except DataError as error:
        assert str(error), "a DataError must say what is wrong"


@pytest.mark.parametrize("name", sorted(SHOPIFY_TRANSLATORS))
@FUZZ
@given(document=st.data())
def test_shopify_translators_turn_any_json_into_a_record_or_a_data_error(
    name: str, document: st.DataObject
) -> None:
    payload = document.draw(shaped_json(SHOPIFY_FIELDS) | ANY_JSON.filter(lambda v: isinstance(v, dict)))
    translate_or_data_error(SHOPIFY_TRANSLATORS[name], payload)


@pytest.mark.parametrize("name", sorted(NETSUITE_TRANSLATORS))
@FUZZ
@given(document=st.data())
def test_netsuite_translators_turn_any_json_into_a_record_or_a_data_error(
    name: str, document: st.DataObject
) -> None:
    payload = document.draw(shaped_json(NETSUITE_FIELDS) | ANY_JSON.filter(lambda v: isinstance(v, dict)))
    translate_or_data_error(NETSUITE_TRANSLATORS[name], payload)
