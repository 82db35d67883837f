"""Logging in to the NetSuite sandbox: TBA signatures verified for real, OAuth 2.0 client credentials."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from oauthlib import oauth1

from erpsync.sandboxes.common import SandboxClock
from erpsync.sandboxes.netsuite.auth import AccountCredentials, SignedRequest, TokenBasedAuth
from erpsync.sandboxes.netsuite.errors import NetSuiteError

RECORDS = "/services/rest/record/v1"


def _assert_invalid_login(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized"
    assert body["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"


def _signer(credentials: dict[str, str]) -> oauth1.Client:
    return oauth1.Client(
        credentials["consumer_key"],
        client_secret=credentials["consumer_secret"],
        resource_owner_key=credentials["token_id"],
        resource_owner_secret=credentials["token_secret"],
        signature_method=oauth1.SIGNATURE_HMAC_SHA256,
        realm=credentials["realm"],
    )


def test_signed_request_reads_a_customer_by_external_id(netsuite: Any) -> None:
    response = netsuite.client.get(f"{RECORDS}/customer/eid:cust-2001")
    assert response.status_code == 200
    assert response.json()["entityId"] == "C2001"


def test_signature_covers_query_parameters(netsuite: Any) -> None:
    response = netsuite.client.get(f"{RECORDS}/customer", params={"limit": "2", "q": 'entityId IS "C2003"'})
    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == 1
    _, headers, _ = _signer(netsuite.credentials).sign(f"{netsuite.url}{RECORDS}/customer?limit=5")
    _assert_invalid_login(netsuite.anonymous.get(f"{RECORDS}/customer?limit=6", headers=headers))


def test_wrong_token_secret_or_realm_is_rejected(netsuite: Any) -> None:
    _assert_invalid_login(
        netsuite.anonymous.get(f"{RECORDS}/customer", auth=netsuite.tba(token_secret="0" * 64))
    )
    _assert_invalid_login(netsuite.anonymous.get(f"{RECORDS}/customer", auth=netsuite.tba(realm="7654321")))


def test_stale_timestamp_is_rejected_by_the_sandbox_clock(netsuite: Any) -> None:
    clock = netsuite.sandbox.clock
    six_minutes_ago = netsuite.tba(lambda: clock.timestamp() - 360)
    _assert_invalid_login(netsuite.anonymous.get(f"{RECORDS}/customer", auth=six_minutes_ago))
    four_minutes_ago = netsuite.tba(lambda: clock.timestamp() - 240)
    assert netsuite.anonymous.get(f"{RECORDS}/customer", auth=four_minutes_ago).status_code == 200


def test_replayed_nonce_is_rejected(netsuite: Any) -> None:
    _, headers, _ = _signer(netsuite.credentials).sign(f"{netsuite.url}{RECORDS}/customer", http_method="GET")
    assert netsuite.anonymous.get(f"{RECORDS}/customer", headers=headers).status_code == 200
    _assert_invalid_login(netsuite.anonymous.get(f"{RECORDS}/customer", headers=headers))


def test_missing_or_foreign_authorization_is_rejected(netsuite: Any) -> None:
    _assert_invalid_login(netsuite.anonymous.get(f"{RECORDS}/customer"))
    _assert_invalid_login(
        netsuite.anonymous.get(f"{RECORDS}/customer", headers={"Authorization": "Basic eDp5"})
    )
    _assert_invalid_login(
        netsuite.anonymous.get(f"{RECORDS}/customer", headers={"Authorization": "Bearer nope"})
    )


def test_oauth2_client_credentials_token_reads_records_until_it_expires(netsuite: Any) -> None:
    response = netsuite.token(netsuite.assertion())
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["token_type"] == "bearer" and answer["expires_in"] == "3600"
    bearer = {"Authorization": f"Bearer {answer['access_token']}"}
    assert netsuite.anonymous.get(f"{RECORDS}/customer/eid:cust-2001", headers=bearer).status_code == 200
    netsuite.sandbox.clock.advance(3601)
    _assert_invalid_login(netsuite.anonymous.get(f"{RECORDS}/customer/eid:cust-2001", headers=bearer))


def test_jwt_signed_with_another_key_is_refused(netsuite: Any) -> None:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    response = netsuite.token(netsuite.assertion(key=other_key))
    assert response.status_code == 400 and response.json() == {"error": "invalid_grant"}


def test_jwt_with_wrong_certificate_audience_expiry_or_scope_is_refused(netsuite: Any) -> None:
    assert netsuite.token(netsuite.assertion(kid="another-certificate")).json() == {"error": "invalid_client"}
    assert netsuite.token(netsuite.assertion(audience="https://elsewhere/token")).status_code == 400
    now = netsuite.sandbox.clock.timestamp()
    expired = netsuite.assertion(now=now - 7200, exp=int(now) - 3600)
    assert netsuite.token(expired).json() == {"error": "invalid_grant"}
    assert netsuite.token(netsuite.assertion(scope=["restlets"])).json() == {"error": "invalid_scope"}


def test_after_the_sandbox_clock_moves_host_clock_signatures_still_log_in(netsuite: Any) -> None:
    netsuite.sandbox.clock.advance(7200)
    host_clock = netsuite.tba(time.time)
    assert netsuite.anonymous.get(f"{RECORDS}/customer", auth=host_clock).status_code == 200
    assert netsuite.client.get(f"{RECORDS}/customer").status_code == 200  # signed by the sandbox clock
    stale = netsuite.tba(lambda: time.time() - 360)
    _assert_invalid_login(netsuite.anonymous.get(f"{RECORDS}/customer", auth=stale))
    assert netsuite.token(netsuite.assertion(now=time.time())).status_code == 200


query_values = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(params=st.dictionaries(st.text(alphabet="abcXYZ_-.~ +&=%", min_size=1, max_size=8), query_values))
def test_any_query_signed_by_oauthlib_verifies_and_a_changed_one_does_not(params: dict[str, str]) -> None:
    """RFC 5849 encoding round trip: an independent signer, the sandbox verifier, arbitrary parameters."""
    clock = SandboxClock()
    credentials = AccountCredentials(
        "1234567_SB1", "ck", "cs", "tk", "ts", "client", "cert", private_key_pem="", public_key_pem=""
    )
    verifier = TokenBasedAuth(credentials, clock)
    query = urlencode(params)
    url = f"http://127.0.0.1:8080/services/rest/record/v1/customer/eid:A-1{'?' + query if query else ''}"
    signer = _signer(credentials.as_dict())
    _, headers, _ = signer.sign(url, http_method="GET")
    base_uri = "http://127.0.0.1:8080/services/rest/record/v1/customer/eid:A-1"
    verifier.verify(SignedRequest("GET", base_uri, query, headers["Authorization"]))
    _, headers, _ = signer.sign(url, http_method="GET")
    tampered = urlencode({**params, "limit": "999"})
    with pytest.raises(NetSuiteError):
        verifier.verify(SignedRequest("GET", base_uri, tampered, headers["Authorization"]))
