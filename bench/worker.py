"""One erpsync worker process for the scale-out benchmark: the order_to_erp flow on a shared PostgreSQL
engine, writing to the NetSuite sandbox named by a ready-line file. Prints ``{"ready": ...}`` once launched;
with ``--enqueue N`` it then queues N orders, waits for all and prints the figures; every worker prints its
own request and CPU counts when stopped (SIGTERM).

    python -m bench.worker --database postgresql://... --sandbox ready.json [--enqueue 200]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.budget import order_harness
from bench.common import SandboxProcess, own_cpu_seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("--database", required=True)
    parser.add_argument(
        "--sandbox", required=True, type=Path, help="the sandbox's JSON ready line, in a file"
    )
    parser.add_argument("--concurrency", type=int, default=15)
    parser.add_argument("--enqueue", type=int, default=0)
    arguments = parser.parse_args(argv)
    ready = json.loads(arguments.sandbox.read_text())
    sandbox = SandboxProcess(ready["platform"], ready["url"], ready["credentials"], None)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with order_harness(
        sandbox, concurrency=arguments.concurrency, latency_ms=0, database_url=arguments.database
    ) as harness:
        cpu = own_cpu_seconds()
        say({"ready": harness.engine.worker_id})
        if arguments.enqueue:
            started = time.monotonic()
            outcomes = harness.run_orders(range(1, arguments.enqueue + 1))
            elapsed = time.monotonic() - started
            say({"orders": arguments.enqueue, "completed": outcomes.count("completed"), "seconds": elapsed})
        stop.wait()
        say(
            {
                "worker": harness.engine.worker_id,
                "requests": harness.counter.sent,
                "cpu": own_cpu_seconds() - cpu,
            }
        )


def say(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
