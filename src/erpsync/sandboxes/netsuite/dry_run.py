"""``POST /_sandbox/validate/{recordType}``: would NetSuite accept this body? A sandbox-only check (real
NetSuite has no dry run) that runs the same validation a ``POST /record/v1/{recordType}`` runs — field names,
types, required fields, references to existing records — and stores nothing.

``erpsync.testing`` uses it to prove that a mapping spec produces bodies the account accepts. It answers 204
when the body would be accepted, else NetSuite's own error body (``o:errorDetails``) with the status a real
create would have answered. It does not pass through authentication, governance or fault injection: it is a
question to the sandbox, not an API call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from starlette.responses import Response

from erpsync.sandboxes.netsuite.records import record_type_or_404
from erpsync.sandboxes.netsuite.routes import json_body

if TYPE_CHECKING:
    from erpsync.sandboxes.netsuite.account import Account


def dry_run_router(account: Account) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", tags=["sandbox control"])

    @router.post("/validate/{type_name}", status_code=204)
    async def validate(request: Request, type_name: str) -> Response:
        record_type = record_type_or_404(type_name)
        body = await json_body(request)
        with account.lock:
            account.store.validate(record_type, body, partial=False)
        return Response(status_code=204)

    return router
