"""Whatever JSON arrives, apply() maps it or raises DataError/MappingSpecError, never anything else."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erpsync.errors import DataError
from erpsync.mapping import MappingSpec, MappingSpecError, load_specs

SPECS_DIR = Path(__file__).resolve().parents[2] / "mappings" / "shopify-netsuite"
SPECS = {spec.name: spec for spec in load_specs(SPECS_DIR)}

# Names the default specs read, so generated documents reach deep into the expressions, not just miss them.
KEYS = st.sampled_from(
    [
        "id",
        "name",
        "email",
        "created_at",
        "currency",
        "note",
        "line_items",
        "sku",
        "quantity",
        "price",
        "title",
        "variant_title",
        "tax_lines",
        "total_discount",
        "total_discounts",
        "discount_codes",
        "code",
        "shipping_lines",
        "total_shipping_price_set",
        "shop_money",
        "amount",
        "financial_status",
        "customer",
        "landing_site",
        "payment_gateway_names",
        "shipping_address",
        "country_code",
        "createdFrom",
        "item",
        "items",
        "itemReceive",
        "custcol_erpsync_line_id",
        "package",
        "packageTrackingNumber",
        "shipMethod",
        "refName",
        "locations",
        "location",
        "quantityAvailable",
        "itemId",
        "displayName",
        "storeDisplayName",
        "isInactive",
        "priceLevel",
        "value",
        "weight",
        "weightUnit",
        "upcCode",
        "first_name",
        "last_name",
        "tax_exempt",
        "taxable",
        "terms",
        "creditLimit",
        "tags",
        "email_marketing_consent",
        "state",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(
        ["0.00", "19.99", "paid", "USD", "JPY", "Express", "2026-03-14T10:00:00Z", "1", "Net 30"]
    )
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(KEYS | st.text(max_size=5), children, max_size=6)
    ),
    max_leaves=30,
)
DOCUMENTS = st.dictionaries(KEYS, JSON, max_size=10)


CHANGED_BY = st.sampled_from([None, "shopify", "netsuite", "erp", "store"])


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        found.extend(_paths(child, (*prefix, key)))
    return found


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return  # an earlier replacement removed this branch
    try:
        node[path[-1]] = value
    except (IndexError, TypeError):
        return


class HalfLookup:
    """Knows every key that is a digit string, misses the rest: both paths get exercised."""

    def external_id(self, system: str, record_type: str, business_key: str) -> str | None:
        return f"{record_type}-{business_key}" if business_key.isdigit() else None


@pytest.mark.parametrize("spec_name", sorted(SPECS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=DOCUMENTS, current=st.none() | DOCUMENTS, changed_by=CHANGED_BY)
def test_apply_on_arbitrary_json_raises_only_data_or_spec_errors(
    spec_name: str, document: dict[str, Any], current: dict[str, Any] | None, changed_by: str | None
) -> None:
    assert_maps_or_refuses(SPECS[spec_name], document, HalfLookup(), changed_by, current)


@pytest.mark.parametrize("spec_name", sorted(SPECS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), changed_by=CHANGED_BY)
def test_apply_on_damaged_real_records_raises_only_data_or_spec_errors(
    spec_name: str,
    data: st.DataObject,
    changed_by: str | None,
    sample_inputs: dict[str, tuple[dict[str, Any], Any]],
) -> None:
    record, lookup = sample_inputs[spec_name]
    damaged = copy.deepcopy(record)
    paths = _paths(damaged)
    for path in data.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3), label="damaged paths"):
        _replace(damaged, path, data.draw(JSON, label=f"value at {path}"))
    current = data.draw(st.none() | st.just(record), label="current")

    assert_maps_or_refuses(SPECS[spec_name], damaged, lookup, changed_by, current)


def test_sample_records_map_cleanly(sample_inputs: dict[str, tuple[dict[str, Any], Any]]) -> None:
    # The damage test starts from records that map: otherwise it would only ever exercise refusals.
    assert sorted(sample_inputs) == sorted(SPECS)
    for name, (record, lookup) in sample_inputs.items():
        SPECS[name].apply(record, lookup=lookup)


def assert_maps_or_refuses(
    spec: MappingSpec, document: Any, lookup: Any, changed_by: str | None, current: dict[str, Any] | None
) -> None:
    try:
        result = spec.apply(document, lookup=lookup, changed_by=changed_by, current=current)
    except (DataError, MappingSpecError):
        return
    json.dumps(result.values)  # plain JSON data: nothing internal leaks into what is sent
