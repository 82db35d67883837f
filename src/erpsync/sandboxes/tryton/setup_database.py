"""Build a ready-to-sell Tryton database; runs inside the Tryton virtualenv, never in erpsync's.

Usage (the harness runs it): ``.venv-tryton/bin/python setup_database.py DATABASE_DIR NAME``, with
``TRYTOND_DATABASE__URI=sqlite://`` and ``TRYTOND_DATABASE__PATH=DATABASE_DIR`` in the environment and the
admin password in the file named by ``TRYTONPASSFILE``. The database must already be initialised with
``trytond-admin -u sale account_invoice_stock --activate-dependencies``; this script sets up what a shop
needs: company (USD), fiscal year with invoice sequences, the minimal chart of accounts from the ``account``
module, an account category, a direct payment term and two salable goods (SKU codes ``ERP-TEE-S`` and
``ERP-MUG``). The warehouse ``WH`` with its storage location ``STO`` comes with the ``stock`` module.

Uses the setup helpers Tryton's own modules ship for their scenarios (``trytond.modules.*.tests.tools``).
"""

from __future__ import annotations

import sys
from decimal import Decimal

SEED_PRODUCTS = [("ERP-TEE-S", "Erp Tee (S)", Decimal("25.00")), ("ERP-MUG", "Erp Mug", Decimal("12.50"))]


def main(name: str) -> None:
    from proteus import Model
    from proteus import config as proteus_config

    proteus_config.set_trytond(name)

    from trytond.modules.account.tests.tools import create_chart, create_fiscalyear, get_accounts
    from trytond.modules.account_invoice.tests.tools import (
        create_payment_term,
        set_fiscalyear_invoice_sequences,
    )
    from trytond.modules.company.tests.tools import create_company

    create_company(currency="USD")
    create_chart()
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear())
    fiscalyear.click("create_period")
    accounts = get_accounts()

    category = Model.get("product.category")(name="Goods", accounting=True)
    category.account_revenue = accounts["revenue"]
    category.account_expense = accounts["expense"]
    category.save()
    create_payment_term().save()

    unit = Model.get("product.uom").find([("name", "=", "Unit")])[0]
    template_model = Model.get("product.template")
    for code, title, price in SEED_PRODUCTS:
        template = template_model(name=title, default_uom=unit, type="goods", salable=True)
        template.list_price = price
        template.account_category = category
        template.products[0].suffix_code = code
        template.save()


if __name__ == "__main__":
    main(sys.argv[sys.argv.index("-d") + 1])
