"""The two ways a NetSuite integration authenticates, each an ``httpx.Auth`` a client composes.

``TokenBasedAuth`` (TBA, OAuth 1.0a with HMAC-SHA256) signs every request::

    Authorization: OAuth realm="1234567_SB1", oauth_consumer_key="…", oauth_token="…",
        oauth_signature_method="HMAC-SHA256", oauth_timestamp="1764842400", oauth_nonce="…",
        oauth_version="1.0", oauth_signature="…"

``OAuth2ClientCredentials`` (machine to machine) trades a JWT assertion signed with the certificate's private
key for a 60-minute bearer token, caches it and sends ``Authorization: Bearer …``::

    POST /services/rest/auth/oauth2/v1/token
    grant_type=client_credentials&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
    &client_assertion=<JWT: header {alg: PS256, typ: JWT, kid: <certificate id>},
                        claims {iss: <client id>, scope: [rest_webservices], aud: <token url>, iat, exp}>

Oracle prefers OAuth 2.0 for new integrations and blocks new TBA integrations from release 2027.1
(docs/connectors/netsuite.md cites the sources). Neither class ever puts a secret in a repr, log or error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

import httpx
import jwt

from erpsync.errors import ConfigError, TransientError

SYSTEM = "netsuite"
TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_FORM = "application/x-www-form-urlencoded"


def netsuite_realm(account_id: str) -> str:
    """The OAuth realm NetSuite expects: the account id upper-cased, ``-`` as ``_``.

    ``"1234567-sb1"`` → ``"1234567_SB1"``.
    """
    return account_id.strip().upper().replace("-", "_")


def percent_encode(value: str) -> str:
    """RFC 5849 §3.6: UTF-8, then every byte outside the unreserved set ``A-Z a-z 0-9 - . _ ~`` as ``%XX``."""
    return quote(value.encode("utf-8"), safe="-._~")


def base_string_uri(url: httpx.URL) -> str:
    """RFC 5849 §3.4.1.2: lower-case scheme and host, the port only when not the scheme's default, the path as
    sent, no query."""
    scheme, host = url.scheme.lower(), (url.host or "").lower()
    default_port = {"http": 80, "https": 443}.get(scheme)
    authority = host if url.port in (None, default_port) else f"{host}:{url.port}"
    path = url.raw_path.split(b"?", 1)[0].decode("ascii") or "/"
    return f"{scheme}://{authority}{path}"


def normalized_parameters(parameters: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1.3.2: encode names and values, sort by name then value, join as ``n=v&n=v``."""
    encoded = sorted((percent_encode(name), percent_encode(value)) for name, value in parameters)
    return "&".join(f"{name}={value}" for name, value in encoded)


