"""Shopify Payments in the sandbox: balance transactions and the payouts that pay them out.

Every successful ``shopify_payments`` charge (sale or capture) and refund on an order is money moving through
the shop's Shopify Payments balance. A payout collects the balance transactions not yet paid out, up to the
end of a day, into one transfer to the merchant's bank; it is made by the control endpoint
(``POST /_sandbox/shopify/payouts {"date": "2026-12-04"}``), the sandbox's stand-in for Shopify's payout
schedule. Its answer is the payout as the GraphQL API serves it.

Served as ``shopifyPaymentsAccount { payouts(...) balanceTransactions(...) }``
(https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsAccount), with the payout
``summary`` (https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsPayoutSummary).

Amounts, our reading of Shopify's: a balance transaction's ``amount`` is signed from the merchant's view (a
refund is negative), ``fee`` is what Shopify keeps and ``net = amount - fee``. A charge's fee is 2.9 % + 0.30
(Shopify Payments' online card rate on the Basic plan, https://www.shopify.com/pricing); refunds and
adjustments carry no fee unless one is given. The summary adds them up per type, so
``payout net = Σ gross - Σ fees``; a payout whose balance is negative is a ``WITHDRAWAL`` of the positive
amount. ``adjustments`` in the control request add adjustment transactions (a dispute: a negative amount).
``"net_override"`` makes the served net differ from its summary (a payout that does not balance) to show
how a client copes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Body, HTTPException

from erpsync.sandboxes.shopify.ids import gid
from erpsync.sandboxes.shopify.search import search
from erpsync.sandboxes.shopify.store import Record, ShopStore, money

if TYPE_CHECKING:
    from erpsync.sandboxes.shopify.sandbox import ShopifySandbox
    from erpsync.sandboxes.shopify.views import View, Views

GATEWAY = "shopify_payments"
FEE_RATE = Decimal("0.029")
FEE_FIXED = Decimal("0.30")
CENT = Decimal("0.01")
STATUSES = ("SCHEDULED", "IN_TRANSIT", "PAID", "FAILED", "CANCELED")
# summary field -> (balance transaction type, "amount" or "fee")
SUMMARY = {
    "chargesGross": ("CHARGE", "amount"),
    "chargesFee": ("CHARGE", "fee"),
    "refundsFeeGross": ("REFUND", "amount"),
    "refundsFee": ("REFUND", "fee"),
    "adjustmentsGross": ("ADJUSTMENT", "amount"),
    "adjustmentsFee": ("ADJUSTMENT", "fee"),
    "reservedFundsGross": ("RESERVED_FUNDS", "amount"),
    "reservedFundsFee": ("RESERVED_FUNDS", "fee"),
    "retriedPayoutsGross": ("RETRIED_PAYOUT", "amount"),
    "retriedPayoutsFee": ("RETRIED_PAYOUT", "fee"),
    "advanceGross": ("ADVANCE", "amount"),
    "advanceFees": ("ADVANCE", "fee"),
}


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _fee(amount: Decimal) -> Decimal:
    return (amount * FEE_RATE + FEE_FIXED).quantize(CENT, rounding=ROUND_HALF_UP)


def _day_of(moment: str) -> date:
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).date()


def record_balance_transactions(store: ShopStore) -> None:
    """Give every Shopify Payments charge and refund not yet on the balance its balance transaction."""
    known = {bt["source_order_transaction_id"] for bt in store.rows("balance_transactions")}
    for order in store.rows("orders"):
        for transaction in order.get("transactions", []):
            kind, status = transaction.get("kind"), transaction.get("status")
            if transaction.get("gateway") != GATEWAY or status != "success" or transaction["id"] in known:
                continue
            if kind in ("sale", "capture"):
                amount = _dec(transaction["amount"])
                fee, kind_name = _fee(amount), "CHARGE"
            elif kind == "refund":
                amount, fee, kind_name = -_dec(transaction["amount"]), Decimal(0), "REFUND"
            else:
                continue
            if amount == 0:
                continue  # nothing moved: no balance transaction
            store.add(
                "balance_transactions",
                {
                    "type": kind_name,
                    "amount": money(amount),
                    "fee": money(fee),
                    "net": money(amount - fee),
                    "source_order_transaction_id": transaction["id"],
                    "order_id": order["id"],
                    "order_name": order.get("name"),
                    "transaction_date": transaction.get("processed_at") or transaction["created_at"],
                    "payout_id": None,
                    "test": bool(transaction.get("test")),
                },
            )


def run_payout(
    store: ShopStore,
    day: date,
    *,
    status: str = "PAID",
    adjustments: list[dict[str, Any]] | None = None,
    net_override: str | None = None,
) -> Record:
    """Pay out every balance transaction up to the end of ``day`` not paid out yet, as one payout."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    with store.lock:
        record_balance_transactions(store)
        issued_at = f"{day.isoformat()}T23:59:59Z"
        for adjustment in adjustments or []:
            amount, fee = _dec(adjustment["amount"]), _dec(adjustment.get("fee", "0"))
            store.add(
                "balance_transactions",
                {
                    "type": str(adjustment.get("type", "ADJUSTMENT")).upper(),
                    "amount": money(amount),
                    "fee": money(fee),
                    "net": money(amount - fee),
                    "source_order_transaction_id": None,
                    "order_id": None,
                    "order_name": None,
                    "transaction_date": issued_at,
                    "payout_id": None,
                    "test": False,
                },
            )
        due = [
            bt
            for bt in store.rows("balance_transactions")
            if bt["payout_id"] is None and _day_of(bt["transaction_date"]) <= day
        ]
        if not due:
            raise ValueError(f"nothing to pay out up to {day.isoformat()}")
        summary = {name: Decimal(0) for name in SUMMARY}
        for bt in due:
            for name, (kind, part) in SUMMARY.items():
                if bt["type"] == kind:
                    summary[name] += _dec(bt[part])
        balance = sum((_dec(bt["net"]) for bt in due), Decimal(0))
        payout = store.add(
            "payouts",
            {
                "issued_at": issued_at,
                "status": status,
                "transaction_type": "DEPOSIT" if balance >= 0 else "WITHDRAWAL",
                "net": money(_dec(net_override) if net_override is not None else abs(balance)),
                "summary": {name: money(value) for name, value in summary.items()},
            },
        )
        for bt in due:
            bt["payout_id"] = payout["id"]
        return payout


