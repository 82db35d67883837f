"""``python -m bench <name> [--size N] [--preset P] [--threads T]``: run one benchmark."""

from __future__ import annotations

import argparse
from typing import Any

from bench import BENCHMARKS, NOT_BUILT, run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("name", choices=sorted([*BENCHMARKS, *NOT_BUILT]))
    parser.add_argument("--size", type=int, help="orders or rounds (each benchmark has a default)")
    parser.add_argument("--preset", help="budget-shopify: rate-limit preset (standard, advanced, plus...)")
    parser.add_argument("--threads", type=int, help="budget-shopify: pushing threads")
    arguments = parser.parse_args(argv)
    options: dict[str, Any] = {
        key: value
        for key, value in (
            ("size", arguments.size),
            ("preset", arguments.preset),
            ("threads", arguments.threads),
        )
        if value is not None
    }
    try:
        run(arguments.name, **options)
    except NotImplementedError as exc:
        parser.exit(2, f"not built: {exc}\n")


if __name__ == "__main__":
    main()
