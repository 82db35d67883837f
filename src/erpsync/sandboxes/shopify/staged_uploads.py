"""Staged uploads: ``stagedUploadsCreate`` and the storage bucket a client POSTs the file to.

A bulk mutation's variables (one JSON object per line) are uploaded before the operation starts
(https://shopify.dev/docs/api/usage/bulk-operations/imports):

    stagedUploadsCreate(input: [{resource: BULK_MUTATION_VARIABLES, filename: "vars.jsonl",
                                 mimeType: "text/jsonl", httpMethod: POST}])
    -> stagedTargets: [{url: "https://shopify-staged-uploads.storage.googleapis.com/",
                        parameters: [{name: "key", value: "tmp/…/bulk/…/vars.jsonl"}, …]}]

The client then sends a multipart POST to ``url`` with every parameter as a form field and the file last;
the ``key`` parameter is the ``stagedUploadPath`` of ``bulkOperationRunMutation``. Shopify's bucket is
Google Cloud Storage: a signed policy limits the key and the size, and a refusal is an XML ``<Error>``
(``EntityTooLarge`` past the limit). Here the bucket is the sandbox itself (``POST /_staged/uploads``),
signed with an HMAC of the policy. The limit is 100 MB ("Upload files up to 100MB (up from 20MB)",
https://shopify.dev/changelog/posts/faster-bulk-operations).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, user_error

MAX_FILE_BYTES = 100 * 1024 * 1024
UPLOAD_PATH = "/_staged/uploads"


class StagedFiles:
    """The sandbox's bucket: uploaded files by key, and the secret that signs upload policies."""

    def __init__(self, max_bytes: int = MAX_FILE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._secret = os.urandom(32)
        self._files: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def target(self, ctx: ResolveContext, filename: str, mime_type: str) -> dict[str, Any]:
        shop_id = int(hashlib.sha256(ctx.store.domain.encode()).hexdigest()[:8], 16)
        key = f"tmp/{shop_id}/bulk/{uuid.uuid4()}/{filename}"
        expiration = ctx.store.clock.now() + timedelta(days=1)
        policy = {
            "expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "conditions": [
                {"key": key},
                {"Content-Type": mime_type},
                ["content-length-range", 1, self.max_bytes],
            ],
        }
        encoded = base64.b64encode(json.dumps(policy).encode()).decode()
        parameters = {
            "Content-Type": mime_type,
            "success_action_status": "201",
            "acl": "private",
            "key": key,
            "x-goog-algorithm": "GOOG4-HMAC-SHA256",
            "policy": encoded,
            "x-goog-signature": self._sign(encoded),
        }
        return {
            "url": f"{ctx.base_url}{UPLOAD_PATH}",
            "resourceUrl": f"{ctx.base_url}{UPLOAD_PATH}/{key}",
            "parameters": [{"name": name, "value": value} for name, value in parameters.items()],
        }

    def _sign(self, policy: str) -> str:
        return hmac.new(self._secret, policy.encode(), hashlib.sha256).hexdigest()

    def receive(self, fields: dict[str, str], content: bytes) -> tuple[int, str]:
        """Store one multipart upload; HTTP status and the XML body Google Cloud Storage would answer."""
        policy, signature = fields.get("policy", ""), fields.get("x-goog-signature", "")
        if not policy or not hmac.compare_digest(self._sign(policy), signature):
            return 403, _xml_error(
                "AccessDenied", "Invalid argument: the signature does not match the policy."
            )
        conditions = json.loads(base64.b64decode(policy))["conditions"]
        key = fields.get("key", "")
        if {"key": key} not in conditions:
            return 403, _xml_error(
                "AccessDenied", "Invalid according to Policy: Policy Condition failed: key"
            )
        if len(content) > self.max_bytes:
            return 400, _xml_error(
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
                f"<ProposedSize>{len(content)}</ProposedSize><MaxSizeAllowed>{self.max_bytes}</MaxSizeAllowed>",
            )
        with self._lock:
            self._files[key] = content
        return 201, (
            '<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Bucket>shopify-staged-uploads</Bucket>'
            f'<Key>{key}</Key><ETag>"{hashlib.md5(content).hexdigest()}"</ETag></PostResponse>'
        )

    def read(self, key: str) -> bytes | None:
        with self._lock:
            return self._files.get(key)

    def discard(self, key: str) -> None:
        with self._lock:
            self._files.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._files.clear()


def _xml_error(code: str, message: str, extra: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
        f"{extra}</Error>"
    )


def staged_uploads_create(ctx: ResolveContext, input: list[dict[str, Any]]) -> Payload:
    files: StagedFiles = ctx.extra["staged_files"]
    targets, errors = [], []
    for index, wanted in enumerate(input):
        if wanted.get("httpMethod", "PUT") != "POST":
            # [UNCONF] the message: Shopify's bulk guide stages BULK_MUTATION_VARIABLES with POST only
            errors.append(
                user_error(
                    "Bulk mutation variables must be uploaded with httpMethod POST.", ["input", str(index)]
                )
            )
            continue
        targets.append(files.target(ctx, str(wanted["filename"]), str(wanted["mimeType"])))
    return {"stagedTargets": targets, "userErrors": errors}


MUTATIONS: dict[str, MutationResolver] = {"stagedUploadsCreate": staged_uploads_create}


def upload_router(files: StagedFiles) -> APIRouter:
    """``POST /_staged/uploads``: the bucket's multipart form upload (the file is the ``file`` field)."""
    router = APIRouter(tags=["staged uploads"])

    @router.post(UPLOAD_PATH)
    async def upload(request: Request) -> Response:
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            body = _xml_error("InvalidArgument", "The multipart form has no file field.")
            return Response(body, status_code=400, media_type="application/xml")
        content = await upload.read()
        fields = {name: value for name, value in form.items() if isinstance(value, str)}
        status, body = files.receive(fields, content)
        return Response(body, status_code=status, media_type="application/xml")

    return router
