"""The pytest plugin (entry point ``pytest11: erpsync``): fixtures to check your own mapping specs against
erpsync's order-to-cash scenario, offline.

    # test_my_mappings.py
    from erpsync.testing import assert_specs_accepted

    def test_our_specs_produce_bodies_netsuite_and_shopify_accept(erpsync_scenario, erpsync_mapping_dir):
        assert_specs_accepted(erpsync_scenario.check_specs(erpsync_mapping_dir))

``erpsync_mapping_dir`` is the ``erpsync_mappings`` ini option (default ``mappings/shopify-netsuite``,
relative to the rootdir); ``erpsync_scenario_orders`` (default 3) sets how many shopper orders the scenario
places. The scenario runs once per test module (it starts both sandboxes and an engine on a temporary SQLite
database: a few seconds).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from erpsync.testing.scenario import MappingScenario

DEFAULT_MAPPINGS = "mappings/shopify-netsuite"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "erpsync_mappings",
        "directory of the mapping specs erpsync_mapping_dir points at",
        default=DEFAULT_MAPPINGS,
    )
    parser.addini("erpsync_scenario_orders", "shopper orders the erpsync_scenario places", default="3")


@pytest.fixture(scope="module")
def erpsync_scenario(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MappingScenario]:
    """A finished order-to-cash run on the Shopify and NetSuite sandboxes (see ``MappingScenario``)."""
    from erpsync.testing.scenario import order_to_cash_scenario  # here: pytest loads plugins at start-up

    orders = int(request.config.getini("erpsync_scenario_orders"))
    database = tmp_path_factory.mktemp("erpsync-scenario") / "erpsync.db"
    with order_to_cash_scenario(f"sqlite:///{database}", orders=orders) as scenario:
        yield scenario


@pytest.fixture
def erpsync_mapping_dir(request: pytest.FixtureRequest) -> Path:
    """The mapping specs under test (ini option ``erpsync_mappings``), resolved against the rootdir."""
    directory = Path(str(request.config.getini("erpsync_mappings")))
    return directory if directory.is_absolute() else Path(request.config.rootpath) / directory
