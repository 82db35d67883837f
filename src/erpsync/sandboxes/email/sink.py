"""The email sink: an SMTP server (aiosmtpd) on loopback that keeps every message it accepts.

It answers like a real MTA where it matters to a sender (RFC 5321 reply codes, RFC 3463 enhanced codes,
Postfix's wording):

- ``RCPT TO`` with a malformed address → ``553 5.1.3`` (mailbox syntax incorrect, RFC 5321 §4.2.3);
- ``RCPT TO`` an address listed in ``rejected_recipients`` (or at a listed ``@domain``) →
  ``550 5.1.1 ... Recipient address rejected: User unknown`` (how Postfix refuses an unknown mailbox);
- a message over ``max_message_bytes`` → ``552`` (aiosmtpd, as RFC 1870 SIZE says; advertised in EHLO);
  Postfix's default ``message_size_limit`` is 10,240,000 bytes, which is the default here;
- ``temporary_failures: N`` → the next N messages get ``451 4.3.0`` at end of DATA (try again later), the
  answer of a server that is overloaded or whose queue is full.

No AUTH and no TLS: it is a capture server for tests and the demo, served on loopback only.
"""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from erpsync.sandboxes.common import FaultInjector, SandboxClock

DEFAULT_MAX_MESSAGE_BYTES = 10_240_000  # Postfix's message_size_limit default
# local-part@domain, the domain a dotted host name (RFC 5321 §4.1.2 Mailbox, simplified: no quoted strings,
# no address literals; neither appears in a shop's customer addresses).
_MAILBOX = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def is_mailbox(address: str) -> bool:
    """Whether ``address`` is a syntactically valid ``local@domain.tld`` mailbox."""
    return bool(_MAILBOX.match(address)) and len(address) <= 254


@dataclass(frozen=True)
class CapturedMessage:
    """One message the sink accepted: the SMTP envelope, the parsed headers and the bodies."""

    id: str
    mail_from: str
    rcpt_tos: list[str]
    subject: str
    headers: list[tuple[str, str]]
    text: str
    html: str | None
    size: int
    received_at: datetime
    raw: bytes = field(repr=False)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def as_json(self, *, raw: bool = False) -> dict[str, Any]:
        document: dict[str, Any] = {
            "id": self.id,
            "mail_from": self.mail_from,
            "rcpt_tos": list(self.rcpt_tos),
            "from": self.header("From"),
            "to": self.header("To"),
            "subject": self.subject,
            "message_id": self.header("Message-ID"),
            "headers": [[key, value] for key, value in self.headers],
            "text": self.text,
            "html": self.html,
            "size": self.size,
            "received_at": self.received_at.isoformat(),
        }
        if raw:
            document["raw"] = self.raw.decode("utf-8", errors="replace")
        return document


@dataclass
class SinkSettings:
    """What the sink refuses, changed at run time (``PUT /_sandbox/email/settings``)."""

    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    rejected_recipients: list[str] = field(default_factory=list)  # "bob@x.com" or "@x.com"
    temporary_failures: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "max_message_bytes": self.max_message_bytes,
            "rejected_recipients": list(self.rejected_recipients),
            "temporary_failures": self.temporary_failures,
        }


def _content(part: Any) -> str | None:
    if not isinstance(part, EmailMessage):
        return None
    return str(part.get_content()).replace("\r\n", "\n")


