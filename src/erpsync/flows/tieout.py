"""Finance tie-out per day: the store's orders, refunds and payouts of a date against the ERP's documents of
that date, matched by id through the cross-reference, with counts and totals, and every difference listed
record by record.

What is compared for day D (a UTC date, the date the flows give ERP documents: a sales order is dated the
day its order was placed, a credit memo the day its refund was made):

- orders placed in the store on D ↔ ERP sales orders dated D;
- refunds made in the store on D ↔ ERP credit memos and cash refunds dated D;
- payouts the payment provider issued on D and has paid ↔ ERP bank deposits dated D (``erpsync.flows.payouts``
  books each paid payout as one deposit dated its issue day, net of fees, and links the pair). Payouts not
  paid yet (scheduled, in transit) are not expected in the ERP and are counted as ``not_paid``; failed and
  cancelled ones never reach it. When the store connector cannot list payouts, the report says so in
  ``not_compared``.

A difference is one row: ``missing_in_erp`` (a store record with no ERP document), ``missing_in_store``
(an ERP document erpsync wrote for a store record the store does not show), ``date_differs`` (both exist,
dated differently), ``amount_differs`` (both exist, totals differ). ERP documents that did not come from
the store (entered in the ERP) are counted, never differences.

Reports are stored, one per date (a new run replaces it), so the dashboard shows the latest one and
``erpsync tieout --date YYYY-MM-DD`` can print or export one (``to_csv``). The ``tieout`` flow runs a
report for a date; scheduled, it ties out the day before the schedule fired.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import sqlalchemy as sa

from erpsync.connectors.base import LedgerEntry, Unreadable
from erpsync.engine import Engine, FlowContext
from erpsync.errors import ConfigError
from erpsync.flows.hub import Hub
from erpsync.model import Money, Order, Payout
from erpsync.store import Store

FLOW = "tieout"
COLUMNS = (
    "record_type",
    "difference",
    "business_key",
    "store_id",
    "store_number",
    "store_date",
    "store_amount",
    "erp_id",
    "erp_number",
    "erp_date",
    "erp_amount",
    "amount_difference",
    "currency",
)
CENT = Decimal("0.01")

metadata = sa.MetaData()
reports_table = sa.Table(
    "tieout_reports",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("differences", sa.Integer, nullable=False),
    sa.Column("report", sa.Text, nullable=False),
)


@runtime_checkable
class OrderHistory(Protocol):
    """A store connector that can list the orders touched since a moment (Shopify: ``updated_at`` search)."""

    def orders_updated_since(self, since: datetime) -> tuple[list[Order], list[Unreadable]]:
        """The orders touched since ``since``, and those that could not be read (each with its reason)."""
        ...


@runtime_checkable
class PayoutHistory(Protocol):
    """A store connector that can list its payment provider's payouts by issue date (Shopify Payments)."""

    def payouts_issued_between(self, first_day: date, last_day: date) -> list[Payout]: ...


@runtime_checkable
class Ledger(Protocol):
    """An ERP connector that can list its sales documents of a date range (NetSuite: one SuiteQL query)."""

    def ledger_entries(self, first_day: date, last_day: date) -> list[LedgerEntry]: ...


@dataclass(frozen=True)
class StoreEntry:
    """A store order, refund or payout as the tie-out compares it."""

    kind: str
    business_key: str
    store_id: str
    number: str | None
    day: date
    total: Money


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.erp.system, record_type="tieout")
    def tieout(ctx: FlowContext, request: dict[str, Any]) -> dict[str, Any]:
        day = requested_day(request)
        report = ctx.step("tie_out", run_tieout, hub, day)
        return {"date": report["date"], "differences": len(report["rows"]), "counts": report["counts"]}


def requested_day(request: Mapping[str, Any], *, today: date | None = None) -> date:
    """``{"date": "2026-12-03"}`` names the day; a schedule's ``{"scheduled_at": …}`` means the day before
    it fired; anything else (an operator's "sync now" from the dashboard) means today so far (UTC)."""
    if request.get("date"):
        return date.fromisoformat(str(request["date"]))
    if request.get("scheduled_at"):
        return datetime.fromisoformat(str(request["scheduled_at"])).astimezone(UTC).date() - timedelta(days=1)
    return today or datetime.now(UTC).date()


# --- the report ---------------------------------------------------------------------------------------------
def run_tieout(hub: Hub, day: date) -> dict[str, Any]:
    """Tie out ``day``, store the report (replacing an earlier one for that day) and return it."""
    report = tie_out(hub, day)
    save_report(hub.store, report)
    return report


