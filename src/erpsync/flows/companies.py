"""B2B companies, store → ERP: a company that buys in the store is an ERP customer account.

What moves: the Shopify company with its locations (branches, their billing and shipping addresses) and
contacts (the main contact's e-mail and phone) becomes one company customer in the ERP, upserted by the
store's company id (an external id in the ERP), so a replay or a later order updates the same account.
When: before the sales order of every order placed for a company (``order_to_erp`` calls
``upsert_company_in_erp`` first, then books the sales order to the company, not to the person who clicked
"buy"), and on demand through the ``company_to_erp`` flow (a ``companies/create``/``update`` webhook).
Ownership: the store owns the company's name, locations and contacts; what the ERP's connector does not send
(credit limit, terms set by finance) stays as the ERP holds it.
"""

from __future__ import annotations

from typing import Any

from erpsync.engine import Engine, FlowContext
from erpsync.flows.hub import Hub
from erpsync.model import Company

FLOW = "company_to_erp"
RECORD_TYPE = "company"


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.erp.system, record_type=RECORD_TYPE)
    def company_to_erp(ctx: FlowContext, reference: dict[str, Any]) -> dict[str, Any]:
        company_id = str(reference["company_id"])
        erp_id = ctx.step(
            "upsert_company",
            upsert_company_in_erp,
            hub,
            company_id,
            idempotency_key=ctx.idempotency_key("upsert_company"),
        )
        return {"company_id": company_id, "erp_customer_id": erp_id}


def upsert_company_in_erp(hub: Hub, company_id: str, *, idempotency_key: str) -> str:
    """Read the store's company as it is now, upsert it in the ERP and link both ids; the ERP id."""
    company: Company = hub.shop.get_company(company_id)
    erp_id = hub.erp.upsert_company(company, idempotency_key=idempotency_key)
    key = company.business_key
    hub.store.link(hub.shop.system, RECORD_TYPE, company_id, key)
    hub.store.link(hub.erp.system, RECORD_TYPE, erp_id, key)
    hub.store.record_event(
        RECORD_TYPE,
        key,
        "acknowledged",
        system=hub.erp.system,
        external_id=erp_id,
        message=f"company {company.name} ({len(company.locations)} locations, {len(company.contacts)} "
        f"contacts) is ERP customer {erp_id}",
    )
    return erp_id
