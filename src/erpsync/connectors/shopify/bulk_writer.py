"""Bulk writes: one mutation run by Shopify once per line of a JSONL file (``bulkOperationRunMutation``).

The steps (https://shopify.dev/docs/api/usage/bulk-operations/imports):

1. ``stagedUploadsCreate(input: [{resource: BULK_MUTATION_VARIABLES, …, httpMethod: POST}])`` answers an
   upload URL and signed form parameters; the ``key`` parameter is the file's ``stagedUploadPath``;
2. a multipart POST of those parameters and the file to the URL (Shopify's storage: no access token);
3. ``bulkOperationRunMutation(mutation:, stagedUploadPath:)`` starts the operation;
4. wait: the ``bulk_operations/finish`` webhook, or polling ``node(id:)`` for its status;
5. read the result file: one line per input line, ``{"data": {…, "userErrors": […]}, "__lineNumber": N}``.

``BulkWriter.run`` does all five and streams: the variables are written to a temporary file as the iterator
yields them (never held in memory), and the result lines are read back one at a time. A line's
``userErrors`` are that line's failure only; the operation itself fails only as a whole (``FAILED``).
Files are limited to 100 MB (https://shopify.dev/changelog/posts/faster-bulk-operations): callers send
chunks well below it, and a bigger file is refused here before it is uploaded.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

import httpx

from erpsync.connectors.shopify.bulk import BulkOperation, completed, download_lines
from erpsync.connectors.shopify.client import GraphQLClient
from erpsync.connectors.shopify.errors import SYSTEM, data_error_for_user_errors
from erpsync.errors import DataError, TransientError

MAX_FILE_BYTES = 100 * 1024 * 1024
FINISHED = {"COMPLETED", "FAILED", "CANCELED", "EXPIRED"}
# the shop already runs as many bulk mutations as its API version allows (1 before 2026-01, then 5), or the
# storage hiccuped: "This error might be intermittent" (BulkMutationErrorCode, shopify.dev)
BUSY = {"OPERATION_IN_PROGRESS", "LIMIT_REACHED", "INTERNAL_FILE_SERVER_ERROR"}

STAGED_UPLOADS_CREATE = """
mutation stagedUploadsCreate($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) {
    stagedTargets { url resourceUrl parameters { name value } }
    userErrors { field message }
  }
}"""
RUN_MUTATION = """
mutation bulkOperationRunMutation($mutation: String!, $stagedUploadPath: String!, $clientIdentifier: String) {
  bulkOperationRunMutation(
    mutation: $mutation, stagedUploadPath: $stagedUploadPath, clientIdentifier: $clientIdentifier
  ) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}"""
OPERATION_BY_ID = """
query bulkOperation($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount url partialDataUrl } }
}"""


@dataclass(frozen=True)
class BulkLine:
    """One result line: the input line's number, the mutation's payload, and GraphQL errors if it had any."""

    number: int
    payload: dict[str, Any] | None
    errors: list[dict[str, Any]]

    @property
    def user_errors(self) -> list[dict[str, Any]]:
        return list((self.payload or {}).get("userErrors") or [])

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.user_errors or self.payload is None)


class BulkWriter:
    """Stages, runs and reads back bulk mutations through a ``GraphQLClient``.

    ``finished`` (optional) waits for the ``bulk_operations/finish`` webhook of an operation id for up to
    the given seconds and says whether it came; without it, or when it does not come, the status is polled.
    """

    def __init__(
        self,
        client: GraphQLClient,
        *,
        poll_interval: float = 1.0,
        timeout: float = 24 * 3600,
        max_file_bytes: int = MAX_FILE_BYTES,
        finished: Callable[[str, float], bool] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.max_file_bytes = max_file_bytes
        self._finished = finished
        self._sleep = sleep
        self._clock = clock

    def run(
        self,
        mutation: str,
        variables: Iterable[Mapping[str, Any]],
        *,
        payload_key: str,
        client_identifier: str | None = None,
    ) -> Iterator[BulkLine]:
        """Run ``mutation`` once per item of ``variables``; yield the result lines in input order."""
        operation = self.wait(
            self.start(mutation, self.stage(variables), client_identifier=client_identifier)
        )
        return self.results(operation, payload_key=payload_key)

    def stage(self, variables: Iterable[Mapping[str, Any]], *, filename: str = "bulk_op_vars.jsonl") -> str:
        """Write the variables as JSONL to a temporary file, upload it; its ``stagedUploadPath``."""
        with tempfile.TemporaryFile() as spool:
            size = _write_jsonl(spool, variables)
            if size > self.max_file_bytes:
                raise DataError(
                    f"Shopify bulk mutation file of {size} bytes is over the limit ({self.max_file_bytes})",
                    system=SYSTEM,
                    suggested_fix="send fewer lines per bulk operation",
                )
            target = self._target(filename)
            parameters = {p["name"]: p["value"] for p in target["parameters"]}
            spool.seek(0)
            self._upload(self.client.resolve_url(target["url"]), parameters, spool, filename)
        return parameters["key"]

    def _target(self, filename: str) -> dict[str, Any]:
        payload = self.client.mutate(
            STAGED_UPLOADS_CREATE,
            {
                "input": [
                    {
                        "resource": "BULK_MUTATION_VARIABLES",
                        "filename": filename,
                        "mimeType": "text/jsonl",
                        "httpMethod": "POST",
                    }
                ]
            },
            payload_key="stagedUploadsCreate",
            record="bulk mutation variables",
            retry_safe=True,  # a staged target that is never used costs nothing
        )
        targets = payload.get("stagedTargets") or []
        if not targets:
            raise TransientError("Shopify answered no staged upload target", system=SYSTEM)
        target: dict[str, Any] = targets[0]
        return target

    @staticmethod
    def _upload(url: str, parameters: Mapping[str, str], spool: IO[bytes], filename: str) -> None:
        # the storage URL is pre-signed by the parameters: the shop's access token is not sent there
        with httpx.Client(timeout=300) as http:
            response = http.post(url, data=dict(parameters), files={"file": (filename, spool, "text/jsonl")})
        if response.status_code >= 500:
            raise TransientError(f"Shopify staged upload answered HTTP {response.status_code}", system=SYSTEM)
        if response.status_code >= 400:
            raise DataError(
                f"Shopify staged upload refused the bulk mutation file (HTTP {response.status_code}): "
                f"{response.text[:300]}",
                system=SYSTEM,
                suggested_fix="send fewer lines per bulk operation (at most 100 MB)",
            )

    def start(
        self, mutation: str, staged_upload_path: str, *, client_identifier: str | None = None
    ) -> BulkOperation:
        """Start it; while the shop runs as many bulk mutations as it allows, wait and ask again."""
        deadline = self._clock() + self.timeout
        variables = {
            "mutation": mutation,
            "stagedUploadPath": staged_upload_path,
            "clientIdentifier": client_identifier,
        }
        while True:
            data = self.client.execute(RUN_MUTATION, variables, operation="bulkOperationRunMutation")
            payload = data.get("bulkOperationRunMutation") or {}
            user_errors = payload.get("userErrors") or []
            if not user_errors:
                return BulkOperation.from_node(payload["bulkOperation"])
            busy = {e.get("code") for e in user_errors} & BUSY
            if not busy:
                raise data_error_for_user_errors(
                    user_errors,
                    operation="bulkOperationRunMutation",
                    record="bulk mutation",
                    shop_domain=self.client.shop_domain,
                )
            if self._clock() > deadline:
                raise TransientError(
                    f"Shopify shop {self.client.shop_domain} kept refusing a bulk mutation ({busy.pop()})",
                    system=SYSTEM,
                    retry_after=self.poll_interval,
                )
            self._sleep(self.poll_interval)

    def status(self, operation_id: str) -> BulkOperation:
        node = self.client.execute(OPERATION_BY_ID, {"id": operation_id}).get("node")
        if not node:
            raise DataError(f"Shopify has no bulk operation {operation_id}", system=SYSTEM)
        return BulkOperation.from_node(node)

    def wait(self, started: BulkOperation) -> BulkOperation:
        """Wait for the finish webhook (when given) or poll ``node(id:)``; raise unless it completed."""
        deadline = self._clock() + self.timeout
        while True:
            if self._finished is not None:
                self._finished(started.id, self.poll_interval)
            current = self.status(started.id)
            if current.status in FINISHED:
                return completed(
                    current, self.client.shop_domain, kind="bulk mutation", suggested_fix="check the mutation"
                )
            if self._clock() > deadline:
                raise TransientError(
                    f"Shopify bulk mutation {started.id} still {current.status} after {self.timeout:.0f} s",
                    system=SYSTEM,
                    retry_after=self.poll_interval,
                )
            if self._finished is None:
                self._sleep(self.poll_interval)

    def results(self, operation: BulkOperation, *, payload_key: str) -> Iterator[BulkLine]:
        if operation.url is None:
            return iter(())
        return (
            BulkLine(
                number=int(row.get("__lineNumber", -1)),
                payload=(row.get("data") or {}).get(payload_key),
                errors=list(row.get("errors") or []),
            )
            for row in download_lines(self.client.resolve_url(operation.url))
        )


def _write_jsonl(spool: IO[bytes], variables: Iterable[Mapping[str, Any]]) -> int:
    size = 0
    for line in variables:
        encoded = (json.dumps(line, separators=(",", ":"), default=str) + "\n").encode()
        spool.write(encoded)
        size += len(encoded)
    return size
