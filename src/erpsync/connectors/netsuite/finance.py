"""Finance for NetSuite: the tax code table, the payment gateway table, and a payout as a bank ``deposit``.

Both tables are declared data in the NetSuite connection's ``settings:`` (erpsync.yaml), checked when the
connector starts (a malformed entry is a ``ConfigError`` naming it)::

    settings:
      tax_codes:                       # (jurisdiction, rate) -> NetSuite tax code or tax group
        - {jurisdiction: "CA State Tax", rate: "0.0725", tax_code: "-8"}
        - {jurisdiction: "Sales tax", rate: "0.08", tax_code: "eid:tax-us-8"}
      payment_gateways:                # store gateway -> payment method and the account its money sits in
        shopify_payments:
          payment_method: "eid:shopify-payments"       # a Payment Method record
          account: "eid:shopify-clearing"
          bank_account: "eid:operating-bank"           # where its payouts land (deposit account)
          fees_account: "eid:merchant-fees"            # processing fees (deposit cash back)
          adjustments_account: "eid:payout-adjustments"  # disputes, reserves, other adjustments
        manual: {payment_method: "eid:cash", account: "eid:undeposited-funds"}

A reference is a NetSuite internal id (``"-8"``) or ``"eid:<externalId>"``; NetSuite REST accepts both
forms in a reference body (``{"id": …}`` / ``{"externalId": …}``).

Tax: NetSuite's legacy (non-SuiteTax) tax puts one *tax item* on a sales transaction's header, a tax code or
a tax group that "combines several tax codes, even if the taxes are paid to different jurisdictions"
(Oracle help, Tax Group: https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_N3936956.html).
So every (jurisdiction, rate) an order charges must be in the table, and all of them must name the same tax
code (map a state + county pair to their tax group); anything else parks the order with a ``DataError``
naming the pair and the setting to edit: a sale is never booked under a wrong or guessed tax code.

Payouts: a Shopify Payments payout is the bank deposit of many orders' money minus fees. It is booked as a
NetSuite ``deposit`` (REST record ``deposit``,
https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/article_14124948339.html) into the gateway's
``bank_account``: the charges (and positive adjustments) come out of the clearing account and adjustment
account on *Other Deposits* lines; fees, refunds and negative adjustments are *Cash Back* lines, so the
deposit's total is the payout's net (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/
section_3947199795.html: "the net sum of the lines" is the deposit; a negative net cannot be added).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from erpsync.errors import ConfigError, DataError
from erpsync.model import Order, Payout, Transaction

SYSTEM = "netsuite"
TAX_CODES_SETTING = "tax_codes"
GATEWAYS_SETTING = "payment_gateways"
WHERE = "the NetSuite connection's settings in erpsync.yaml"
NetSuiteBody = dict[str, Any]


def reference(value: str) -> dict[str, str]:
    """``"-8"`` -> ``{"id": "-8"}``; ``"eid:tax-us-8"`` -> ``{"externalId": "tax-us-8"}``."""
    return {"externalId": value[4:]} if value.startswith("eid:") else {"id": value}


def _amount(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


# -- tax codes ---------------------------------------------------------------------------------------


def rate_key(rate: Decimal) -> Decimal:
    """Rates compare as numbers ("0.080" is "0.08"), normalised so they key a dict."""
    return rate.normalize()


@dataclass(frozen=True)
class TaxCodeTable:
    """(jurisdiction, rate) -> NetSuite tax code reference. Jurisdictions compare case-insensitively;
    rates are fractions (0.0725 for 7.25 %), as on canonical tax lines."""

    codes: Mapping[tuple[str, Decimal], str]

    @classmethod
    def from_settings(cls, entries: Sequence[Mapping[str, Any]] | None) -> TaxCodeTable:
        codes: dict[tuple[str, Decimal], str] = {}
        for index, entry in enumerate(entries or ()):
            where = f"{TAX_CODES_SETTING}[{index}]"
            if not isinstance(entry, Mapping) or {"jurisdiction", "rate", "tax_code"} - set(entry):
                raise ConfigError(f"{where} in {WHERE} needs jurisdiction, rate and tax_code; got {entry!r}")
            try:
                rate = Decimal(str(entry["rate"]))
            except InvalidOperation:
                raise ConfigError(f"{where}.rate in {WHERE} is not a number: {entry['rate']!r}") from None
            if not 0 <= rate <= 1:
                raise ConfigError(f"{where}.rate in {WHERE} is a fraction (0.0725 for 7.25 %), got {rate}")
            key = (str(entry["jurisdiction"]).strip().lower(), rate_key(rate))
            if key in codes:
                raise ConfigError(f"{where} in {WHERE} repeats {entry['jurisdiction']!r} at {rate}")
            codes[key] = str(entry["tax_code"])
        return cls(codes)

    @property
    def configured(self) -> bool:
        return bool(self.codes)

    def tax_item_for(self, order: Order) -> dict[str, str] | None:
        """The header tax item of ``order``'s sales order (None when it charges no tax); a pair not in the
        table, or pairs mapped to different codes, raise a DataError naming them and the fix."""
        pairs: dict[tuple[str, Decimal], tuple[str, Decimal | None]] = {}
        tax_lines = [t for line in order.lines for t in line.tax_lines]
        tax_lines += [t for shipping in order.shipping_lines for t in shipping.tax_lines] + order.tax_lines
        for tax in tax_lines:
            if tax.amount.is_zero() and not tax.rate:
                continue
            jurisdiction = tax.jurisdiction or tax.title
            rate = tax.rate if tax.rate is not None else Decimal(-1)
            pairs[(jurisdiction.strip().lower(), rate_key(rate))] = (jurisdiction, tax.rate)
        record = f"salesOrder for order {order.business_key}"
        unknown = [shown for key, shown in pairs.items() if key not in self.codes]
        if unknown:
            listed = "; ".join(
                f"{name!r} at rate {rate if rate is not None else '?'}" for name, rate in unknown
            )
            first_name, first_rate = unknown[0]
            raise DataError(
                f"order {order.business_key} charges tax {listed}, which has no NetSuite tax code",
                system=SYSTEM,
                record=record,
                field="tax_lines",
                suggested_fix=f'add {{jurisdiction: {first_name!r}, rate: "{first_rate}", tax_code: '
                f"<NetSuite tax code id>}} to {TAX_CODES_SETTING} in {WHERE}, then retry",
            )
        codes = sorted({self.codes[key] for key in pairs})
        if len(codes) > 1:
            raise DataError(
                f"order {order.business_key} charges taxes mapped to several NetSuite tax codes "
                f"({', '.join(codes)}); a sales order's header carries one tax item",
                system=SYSTEM,
                record=record,
                field="tax_lines",
                suggested_fix=f"create a NetSuite tax group combining them and map each of the order's "
                f"jurisdictions to it in {TAX_CODES_SETTING} ({WHERE})",
            )
        return reference(codes[0]) if codes else None


# -- payment gateways --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gateway:
    """How one store payment gateway is booked: the customer payment's method (a Payment Method record,
    https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/article_1207013221.html) and account, and
    where its payouts land (bank), with the accounts for fees and adjustments."""

    name: str
    payment_method: str
    account: str
    bank_account: str | None = None
    fees_account: str | None = None
    adjustments_account: str | None = None


@dataclass(frozen=True)
class GatewayTable:
    gateways: Mapping[str, Gateway]

    @classmethod
    def from_settings(cls, entries: Mapping[str, Mapping[str, Any]] | None) -> GatewayTable:
        gateways: dict[str, Gateway] = {}
        known = {"payment_method", "account", "bank_account", "fees_account", "adjustments_account"}
        for name, entry in (entries or {}).items():
            where = f"{GATEWAYS_SETTING}.{name}"
            if not isinstance(entry, Mapping) or {"payment_method", "account"} - set(entry):
                raise ConfigError(f"{where} in {WHERE} needs payment_method and account; got {entry!r}")
            unknown = sorted(set(entry) - known)
            if unknown:
                raise ConfigError(
                    f"{where} in {WHERE}: unknown key(s) {', '.join(unknown)} "
                    f"(known: {', '.join(sorted(known))})"
                )
            gateways[str(name).lower()] = Gateway(
                name=str(name), **{key: str(value) for key, value in entry.items() if value is not None}
            )
        return cls(gateways)

    @property
    def configured(self) -> bool:
        return bool(self.gateways)

    def gateway(self, name: str, *, record: str) -> Gateway:
        found = self.gateways.get(name.lower())
        if found is None:
            raise DataError(
                f"{record}: payment gateway {name!r} has no NetSuite payment method and account",
                system=SYSTEM,
                record=record,
                field="gateway",
                suggested_fix=f"add {GATEWAYS_SETTING}.{name}: {{payment_method: …, account: <account id or "
                f"eid:…>}} to {WHERE}, then retry",
            )
        return found

    def payment_fields(self, transaction: Transaction) -> NetSuiteBody:
        """``paymentMethod`` and ``account`` of a customer payment taken through the transaction's gateway."""
        gateway = self.gateway(transaction.gateway, record=f"customerPayment for {transaction.business_key}")
        return {"paymentMethod": reference(gateway.payment_method), "account": reference(gateway.account)}


