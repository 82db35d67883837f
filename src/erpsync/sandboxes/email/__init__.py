"""The email sink: an SMTP capture server (aiosmtpd) with the sandboxes' HTTP control API, for the
shipping-confirmation mails of the demo and the tests (``erpsync sandbox email``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from erpsync.sandboxes.email.sink import CapturedMessage, EmailSink, SinkSettings, is_mailbox


def build_sandbox(*, seed: int | None = None) -> EmailSink:
    """The sink, SMTP not started yet (``start()``); ``seed`` is accepted like every sandbox's, unused."""
    return EmailSink()


@contextmanager
def running_sink(host: str = "127.0.0.1", port: int = 0) -> Iterator[EmailSink]:
    """An email sink listening for SMTP for the duration of the block."""
    sink = EmailSink(host=host, port=port)
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


__all__ = ["CapturedMessage", "EmailSink", "SinkSettings", "build_sandbox", "is_mailbox", "running_sink"]
