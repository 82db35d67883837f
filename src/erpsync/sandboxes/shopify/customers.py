"""Customer and B2B mutations: ``customerCreate``, ``customerUpdate``, ``companyCreate``.

``companyCreate`` makes the company with its first contact (a customer) and first location in one call
(https://shopify.dev/docs/api/admin-graphql/latest/mutations/companyCreate).
"""

from __future__ import annotations

from typing import Any

from erpsync.sandboxes.shopify import metafields, rest
from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.ids import gid, maybe_number
from erpsync.sandboxes.shopify.payload import MutationResolver, Payload, ref, user_error
from erpsync.sandboxes.shopify.store import Record, ShopStore

ADDRESS_FIELDS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "company": "company",
    "address1": "address1",
    "address2": "address2",
    "city": "city",
    "province": "province",
    "provinceCode": "province_code",
    "country": "country",
    "countryCode": "country_code",
    "zip": "zip",
    "phone": "phone",
}


def _addresses(store: ShopStore, addresses: list[dict[str, Any]]) -> list[Record]:
    shaped = []
    for index, data in enumerate(addresses):
        address = {
            snake: data[camel] for camel, snake in ADDRESS_FIELDS.items() if data.get(camel) is not None
        }
        shaped.append({"id": store.new_id(), "default": index == 0, **address})
    return shaped


def _email_taken(store: ShopStore, email: str | None, own_id: int | None = None) -> bool:
    return bool(email) and any(
        c.get("email", "").lower() == str(email).lower() and c["id"] != own_id
        for c in store.rows("customers")
        if c.get("email")
    )


def find_or_create_customer(ctx: ResolveContext, fields: Record) -> Record:
    """The customer with this email, or a new one (emits customers/create)."""
    store = ctx.store
    email = fields.get("email")
    if email:
        found = next(
            (c for c in store.rows("customers") if (c.get("email") or "").lower() == email.lower()), None
        )
        if found:
            return found
    customer = store.add(
        "customers",
        {
            "first_name": fields.get("first_name"),
            "last_name": fields.get("last_name"),
            "email": email,
            "phone": fields.get("phone"),
            "note": None,
            "tags": [],
            "state": "enabled",
            "verified_email": True,
            "tax_exempt": False,
            "addresses": [],
        },
    )
    ctx.emit(store, "customers/create", rest.customer(store, customer))
    return customer


