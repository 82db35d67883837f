"""Per-field source of truth: a change from a non-owner is not applied and comes back as a conflict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from erpsync.mapping import Conflict, MappingSpec, load_spec

SPEC = """\
spec_version: 1
name: items
flow: catalog
description: NetSuite items to Shopify products.
source: {system: netsuite, record_type: inventoryItem}
target: {system: shopify, record_type: ProductSetInput}
trigger: {type: poll, every: 15m}
fields:
  title: {from: displayName, owner: erp}
  descriptionHtml: {from: storeDetailedDescription, owner: store}
  vendor: {from: vendorName}
  weight: {from: weight, owner: erp}
  variants:
    each: $
    owner: netsuite
    fields:
      price: {from: price, transform: money}
"""
ITEM = {
    "displayName": "Red Shirt",
    "storeDetailedDescription": "<p>From NetSuite</p>",
    "vendorName": "Acme",
    "price": "19.99",
    "weight": "1.50",
}


@pytest.fixture
def spec(write_spec: Callable[..., Path]) -> MappingSpec:
    return load_spec(write_spec(SPEC))


def test_change_from_non_owner_keeps_current_value_and_reports_conflict(spec: MappingSpec) -> None:
    current = {"title": "Red Shirt", "descriptionHtml": "<p>Written by the web team</p>", "vendor": "Old"}

    result = spec.apply(ITEM, changed_by="netsuite", current=current)

    assert result.values["descriptionHtml"] == "<p>Written by the web team</p>"
    assert result.values["title"] == "Red Shirt"
    assert result.values["vendor"] == "Acme"  # no owner: the latest change applies
    assert result.conflicts == [
        Conflict(
            field="descriptionHtml",
            owner="shopify",
            attempted_by="netsuite",
            current="<p>Written by the web team</p>",
            proposed="<p>From NetSuite</p>",
        )
    ]


def test_owner_given_as_role_matches_a_change_named_by_role(spec: MappingSpec) -> None:
    current = {"title": "Old title", "descriptionHtml": "<p>x</p>"}

    result = spec.apply(ITEM, changed_by="erp", current=current)

    assert result.values["title"] == "Red Shirt"
    assert [c.field for c in result.conflicts] == ["descriptionHtml"]


def test_a_whole_list_owned_by_the_other_system_is_kept_as_is(spec: MappingSpec) -> None:
    current = {"variants": [{"price": "25.00"}], "descriptionHtml": "<p>From NetSuite</p>", "weight": "1.50"}

    result = spec.apply(ITEM, changed_by="shopify", current=current)

    assert result.values["variants"] == [{"price": "25.00"}]
    assert result.values["descriptionHtml"] == "<p>From NetSuite</p>"
    assert [(c.field, c.owner) for c in result.conflicts] == [("title", "netsuite"), ("variants", "netsuite")]


def test_same_value_from_a_non_owner_is_not_a_conflict(spec: MappingSpec) -> None:
    current = {
        "title": "Red Shirt",
        "descriptionHtml": "<p>From NetSuite</p>",
        "variants": [{"price": "19.99"}],
        "weight": "1.50",
    }

    result = spec.apply(ITEM, changed_by="shopify", current=current)

    assert result.conflicts == []


def test_new_target_record_is_seeded_with_every_field(spec: MappingSpec) -> None:
    result = spec.apply(ITEM, changed_by="netsuite", current=None)

    assert result.values["descriptionHtml"] == "<p>From NetSuite</p>"
    assert result.conflicts == []


def test_owned_field_missing_from_current_is_still_not_written_by_a_non_owner(spec: MappingSpec) -> None:
    result = spec.apply(ITEM, changed_by="netsuite", current={"title": "Red Shirt"})

    assert "descriptionHtml" not in result.values
    assert [(c.field, c.current) for c in result.conflicts] == [("descriptionHtml", None)]


def test_numbers_written_differently_are_the_same_value(spec: MappingSpec) -> None:
    current = {"title": "Red Shirt", "weight": 1.5, "variants": [{"price": "19.99"}]}

    result = spec.apply(ITEM, changed_by="shopify", current=current)

    assert result.values["weight"] == 1.5  # the target keeps its own spelling
    assert result.conflicts == []  # 1.5 and "1.50" are one weight, not a refused change
