"""Discount codes, both ways, each field from its source of truth.

What moves: a discount code created or changed in the store goes to the ERP (``discount_to_erp``), one created
or changed in the ERP goes to the store (``discount_to_store``), both found by polling
(``poll_store_discounts``, ``poll_erp_discounts``). A code is the discount's identity
(``Discount.business_key``: the code upper-cased), so a code both systems already have is linked, never
created twice.

Who owns what (``FIELD_OWNERS``): the store owns how the promotion is presented and when it runs (title, start
and end), which marketing sets where shoppers see it; the ERP owns its value (kind, percentage, amount), which
finance books. A discount new to a system is created there with every field; afterwards a change to a field
from the system that does not own it is not applied and is recorded once as a conflict.

Only what both systems model moves: one-code percentage or amount-off discounts on the whole order. Others are
parked with the connector's reason (``DataError``), never dropped silently.

Loop prevention: as ``flows/customers.py``: each side's last known values are kept as field hashes; after a
write erpsync reads the record back from the system it wrote and remembers what that system holds, so its own
write, polled back as a "change", compares equal and goes nowhere.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from erpsync.engine import Engine, FlowContext
from erpsync.flows.hub import Hub
from erpsync.flows.ownership import refuse_change
from erpsync.flows.polling import register_poller
from erpsync.model import Discount

TO_ERP = "discount_to_erp"
TO_STORE = "discount_to_store"
STORE_POLLER = "poll_store_discounts"
ERP_POLLER = "poll_erp_discounts"
RECORD_TYPE = "discount"

FIELD_OWNERS: dict[str, str] = {
    "title": "store",
    "starts_at": "store",
    "ends_at": "store",
    "kind": "erp",
    "percentage": "erp",
    "amount": "erp",
}


def discount_fields(discount: Discount) -> dict[str, Any]:
    """The synced fields, as compared and remembered (JSON-ready: Decimals and datetimes as text)."""
    data = discount.to_json_dict()
    if data.get("percentage") is not None:  # 10, 10.0 and 10.00 % are one value
        data["percentage"] = format(Decimal(str(data["percentage"])).normalize(), "f")
    return {name: data.get(name) for name in FIELD_OWNERS}


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(TO_ERP, queue=hub.erp.system, record_type=RECORD_TYPE)
    def discount_to_erp(ctx: FlowContext, reference: dict[str, Any]) -> dict[str, Any]:
        # Polls are hints: the discount is read as it is now.
        discount: Discount = ctx.step("read_discount", hub.shop.get_discount, str(reference["discount_id"]))
        return _sync(ctx, hub, discount, source="store")

    @engine.flow(TO_STORE, queue=hub.shop.system, record_type=RECORD_TYPE)
    def discount_to_store(ctx: FlowContext, reference: dict[str, Any]) -> dict[str, Any]:
        discount: Discount = ctx.step("read_discount", hub.erp.get_discount, str(reference["discount_id"]))
        return _sync(ctx, hub, discount, source="erp")

    def reference(discount: Discount) -> dict[str, Any]:
        return {"discount_id": discount.origin.id}

    register_poller(
        engine,
        hub.store,
        name=STORE_POLLER,
        queue=hub.shop.system,
        read_changes=hub.shop.discounts_changed_since,
        target_flow=TO_ERP,
        payload=reference,
        reread_payload=lambda discount_id: {"discount_id": discount_id},
        record_type=RECORD_TYPE,
    )
    register_poller(
        engine,
        hub.store,
        name=ERP_POLLER,
        queue=hub.erp.system,
        read_changes=hub.erp.discounts_changed_since,
        target_flow=TO_STORE,
        payload=reference,
        reread_payload=lambda discount_id: {"discount_id": discount_id},
        record_type=RECORD_TYPE,
    )


def _sync(ctx: FlowContext, hub: Hub, discount: Discount, *, source: str) -> dict[str, Any]:
    """Move ``discount`` from ``source`` ("store" or "erp") to the other system, owner by owner."""
    source_connector = hub.shop if source == "store" else hub.erp
    target_connector = hub.erp if source == "store" else hub.shop
    target = "erp" if source == "store" else "store"
    source_system, target_system = source_connector.system, target_connector.system
    key = discount.business_key
    fields = discount_fields(discount)
    changed = ctx.step("changed_fields", hub.store.changed_fields, source_system, RECORD_TYPE, key, fields)
    if not changed:
        return {"status": "unchanged", "discount": key}
    target_id = ctx.step("find_target", _target_id, hub, target, discount)
    current: Discount | None = (
        ctx.step("read_target", target_connector.get_discount, target_id) if target_id else None
    )
    differing = _differing(changed, fields, current)
    conflicts = [name for name in differing if FIELD_OWNERS[name] == target] if current else []
    for name in conflicts:
        ctx.step(
            f"conflict_{name}",
            _conflict,
            hub,
            key,
            name,
            target_system,
            source_system,
            discount_fields(current) if current else {},
            fields[name],
        )
    applied = [name for name in differing if name not in conflicts]
    status = "unchanged"
    if current is None or applied:
        outgoing = discount
        if current is not None:
            # What the target owns is sent as the target holds it; the record keeps its identity there.
            kept = {name: getattr(current, name) for name in FIELD_OWNERS if name not in applied}
            outgoing = discount.model_copy(update={**kept, "origin": current.origin})
        target_id = ctx.step(
            "upsert_discount",
            _write,
            hub,
            source,
            outgoing,
            key,
            idempotency_key=ctx.idempotency_key("upsert_discount"),
        )
        status = "written"
    ctx.step("remember_source", hub.store.remember_fields, source_system, RECORD_TYPE, key, fields)
    ctx.step("link_source", hub.store.link, source_system, RECORD_TYPE, discount.origin.id, key)
    status = "conflict" if conflicts else status  # a write of the other fields may go with a conflict
    return {
        "status": status,
        "discount": key,
        f"{target}_discount_id": target_id,
        "applied": applied,
        "conflicts": conflicts,
    }


def _target_id(hub: Hub, target: str, discount: Discount) -> str | None:
    """The target's id of the discount: linked before, or (first sync of a code both systems already have)
    the target's discount with the same code, which is linked then, so its owner's fields are respected from
    the first sync on instead of being overwritten."""
    connector = hub.erp if target == "erp" else hub.shop
    key = discount.business_key
    linked = hub.store.external_id(connector.system, RECORD_TYPE, key)
    if linked is not None or len(discount.codes) != 1:
        return linked
    found = connector.find_discount_by_code(discount.codes[0])
    if found is None or hub.store.business_key(connector.system, RECORD_TYPE, found) is not None:
        return None  # nobody has it, or the target's discount belongs to another code already
    hub.store.link(connector.system, RECORD_TYPE, found, key)
    return found


def _write(hub: Hub, source: str, discount: Discount, key: str, *, idempotency_key: str) -> str:
    target = hub.erp if source == "store" else hub.shop
    target_id = target.upsert_discount(discount, idempotency_key=idempotency_key)
    hub.store.link(target.system, RECORD_TYPE, target_id, key)
    written = target.get_discount(target_id)
    hub.store.remember_fields(target.system, RECORD_TYPE, key, discount_fields(written))
    return target_id


def _differing(changed: set[str], fields: dict[str, Any], other: Discount | None) -> list[str]:
    """The changed fields whose new value the other system does not hold yet (all of them if it has none)."""
    if other is None:
        return sorted(changed)
    theirs = discount_fields(other)
    return sorted(name for name in changed if theirs[name] != fields[name])


def _conflict(
    hub: Hub,
    key: str,
    name: str,
    owner: str,
    attempted_by: str,
    owner_fields: dict[str, Any],
    proposed: Any,
) -> None:
    current = owner_fields.get(name)
    refuse_change(
        hub.store,
        record_type=RECORD_TYPE,
        noun="discount",
        key=key,
        field=name,
        owner=owner,
        attempted_by=attempted_by,
        current=current,
        proposed=proposed,
    )
