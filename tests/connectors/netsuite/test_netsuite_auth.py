"""The NetSuite signers: TBA signatures by RFC 5849 and the OAuth 2.0 client-credentials token dance."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from urllib.parse import parse_qs, unquote

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from erpsync.connectors.netsuite.auth import (
    JWT_BEARER,
    OAuth2ClientCredentials,
    TokenBasedAuth,
    netsuite_realm,
    request_parameters,
    sign_hmac_sha256,
    signature_base_string,
)
from erpsync.errors import ConfigError, TransientError


def test_realm_is_account_id_upper_cased_with_underscores() -> None:
    assert netsuite_realm("1234567-sb1") == "1234567_SB1"
    assert netsuite_realm("tstdrv123") == "TSTDRV123"


def test_base_string_matches_rfc_5849_example() -> None:
    # RFC 5849 §3.4.1.1: query and form-body parameters are decoded, re-encoded, sorted by name then value.
    request = httpx.Request(
        "POST",
        "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
        content=b"c2&a3=2+q",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    oauth = {
        "oauth_consumer_key": "9djdj82h48djs9d2",
        "oauth_token": "kkk9d7dh3k39sjv7",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "137131201",
        "oauth_nonce": "7d8f3e4a",
    }
    base = signature_base_string("post", request.url, [*request_parameters(request), *oauth.items()])
    assert base == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D"
        "%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a"
        "%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
    )


EXPECTED_NETSUITE_BASE = (
    "GET&https%3A%2F%2F1234567-sb1.suitetalk.api.netsuite.com%2Fservices%2Frest%2Frecord%2Fv1%2Fcustomer"
    "&limit%3D2%26oauth_consumer_key%3Dck%26oauth_nonce%3Dabc123%26oauth_signature_method%3DHMAC-SHA256"
    "%26oauth_timestamp%3D1764842400%26oauth_token%3Dtk%26oauth_version%3D1.0%26offset%3D0"
)


def _header_fields(header: str) -> dict[str, str]:
    assert header.startswith("OAuth ")
    fields = {}
    for part in header[len("OAuth ") :].split(", "):
        name, _, quoted = part.partition("=")
        fields[name] = unquote(quoted.strip('"'))
    return fields


def test_tba_header_carries_realm_and_an_hmac_sha256_signature_of_the_spec_base_string() -> None:
    auth = TokenBasedAuth(
        "1234567-sb1", "ck", "c+s/1", "tk", "t s=", clock=lambda: 1764842400.7, nonce=lambda: "abc123"
    )
    request = httpx.Request(
        "GET",
        "https://1234567-SB1.suitetalk.api.netsuite.com/services/rest/record/v1/customer?limit=2&offset=0",
    )
    fields = _header_fields(auth.authorization_header(request))

    # The key is enc(consumer secret) & enc(token secret) (RFC 5849 §3.4.2), written out by hand here.
    expected = base64.b64encode(
        hmac.new(b"c%2Bs%2F1&t%20s%3D", EXPECTED_NETSUITE_BASE.encode(), hashlib.sha256).digest()
    ).decode()
    assert fields == {
        "realm": "1234567_SB1",
        "oauth_consumer_key": "ck",
        "oauth_token": "tk",
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": "1764842400",
        "oauth_nonce": "abc123",
        "oauth_version": "1.0",
        "oauth_signature": expected,
    }


def test_tba_signature_covers_a_non_default_port_but_not_a_json_body() -> None:
    with_body = httpx.Request("POST", "http://127.0.0.1:8080/services/rest/query/v1/suiteql", json={"q": "x"})
    assert request_parameters(with_body) == []
    base = signature_base_string("POST", with_body.url, [])
    assert base.startswith("POST&http%3A%2F%2F127.0.0.1%3A8080%2Fservices")
    default_port = httpx.Request("GET", "https://example.com:443/a")
    assert signature_base_string("GET", default_port.url, []) == "GET&https%3A%2F%2Fexample.com%2Fa&"


def test_tba_uses_a_fresh_nonce_per_request_and_never_shows_secrets() -> None:
    auth = TokenBasedAuth("123", "consumer-key-1", "consumer-SECRET", "token-id", "token-SECRET")
    request = httpx.Request("GET", "https://123.suitetalk.api.netsuite.com/services/rest/record/v1/customer")
    first = _header_fields(auth.authorization_header(request))
    second = _header_fields(auth.authorization_header(request))
    assert first["oauth_nonce"] != second["oauth_nonce"]
    assert "SECRET" not in repr(auth) and "SECRET" not in str(first)


def test_hmac_sha256_signature_uses_both_secrets() -> None:
    assert sign_hmac_sha256("base", "a", "b") != sign_hmac_sha256("base", "a", "c")
    assert (
        sign_hmac_sha256("base", "a", "")
        == base64.b64encode(hmac.new(b"a&", b"base", hashlib.sha256).digest()).decode()
    )


# -- OAuth 2.0 client credentials ----------------------------------------------------------------------

TOKEN_URL = "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"


@pytest.fixture(scope="module")
def key_pair() -> tuple[str, rsa.RSAPublicKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, key.public_key()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_764_842_400.0

    def __call__(self) -> float:
        return self.now


def _m2m(key_pair: tuple[str, rsa.RSAPublicKey], clock: Callable[[], float]) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(TOKEN_URL, "client-1", "cert-kid-9", key_pair[0], clock=clock)


def test_client_assertion_is_a_ps256_jwt_with_kid_and_netsuite_claims(
    key_pair: tuple[str, rsa.RSAPublicKey],
) -> None:
    clock = FakeClock()
    assertion = _m2m(key_pair, clock).client_assertion()
    header = jwt.get_unverified_header(assertion)
    assert header["alg"] == "PS256" and header["kid"] == "cert-kid-9" and header["typ"] == "JWT"
    claims = jwt.decode(
        assertion, key_pair[1], algorithms=["PS256"], audience=TOKEN_URL, options={"verify_exp": False}
    )
    assert claims["iss"] == "client-1"
    assert claims["scope"] == ["rest_webservices"]
    assert claims["iat"] == int(clock.now)
    assert 0 < claims["exp"] - claims["iat"] <= 3600  # NetSuite: exp less than 60 minutes after iat


class TokenServer:
    """A MockTransport answering the token endpoint and one API path, counting token grants."""

    def __init__(self, token_status: int = 200) -> None:
        self.token_status = token_status
        self.grants = 0
        self.valid_tokens: set[str] = set()
        self.seen_forms: list[dict[str, list[str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/v1/token"):
            self.seen_forms.append(parse_qs(request.content.decode()))
            if self.token_status != 200:
                return httpx.Response(self.token_status, json={"error": "invalid_client"})
            self.grants += 1
            token = f"token-{self.grants}"
            self.valid_tokens.add(token)
            grant = {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}
            return httpx.Response(200, json=grant)
        presented = request.headers.get("authorization", "").removeprefix("Bearer ")
        if presented not in self.valid_tokens:
            return httpx.Response(401, json={"title": "Unauthorized", "status": 401})
        return httpx.Response(200, json={"ok": presented})


def _client(server: TokenServer, auth: httpx.Auth) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(server), auth=auth, base_url="https://1234567.test")


def test_bearer_token_is_fetched_once_and_reused_until_near_expiry(
    key_pair: tuple[str, rsa.RSAPublicKey],
) -> None:
    server, clock = TokenServer(), FakeClock()
    with _client(server, _m2m(key_pair, clock)) as client:
        assert client.get("/a").json() == {"ok": "token-1"}
        assert client.get("/b").json() == {"ok": "token-1"}
        clock.now += 3600 - 60  # inside the refresh margin: a new token before the old one lapses
        assert client.get("/c").json() == {"ok": "token-2"}
    assert server.grants == 2
    form = server.seen_forms[0]
    assert form["grant_type"] == ["client_credentials"]
    assert form["client_assertion_type"] == [JWT_BEARER]


def test_revoked_cached_token_is_replaced_once(key_pair: tuple[str, rsa.RSAPublicKey]) -> None:
    server = TokenServer()
    with _client(server, _m2m(key_pair, FakeClock())) as client:
        client.get("/a")
        server.valid_tokens.clear()  # the server forgot every token (revoked, restarted)
        assert client.get("/b").json() == {"ok": "token-2"}


def test_refused_client_credentials_are_a_config_error_without_secrets(
    key_pair: tuple[str, rsa.RSAPublicKey],
) -> None:
    server = TokenServer(token_status=400)
    with _client(server, _m2m(key_pair, FakeClock())) as client, pytest.raises(ConfigError) as caught:
        client.get("/a")
    assert "invalid_client" in caught.value.message
    assert "PRIVATE KEY" not in caught.value.message and "eyJ" not in caught.value.message


def test_token_endpoint_outage_is_transient(key_pair: tuple[str, rsa.RSAPublicKey]) -> None:
    server = TokenServer(token_status=503)
    with _client(server, _m2m(key_pair, FakeClock())) as client, pytest.raises(TransientError):
        client.get("/a")


def test_unusable_private_key_is_a_config_error() -> None:
    auth = OAuth2ClientCredentials(TOKEN_URL, "client-1", "kid", "not a pem key")
    with pytest.raises(ConfigError, match="private key"):
        auth.client_assertion()
