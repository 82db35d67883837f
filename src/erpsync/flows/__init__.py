"""Business flows written against the canonical model and the connector interface, never one platform.

``register_flows(engine, hub)`` declares every flow on an engine; each module holds one flow and says what
moves, when, and which system owns what.
"""

from types import ModuleType

from erpsync.engine import Engine
from erpsync.flows import (
    catalog,
    companies,
    customers,
    fulfillments,
    inventory,
    invoicing,
    loyalty,
    orders,
    payouts,
    price_lists,
    promotions,
    refunds,
    returns,
    tieout,
)
from erpsync.flows.hub import Hub

FLOW_MODULES = (
    orders,
    fulfillments,
    inventory,
    catalog,
    customers,
    companies,
    invoicing,
    refunds,
    returns,
    payouts,
    tieout,
)
# + discount codes, loyalty, B2B price lists
ALL_FLOW_MODULES: tuple[ModuleType, ...] = (*FLOW_MODULES, promotions, loyalty, price_lists)


def register_flows(engine: Engine, hub: Hub) -> None:
    """Declare the budgets of both systems and every flow on ``engine`` (before ``engine.launch()``)."""
    for module in ALL_FLOW_MODULES:
        module.register(engine, hub)


__all__ = ["FLOW_MODULES", "Hub", "register_flows"]
