"""Sending one e-mail over SMTP (smtplib), with the SMTP reply turned into erpsync's error classes.

RFC 5321 §4.2.1: a 4yz reply is a transient negative completion (try again later), a 5yz a permanent one.
So: connection refused or dropped, timeouts and 4xx → ``TransientError`` (the engine retries);
a 5xx refusing the recipient or the message → ``DataError`` (parked with the server's reason); a rejected
login or our own sender refused → ``ConfigError`` (the flow pauses, an alert says what to fix).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from erpsync.errors import ConfigError, DataError, TransientError

SYSTEM = "email"


@dataclass(frozen=True)
class SmtpMailer:
    """One SMTP server: ``starttls`` upgrades the connection before any login (port 587, RFC 3207)."""

    host: str
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0

    def send(self, message: EmailMessage, *, record: str) -> str:
        """Send ``message``; return the server's acceptance reply. ``record`` names the business record
        in error messages ("shipping confirmation of fulfillment netsuite:42")."""
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(message)
                reply = "250 accepted"
        except smtplib.SMTPRecipientsRefused as error:
            raise _refused(error.recipients, record) from None
        except smtplib.SMTPAuthenticationError as error:
            raise ConfigError(
                f"SMTP server {self.host}:{self.port} rejected the login of user {self.username!r} "
                f"({error.smtp_code})",
                system=SYSTEM,
                record=record,
                suggested_fix="check notifications.smtp.username and password in erpsync.yaml",
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            raise ConfigError(
                f"SMTP server {self.host}:{self.port} does not support what erpsync.yaml asks: {error}",
                system=SYSTEM,
                record=record,
                suggested_fix="check notifications.smtp.starttls and username for this server",
            ) from None
        except smtplib.SMTPSenderRefused as error:
            if error.smtp_code >= 500 and error.smtp_code != 552:
                raise ConfigError(
                    f"SMTP server {self.host}:{self.port} refused the sender {error.sender}: "
                    f"{error.smtp_code} {_text(error.smtp_error)}",
                    system=SYSTEM,
                    record=record,
                    suggested_fix="set notifications.from to an address this server may send from",
                ) from None
            raise _reply_error(error.smtp_code, error.smtp_error, self, record) from None
        except smtplib.SMTPResponseException as error:  # DATA refused, 421 on connect, ...
            raise _reply_error(error.smtp_code, error.smtp_error, self, record) from None
        except (smtplib.SMTPException, OSError) as error:  # refused, reset, timeout, TLS failure
            raise TransientError(
                f"SMTP server {self.host}:{self.port} unreachable: {type(error).__name__}: {error}",
                system=SYSTEM,
                record=record,
            ) from None
        if refused:  # some recipients accepted, some not: the mail went to the accepted ones
            raise _refused(refused, record)
        return reply


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _refused(recipients: dict[str, tuple[int, bytes]], record: str) -> Exception:
    described = "; ".join(
        f"{address}: {code} {_text(reply)}" for address, (code, reply) in recipients.items()
    )
    if all(code >= 500 for code, _ in recipients.values()):
        return DataError(
            f"SMTP server refused the recipient ({described})",
            system=SYSTEM,
            record=record,
            field="customer_email",
            suggested_fix="correct the customer's e-mail address in the store, then retry; or skip",
        )
    return TransientError(f"SMTP server deferred the recipient ({described})", system=SYSTEM, record=record)


def _reply_error(code: int, reply: bytes | str, mailer: SmtpMailer, record: str) -> Exception:
    message = f"SMTP server {mailer.host}:{mailer.port} answered {code} {_text(reply)}"
    if 500 <= code < 600:
        return DataError(
            message,
            system=SYSTEM,
            record=record,
            suggested_fix="the server refuses this message as it is; see its reply",
        )
    return TransientError(message, system=SYSTEM, record=record)
