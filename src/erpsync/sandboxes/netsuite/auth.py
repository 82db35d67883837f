"""The two ways a client logs in to NetSuite REST web services, verified for real.

Token-based authentication (OAuth 1.0a, RFC 5849) with ``HMAC-SHA256``::

    Authorization: OAuth realm="1234567_SB1", oauth_consumer_key="...", oauth_token="...",
        oauth_signature_method="HMAC-SHA256", oauth_timestamp="1733300000", oauth_nonce="...",
        oauth_version="1.0", oauth_signature="base64(HMAC-SHA256(base string))"

OAuth 2.0 client credentials (machine to machine)::

    POST /services/rest/auth/oauth2/v1/token
    grant_type=client_credentials
    &client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
    &client_assertion=<JWT, PS256, header kid = certificate id, iss = client id, aud = token URL>
    -> {"access_token": "...", "expires_in": "3600", "token_type": "bearer"}

Facts: Oracle help section_162755359851 (OAuth 2.0 M2M), section_1546938065 (TBA, realm = account id).
Every failure answers NetSuite's single INVALID_LOGIN body: the real service does not say which part failed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from erpsync.sandboxes.common import SandboxClock
from erpsync.sandboxes.netsuite.errors import invalid_login

TIMESTAMP_WINDOW_SECONDS = 300  # [UNCONF] NetSuite's exact window is undocumented; 5 minutes is the brief's
ACCESS_TOKEN_SECONDS = 3600  # section_162755359851: M2M access tokens are valid for 60 minutes
JWT_ASSERTION_ALGORITHMS = ["PS256", "PS384", "PS512"]  # RSA-PSS, as the certificate key is RSA
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class AccountCredentials:
    """Everything a client needs, generated fresh for each sandbox (printed in the ready line)."""

    account_id: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str
    client_id: str
    certificate_id: str
    private_key_pem: str
    public_key_pem: str = field(repr=False)

    @property
    def realm(self) -> str:
        # The realm is the account id in upper case with "-" as "_" (e.g. 1234567_SB1).
        return self.account_id.upper().replace("-", "_")

    @classmethod
    def generate(cls, account_id: str = "1234567_SB1") -> AccountCredentials:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public_pem = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        return cls(
            account_id=account_id,
            consumer_key=secrets.token_hex(32),
            consumer_secret=secrets.token_hex(32),
            token_id=secrets.token_hex(32),
            token_secret=secrets.token_hex(32),
            client_id=secrets.token_hex(32),
            certificate_id=secrets.token_urlsafe(24),
            private_key_pem=private_pem,
            public_key_pem=public_pem,
        )

    def as_dict(self) -> dict[str, str]:
        return {
            "account_id": self.account_id,
            "realm": self.realm,
            "consumer_key": self.consumer_key,
            "consumer_secret": self.consumer_secret,
            "token_id": self.token_id,
            "token_secret": self.token_secret,
            "client_id": self.client_id,
            "certificate_id": self.certificate_id,
            "private_key_pem": self.private_key_pem,
        }


def accepted_nows(clock: SandboxClock) -> tuple[float, float]:
    """The moments a signed timestamp may be close to: the sandbox clock and the host clock.

    A test that moves the sandbox clock (to run the warehouse or expire tokens) still talks to the sandbox
    through clients that sign with the host clock, as real clients do; a timestamp far from both is stale.
    """
    return clock.timestamp(), time.time()


def percent_encode(value: str) -> str:
    """RFC 5849 section 3.6: everything but unreserved characters is %XX-encoded (upper-case hex)."""
    return quote(value, safe="~-._")


def parse_oauth_header(authorization: str) -> dict[str, str]:
    """The parameters of an ``Authorization: OAuth k="v", ...`` header, decoded (RFC 5849 section 3.5.1)."""
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() != "oauth":
        raise invalid_login()
    params: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, quoted = part.strip().partition("=")
        if not sep or not (quoted.startswith('"') and quoted.endswith('"')):
            raise invalid_login()
        params[unquote(name)] = unquote(quoted[1:-1])
    return params


def signature_base_string(method: str, base_uri: str, params: list[tuple[str, str]]) -> str:
    """RFC 5849 section 3.4.1: METHOD & encoded base URI & encoded normalised parameters."""
    encoded = sorted((percent_encode(name), percent_encode(value)) for name, value in params)
    normalised = "&".join(f"{name}={value}" for name, value in encoded)
    return "&".join([method.upper(), percent_encode(base_uri), percent_encode(normalised)])


def hmac_sha256_signature(base_string: str, consumer_secret: str, token_secret: str) -> str:
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode(), base_string.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass
class SignedRequest:
    """What TBA verification needs from one HTTP request."""

    method: str
    base_uri: str  # scheme://host[:port]/path, no query (RFC 5849 section 3.4.1.2)
    query: str
    authorization: str
    form_body: str | None = None  # only for application/x-www-form-urlencoded bodies


class TokenBasedAuth:
    """Verifies TBA signatures, timestamps and nonces against one account's consumer and token."""

    def __init__(self, credentials: AccountCredentials, clock: SandboxClock) -> None:
        self._credentials = credentials
        self._clock = clock
        self._seen_nonces: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def verify(self, request: SignedRequest) -> None:
        oauth = parse_oauth_header(request.authorization)
        creds = self._credentials
        if (
            oauth.get("realm") != creds.realm
            or oauth.get("oauth_consumer_key") != creds.consumer_key
            or oauth.get("oauth_token") != creds.token_id
            or oauth.get("oauth_signature_method") != "HMAC-SHA256"
            or oauth.get("oauth_version", "1.0") != "1.0"
        ):
            raise invalid_login()
        params = [(k, v) for k, v in oauth.items() if k not in ("realm", "oauth_signature")]
        params += parse_qsl(request.query, keep_blank_values=True)
        if request.form_body:
            params += parse_qsl(request.form_body, keep_blank_values=True)
        base = signature_base_string(request.method, request.base_uri, params)
        expected = hmac_sha256_signature(base, creds.consumer_secret, creds.token_secret)
        if not hmac.compare_digest(expected, oauth.get("oauth_signature", "")):
            raise invalid_login()
        self._check_fresh(oauth.get("oauth_timestamp", ""), oauth.get("oauth_nonce", ""))

    def _check_fresh(self, timestamp: str, nonce: str) -> None:
        try:
            sent_at = float(int(timestamp))
        except ValueError:
            raise invalid_login() from None
        if (
            not nonce
            or min(abs(now - sent_at) for now in accepted_nows(self._clock)) > TIMESTAMP_WINDOW_SECONDS
        ):
            raise invalid_login()
        with self._lock:
            self._forget_old_nonces(min(accepted_nows(self._clock)))
            if (nonce, timestamp) in self._seen_nonces:
                raise invalid_login()
            self._seen_nonces[(nonce, timestamp)] = sent_at

    def _forget_old_nonces(self, now: float) -> None:
        expired = [key for key, at in self._seen_nonces.items() if now - at > 2 * TIMESTAMP_WINDOW_SECONDS]
        for key in expired:
            del self._seen_nonces[key]


