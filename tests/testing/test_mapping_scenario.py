"""`erpsync.testing`: mapping specs checked against a real order-to-cash run on the sandboxes.

The fixtures come from the installed pytest plugin (entry point ``pytest11: erpsync``), as they do in a
user's own project: ``erpsync_scenario`` (one run for this module) and ``erpsync_mapping_dir`` (the
``erpsync_mappings`` ini option, here the default ``mappings/shopify-netsuite``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from erpsync.testing import MappingScenario, assert_specs_accepted


def test_the_default_specs_map_every_record_of_the_run_and_the_targets_accept_every_body(
    erpsync_scenario: MappingScenario, erpsync_mapping_dir: Path
) -> None:
    reports = erpsync_scenario.check_specs(
        erpsync_mapping_dir, value_maps={"locations": erpsync_scenario.location_value_map()}
    )

    # Specs written against GraphQL objects (Customer with its metafields, DiscountCodeNode, Return) need
    # records the order-to-cash run does not read or make; they are reported as not checked, never as passed.
    graphql_sourced = {report.spec for report in reports if report.unreadable}
    assert graphql_sourced == {
        "shopify-loyalty-points-to-netsuite-customer",
        "shopify-discount-code-to-netsuite-promotion",
        "shopify-return-to-netsuite-return-authorization",
    }, graphql_sourced
    assert not any(report.ok for report in reports if report.spec in graphql_sourced)
    assert_specs_accepted([report for report in reports if report.spec not in graphql_sourced])
    checked = {report.spec: len(report.checks) for report in reports if report.spec not in graphql_sourced}
    assert checked["shopify-order-to-netsuite-sales-order"] == 3  # the scenario's three shopper orders
    assert checked["netsuite-item-fulfillment-to-shopify-fulfillment"] == 3  # one shipment each
    assert all(count > 0 for count in checked.values()), checked


def test_a_field_netsuite_does_not_have_is_reported_for_every_order_with_netsuites_error(
    erpsync_scenario: MappingScenario, erpsync_mapping_dir: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "orders.yaml"
    spec.write_text(
        (erpsync_mapping_dir / "orders.yaml").read_text()
        + "  shipDatee:\n    from: created_at\n    transform: date\n"
    )

    report = erpsync_scenario.check_spec(spec)

    assert not report.ok
    assert len(report.failures) == len(report.checks) == 3
    rejection = report.failures[0].target_rejection or ""
    assert "USER_ERROR" in rejection and "Invalid field name shipDatee" in rejection, rejection
    assert report.failures[0].values is not None and "shipDatee" in report.failures[0].values


def test_a_value_missing_from_a_value_map_is_a_mapping_problem_naming_the_field(
    erpsync_scenario: MappingScenario, erpsync_mapping_dir: Path
) -> None:
    report = erpsync_scenario.check_spec(
        erpsync_mapping_dir / "orders.yaml", value_maps={"currencies": {"EUR": "4"}}
    )

    assert len(report.failures) == 3
    problem = report.failures[0].mapping_problem or ""
    assert "currency.id" in problem and "USD" in problem, problem


def test_a_shopify_input_field_the_admin_api_does_not_define_is_rejected(
    erpsync_scenario: MappingScenario, tmp_path: Path
) -> None:
    spec = tmp_path / "products.yaml"
    spec.write_text(
        textwrap.dedent(
            """\
            spec_version: 1
            name: items-with-a-typo
            flow: catalog_to_store
            description: A spec with a typo in a Shopify field name.
            source: {system: netsuite, record_type: inventoryItem, model: product}
            target: {system: shopify, record_type: ProductSetInput, model: product}
            trigger: {type: poll, every: 10m}
            fields:
              titel:
                from: displayName
            """
        )
    )

    report = erpsync_scenario.check_spec(spec)

    assert report.checks and len(report.failures) == len(report.checks)
    rejection = report.failures[0].target_rejection or ""
    assert "Field 'titel' is not defined by type 'ProductSetInput'" in rejection, rejection


def test_a_spec_whose_records_the_run_never_produced_does_not_pass_as_checked(
    erpsync_scenario: MappingScenario, tmp_path: Path
) -> None:
    spec = tmp_path / "invoices.yaml"
    spec.write_text(
        textwrap.dedent(
            """\
            spec_version: 1
            name: invoices-nobody-made
            flow: invoicing
            description: Invoices the scenario never creates.
            source: {system: netsuite, record_type: invoice, model: invoice}
            target: {system: shopify, record_type: CustomerInput, model: invoice}
            trigger: {type: poll, every: 10m}
            fields:
              note:
                from: memo
            """
        )
    )

    report = erpsync_scenario.check_spec(spec)

    assert report.checks == [] and not report.ok
    assert "produced no netsuite invoice records" in report.summary()
    with pytest.raises(AssertionError, match="nothing was checked"):
        assert_specs_accepted([report])
