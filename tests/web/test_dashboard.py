"""The dashboard: login sessions, CSRF on every form, the pages an operator uses, and no secret shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.support import PASSWORD, SETTINGS, Tokens

from erpsync.config import Settings
from erpsync.errors import DataError
from erpsync.store import Store
from erpsync.web.app import create_app

SECRET = "shpat_live_0123456789abcdef"
ALERT_SECRET = "hooks.slack.com/services/T000/B000/XXXXSECRET"
REPO = Path(__file__).resolve().parents[2]


def logged_in(app: FastAPI, username: str) -> tuple[TestClient, str]:
    client = TestClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/exceptions"})
    assert response.status_code == 303 and response.headers["location"] == "/exceptions"
    page = client.get("/exceptions").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    return client, token[1]


def park(store: Store, business_key: str = "1001") -> int:
    return store.open_exception(
        flow="order_to_erp",
        record_type="order",
        business_key=business_key,
        error=DataError(
            f"item SKU-9 of order #{business_key} has no NetSuite item",
            system="netsuite",
            suggested_fix="map SKU-9 in mappings/items.yaml",
        ),
        payload={"number": business_key, "lines": [{"sku": "SKU-9"}]},
    )


def test_wrong_password_shows_an_error_and_sets_no_session(app: FastAPI, tokens: Tokens) -> None:
    client = TestClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": "viewer", "password": "wrong password!"})
    assert response.status_code == 401
    assert "wrong username or password" in response.text
    assert "erpsync_session" not in response.cookies
    assert client.get("/").status_code == 303


def test_login_does_not_redirect_off_site(app: FastAPI, tokens: Tokens) -> None:
    client = TestClient(app, follow_redirects=False)
    response = client.post(
        "/login", data={"username": "viewer", "password": PASSWORD, "next": "//evil.example/"}
    )
    assert response.headers["location"] == "/"


def test_forms_without_the_session_csrf_token_are_refused(
    app: FastAPI, tokens: Tokens, web_store: Store
) -> None:
    exception_id = park(web_store)
    client, csrf = logged_in(app, "operator")
    refused = client.post(f"/exceptions/{exception_id}/skip", data={"note": "x"})
    assert refused.status_code == 403
    forged = client.post(f"/exceptions/{exception_id}/skip", data={"note": "x", "csrf_token": "forged"})
    assert forged.status_code == 403
    assert web_store.exception(exception_id).status == "open"
    accepted = client.post(f"/exceptions/{exception_id}/skip", data={"note": "duplicate", "csrf_token": csrf})
    assert accepted.status_code == 303
    assert web_store.exception(exception_id).status == "skipped"
    by_header = client.post(
        f"/api/v1/exceptions/{park(web_store, '1002')}/skip", json={}, headers={"X-CSRF-Token": csrf}
    )
    assert by_header.status_code == 200


def test_logout_ends_the_session(app: FastAPI, tokens: Tokens) -> None:
    client, csrf = logged_in(app, "viewer")
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/").status_code == 303


def test_exception_detail_shows_the_problem_the_fix_and_the_payload(
    app: FastAPI, tokens: Tokens, web_store: Store
) -> None:
    exception_id = park(web_store)
    web_store.hold(
        flow="fulfillment_to_store",
        record_type="fulfillment",
        business_key="F-7",
        waits_on="order:1001",
        workflow_id=None,
        payload={"order": "1001"},
    )
    client, _ = logged_in(app, "operator")
    queue = client.get("/exceptions", params={"flow": "order_to_erp"}).text
    assert f'href="/exceptions/{exception_id}"' in queue
    page = client.get(f"/exceptions/{exception_id}").text
    assert "has no NetSuite item" in page
    assert "map SKU-9 in mappings/items.yaml" in page
    assert "SKU-9" in page and "F-7" in page
    assert 'id="retry"' in page


def test_viewers_see_no_action_buttons(app: FastAPI, tokens: Tokens, web_store: Store) -> None:
    exception_id = park(web_store)
    client, _ = logged_in(app, "viewer")
    page = client.get(f"/exceptions/{exception_id}").text
    assert "has no NetSuite item" in page and 'id="retry"' not in page


def test_retry_without_an_engine_says_so_and_changes_nothing(
    app: FastAPI, tokens: Tokens, web_store: Store
) -> None:
    exception_id = park(web_store)
    client, csrf = logged_in(app, "operator")
    response = client.post(
        f"/exceptions/{exception_id}/retry", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "runs without the engine" in response.text
    assert web_store.exception(exception_id).status == "open"
    api = client.post(f"/api/v1/exceptions/{exception_id}/retry", headers={"X-CSRF-Token": csrf})
    assert api.status_code == 501 and "without the engine" in api.json()["detail"]


def test_search_finds_a_record_by_another_systems_id(app: FastAPI, tokens: Tokens, web_store: Store) -> None:
    web_store.link("netsuite", "order", "SO-77", "order:shopify:1077")
    web_store.record_event("order", "order:shopify:1077", "written", system="netsuite", external_id="SO-77")
    client, _ = logged_in(app, "viewer")
    page = client.get("/search", params={"q": "SO-77"}).text
    assert "order:shopify:1077" in page and "written" in page
    assert "Nothing is known" in client.get("/search", params={"q": "nope"}).text


def test_tieout_says_clearly_that_none_has_run(app: FastAPI, tokens: Tokens) -> None:
    client, _ = logged_in(app, "viewer")
    assert "No tie-out report has run yet" in client.get("/tieout").text
    assert client.get("/tieout.csv").status_code == 404


def test_mapping_page_renders_the_configured_specs(web_store: Store, tmp_path: Path) -> None:
    settings = Settings(
        connections=dict(SETTINGS.connections),
        flows={
            "order_to_erp": {
                "source": "shopify",
                "target": "netsuite",
                "trigger": {"webhook": True},
                "mapping": str(REPO / "mappings/shopify-netsuite/orders.yaml"),
            }
        },
    )
    app = create_app(settings=settings, store=web_store)
    from tests.web.support import add_role_users

    add_role_users(app.state.users)
    client, _ = logged_in(app, "viewer")
    page = client.get("/mapping").text
    assert "<iframe" in page and "order" in page.lower()
    # Sessions live in the database: the same login works on an app whose flows name no spec.
    without_specs = TestClient(create_app(settings=SETTINGS, store=web_store), cookies=dict(client.cookies))
    assert "no flow in the configuration names a mapping spec" in without_specs.get("/mapping").text


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_TOKEN", SECRET)
    monkeypatch.setenv("SLACK_URL", f"slack://{ALERT_SECRET}")


def test_no_page_or_api_answer_shows_a_secret(secret_env: None, web_store: Store) -> None:
    settings = Settings(
        connections={
            "shopify": {
                "platform": "shopify",
                "url": "https://acme.myshopify.com",
                "credentials": {"access_token": {"env": "SHOP_TOKEN"}},
            },
            "netsuite": {"platform": "netsuite", "url": "https://1.suitetalk.api.netsuite.com"},
        },
        flows=dict(SETTINGS.flows),
        alerts=[{"url": {"env": "SLACK_URL"}}],
    )
    app = create_app(settings=settings, store=web_store)
    from tests.web.support import add_role_users

    tokens = add_role_users(app.state.users)
    park(web_store)
    client, _ = logged_in(app, "admin")
    answers = [
        client.get(path).text for path in ("/", "/exceptions", "/exceptions/1", "/search?q=1001", "/mapping")
    ]
    answers += [
        client.get(path, headers=tokens.header("admin")).text
        for path in ("/api/v1/config", "/api/v1/flows", "/api/v1/exceptions", "/metrics")
    ]
    assert "SHOP_TOKEN" in answers[5], "config shows where the secret comes from"
    for answer in answers:
        assert SECRET not in answer and ALERT_SECRET not in answer


def test_pages_forbid_framing_and_foreign_scripts(app: FastAPI) -> None:
    headers = TestClient(app).get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


def test_repeated_wrong_passwords_lock_the_username_for_a_while(app: FastAPI, tokens: Tokens) -> None:
    client = TestClient(app, follow_redirects=False)
    for _ in range(5):
        assert client.post("/login", data={"username": "admin", "password": "guess guess"}).status_code == 401
    locked = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert locked.status_code == 429 and "too many failed logins" in locked.text
    assert client.post("/login", data={"username": "viewer", "password": PASSWORD}).status_code == 303


def test_a_locked_username_is_let_in_again_after_the_window() -> None:
    from datetime import UTC, datetime, timedelta

    from erpsync.web.auth import LoginThrottle

    throttle = LoginThrottle(limit=2, window=timedelta(minutes=15))
    start = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    throttle.failed("admin", start)
    throttle.failed("admin", start)
    assert throttle.blocked("admin", start + timedelta(minutes=14))
    assert not throttle.blocked("admin", start + timedelta(minutes=16))