def customer_create(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    store = ctx.store
    if not any(input.get(k) for k in ("email", "phone", "firstName", "lastName")):
        return {
            "customer": None,
            "userErrors": [user_error("A name, phone number, or email address must be present", ["input"])],
        }
    if _email_taken(store, input.get("email")):
        return {"customer": None, "userErrors": [user_error("Email has already been taken", ["email"])]}
    customer = store.add(
        "customers",
        {
            "first_name": input.get("firstName"),
            "last_name": input.get("lastName"),
            "email": input.get("email"),
            "phone": input.get("phone"),
            "note": input.get("note"),
            "tags": [t.strip() for t in input.get("tags") or [] if t.strip()],
            "state": "enabled",
            "verified_email": True,
            "tax_exempt": bool(input.get("taxExempt")),
            "addresses": _addresses(store, input.get("addresses") or []),
        },
    )
    if errors := _set_metafields(ctx, customer, input.get("metafields")):
        del store.table("customers")[customer["id"]]  # all or nothing, like Shopify's own validation
        return {"customer": None, "userErrors": errors}
    ctx.emit(store, "customers/create", rest.customer(store, customer))
    return {"customer": ref("customers", customer["id"]), "userErrors": []}


def customer_update(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    store = ctx.store
    customer = store.get("customers", maybe_number(input.get("id"), "Customer"))
    if customer is None:
        return {"customer": None, "userErrors": [user_error("Customer does not exist", ["id"])]}
    if _email_taken(store, input.get("email"), customer["id"]):
        return {"customer": None, "userErrors": [user_error("Email has already been taken", ["email"])]}
    if errors := _set_metafields(ctx, customer, input.get("metafields")):
        return {"customer": None, "userErrors": errors}  # checked before any other field changes
    for key, field in (
        ("firstName", "first_name"),
        ("lastName", "last_name"),
        ("email", "email"),
        ("phone", "phone"),
        ("note", "note"),
    ):
        if key in input:
            customer[field] = input[key]
    if input.get("taxExempt") is not None:
        customer["tax_exempt"] = input["taxExempt"]
    if input.get("tags") is not None:
        customer["tags"] = [t.strip() for t in input["tags"] if t.strip()]
    if input.get("addresses") is not None:
        customer["addresses"] = _addresses(store, input["addresses"])
    store.touch(customer)
    ctx.emit(store, "customers/update", rest.customer(store, customer))
    return {"customer": ref("customers", customer["id"]), "userErrors": []}


def _set_metafields(ctx: ResolveContext, customer: Record, inputs: list[dict[str, Any]] | None) -> list[Any]:
    """``CustomerInput.metafields``: written on this customer as ``metafieldsSet`` writes them (same limits
    and value checks, nothing written when one is wrong); returns the userErrors."""
    if not inputs:
        return []
    owner = gid("Customer", customer["id"])
    written = metafields.metafields_set(ctx, [{**data, "ownerId": owner} for data in inputs])
    return list(written["userErrors"])


def _company_address(store: ShopStore, data: dict[str, Any] | None) -> Record | None:
    if not data:
        return None
    keys = {
        "address1": "address1",
        "address2": "address2",
        "city": "city",
        "zip": "zip",
        "recipient": "recipient",
        "phone": "phone",
        "zoneCode": "zone_code",
        "countryCode": "country_code",
    }
    address = {snake: data[camel] for camel, snake in keys.items() if data.get(camel) is not None}
    address["province_code"] = address.get("zone_code")
    return {"id": store.new_id(), **address}


def company_create(ctx: ResolveContext, input: dict[str, Any]) -> Payload:
    store = ctx.store
    company_input = input["company"]
    if not company_input.get("name"):
        return {
            "company": None,
            "userErrors": [user_error("Name can't be blank", ["input", "company", "name"], "BLANK")],
        }
    external_id = company_input.get("externalId")
    if external_id and any(c.get("external_id") == external_id for c in store.rows("companies")):
        return {
            "company": None,
            "userErrors": [
                user_error("External Id has already been taken", ["input", "company", "externalId"], "TAKEN")
            ],
        }
    company = store.add(
        "companies",
        {
            "name": company_input["name"],
            "external_id": external_id,
            "note": company_input.get("note"),
            "main_contact_id": None,
        },
    )
    contact_input = input.get("companyContact")
    if contact_input:
        customer = find_or_create_customer(
            ctx,
            {
                "email": contact_input.get("email"),
                "first_name": contact_input.get("firstName"),
                "last_name": contact_input.get("lastName"),
                "phone": contact_input.get("phone"),
            },
        )
        contact = store.add(
            "company_contacts",
            {
                "company_id": company["id"],
                "customer_id": customer["id"],
                "is_main_contact": True,
                "title": contact_input.get("title"),
            },
        )
        company["main_contact_id"] = contact["id"]
    location_input = input.get("companyLocation")
    if location_input:
        shipping = _company_address(store, location_input.get("shippingAddress"))
        billing = _company_address(store, location_input.get("billingAddress"))
        if location_input.get("billingSameAsShipping") and shipping:
            billing = {**shipping, "id": store.new_id()}
        store.add(
            "company_locations",
            {
                "company_id": company["id"],
                "name": location_input.get("name") or company["name"],
                "external_id": location_input.get("externalId"),
                "shipping_address": shipping,
                "billing_address": billing,
                "tax_exemptions": list(location_input.get("taxExemptions") or []),
            },
        )
    ctx.emit(store, "companies/create", rest.company(store, company))
    return {"company": ref("companies", company["id"]), "userErrors": []}


MUTATIONS: dict[str, MutationResolver] = {
    "customerCreate": customer_create,
    "customerUpdate": customer_update,
    "companyCreate": company_create,
}
