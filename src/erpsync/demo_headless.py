"""`erpsync demo --headless --orders N`: N shopper orders from checkout to cash, then the figures, measured.

Starts the Shopify and NetSuite sandboxes, the email sink and erpsync on SQLite (``demo.demo_environment``),
seeds the catalog and stock, places N orders with a realistic mix, and runs every flow to completion:

- plain web orders, coupon orders (a 10 % code: NetSuite's discount item is configured in the connector's
  settings, as ``erpsync.yaml`` would), B2B orders for the store's companies (on payment terms);
- a few orders cancelled by the shopper after NetSuite accepted them, before shipping (cancelled there);
- a few orders edited by staff in Shopify after NetSuite accepted them, before shipping (a unit fewer, a
  product added): the sales order follows, NetSuite ships, bills and ties out the edited order;
- some orders refunded in part after they shipped (a credit memo in NetSuite);
- a deliberate few BAD orders (one in 50, at least one): a SKU sold only in the store, which NetSuite never
  gets; each waits, visibly, and is listed with its reason.

Then orders → NetSuite sales orders → NetSuite's warehouse ships → fulfillments with tracking back to
Shopify → erpsync's shipping confirmation to the sink → invoices and payments in NetSuite → refunds → credit
memos → the day's tie-out. The last line is one JSON object whose counts are read from the systems (the
sandboxes' state and SuiteQL, the sink, erpsync's store), never from what the demo believes it did.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from erpsync.connectors.netsuite import external_id_for
from erpsync.demo import COMPANIES_QUERY, DemoEnvironment, demo_environment, shopper_basket
from erpsync.sandboxes.email import EmailSink, running_sink

COUPON_CODE = "WELCOME10"
BAD_ORDER_EVERY = 50
# Shopify's updatedAt has second resolution: a change in the same second as the last poll looks like the
# version already synced, so people act on an order a little later than erpsync first read it.
HUMAN_PAUSE_SECONDS = 1.1
FIELDS = (
    "orders_placed",
    "sales_orders_in_erp",
    "fulfillments_in_store",
    "emails_sent",
    "invoices_in_erp",
    "refunds_to_credit_memos",
    "edits_in_erp",
    "exceptions_open",
    "duplicates_in_erp",
    "tie_out_differences",
    "seconds",
)


@dataclass
class PlannedOrder:
    """One shopper's order and what happens to it later."""

    kind: str  # plain | coupon | b2b | bad
    cancel: bool = False
    refund: bool = False
    edit: bool = False
    order_id: str = ""
    basket: list[tuple[str, int]] = dataclasses.field(default_factory=list)


