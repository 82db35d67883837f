"""``TrytonClient``: JSON-RPC over httpx to one trytond database, with a login session.

trytond serves JSON-RPC at ``POST <url>/<database>/rpc/`` (trytond 8.x, ``trytond/protocols/dispatcher.py``)::

    {"id": 1, "method": "common.db.login", "params": ["admin", {"password": "..."}, "en"]}
        -> {"id": 1, "result": [1, "c0ffee...", null]}            user id, session key, bus URL
    {"id": 2, "method": "model.sale.sale.search_read",
     "params": [[["reference", "=", "#1042"]], 0, 1, null, ["id", "state"], {...context}]}
        -> {"id": 2, "result": [{"id": 7, "state": "processing"}]}

After login every request carries ``Authorization: Session base64(login:user_id:session)``: one password
check per client instead of one per request (a password hash costs far more than a session lookup). A 401
later means the session expired: the client logs in again once and repeats the call.
Every ``model.*`` call takes the user's context (company, language) as its last parameter; the client reads
it once with ``model.res.user.get_preferences`` and adds it.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Sequence
from typing import Any

import httpx

from erpsync.connectors.tryton import codec
from erpsync.connectors.tryton.errors import SYSTEM, decode_http_status, decode_rpc_error
from erpsync.errors import TransientError

Domain = list[Any]
Row = dict[str, Any]


class TrytonClient:
    """One Tryton database as seen by one user; ``model(...)`` calls any exposed model method."""

    def __init__(
        self,
        url: str,
        database: str,
        login: str,
        password: str,
        *,
        language: str = "en",
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.rpc_url = f"{url.rstrip('/')}/{database}/rpc/"
        self.database = database
        self.login_name = login
        self._password = password
        self.language = language
        self._http = httpx.Client(timeout=timeout, transport=transport)
        self._authorization: str | None = None
        self._context: dict[str, Any] | None = None
        self._ids = itertools.count(1)

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:  # never shows the password or the session key
        return f"TrytonClient({self.rpc_url!r}, login={self.login_name!r})"

    # -- session -------------------------------------------------------------------------------------

    def login(self) -> None:
        """Open a session (``common.db.login``); a wrong password is a ConfigError."""
        result = self._post("common.db.login", [self.login_name, {"password": self._password}, self.language])
        user_id, session = result[0], result[1]
        token = base64.b64encode(f"{self.login_name}:{user_id}:{session}".encode()).decode()
        self._authorization = f"Session {token}"
        self._context = None

    @property
    def context(self) -> dict[str, Any]:
        """The user's preferences as Tryton's context (company, currency, language...), read once."""
        if self._context is None:
            preferences = self.call("model.res.user.get_preferences", True, {})
            self._context = {key: value for key, value in preferences.items() if key != "locale"}
        return self._context

    # -- calls ---------------------------------------------------------------------------------------

    def call(self, method: str, *params: Any) -> Any:
        """One JSON-RPC call in the session, logging in first or again when needed."""
        if self._authorization is None:
            self.login()
        try:
            return self._post(method, list(params), authorized=True)
        except _SessionExpired:
            self.login()
            return self._post(method, list(params), authorized=True)

    def model(self, model: str, method: str, *args: Any, context: dict[str, Any] | None = None) -> Any:
        """``model.<model>.<method>(*args, context)`` with the user's context (plus ``context``)."""
        return self.call(f"model.{model}.{method}", *args, {**self.context, **(context or {})})

    def search_read(
        self,
        model: str,
        domain: Domain,
        fields: Sequence[str],
        *,
        offset: int = 0,
        limit: int | None = None,
        order: Sequence[tuple[str, str]] | None = None,
        context: dict[str, Any] | None = None,
    ) -> list[Row]:
        order_param = [list(item) for item in order] if order else None
        rows = self.model(
            model, "search_read", domain, offset, limit, order_param, list(fields), context=context
        )
        return list(rows)

    def read(self, model: str, ids: Sequence[int], fields: Sequence[str]) -> list[Row]:
        return list(self.model(model, "read", list(ids), list(fields))) if ids else []

    def create(self, model: str, values: Sequence[Row]) -> list[int]:
        return [int(record_id) for record_id in self.model(model, "create", list(values))]

    def write(self, model: str, ids: Sequence[int], values: Row) -> None:
        if ids:
            self.model(model, "write", list(ids), values)

    def button(self, model: str, button: str, ids: Sequence[int]) -> Any:
        """A workflow button (``sale.sale.confirm``, ``stock.shipment.out.pick``...) on ``ids``."""
        return self.model(model, button, list(ids)) if ids else None

    # -- transport -----------------------------------------------------------------------------------

    def _post(self, method: str, params: list[Any], *, authorized: bool = False) -> Any:
        headers = {"Authorization": self._authorization} if authorized and self._authorization else {}
        payload = {"id": next(self._ids), "method": method, "params": codec.encode(params)}
        try:
            response = self._http.post(self.rpc_url, json=payload, headers=headers)
        except httpx.TransportError as exc:
            raise TransientError(
                f"Tryton at {self.rpc_url} unreachable during {method}: {type(exc).__name__}",
                system=SYSTEM,
                record=f"Tryton call {method}",
            ) from exc
        if response.status_code == 401 and authorized:
            raise _SessionExpired
        if response.status_code != 200:
            raise decode_http_status(
                response.status_code, method=method, retry_after=response.headers.get("Retry-After")
            )
        body = response.json()
        if body.get("error") is not None:
            raise decode_rpc_error(body["error"], method=method)
        return codec.decode(body.get("result"))


class _SessionExpired(Exception):
    """HTTP 401 on a call with a session: log in again (trytond expires idle sessions)."""
