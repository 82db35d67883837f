"""Prometheus metrics every part of erpsync updates; ``/metrics`` serves them (DESIGN decision 7).

Import the objects and update them where the thing happens::

    from erpsync.observability import RECORDS_PROCESSED, STEP_LATENCY
    RECORDS_PROCESSED.labels(flow="order_to_erp", system="netsuite").inc()
    with STEP_LATENCY.labels(flow="order_to_erp", system="netsuite", step="create_sales_order").time():
        ...

Label values are flow, connection and step names, never record ids (unbounded series break Prometheus).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RECORDS_PROCESSED = Counter("erpsync_records_processed_total", "Records a flow completed", ["flow", "system"])
RECORDS_FAILED = Counter(
    "erpsync_records_failed_total", "Records a flow parked as exceptions", ["flow", "system", "error_class"]
)
STEP_LATENCY = Histogram(
    "erpsync_step_duration_seconds",
    "Time one flow step took, API call included",
    ["flow", "system", "step"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
QUEUE_DEPTH = Gauge("erpsync_queue_depth", "Records waiting: held on a prerequisite or a pause", ["flow"])
OPEN_EXCEPTIONS = Gauge(
    "erpsync_open_exceptions", "Exceptions waiting for an operator", ["flow", "error_class"]
)
API_BUDGET_USED = Gauge(
    "erpsync_api_budget_used_ratio", "Share of a connection's API budget in use (0..1)", ["connection"]
)
FLOW_LAG = Gauge(
    "erpsync_flow_lag_seconds", "Age of the oldest record received and not yet settled", ["flow"]
)

_budget_use: dict[str, tuple[float, float]] = {}


def record_budget_use(connection: str, used: float, limit: float) -> None:
    """Connectors call this with what they know of their budget (Shopify's cost bucket, NetSuite's
    concurrency slots); the dashboard shows the latest value per connection."""
    _budget_use[connection] = (used, limit)
    API_BUDGET_USED.labels(connection=connection).set(used / limit if limit else 0.0)


def budget_use() -> dict[str, tuple[float, float]]:
    """The latest (used, limit) per connection reported in this process."""
    return dict(_budget_use)
