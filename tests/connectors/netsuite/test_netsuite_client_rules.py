"""The NetSuite client's protocol rules without a server: error decoding, paging, external ids, what is
retried and what is not, and the concurrency budget."""

from __future__ import annotations

import threading

import httpx
import pytest

from erpsync.connectors.netsuite.budget import LocalConcurrencyBudget, holding
from erpsync.connectors.netsuite.changes import ChangeCursor, poll_changes
from erpsync.connectors.netsuite.client import NetSuiteClient, RetryRule, external_id_for, id_from_location
from erpsync.connectors.netsuite.errors import NetSuiteDataError, decode_error, retry_after_seconds
from erpsync.connectors.netsuite.paging import Page, check_window
from erpsync.errors import ConfigError, DataError, TransientError


def _error(status: int, code: str = "USER_ERROR", path: str | None = None, **headers: str) -> httpx.Response:
    detail = {"detail": "Invalid value for the resource or sub-resource field 'item'.", "o:errorCode": code}
    if path:
        detail["o:errorPath"] = path
    body = {"type": "https://www.rfc-editor.org/rfc/rfc9110.html", "title": "t", "status": status}
    return httpx.Response(status, json={**body, "o:errorDetails": [detail]}, headers=headers)


def test_validation_error_is_a_data_error_naming_record_and_field() -> None:
    error = decode_error(_error(400, "INVALID_KEY_OR_REF", "item.items[0].item"), record="salesOrder eid:s-1")
    assert isinstance(error, NetSuiteDataError)
    assert error.record == "salesOrder eid:s-1" and error.field == "item.items[0].item"
    assert error.error_code == "INVALID_KEY_OR_REF" and not error.not_found
    assert "INVALID_KEY_OR_REF" in error.message and "salesOrder eid:s-1" in error.message
    assert error.suggested_fix


def test_login_and_permission_failures_are_config_errors() -> None:
    assert isinstance(decode_error(_error(401, "INVALID_LOGIN"), record="customer list"), ConfigError)
    assert isinstance(decode_error(_error(403, "INSUFFICIENT_PERMISSION"), record="x"), ConfigError)


def test_throttle_and_server_errors_are_transient_with_retry_after() -> None:
    throttled = decode_error(_error(429, "CONCURRENCY_LIMIT_EXCEEDED", **{"Retry-After": "3"}), record="x")
    assert isinstance(throttled, TransientError) and throttled.retry_after == 3.0
    assert isinstance(decode_error(_error(503, "UNEXPECTED_ERROR"), record="x"), TransientError)


def test_not_found_and_non_json_bodies_decode() -> None:
    missing = decode_error(_error(404, "NONEXISTENT_ID"), record="customer eid:x")
    assert isinstance(missing, NetSuiteDataError) and missing.not_found
    html = decode_error(httpx.Response(502, text="<html>bad gateway</html>"), record="x")
    assert isinstance(html, TransientError) and "502" in html.message


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_seconds("soon") is None


def test_external_ids_are_netsuite_safe_and_distinct() -> None:
    assert external_id_for("shop-1042") == "shop-1042"
    assert external_id_for("shopify:1042") == "shopify_3A1042"
    assert external_id_for("a_b") != external_id_for("a:b")
    assert external_id_for("ü@x") == "_C3_BC_40x"


def test_created_id_comes_from_location() -> None:
    assert id_from_location("https://a.test/services/rest/record/v1/salesOrder/1234") == "1234"
    assert id_from_location(None) is None


def test_page_follows_next_link_offset() -> None:
    body = {
        "links": [{"rel": "next", "href": "https://other.host/x?limit=2&offset=4"}],
        "count": 2,
        "hasMore": True,
        "offset": 2,
        "totalResults": 5,
        "items": [{"id": "1"}, {"id": "2"}],
    }
    page = Page.from_body(body, requested_offset=2)
    assert page.next_offset == 4 and page.has_more and page.total_results == 5
    last = Page.from_body({"hasMore": False, "items": [], "offset": 4}, requested_offset=4)
    assert not last.has_more and last.next_offset is None


