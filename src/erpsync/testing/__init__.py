"""Check mapping specs against a real order-to-cash run on the sandboxes, from your own pytest suite.

Installed with erpsync as a pytest plugin (fixtures ``erpsync_scenario``, ``erpsync_mapping_dir``; see
``erpsync.testing.plugin``). Each spec in a directory is applied to every record of its source type the
scenario leaves in the source system; each mapped body is validated by the target system (the NetSuite
sandbox's own record validation, Shopify's GraphQL input types). A report lists, record by record, what did
not map and what the target would reject.
"""

from erpsync.testing.checks import RecordCheck, SpecReport
from erpsync.testing.lookup import ScenarioLookup
from erpsync.testing.records import SourceRecord
from erpsync.testing.scenario import MappingScenario, assert_specs_accepted, order_to_cash_scenario

__all__ = [
    "MappingScenario",
    "RecordCheck",
    "ScenarioLookup",
    "SourceRecord",
    "SpecReport",
    "assert_specs_accepted",
    "order_to_cash_scenario",
]
