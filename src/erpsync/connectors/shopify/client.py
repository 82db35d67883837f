"""The GraphQL Admin API client: auth, cost-aware throttling, retries, error decoding, cursor paging.

Composed of small parts: ``CostBudget`` (throttle.py) decides when a query may go, ``CostEstimator``
(cost.py) what it will cost, ``VersionCheck`` (versions.py) watches the answering version, errors.py turns
failures into erpsync errors, ``RetrySchedule`` below says how often and how long to retry. Usage::

    client = GraphQLClient("acme.myshopify.com", token, "2026-04")
    shop = client.execute("{ shop { name currencyCode } }")["shop"]
    for product in client.paginate(PRODUCTS_QUERY, connection_path=("products",)):
        ...
    payload = client.mutate(SET_QUANTITIES, {"input": ...}, payload_key="inventorySetQuantities",
                            idempotency_key="flow-42:step-3", record="inventory SKU-1@Main")

Requests are ``POST {base}/admin/api/{version}/graphql.json`` with ``X-Shopify-Access-Token``
(https://shopify.dev/docs/api/admin-graphql). The token never appears in errors or logs.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import httpx

from erpsync.connectors.shopify.cost import CostEstimator
from erpsync.connectors.shopify.errors import (
    SYSTEM,
    config_error_for_status,
    data_error_for_user_errors,
    error_for_graphql_errors,
    is_throttled,
    is_transient,
)
from erpsync.connectors.shopify.throttle import CostBudget, QueryTooExpensive, ThrottleStatus
from erpsync.connectors.shopify.versions import VersionCheck
from erpsync.errors import DataError, TransientError

log = logging.getLogger(__name__)

# Shopify recommends UUIDs as idempotency keys; flows hand us "<workflow>:<step>" strings, so each is mapped
# to a stable UUID (same flow key → same Shopify key on every replay).
_IDEMPOTENCY_NAMESPACE = uuid.UUID("5b0e7c8e-2f6f-4f57-9a55-0c3f6f1d2a10")


def shopify_idempotency_key(key: str) -> str:
    """The UUID sent in ``@idempotent(key:)`` for a flow's idempotency key (deterministic)."""
    return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, key))