def test_pages_stay_inside_netsuite_limits() -> None:
    check_window(1000, 99_000)
    with pytest.raises(ValueError, match="1 to 1000"):
        check_window(1001, 0)
    with pytest.raises(ValueError, match="100000"):
        check_window(1000, 99_500)


# -- retries ---------------------------------------------------------------------------------------


class Script:
    """A MockTransport answering from a list of responses/exceptions, recording each request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _client(script: Script, attempts: int = 4) -> NetSuiteClient:
    sleeps: list[float] = []
    retry = RetryRule(attempts=attempts, base_delay=0.0, max_delay=0.0, sleep=sleeps.append)
    return NetSuiteClient("https://a.test", httpx.Auth(), retry=retry, transport=httpx.MockTransport(script))


CREATED = httpx.Response(204, headers={"Location": "https://a.test/services/rest/record/v1/customer/55"})


def test_upsert_is_retried_after_throttle_server_error_and_reset() -> None:
    script = Script(
        _error(429, "CONCURRENCY_LIMIT_EXCEEDED"),
        _error(500, "UNEXPECTED_ERROR"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        CREATED,
    )
    assert _client(script).upsert("customer", "c-1", {"lastName": "X"}) == "55"
    assert [r.method for r in script.requests] == ["PUT"] * 4
    assert script.requests[0].url.path.endswith("/customer/eid:c-1")


def test_create_is_not_retried_when_netsuite_may_have_acted() -> None:
    script = Script(_error(500, "UNEXPECTED_ERROR"))
    with pytest.raises(TransientError):
        _client(script).create("customer", {"lastName": "X"})
    assert len(script.requests) == 1
    reset = Script(httpx.ReadTimeout("read timed out"))
    with pytest.raises(TransientError):
        _client(reset).transform("salesOrder", "7", "invoice")
    assert len(reset.requests) == 1


def test_create_is_retried_on_throttle_and_refused_connections() -> None:
    script = Script(_error(429, "CONCURRENCY_LIMIT_EXCEEDED"), httpx.ConnectError("refused"), CREATED)
    assert _client(script).create("customer", {"lastName": "X"}) == "55"
    assert len(script.requests) == 3


def test_retries_run_out_as_a_transient_error() -> None:
    script = Script(*[_error(503, "UNEXPECTED_ERROR") for _ in range(3)])
    with pytest.raises(TransientError, match="503"):
        _client(script, attempts=3).get("customer", "1")
    assert len(script.requests) == 3


def test_long_retry_after_is_handed_to_the_engine_without_sleeping() -> None:
    script = Script(_error(429, "CONCURRENCY_LIMIT_EXCEEDED", **{"Retry-After": "120"}))
    with pytest.raises(TransientError) as caught:
        _client(script).get("customer", "1")
    assert caught.value.retry_after == 120.0 and len(script.requests) == 1


def test_data_errors_are_not_retried() -> None:
    script = Script(_error(400, "USER_ERROR", "lastName"))
    with pytest.raises(DataError):
        _client(script).upsert("customer", "c-1", {})
    assert len(script.requests) == 1


def test_suiteql_sends_prefer_transient_and_pages() -> None:
    def page(offset: int, more: bool) -> httpx.Response:
        return httpx.Response(
            200, json={"items": [{"id": str(offset)}], "hasMore": more, "count": 1, "offset": offset}
        )

    script = Script(page(0, True), page(1, True), page(2, False))
    rows = list(_client(script).suiteql_rows("SELECT id FROM item", limit=1))
    assert rows == [{"id": "0"}, {"id": "1"}, {"id": "2"}]
    assert all(r.headers["prefer"] == "transient" for r in script.requests)
    assert [r.url.params["offset"] for r in script.requests] == ["0", "1", "2"]


# -- the concurrency budget ------------------------------------------------------------------------


def test_budget_never_admits_more_than_its_limit() -> None:
    budget = LocalConcurrencyBudget(limit=2)
    in_flight, peak, entered, lock = 0, 0, 0, threading.Lock()
    release = threading.Event()

    def work() -> None:
        nonlocal in_flight, peak, entered
        with holding(budget, timeout=30):
            with lock:
                in_flight, entered = in_flight + 1, entered + 1
                peak = max(peak, in_flight)
            release.wait(timeout=30)
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=work) for _ in range(5)]
    for thread in threads:
        thread.start()
    while True:  # the first two hold their slots until released; the other three must be waiting
        with lock:
            if entered >= 2:
                break
        release.wait(timeout=0.01)
    release.set()
    for thread in threads:
        thread.join()
    assert entered == 5 and peak == 2


def test_budget_exhausted_is_transient() -> None:
    budget = LocalConcurrencyBudget(limit=1)
    assert budget.acquire(timeout=0)
    with pytest.raises(TransientError, match="concurrency slot"), holding(budget, timeout=0.01):
        pass
    budget.release()


# -- change polling --------------------------------------------------------------------------------


class FakeSuiteQL:
    """Serves rows ordered by (modified, id), honouring the query's lower bound on lastmodifieddate."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.rows = rows
        self.queries: list[str] = []

    def suiteql(self, query: str, *, limit: int = 1000, offset: int = 0) -> Page:
        self.queries.append(query)
        since = query.split("TO_TIMESTAMP('")[1][:19] if "TO_TIMESTAMP('" in query else ""
        matching = sorted(
            (r for r in self.rows if r["modified"] >= since), key=lambda r: (r["modified"], r["id"])
        )
        items = matching[offset : offset + limit]
        more = offset + limit < len(matching)
        return Page(
            items=items,
            offset=offset,
            has_more=more,
            total_results=len(matching),
            next_offset=offset + limit if more else None,
        )


