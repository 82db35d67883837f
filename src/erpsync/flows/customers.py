"""Customers, both ways, each field from its source of truth.

What moves: a customer changed in the store goes to the ERP (``customer_to_erp``), a customer changed in the
ERP goes to the store (``customer_to_store``), both found by polling (``poll_store_customers``,
``poll_erp_customers``). Who owns what (``FIELD_OWNERS``): the store owns the contact details the shopper
edits (names, phone); the ERP owns what finance decides (tax exemption). A change to a field from the system
that does not own it is not applied; it is recorded as a conflict for the operator (DESIGN decision 2) once.

Loop prevention: each side's last known values are kept as field hashes in the cross-reference. After every
write erpsync reads the record back from the system it wrote and remembers what that system now holds, so
its own write, polled back as a "change", compares equal and goes nowhere.

A customer that is new to the store is created there with every field (there is nothing to conflict with);
one the store already has is matched through the cross-reference. Guest accounts the order flow created in
the ERP (``guest:<e-mail>``) are not store accounts and stay in the ERP.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from erpsync.engine import Engine, FlowContext
from erpsync.flows.hub import Hub
from erpsync.flows.orders import GUEST_PREFIX
from erpsync.flows.ownership import refuse_change
from erpsync.flows.polling import register_poller
from erpsync.model import Customer

TO_ERP = "customer_to_erp"
TO_STORE = "customer_to_store"
STORE_POLLER = "poll_store_customers"
ERP_POLLER = "poll_erp_customers"
RECORD_TYPE = "customer"

# The fields kept in sync and their source of truth ("store" or "erp"). The e-mail is the customer's
# identity (its business key), not a synced field; addresses stay with the system that holds them.
FIELD_OWNERS: dict[str, str] = {
    "first_name": "store",
    "last_name": "store",
    "phone": "store",
    "tax_exempt": "erp",
}


@runtime_checkable
class ReadsCustomers(Protocol):
    """An ERP connector that can read one customer back by its id (NetSuite does)."""

    def get_customer(self, customer_id: str) -> Customer: ...


@runtime_checkable
class FindsCustomers(Protocol):
    """An ERP connector that can find a customer by e-mail (NetSuite does)."""

    def find_customer_by_email(self, email: str) -> str | None: ...


def customer_fields(customer: Customer) -> dict[str, Any]:
    """The synced fields of a customer, as compared and remembered."""
    return {name: getattr(customer, name) for name in FIELD_OWNERS}


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(TO_ERP, queue=hub.erp.system, record_type=RECORD_TYPE)
    def customer_to_erp(ctx: FlowContext, reference: dict[str, Any]) -> dict[str, Any]:
        # Webhooks and polls are hints: the customer is read as it is now.
        customer: Customer = ctx.step("read_customer", hub.shop.get_customer, str(reference["customer_id"]))
        return _customer_to_erp(ctx, hub, customer)

    @engine.flow(TO_STORE, queue=hub.shop.system, record_type=RECORD_TYPE)
    def customer_to_store(ctx: FlowContext, erp_record: dict[str, Any]) -> dict[str, Any]:
        return _customer_to_store(ctx, hub, Customer.from_json_dict(erp_record))

    register_poller(
        engine,
        hub.store,
        name=STORE_POLLER,
        queue=hub.shop.system,
        read_changes=hub.shop.customers_changed_since,
        target_flow=TO_ERP,
        payload=lambda customer: {"customer_id": customer.origin.id},
    )
    register_poller(
        engine,
        hub.store,
        name=ERP_POLLER,
        queue=hub.erp.system,
        read_changes=hub.erp.customers_changed_since,
        target_flow=TO_STORE,
    )


# --- store → ERP ----------------------------------------------------------------------------------------


def _customer_to_erp(ctx: FlowContext, hub: Hub, customer: Customer) -> dict[str, Any]:
    key = customer.business_key
    fields = customer_fields(customer)
    changed = ctx.step("changed_fields", hub.store.changed_fields, hub.shop.system, RECORD_TYPE, key, fields)
    if not changed:
        return {"status": "unchanged", "customer": key}
    erp_id = ctx.step("find_erp_customer", _erp_customer_id, hub, customer)
    erp_current = ctx.step("read_erp_customer", _read_erp_customer, hub, erp_id) if erp_id else None
    differing = _differing(changed, fields, erp_current)
    conflicts = [name for name in differing if FIELD_OWNERS[name] == "erp"] if erp_current else []
    for name in conflicts:
        ctx.step(
            f"conflict_{name}",
            _conflict,
            hub,
            key,
            name,
            hub.erp.system,
            hub.shop.system,
            erp_current,
            fields[name],
        )
    status = "unchanged"
    if erp_current is None or any(FIELD_OWNERS[name] == "store" for name in differing):
        erp_id = ctx.step(
            "upsert_customer",
            _write_to_erp,
            hub,
            customer,
            erp_current,
            idempotency_key=ctx.idempotency_key("upsert_customer"),
        )
        status = "written"
    ctx.step("remember_store", hub.store.remember_fields, hub.shop.system, RECORD_TYPE, key, fields)
    ctx.step("link_store", hub.store.link, hub.shop.system, RECORD_TYPE, customer.origin.id, key)
    status = "conflict" if conflicts else status  # a write of the other fields may go with a conflict
    return {"status": status, "customer": key, "erp_customer_id": erp_id, "conflicts": conflicts}


def _erp_customer_id(hub: Hub, customer: Customer) -> str | None:
    """The ERP's id for the customer: linked before, or (first sync of accounts both systems already had)
    the ERP customer with the same e-mail, which is then linked instead of a duplicate being created."""
    key = customer.business_key
    linked = hub.store.external_id(hub.erp.system, RECORD_TYPE, key)
    if linked is not None or not customer.email or not isinstance(hub.erp, FindsCustomers):
        return linked
    found = hub.erp.find_customer_by_email(customer.email)
    if found is None or hub.store.business_key(hub.erp.system, RECORD_TYPE, found) is not None:
        return None  # nobody, or a guest account (``guest:<e-mail>``): a registered customer gets their own
    hub.store.link(hub.erp.system, RECORD_TYPE, found, key)
    return found


def _write_to_erp(hub: Hub, customer: Customer, erp_current: Customer | None, *, idempotency_key: str) -> str:
    """Write the store's fields; the ERP-owned ones are sent as the ERP holds them, so an ERP connector that
    writes every field never overwrites them. A customer the ERP already has is updated where it is."""
    outgoing = customer
    if erp_current is not None:
        erp_owned = {
            name: getattr(erp_current, name) for name, owner in FIELD_OWNERS.items() if owner == "erp"
        }
        outgoing = customer.model_copy(update={**erp_owned, "origin": erp_current.origin})
    erp_id = hub.erp.upsert_customer(outgoing, idempotency_key=idempotency_key)
    key = customer.business_key
    hub.store.link(hub.erp.system, RECORD_TYPE, erp_id, key)
    written = _read_erp_customer(hub, erp_id)
    hub.store.remember_fields(hub.erp.system, RECORD_TYPE, key, customer_fields(written or outgoing))
    return erp_id


def _read_erp_customer(hub: Hub, erp_id: str) -> Customer | None:
    """The ERP's customer as it is now, or None when this ERP connector cannot read one customer back (its
    own write is then remembered as sent, and a value the ERP normalises shows as its change once)."""
    if isinstance(hub.erp, ReadsCustomers):
        return hub.erp.get_customer(erp_id)
    return None


# --- ERP → store ----------------------------------------------------------------------------------------


def _customer_to_store(ctx: FlowContext, hub: Hub, erp_customer: Customer) -> dict[str, Any]:
    erp_id = erp_customer.origin.id
    known_as = ctx.step("find_customer", hub.store.business_key, hub.erp.system, RECORD_TYPE, erp_id)
    key = known_as or erp_customer.business_key
    if key.startswith(GUEST_PREFIX):
        return {"status": "guest_account", "customer": key}
    fields = customer_fields(erp_customer)
    changed = ctx.step("changed_fields", hub.store.changed_fields, hub.erp.system, RECORD_TYPE, key, fields)
    if not changed:
        return {"status": "unchanged", "customer": key}
    store_id = ctx.step("find_store_customer", hub.store.external_id, hub.shop.system, RECORD_TYPE, key)
    store_current: Customer | None = (
        ctx.step("read_store_customer", hub.shop.get_customer, store_id) if store_id else None
    )
    differing = _differing(changed, fields, store_current)
    conflicts = [name for name in differing if FIELD_OWNERS[name] == "store"] if store_current else []
    for name in conflicts:
        ctx.step(
            f"conflict_{name}",
            _conflict,
            hub,
            key,
            name,
            hub.shop.system,
            hub.erp.system,
            store_current,
            fields[name],
        )
    applied = [name for name in differing if name not in conflicts]
    status = "unchanged"
    if store_current is None or applied:
        outgoing = (
            erp_customer
            if store_current is None
            else store_current.model_copy(update={name: fields[name] for name in applied})
        )
        store_id = ctx.step(
            "upsert_customer",
            _write_to_store,
            hub,
            outgoing,
            key,
            idempotency_key=ctx.idempotency_key("upsert_customer"),
        )
        status = "written"
    ctx.step("remember_erp", hub.store.remember_fields, hub.erp.system, RECORD_TYPE, key, fields)
    ctx.step("link_erp", hub.store.link, hub.erp.system, RECORD_TYPE, erp_id, key)
    status = "conflict" if conflicts else status  # a write of the other fields may go with a conflict
    return {
        "status": status,
        "customer": key,
        "store_customer_id": store_id,
        "applied": applied,
        "conflicts": conflicts,
    }


def _write_to_store(hub: Hub, customer: Customer, key: str, *, idempotency_key: str) -> str:
    store_id = hub.shop.upsert_customer(customer, idempotency_key=idempotency_key)
    hub.store.link(hub.shop.system, RECORD_TYPE, store_id, key)
    written = hub.shop.get_customer(store_id)
    hub.store.remember_fields(hub.shop.system, RECORD_TYPE, key, customer_fields(written))
    return store_id


# --- both ways ------------------------------------------------------------------------------------------


def _differing(changed: set[str], fields: dict[str, Any], other: Customer | None) -> list[str]:
    """The changed fields whose new value the other system does not hold yet (all of them if it has none)."""
    if other is None:
        return sorted(changed)
    return sorted(name for name in changed if getattr(other, name) != fields[name])


def _conflict(
    hub: Hub, key: str, name: str, owner: str, attempted_by: str, owner_record: Customer | None, proposed: Any
) -> None:
    current = getattr(owner_record, name) if owner_record is not None else None
    refuse_change(
        hub.store,
        record_type=RECORD_TYPE,
        noun="customer",
        key=key,
        field=name,
        owner=owner,
        attempted_by=attempted_by,
        current=current,
        proposed=proposed,
    )
