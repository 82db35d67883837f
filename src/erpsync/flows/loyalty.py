"""Loyalty points, store → ERP: every change of a customer's points balance becomes a ``LoyaltyEvent`` (points
earned or spent) posted to the ERP.

Where the points live: the store's loyalty app keeps one balance per customer (``LoyaltyBalance``; on Shopify
a customer metafield, ``loyalty.points`` by default). ``poll_store_loyalty`` reads the balances of the
customers changed since its cursor; ``loyalty_to_erp`` compares each with the balance the ERP holds and
records the difference as one event: *earned* when it grew, *spent* when it shrank. Its id is the customer and
the balance's version (the store's stamp of that value), so one change is one event however often it is
polled.

Posting is idempotent per event: the event is decided in a durable step (a replay after a crash posts the same
event), and the ERP receives the balance after it (NetSuite: a customer custom field, and a journal entry per
event if so configured), which lands once however often it is sent. A balance equal to the ERP's is no event
at all (nothing to post).

The customer must be in the ERP first: found through the cross-reference (customers flow) or by e-mail; until
then the balance waits on ``customer:<e-mail>`` and is released when the customer is synced.
"""

from __future__ import annotations

from typing import Any

from erpsync.engine import Engine, FlowContext
from erpsync.errors import MissingPrerequisite
from erpsync.flows.customers import RECORD_TYPE as CUSTOMER
from erpsync.flows.customers import FindsCustomers
from erpsync.flows.hub import Hub
from erpsync.flows.polling import register_poller
from erpsync.model import LoyaltyEvent, Origin
from erpsync.model.loyalty import LoyaltyBalance

FLOW = "loyalty_to_erp"
POLLER = "poll_store_loyalty"
RECORD_TYPE = "loyalty_event"


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.erp.system, record_type=RECORD_TYPE)
    def loyalty_to_erp(ctx: FlowContext, balance_data: dict[str, Any]) -> dict[str, Any]:
        balance = LoyaltyBalance.from_json_dict(balance_data)
        customer_id = ctx.step("find_erp_customer", _erp_customer_id, hub, balance)
        event: LoyaltyEvent | None = ctx.step("decide_event", _event_for, hub, balance, customer_id)
        if event is None:
            return {"status": "unchanged", "customer": balance.customer_key, "points": balance.points}
        ctx.step(
            "post_event",
            hub.erp.post_loyalty_event,
            event,
            customer_id=customer_id,
            idempotency_key=ctx.idempotency_key(f"post_event:{event.origin.id}"),
        )
        ctx.step(
            "record_event",
            hub.store.record_event,
            RECORD_TYPE,
            event.business_key,
            "written",
            system=hub.erp.system,
            external_id=customer_id,
            message=f"{event.kind} {event.points} points; balance {event.balance_after} posted to "
            f"{hub.erp.system} customer {customer_id}",
        )
        return {
            "status": "posted",
            "customer": balance.customer_key,
            "event": event.business_key,
            "kind": event.kind,
            "points": event.points,
            "balance_after": event.balance_after,
        }

    register_poller(
        engine,
        hub.store,
        name=POLLER,
        queue=hub.shop.system,
        read_changes=hub.shop.loyalty_balances_changed_since,
        target_flow=FLOW,
        record_type=RECORD_TYPE,
    )


def _erp_customer_id(hub: Hub, balance: LoyaltyBalance) -> str:
    key = balance.customer_key
    linked = hub.store.external_id(hub.erp.system, CUSTOMER, key)
    if linked is not None:
        return linked
    if balance.customer_email and isinstance(hub.erp, FindsCustomers):
        found = hub.erp.find_customer_by_email(balance.customer_email)
        if found is not None:
            return found
    raise MissingPrerequisite(
        f"loyalty points of customer {key} wait for the customer to be created in {hub.erp.system}",
        prerequisite=f"{CUSTOMER}:{key}",
        system=hub.erp.system,
        record=f"customer {key}",
    )


def _event_for(hub: Hub, balance: LoyaltyBalance, customer_id: str) -> LoyaltyEvent | None:
    """The event that takes the ERP's balance to the store's, or None when they agree."""
    posted = hub.erp.loyalty_points(customer_id)
    change = balance.points - posted
    if change == 0:
        return None
    return LoyaltyEvent(
        origin=Origin(
            system=balance.origin.system,
            id=f"{balance.customer_id}@{balance.version[:16]}",
            updated_at=balance.origin.updated_at,
        ),
        kind="earned" if change > 0 else "spent",
        points=abs(change),
        customer_id=balance.customer_id,
        customer_email=balance.customer_email,
        balance_after=balance.points,
        reason=f"{balance.origin.system} balance {posted} → {balance.points}",
        occurred_at=balance.origin.updated_at,
    )
