"""A real trytond for tests and the demo: its own virtualenv, a prepared template database, a server on
loopback started and stopped around the caller (see harness.py)."""

from tests.tryton_server.harness import (
    TrytonHarnessError,
    TrytonServer,
    ensure_template_database,
    ensure_tryton_venv,
    running_tryton,
)

__all__ = [
    "TrytonHarnessError",
    "TrytonServer",
    "ensure_template_database",
    "ensure_tryton_venv",
    "running_tryton",
]
