"""Shopify customers and B2B companies ↔ canonical ``Customer`` and ``Company``.

REST ``customers/create``: ``{"id", "email", "first_name", "last_name", "phone", "tags": "a, b",
"tax_exempt", "tax_exemptions": [...], "addresses": [...], "default_address": {...},
"email_marketing_consent": {"state": "subscribed", ...}}``. REST ``companies/create`` carries only the
company itself (``name``, ``external_id``, ``note``); its locations and contacts come from GraphQL.
A company's ``externalId`` is the canonical ``code`` (the customer number the ERP and the store share).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from erpsync.connectors.shopify.translate.common import (
    address_input,
    graphql_address,
    nodes,
    origin,
    rest_address,
    split_tags,
    translator,
)
from erpsync.model import Company, CompanyContact, CompanyLocation, Customer, PaymentTerms, TaxId


@translator("customer")
def customer_from_rest(payload: Mapping[str, Any]) -> Customer:
    default_id = (payload.get("default_address") or {}).get("id")
    addresses = [
        rest_address(a, is_default=a.get("default", a.get("id") == default_id))
        for a in payload.get("addresses") or []
    ]
    if not addresses and payload.get("default_address"):
        addresses = [rest_address(payload["default_address"], is_default=True)]
    consent = payload.get("email_marketing_consent") or {}
    return Customer(
        origin=origin(payload["id"], payload.get("updated_at"), payload.get("created_at")),
        email=payload.get("email") or None,
        first_name=payload.get("first_name") or None,
        last_name=payload.get("last_name") or None,
        phone=payload.get("phone") or None,
        addresses=[a for a in addresses if a is not None],
        tags=split_tags(payload.get("tags")),
        tax_exempt=bool(payload.get("tax_exempt")),
        tax_exemptions=[str(t) for t in payload.get("tax_exemptions") or []],
        accepts_marketing=consent.get("state") == "subscribed" or bool(payload.get("accepts_marketing")),
        note=payload.get("note") or None,
    )


CUSTOMER_FIELDS = """
  id email firstName lastName phone note tags taxExempt createdAt updatedAt
  defaultAddress { id }
  addresses(first: 20) {
    id name firstName lastName company address1 address2 city provinceCode countryCodeV2 zip phone }
"""


@translator("customer")
def customer_from_graphql(node: Mapping[str, Any]) -> Customer:
    default_id = (node.get("defaultAddress") or {}).get("id")
    addresses = [
        graphql_address(a, is_default=a.get("id") == default_id) for a in node.get("addresses") or []
    ]
    return Customer(
        origin=origin(node["id"], node.get("updatedAt"), node.get("createdAt")),
        email=node.get("email") or None,
        first_name=node.get("firstName") or None,
        last_name=node.get("lastName") or None,
        phone=node.get("phone") or None,
        addresses=[a for a in addresses if a is not None],
        tags=split_tags(node.get("tags")),
        tax_exempt=bool(node.get("taxExempt")),
        note=node.get("note") or None,
    )


def customer_input(customer: Customer, *, shopify_id: str | None = None) -> dict[str, Any]:
    """Canonical customer → ``CustomerInput`` (with ``id`` when updating an existing Shopify customer)."""
    payload: dict[str, Any] = {
        "email": customer.email,
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "phone": customer.phone,
        "note": customer.note,
        "tags": customer.tags,
        "taxExempt": customer.tax_exempt,
        "addresses": [address_input(a) for a in customer.addresses],
    }
    if shopify_id:
        payload["id"] = shopify_id
    return {k: v for k, v in payload.items() if v is not None}


@translator("company")
def company_from_rest(payload: Mapping[str, Any]) -> Company:
    return Company(
        origin=origin(payload["id"], payload.get("updated_at"), payload.get("created_at")),
        name=str(payload.get("name") or "(unnamed company)"),
        code=payload.get("external_id") or None,
        note=payload.get("note") or None,
    )


COMPANY_FIELDS = """
  id name externalId note createdAt updatedAt
  mainContact { id }
  contacts(first: 50) { nodes {
    id title isMainContact createdAt updatedAt customer { email firstName lastName phone } } }
  locations(first: 50) { nodes {
    id name externalId taxExemptions taxRegistrationId createdAt updatedAt
    buyerExperienceConfiguration { paymentTermsTemplate { name dueInDays } }
    billingAddress { address1 address2 city zoneCode countryCode zip recipient companyName phone }
    shippingAddress { address1 address2 city zoneCode countryCode zip recipient companyName phone } } }
