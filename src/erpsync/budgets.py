"""A connection's ``budget:`` from erpsync.yaml, applied to the engine's queue and the connector's pacing.

- ``concurrency``: flows at once on the system's queue; for **NetSuite** it is the account's concurrency
  limit, which NetSuite counts in *requests* in flight (Oracle help, "Concurrency Governance"), so it becomes
  the queue's ``requests_in_flight`` (cluster-wide request slots the NetSuite client holds per request) and
  the queue runs ``flows_in_flight`` flows (default ``FLOWS_PER_REQUEST_SLOT`` × the limit): a flow between
  two requests (checkpoints, timeline, mapping) then leaves its slot to another flow instead of idling it.
- ``requests_per_second``, ``per_record``: the queue's start limiter and partitioning, as given.
- ``cost_per_second``, ``bucket_size`` (**Shopify**): erpsync's share of the store's GraphQL cost bucket;
  the connector's ``CostBudget`` paces to at most these, whatever Shopify reports.
"""

from __future__ import annotations

from typing import Any

from erpsync.config import Budget
from erpsync.engine import Engine

FLOWS_PER_REQUEST_SLOT = 2
"""Flows per NetSuite request slot: measured, a flow spends ~20 % of its time between requests, so 1.25×
would do on an idle machine; 2× keeps every slot busy on a loaded one (docs/benchmarks.md, 1b)."""


def declare_budget(engine: Engine, connector: Any, budget: Budget) -> None:
    """Declare ``connector``'s queue on ``engine`` from ``budget``, and hand the connector its pacing."""
    concurrency, requests_in_flight = budget.concurrency, None
    if connector.system == "netsuite" and budget.concurrency is not None:
        requests_in_flight = budget.concurrency
        concurrency = budget.flows_in_flight or FLOWS_PER_REQUEST_SLOT * budget.concurrency
    engine.budget(
        connector.system,
        concurrency=concurrency,
        requests_per_second=budget.requests_per_second,
        per_record=budget.per_record,
        requests_in_flight=requests_in_flight,
    )
    if requests_in_flight is not None:
        connector.client.budget = engine.request_slots(connector.system)
    if connector.system == "shopify" and (budget.cost_per_second or budget.bucket_size):
        connector.client.budget.limit(restore_rate=budget.cost_per_second, bucket_size=budget.bucket_size)
