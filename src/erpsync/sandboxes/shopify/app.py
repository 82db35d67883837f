"""The HTTP surface: ``POST /admin/api/{version}/graphql.json``, bulk result downloads, Shopify-only knobs.

Auth is the ``X-Shopify-Access-Token`` header; the shop is the Host header's ``*.myshopify.com`` domain (any
other host, e.g. ``127.0.0.1:8080``, is the default shop); ``X-Shopify-API-Version`` says which version
answered (https://shopify.dev/docs/api/usage/versioning).
"""

from __future__ import annotations

import hmac
import json
import re
import uuid
from typing import TYPE_CHECKING, Any

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from graphql import FieldNode, GraphQLError, get_operation_ast

from erpsync.sandboxes.common import FaultKind, control_router, install_fault_handling
from erpsync.sandboxes.shopify.bulk_seed import bulk_seed_router
from erpsync.sandboxes.shopify.errors import INVALID_TOKEN_BODY, internal_error, throttled_error
from erpsync.sandboxes.shopify.graphql_server import parse_query
from erpsync.sandboxes.shopify.payouts import payouts_router
from erpsync.sandboxes.shopify.staged_uploads import upload_router

if TYPE_CHECKING:
    from erpsync.sandboxes.shopify.sandbox import ShopifySandbox

# Versions this sandbox serves; a retired one "falls forward" to the oldest supported one.
SUPPORTED_VERSIONS = ("2025-10", "2026-01", "2026-04", "2026-07", "2026-10")
_VERSION = re.compile(r"^\d{4}-\d{2}$")


def resolve_version(requested: str) -> str | None:
    if requested in SUPPORTED_VERSIONS or requested == "unstable":
        return requested
    if _VERSION.match(requested) and requested < SUPPORTED_VERSIONS[0]:
        return SUPPORTED_VERSIONS[0]
    return None


def operation_label(body: Any) -> str:
    """The first root field (``orderCreate``, ``products``): the name faults and latency are configured by."""
    try:
        document = parse_query(body["query"])
        operation = get_operation_ast(document, body.get("operationName"))
    except (GraphQLError, KeyError, TypeError):
        return "graphql"
    if operation is None:
        return "graphql"
    first = next((s for s in operation.selection_set.selections if isinstance(s, FieldNode)), None)
    return first.name.value if first else "graphql"


def build_app(sandbox: ShopifySandbox) -> FastAPI:
    app = FastAPI(
        title="erpsync Shopify sandbox", docs_url="/_sandbox/docs", openapi_url="/_sandbox/openapi.json"
    )
    install_fault_handling(app)
    app.include_router(control_router(sandbox))
    app.include_router(payouts_router(sandbox))  # run a day's Shopify Payments payout
    app.include_router(bulk_seed_router(sandbox))  # benchmarks: many products, orders, drift at once
    app.include_router(upload_router(sandbox.staged_files))  # staged uploads' bucket (bulk mutations)

    @app.post("/admin/api/{version}/graphql.json")
    async def graphql_endpoint(version: str, request: Request) -> Response:
        served = resolve_version(version)
        if served is None:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        headers = {"X-Shopify-API-Version": served, "X-Request-Id": str(uuid.uuid4())}
        token = request.headers.get("x-shopify-access-token", "")
        if not hmac.compare_digest(token.encode(), sandbox.access_token.encode()):
            return JSONResponse(INVALID_TOKEN_BODY, status_code=401, headers=headers)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return JSONResponse({"errors": {"query": "Required parameter missing or invalid"}}, 400, headers)
        store = sandbox.store_for(request.headers.get("host", ""))
        fault = await sandbox.faults.before(operation_label(body))
        if fault is FaultKind.SERVER_ERROR:
            return JSONResponse(internal_error(headers["X-Request-Id"]), status_code=500, headers=headers)
        bucket = sandbox.bucket(store.domain)
        if fault is FaultKind.THROTTLE:
            throttled = {"errors": [throttled_error()], "extensions": sandbox.cost_snapshot(bucket)}
            return JSONResponse(throttled, status_code=sandbox.graphql.throttle_status_code, headers=headers)
        base_url = str(request.base_url).rstrip("/")
        status, answer = sandbox.serve_graphql(store, served, base_url, body)
        return JSONResponse(answer, status_code=status, headers=headers)

    @app.get("/_bulk/{shop}/{operation_id}.jsonl")
    def bulk_result(shop: str, operation_id: int) -> Response:
        text = sandbox.bulk_result(shop, operation_id)
        if text is None:
            raise HTTPException(status_code=404, detail="no such bulk operation result")
        return PlainTextResponse(text, media_type="application/jsonl")

    @app.get("/_sandbox/shopify/settings")
    def get_settings() -> dict[str, Any]:
        return sandbox.settings()

    @app.put("/_sandbox/shopify/settings")
    def put_settings(change: dict[str, Any] = Body(...)) -> dict[str, Any]:
        try:
            return sandbox.configure(change)
        except (ValueError, TypeError, KeyError) as exc:
            raise HTTPException(status_code=422, detail=f"bad Shopify sandbox settings: {exc}") from exc

    @app.post("/_sandbox/shopify/scenario")
    def start_scenario(config: dict[str, Any] = Body(...)) -> dict[str, Any]:
        """``{"orders_per_minute": 120, "orders": 50, "discount_rate": 0.3, "b2b_rate": 0.2, "seed": 7}``"""
        try:
            return sandbox.start_scenario(dict(config))
        except (ValueError, TypeError, RuntimeError) as exc:
            raise HTTPException(status_code=422, detail=f"bad scenario: {exc}") from exc

    @app.get("/_sandbox/shopify/scenario")
    def scenario_status() -> dict[str, Any]:
        return sandbox.scenario_status()

    @app.delete("/_sandbox/shopify/scenario")
    def stop_scenario() -> dict[str, Any]:
        return sandbox.stop_scenario()

    @app.post("/_sandbox/shopify/rotate-secret")
    def rotate_secret() -> dict[str, Any]:
        """New credentials; webhooks keep the old signature for an hour of sandbox time."""
        return sandbox.rotate_client_secret()

    @app.get("/_sandbox/shopify/deliveries")
    def deliveries() -> list[dict[str, Any]]:
        return sandbox.webhooks.log()

    return app
