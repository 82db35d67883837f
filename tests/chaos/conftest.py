"""The size of a chaos run: ``pytest tests/chaos --scale N`` runs N orders, the CI size otherwise."""

from __future__ import annotations

import pytest
from tests.chaos.chaos_run import chaos_order_count


@pytest.fixture
def orders(request: pytest.FixtureRequest) -> int:
    scale: int | None = request.config.getoption("--scale")
    return scale or chaos_order_count()