"""


@translator("company")
def company_from_graphql(node: Mapping[str, Any]) -> Company:
    main_contact = (node.get("mainContact") or {}).get("id")
    contacts = [
        CompanyContact(
            origin=origin(c["id"], c.get("updatedAt"), c.get("createdAt")),
            email=(c.get("customer") or {}).get("email") or None,
            first_name=(c.get("customer") or {}).get("firstName") or None,
            last_name=(c.get("customer") or {}).get("lastName") or None,
            phone=(c.get("customer") or {}).get("phone") or None,
            role=c.get("title") or None,
            is_main_contact=bool(c.get("isMainContact")) or c.get("id") == main_contact,
        )
        for c in nodes(node.get("contacts"))
    ]
    locations = [
        CompanyLocation(
            origin=origin(loc["id"], loc.get("updatedAt"), loc.get("createdAt")),
            name=str(loc.get("name") or "(unnamed location)"),
            code=loc.get("externalId") or None,
            billing_address=graphql_address(loc.get("billingAddress")),
            shipping_address=graphql_address(loc.get("shippingAddress")),
            tax_exempt=bool(loc.get("taxExemptions")),
            payment_terms=_payment_terms(loc.get("buyerExperienceConfiguration")),
            tax_ids=[TaxId(value=loc["taxRegistrationId"])] if loc.get("taxRegistrationId") else [],
        )
        for loc in nodes(node.get("locations"))
    ]
    # Shopify sets terms and tax registrations per location; the company's defaults are its first location's.
    first = locations[0] if locations else None
    return Company(
        origin=origin(node["id"], node.get("updatedAt"), node.get("createdAt")),
        name=str(node.get("name") or "(unnamed company)"),
        code=node.get("externalId") or None,
        note=node.get("note") or None,
        contacts=contacts,
        locations=locations,
        payment_terms=first.payment_terms if first else None,
        tax_ids=list({tax_id.value: tax_id for loc in locations for tax_id in loc.tax_ids}.values()),
    )


def _payment_terms(configuration: Mapping[str, Any] | None) -> PaymentTerms | None:
    """``buyerExperienceConfiguration.paymentTermsTemplate`` ("Net 30", dueInDays 30); none means pay at
    checkout (https://shopify.dev/docs/api/admin-graphql/2024-04/objects/buyerexperienceconfiguration)."""
    template = (configuration or {}).get("paymentTermsTemplate")
    if not template:
        return None
    return PaymentTerms(name=template["name"], due_in_days=template.get("dueInDays"))


def company_create_input(company: Company) -> dict[str, Any]:
    """Canonical company → ``CompanyCreateInput`` (company, its main contact and first location).

    ``companyCreate`` takes one contact and one location; further ones need ``companyContactCreate`` /
    ``companyLocationCreate``, which this connector does not send yet.
    """
    payload: dict[str, Any] = {"company": {"name": company.name}}
    if company.code:
        payload["company"]["externalId"] = company.code
    if company.note:
        payload["company"]["note"] = company.note
    contact = next(
        (c for c in company.contacts if c.is_main_contact), company.contacts[0] if company.contacts else None
    )
    if contact is not None:
        fields = {
            "email": contact.email,
            "firstName": contact.first_name,
            "lastName": contact.last_name,
            "phone": contact.phone,
            "title": contact.role,
        }
        payload["companyContact"] = {k: v for k, v in fields.items() if v is not None}
    if company.locations:
        location = company.locations[0]
        location_input: dict[str, Any] = {"name": location.name}
        if location.code:
            location_input["externalId"] = location.code
        for key, address in (
            ("billingAddress", location.billing_address),
            ("shippingAddress", location.shipping_address),
        ):
            if address is not None:
                location_input[key] = {
                    k: v
                    for k, v in {
                        "address1": address.line1,
                        "address2": address.line2,
                        "city": address.city,
                        "zip": address.postal_code,
                        "recipient": address.name,
                        "phone": address.phone,
                        "zoneCode": address.region,
                        "countryCode": address.country_code,
                    }.items()
                    if v is not None
                }
        payload["companyLocation"] = location_input
    return payload
