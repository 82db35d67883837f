"""SuiteQL (placeholder until the engine lands in the next commit)."""

from __future__ import annotations

from typing import Any

from erpsync.sandboxes.netsuite.account import Account
from erpsync.sandboxes.netsuite.errors import NetSuiteError


def run_suiteql(account: Account, query: str) -> list[dict[str, Any]]:
    raise NetSuiteError(400, "INVALID_PARAMETER", "SuiteQL is not implemented in this sandbox build yet.")
