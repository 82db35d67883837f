"""Customer records: people who buy (Customer) and, for B2B, the companies they buy for (Company, its
CompanyLocation branches and CompanyContact buyers)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field

from erpsync.model.common import Address, CountryCode, NonEmptyStr, NonNegativeMoney, Part, Record


def _normalise_email(email: str) -> str:
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain:
        raise ValueError(f"email must look like name@example.com, got {email!r}")
    return email


Email = Annotated[str, AfterValidator(_normalise_email)]


def _email_key(email: str | None, record: Record) -> str:
    # The e-mail is a store's own unique customer key (Shopify's customerSet upserts by it:
    # https://shopify.dev/docs/api/admin-graphql/unstable/objects/customersetusererror). Case is folded
    # because the domain part is case-insensitive (RFC 5321 §2.4) and people type one address in varying case.
    return email.lower() if email else f"{record.origin.system}:{record.origin.id}"


class TaxId(Part):
    """A tax registration: VAT number, EIN, GST id. ``country_code`` says which authority issued it."""

    value: NonEmptyStr
    country_code: CountryCode | None = None
    kind: str | None = None


class PaymentTerms(Part):
    """When a B2B buyer must pay: "Net 30" is ``due_in_days=30``; ``due_in_days=0`` is due on receipt."""

    name: NonEmptyStr
    due_in_days: int | None = Field(default=None, ge=0)


class Customer(Record):
    """A buyer with an account.

    Business key: the e-mail address lower-cased (the identity stores and ERPs both hold); a customer without
    an e-mail falls back to ``"<system>:<id>"``. ``tax_exempt`` with ``tax_exemptions`` (exemption codes or
    certificate ids) decides whether the ERP charges tax.
    """

    record_type: ClassVar[str] = "customer"

    email: Email | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    addresses: list[Address] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    tax_exempt: bool = False
    tax_exemptions: list[str] = Field(default_factory=list)
    accepts_marketing: bool = False
    note: str | None = None

    @property
    def business_key(self) -> str:
        return _email_key(self.email, self)

    @property
    def default_address(self) -> Address | None:
        return next(
            (a for a in self.addresses if a.is_default), self.addresses[0] if self.addresses else None
        )


class CompanyContact(Record):
    """A person allowed to buy for a company, with their role there ("admin", "ordering only").

    Business key: the contact's e-mail lower-cased, else ``"<system>:<id>"``.
    """

    record_type: ClassVar[str] = "company_contact"

    email: Email | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    role: str | None = None
    is_main_contact: bool = False

    @property
    def business_key(self) -> str:
        return _email_key(self.email, self)


class CompanyLocation(Record):
    """A branch of a B2B company that orders, is shipped to and is billed: its own terms, tax ids and prices.

    Business key: ``code`` when the company gives its branches codes (often the ERP ship-to number), else
    ``"<system>:<id>"``.
    """

    record_type: ClassVar[str] = "company_location"

    name: NonEmptyStr
    code: str | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    payment_terms: PaymentTerms | None = None
    tax_ids: list[TaxId] = Field(default_factory=list)
    tax_exempt: bool = False
    price_list: str | None = None

    @property
    def business_key(self) -> str:
        return self.code or f"{self.origin.system}:{self.origin.id}"


class Company(Record):
    """A B2B customer: an organisation with buyers (contacts), branches (locations), terms and a price list.

    Business key: ``code`` (the customer number both systems share, e.g. the ERP's customer id) when given,
    else ``"<system>:<id>"``. ``payment_terms``/``price_list`` are the defaults a location may override.
    """

    record_type: ClassVar[str] = "company"

    name: NonEmptyStr
    code: str | None = None
    tax_ids: list[TaxId] = Field(default_factory=list)
    payment_terms: PaymentTerms | None = None
    price_list: str | None = None
    credit_limit: NonNegativeMoney | None = None
    locations: list[CompanyLocation] = Field(default_factory=list)
    contacts: list[CompanyContact] = Field(default_factory=list)
    note: str | None = None

    @property
    def business_key(self) -> str:
        return self.code or f"{self.origin.system}:{self.origin.id}"
