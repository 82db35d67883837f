"""Bulk mutations: ``bulkOperationRunMutation`` runs one mutation once per line of a staged JSONL file.

(https://shopify.dev/docs/api/usage/bulk-operations/imports.) Each line of the uploaded file holds the
variables of one execution; the result file has one line per input line, in order, with the mutation's
data (its ``userErrors`` included) and the input line's number::

    {"data":{"productSet":{"product":{"id":"gid://shopify/Product/1"},"userErrors":[]}},"__lineNumber":0}

Rules the sandbox enforces, as Shopify documents them:

- any Admin API mutation may run in bulk, one mutation field per document
  (https://shopify.dev/changelog/posts/faster-bulk-operations: "Support for all mutations");
- concurrent bulk mutations per shop: one before API version 2026-01 (a second answers
  ``OPERATION_IN_PROGRESS``), five from 2026-01 (a sixth answers ``LIMIT_REACHED``);
- the variables file is the one staged under ``stagedUploadPath`` (``NO_SUCH_FILE`` otherwise), and every
  line must be a JSON object (``INVALID_STAGED_UPLOAD_FILE``); at most 100 MB (the upload refuses more);
- an operation must finish within 24 hours or it fails with ``TIMEOUT``;
- when it finishes the ``bulk_operations/finish`` webhook is sent.

Shopify runs the lines in the background at a rate it does not publish. The sandbox models one:
``lines_per_second`` (default ``DEFAULT_LINES_PER_SECOND``; ``PUT /_sandbox/shopify/settings
{"bulk_mutation": {"lines_per_second": 500}}``). A shop's operations share that rate and run in the order
they were created; lines do not cost rate-limit points. When the sandbox's CPU cannot keep the rate, it
runs as fast as it can (``describe()`` reports the rate achieved).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)

from erpsync.sandboxes.shopify import rest
from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import gid
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, snapshot, user_error
from erpsync.sandboxes.shopify.store import Record, ShopStore

if TYPE_CHECKING:
    from erpsync.sandboxes.shopify.sandbox import ShopifySandbox

DEFAULT_LINES_PER_SECOND = 400.0
CONCURRENT_FROM_2026_01 = 5
MAX_RUN = timedelta(hours=24)
LINES_PER_LOCK = 25  # lines run under the store lock at once: other requests get the store in between
IN_FLIGHT = ("CREATED", "RUNNING")


@dataclass
class _Run:
    """One operation being worked on: its parsed mutation, its variables and the result lines so far."""

    domain: str
    operation_id: int
    document: DocumentNode
    lines: list[bytes]
    api_version: str
    base_url: str
    next_line: int = 0
    results: list[str] = field(default_factory=list)


class BulkMutations:
    """The background worker that runs every shop's bulk mutations at the modelled rate."""

    def __init__(self, sandbox: ShopifySandbox, lines_per_second: float = DEFAULT_LINES_PER_SECOND) -> None:
        self.sandbox = sandbox
        self.lines_per_second = lines_per_second
        self._runs: list[_Run] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lines_done = 0
        self._busy_seconds = 0.0

    # ------------------------------------------------------------------ settings
    def describe(self) -> dict[str, Any]:
        achieved = self._lines_done / self._busy_seconds if self._busy_seconds else None
        return {
            "lines_per_second": self.lines_per_second,
            "lines_run": self._lines_done,
            "achieved_lines_per_second": round(achieved, 1) if achieved else None,
        }

    def configure(self, change: dict[str, Any]) -> dict[str, Any]:
        rate = float(change.get("lines_per_second", self.lines_per_second))
        if rate <= 0:
            raise ValueError("bulk_mutation.lines_per_second must be above 0")
        self.lines_per_second = rate
        return self.describe()

    def clear(self) -> None:
        with self._lock:
            self._runs.clear()

    # ------------------------------------------------------------------ starting
    def start(
        self, ctx: ResolveContext, mutation: str, staged_upload_path: str, client_identifier: str | None
    ) -> Payload:
        store = ctx.store
        in_flight = [
            op
            for op in store.rows("bulk_operations")
            if op["type"] == "MUTATION" and op["status"] in IN_FLIGHT
        ]
        if ctx.api_version < "2026-01" and in_flight:
            message = (
                "A bulk mutation operation for this app and shop is already in progress: "
                f"{gid('BulkOperation', in_flight[0]['id'])}."
            )
            return _refused(message, None, "OPERATION_IN_PROGRESS")
        if len(in_flight) >= CONCURRENT_FROM_2026_01:
            return _refused("Bulk operations limit reached. Please try again later.", None, "LIMIT_REACHED")
        document, problem = _check_mutation(self.sandbox.graphql.schema, mutation)
        if problem or document is None:
            return _refused(problem or "Invalid mutation", ["mutation"], "INVALID_MUTATION")
        content = self.sandbox.staged_files.read(staged_upload_path)
        if content is None:
            return _refused(
                "The JSONL file could not be found. Try uploading the file again, and check that you've "
                "entered the URL correctly for the stagedUploadPath mutation argument.",
                ["stagedUploadPath"],
                "NO_SUCH_FILE",
            )
        lines = [line for line in content.splitlines() if line.strip()]
        if not all(_is_object(line) for line in lines):
            return _refused(
                "The JSONL file submitted via the stagedUploadsCreate mutation is invalid. Update the file "
                "and try again.",
                ["stagedUploadPath"],
                "INVALID_STAGED_UPLOAD_FILE",
            )
        operation = store.add(
            "bulk_operations",
            {
                "type": "MUTATION",
                "status": "CREATED",
                "query": mutation,
                "object_count": 0,
                "root_object_count": 0,
                "client_identifier": client_identifier,
            },
        )
        run = _Run(store.domain, operation["id"], document, lines, ctx.api_version, ctx.base_url)
        with self._lock:
            self._runs.append(run)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="shopify-bulk-mutations", daemon=True)
                self._thread.start()
        self._wake.set()
        created = snapshot("bulk_operations", operation["id"], status="CREATED", objectCount=0, url=None)
        return {"bulkOperation": created, "userErrors": []}

    # ------------------------------------------------------------------ running
    def _loop(self) -> None:
        allowance, last = 0.0, time.monotonic()
        while True:
            with self._lock:
                run = self._runs[0] if self._runs else None
            if run is None:
                self._wake.wait(1.0)
                self._wake.clear()
                allowance, last = 0.0, time.monotonic()
                continue
            now = time.monotonic()
            allowance = min(allowance + (now - last) * self.lines_per_second, self.lines_per_second)
            last = now
            if allowance < 1:
                time.sleep(min(0.05, (1 - allowance) / self.lines_per_second))
                continue
            started = time.monotonic()
            done = self._step(run, min(int(allowance), LINES_PER_LOCK))
            allowance -= done
            self._lines_done += done
            self._busy_seconds += max(time.monotonic() - started, done / self.lines_per_second)

    def _step(self, run: _Run, count: int) -> int:
        """Run up to ``count`` lines of ``run``; finish it when its last line ran. Lines run."""
        store = self.sandbox.stores.get(run.domain)
        operation = store.get("bulk_operations", run.operation_id) if store else None
        if store is None or operation is None or operation["status"] not in IN_FLIGHT:
            self._drop(run)  # reset, or cancelled (bulkOperationCancel)
            return 0
        ctx = self.sandbox.context(store, run.api_version, run.base_url)
        with store.lock:
            if _expired(store, operation):
                operation.update({"status": "FAILED", "error_code": "TIMEOUT", "completed_at": store.now()})
                self._finish(run, store, operation, ctx)
                return 0
            operation["status"] = "RUNNING"
            end = min(run.next_line + count, len(run.lines))
            for number in range(run.next_line, end):
                run.results.append(_execute_line(self.sandbox, ctx, run.document, run.lines[number], number))
            done = end - run.next_line
            run.next_line = end
            operation["object_count"] = operation["root_object_count"] = end
            if end >= len(run.lines):
                operation.update({"status": "COMPLETED", "completed_at": store.now()})
                self._finish(run, store, operation, ctx)
        return done

    def _finish(self, run: _Run, store: ShopStore, operation: Record, ctx: ResolveContext) -> None:
        text = "".join(run.results)
        if text:
            self.sandbox.bulk_files[(store.domain, operation["id"])] = text
            operation["path"] = f"/_bulk/{store.domain}/{operation['id']}.jsonl"
        operation["file_size"] = len(text.encode())
        ctx.emit(store, "bulk_operations/finish", rest.bulk_operation(operation))
        self._drop(run)

    def _drop(self, run: _Run) -> None:
        with self._lock:
            if run in self._runs:
                self._runs.remove(run)


