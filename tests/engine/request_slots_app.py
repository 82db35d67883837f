"""A worker process for the request-slot test: flows that each send three requests to a NetSuite sandbox
through the real NetSuite client, its budget wired as ``erpsync run`` wires it (``erpsync.budgets``)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from erpsync.budgets import declare_budget
from erpsync.config import Budget
from erpsync.connectors.netsuite.auth import auth_from_credentials
from erpsync.connectors.netsuite.connector import NetSuiteConnector
from erpsync.engine import Engine, FlowContext

REQUESTS_PER_FLOW = 3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--sandbox-file", type=Path, required=True, help="the sandbox's JSON ready line")
    parser.add_argument("--limit", type=int, required=True, help="the account's concurrency limit")
    parser.add_argument("--flows", type=int, required=True)
    parser.add_argument("--go-file", required=True)
    args = parser.parse_args()
    sandbox = json.loads(args.sandbox_file.read_text())
    credentials = sandbox["credentials"]
    erp = NetSuiteConnector(
        credentials["account_id"], sandbox["url"], auth_from_credentials(sandbox["url"], credentials)
    )
    sent = 0
    failures: list[str] = []

    def ask_limits() -> dict[str, Any]:
        nonlocal sent
        sent += 1
        try:
            response = erp.client.request(
                "GET", "/services/rest/system/v1/governanceLimits", record="governanceLimits", idempotent=True
            )
        except Exception as error:
            failures.append(f"{type(error).__name__}: {error}")
            raise
        body: dict[str, Any] = response.json()
        return body

    engine = Engine(args.database_url, worker_id=args.worker_id)
    declare_budget(engine, erp, Budget(concurrency=args.limit))

    @engine.flow("ask_limits", queue=erp.system, record_type="probe")
    def ask_limits_flow(ctx: FlowContext, record: dict[str, Any]) -> None:
        for number in range(REQUESTS_PER_FLOW):
            ctx.step(f"ask_{number}", ask_limits)

    engine.launch()
    print(json.dumps({"worker": args.worker_id, "ready": True}), flush=True)
    deadline = time.monotonic() + 240
    while not Path(args.go_file).exists():
        time.sleep(0.05)
    keys = [str(n) for n in range(args.flows)]
    handles = [engine.enqueue("ask_limits", key, {"n": key}) for key in keys]
    while not all(handle.done() for handle in handles):
        if time.monotonic() > deadline:
            sys.exit(f"worker {args.worker_id}: flows not finished in time")
        time.sleep(0.05)
    states = sorted({str(handle.state()) for handle in handles})
    engine.shutdown(0)
    erp.close()
    print(
        json.dumps({"worker": args.worker_id, "states": states, "sent": sent, "failures": failures}),
        flush=True,
    )


if __name__ == "__main__":
    main()
