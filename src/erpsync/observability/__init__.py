"""Observability: Prometheus metric objects every part updates, and structured JSON logging with
correlation ids and secret redaction (``configure_logging(secrets)``)."""

from erpsync.observability.logging import (
    REDACTED,
    SecretRedactor,
    bind_correlation_id,
    clear_correlation_id,
    configure_logging,
    secrets_of,
)
from erpsync.observability.metrics import (
    API_BUDGET_USED,
    FLOW_LAG,
    OPEN_EXCEPTIONS,
    QUEUE_DEPTH,
    RECORDS_FAILED,
    RECORDS_PROCESSED,
    STEP_LATENCY,
    budget_use,
    record_budget_use,
)

__all__ = [
    "API_BUDGET_USED",
    "FLOW_LAG",
    "OPEN_EXCEPTIONS",
    "QUEUE_DEPTH",
    "RECORDS_FAILED",
    "RECORDS_PROCESSED",
    "REDACTED",
    "STEP_LATENCY",
    "SecretRedactor",
    "bind_correlation_id",
    "budget_use",
    "clear_correlation_id",
    "configure_logging",
    "record_budget_use",
    "secrets_of",
]
