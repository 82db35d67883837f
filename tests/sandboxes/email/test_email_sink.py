"""The email sink: accepts mail over SMTP and keeps it; refuses what a real MTA refuses; HTTP API."""

from __future__ import annotations

import json
import os
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage

import httpx
import pytest

from erpsync.sandboxes.common import serve_in_thread
from erpsync.sandboxes.email import EmailSink, running_sink


@pytest.fixture
def sink() -> Iterator[EmailSink]:
    with running_sink() as running:
        yield running


def _message(to: str = "ada@example.com", body: str = "Your parcel is on its way.") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "shop@example.com"
    message["To"] = to
    message["Subject"] = "A shipment from order #1001 is on the way"
    message["Message-ID"] = "<f-1@erpsync.test>"
    message.set_content(body)
    message.add_alternative(f"<p>{body}</p>", subtype="html")
    return message


def _smtp(sink: EmailSink) -> smtplib.SMTP:
    assert sink.smtp_port is not None
    return smtplib.SMTP(sink.host, sink.smtp_port, timeout=5)


def test_accepted_message_is_kept_with_envelope_headers_and_bodies(sink: EmailSink) -> None:
    with _smtp(sink) as smtp:
        code, features = smtp.ehlo()
        assert code == 250 and b"SIZE 10240000" in features
        smtp.send_message(_message())

    [captured] = sink.messages()
    assert captured.mail_from == "shop@example.com"
    assert captured.rcpt_tos == ["ada@example.com"]
    assert captured.subject == "A shipment from order #1001 is on the way"
    assert captured.header("Message-ID") == "<f-1@erpsync.test>"
    assert captured.text == "Your parcel is on its way.\n"
    assert captured.html == "<p>Your parcel is on its way.</p>\n"
    assert sink.messages(to="ADA@example.com") == [captured]
    assert sink.messages(to="bob@example.com") == []


@pytest.mark.parametrize("address", ["not-an-address", "ada@", "ada@localhost", "a b@example.com"])
def test_malformed_recipient_is_refused_with_553(sink: EmailSink, address: str) -> None:
    with _smtp(sink) as smtp:
        smtp.ehlo()
        smtp.mail("shop@example.com")
        code, reply = smtp.rcpt(address)
    assert code == 553 and reply.startswith(b"5.1.3")
    assert sink.messages() == []


def test_rejected_recipient_is_refused_with_550_and_the_others_still_get_it(sink: EmailSink) -> None:
    sink.configure({"rejected_recipients": ["@bounce.test"]})
    with _smtp(sink) as smtp:
        recipients = ["ada@example.com", "gone@bounce.test"]
        refused = smtp.sendmail("shop@example.com", recipients, b"Subject: x\r\n\r\nx")
    assert refused["gone@bounce.test"][0] == 550
    assert [m.rcpt_tos for m in sink.messages()] == [["ada@example.com"]]

    with _smtp(sink) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused) as refused_all:
        smtp.send_message(_message(to="gone@bounce.test"))
    assert refused_all.value.recipients["gone@bounce.test"][0] == 550


def test_message_over_the_size_limit_is_refused_with_552(sink: EmailSink) -> None:
    sink.configure({"max_message_bytes": 2000})
    big = _message(body="a line of the parcel list\n" * 120)
    with _smtp(sink) as smtp, pytest.raises(smtplib.SMTPSenderRefused) as declared:
        smtp.send_message(big)  # smtplib declares SIZE=; the server refuses at MAIL FROM
    assert declared.value.smtp_code == 552
    with _smtp(sink) as smtp:
        smtp.ehlo()
        smtp.mail("shop@example.com")  # no SIZE parameter: refused at the end of DATA instead
        smtp.rcpt("ada@example.com")
        code, _ = smtp.data(big.as_bytes(policy=policy.SMTP))
    assert code == 552
    assert sink.messages() == []


def test_temporary_failure_answers_451_then_accepts(sink: EmailSink) -> None:
    sink.configure({"temporary_failures": 1})
    with _smtp(sink) as smtp, pytest.raises(smtplib.SMTPDataError) as failed:
        smtp.send_message(_message())
    assert failed.value.smtp_code == 451
    with _smtp(sink) as smtp:
        smtp.send_message(_message())
    assert len(sink.messages()) == 1


def test_stopped_sink_refuses_connections_and_starts_again_on_its_port(sink: EmailSink) -> None:
    port = sink.smtp_port
    sink.stop()
    with pytest.raises(ConnectionRefusedError):
        _smtp(sink)
    assert sink.start() == port
    with _smtp(sink) as smtp:
        smtp.send_message(_message())
    assert len(sink.messages()) == 1


def test_http_api_lists_shows_configures_and_clears(sink: EmailSink) -> None:
    with _smtp(sink) as smtp:
        smtp.send_message(_message())
    with serve_in_thread(sink.app) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/_sandbox/health").json() == {"platform": "email", "status": "ok"}
        [listed] = http.get("/_sandbox/email/messages", params={"to": "ada@example.com"}).json()["messages"]
        assert listed["subject"] == "A shipment from order #1001 is on the way"
        assert listed["rcpt_tos"] == ["ada@example.com"] and listed["from"] == "shop@example.com"
        shown = http.get(f"/_sandbox/email/messages/{listed['id']}").json()
        assert "Message-ID: <f-1@erpsync.test>" in shown["raw"]
        assert http.get("/_sandbox/email/messages/NOPE").status_code == 404
        assert http.put("/_sandbox/email/settings", json={"bogus": 1}).status_code == 422
        settings = http.put("/_sandbox/email/settings", json={"rejected_recipients": ["x@y.com"]}).json()
        assert settings["rejected_recipients"] == ["x@y.com"]
        assert http.get("/_sandbox/state").json()["smtp"]["port"] == sink.smtp_port
        assert http.delete("/_sandbox/email/messages").json() == {"deleted": 1}
        assert http.get("/_sandbox/email/messages").json() == {"messages": []}


def test_cli_serves_the_sink_and_prints_smtp_in_its_ready_line() -> None:
    erpsync = os.path.join(os.path.dirname(sys.executable), "erpsync")
    process = subprocess.Popen([erpsync, "sandbox", "email"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        assert ready["platform"] == "email"
        credentials = ready["credentials"]
        with smtplib.SMTP(credentials["smtp_host"], credentials["smtp_port"], timeout=5) as smtp:
            smtp.send_message(_message())
        messages = httpx.get(f"{ready['url']}/_sandbox/email/messages").json()["messages"]
        assert [m["rcpt_tos"] for m in messages] == [["ada@example.com"]]
    finally:
        process.terminate()
        process.wait(10)
