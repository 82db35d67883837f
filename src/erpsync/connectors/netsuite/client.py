"""The NetSuite REST client: records, external-id upserts, transforms and SuiteQL over one httpx client.

It composes the small parts of this package: an ``httpx.Auth`` from ``auth.py`` (TBA or OAuth 2.0), the
``ConcurrencyBudget`` (``budget.py``), the paging rules (``paging.py``) and the error decoding
(``errors.py``).
Every call returns plain NetSuite JSON; ``translate.py`` turns it into canonical records.

    client = NetSuiteClient("https://1234567.suitetalk.api.netsuite.com", auth)
    order_id = client.upsert("salesOrder", "shopify-1042", {"entity": {"id": "107"}, ...})  # PUT …/eid:…
    for row in client.suiteql_rows("SELECT id FROM item WHERE itemid = 'SKU-1'"):
        ...

Retries: a 429 (concurrency limit), a 5xx or a connection failure is retried a few times with exponential
backoff and full jitter, honouring ``Retry-After``; then it is raised as ``TransientError`` for the engine's
retry policy. A request that is not idempotent (a ``POST`` create or transform) is retried only when NetSuite
cannot have acted on it (429, or the connection never opened), so a retry never doubles a record.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from erpsync.connectors.netsuite.budget import ConcurrencyBudget, holding
from erpsync.connectors.netsuite.errors import SYSTEM, NetSuiteDataError, decode_error
from erpsync.connectors.netsuite.paging import MAX_LIMIT, Page, check_window
from erpsync.errors import ConfigError, ErpsyncError, TransientError

RECORD_PATH = "/services/rest/record/v1"
SUITEQL_PATH = "/services/rest/query/v1/suiteql"
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_-]+")
_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


def external_id_for(key: str) -> str:
    """An ``externalId`` NetSuite accepts in ``eid:`` paths (letters, digits, ``_``, ``-``) made from any key.

    Every other character, and ``_`` itself, becomes ``_XX`` (its UTF-8 bytes in hex), so distinct keys stay
    distinct: ``"shopify:1042"`` → ``"shopify_3A1042"``.
    """
    if not key:
        raise ValueError("an external id cannot be empty")
    out: list[str] = []
    for char in key:
        if char != "_" and _EXTERNAL_ID.fullmatch(char):
            out.append(char)
        else:
            out.extend(f"_{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def id_from_location(location: str | None) -> str | None:
    """The record id at the end of a ``Location`` header (``…/record/v1/salesOrder/1234`` → ``"1234"``)."""
    if not location:
        return None
    tail = urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
    return tail or None


@dataclass(frozen=True)
class RetryRule:
    """How often and how long the client itself retries one request before handing over to the engine.

    A ``Retry-After`` longer than ``max_wait`` is not slept on here: the ``TransientError`` carries it to the
    engine, which reschedules the step instead of holding a worker thread.
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_wait: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = random.uniform(0.0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))
        return max(backoff, retry_after or 0.0)