def tie_out(hub: Hub, day: date) -> dict[str, Any]:
    """The report for ``day`` (not stored): ``date``, ``generated_at``, ``counts``, ``not_compared`` and the
    difference ``rows`` (each with every column of ``COLUMNS``)."""
    shop, erp = hub.shop, hub.erp
    if not isinstance(shop, OrderHistory):
        raise ConfigError(f"the {shop.system} connector cannot list past orders, so it cannot be tied out")
    if not isinstance(erp, Ledger):
        raise ConfigError(f"the {erp.system} connector cannot list its documents, so it cannot be tied out")
    # A day earlier and later on both sides, so a record dated differently is found (and reported as such)
    # rather than reported missing.
    touched, unreadable = shop.orders_updated_since(
        datetime.combine(day - timedelta(days=1), time(), tzinfo=UTC)
    )
    store_entries = list(store_entries_of(touched))
    kinds, not_paid = ["order", "refund"], 0
    # One order the connector cannot read does not stop the report: it is named, with why, as not compared.
    not_compared: list[str] = [
        f"store order {item.record_id}: could not be read ({item.error.get('message')})"
        for item in unreadable
    ]
    if isinstance(shop, PayoutHistory):
        payouts = shop.payouts_issued_between(day - timedelta(days=1), day + timedelta(days=1))
        store_entries += payout_entries_of(payouts)
        not_paid = sum(1 for p in payouts if p.status in ("scheduled", "in_transit") and _issued(p) == day)
        kinds.append("payout")
    else:
        not_compared.append(f"payouts: the {shop.system} connector cannot list payouts")
    erp_entries = erp.ledger_entries(day - timedelta(days=1), day + timedelta(days=1))
    rows: list[dict[str, str]] = []
    counts: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        kind_rows, kind_counts = compare(
            hub,
            kind,
            day,
            [entry for entry in store_entries if entry.kind == kind],
            [entry for entry in erp_entries if entry.kind == kind],
        )
        rows += kind_rows
        counts[kind] = kind_counts
    if "payout" in counts:
        counts["payout"]["not_paid"] = not_paid
    return {
        "date": day.isoformat(),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": counts,
        "not_compared": not_compared,
        "rows": rows,
    }


def store_entries_of(orders: Iterable[Order]) -> Iterable[StoreEntry]:
    for order in orders:
        yield StoreEntry(
            "order",
            order.business_key,
            order.origin.id,
            order.number,
            order.placed_at.astimezone(UTC).date(),
            order.totals.total,
        )
        for refund in order.refunds:
            moment = refund.created_at or refund.origin.updated_at
            yield StoreEntry(
                "refund",
                refund.business_key,
                refund.origin.id,
                order.number,
                moment.astimezone(UTC).date(),
                refund.total,
            )


def payout_entries_of(payouts: Iterable[Payout]) -> Iterable[StoreEntry]:
    """The paid payouts: what the ERP should hold a deposit for (the deposit's amount is the net)."""
    for payout in payouts:
        if payout.status == "paid":
            net = payout.net
            yield StoreEntry(
                "payout",
                payout.business_key,
                payout.origin.id,
                None,
                _issued(payout),
                Money.of(abs(net.amount), net.currency),
            )


def _issued(payout: Payout) -> date:
    return (payout.issued_at or payout.origin.updated_at).astimezone(UTC).date()


