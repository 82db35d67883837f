"""Fixtures of the NetSuite sandbox tests: a seeded account served on loopback, and httpx clients that log
in to it the two ways NetSuite offers (import-mode=importlib: tests reach helpers through the fixture).

TBA requests are signed by oauthlib (an independent OAuth 1.0a implementation), with the sandbox clock's
time so tests that move the clock still send fresh timestamps.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from oauthlib import oauth1

from erpsync.sandboxes.common import serve_in_thread
from erpsync.sandboxes.netsuite import NetSuiteSandbox, build_sandbox

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
RECORDS = "/services/rest/record/v1"
SUITEQL = "/services/rest/query/v1/suiteql"


class TbaAuth(httpx.Auth):
    """Signs each request with OAuth 1.0a HMAC-SHA256, realm = account id."""

    def __init__(self, credentials: dict[str, str], now: Callable[[], float] = time.time) -> None:
        self.credentials = credentials
        self.now = now

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        creds = self.credentials
        signer = oauth1.Client(
            creds["consumer_key"],
            client_secret=creds["consumer_secret"],
            resource_owner_key=creds["token_id"],
            resource_owner_secret=creds["token_secret"],
            signature_method=oauth1.SIGNATURE_HMAC_SHA256,
            realm=creds["realm"],
            timestamp=str(int(self.now())),
        )
        _, headers, _ = signer.sign(str(request.url), http_method=request.method)
        request.headers["Authorization"] = headers["Authorization"]
        yield request


def client_assertion(credentials: dict[str, str], audience: str, now: float, **changes: Any) -> str:
    claims = {
        "iss": credentials["client_id"],
        "scope": ["rest_webservices"],
        "aud": audience,
        "iat": int(now),
        "exp": int(now) + 3600,
    }
    key = changes.pop("key", credentials["private_key_pem"])
    headers = {"kid": changes.pop("kid", credentials["certificate_id"]), "typ": "JWT"}
    claims.update(changes)
    return jwt.encode(claims, key, algorithm="PS256", headers=headers)


@dataclass
class NetSuite:
    sandbox: NetSuiteSandbox
    url: str
    client: httpx.Client  # signed with TBA
    anonymous: httpx.Client  # no auth: for the token endpoint and rejection cases

    @property
    def credentials(self) -> dict[str, str]:
        return self.sandbox.credentials()

    def create(self, record_type: str, body: dict[str, Any]) -> str:
        response = self.client.post(f"{RECORDS}/{record_type}", json=body)
        assert response.status_code == 204, response.text
        return response.headers["location"].rsplit("/", 1)[-1]

    def get(self, record_type: str, key: str, **params: str) -> dict[str, Any]:
        response = self.client.get(f"{RECORDS}/{record_type}/{key}", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def tba(self, now: Callable[[], float] | None = None, **overrides: str) -> TbaAuth:
        """A TBA signer for these credentials (with ``overrides``) at the sandbox clock's time or ``now``."""
        return TbaAuth({**self.credentials, **overrides}, now or self.sandbox.clock.timestamp)

    def assertion(self, **changes: Any) -> str:
        now = changes.pop("now", self.sandbox.clock.timestamp())
        audience = changes.pop("audience", f"{self.url}{TOKEN_PATH}")
        return client_assertion(self.credentials, audience, now, **changes)

    def token(self, assertion: str) -> httpx.Response:
        return self.anonymous.post(
            TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
            },
        )

    def suiteql(self, query: str, **params: int) -> httpx.Response:
        return self.client.post(SUITEQL, json={"q": query}, params=params, headers={"Prefer": "transient"})


def serve_netsuite(sandbox: NetSuiteSandbox) -> Iterator[NetSuite]:
    with serve_in_thread(sandbox.app) as running:
        auth = TbaAuth(sandbox.credentials(), sandbox.clock.timestamp)
        with (
            httpx.Client(base_url=running.url, timeout=10, auth=auth) as client,
            httpx.Client(base_url=running.url, timeout=10) as anonymous,
        ):
            yield NetSuite(sandbox, running.url, client, anonymous)


@pytest.fixture(scope="module")
def served() -> Iterator[NetSuite]:
    """One seeded account (seed 7) served for the whole test module: starting servers is the slow part."""
    yield from serve_netsuite(build_sandbox(seed=7))


@pytest.fixture
def netsuite(served: NetSuite) -> NetSuite:
    """The module's account, reset to its seed with no faults, default limits and the warehouse off."""
    sandbox = served.sandbox
    sandbox.reset()
    sandbox.clock.reset()
    sandbox.faults.clear()
    sandbox.set_rate_limit_preset("default")
    sandbox.warehouse.configure({"enabled": False})
    return served
