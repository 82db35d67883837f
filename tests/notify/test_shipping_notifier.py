"""erpsync's own shipping confirmation: sent by the fulfillment flow after the store fulfillment exists, once
per fulfillment; an SMTP server that is down is retried, a refused recipient parks the fulfillment."""

from __future__ import annotations

import smtplib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from erpsync.config import Notifications
from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.engine import FlowResult
from erpsync.errors import DataError, TransientError
from erpsync.flows import fulfillments
from erpsync.model import TrackingInfo
from erpsync.notify import SmtpMailer, message_id
from erpsync.sandboxes.email import EmailSink, running_sink


@pytest.fixture(scope="module")
def sink() -> Iterator[EmailSink]:
    with running_sink() as running:
        yield running


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, sink: EmailSink) -> Iterator[DemoEnvironment]:
    url = f"sqlite:///{tmp_path_factory.mktemp('notify') / 'erpsync.db'}"
    with demo_environment(url, email_sink=sink, shipping_confirmation="erpsync") as environment:
        environment.sync_catalog()
        yield environment


@pytest.fixture(autouse=True)
def clean_sink(sink: EmailSink) -> None:
    sink.reset()


def _orders_to_erp_and_ship(env: DemoEnvironment, emails: list[str], trigger: str) -> dict[str, FlowResult]:
    """Place one order per e-mail, sync them to NetSuite, ship them there, sync the shipments back; return
    each fulfillment run by the order's e-mail."""
    skus = [sku for sku in env.erp_skus() if sku.startswith("SKU-")]
    by_order = {env.place_order([(skus[0], 2), (skus[1], 1)], email=email): email for email in emails}
    # Earlier orders, fulfilled since, come again as new versions; they complete without a change.
    assert {r.status for r in env.sync_orders(trigger)} == {"completed"}
    env.ship_open_orders()
    time.sleep(0.1)
    results = env.sync_fulfillments(trigger)
    assert len(results) == len(emails), results
    found = {by_order[r.value["order_id"]]: r for r in results if r.status == "completed"}
    parked = [r for r in results if r.status != "completed"]  # a parked run has no value: the order left
    found.update(zip([e for e in emails if e not in found], parked, strict=True))
    return found


def test_fulfillment_sends_one_shipping_confirmation_once_however_often_the_step_runs(
    env: DemoEnvironment, sink: EmailSink
) -> None:
    result = _orders_to_erp_and_ship(env, ["ada@example.com"], "sent")["ada@example.com"]

    assert result.status == "completed", result
    assert result.value["email"]["status"] == "sent"
    [mail] = sink.messages(to="ada@example.com")
    order = env.hub.shop.get_order(result.value["order_id"])
    [store_fulfillment] = order.fulfillments
    [tracking] = store_fulfillment.tracking
    assert mail.subject == f"Your order {order.number} is on the way"
    assert mail.mail_from == "shop@erpsync-demo.test"
    for line in order.lines:
        assert f"{line.title} ({line.sku}) × {line.quantity}" in mail.text
    # The sandbox warehouse ships UPS on NetSuite's UPS package sublist: the mail names UPS, links its page.
    assert tracking.company == "UPS"
    assert f"UPS tracking number: {tracking.number}" in mail.text
    assert f"Track your parcel: https://www.ups.com/track?tracknum={tracking.number}" in mail.text
    # The order's timeline shows the mail, acknowledged by the SMTP server.
    timeline = env.hub.store.timeline(order.origin.id, system="shopify")
    events = [e for e in timeline if e.step == "acknowledged" and e.system == "email"]
    assert [e.external_id for e in events] == [mail.header("Message-ID")]

    # What DBOS does when a worker died after the step ran but before its result was kept: run it again.
    key = env.hub.store.business_key("shopify", "fulfillment", result.value["fulfillment_id"])
    notifier = env.hub.shipping_notifier
    assert key is not None and notifier is not None
    again = notifier.send_shipping_confirmation(
        order, store_fulfillment, key=key, order_key=order.business_key
    )
    assert again == {"status": "already_sent", "message_id": message_id(key)}
    assert len(sink.messages(to="ada@example.com")) == 1

    # Without a carrier (a plain package, its ship method not in the settings): the number alone.
    without_carrier = store_fulfillment.model_copy(update={"tracking": [TrackingInfo(number="JD0140")]})
    text = notifier.render(
        order, fulfillments.store_fulfillment(without_carrier, order, notify_customer=False), key=key
    ).get_content()
    assert "Carrier tracking number: JD0140" in text and "Track your parcel" not in text


def test_smtp_down_is_retried_and_a_refused_recipient_is_parked_then_retried_once(
    env: DemoEnvironment, sink: EmailSink
) -> None:
    sink.configure({"temporary_failures": 2, "rejected_recipients": ["@bounce.test"]})  # 451 twice; 550

    results = _orders_to_erp_and_ship(env, ["barbara@example.com", "nobody@bounce.test"], "failing")

    sent = results["barbara@example.com"]
    assert sent.status == "completed" and sent.value["email"]["status"] == "sent", sent
    assert len(sink.messages(to="barbara@example.com")) == 1
    retried = [
        e
        for e in env.hub.store.timeline(sent.value["fulfillment_id"], system="shopify")
        if e.step == "retried" and (e.detail or {}).get("step") == "send_shipping_confirmation"
    ]
    assert len(retried) == 2 and all(e.error_class == "transient" for e in retried)

    assert results["nobody@bounce.test"].status == "parked"
    [parked] = [e for e in env.hub.store.exceptions(status="open") if e.flow == fulfillments.FLOW]
    assert parked.error_class == "data"
    assert "550" in parked.message and "nobody@bounce.test" in parked.message
    assert parked.suggested_fix is not None and "e-mail address" in parked.suggested_fix
    bounced = next(
        order
        for order in (env.hub.shop.get_order(i) for i in env.placed_orders)
        if order.customer_email == "nobody@bounce.test"
    )
    assert len(bounced.fulfillments) == 1  # the store fulfillment exists; only the mail is missing

    # The address is fixed at the mail server's end; the operator retries: the run resumes at the mail step.
    sink.configure({"rejected_recipients": []})
    again = env.engine.retry_exception(parked.id).result(60)

    assert again.status == "completed", again
    assert len(sink.messages(to="nobody@bounce.test")) == 1
    assert len(env.hub.shop.get_order(bounced.origin.id).fulfillments) == 1


def test_smtp_errors_become_erpsync_error_classes(sink: EmailSink) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    message = smtplib.email.message.EmailMessage()  # type: ignore[attr-defined]
    message["From"], message["To"], message["Subject"] = "shop@example.com", "ada@example.com", "x"
    message.set_content("x")
    with pytest.raises(TransientError, match="unreachable"):
        SmtpMailer("127.0.0.1", closed_port, starttls=False, timeout=2).send(message, record="test")
    sink.configure({"rejected_recipients": ["ada@example.com"]})
    with pytest.raises(DataError, match="550"):
        SmtpMailer(sink.host, sink.smtp_port or 0, starttls=False).send(message, record="test")


def test_erpsync_mode_needs_an_smtp_server_and_a_sender(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="erpsync sends the mail itself"):
        Notifications.model_validate({"shipping_confirmation": "erpsync"})
    assert Notifications().shipping_confirmation == "store"
