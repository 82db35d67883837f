"""Payouts to the ERP: each payout the payment provider makes to the merchant's bank becomes one bank deposit
in the ERP, once it is paid — the deposit of many orders' money, less the provider's fees, plus or minus
refunds, disputes and adjustments, each on its own line and account (the ERP connector's choice; NetSuite:
``erpsync.connectors.netsuite.finance``). The deposit's amount is the payout's net, as the bank statement
shows it.

Trigger: a poll of the store's payouts (``poll_store_payouts``, its own cursor); a payout is handed on
again when its status changes, and only a ``paid`` one is booked (scheduled and in-transit payouts have not
reached the bank yet; failed and cancelled ones never will).

Ownership: the store (its payment provider) owns the payout; the ERP owns the deposit it books for it.
Idempotency: the deposit's key is the payout's business key (``"shopify:<payout id>"``), kept by the ERP as
the deposit's external id, so a payout polled twice, replayed or retried is one deposit. The pair is linked
in the cross-reference (``payout``), which is how the daily tie-out matches payouts to deposits.

Parked with their reason (``DataError``): a payout whose summary does not add up to its net (the store
connector refuses to translate it), one with a negative net (a withdrawal from the bank), and one whose
gateway has no accounts configured in the ERP connector.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from erpsync.connectors.base import ChangeBatch
from erpsync.engine import Engine, FlowContext
from erpsync.errors import ConfigError
from erpsync.flows.hub import Hub
from erpsync.flows.polling import register_poller
from erpsync.model import Payout

FLOW = "payout_to_erp"
POLLER = "poll_store_payouts"


@runtime_checkable
class PayoutSource(Protocol):
    """A store connector that lists its payment provider's payouts (Shopify: Shopify Payments)."""

    def payouts_changed_since(self, cursor: str | None) -> ChangeBatch[Payout]: ...


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.erp.system, record_type="payout")
    def payout_to_erp(ctx: FlowContext, document: dict[str, Any]) -> dict[str, Any]:
        payout = Payout.from_json_dict(document)
        if payout.status != "paid":
            return {"status": "not_paid", "payout_id": payout.origin.id, "payout_status": payout.status}
        deposit_id: str = ctx.step(
            "record_payout", hub.erp.record_payout, payout, idempotency_key=payout.business_key
        )
        ctx.step("link_deposit", _link_deposit, hub, payout, deposit_id)
        return {
            "status": "deposited",
            "payout_id": payout.origin.id,
            "deposit_id": deposit_id,
            "net": str(payout.net.amount),
            "currency": payout.currency,
        }

    register_poller(
        engine,
        hub.store,
        name=POLLER,
        queue=hub.shop.system,
        read_changes=lambda cursor: _payouts_of(hub, cursor),
        target_flow=FLOW,
        record_type="payout",
    )


def _payouts_of(hub: Hub, cursor: str | None) -> ChangeBatch[Payout]:
    if not isinstance(hub.shop, PayoutSource):
        raise ConfigError(f"the {hub.shop.system} connector cannot list payouts, so none can be booked")
    return hub.shop.payouts_changed_since(cursor)


def _link_deposit(hub: Hub, payout: Payout, deposit_id: str) -> None:
    hub.store.link(hub.erp.system, "payout", deposit_id, payout.business_key)
    hub.store.record_event(
        "payout",
        payout.business_key,
        "acknowledged",
        system=hub.erp.system,
        external_id=deposit_id,
        message=f"deposit {deposit_id} ({payout.net}) books store payout {payout.origin.id}",
    )