class OAuth2ClientCredentials:
    """Issues bearer tokens for JWT assertions signed with the certificate's private key."""

    def __init__(self, credentials: AccountCredentials, clock: SandboxClock) -> None:
        self._credentials = credentials
        self._clock = clock
        self._tokens: dict[str, float] = {}  # access token -> expiry (sandbox clock timestamp)
        self._lock = threading.Lock()

    def issue(self, form: dict[str, str], token_url: str) -> dict[str, str]:
        """Verify the assertion; return the token answer or raise OAuthError (RFC 6749 section 5.2)."""
        if form.get("grant_type") != "client_credentials":
            raise OAuthError("unsupported_grant_type")
        if form.get("client_assertion_type") != JWT_BEARER or not form.get("client_assertion"):
            raise OAuthError("invalid_request")
        self._verify_assertion(form["client_assertion"], token_url)
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._tokens[token] = self._clock.timestamp() + ACCESS_TOKEN_SECONDS
        return {"access_token": token, "expires_in": str(ACCESS_TOKEN_SECONDS), "token_type": "bearer"}

    def verify_bearer(self, authorization: str) -> None:
        scheme, _, token = authorization.partition(" ")
        with self._lock:
            expiry = self._tokens.get(token.strip())
        if scheme.lower() != "bearer" or expiry is None or self._clock.timestamp() >= expiry:
            raise invalid_login()

    def _verify_assertion(self, assertion: str, token_url: str) -> None:
        creds = self._credentials
        try:
            header = jwt.get_unverified_header(assertion)
            if header.get("kid") != creds.certificate_id or header.get("alg") not in JWT_ASSERTION_ALGORITHMS:
                raise OAuthError("invalid_client")
            claims = jwt.decode(
                assertion,
                creds.public_key_pem,
                algorithms=JWT_ASSERTION_ALGORITHMS,
                audience=token_url,
                issuer=creds.client_id,
                options={"require": ["exp", "iat", "iss", "aud"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise OAuthError("invalid_grant") from exc
        if not any(
            float(claims["iat"]) - 60 <= now < float(claims["exp"]) for now in accepted_nows(self._clock)
        ):
            raise OAuthError("invalid_grant")
        if float(claims["exp"]) - float(claims["iat"]) > 3600:
            raise OAuthError("invalid_grant")  # section_162755359851: an assertion lives one hour at most
        if "rest_webservices" not in _scopes(claims.get("scope")):
            raise OAuthError("invalid_scope")


def _scopes(scope: object) -> list[str]:
    if isinstance(scope, list):
        return [str(item) for item in scope]
    if isinstance(scope, str):
        return [item.strip() for item in scope.replace(",", " ").split()]
    return []


class OAuthError(Exception):
    """An OAuth 2.0 token endpoint error (RFC 6749 section 5.2): answered as 400 {"error": code}."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