class NetSuiteClient:
    """One NetSuite account's REST web services. Thread-safe; close it (or use ``with``) when done."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        *,
        budget: ConcurrencyBudget | None = None,
        retry: RetryRule | None = None,
        timeout: float = 60.0,
        budget_timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.retry = retry or RetryRule()
        self.budget_timeout = budget_timeout
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=auth,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
        )

    def __enter__(self) -> NetSuiteClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- the one request path --------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        record: str,
        idempotent: bool,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request with the budget held, retrying what is safe to retry; raise decoded errors.

        ``record`` names what is read or written, for error messages ("salesOrder eid:shopify-1042").
        """
        last_error: ErpsyncError | None = None
        for attempt in range(1, self.retry.attempts + 1):
            try:
                response = self._send_once(method, path, params=params, json=json, headers=headers)
            except httpx.TransportError as exc:
                last_error = _transport_error(exc, method, record)
                if not (idempotent or isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)):
                    raise last_error from None
            except TransientError as exc:  # the OAuth 2.0 token endpoint or the budget was busy
                last_error = exc
            else:
                if response.is_success:
                    return response
                error = decode_error(response, record=record)
                status = response.status_code
                if status not in _RETRYABLE_STATUS or (status != 429 and not idempotent):
                    raise error
                last_error = error
            retry_after = getattr(last_error, "retry_after", None)
            if attempt == self.retry.attempts or (retry_after or 0.0) > self.retry.max_wait:
                break
            self.retry.sleep(self.retry.delay(attempt, retry_after))
        assert last_error is not None
        raise last_error

    def _send_once(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None,
        json: Any,
        headers: dict[str, str] | None,
    ) -> httpx.Response:
        if self.budget is None:
            return self._http.request(method, path, params=params, json=json, headers=headers)
        with holding(self.budget, timeout=self.budget_timeout):
            return self._http.request(method, path, params=params, json=json, headers=headers)

    # -- records --------------------------------------------------------------------------------------

    def get(
        self,
        record_type: str,
        record_id: str,
        *,
        expand_sub_resources: bool = True,
        fields: list[str] | None = None,
    ) -> dict[str, Any]:
        """One record by internal id, or by external id when ``record_id`` is ``"eid:…"``."""
        params: dict[str, Any] = {}
        if expand_sub_resources:
            params["expandSubResources"] = "true"
        if fields:
            params["fields"] = ",".join(fields)
        path = _record_path(record_type, record_id)
        response = self.request(
            "GET", path, record=f"{record_type} {record_id}", idempotent=True, params=params
        )
        body: dict[str, Any] = response.json()
        return body

    def find_by_external_id(self, record_type: str, external_id: str) -> dict[str, Any] | None:
        """The record with this ``externalId``, or None when there is none (404)."""
        try:
            return self.get(record_type, f"eid:{external_id}")
        except NetSuiteDataError as exc:
            if exc.not_found:
                return None
            raise

    def create(self, record_type: str, body: dict[str, Any]) -> str:
        """``POST`` a new record; NetSuite answers 204 with the new record's URL in ``Location``.

        Not idempotent: prefer ``upsert`` with an external id, which a retry cannot double.
        """
        response = self.request(
            "POST", _record_path(record_type), record=f"new {record_type}", idempotent=False, json=body
        )
        return _created_id(response, record_type)

    def upsert(self, record_type: str, external_id: str, body: dict[str, Any]) -> str:
        """Create or update the record whose ``externalId`` is ``external_id`` (``PUT …/{type}/eid:{id}``,
        Oracle help section_156335203191) and return its internal id. Safe to repeat."""
        path = _record_path(record_type, f"eid:{external_id}")
        record = f"{record_type} eid:{external_id}"
        response = self.request("PUT", path, record=record, idempotent=True, json=body)
        created = id_from_location(response.headers.get("location"))
        if created is not None and not created.startswith("eid:"):
            return created
        found = self.get(record_type, f"eid:{external_id}", expand_sub_resources=False, fields=["id"])
        return str(found["id"])

    def update(
        self, record_type: str, record_id: str, body: dict[str, Any], *, replace: str | None = None
    ) -> None:
        """``PATCH`` the given fields of a record (other fields keep their values). Sublist lines naming a
        ``line`` update it and others are added; ``replace="item"`` makes the given lines the whole sublist
        (how a line is deleted: Oracle help chapter_1545142407)."""
        path = _record_path(record_type, record_id)
        params = {"replace": replace} if replace else None
        self.request(
            "PATCH", path, record=f"{record_type} {record_id}", idempotent=True, json=body, params=params
        )

    def delete(self, record_type: str, record_id: str) -> None:
        path = _record_path(record_type, record_id)
        self.request("DELETE", path, record=f"{record_type} {record_id}", idempotent=True)

    def list_page(
        self, record_type: str, *, limit: int = MAX_LIMIT, offset: int = 0, q: str | None = None
    ) -> Page:
        """One page of a record collection (ids and links only); ``q`` is NetSuite's record filter."""
        check_window(limit, offset)
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if q:
            params["q"] = q
        response = self.request(
            "GET", _record_path(record_type), record=f"{record_type} list", idempotent=True, params=params
        )
        return Page.from_body(response.json(), requested_offset=offset)

    def list_ids(self, record_type: str, *, limit: int = MAX_LIMIT, q: str | None = None) -> Iterator[str]:
        """Every id of a record collection, page after page."""
        offset: int | None = 0
        while offset is not None:
            page = self.list_page(record_type, limit=limit, offset=offset, q=q)
            yield from (str(item["id"]) for item in page.items)
            offset = page.next_offset if page.has_more else None

    def transform(
        self, source_type: str, source_id: str, target_type: str, body: dict[str, Any] | None = None
    ) -> str:
        """``POST …/{source}/{id}/!transform/{target}`` (Oracle help section_157901123882): a new record made
        from the source (a sales order into an item fulfillment or an invoice); returns the new id.

        Not idempotent by itself: callers put an ``externalId`` in ``body`` and look it up before retrying.
        """
        path = f"{_record_path(source_type, source_id)}/!transform/{quote(target_type, safe='')}"
        record = f"{target_type} from {source_type} {source_id}"
        response = self.request("POST", path, record=record, idempotent=False, json=body or {})
        return _created_id(response, target_type)

    # -- SuiteQL -------------------------------------------------------------------------------------

    def suiteql(self, query: str, *, limit: int = MAX_LIMIT, offset: int = 0) -> Page:
        """One page of a SuiteQL query (``Prefer: transient`` is required by NetSuite on this endpoint).

        A SuiteQL ``POST`` only reads, so it is retried like a ``GET``.
        """
        check_window(limit, offset)
        response = self.request(
            "POST",
            SUITEQL_PATH,
            record="SuiteQL query",
            idempotent=True,
            params={"limit": limit, "offset": offset},
            json={"q": query},
            headers={"Prefer": "transient"},
        )
        return Page.from_body(response.json(), requested_offset=offset)

    def suiteql_rows(self, query: str, *, limit: int = MAX_LIMIT) -> Iterator[dict[str, Any]]:
        """Every row of a SuiteQL query, page after page (at most 100,000: narrow the query beyond that)."""
        offset: int | None = 0
        while offset is not None:
            page = self.suiteql(query, limit=limit, offset=offset)
            for row in page.items:
                yield {name: value for name, value in row.items() if name != "links"}
            offset = page.next_offset if page.has_more else None


def _record_path(record_type: str, record_id: str | None = None) -> str:
    path = f"{RECORD_PATH}/{quote(record_type, safe='')}"
    return path if record_id is None else f"{path}/{quote(record_id, safe=':')}"


def _created_id(response: httpx.Response, record_type: str) -> str:
    created = id_from_location(response.headers.get("location"))
    if created is None:
        # Retrying could create the record twice, so this is not transient: the base URL is probably not
        # NetSuite's REST endpoint (a proxy answering 2xx on its own).
        raise ConfigError(
            f"NetSuite answered {response.status_code} to a {record_type} create without a Location header",
            system=SYSTEM,
            record=record_type,
            suggested_fix="point base_url at https://<account>.suitetalk.api.netsuite.com",
        )
    return created


def _transport_error(exc: httpx.TransportError, method: str, record: str) -> TransientError:
    return TransientError(
        f"NetSuite {method} for {record} failed before an answer: {type(exc).__name__}",
        system=SYSTEM,
        record=record,
    )