def compare(
    hub: Hub, kind: str, day: date, store_side: list[StoreEntry], erp_side: list[LedgerEntry]
) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Rows of differences for one kind of record, and its counts and totals for ``day``."""
    erp_by_id = {entry.erp_id: entry for entry in erp_side}
    store_by_key = {entry.business_key: entry for entry in store_side}
    rows: list[dict[str, str]] = []
    matched_erp: set[str] = set()
    for store in (entry for entry in store_side if entry.day == day):
        erp_id = hub.store.external_id(hub.erp.system, kind, store.business_key)
        erp = erp_by_id.get(erp_id) if erp_id else None
        if erp is None:
            rows.append(_row(kind, "missing_in_erp", store, None))
            continue
        matched_erp.add(erp.erp_id)
        if erp.day != day:
            rows.append(_row(kind, "date_differs", store, erp))
        elif store.total.currency != erp.total.currency or store.total.differs_from(erp.total):
            rows.append(_row(kind, "amount_differs", store, erp))
    erp_of_day = [entry for entry in erp_side if entry.day == day]
    from_store = 0
    for erp in erp_of_day:
        business_key = hub.store.business_key(hub.erp.system, kind, erp.erp_id)
        if business_key is None or not business_key.startswith(f"{hub.shop.system}:"):
            continue  # entered in the ERP: not the store's to match
        from_store += 1
        if erp.erp_id in matched_erp:
            continue
        elsewhere = store_by_key.get(business_key)  # in the store, dated another day
        difference = "date_differs" if elsewhere else "missing_in_store"
        rows.append(_row(kind, difference, elsewhere, erp, business_key))
    store_of_day = [entry for entry in store_side if entry.day == day]
    counts = {
        "store": len(store_of_day),
        "erp": len(erp_of_day),
        "erp_from_store": from_store,
        "differences": len(rows),
        "store_total": _totals(entry.total for entry in store_of_day),
        "erp_total": _totals(entry.total for entry in erp_of_day),
    }
    return rows, counts


def _row(
    kind: str,
    difference: str,
    store: StoreEntry | None,
    erp: LedgerEntry | None,
    business_key: str | None = None,
) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(record_type=kind, difference=difference, business_key=business_key or "")
    if store is not None:
        row.update(
            business_key=store.business_key,
            store_id=store.store_id,
            store_number=store.number or "",
            store_date=store.day.isoformat(),
            store_amount=_plain(store.total.amount),
            currency=store.total.currency,
        )
    if erp is not None:
        row.update(
            erp_id=erp.erp_id,
            erp_number=erp.number or "",
            erp_date=erp.day.isoformat(),
            erp_amount=_plain(erp.total.amount),
            currency=row["currency"] or erp.total.currency,
        )
    store_amount = store.total.amount if store else Decimal(0)
    erp_amount = erp.total.amount if erp else Decimal(0)
    row["amount_difference"] = _plain(store_amount - erp_amount)
    return row


def _plain(amount: Decimal) -> str:
    """One spelling per amount, whatever scale each system answers in ("4" from SuiteQL, "4.00" from the
    store): cents shown, finer digits kept."""
    cents = amount.quantize(CENT)
    return str(cents if cents == amount else amount)


def _totals(amounts: Iterable[Money]) -> dict[str, str]:
    totals: dict[str, Decimal] = {}
    for amount in amounts:
        totals[amount.currency] = totals.get(amount.currency, Decimal(0)) + amount.amount
    return {currency: _plain(total) for currency, total in sorted(totals.items())}


def to_csv(report: Mapping[str, Any]) -> str:
    """The report's difference rows as CSV, one line per record, every column of ``COLUMNS``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(report.get("rows") or [])
    return out.getvalue()


def summary(report: Mapping[str, Any]) -> str:
    """A few lines for a terminal (``erpsync tieout``): counts and totals per record type, then each
    difference."""
    lines = [f"tie-out {report['date']}: {len(report.get('rows') or [])} difference(s)"]
    for kind, counts in (report.get("counts") or {}).items():
        lines.append(
            f"  {kind}s: store {counts['store']} ({_money_text(counts['store_total'])}), "
            f"ERP {counts['erp']} ({_money_text(counts['erp_total'])}), {counts['differences']} difference(s)"
        )
    for row in report.get("rows") or []:
        lines.append(
            f"  {row['difference']}: {row['record_type']} {row['business_key']} "
            f"store {row['store_amount'] or '-'} / ERP {row['erp_amount'] or '-'} {row['currency']}"
        )
    lines += [f"  not compared: {what}" for what in report.get("not_compared") or []]
    return "\n".join(lines)


def _money_text(totals: Mapping[str, str]) -> str:
    return ", ".join(f"{amount} {currency}" for currency, amount in totals.items()) or "0"


# --- stored reports -----------------------------------------------------------------------------------------
_READY: set[int] = set()


def _engine_of(store: Store) -> sa.Engine:
    # The reports live beside the state store's tables, in its database (as the alerts' own table does).
    engine: sa.Engine = store._engine
    if id(engine) not in _READY:
        metadata.create_all(engine)
        _READY.add(id(engine))
    return engine


def save_report(store: Store, report: Mapping[str, Any]) -> None:
    engine = _engine_of(store)
    with engine.begin() as connection:
        connection.execute(reports_table.delete().where(reports_table.c.day == report["date"]))
        connection.execute(
            reports_table.insert().values(
                day=report["date"],
                generated_at=datetime.fromisoformat(report["generated_at"]),
                differences=len(report["rows"]),
                report=json.dumps(report, sort_keys=True),
            )
        )


def report_for(store: Store, day: date) -> dict[str, Any] | None:
    """The stored report of ``day``, or None when that day has not been tied out."""
    with _engine_of(store).connect() as connection:
        text = connection.execute(
            sa.select(reports_table.c.report).where(reports_table.c.day == day.isoformat())
        ).scalar()
    return None if text is None else dict(json.loads(text))


def latest_report(store: Store) -> dict[str, Any] | None:
    """The most recently generated report (what the dashboard shows), or None when none has run."""
    with _engine_of(store).connect() as connection:
        text = connection.execute(
            sa.select(reports_table.c.report).order_by(reports_table.c.generated_at.desc()).limit(1)
        ).scalar()
    return None if text is None else dict(json.loads(text))
