"""`erpsync demo --headless --orders 20`: the last line's figures agree with the systems themselves."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from erpsync import demo_headless
from erpsync.cli import app
from erpsync.connectors.netsuite import external_id_for
from erpsync.demo import DemoEnvironment
from erpsync.sandboxes.email import EmailSink

ORDERS = 20


def test_headless_demo_runs_every_order_once_and_its_figures_match_the_systems(tmp_path: Path) -> None:
    checked: dict[str, Any] = {}
    first_day = datetime.now(UTC).date()  # a run that crosses midnight ties out both days

    figures = demo_headless.run_headless(
        f"sqlite:///{tmp_path / 'demo.db'}",
        order_count=ORDERS,
        say=lambda line: None,
        then=lambda env, sink, _: checked.update(_look(env, sink, first_day)),
    )

    assert set(figures) == {*demo_headless.FIELDS, "bad_orders"}
    assert figures["orders_placed"] == ORDERS == checked["store_orders"]

    # Every order that can reach NetSuite is there once; the bad order is not, and says why.
    bad = figures["bad_orders"]
    assert len(bad) == 1 and bad[0]["state"] == "held"
    assert bad[0]["sku"] in bad[0]["reason"] and "NetSuite" in bad[0]["reason"]
    assert bad[0]["tie_out"] == "missing_in_erp"
    assert checked["sales_orders_per_order"] == {
        order_id: (0 if order_id == bad[0]["order_id"] else 1) for order_id in checked["placed"]
    }
    assert figures["sales_orders_in_erp"] == ORDERS - 1
    assert figures["duplicates_in_erp"] == 0
    assert figures["exceptions_open"] == 1 == checked["held"]
    assert checked["parked"] == []

    # Every shipment is back in the store and has its one shipping confirmation, to the order's buyer.
    assert figures["fulfillments_in_store"] == checked["fulfillments"] > 0
    assert figures["emails_sent"] == figures["fulfillments_in_store"]
    assert checked["mails_per_fulfillment"] == dict.fromkeys(checked["mails_per_fulfillment"], 1)
    assert len(checked["mails_per_fulfillment"]) == figures["fulfillments_in_store"]
    assert checked["mails_to_the_buyer"]

    # Billing, refunds and the tie-out.
    assert figures["invoices_in_erp"] == checked["invoices"] == figures["fulfillments_in_store"]
    assert figures["refunds_to_credit_memos"] == checked["credit_memos"] == checked["store_refunds"] >= 1
    assert figures["tie_out_differences"] == 0
    assert checked["tie_out_rows"] == [bad[0]["business_key"]]

    # Staff edits after NetSuite took the orders: each sales order follows, and the tie-out above is clean
    # with the edited amounts.
    assert figures["edits_in_erp"] == checked["edited_in_store"] >= 1


def _look(env: DemoEnvironment, sink: EmailSink, first_day: date) -> dict[str, Any]:
    """What the systems hold, read independently of the demo's own measuring."""
    with httpx.Client(base_url=env.shopify_url) as http:
        shop = http.get("/_sandbox/state").json()["stores"][env.shopify_credentials["shop_domain"]]
    placed = list(env.placed_orders)
    orders = {str(o["id"]): o for o in shop["tables"]["orders"]}
    shipped = [f for f in shop["tables"]["fulfillments"] if f["status"] == "success"]
    client = env.hub.erp.client  # type: ignore[attr-defined]
    sales_orders = Counter(
        row["externalid"]
        for row in client.suiteql_rows("SELECT externalid FROM transaction WHERE type = 'SalesOrd'")
    )
    by_fulfillment = Counter(mail.header("X-Erpsync-Fulfillment") for mail in sink.messages())
    buyers = {
        str(env.hub.store.business_key("shopify", "fulfillment", str(f["id"]))): orders[str(f["order_id"])][
            "email"
        ]
        for f in shipped
    }
    mails_to_buyer = all(
        mail.rcpt_tos == [buyers[str(mail.header("X-Erpsync-Fulfillment"))]] for mail in sink.messages()
    )
    report = env.tie_out_since(first_day)
    return {
        "placed": placed,
        "store_orders": sum(1 for order_id in placed if order_id in orders),
        "sales_orders_per_order": {
            order_id: sales_orders[external_id_for(f"shopify:{order_id}")] for order_id in placed
        },
        "fulfillments": len(shipped),
        "mails_per_fulfillment": dict(by_fulfillment),
        "mails_to_the_buyer": mails_to_buyer,
        "invoices": len(list(client.suiteql_rows("SELECT id FROM transaction WHERE type = 'CustInvc'"))),
        "credit_memos": len(list(client.suiteql_rows("SELECT id FROM transaction WHERE type = 'CustCred'"))),
        "store_refunds": len(shop["tables"]["refunds"]),
        "edited_in_store": sum(1 for order_id in placed if orders[order_id].get("edited")),
        "held": len(env.hub.store.holds()),
        "parked": env.hub.store.exceptions(status="open"),
        "tie_out_rows": [row["business_key"] for row in report["rows"]],
    }


def test_cli_prints_the_figures_as_its_last_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The CLI's part only (the run itself is the test above): progress lines, then one JSON line."""
    seen: dict[str, Any] = {}

    def run(url: str, **kwargs: Any) -> dict[str, Any]:
        seen.update(url=url, **kwargs)
        kwargs["say"]("[   1.0 s] catalog: a progress line")
        return {"orders_placed": 3, "bad_orders": [{"reason": "a reason\nover two lines"}]}

    monkeypatch.setattr(demo_headless, "run_headless", run)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo", "--headless", "--orders", "3", "--shop-plan", "plus"])

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert json.loads(lines[-1]) == {
        "orders_placed": 3,
        "bad_orders": [{"reason": "a reason\nover two lines"}],
    }
    assert "progress line" in result.output
    assert seen["order_count"] == 3 and seen["shop_plan"] == "plus"
    assert seen["url"] == f"sqlite:///{tmp_path / 'erpsync-demo.db'}"