def signature_base_string(method: str, url: httpx.URL, parameters: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1: ``METHOD&enc(base uri)&enc(normalized parameters)``.

    ``parameters`` are the query's, a form body's and the ``oauth_*`` ones (without ``realm`` and
    ``oauth_signature``); a JSON body is not part of the signature.
    """
    return "&".join(
        (
            method.upper(),
            percent_encode(base_string_uri(url)),
            percent_encode(normalized_parameters(parameters)),
        )
    )


def sign_hmac_sha256(base_string: str, consumer_secret: str, token_secret: str) -> str:
    """RFC 5849 §3.4.2 with SHA-256: key ``enc(consumer secret)&enc(token secret)``, base64 of the digest."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}".encode()
    digest = hmac.new(key, base_string.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def request_parameters(request: httpx.Request) -> list[tuple[str, str]]:
    """The query parameters and, for a form-encoded body, the body's (RFC 5849 §3.4.1.3.1)."""
    parameters = parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == _FORM and request.content:
        parameters += parse_qsl(request.content.decode("utf-8"), keep_blank_values=True)
    return parameters


class TokenBasedAuth(httpx.Auth):
    """NetSuite token-based authentication: OAuth 1.0a, HMAC-SHA256, realm = account id.

    ``clock`` and ``nonce`` are injectable so a test can reproduce an exact signature.
    """

    requires_request_body = True

    def __init__(
        self,
        account_id: str,
        consumer_key: str,
        consumer_secret: str,
        token_id: str,
        token_secret: str,
        *,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self.realm = netsuite_realm(account_id)
        self.consumer_key = consumer_key
        self.token_id = token_id
        self._consumer_secret = consumer_secret
        self._token_secret = token_secret
        self._clock = clock
        self._nonce = nonce

    def __repr__(self) -> str:
        return f"TokenBasedAuth(realm={self.realm!r}, consumer_key={self.consumer_key[:6]!r}…)"

    def authorization_header(self, request: httpx.Request) -> str:
        oauth = {
            "oauth_consumer_key": self.consumer_key,
            "oauth_token": self.token_id,
            "oauth_signature_method": "HMAC-SHA256",
            "oauth_timestamp": str(int(self._clock())),
            "oauth_nonce": self._nonce(),
            "oauth_version": "1.0",
        }
        base = signature_base_string(
            request.method, request.url, [*request_parameters(request), *oauth.items()]
        )
        oauth["oauth_signature"] = sign_hmac_sha256(base, self._consumer_secret, self._token_secret)
        fields = [f'realm="{self.realm}"'] + [
            f'{name}="{percent_encode(value)}"' for name, value in oauth.items()
        ]
        return "OAuth " + ", ".join(fields)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.authorization_header(request)
        yield request


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: float


class OAuth2ClientCredentials(httpx.Auth):
    """NetSuite OAuth 2.0 client credentials (M2M): JWT assertion → cached bearer token.

    The token is reused until ``refresh_margin`` seconds before it expires. A 401 on a cached token (revoked,
    or the server restarted) fetches one fresh token and retries the request once.
    """

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        certificate_id: str,
        private_key_pem: str | bytes,
        *,
        scopes: Iterable[str] = ("rest_webservices",),
        algorithm: str = "PS256",
        assertion_lifetime: int = 300,
        refresh_margin: float = 120.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.certificate_id = certificate_id
        self.scopes = list(scopes)
        self.algorithm = algorithm
        self._private_key = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
        self._assertion_lifetime = assertion_lifetime
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._token: AccessToken | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"OAuth2ClientCredentials(token_url={self.token_url!r}, certificate_id={self.certificate_id!r})"
        )

    def client_assertion(self) -> str:
        """The signed JWT of NetSuite's "request token structure" (exp at most 60 minutes after iat)."""
        issued_at = int(self._clock())
        claims = {
            "iss": self.client_id,
            "scope": self.scopes,
            "aud": self.token_url,
            "iat": issued_at,
            "exp": issued_at + self._assertion_lifetime,
        }
        try:
            return jwt.encode(
                claims, self._private_key, algorithm=self.algorithm, headers={"kid": self.certificate_id}
            )
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise ConfigError(
                f"NetSuite OAuth 2.0: the certificate private key cannot sign {self.algorithm} "
                f"({type(exc).__name__})",
                system=SYSTEM,
                suggested_fix="configure the PEM private key of the certificate mapped in the M2M setup",
            ) from None

    def token_request(self) -> httpx.Request:
        form = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER}
        form["client_assertion"] = self.client_assertion()
        return httpx.Request("POST", self.token_url, data=form, headers={"Accept": "application/json"})

    def cached_token(self) -> AccessToken | None:
        with self._lock:
            token = self._token
        if token is not None and token.expires_at - self._refresh_margin > self._clock():
            return token
        return None

    def forget_token(self) -> None:
        with self._lock:
            self._token = None

    def accept_token_response(self, response: httpx.Response) -> AccessToken:
        _raise_for_token_failure(response)
        body = response.json()
        token = AccessToken(
            value=str(body["access_token"]), expires_at=self._clock() + float(body.get("expires_in", 3600))
        )
        with self._lock:
            self._token = token
        return token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.cached_token()
        was_cached = token is not None
        if token is None:
            token = self.accept_token_response((yield self.token_request()))
        request.headers["Authorization"] = f"Bearer {token.value}"
        response = yield request
        if response.status_code == 401 and was_cached:
            self.forget_token()
            token = self.accept_token_response((yield self.token_request()))
            request.headers["Authorization"] = f"Bearer {token.value}"
            yield request


def _raise_for_token_failure(response: httpx.Response) -> None:
    if response.is_success:
        return
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(
            f"NetSuite token endpoint answered {response.status_code}; try again later",
            retry_after=_seconds(response.headers.get("retry-after")),
            system=SYSTEM,
        )
    try:
        reason = str(response.json().get("error", "unknown"))
    except ValueError:
        reason = "unknown"
    raise ConfigError(
        f"NetSuite refused the OAuth 2.0 client credentials ({response.status_code} {reason})",
        system=SYSTEM,
        suggested_fix="check the client id, the certificate id (kid) and that the certificate is mapped "
        "and not revoked in Setup > Integration > OAuth 2.0 Client Credentials (M2M) Setup",
    )


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def auth_from_credentials(base_url: str, credentials: Mapping[str, str]) -> httpx.Auth:
    """The auth a credentials mapping calls for (a config file's or a sandbox ready line's): OAuth 2.0 when it
    holds ``client_id``, ``certificate_id`` and ``private_key_pem``, else TBA from ``account_id``,
    ``consumer_key``, ``consumer_secret``, ``token_id`` and ``token_secret``."""
    if all(credentials.get(name) for name in ("client_id", "certificate_id", "private_key_pem")):
        return OAuth2ClientCredentials(
            base_url.rstrip("/") + TOKEN_PATH,
            credentials["client_id"],
            credentials["certificate_id"],
            credentials["private_key_pem"],
        )
    tba = ("account_id", "consumer_key", "consumer_secret", "token_id", "token_secret")
    missing = [name for name in tba if not credentials.get(name)]
    if missing:
        raise ConfigError(
            f"NetSuite credentials are incomplete: {', '.join(missing)} missing",
            system=SYSTEM,
            suggested_fix="give client_id, certificate_id and private_key_pem (OAuth 2.0), or the TBA values",
        )
    return TokenBasedAuth(*(credentials[name] for name in tba))
