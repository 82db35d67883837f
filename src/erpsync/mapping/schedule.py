"""When data moves: poll intervals (``15m``), cron expressions (UTC), and their plain-English description.

The renderer uses ``describe_*`` so stakeholders read "every 15 minutes" or "daily at 03:00 UTC" rather than
``*/15 * * * *``. Cron syntax is checked with croniter (the library DBOS itself schedules with).
"""

from __future__ import annotations

import re

from croniter import croniter

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_UNIT_NAMES = {86400: "day", 3600: "hour", 60: "minute", 1: "second"}
_CRON_ALIASES = {
    "@hourly": "every hour, on the hour (UTC)",
    "@daily": "daily at 00:00 UTC",
    "@midnight": "daily at 00:00 UTC",
    "@weekly": "weekly, Sunday 00:00 UTC",
    "@monthly": "monthly, on the 1st at 00:00 UTC",
    "@yearly": "yearly, 1 January 00:00 UTC",
    "@annually": "yearly, 1 January 00:00 UTC",
}
_WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def parse_interval(value: object) -> int:
    """Seconds in ``30s``, ``15m``, ``1h``, ``1d`` or a bare number of seconds; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("an interval is a duration such as '15m', not true/false")
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str) and (match := re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", value)):
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
    else:
        raise ValueError(f"{value!r} is not a duration; write e.g. '30s', '15m', '1h' or '1d'")
    if seconds <= 0:
        raise ValueError("an interval must be longer than zero")
    return seconds


def check_cron(expression: str) -> str:
    """The expression if it is a valid 5-field cron line or an @alias; ValueError naming the fix otherwise."""
    text = expression.strip()
    if text in _CRON_ALIASES:
        return text
    if len(text.split()) != 5 or not croniter.is_valid(text):
        raise ValueError(
            f"{expression!r} is not a 5-field cron expression (minute hour day-of-month month day-of-week), "
            "e.g. '0 3 * * *' for daily at 03:00 UTC"
        )
    return text


def describe_interval(seconds: int) -> str:
    for size, name in _UNIT_NAMES.items():
        if seconds % size == 0:
            count = seconds // size
            return f"every {name}" if count == 1 else f"every {count} {name}s"
    return f"every {seconds} seconds"  # pragma: no cover - the 1-second unit always divides


def describe_cron(expression: str) -> str:
    """Plain words for the common shapes; the raw expression (UTC) for the rest."""
    if expression in _CRON_ALIASES:
        return _CRON_ALIASES[expression]
    minute, hour, day, month, weekday = expression.split()
    if (step := re.fullmatch(r"\*/(\d+)", minute)) and hour == day == month == weekday == "*":
        return describe_interval(int(step.group(1)) * 60)
    if minute.isdigit() and hour == day == month == weekday == "*":
        return f"every hour at minute {int(minute)} (UTC)"
    if minute.isdigit() and hour.isdigit() and day == month == "*":
        at = f"{int(hour):02d}:{int(minute):02d} UTC"
        if weekday == "*":
            return f"daily at {at}"
        if weekday.isdigit() and int(weekday) < len(_WEEKDAYS):
            return f"weekly on {_WEEKDAYS[int(weekday)]} at {at}"
    return f"on cron schedule '{expression}' (UTC)"
