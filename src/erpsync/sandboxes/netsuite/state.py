"""The account as one JSON document, for ``GET /_sandbox/state``: every record by type and the stock."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from erpsync.sandboxes.netsuite.account import Account
from erpsync.sandboxes.netsuite.transactions import stock_levels


def plain(value: Any) -> Any:
    """Decimals as strings (money stays exact), datetimes as ISO 8601 UTC, internal flags dropped."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def dump_account(account: Account) -> dict[str, Any]:
    with account.lock:
        store = account.store
        return {
            "records": {
                name: [plain(record) for _, record in sorted(table.items(), key=lambda kv: int(kv[0]))]
                for name, table in store.records.items()
            },
            "stock": [plain(level) for level in stock_levels(store)],
        }
