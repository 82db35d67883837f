"""erpsync's own customer e-mails over SMTP (today: the shipping confirmation), for stores that do not
send them; ``configure_notifications`` applies erpsync.yaml's ``notifications:`` to a hub."""

from __future__ import annotations

from typing import TYPE_CHECKING

from erpsync.errors import ConfigError
from erpsync.notify.mailer import SmtpMailer
from erpsync.notify.shipping import RECORD_TYPE, ShippingNotifier, message_id

if TYPE_CHECKING:
    from erpsync.config import Notifications
    from erpsync.flows.hub import Hub


def configure_notifications(hub: Hub, notifications: Notifications) -> None:
    """``store``: the store notifies (fulfillments carry notify_customer); ``erpsync``: the fulfillment flow
    sends erpsync's mail; ``off``: nobody does."""
    hub.notify_customer = notifications.shipping_confirmation == "store"
    hub.shipping_notifier = None
    if notifications.shipping_confirmation != "erpsync":
        return
    smtp = notifications.smtp
    assert smtp is not None and notifications.sender  # Notifications validates this
    try:
        password = smtp.password.resolve().get_secret_value() if smtp.password else None
    except ValueError as exc:
        raise ConfigError(f"notifications.smtp.password: {exc}") from None
    mailer = SmtpMailer(
        smtp.host, smtp.port, starttls=smtp.starttls, username=smtp.username, password=password
    )
    hub.shipping_notifier = ShippingNotifier(mailer, notifications.sender, hub.store)


__all__ = ["RECORD_TYPE", "ShippingNotifier", "SmtpMailer", "configure_notifications", "message_id"]
