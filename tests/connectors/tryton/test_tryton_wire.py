"""Tryton's wire format without a server: the JSON codec, error decoding, change cursors and translations
of rows as trytond sends them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from erpsync.connectors.tryton import (
    ChangeCursor,
    TrytonClient,
    codec,
    decode_http_status,
    decode_rpc_error,
    translate,
)
from erpsync.connectors.tryton.changes import poll_changes
from erpsync.errors import ConfigError, DataError, TransientError

T0 = datetime(2026, 12, 4, 10, 0, 0, 123456, tzinfo=UTC)


def test_decimals_and_dates_round_trip_through_trytons_json() -> None:
    value = {"price": Decimal("10.50"), "day": date(2026, 12, 4), "at": T0, "wait": timedelta(seconds=90)}
    wire = codec.encode(value)
    assert wire["price"] == {"__class__": "Decimal", "decimal": "10.50"}
    assert wire["at"]["microsecond"] == 123456 and "tzinfo" not in wire["at"]
    assert codec.decode(wire) == value


def test_an_aware_datetime_is_sent_as_utc() -> None:
    berlin = datetime(2026, 12, 4, 11, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin"))
    assert codec.encode(berlin)["hour"] == 11


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (["UserError", ["The sale must have lines.", "", None]], DataError),
        (["UserWarning", ["sale_1_confirm", "Are you sure?", ""]], DataError),
        (["LoginException", ["password", "Password", "password"]], ConfigError),
        (["ConcurrencyException", "Records were modified in the meanwhile"], TransientError),
        (["'res.user'", "Traceback ..."], TransientError),
    ],
)
def test_rpc_errors_map_to_erpsync_classes(error: list[Any], expected: type[Exception]) -> None:
    decoded = decode_rpc_error(error, method="model.sale.sale.confirm")
    assert isinstance(decoded, expected)
    assert "Traceback" not in decoded.message


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, ConfigError),
        (403, ConfigError),
        (404, ConfigError),
        (429, TransientError),
        (503, TransientError),
    ],
)
def test_http_statuses_map_to_erpsync_classes(status: int, expected: type[Exception]) -> None:
    assert isinstance(decode_http_status(status, method="common.db.login", retry_after="3"), expected)


def test_an_expired_session_logs_in_again_once() -> None:
    sessions: list[str] = []

    def tryton(request: httpx.Request) -> httpx.Response:
        body = request.read().decode()
        if "common.db.login" in body:
            sessions.append(f"s{len(sessions)}")
            return httpx.Response(200, json={"id": 1, "result": [1, sessions[-1], None]})
        if len(sessions) == 1:  # the first session has expired on the server
            return httpx.Response(401)
        return httpx.Response(200, json={"id": 2, "result": [{"id": 1}]})

    client = TrytonClient("http://tryton.test", "db", "erpsync", "pw", transport=httpx.MockTransport(tryton))
    assert client.call("model.party.party.search_read", [], 0, None, None, ["id"], {}) == [{"id": 1}]
    assert sessions == ["s0", "s1"]


def test_connection_refused_is_transient() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = TrytonClient("http://tryton.test", "db", "erpsync", "pw", transport=httpx.MockTransport(refuse))
    with pytest.raises(TransientError):
        client.login()


def _rows(*pairs: tuple[int, datetime]) -> list[dict[str, Any]]:
    return [{"id": record_id, "create_date": stamp, "write_date": stamp} for record_id, stamp in pairs]


def test_polling_delivers_oldest_first_a_page_at_a_time_and_never_twice() -> None:
    rows = _rows((3, T0 + timedelta(seconds=2)), (1, T0), (2, T0 + timedelta(seconds=1)))

    def search_read(model: str, domain: list[Any], fields: list[str], *page: Any) -> list[dict[str, Any]]:
        return _server_page(rows, domain, *page)

    first = poll_changes(search_read, "party.party", ChangeCursor(), limit=2)
    assert (first.ids, first.more) == ([1, 2], True)
    second = poll_changes(search_read, "party.party", ChangeCursor.decode(first.cursor.encode()), limit=2)
    assert (second.ids, second.more) == ([3], False)
    third = poll_changes(search_read, "party.party", second.cursor, limit=2)
    assert third.ids == []
    rows[1]["write_date"] = T0 + timedelta(seconds=5)  # record 1 edited again: delivered again
    assert poll_changes(search_read, "party.party", second.cursor).ids == [1]


def test_polling_asks_for_the_overlap_window_on_both_timestamps() -> None:
    domains: list[list[Any]] = []

    def search_read(model: str, domain: list[Any], fields: list[str], *page: Any) -> list[dict[str, Any]]:
        domains.append(domain)
        return []

    poll_changes(search_read, "stock.move", ChangeCursor(since=T0), overlap=timedelta(seconds=60))
    start = T0 - timedelta(seconds=60)
    assert domains == [[["OR", ["write_date", ">=", start], ["create_date", ">=", start]]]]


def _server_page(
    rows: list[dict[str, Any]],
    domain: list[Any],
    offset: int,
    limit: int | None,
    order: list[tuple[str, str]] | None,
) -> list[dict[str, Any]]:
    """What trytond answers: rows in the polling window (``["OR", [field, ">=", start], ...]``), sorted."""
    windows = [condition[1:] for condition in domain if condition and condition[0] == "OR"]
    matching = [row for row in rows if all(any(row[f] >= start for f, _, start in w) for w in windows)]
    if order:
        matching.sort(key=lambda row: (row["write_date"], row["create_date"], row["id"]))
    return matching[offset : offset + limit if limit else None]


def test_a_first_poll_reads_a_large_table_a_page_at_a_time() -> None:
    rows = _rows(*((record_id, T0 + timedelta(seconds=record_id)) for record_id in range(1, 1001)))
    pages: list[tuple[int, int | None]] = []

    def search_read(model: str, domain: list[Any], fields: list[str], *page: Any) -> list[dict[str, Any]]:
        pages.append((page[0], page[1]))
        return _server_page(rows, domain, *page)

    first = poll_changes(search_read, "stock.move", ChangeCursor(), limit=100)
    assert (first.ids, first.more, pages) == (list(range(1, 101)), True, [(0, 100)])
    delivered, cursor = list(first.ids), first.cursor
    for _ in range(20):  # 9 more pages are enough; the bound keeps a regression from looping forever
        batch = poll_changes(search_read, "stock.move", cursor, limit=100, overlap=timedelta(seconds=5))
        delivered += batch.ids
        cursor = batch.cursor
        if not batch.more:
            break
    assert delivered == list(range(1, 1001))


def test_a_damaged_cursor_is_a_data_error() -> None:
    with pytest.raises(DataError):
        ChangeCursor.decode("{not json")


def test_a_shipment_row_becomes_a_fulfillment_of_its_sale() -> None:
    shipment = {
        "id": 4,
        "state": "done",
        "reference": " 1Z999 ",
        "effective_date": date(2026, 12, 4),
        "write_date": T0,
        "create_date": T0,
        "warehouse.": {"code": "WH", "name": "Warehouse"},
        "outgoing_moves": [8, 9],
    }
    moves = [
        {"id": 8, "product.": {"code": "SKU-1"}, "quantity": 2.0, "origin": "sale.line,11"},
        {"id": 9, "product.": {"code": "SKU-X"}, "quantity": 1.0, "origin": None},
    ]
    fulfillment = translate.fulfillment_from_tryton(shipment, moves, sale_of_line={11: 5})
    assert fulfillment is not None
    assert (fulfillment.order_id, fulfillment.status, fulfillment.location_code) == ("5", "success", "WH")
    assert [t.number for t in fulfillment.tracking] == ["1Z999"]
    assert [(line.line_id, line.sku, line.quantity) for line in fulfillment.lines] == [("11", "SKU-1", 2)]
    assert translate.fulfillment_from_tryton(shipment, moves[1:], sale_of_line={}) is None


@pytest.mark.parametrize(
    ("quantity", "subtotal", "expected"),
    [
        (2, "25.00", (-2, Decimal("12.5"))),
        (3, "10.00", (-1, Decimal("10.00"))),  # 3.3333... per unit would lose a cent in Tryton
        (1, "0", (-1, Decimal("0"))),
    ],
)
def test_credit_lines_keep_the_refunded_money_exact(
    quantity: int, subtotal: str, expected: tuple[int, Decimal]
) -> None:
    credited_quantity, unit_price = translate.credit_quantity_and_price(quantity, Decimal(subtotal))
    assert (credited_quantity, unit_price) == expected
    assert -credited_quantity * unit_price == Decimal(subtotal)