def _execute_line(
    sandbox: ShopifySandbox, ctx: ResolveContext, document: DocumentNode, line: bytes, number: int
) -> str:
    variables = json.loads(line)
    result = execute_sync(sandbox.graphql.schema, document, context_value=ctx, variable_values=variables)
    answer: dict[str, Any] = {}
    if result.errors:
        answer["errors"] = [{"message": error.message, "path": error.path} for error in result.errors]
    answer["data"] = result.data
    answer["__lineNumber"] = number
    return json.dumps(answer, separators=(",", ":"), default=str) + "\n"


def _check_mutation(schema: Any, mutation: str) -> tuple[DocumentNode | None, str | None]:
    try:
        document = parse(mutation)
    except GraphQLError as error:
        return None, f"Invalid mutation: {error.message}"
    operation = get_operation_ast(document)
    if not isinstance(operation, OperationDefinitionNode) or operation.operation.value != "mutation":
        return None, "Invalid mutation: the document must hold exactly one mutation operation."
    fields = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    if len(fields) != 1:
        return None, "Invalid mutation: a bulk mutation runs exactly one mutation field."
    if fields[0].name.value.startswith("bulkOperation") or fields[0].name.value == "stagedUploadsCreate":
        return None, f"Invalid mutation: {fields[0].name.value} cannot run in a bulk operation."
    problems = validate(schema, document)
    if problems:
        return None, f"Invalid mutation: {problems[0].message}"
    return document, None


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _expired(store: ShopStore, operation: Record) -> bool:
    created = datetime.strptime(operation["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    return store.clock.now().replace(tzinfo=None) - created > MAX_RUN


def _refused(message: str, field: list[str] | None, code: str) -> Payload:
    return {"bulkOperation": None, "userErrors": [user_error(message, field, code)]}


def bulk_operation_run_mutation(
    ctx: ResolveContext,
    mutation: str,
    stagedUploadPath: str,
    clientIdentifier: str | None = None,
    groupObjects: bool = True,
) -> Payload:
    runner: BulkMutations = ctx.extra["bulk_mutations"]
    return runner.start(ctx, mutation, stagedUploadPath, clientIdentifier)


MUTATIONS: dict[str, MutationResolver] = {"bulkOperationRunMutation": bulk_operation_run_mutation}
