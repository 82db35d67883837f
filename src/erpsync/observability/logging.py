"""Structured JSON logs with correlation ids, and a processor that removes secrets before anything is written.

``configure_logging(secrets)`` once at start-up, with every configured secret value (``SecretStr`` or str).
Bind a correlation id for a unit of work with ``bind_correlation_id`` (the web app does it per request from
``X-Request-ID``); every log line written meanwhile, by structlog or the standard library, carries it.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any, TextIO

import structlog
from pydantic import SecretStr

REDACTED = "[REDACTED]"
# Keys whose values are secrets whatever they hold (header names, config keys, API fields).
SECRET_KEY_PATTERN = re.compile(
    r"(pass(word|wd)?|secret|token|authori[sz]ation|api[-_]?key|hmac|signature|cookie|credential|private[-_]?key)",
    re.IGNORECASE,
)
# Secrets shorter than this are not searched for inside text: "abc" would redact half of every message.
MIN_SECRET_LENGTH = 6


class SecretRedactor:
    """A structlog processor: values under secret-looking keys, and any configured secret value appearing
    anywhere in the event (nested dicts, lists, inside strings), become ``[REDACTED]``."""

    def __init__(self, secrets: Iterable[SecretStr | str] = ()) -> None:
        values = {s.get_secret_value() if isinstance(s, SecretStr) else s for s in secrets}
        self._secrets = sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(v) for v in self._secrets)) if self._secrets else None

    def __call__(
        self, logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        return {key: self._clean(key, value) for key, value in event_dict.items()}

    def redact_text(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text) if self._pattern else text

    def _clean(self, key: Any, value: Any) -> Any:
        if isinstance(key, str) and SECRET_KEY_PATTERN.search(key) and value not in (None, ""):
            return REDACTED
        if isinstance(value, SecretStr):
            return REDACTED
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, Mapping):
            return {k: self._clean(k, v) for k, v in value.items()}
        if isinstance(value, list | tuple | set):
            return [self._clean(None, item) for item in value]
        if isinstance(value, bytes | int | float | bool) or value is None:
            return value
        return self.redact_text(str(value))


def configure_logging(
    secrets: Iterable[SecretStr | str] = (), *, level: int = logging.INFO, stream: TextIO | None = None
) -> SecretRedactor:
    """JSON lines on ``stream`` (stderr) for structlog and the standard library alike, secrets redacted."""
    redactor = SecretRedactor(secrets)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redactor,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    return redactor


def bind_correlation_id(correlation_id: str | None = None) -> str:
    """Bind (and return) the correlation id every following log line of this context carries."""
    correlation_id = correlation_id or uuid.uuid4().hex
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
    return correlation_id


def clear_correlation_id() -> None:
    structlog.contextvars.unbind_contextvars("correlation_id")


def secrets_of(settings: Any) -> list[SecretStr]:
    """Every secret value the configuration can read now (unreadable ones are skipped: they cannot leak)."""
    found: list[SecretStr] = []
    for connection in settings.connections.values():
        for ref in connection.credentials.values():
            try:
                found.append(ref.resolve())
            except ValueError:
                continue
    for alert in settings.alerts:
        try:
            found.append(alert.url.resolve())
        except ValueError:
            continue
    return found
