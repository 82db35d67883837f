"""Returns in NetSuite: return authorizations (RMAs) made from the sales order, their receipt, their credit.

- A store return becomes a return authorization transformed from the order's sales order
  (``POST /record/v1/salesOrder/{id}/!transform/returnAuthorization``, Oracle help section_157901123882 and
  "Use Case for Issuing a Return Authorization", section_0526122453), status Pending Receipt (B), lines
  matched to the sales order's by SKU, the return's key as external id (so a replay finds it).
- The warehouse receives the goods (an item receipt of the RMA): NetSuite moves it to Pending Refund (F).
- The refund is a credit memo (or cash refund, per settings) transformed from the RMA
  (``!transform/creditMemo``), with an external id made from the caller's key: NetSuite marks the RMA
  Refunded (G).

``return_authorizations_changed_since`` reads every RMA changed since the cursor (staff-entered ones and
erpsync's own: ``Return.source_key`` tells them apart), with the receipt's location once goods arrived.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from erpsync.connectors.base import ChangeBatch, Unreadable
from erpsync.connectors.netsuite import translate
from erpsync.connectors.netsuite.changes import ChangeCursor, poll_changes
from erpsync.connectors.netsuite.client import external_id_for
from erpsync.connectors.netsuite.errors import NetSuiteDataError
from erpsync.errors import DataError
from erpsync.model import CreditMemo, Return, ReturnLine

if TYPE_CHECKING:
    from erpsync.connectors.netsuite.connector import NetSuiteConnector

SYSTEM = "netsuite"
# NetSuite's return authorization statuses (RtnAuth:A…H) as canonical return statuses.
RMA_STATUSES = {
    "A": "requested",  # Pending Approval
    "B": "open",  # Pending Receipt
    "C": "cancelled",
    "D": "open",  # Partially Received: the refund waits for the rest
    "E": "received",  # Pending Refund/Partially Received
    "F": "received",  # Pending Refund
    "G": "refunded",
    "H": "closed",
}
CENT = Decimal("0.01")
_ESCAPED = re.compile(r"((?:_[0-9A-F]{2})+)")


def key_of_external_id(external_id: str | None) -> str | None:
    """``external_id_for`` reversed: ``"shopify_3A1042"`` → ``"shopify:1042"``."""
    if not external_id:
        return None
    return _ESCAPED.sub(lambda m: bytes.fromhex(m.group(1).replace("_", "")).decode("utf-8"), external_id)


def create_return_authorization(connector: NetSuiteConnector, store_return: Return) -> str:
    """The RMA for ``store_return`` (made once: its key is the RMA's external id)."""
    client = connector.client
    external_id = external_id_for(store_return.business_key)
    existing = client.find_by_external_id("returnAuthorization", external_id)
    if existing is not None:
        return str(existing["id"])
    sales_order = connector._sales_order(store_return.origin.system, store_return.order_id)
    body = {
        "externalId": external_id,
        "orderStatus": {"id": "B"},
        "memo": _memo(store_return),
        # Goods only, at what was paid for them: the order's header discount is spread into the line amounts
        # (an amount discount would otherwise be credited whole on a partial return) and shipping stays out.
        "discountRate": "",
        "shippingCost": 0,
        "item": {"items": _rma_lines(store_return, sales_order)},
    }
    try:
        return client.transform("salesOrder", str(sales_order["id"]), "returnAuthorization", body)
    except NetSuiteDataError:
        # The first attempt may have landed with its answer lost: the external id then already exists.
        existing = client.find_by_external_id("returnAuthorization", external_id)
        if existing is not None:
            return str(existing["id"])
        raise


def _memo(store_return: Return) -> str:
    name = store_return.number or store_return.origin.id
    return f"{store_return.origin.system} return {name}: {store_return.reason}"[:999]


def _rma_lines(store_return: Return, sales_order: dict[str, Any]) -> list[dict[str, Any]]:
    order_lines = translate.sublist_items(sales_order, "item")
    subtotal = translate.decimal_of(sales_order.get("subtotal"))
    discount = translate.decimal_of(sales_order.get("discountTotal"))  # negative, as NetSuite shows it
    paid_share = (subtotal + discount) / subtotal if subtotal else Decimal(1)
    rma_lines = []
    for index, line in enumerate(store_return.lines):
        matches = [o for o in order_lines if line.sku and translate.ref_name(o.get("item")) == line.sku]
        shipped = sum(translate.decimal_of(o.get("quantityFulfilled")) for o in matches)
        if not matches or line.quantity > shipped:
            what = "does not have" if not matches else f"shipped only {shipped} of"
            raise DataError(
                f"{store_return.origin.system} return {store_return.number or store_return.origin.id} "
                f"sends back {line.quantity} x SKU {line.sku}, which NetSuite sales order "
                f"{sales_order.get('tranId') or sales_order['id']} {what}",
                system=SYSTEM,
                record=f"return {store_return.business_key}",
                field=f"lines.{index}.sku",
                suggested_fix="correct the return in the store (or the sales order in NetSuite), then retry",
            )
        order_line = matches[0]
        unit = translate.decimal_of(order_line.get("amount")) / translate.decimal_of(
            order_line.get("quantity"), "1"
        )
        rma_line: dict[str, Any] = {
            "item": {"id": str(translate.ref_id(order_line.get("item")))},
            "quantity": line.quantity,
            "amount": translate.json_number((unit * paid_share * line.quantity).quantize(CENT)),
        }
        location = translate.ref_id(order_line.get("location")) or translate.ref_id(
            sales_order.get("location")
        )
        if location:
            rma_line["location"] = {"id": location}
        rma_lines.append(rma_line)
    return rma_lines


def refund_return_authorization(
    connector: NetSuiteConnector, rma_id: str, *, idempotency_key: str
) -> CreditMemo:
    """Credit the received goods of RMA ``rma_id`` (once per key): a credit memo or a cash refund
    transformed from it, as the connector's settings say."""
    client = connector.client
    record_type = connector.settings.refund_record
    external_id = external_id_for(idempotency_key)
    existing = client.find_by_external_id(record_type, external_id)
    if existing is None:
        try:
            client.transform("returnAuthorization", rma_id, record_type, {"externalId": external_id})
        except NetSuiteDataError:
            if client.find_by_external_id(record_type, external_id) is None:
                raise
        existing = client.find_by_external_id(record_type, external_id)
    assert existing is not None
    return translate.credit_memo_from_netsuite(
        client.get(record_type, str(existing["id"])), settings=connector.settings, refund_id=None
    )


def return_authorizations_changed_since(
    connector: NetSuiteConnector, cursor: str | None
) -> ChangeBatch[Return]:
    """Return authorizations of sales orders changed since the cursor, as canonical returns of the sales
    order (``order_id`` is the NetSuite sales order id, ``line_id`` the RMA line number, lines by SKU)."""
    changed = poll_changes(
        connector.client,
        "transaction",
        ChangeCursor.decode(cursor),
        where="type = 'RtnAuth'",
        **connector._poll_options(),
    )
    codes = connector._location_codes() if changed.rows else {}
    returns, unreadable = [], []
    for row in changed.rows:
        rma_id = str(row["id"])
        try:
            body = connector.client.get("returnAuthorization", rma_id)
            order_id = connector._sales_order_behind(translate.ref_id(body.get("createdFrom")))
            if order_id is not None:
                returns.append(_return_from_netsuite(connector, body, order_id, codes))
        except DataError as error:
            unreadable.append(Unreadable.of(rma_id, f"{SYSTEM}:{rma_id}", error))
    return ChangeBatch(returns, changed.cursor.encode(), changed.more, unreadable)


def _return_from_netsuite(
    connector: NetSuiteConnector, body: dict[str, Any], sales_order_id: str, codes: dict[str, str]
) -> Return:
    status = RMA_STATUSES.get(str(translate.ref_id(body.get("status")) or "B"), "open")
    lines = [
        ReturnLine(
            line_id=str(line.get("line") or index + 1),
            sku=translate.ref_name(line.get("item")),
            quantity=int(translate.decimal_of(line.get("quantity"), "1")),
            note=body.get("memo"),
        )
        for index, line in enumerate(translate.sublist_items(body, "item"))
    ]
    location = None
    if status == "received":
        location = _receipt_location(connector, str(body["id"]), codes)
    return Return(
        origin=translate.origin_of(body),
        order_id=sales_order_id,
        number=body.get("tranId"),
        status=status,
        created_at=translate.parse_datetime(body.get("createdDate")),
        lines=lines,
        note=body.get("memo"),
        location_code=location,
        source_key=key_of_external_id(body.get("externalId")),
    )


def _receipt_location(connector: NetSuiteConnector, rma_id: str, codes: dict[str, str]) -> str | None:
    rows = connector.client.suiteql_rows(
        f"SELECT id FROM transaction WHERE type = 'ItemRcpt' AND createdfrom = {int(rma_id)} ORDER BY id"
    )
    for row in rows:
        receipt = connector.client.get("itemReceipt", str(row["id"]))
        for line in translate.sublist_items(receipt, "item"):
            location_id = translate.ref_id(line.get("location"))
            if location_id:
                return codes.get(location_id, location_id)
    return None