def plan_orders(count: int, rng: random.Random) -> list[PlannedOrder]:
    """The mix: 1 in 50 bad (at least one), ~10 % B2B, ~15 % coupon, the rest plain web orders; ~3 % of the
    good orders cancelled after NetSuite accepted them, ~10 % of the plain ones refunded in part after
    shipping, ~3 % of the others edited before shipping (at least one of each)."""
    bad = max(1, count // BAD_ORDER_EVERY)
    plan = [PlannedOrder("plain") for _ in range(count)]
    spacing = count / bad
    bad_positions = {int(spacing * k + spacing / 2) for k in range(bad)}
    for position in bad_positions:
        plan[position].kind = "bad"
    good = [index for index in range(count) if index not in bad_positions]
    rng.shuffle(good)
    b2b = max(1, round(count * 0.10))
    coupon = max(1, round(count * 0.15))
    for index in good[:b2b]:
        plan[index].kind = "b2b"
    for index in good[b2b : b2b + coupon]:
        plan[index].kind = "coupon"
    cancelled = max(1, round(count * 0.03))
    for index in good[b2b + coupon : b2b + coupon + cancelled]:
        plan[index].cancel = True
    plain = [index for index in good if plan[index].kind == "plain" and not plan[index].cancel]
    refunds = max(1, round(count * 0.10))
    for index in plain[:refunds]:
        plan[index].refund = True
    for index in plain[refunds : refunds + max(1, round(count * 0.03))]:
        plan[index].edit = True
    return plan


def run_headless(
    database_url: str,
    *,
    order_count: int,
    seed: int = 1,
    say: Callable[[str], Any] = print,
    then: Callable[[DemoEnvironment, EmailSink, dict[str, Any]], None] | None = None,
    shop_plan: str = "standard",
) -> dict[str, Any]:
    """Run the demo to completion; return the figures (``FIELDS`` and ``bad_orders``). ``then`` runs with
    the systems still up (the tests check the figures against them). ``shop_plan``: the Shopify sandbox's
    rate-limit preset (standard: 100 cost points/s restored, plus: 1,000), what bounds a big run's speed."""
    started = time.monotonic()
    first_day = datetime.now(UTC).date()
    rng = random.Random(seed)
    with (
        running_sink() as sink,
        demo_environment(
            database_url, email_sink=sink, shipping_confirmation="erpsync", worker_id="demo-headless"
        ) as env,
    ):
        assert env.netsuite_url is not None
        # Shopify's cost budget paces a poll of many orders: give one poll and one record's run time to match.
        env.wait_seconds = max(env.wait_seconds, 3.0 * order_count)
        httpx.put(f"{env.shopify_url}/_sandbox/rate-limit", json={"preset": shop_plan}).raise_for_status()
        _netsuite_control(env, "PUT", "/_sandbox/warehouse", {"enabled": False})  # ships when told to
        _configure_discount_item(env)
        lap = _Lap(say, started)
        lap(f"catalog: {len(env.sync_catalog('headless'))} NetSuite items are Shopify products")
        env.remember_variants()
        erp_skus = env.erp_skus()
        skus = [sku for sku in erp_skus if sku.startswith("SKU-")]  # stocked items, not shipping or gift wrap
        store_only = sorted(set(env._variants_by_sku()) - set(erp_skus))
        _receive_goods(env, skus, quantity=order_count + 20)
        levels = env.sync_inventory("headless").value["levels_pushed"]
        lap(f"inventory: {levels} SKU × location quantities in Shopify")

        plan = plan_orders(order_count, rng)
        _place(env, plan, skus, store_only, rng)
        lap(f"shoppers: {order_count} orders placed in Shopify")
        results = env.sync_orders("placed")
        lap(f"order to ERP: {sum(r.status == 'completed' for r in results)} runs completed")

        cancelled = [order for order in plan if order.cancel]
        time.sleep(HUMAN_PAUSE_SECONDS)
        for order in cancelled:
            env.cancel_in_store(order.order_id)
        env.sync_orders("cancelled")
        lap(f"cancellations: {len(cancelled)} orders cancelled in Shopify, then in NetSuite")

        edited = [order for order in plan if order.edit]
        for order in edited:
            _edit(env, order, skus)
        amended = env.sync_orders("edited")
        lap(f"order edits: {len(edited)} orders edited in Shopify, {len(amended)} order runs after them")

        env.ship_open_orders()
        shipped = env.sync_fulfillments("shipped")
        lap(f"fulfillment: {sum(r.status == 'completed' for r in shipped)} shipments back in Shopify")
        billed = env.sync_invoices("billed")
        lap(f"invoicing: {sum(r.status == 'completed' for r in billed)} orders billed in NetSuite")

        refunded = [order for order in plan if order.refund]
        time.sleep(HUMAN_PAUSE_SECONDS)
        for order in refunded:
            sku, _ = order.basket[0]
            env.refund_in_store(order.order_id, sku, 1, restock=True)
        credited = env.sync_refunds("refunded")
        lap(f"refunds: {sum(r.status == 'completed' for r in credited)} store refunds credited in NetSuite")

        report = env.tie_out_since(first_day)
        figures = measure(env, sink, plan, report)
        figures["seconds"] = round(time.monotonic() - started, 1)
        if then is not None:
            then(env, sink, figures)
        return figures


class _Lap:
    """Says each step with the seconds since the start."""

    def __init__(self, say: Callable[[str], Any], started: float) -> None:
        self.say, self.started = say, started

    def __call__(self, line: str) -> None:
        self.say(f"[{time.monotonic() - self.started:6.1f} s] {line}")


def _place(
    env: DemoEnvironment,
    plan: list[PlannedOrder],
    skus: list[str],
    store_only: list[str],
    rng: random.Random,
) -> None:
    companies = env._graphql(COMPANIES_QUERY, {})["companies"]["nodes"]
    for number, order in enumerate(plan, start=1):
        order.basket = shopper_basket(rng, skus)
        email = f"shopper{number}@example.com"
        if order.kind == "b2b":
            order.order_id = env.place_company_order(
                order.basket, company_index=rng.randrange(len(companies))
            )
        elif order.kind == "coupon":
            order.order_id = _place_coupon_order(env, order.basket, email)
        elif order.kind == "bad":
            order.basket = [(store_only[number % len(store_only)], 1), *order.basket[:1]]
            order.order_id = env.place_order(order.basket, email=email)
        else:
            order.order_id = env.place_order(order.basket, email=email)


def _place_coupon_order(env: DemoEnvironment, basket: list[tuple[str, int]], email: str) -> str:
    return env.place_order(basket, email=email, code=COUPON_CODE)


def _edit(env: DemoEnvironment, order: PlannedOrder, skus: list[str]) -> None:
    """Staff take a unit off the first line (when it has more than one) and add a product not ordered."""
    first_sku, first_units = order.basket[0]
    units = {first_sku: first_units - 1} if first_units > 1 else {}
    extra = next(sku for sku in skus if sku not in dict(order.basket))
    env.edit_in_store(order.order_id, units=units, add={extra: 1})


# --- measuring ----------------------------------------------------------------------------------------------
def measure(
    env: DemoEnvironment, sink: EmailSink, plan: list[PlannedOrder], report: dict[str, Any]
) -> dict[str, Any]:
    """The figures, each read from the system that holds it."""
    placed = {order.order_id for order in plan}
    shop_state = _shopify_state(env)
    shop_orders = [o for o in shop_state["tables"]["orders"] if str(o["id"]) in placed]
    shop_fulfillments = [
        f
        for f in shop_state["tables"]["fulfillments"]
        if str(f["order_id"]) in placed and f["status"] == "success"
    ]
    sales_orders = _suiteql(
        env, "SELECT id, externalid, otherrefnum FROM transaction WHERE type = 'SalesOrd'"
    )
    from_store = {external_id_for(f"shopify:{order_id}") for order_id in placed}
    ours = [row for row in sales_orders if row.get("externalid") in from_store]
    invoices = _suiteql(env, "SELECT id FROM transaction WHERE type = 'CustInvc'")
    credit_memos = _suiteql(env, "SELECT id FROM transaction WHERE type IN ('CustCred', 'CashRfnd')")
    store = env.hub.store
    exceptions = store.exceptions(status="open")
    holds = store.holds()
    bad = _bad_orders(env, plan, report)
    bad_keys = {entry["business_key"] for entry in bad}
    unexplained = [row for row in report["rows"] if row["business_key"] not in bad_keys]
    return {
        "orders_placed": len(shop_orders),
        "sales_orders_in_erp": len({row["externalid"] for row in ours}),
        "fulfillments_in_store": len(shop_fulfillments),
        "emails_sent": len(sink.messages(subject="is on the way")),
        "invoices_in_erp": len(invoices),
        "refunds_to_credit_memos": len(credit_memos),
        "edits_in_erp": _edits_in_erp(env, plan),
        "exceptions_open": len(exceptions) + len(holds),
        "duplicates_in_erp": _duplicates(sales_orders),
        "tie_out_differences": len(unexplained),
        "seconds": 0.0,
        "bad_orders": bad,
    }


def _edits_in_erp(env: DemoEnvironment, plan: list[PlannedOrder]) -> int:
    """Edited orders whose NetSuite sales order has, line for line, the units Shopify shows after the edit."""
    client = env.hub.erp.client  # type: ignore[attr-defined]
    line_field = env.hub.erp.settings.line_id_field  # type: ignore[attr-defined]
    matching = 0
    for order in (o for o in plan if o.edit):
        in_store = {line.line_id: line.quantity for line in env.hub.shop.get_order(order.order_id).lines}
        sales_order = client.find_by_external_id("salesOrder", external_id_for(f"shopify:{order.order_id}"))
        lines = (sales_order or {}).get("item", {}).get("items", [])
        in_erp = {str(line.get(line_field)): int(line["quantity"]) for line in lines}
        matching += in_store == in_erp
    return matching


def _duplicates(sales_orders: list[dict[str, Any]]) -> int:
    """Sales orders beyond the first for one external id, or for one Shopify order number."""
    by_external = [row["externalid"] for row in sales_orders if row.get("externalid")]
    by_number = [row["otherrefnum"] for row in sales_orders if row.get("otherrefnum")]
    return max(len(by_external) - len(set(by_external)), len(by_number) - len(set(by_number)))


def _bad_orders(
    env: DemoEnvironment, plan: list[PlannedOrder], report: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each deliberately bad order: where it stands in erpsync (held or parked) and why, from the store."""
    store = env.hub.store
    holds = {hold.business_key: hold for hold in store.holds()}
    parked = {record.business_key: record for record in store.exceptions(status="open")}
    rows = {row["business_key"]: row["difference"] for row in report["rows"]}
    listed = []
    for order in plan:
        if order.kind != "bad":
            continue
        key = f"{env.hub.shop.system}:{order.order_id}"
        said = [e.message for e in store.timeline(order.order_id, system="shopify") if e.step == "held"]
        if key in holds:
            # The connector's words when the timeline has them, else what the demo did on purpose.
            sku = order.basket[0][0]
            fallback = f"SKU {sku} is sold only in the store: NetSuite has no item for it"
            why = next((m for m in said if m and not m.startswith("waits on")), fallback)
            state = "held"
            reason = f"{why}; the order waits on {holds[key].waits_on} (add the item in NetSuite: released)"
        elif key in parked:
            state, reason = "parked", parked[key].message
        else:
            state, reason = "synced", "the ERP took it (it was expected to refuse it)"
        listed.append(
            {
                "order_id": order.order_id,
                "business_key": key,
                "sku": order.basket[0][0],
                "state": state,
                "reason": reason,
                "tie_out": rows.get(key, "none"),
            }
        )
    return listed


def _shopify_state(env: DemoEnvironment) -> dict[str, Any]:
    with httpx.Client(base_url=env.shopify_url, timeout=60) as client:
        state = client.get("/_sandbox/state").json()
    domain = env.shopify_credentials["shop_domain"]
    return dict(state["stores"][domain])


def _suiteql(env: DemoEnvironment, query: str) -> list[dict[str, Any]]:
    client = env.hub.erp.client  # type: ignore[attr-defined]
    return list(client.suiteql_rows(query))


def _netsuite_control(env: DemoEnvironment, method: str, path: str, body: dict[str, Any]) -> Any:
    with httpx.Client(base_url=env.netsuite_url or "", timeout=30) as client:
        response = client.request(method, path, json=body)
        response.raise_for_status()
        return response.json()


def _configure_discount_item(env: DemoEnvironment) -> None:
    """What erpsync.yaml's ``settings: {discount_item_id: ...}`` does: coupon discounts book to the NetSuite
    discount item (without one, a discounted order is parked, asking for it)."""
    [row] = _suiteql(env, "SELECT id FROM item WHERE itemid = 'DISCOUNT'")
    erp = env.hub.erp
    erp.settings = dataclasses.replace(erp.settings, discount_item_id=str(row["id"]))  # type: ignore[attr-defined]


def _receive_goods(env: DemoEnvironment, skus: list[str], *, quantity: int) -> None:
    """Goods arrive at NetSuite's main warehouse: one inventory adjustment (a NetSuite transaction)."""
    items = {
        row["itemid"]: row["id"]
        for row in _suiteql(env, "SELECT id, itemid FROM item WHERE itemtype = 'InvtPart'")
    }
    [location] = _suiteql(env, "SELECT id FROM location WHERE externalid = 'main-warehouse'")
    client = env.hub.erp.client  # type: ignore[attr-defined]
    client.create(
        "inventoryAdjustment",
        {
            "memo": "erpsync demo: goods received",
            "adjLocation": {"id": str(location["id"])},
            "inventory": {
                "items": [
                    {
                        "item": {"id": str(items[sku])},
                        "location": {"id": str(location["id"])},
                        "adjustQtyBy": quantity,
                    }
                    for sku in skus
                ]
            },
        },
    )
