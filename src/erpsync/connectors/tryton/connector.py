"""``TrytonConnector``: the ErpConnector the flows use, composed from the client, the change polling and
the translations.

Idempotent writes (DESIGN decision 3): Tryton has no external-id upsert, so every write looks its record up
by the other system's business key before creating it, and stores that key on the record it creates:

- a sale's ``description`` is the store order's business key (``"shopify:1042"``, ``reference`` is the
  order name staff see); a replayed ``upsert_sales_order`` finds the sale and only finishes its workflow
  (quote, confirm, process) where the first attempt stopped;
- a party gets a ``party.identifier`` whose code is the customer's or company's origin key
  (``"shopify:207119551"``);
- a credit note's ``reference`` is the refund's business key; an invoice is the one Tryton made for the
  sale, posted once.

Steps are at-least-once; two workers never run the same record's step at once (the engine's queues), so
look-up-then-create is enough here.

    client = TrytonClient("http://127.0.0.1:8000", "shop", "erpsync", password)
    connector = TrytonConnector(client, settings=TrytonSettings(warehouse_code="WH"))
    sale_id = connector.upsert_sales_order(order, idempotency_key=order.business_key)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from erpsync.connectors.base import ChangeBatch, ErpConnector
from erpsync.connectors.tryton import translate
from erpsync.connectors.tryton.changes import ChangeCursor, ChangedIds, poll_changes
from erpsync.connectors.tryton.client import Domain, Row, TrytonClient
from erpsync.connectors.tryton.errors import SYSTEM
from erpsync.errors import ConfigError, DataError, MissingPrerequisite, unknown_skus
from erpsync.model import (
    Address,
    Company,
    CreditMemo,
    Customer,
    Discount,
    Fulfillment,
    InventoryLevel,
    Invoice,
    Location,
    LoyaltyEvent,
    Order,
    Payout,
    Product,
    Refund,
    Transaction,
)

# sale.sale workflow (trytond/modules/sale/sale.py): the button that moves a sale on from each state.
_NEXT_SALE_STEP = {"draft": "quote", "quotation": "confirm", "confirmed": "process"}
_SALE_PRODUCT_FIELDS = ["id", "code", "default_uom", "template.sale_uom", "salable"]


@dataclass(frozen=True)
class TrytonSettings:
    """Choices a Tryton installation makes: ``warehouse_code`` ships the sales (default: Tryton's default
    warehouse); ``currency`` is the company's, for catalog prices; ``guest_party_identifier`` names the party
    (by identifier code) that guest checkouts are sold to."""

    warehouse_code: str | None = None
    currency: str = "USD"
    guest_party_identifier: str | None = None


class TrytonConnector:
    """One Tryton database as an ``ErpConnector`` (see ``erpsync.connectors.base``)."""

    system = SYSTEM

    def __init__(
        self,
        client: TrytonClient,
        *,
        settings: TrytonSettings | None = None,
        poll_overlap: timedelta = timedelta(seconds=60),
        poll_page_size: int = 200,
    ) -> None:
        self.client = client
        self.settings = settings or TrytonSettings()
        self.poll_overlap = poll_overlap
        self.poll_page_size = poll_page_size

    def close(self) -> None:
        self.client.close()

    # -- sales ---------------------------------------------------------------------------------------

    def upsert_sales_order(self, order: Order, *, idempotency_key: str) -> str:
        """The confirmed, processing ``sale.sale`` for ``order``, created once (see the module docstring)."""
        sale = self.find_sale(order.business_key)
        if sale is None:
            sale_id = self._create_sale(order)
            state = "draft"
        else:
            sale_id, state = int(sale["id"]), str(sale["state"])
        self._advance_sale(sale_id, state)
        return str(sale_id)

    def find_sale(self, order_key: str) -> Row | None:
        """The sale made for the store order with business key ``order_key``, if any."""
        rows = self.client.search_read(
            "sale.sale", [["description", "=", order_key]], ["id", "state"], limit=1, order=[("id", "ASC")]
        )
        return rows[0] if rows else None

    def _create_sale(self, order: Order) -> int:
        products = self.products_by_sku(line.sku for line in order.lines if line.sku)
        party_id = self._order_party(order)
        invoice_address = self._address_id(party_id, order.billing_address or order.shipping_address)
        shipment_address = self._address_id(party_id, order.shipping_address or order.billing_address)
        values = translate.sale_to_tryton(
            order,
            party_id=party_id,
            address_id=invoice_address,
            shipment_address_id=shipment_address,
            currency_id=self._currency_id(order.currency),
            products=products,
        )
        if self.settings.warehouse_code:
            values["warehouse"] = self._warehouse_id(self.settings.warehouse_code)
        (sale_id,) = self.client.create("sale.sale", [values])
        return sale_id

    def _advance_sale(self, sale_id: int, state: str) -> None:
        # confirm queues "process" (shipment and invoice creation); without a queue worker trytond runs it
        # right after the confirm commits, so a sale normally reads "processing" after confirm.
        while state in _NEXT_SALE_STEP:
            self.client.button("sale.sale", _NEXT_SALE_STEP[state], [sale_id])
            (row,) = self.client.read("sale.sale", [sale_id], ["state"])
            if row["state"] == state:
                break
            state = str(row["state"])

    def amend_sales_order(self, order: Order, *, idempotency_key: str) -> list[str]:
        """Store order edits are not applied to Tryton sales yet: a sale whose lines still match the order
        is left alone ([]); one the store edited is refused visibly, so the edit is parked, not lost."""
        sale = self.find_sale(order.business_key)
        if sale is None:
            raise MissingPrerequisite(
                f"order {order.business_key} has no Tryton sale yet",
                prerequisite=f"order:{order.business_key}",
                system=SYSTEM,
                record="sale.sale",
            )
        (row,) = self.client.read("sale.sale", [int(sale["id"])], ["lines"])
        lines = self.client.read("sale.line", row["lines"], ["note", "quantity"])
        in_tryton = {translate.store_line_id(r.get("note")): Decimal(str(r["quantity"])) for r in lines}
        in_store = {line.line_id: Decimal(line.quantity) for line in order.lines}
        if {k: v for k, v in in_tryton.items() if k is not None} == in_store:
            return []
        raise DataError(
            f"order {order.business_key} was edited in the store after Tryton sale {sale['id']} was made; "
            "the Tryton connector does not apply order edits yet",
            system=SYSTEM,
            record=f"sale.sale {sale['id']}",
            field="lines",
            suggested_fix="change the sale's lines in Tryton by hand to match the store order, then resolve",
        )

    def cancel_sales_order(self, order: Order, *, idempotency_key: str) -> None:
        """Cancel the order's sale; Tryton cancels sales not yet confirmed only (a DataError otherwise)."""
        sale = self.find_sale(order.business_key)
        if sale is None or sale["state"] == "cancelled":
            return
        if sale["state"] not in ("draft", "quotation"):
            raise DataError(
                f"Tryton sale {sale['id']} for order {order.business_key} is {sale['state']}: Tryton cancels "
                "only draft and quoted sales",
                system=SYSTEM,
                record=f"sale.sale {sale['id']}",
                suggested_fix="cancel its customer shipment and invoice in Tryton, or handle the "
                "cancellation as a return",
            )
        self.client.button("sale.sale", "cancel", [int(sale["id"])])

    def store_order_of_sale(self, sale_id: str) -> tuple[str, dict[str, str]]:
        """For a fulfillment from Tryton: the store order's business key of the sale (``"shopify:1042"``) and
        the store line id of each ``sale.line`` id, as written when the sale was made."""
        (sale,) = self.client.read("sale.sale", [int(sale_id)], ["description", "lines"])
        lines = self.client.read("sale.line", sale["lines"], ["note"])
        store_lines = {str(row["id"]): translate.store_line_id(row.get("note")) for row in lines}
        return str(sale.get("description") or ""), {k: v for k, v in store_lines.items() if v}

    def products_by_sku(self, skus: Iterable[str]) -> dict[str, Row]:
        """Salable ``product.product`` rows by code (SKU); a SKU with none raises ``MissingPrerequisite``."""
        wanted = sorted(set(skus))
        rows = self.client.search_read("product.product", [["code", "in", wanted]], _SALE_PRODUCT_FIELDS)
        found = {str(row["code"]): row for row in rows}
        unknown = [sku for sku in wanted if sku not in found]
        if unknown:
            raise unknown_skus(
                SYSTEM,
                unknown,
                where="Tryton product (product code)",
                fix="create a product with code {sku} in Tryton, or map the SKU to one",
            )
        return found

    def _order_party(self, order: Order) -> int:
        buyer = order.company_id or order.customer_id
        if buyer:
            kind = "company" if order.company_id else "customer"
            party_id = self.find_party(f"{order.origin.system}:{buyer}")
            if party_id is None:
                raise MissingPrerequisite(
                    f"order {order.business_key} waits for its {kind} {buyer} to be created in Tryton",
                    prerequisite=f"{kind}:{order.origin.system}:{buyer}",
                    system=SYSTEM,
                    record=f"sale.sale for order {order.business_key}",
                    field="party",
                )
            return party_id
        if self.settings.guest_party_identifier:
            party_id = self.find_party(self.settings.guest_party_identifier)
            if party_id is not None:
                return party_id
        raise DataError(
            f"order {order.business_key} has no customer and no guest party is configured",
            system=SYSTEM,
            record=f"sale.sale for order {order.business_key}",
            field="customer_id",
            suggested_fix="set guest_party_identifier in the Tryton settings for guest checkouts",
        )

    def find_party(self, identifier: str) -> int | None:
        rows = self.client.search_read(
            "party.party", [["identifiers.code", "=", identifier]], ["id"], limit=1
        )
        return int(rows[0]["id"]) if rows else None

    def _address_id(self, party_id: int, address: Address | None) -> int:
        """The party's address matching ``address`` (street, postal code, city), added when missing; the
        party's first address when the order carries none."""
        rows = self.client.search_read(
            "party.address", [["party", "=", party_id]], translate.ADDRESS_FIELDS, order=[("sequence", "ASC")]
        )
        if address is not None:
            wanted = translate.address_to_tryton(address, country_id=None)
            for row in rows:
                if _same_address(row, wanted):
                    return int(row["id"])
            values = translate.address_to_tryton(address, country_id=self._country_id(address.country_code))
            (address_id,) = self.client.create("party.address", [{**values, "party": party_id}])
            return address_id
        if rows:
            return int(rows[0]["id"])
        raise DataError(
            f"Tryton party {party_id} has no address and the order carries none",
            system=SYSTEM,
            record=f"party.party {party_id}",
            suggested_fix="add an address to the party in Tryton",
        )

    def _currency_id(self, code: str) -> int:
        rows = self.client.search_read("currency.currency", [["code", "=", code]], ["id"], limit=1)
        if not rows:
            raise ConfigError(
                f"Tryton has no currency {code}",
                system=SYSTEM,
                suggested_fix=f"add currency {code} in Tryton (Currency > Currencies)",
            )
        return int(rows[0]["id"])

    def _country_id(self, code: str | None) -> int | None:
        # Tryton ships no countries until an administrator imports them (trytond_import_countries): an
        # address without its country is better than a parked order.
        if not code:
            return None
        rows = self.client.search_read("country.country", [["code", "=", code]], ["id"], limit=1)
        return int(rows[0]["id"]) if rows else None

    def _warehouse_id(self, code: str) -> int:
        rows = self.client.search_read(
            "stock.location", [["type", "=", "warehouse"], ["code", "=", code]], ["id"], limit=1
        )
        if not rows:
            raise ConfigError(
                f"Tryton has no warehouse with code {code}",
                system=SYSTEM,
                suggested_fix="set warehouse_code in the Tryton settings to an existing warehouse's code",
            )
        return int(rows[0]["id"])

    # -- customers -----------------------------------------------------------------------------------

    def upsert_customer(self, customer: Customer, *, idempotency_key: str) -> str:
        """The party for ``customer`` (identifier ``"<system>:<id>"``): created, or its name updated and
        missing e-mail, phone and addresses added."""
        name = translate.party_name(
            customer.first_name, customer.last_name, customer.email or customer.origin.id
        )
        key = f"{customer.origin.system}:{customer.origin.id}"
        return str(self._upsert_party(key, name, customer.email, customer.phone, customer.addresses))

    def upsert_company(self, company: Company, *, idempotency_key: str) -> str:
        """The party for a B2B company: name, main contact's e-mail and phone, its locations' addresses."""
        contact = next((c for c in company.contacts if c.is_main_contact), None) or next(
            iter(company.contacts), None
        )
        addresses = [
            address
            for location in company.locations
            for address in (location.billing_address, location.shipping_address)
            if address is not None
        ]
        key = f"{company.origin.system}:{company.origin.id}"
        party_id = self._upsert_party(
            key,
            company.name,
            contact.email if contact else None,
            contact.phone if contact else None,
            addresses,
        )
        return str(party_id)

    def _upsert_party(
        self, key: str, name: str, email: str | None, phone: str | None, addresses: Sequence[Address]
    ) -> int:
        party_id = self.find_party(key)
        mechanisms = translate.contact_mechanisms_to_create(email, phone)
        if party_id is None:
            values = {
                "name": name,
                "identifiers": [["create", [{"code": key}]]],
                "contact_mechanisms": [["create", mechanisms]],
                "addresses": [["create", [self._address_values(a) for a in addresses] or [{}]]],
            }
            (party_id,) = self.client.create("party.party", [values])
            return party_id
        known = {
            (row["type"], row["value"])
            for row in self.client.search_read(
                "party.contact_mechanism", [["party", "=", party_id]], translate.CONTACT_FIELDS
            )
        }
        new_mechanisms = [m for m in mechanisms if (m["type"], m["value"]) not in known]
        self.client.write(
            "party.party", [party_id], {"name": name, "contact_mechanisms": [["create", new_mechanisms]]}
        )
        for address in addresses:
            self._address_id(party_id, address)
        return party_id

    def _address_values(self, address: Address) -> dict[str, Any]:
        return translate.address_to_tryton(address, country_id=self._country_id(address.country_code))

    # -- billing -------------------------------------------------------------------------------------

    def create_invoice(self, order: Order, *, idempotency_key: str) -> Invoice:
        """The invoice Tryton made for the order's sale (invoice method "on order" or "on shipment"), posted
        once; a sale with no invoice yet (nothing shipped "on shipment") is a ``MissingPrerequisite``."""
        sale = self._sale_for(order.origin.system, order.origin.id)
        invoices = self.client.search_read(
            "account.invoice",
            [["sales", "=", int(sale["id"])], ["type", "=", "out"], ["state", "!=", "cancelled"]],
            translate.INVOICE_FIELDS,
            order=[("id", "ASC")],
        )
        invoice = next((row for row in invoices if row["total_amount"] >= 0), None)
        if invoice is None:
            raise MissingPrerequisite(
                f"Tryton sale {sale['id']} for order {order.business_key} has no invoice yet",
                prerequisite=f"fulfillment:{order.business_key}",
                system=SYSTEM,
                record=f"sale.sale {sale['id']}",
                suggested_fix="the sale invoices on shipment: ship it first, or change its invoice method",
            )
        return translate.invoice_from_tryton(
            *self._posted_invoice(int(invoice["id"])), order_id=str(sale["id"])
        )

    def create_credit_memo(self, refund: Refund, *, idempotency_key: str) -> CreditMemo:
        """A credit note for the refunded lines: an ``out`` invoice with negative quantities at the prices and
        accounts of the sale's invoice, ``reference`` = the refund's business key, posted."""
        sale = self._sale_for(refund.origin.system, refund.order_id)
        existing = self.client.search_read(
            "account.invoice",
            [["reference", "=", refund.business_key], ["type", "=", "out"]],
            ["id"],
            limit=1,
        )
        credit_id = int(existing[0]["id"]) if existing else self._create_credit_note(refund, sale)
        return translate.credit_memo_from_tryton(
            *self._posted_invoice(credit_id), order_id=str(sale["id"]), refund_id=refund.origin.id
        )

    def _create_credit_note(self, refund: Refund, sale: Row) -> int:
        invoice_fields = [
            "id",
            "party",
            "invoice_address",
            "account",
            "journal",
            "currency",
            "company",
            "state",
        ]
        invoices = self.client.search_read(
            "account.invoice",
            [["sales", "=", int(sale["id"])], ["type", "=", "out"], ["state", "in", ["posted", "paid"]]],
            [*invoice_fields, "lines"],
            order=[("id", "ASC")],
        )
        if not invoices:
            raise MissingPrerequisite(
                f"refund {refund.business_key}: the Tryton sale {sale['id']} has no posted invoice to credit",
                prerequisite=f"invoice:{refund.origin.system}:{refund.order_id}",
                system=SYSTEM,
                record=f"sale.sale {sale['id']}",
            )
        invoice = invoices[0]
        lines = self.client.read(
            "account.invoice.line",
            invoice["lines"],
            ["id", "type", "product", "product.code", "account", "unit", "unit_price", "description"],
        )
        by_sku = {
            translate.nested(line, "product.code"): line for line in lines if line.get("type") == "line"
        }
        credit_lines = []
        for refund_line in refund.lines:
            source = by_sku.get(refund_line.sku)
            if source is None:
                raise DataError(
                    f"refund {refund.business_key}: SKU {refund_line.sku} is not on the sale's invoice",
                    system=SYSTEM,
                    record=f"account.invoice {invoice['id']}",
                    field="lines.sku",
                )
            quantity, unit_price = translate.credit_quantity_and_price(
                refund_line.quantity, refund_line.subtotal.amount
            )
            credit_lines.append(
                {
                    "type": "line",
                    "product": source["product"],
                    "account": source["account"],
                    "unit": source["unit"],
                    "quantity": quantity,
                    "unit_price": unit_price,
                    "description": source.get("description")
                    if quantity == -refund_line.quantity
                    else f"{refund_line.quantity} x {source.get('description') or refund_line.sku}",
                }
            )
        values = {key: invoice[key] for key in invoice_fields if key not in ("id", "state")}
        values.update(
            type="out",
            reference=refund.business_key,
            description=refund.reason or refund.note or f"refund {refund.business_key}",
            lines=[["create", credit_lines]],
        )
        (credit_id,) = self.client.create("account.invoice", [values])
        return credit_id

    def _posted_invoice(self, invoice_id: int) -> tuple[Row, list[Row]]:
        (invoice,) = self.client.read("account.invoice", [invoice_id], translate.INVOICE_FIELDS)
        if invoice["state"] in ("draft", "validated"):
            self.client.button("account.invoice", "post", [invoice_id])
            (invoice,) = self.client.read("account.invoice", [invoice_id], translate.INVOICE_FIELDS)
        lines = self.client.read("account.invoice.line", invoice["lines"], translate.INVOICE_LINE_FIELDS)
        return invoice, lines

    def _sale_for(self, system: str, order_id: str) -> Row:
        key = f"{system}:{order_id}"
        sale = self.find_sale(key)
        if sale is None:
            raise MissingPrerequisite(
                f"order {key} has no Tryton sale yet",
                prerequisite=f"order:{key}",
                system=SYSTEM,
                record=f"sale.sale for order {key}",
            )
        return sale

    def record_payment(self, transaction: Transaction, *, idempotency_key: str) -> str:
        raise NotImplementedError(
            "Tryton connector: recording payments is not built yet (it needs the account.invoice.pay wizard "
            "or the account_payment module and a payment journal per gateway)"
        )

    def record_payout(self, payout: Payout, *, idempotency_key: str) -> str:
        raise NotImplementedError(
            "Tryton connector: payouts are not built yet (a bank statement line in account_statement)"
        )

    # -- promotions and loyalty: not built for Tryton ---------------------------------------------------

    def _no_promotions(self, what: str) -> ConfigError:
        return ConfigError(
            f"Tryton connector: {what} is not built for Tryton (promotions and loyalty sync run with "
            "NetSuite); disable the promotion and loyalty flows in erpsync.yaml"
        )

    def get_discount(self, discount_id: str) -> Discount:
        raise self._no_promotions("reading discount codes")

    def find_discount_by_code(self, code: str) -> str | None:
        raise self._no_promotions("finding discount codes")

    def discounts_changed_since(self, cursor: str | None) -> ChangeBatch[Discount]:
        raise self._no_promotions("polling discount codes")

    def upsert_discount(self, discount: Discount, *, idempotency_key: str) -> str:
        raise self._no_promotions("writing discount codes")

    def loyalty_points(self, customer_id: str) -> int:
        raise self._no_promotions("loyalty points")

    def post_loyalty_event(self, event: LoyaltyEvent, *, customer_id: str, idempotency_key: str) -> str:
        raise self._no_promotions("posting loyalty events")

    # -- polling -------------------------------------------------------------------------------------

    def _poll(self, model: str, cursor: str | None, **options: Any) -> ChangedIds:
        def search_read(
            name: str,
            domain: Domain,
            fields: list[str],
            offset: int,
            limit: int | None,
            order: list[tuple[str, str]] | None,
        ) -> list[Row]:
            return self.client.search_read(
                name, domain, fields, offset=offset, limit=limit, order=order, context={"active_test": False}
            )

        return poll_changes(
            search_read,
            model,
            ChangeCursor.decode(cursor),
            overlap=self.poll_overlap,
            limit=self.poll_page_size,
            **options,
        )

    def products_changed_since(self, cursor: str | None) -> ChangeBatch[Product]:
        """Variants changed since the cursor, a change of their template (name, price) included."""
        changed = self._poll("product.product", cursor, also_changed_with=("template.write_date",))
        rows = self.client.search_read(
            "product.product",
            [["id", "in", changed.ids]],
            translate.PRODUCT_FIELDS,
            context={"active_test": False},
        )
        products = [translate.product_from_tryton(row, currency=self.settings.currency) for row in rows]
        return ChangeBatch(records=products, cursor=changed.cursor.encode(), more=changed.more)

    def inventory_changed_since(self, cursor: str | None) -> ChangeBatch[InventoryLevel]:
        """Stock per warehouse of the products whose stock moves changed since the cursor (a move is
        created, assigned, done or cancelled whenever stock changes in Tryton); levels are as of the read."""
        changed = self._poll("stock.move", cursor)
        levels: list[InventoryLevel] = []
        if changed.ids:
            moves = self.client.read("stock.move", changed.ids, ["product"])
            levels = self.inventory_levels(sorted({int(move["product"]) for move in moves}))
        return ChangeBatch(records=levels, cursor=changed.cursor.encode(), more=changed.more)

    def inventory_levels(self, product_ids: Sequence[int]) -> list[InventoryLevel]:
        """Stock of the given products in every warehouse (one read per warehouse)."""
        as_of = datetime.now(UTC)
        levels = []
        for warehouse in self._warehouses():
            rows = self.client.search_read(
                "product.product",
                [["id", "in", list(product_ids)], ["type", "=", "goods"], ["code", "!=", None]],
                ["id", "code", "quantity", "forecast_quantity"],
                context={"locations": [int(warehouse["id"])], "active_test": False},
            )
            code = translate.location_from_tryton(warehouse).code
            levels += [
                translate.inventory_level_from_tryton(
                    row, location_code=code, location_id=int(warehouse["id"]), as_of=as_of
                )
                for row in rows
            ]
        return levels

    def fulfillments_changed_since(self, cursor: str | None) -> ChangeBatch[Fulfillment]:
        """Customer shipments changed since the cursor, in every state (the flow sends those whose status is
        "success" to the store; see ``translate.FULFILLMENT_STATUS``). Shipments not made from a sale are
        left out."""
        changed = self._poll("stock.shipment.out", cursor)
        shipments = self.client.read("stock.shipment.out", changed.ids, translate.SHIPMENT_FIELDS)
        move_ids = [move_id for shipment in shipments for move_id in shipment["outgoing_moves"]]
        moves = {int(m["id"]): m for m in self.client.read("stock.move", move_ids, translate.MOVE_FIELDS)}
        line_ids = sorted({i for m in moves.values() if (i := translate.sale_line_id(m.get("origin")))})
        sale_of_line = {
            int(row["id"]): int(row["sale"]) for row in self.client.read("sale.line", line_ids, ["sale"])
        }
        fulfillments = []
        for shipment in shipments:
            fulfillment = translate.fulfillment_from_tryton(
                shipment, [moves[i] for i in shipment["outgoing_moves"]], sale_of_line=sale_of_line
            )
            if fulfillment is not None:
                fulfillments.append(fulfillment)
        return ChangeBatch(records=fulfillments, cursor=changed.cursor.encode(), more=changed.more)

    def customers_changed_since(self, cursor: str | None) -> ChangeBatch[Customer]:
        """Parties changed since the cursor (an edit of only a party's address or contact mechanism does not
        change the party's ``write_date`` in Tryton and is seen at the party's next change)."""
        changed = self._poll("party.party", cursor)
        parties = self.client.read("party.party", changed.ids, translate.PARTY_FIELDS)
        contacts = self.client.search_read(
            "party.contact_mechanism", [["party", "in", changed.ids]], translate.CONTACT_FIELDS
        )
        addresses = self.client.search_read(
            "party.address",
            [["party", "in", changed.ids]],
            translate.ADDRESS_FIELDS,
            order=[("sequence", "ASC")],
        )
        customers = [
            translate.customer_from_tryton(
                party,
                [c for c in contacts if c["party"] == party["id"]],
                [a for a in addresses if a["party"] == party["id"]],
            )
            for party in parties
        ]
        return ChangeBatch(records=customers, cursor=changed.cursor.encode(), more=changed.more)

    def locations(self) -> list[Location]:
        """Warehouses: where Tryton counts sellable stock (its storage zone and the locations below it)."""
        return [translate.location_from_tryton(row) for row in self._warehouses()]

    def _warehouses(self) -> list[Row]:
        domain: Domain = [["type", "=", "warehouse"]]
        if self.settings.warehouse_code:
            domain.append(["code", "=", self.settings.warehouse_code])
        return self.client.search_read(
            "stock.location", domain, translate.LOCATION_FIELDS, order=[("id", "ASC")]
        )


def _same_address(row: Row, wanted: dict[str, Any]) -> bool:
    street = " ".join(str(row.get("street") or "").split())
    wanted_street = " ".join(str(wanted.get("street_unstructured") or "").split())
    return (
        street.casefold() == wanted_street.casefold()
        and (row.get("postal_code") or None) == wanted.get("postal_code")
        and (row.get("city") or None) == wanted.get("city")
    )


if TYPE_CHECKING:

    def _is_an_erp_connector(connector: TrytonConnector) -> ErpConnector:
        return connector  # mypy proves TrytonConnector satisfies the ErpConnector protocol