# --- GraphQL -----------------------------------------------------------------------------------------------


def payout_view(views: Views, payout: Record) -> View:
    return {
        "__typename": "ShopifyPaymentsPayout",
        "id": gid("ShopifyPaymentsPayout", payout["id"]),
        "legacyResourceId": payout["id"],
        "issuedAt": payout["issued_at"],
        "status": payout["status"],
        "transactionType": payout["transaction_type"],
        "net": views.money(payout["net"]),
        "gross": views.money(payout["net"]),
        "summary": {name: views.money(value) for name, value in payout["summary"].items()},
    }


def balance_transaction_view(views: Views, bt: Record) -> View:
    payout = views.store.get("payouts", bt["payout_id"])
    return {
        "__typename": "ShopifyPaymentsBalanceTransaction",
        "id": gid("ShopifyPaymentsBalanceTransaction", bt["id"]),
        "type": bt["type"],
        "test": bt["test"],
        "amount": views.money(bt["amount"]),
        "fee": views.money(bt["fee"]),
        "net": views.money(bt["net"]),
        "sourceOrderTransactionId": bt["source_order_transaction_id"],
        "associatedOrder": (
            {"id": gid("Order", bt["order_id"]), "name": bt["order_name"] or ""} if bt["order_id"] else None
        ),
        "associatedPayout": {
            "id": gid("ShopifyPaymentsPayout", payout["id"]) if payout else None,
            "status": payout["status"] if payout else "PENDING",
        },
        "transactionDate": bt["transaction_date"],
    }


def _payout_fields(payout: Record) -> dict[str, Any]:
    return {
        "id": payout["id"],
        "status": payout["status"].lower(),
        "issued_at": payout["issued_at"],
        "amount": float(payout["net"]),
        "default": [str(payout["id"])],
    }


PAYOUT_SORT = {"ISSUED_AT": "issued_at", "STATUS": "status", "AMOUNT": "net"}


def shopify_payments_account(views: Views) -> View:
    """The QueryRoot field: the account, its payouts and balance transactions."""
    store = views.store

    def payouts(_info: Any, **args: Any) -> View:
        rows = search(list(store.rows("payouts")), args.get("query"), _payout_fields)
        field = PAYOUT_SORT.get(args.get("sortKey") or "ID")
        key = (lambda row: [row.get(field), row["id"]]) if field else None
        return views.page(rows, lambda payout: payout_view(views, payout), args, key)

    def balance_transactions(_info: Any, **args: Any) -> View:
        with store.lock:
            record_balance_transactions(store)
        return views.page(
            list(store.rows("balance_transactions")), lambda bt: balance_transaction_view(views, bt), args
        )

    return {
        "__typename": "ShopifyPaymentsAccount",
        "id": gid("ShopifyPaymentsAccount", 1),
        "activated": True,
        "country": "US",
        "defaultCurrency": store.currency,
        "onboardable": False,
        "payouts": payouts,
        "balanceTransactions": balance_transactions,
    }


# --- control -----------------------------------------------------------------------------------------------


def payouts_router(sandbox: ShopifySandbox) -> APIRouter:
    router = APIRouter(prefix="/_sandbox/shopify", tags=["sandbox control"])

    @router.post("/payouts")
    def pay_out(body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        """``{"date": "2026-12-04", "status": "PAID", "adjustments": [{"amount": "-15.00"}]}``: run the
        payout of that day; 422 when nothing is due."""
        store = sandbox.store_for(str(body.get("shop") or ""))
        try:
            payout = run_payout(
                store,
                date.fromisoformat(str(body["date"])),
                status=str(body.get("status") or "PAID").upper(),
                adjustments=list(body.get("adjustments") or []),
                net_override=body.get("net_override"),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise HTTPException(status_code=422, detail=f"no payout: {exc}") from exc
        return {"id": payout["id"], "gid": gid("ShopifyPaymentsPayout", payout["id"]), **payout}

    @router.put("/payouts/{payout_id}")
    def set_status(payout_id: int, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        """``{"status": "PAID"}``: the bank confirmed the transfer (or it failed)."""
        store = sandbox.store_for(str(body.get("shop") or ""))
        status = str(body.get("status") or "").upper()
        with store.lock:
            payout = store.get("payouts", payout_id)
            if payout is None or status not in STATUSES:
                raise HTTPException(status_code=422, detail=f"no payout {payout_id} or bad status {status!r}")
            payout["status"] = status
            store.touch(payout)
            return dict(payout)

    return router
