"""API version checks: warn when Shopify answers with another version, or ours nears retirement.

Shopify releases a version every quarter (``2026-04`` = April 2026) and supports each for at least 12 months.
A request for a retired version is served by the oldest supported one ("fall forward") and the response
header ``X-Shopify-API-Version`` names the version that answered
(https://shopify.dev/docs/api/usage/versioning). We warn at 9 months, leaving a quarter to upgrade.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

log = logging.getLogger(__name__)

_VERSION = re.compile(r"(\d{4})-(\d{2})")
NEARS_RETIREMENT_AFTER_MONTHS = 9
SUPPORTED_MONTHS = 12


def release_date(version: str) -> date | None:
    """The first day of the version's release month; None for ``unstable`` or an unknown format."""
    match = _VERSION.fullmatch(version)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return None
    return date(year, month, 1)


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + (later.month - earlier.month)


@dataclass
class VersionCheck:
    """Checks each response's ``X-Shopify-API-Version`` once per distinct finding (no log flood)."""

    shop_domain: str
    requested: str
    today: date | None = None
    _warned: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._warn_if_old()

    def check_response(self, answered: str | None) -> None:
        if not answered or answered == self.requested:
            return
        self._warn_once(
            f"answered:{answered}",
            f"Shopify shop {self.shop_domain} answered with API version {answered} instead of the requested "
            f"{self.requested}: the requested version is retired or unknown (Shopify falls forward to the "
            f"oldest supported one); set the connector's api_version to a supported version",
        )

    def _warn_if_old(self) -> None:
        released = release_date(self.requested)
        if released is None:
            return
        today = self.today or datetime.now(UTC).date()
        age = months_between(released, today)
        if age >= NEARS_RETIREMENT_AFTER_MONTHS:
            retire_year, retire_month = divmod(released.month - 1 + SUPPORTED_MONTHS, 12)
            self._warn_once(
                "old",
                f"Shopify API version {self.requested} for shop {self.shop_domain} is {age} months old and "
                f"is supported until about {released.year + retire_year}-{retire_month + 1:02d}: upgrade the "
                f"connector's api_version before it is retired",
            )

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message)