class _Handler:
    """aiosmtpd's handler hooks: refuse at RCPT and at end of DATA, keep what is accepted."""

    def __init__(self, sink: EmailSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if not is_mailbox(address):
            return "553 5.1.3 Bad recipient address syntax"
        if self.sink.refuses(address):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.sink.take_temporary_failure():
            return "451 4.3.0 Error: queue file write error, try again later"
        raw = envelope.original_content or b""
        if isinstance(envelope.content, bytes):
            raw = envelope.content
        captured = self.sink.keep(str(envelope.mail_from or ""), list(envelope.rcpt_tos), raw)
        return f"250 2.0.0 Ok: queued as {captured.id}"


class EmailSink:
    """Captures mail sent over SMTP; satisfies the sandbox kit's ``Sandbox`` protocol for the HTTP API.

    >>> sink = EmailSink()
    >>> sink.start()              # SMTP on 127.0.0.1, a free port: sink.smtp_port
    >>> ...                       # send mail with smtplib
    >>> sink.messages()[0].subject
    >>> sink.stop()
    """

    platform = "email"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, settings: SinkSettings | None = None):
        self.host = host
        self.requested_port = port
        self.smtp_port: int | None = None
        self.settings = settings or SinkSettings()
        self.clock = SandboxClock()
        self.faults = FaultInjector()  # the kit's HTTP faults; SMTP faults are ``settings``
        self._messages: list[CapturedMessage] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        from erpsync.sandboxes.email.app import build_app

        self.app = build_app(self)

    # --- SMTP server ----------------------------------------------------------------------------------
    def start(self) -> int:
        """Listen for SMTP in a background thread; return the port (a free one when asked for port 0)."""
        if self._thread is not None:
            assert self.smtp_port is not None
            return self.smtp_port
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                self._server = loop.run_until_complete(
                    loop.create_server(self._protocol, self.host, self.smtp_port or self.requested_port)
                )
            except BaseException as error:  # reported to start()'s caller
                failure.append(error)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        thread = threading.Thread(target=run, name="email-sink-smtp", daemon=True)
        thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        assert self._server is not None
        self._loop, self._thread = loop, thread
        self.smtp_port = int(self._server.sockets[0].getsockname()[1])
        return self.smtp_port

    def stop(self) -> None:
        """Stop listening (clients now get "connection refused"); the messages stay. ``start()`` again
        listens on the same port."""
        loop, server, thread = self._loop, self._server, self._thread
        if loop is None or server is None or thread is None:
            return

        async def close() -> None:
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._server = self._thread = None

    def _protocol(self) -> SMTP:
        return SMTP(
            _Handler(self),
            data_size_limit=self.settings.max_message_bytes,
            hostname="email-sink.erpsync.test",
            ident="erpsync email sink",
            timeout=60,
        )

    # --- what the handler asks ------------------------------------------------------------------------
    def refuses(self, address: str) -> bool:
        lowered = address.lower()
        with self._lock:
            rejected = [entry.lower() for entry in self.settings.rejected_recipients]
        domain = "@" + lowered.rpartition("@")[2]
        return lowered in rejected or domain in rejected

    def take_temporary_failure(self) -> bool:
        with self._lock:
            if self.settings.temporary_failures > 0:
                self.settings.temporary_failures -= 1
                return True
            return False

    def keep(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> CapturedMessage:
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        text_part = parsed.get_body(preferencelist=("plain",))
        html_part = parsed.get_body(preferencelist=("html",))
        captured = CapturedMessage(
            id=uuid.uuid4().hex[:12].upper(),
            mail_from=mail_from,
            rcpt_tos=rcpt_tos,
            subject=str(parsed.get("Subject", "")),
            headers=[(key, str(value)) for key, value in parsed.items()],
            text=_content(text_part) or "",
            html=_content(html_part),
            size=len(raw),
            received_at=self.clock.now().astimezone(UTC),
            raw=raw,
        )
        with self._lock:
            self._messages.append(captured)
        return captured

    # --- reading and control --------------------------------------------------------------------------
    def messages(self, *, to: str | None = None, subject: str | None = None) -> list[CapturedMessage]:
        """Captured messages, oldest first; ``to`` filters by envelope recipient, ``subject`` by substring."""
        with self._lock:
            found = list(self._messages)
        if to is not None:
            found = [m for m in found if to.lower() in (r.lower() for r in m.rcpt_tos)]
        if subject is not None:
            found = [m for m in found if subject.lower() in m.subject.lower()]
        return found

    def message(self, message_id: str) -> CapturedMessage | None:
        with self._lock:
            return next((m for m in self._messages if m.id == message_id), None)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def configure(self, change: dict[str, Any]) -> dict[str, Any]:
        """``{"max_message_bytes": 1000, "rejected_recipients": ["@bounce.test"],
        "temporary_failures": 2}``"""
        unknown = sorted(set(change) - {"max_message_bytes", "rejected_recipients", "temporary_failures"})
        if unknown:
            raise ValueError(f"unknown email sink setting(s): {', '.join(unknown)}")
        with self._lock:
            if "max_message_bytes" in change:
                size = int(change["max_message_bytes"])
                if size < 1:
                    raise ValueError("max_message_bytes must be at least 1")
                self.settings.max_message_bytes = size  # new connections use it
            if "rejected_recipients" in change:
                self.settings.rejected_recipients = [str(a) for a in change["rejected_recipients"]]
            if "temporary_failures" in change:
                self.settings.temporary_failures = max(0, int(change["temporary_failures"]))
            return self.settings.as_json()

    # --- the Sandbox protocol -------------------------------------------------------------------------
    def credentials(self) -> dict[str, Any]:
        return {"smtp_host": self.host, "smtp_port": self.smtp_port, "starttls": False}

    def dump_state(self) -> dict[str, Any]:
        return {
            "smtp": {"host": self.host, "port": self.smtp_port, "listening": self._thread is not None},
            "settings": self.settings.as_json(),
            "messages": [m.as_json() for m in self.messages()],
        }

    def reset(self) -> None:
        self.clear()
        with self._lock:
            self.settings = SinkSettings()

    def set_rate_limit_preset(self, preset: str) -> dict[str, Any]:
        raise ValueError("the email sink has no rate-limit presets")
