"""Protocol-faithful sandboxes of each platform (ASGI apps), served by `erpsync sandbox <platform>`.

The product never imports this package; only the demo and the tests do.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from erpsync.sandboxes.common import Sandbox

# platform -> "module:factory"; a factory is `build_sandbox(*, seed: int | None = None) -> Sandbox`.
SANDBOX_FACTORIES: dict[str, str] = {
    "shopify": "erpsync.sandboxes.shopify:build_sandbox",
    "netsuite": "erpsync.sandboxes.netsuite:build_sandbox",
}


def build_sandbox(platform: str, *, seed: int | None = None) -> Sandbox:
    """Build the named platform's sandbox; raise KeyError naming the known platforms otherwise."""
    if platform not in SANDBOX_FACTORIES:
        known = ", ".join(sorted(SANDBOX_FACTORIES))
        raise KeyError(f"no sandbox for platform {platform!r} (known: {known})")
    module_name, _, factory_name = SANDBOX_FACTORIES[platform].partition(":")
    factory = getattr(importlib.import_module(module_name), factory_name)
    sandbox: Sandbox = factory(seed=seed)
    return sandbox