def _drain(source: FakeSuiteQL, cursor: ChangeCursor, limit: int = 2) -> tuple[list[str], ChangeCursor]:
    ids: list[str] = []
    while True:
        batch = poll_changes(source, "customer", cursor, limit=limit)
        ids += [row["id"] for row in batch.rows]
        cursor = batch.cursor
        if not batch.more:
            return ids, cursor


def test_polling_delivers_each_change_once_and_catches_late_commits() -> None:
    source = FakeSuiteQL([{"id": str(n), "modified": f"2026-12-04 10:00:0{n}"} for n in range(1, 6)])
    first, cursor = _drain(source, ChangeCursor())
    assert first == ["1", "2", "3", "4", "5"]
    assert _drain(source, cursor)[0] == []  # the overlap re-reads, nothing is delivered twice

    # A record committed late with an older timestamp (inside the overlap) and a record changed again.
    source.rows.append({"id": "9", "modified": "2026-12-04 10:00:02"})
    source.rows.append({"id": "3", "modified": "2026-12-04 10:00:30"})
    again, cursor = _drain(source, ChangeCursor.decode(cursor.encode()))
    assert sorted(again) == ["3", "9"]
    assert "TO_CHAR(lastmodifieddate" in source.queries[-1]


def test_polling_moves_past_a_page_full_of_repeats() -> None:
    same_second = [{"id": str(n), "modified": "2026-12-04 10:00:00"} for n in range(1, 6)]
    source = FakeSuiteQL(same_second)
    delivered, cursor = _drain(source, ChangeCursor(), limit=2)
    assert delivered == ["1", "2", "3", "4", "5"]
    source.rows.append({"id": "6", "modified": "2026-12-04 10:00:00"})
    assert _drain(source, cursor, limit=2)[0] == ["6"]


def test_a_garbled_cursor_is_a_data_error() -> None:
    with pytest.raises(DataError, match="cursor"):
        ChangeCursor.decode("not json")