@dataclass(frozen=True)
class RetrySchedule:
    """How many times one request is tried and how long to wait between tries (full-jitter backoff)."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 10.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0.0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


_SHARED_BUDGETS: dict[str, CostBudget] = {}
_SHARED_LOCK = threading.Lock()


def shared_budget(shop_domain: str, base_url: str | None = None) -> CostBudget:
    """The process-wide budget of one shop: every client of that shop in this process draws from it."""
    key = f"{base_url or ''}|{shop_domain.lower()}"
    with _SHARED_LOCK:
        return _SHARED_BUDGETS.setdefault(key, CostBudget())


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying."""

    def __init__(
        self, reason: str, *, wait: float | None = None, sent: bool = True, throttled: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.sent = sent  # False when the request surely never reached Shopify (safe for any mutation)
        self.throttled = throttled


class GraphQLClient:
    """One shop's GraphQL Admin API, with throttling and retries built in."""

    system: ClassVar[str] = SYSTEM

    def __init__(
        self,
        shop_domain: str,
        access_token: str,
        api_version: str,
        *,
        base_url: str | None = None,
        budget: CostBudget | None = None,
        retry: RetrySchedule | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        today: date | None = None,
    ) -> None:
        self.shop_domain = shop_domain
        self.api_version = api_version
        self.budget = budget if budget is not None else shared_budget(shop_domain, base_url)
        self.retry = retry or RetrySchedule()
        self.estimator = CostEstimator()
        self.version_check = VersionCheck(shop_domain, api_version, today=today)
        self.throttled_responses = 0
        self._sleep = sleep
        root = (base_url or f"https://{shop_domain}").rstrip("/")
        headers = {"X-Shopify-Access-Token": access_token, "Content-Type": "application/json"}
        if base_url:
            # A proxy or sandbox serves many shops on one address and tells them apart by Host.
            headers["Host"] = shop_domain
        self.endpoint = f"{root}/admin/api/{api_version}/graphql.json"
        self.base_url = base_url.rstrip("/") if base_url else None
        self._http = httpx.Client(headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GraphQLClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public API ---------------------------------------------------------------------------------------

    def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation: str | None = None,
        retry_safe: bool | None = None,
    ) -> dict[str, Any]:
        """Run a query or mutation and return its ``data``.

        ``retry_safe`` says whether resending after an ambiguous failure (5xx, timeout, reset after the
        request left) cannot double a write; it defaults to True for queries and False for mutations, so a
        mutation without an idempotency key is retried only when Shopify surely did not run it (throttled,
        connection refused).
        """
        is_mutation = query.lstrip().startswith("mutation")
        safe = (not is_mutation) if retry_safe is None else retry_safe
        name = operation or _operation_name(query)
        last: _Retry | None = None
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return self._attempt(query, variables, name)
            except _Retry as failure:
                last = failure
                if failure.sent and not safe:
                    break
                if attempt < self.retry.attempts:
                    wait = failure.wait if failure.wait is not None else self.retry.delay(attempt)
                    log.info("Shopify %s: %s; retry %d in %.2fs", name, failure.reason, attempt, wait)
                    if wait > 0:
                        self._sleep(wait)
        assert last is not None
        if last.throttled:
            refill = self.budget.wait_time(self.estimator.estimate(query, variables))
            retry_after = max(last.wait or 0.0, refill)
        else:
            retry_after = last.wait if last.wait is not None else self.retry.delay(self.retry.attempts)
        raise TransientError(
            f"Shopify shop {self.shop_domain}: {name} failed ({last.reason})"
            + ("" if safe else "; not resent because the write may have happened and has no idempotency key"),
            retry_after=retry_after,
            system=SYSTEM,
        )

    def mutate(
        self,
        mutation: str,
        variables: Mapping[str, Any] | None = None,
        *,
        payload_key: str,
        record: str | None = None,
        idempotency_key: str | None = None,
        retry_safe: bool | None = None,
    ) -> dict[str, Any]:
        """Run a mutation; return its payload; raise DataError when the payload carries ``userErrors``.

        With ``idempotency_key`` the mutation must declare ``@idempotent(key: $idempotencyKey)``: Shopify
        returns the original result for a replayed key instead of applying the write again
        (https://shopify.dev/changelog/adding-idempotency-for-inventory-adjustments-and-refund-mutations),
        which also makes resending after an ambiguous failure safe.
        """
        merged = dict(variables or {})
        if idempotency_key is not None:
            if "@idempotent" not in mutation or "$idempotencyKey" not in mutation:
                raise ValueError(f"{payload_key}: an idempotency key needs @idempotent(key: $idempotencyKey)")
            merged["idempotencyKey"] = shopify_idempotency_key(idempotency_key)
            retry_safe = True if retry_safe is None else retry_safe
        data = self.execute(mutation, merged, operation=payload_key, retry_safe=retry_safe)
        payload = data.get(payload_key)
        if not isinstance(payload, dict):
            raise DataError(
                f"Shopify shop {self.shop_domain} returned no {payload_key} result"
                + (f" for {record}" if record else ""),
                system=SYSTEM,
                record=record,
            )
        user_errors = payload.get("userErrors") or []
        if user_errors:
            raise data_error_for_user_errors(
                user_errors, operation=payload_key, record=record, shop_domain=self.shop_domain
            )
        return payload

    def paginate(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        connection_path: Sequence[str],
        page_size: int = 50,
    ) -> Iterator[dict[str, Any]]:
        """Yield every node of a connection, page by page.

        The query declares ``$first: Int!`` and ``$after: String`` and asks the connection for
        ``pageInfo { hasNextPage endCursor }`` plus ``nodes { ... }`` or ``edges { node { ... } }``::

            query($first: Int!, $after: String) {
              products(first: $first, after: $after) { nodes { id title } pageInfo { hasNextPage endCursor } }
            }
        """
        for page in self.pages(query, variables, connection_path=connection_path, page_size=page_size):
            yield from connection_nodes(page)

    def pages(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        connection_path: Sequence[str],
        page_size: int = 50,
        after: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield each page's connection object (nodes and ``pageInfo``), following ``endCursor``."""
        cursor = after
        while True:
            data = self.execute(query, {**(variables or {}), "first": page_size, "after": cursor})
            connection = _dig(data, connection_path)
            if connection is None:
                return
            yield connection
            page_info = connection.get("pageInfo") or {}
            if not page_info.get("hasNextPage"):
                return
            cursor = page_info.get("endCursor")
            if not cursor:
                raise DataError(
                    f"Shopify shop {self.shop_domain}: {'.'.join(connection_path)} says another page "
                    "follows but gives no endCursor; add endCursor to the query's pageInfo",
                    system=SYSTEM,
                )

    def resolve_url(self, url: str) -> str:
        """A URL Shopify returned (a bulk result file), reachable from here.

        Behind a proxy or sandbox (``base_url``), URLs naming the shop's own domain are served through that
        address; any other URL (Shopify's signed storage URLs) is left alone.
        """
        if self.base_url is None:
            return url
        parsed = httpx.URL(url)
        if parsed.host.lower() != self.shop_domain.lower():
            return url
        base = httpx.URL(self.base_url)
        return str(parsed.copy_with(scheme=base.scheme, host=base.host, port=base.port))

    # -- one attempt -------------------------------------------------------------------------------------

    def _attempt(self, query: str, variables: Mapping[str, Any] | None, name: str) -> dict[str, Any]:
        cost = self.estimator.estimate(query, variables)
        try:
            ticket = self.budget.acquire(cost)
        except QueryTooExpensive as exc:
            raise DataError(f"Shopify {name}: {exc}", system=SYSTEM) from exc
        status: ThrottleStatus | None = None
        try:
            response = self._post(query, variables)
            body = self._decode(response, name)
            extensions = body.get("extensions")
            status = ThrottleStatus.from_extensions(extensions)
            requested = ((extensions or {}).get("cost") or {}).get("requestedQueryCost")
            if isinstance(requested, int | float):
                self.estimator.learn(query, variables, float(requested))
        finally:
            self.budget.settle(ticket, status)
        return self._data_or_raise(body, name, partial_ok=not query.lstrip().startswith("mutation"))

    def _post(self, query: str, variables: Mapping[str, Any] | None) -> httpx.Response:
        try:
            return self._http.post(self.endpoint, json={"query": query, "variables": dict(variables or {})})
        except httpx.ConnectError as exc:
            raise _Retry(f"cannot connect: {type(exc).__name__}", sent=False) from exc
        except httpx.TransportError as exc:
            # Timeouts, resets, half-closed connections: the request may or may not have been processed.
            raise _Retry(f"connection failed: {type(exc).__name__}") from exc

    def _decode(self, response: httpx.Response, name: str) -> dict[str, Any]:
        self.version_check.check_response(response.headers.get("X-Shopify-API-Version"))
        config_error = config_error_for_status(response.status_code, self.shop_domain)
        if config_error is not None:
            raise config_error
        if response.status_code == 429:
            self.throttled_responses += 1
            self._observe_throttle(response)
            # The budget adopted the reported bucket state, so acquire() paces the retry unless told a time.
            wait = self._throttle_wait(response) or 0.0
            raise _Retry("throttled (HTTP 429)", wait=wait, sent=False, throttled=True)
        if response.status_code >= 500:
            raise _Retry(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise error_for_graphql_errors(
                [{"message": f"HTTP {response.status_code}: {response.text[:200]}"}], self.shop_domain, name
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise _Retry(f"unreadable answer (HTTP {response.status_code}, not JSON)") from exc
        if not isinstance(body, dict):
            raise _Retry("unreadable answer (JSON is not an object)")
        return body

    def _data_or_raise(self, body: dict[str, Any], name: str, *, partial_ok: bool) -> dict[str, Any]:
        errors = body.get("errors")
        if errors:
            if isinstance(errors, str):
                errors = [{"message": errors}]
            if is_throttled(errors):
                # Shopify answers THROTTLED with HTTP 200 (platform-apis.md §1 CONFLICT: some say 429);
                # the query was not run, so any operation may be resent once the bucket refills.
                self.throttled_responses += 1
                # The budget already holds the bucket state of this answer, so acquire() waits for the refill.
                raise _Retry("throttled (THROTTLED)", wait=0.0, sent=False, throttled=True)
            if is_transient(errors):
                raise _Retry("; ".join(str(e.get("message", "")) for e in errors))
            # A query may return data with errors on some paths (a deleted nested object); a write may not.
            if body.get("data") is None or not partial_ok or not _only_partial(errors):
                raise error_for_graphql_errors(errors, self.shop_domain, name)
        data = body.get("data")
        if not isinstance(data, dict):
            raise _Retry("answer without data")
        return data

    def _observe_throttle(self, response: httpx.Response) -> None:
        try:
            status = ThrottleStatus.from_extensions(response.json().get("extensions"))
        except (ValueError, AttributeError):
            status = None
        if status is not None:
            self.budget.observe(status)

    @staticmethod
    def _throttle_wait(response: httpx.Response) -> float | None:
        retry_after = response.headers.get("Retry-After")
        try:
            return float(retry_after) if retry_after else None
        except ValueError:
            return None


def connection_nodes(connection: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A connection's items, whether the query asked for ``nodes`` or ``edges { node }``."""
    if connection.get("nodes") is not None:
        return list(connection["nodes"])
    return [edge["node"] for edge in connection.get("edges") or [] if edge.get("node") is not None]


def _dig(data: Mapping[str, Any], path: Sequence[str]) -> dict[str, Any] | None:
    current: Any = data
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current if isinstance(current, dict) else None


def _only_partial(errors: Sequence[Mapping[str, Any]]) -> bool:
    """Errors that each point at one path in otherwise returned data (e.g. a deleted nested object)."""
    return all(isinstance(e, Mapping) and e.get("path") for e in errors)


def _operation_name(query: str) -> str:
    head = query.strip().split("{", 1)[0].split("(", 1)[0].split()
    return head[1] if len(head) > 1 else (head[0] if head else "query")
