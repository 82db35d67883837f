"""A user's own project runs its specs through the scenario with nothing but erpsync installed: the plugin
is found through its entry point, the ini option points at their specs, and a bad spec fails their test
with NetSuite's own error, record by record."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

DEFAULT_ORDERS_SPEC = Path(__file__).resolve().parents[2] / "mappings" / "shopify-netsuite" / "orders.yaml"


def test_a_users_suite_passes_with_a_good_spec_and_fails_naming_the_field_netsuite_refuses(
    pytester: pytest.Pytester,
) -> None:
    specs = pytester.mkdir("our-mappings")
    shutil.copy(DEFAULT_ORDERS_SPEC, specs / "orders.yaml")
    broken = pytester.path / "broken-orders.yaml"
    broken.write_text(DEFAULT_ORDERS_SPEC.read_text() + "  otherRefNumm:\n    from: name\n")
    pytester.makeini("[pytest]\nerpsync_mappings = our-mappings\nerpsync_scenario_orders = 2\n")
    pytester.makepyfile(
        test_our_mappings=textwrap.dedent(
            """
            from erpsync.testing import assert_specs_accepted

            def test_our_specs(erpsync_scenario, erpsync_mapping_dir):
                assert_specs_accepted(erpsync_scenario.check_specs(erpsync_mapping_dir))

            def test_the_broken_copy(erpsync_scenario):
                assert_specs_accepted([erpsync_scenario.check_spec("broken-orders.yaml")])
            """
        )
    )

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*shopify-order-to-netsuite-sales-order*2 records, 2 failed*"])
    result.stdout.fnmatch_lines(["*Invalid field name otherRefNumm*"])