# -- payouts as deposits -----------------------------------------------------------------------------


def deposit_to_netsuite(
    payout: Payout,
    *,
    external_id: str,
    gateway: Gateway,
    subsidiary_id: str | None = None,
    currency_id: str | None = None,
) -> NetSuiteBody:
    """A payout as a NetSuite ``deposit`` whose total is the payout's net (see the module docstring)."""
    record = f"deposit for payout {payout.business_key}"
    missing = [
        name for name in ("bank_account", "fees_account", "adjustments_account") if not getattr(gateway, name)
    ]
    if missing:
        raise DataError(
            f"payout {payout.business_key} cannot be booked: gateway {gateway.name} "
            f"has no {', '.join(missing)}",
            system=SYSTEM,
            record=record,
            suggested_fix=f"set {', '.join(missing)} under {GATEWAYS_SETTING}.{gateway.name} in {WHERE}",
        )
    if payout.net.amount <= 0:
        raise DataError(
            f"payout {payout.business_key} has net {payout.net}: a NetSuite deposit's total must be positive",
            system=SYSTEM,
            record=record,
            field="net",
            suggested_fix="book this payout (a debit of the bank account) by hand as a journal entry in "
            "NetSuite, then mark the exception resolved",
        )
    assert gateway.bank_account and gateway.fees_account and gateway.adjustments_account
    other: list[NetSuiteBody] = []
    cash_back: list[NetSuiteBody] = []
    if not payout.gross.is_zero():
        other.append(
            {"account": reference(gateway.account), "amount": _amount(payout.gross.amount), "memo": "charges"}
        )
    if not payout.fees.is_zero():
        fees = _amount(payout.fees.amount)
        cash_back.append({"account": reference(gateway.fees_account), "amount": fees, "memo": "fees"})
    for adjustment in payout.adjustments:
        amount = adjustment.amount.amount
        if amount == 0:
            continue
        # Refunds went back to buyers out of the clearing account the charges were paid into.
        account = gateway.account if adjustment.kind == "refund" else gateway.adjustments_account
        if adjustment.kind == "fee":
            account = gateway.fees_account
        memo = adjustment.description or adjustment.kind
        line = {"account": reference(account), "amount": _amount(abs(amount)), "memo": memo}
        (other if amount > 0 else cash_back).append(line)
    moment = payout.arrival_date or (payout.issued_at or payout.origin.updated_at).date()
    body: NetSuiteBody = {
        "externalId": external_id,
        "account": reference(gateway.bank_account),
        "tranDate": moment.isoformat(),
        "memo": f"{gateway.name} payout {payout.origin.id}"
        + (f", bank reference {payout.bank_reference}" if payout.bank_reference else ""),
        "other": {"items": other},
        "cashBack": {"items": cash_back},
    }
    if subsidiary_id:
        body["subsidiary"] = {"id": subsidiary_id}
    if currency_id:
        body["currency"] = {"id": currency_id}
    return body
