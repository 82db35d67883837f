"""The chaos run of test_chaos_order_to_cash.py on PostgreSQL, with a second worker process that shares the
work and is SIGKILLed at a random moment, then started again under its worker id."""

from __future__ import annotations

import pytest
from tests.chaos.chaos_run import run_chaos

pytestmark = pytest.mark.timeout(600)  # ~170 s at the CI size on a loaded 2-core machine


def test_same_on_postgres_with_a_worker_process_killed_mid_run(postgres_url: str, orders: int) -> None:
    outcome = run_chaos(postgres_url, orders, workers=2, kills=1)
    print(outcome.summary())
    assert outcome.kills == 1
    assert outcome.flows_started_by_worker["chaos-2"] > 0, "the killed worker never took any work"
    assert outcome.problems == [], outcome.summary()
    assert sum(sum(kinds.values()) for kinds in outcome.faults_injected.values()) > 0, "no fault was injected"
    assert outcome.duplicate_deliveries > 0, "no webhook was delivered twice"
