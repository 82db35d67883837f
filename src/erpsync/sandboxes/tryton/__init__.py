"""Not a fake: a REAL trytond (Tryton 8.2 from PyPI) for the tests and the demo: its own virtualenv, a
prepared template database, a server on loopback started and stopped around the caller (harness.py), and a
warehouse user's actions (warehouse.py)."""

from erpsync.sandboxes.tryton.harness import (
    TrytonHarnessError,
    TrytonServer,
    ensure_template_database,
    ensure_tryton_venv,
    running_tryton,
)
from erpsync.sandboxes.tryton.warehouse import add_stock, ship_sale

__all__ = [
    "TrytonHarnessError",
    "TrytonServer",
    "add_stock",
    "ensure_template_database",
    "ensure_tryton_venv",
    "running_tryton",
    "ship_sale",
]
