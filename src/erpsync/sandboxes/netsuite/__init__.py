"""NetSuite sandbox: SuiteTalk REST web services of one account (TBA and OAuth 2.0 auth, records with eid:
upsert, transforms, SuiteQL, concurrency governance, async jobs, a warehouse) served as an ASGI app."""

from erpsync.sandboxes.netsuite.app import NetSuiteSandbox


def build_sandbox(*, seed: int | None = None) -> NetSuiteSandbox:
    """A fresh NetSuite account; ``seed`` loads a deterministic catalog, stock and customers."""
    return NetSuiteSandbox(seed=seed)


__all__ = ["NetSuiteSandbox", "build_sandbox"]
