"""Every route is closed to strangers and open only to the roles it is meant for.

The table below is the access policy; a route missing from it fails the test, so a new route must be
classified before it ships.
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from tests.web.support import Tokens

PUBLIC = "public"
# (method, path) -> the least role that may call it.
POLICY: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): "viewer",
    ("GET", "/openapi.json"): "viewer",
    ("GET", "/api/v1/flows"): "viewer",
    ("GET", "/api/v1/flows/{flow}"): "viewer",
    ("POST", "/api/v1/flows/{flow}/pause"): "admin",
    ("POST", "/api/v1/flows/{flow}/resume"): "admin",
    ("POST", "/api/v1/flows/{flow}/sync"): "operator",
    ("POST", "/api/v1/flows/{flow}/reconcile"): "operator",
    ("GET", "/api/v1/exceptions"): "viewer",
    ("GET", "/api/v1/exceptions/{exception_id}"): "viewer",
    ("POST", "/api/v1/exceptions/{exception_id}/retry"): "operator",
    ("POST", "/api/v1/exceptions/{exception_id}/edit-and-retry"): "operator",
    ("POST", "/api/v1/exceptions/{exception_id}/skip"): "operator",
    ("POST", "/api/v1/exceptions/{exception_id}/resolve"): "operator",
    ("POST", "/api/v1/exceptions/bulk"): "operator",
    ("GET", "/api/v1/timeline/{any_id}"): "viewer",
    ("GET", "/api/v1/conflicts"): "viewer",
    ("GET", "/api/v1/xref"): "viewer",
    ("GET", "/api/v1/mapping"): "viewer",
    ("GET", "/api/v1/tieout"): "viewer",
    ("GET", "/api/v1/config"): "admin",
    ("GET", "/api/v1/users"): "admin",
    ("POST", "/api/v1/users"): "admin",
    ("POST", "/api/v1/tokens"): "viewer",
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): "viewer",
    ("GET", "/"): "viewer",
    ("GET", "/exceptions"): "viewer",
    ("GET", "/exceptions/{exception_id}"): "viewer",
    ("POST", "/exceptions/{exception_id}/retry"): "operator",
    ("POST", "/exceptions/{exception_id}/edit-and-retry"): "operator",
    ("POST", "/exceptions/{exception_id}/skip"): "operator",
    ("POST", "/exceptions/{exception_id}/resolve"): "operator",
    ("POST", "/exceptions/bulk"): "operator",
    ("GET", "/search"): "viewer",
    ("GET", "/tieout"): "viewer",
    ("GET", "/tieout.csv"): "viewer",
    ("GET", "/mapping"): "viewer",
}
RANK = {PUBLIC: -1, "viewer": 0, "operator": 1, "admin": 2}
BODIES = {
    "/api/v1/flows/{flow}/pause": {"reason": "test"},
    "/api/v1/exceptions/{exception_id}/edit-and-retry": {"payload": {"number": "1"}},
    "/api/v1/exceptions/{exception_id}/skip": {},
    "/api/v1/exceptions/{exception_id}/resolve": {},
    "/api/v1/exceptions/bulk": {"action": "skip", "ids": [1]},
    "/api/v1/users": {"username": "newbie", "password": "long enough password", "role": "viewer"},
    "/api/v1/tokens": {"name": "ci"},
}


def routes(app: FastAPI) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
        if method != "HEAD"
    )


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: {"exception_id": "1", "flow": "order_to_erp"}.get(m[1], "x"), path)


def test_every_route_has_an_access_policy(app: FastAPI) -> None:
    unclassified = [route for route in routes(app) if route not in POLICY]
    assert not unclassified, f"classify these routes in POLICY: {unclassified}"


@pytest.mark.parametrize("caller", [None, "viewer", "operator", "admin"])
def test_each_route_answers_each_caller_by_role(app: FastAPI, tokens: Tokens, caller: str | None) -> None:
    client = TestClient(app, follow_redirects=False)
    headers = tokens.header(caller) if caller else {}
    wrong = []
    for method, path in routes(app):
        needed = POLICY[(method, path)]
        response = client.request(method, concrete(path), json=BODIES.get(path), headers=headers)
        if needed == PUBLIC:
            refused = False
        elif caller is None:
            refused = response.status_code in (401, 303)
            if response.status_code == 303:
                refused = response.headers["location"].startswith("/login")
            if not refused:
                wrong.append((method, path, response.status_code, "stranger let in"))
            continue
        else:
            refused = RANK[caller] < RANK[needed]
        if refused and response.status_code != 403:
            wrong.append((method, path, response.status_code, f"{caller} should get 403"))
        if not refused and response.status_code in (401, 403):
            wrong.append((method, path, response.status_code, f"{caller} should be let in"))
        if response.status_code >= 500 and response.status_code != 501:
            wrong.append((method, path, response.status_code, "server error"))
    assert not wrong


def test_a_revoked_or_made_up_token_is_refused(app: FastAPI, tokens: Tokens) -> None:
    client = TestClient(app)
    assert client.get("/api/v1/flows", headers=tokens.header("viewer")).status_code == 200
    app.state.users.revoke_token("viewer", "tests")
    assert client.get("/api/v1/flows", headers=tokens.header("viewer")).status_code == 401
    assert client.get("/api/v1/flows", headers={"Authorization": "Bearer esk_madeup"}).status_code == 401


def test_metrics_can_be_made_public_for_a_trusted_scraper(web_store: object) -> None:
    from tests.web.support import SETTINGS

    from erpsync.web.app import create_app

    app = create_app(settings=SETTINGS, store=web_store, metrics_public=True)  # type: ignore[arg-type]
    response = TestClient(app).get("/metrics")
    assert response.status_code == 200
    assert "erpsync_records_processed_total" in response.text
