"""``NetSuiteConnector``: the ErpConnector the flows use, composed from the client and the translations.

Every write is idempotent through ``externalId``:

- records with an identity of their own use it: a sales order's external id is made from the store order's
  business key (``"shopify:1042"`` → ``eid:shopify_3A1042``), a customer's from its origin, a payment's,
  refund's and payout's from theirs; writes are ``PUT …/eid:X`` upserts, so a replay lands on the same record;
- records NetSuite makes by transforming a sales order (invoices) get the caller's ``idempotency_key`` as
  external id: the connector looks it up before transforming, and a duplicate answer after a lost response
  resolves to the record that was made.

    connector = NetSuiteConnector("1234567_SB1", "https://1234567-sb1.suitetalk.api.netsuite.com", auth,
                                  settings=NetSuiteSettings(discount_item_id="12", tax_item_id="-8"))
    so_id = connector.upsert_sales_order(order, idempotency_key=order.business_key)
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from erpsync.connectors.base import ChangeBatch, LedgerEntry
from erpsync.connectors.netsuite import order_edits, price_lists, promotions, returns, translate
from erpsync.connectors.netsuite.budget import ConcurrencyBudget
from erpsync.connectors.netsuite.changes import ChangeCursor, poll_changes, sql_quote
from erpsync.connectors.netsuite.client import NetSuiteClient, RetryRule, external_id_for
from erpsync.connectors.netsuite.errors import NetSuiteDataError
from erpsync.connectors.netsuite.finance import GatewayTable, TaxCodeTable, deposit_to_netsuite
from erpsync.connectors.netsuite.translate import NetSuiteSettings
from erpsync.errors import DataError, MissingPrerequisite, unknown_skus
from erpsync.model import (
    Company,
    CreditMemo,
    Customer,
    Discount,
    Fulfillment,
    InventoryLevel,
    Invoice,
    Location,
    LoyaltyEvent,
    Money,
    Order,
    Payout,
    Price,
    PriceList,
    Product,
    Refund,
    Return,
    Transaction,
)

SYSTEM = "netsuite"
# The tie-out's view of a day: documents by transaction date, the date as text (a bare date column comes in
# the account's display format, see docs/connectors/netsuite-sandbox.md).
LEDGER_QUERY = (
    "SELECT id, tranid, type, status, externalid, foreigntotal, currency, "
    "TO_CHAR(trandate, 'YYYY-MM-DD') AS day FROM transaction "
    "WHERE type IN ('SalesOrd', 'CustCred', 'CashRfnd', 'Deposit') "
    "AND trandate >= TO_DATE('{first}', 'YYYY-MM-DD') AND trandate <= TO_DATE('{last}', 'YYYY-MM-DD') "
    "ORDER BY id"
)
_LEDGER_KINDS = {"SalesOrd": "order", "CustCred": "refund", "CashRfnd": "refund", "Deposit": "payout"}
_ITEM_RECORD_TYPES = {"InvtPart": "inventoryItem", "NonInvtPart": "nonInventorySaleItem"}
# A location's code is its external id, else its name (translate.location_code), here in SQL.
STOCK_BY_LOCATION = (
    "SELECT iil.item AS item_id, item.itemid AS sku, iil.location AS location_id, "
    "NVL(location.externalid, location.name) AS location_code, iil.quantityonhand AS on_hand, "
    "iil.quantitycommitted AS committed, iil.quantityavailable AS available "
    "FROM inventoryitemlocations iil JOIN item ON item.id = iil.item "
    "JOIN location ON location.id = iil.location "
    "WHERE iil.item IN ({item_ids}) ORDER BY iil.item, iil.location"
)


def origin_external_id(system: str, record_id: str) -> str:
    """The external id of a record that came from another system: ``"<system>:<id>"`` made NetSuite-safe."""
    return external_id_for(f"{system}:{record_id}")


class NetSuiteConnector:
    """One NetSuite account as an ``ErpConnector`` (see ``erpsync.connectors.base``)."""

    system = SYSTEM

    def __init__(
        self,
        account_id: str,
        base_url: str,
        auth: httpx.Auth,
        *,
        budget: ConcurrencyBudget | None = None,
        settings: NetSuiteSettings | None = None,
        retry: RetryRule | None = None,
        poll_overlap: timedelta = timedelta(seconds=60),
        poll_page_size: int = 200,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.account_id = account_id
        self.settings = settings or NetSuiteSettings()
        self.client = NetSuiteClient(base_url, auth, budget=budget, retry=retry, transport=transport)
        self.poll_overlap = poll_overlap
        self.poll_page_size = poll_page_size
        self._item_ids: dict[str, str] = {}
        self._term_ids: dict[str, str] = {}  # Term name (lower-case) -> internal id
        self.tax_codes = TaxCodeTable.from_settings(self.settings.tax_codes)
        self.gateways = GatewayTable.from_settings(self.settings.payment_gateways)

    def close(self) -> None:
        self.client.close()

    # -- sales orders --------------------------------------------------------------------------------

    def upsert_sales_order(self, order: Order, *, idempotency_key: str) -> str:
        """Create the sales order for ``order`` once; an order already in NetSuite is left as it is (its
        lines may be fulfilled by now) and its id returned."""
        external_id = external_id_for(order.business_key)
        existing = self.client.find_by_external_id("salesOrder", external_id)
        if existing is not None:
            return str(existing["id"])
        body = self._sales_order_body(order, external_id)
        if promotion := promotions.promotion_reference(self, order):
            body["promoCode"] = promotion
        try:
            return self.client.upsert("salesOrder", external_id, body)
        except NetSuiteDataError as exc:
            raise self._missing_customer(exc, order) from exc

    def amend_sales_order(self, order: Order, *, idempotency_key: str) -> list[str]:
        """Apply the store's edits of ``order`` to its sales order in one PATCH; return what changed (empty
        when the sales order already matches). What NetSuite cannot take (fewer units than shipped, a
        cancelled or closed sales order) is a DataError before any write (``order_edits``)."""
        existing = self._sales_order(order.origin.system, order.origin.id)
        desired = self._sales_order_body(order, external_id_for(order.business_key))
        amendment = order_edits.plan_amendment(existing, desired, order, self.settings)
        if amendment.needed:
            replace = "item" if amendment.replace_lines else None
            self.client.update("salesOrder", str(existing["id"]), amendment.body, replace=replace)
        return amendment.changes

    def _sales_order_body(self, order: Order, external_id: str) -> dict[str, Any]:
        return translate.sales_order_to_netsuite(
            order,
            external_id=external_id,
            customer=self._order_customer(order),
            item_ids=self.item_ids_for_skus([line.sku for line in order.lines if line.sku]),
            settings=self.settings,
            tax_item=self.tax_codes.tax_item_for(order) if self.tax_codes.configured else None,
        )

    def cancel_sales_order(self, order: Order, *, idempotency_key: str) -> None:
        """Cancel the order's sales order (NetSuite refuses once lines are fulfilled: a DataError)."""
        existing = self.client.find_by_external_id("salesOrder", external_id_for(order.business_key))
        if existing is None or translate.ref_id(existing.get("orderStatus")) == "C":
            return
        self.client.update("salesOrder", str(existing["id"]), {"orderStatus": {"id": "C"}})

    def _order_customer(self, order: Order) -> dict[str, str]:
        if order.company_id:
            return {"externalId": origin_external_id(order.origin.system, order.company_id)}
        if order.customer_id:
            return {"externalId": origin_external_id(order.origin.system, order.customer_id)}
        if self.settings.guest_customer_id:
            return {"id": self.settings.guest_customer_id}
        raise DataError(
            f"order {order.business_key} has no customer and no guest customer is configured",
            system=SYSTEM,
            record=f"salesOrder for order {order.business_key}",
            field="customer_id",
            suggested_fix="set guest_customer_id in the NetSuite settings for guest checkouts",
        )

    def _missing_customer(self, error: NetSuiteDataError, order: Order) -> DataError:
        if error.error_code != "INVALID_KEY_OR_REF" or error.field != "entity":
            return error
        buyer = order.company_id or order.customer_id
        kind = "company" if order.company_id else "customer"
        return MissingPrerequisite(
            f"order {order.business_key} waits for its {kind} {buyer} to be created in NetSuite",
            prerequisite=f"{kind}:{order.origin.system}:{buyer}",
            system=SYSTEM,
            record=f"salesOrder for order {order.business_key}",
            field="entity",
        )

    def item_ids_for_skus(self, skus: Iterable[str]) -> dict[str, str]:
        """NetSuite item ids by SKU (``itemid``), looked up with SuiteQL once and cached; a SKU with no item
        raises ``MissingPrerequisite`` so the engine holds the record until the item exists."""
        wanted = sorted(set(skus))
        missing = [sku for sku in wanted if sku not in self._item_ids]
        if missing:
            listed = ", ".join(sql_quote(sku) for sku in missing)
            for row in self.client.suiteql_rows(f"SELECT id, itemid FROM item WHERE itemid IN ({listed})"):
                self._item_ids[str(row["itemid"])] = str(row["id"])
        unknown = [sku for sku in wanted if sku not in self._item_ids]
        if unknown:
            raise unknown_skus(
                SYSTEM,
                unknown,
                where="NetSuite item (itemId)",
                fix="create item {sku} in NetSuite, or map the SKU to an existing item",
            )
        return {sku: self._item_ids[sku] for sku in wanted}

    # -- B2B price lists (connectors/netsuite/price_lists.py) ------------------------------------------

    def price_lists(self) -> list[PriceList]:
        return price_lists.price_lists(self)

    def price_list_prices(self, price_list: PriceList) -> list[Price]:
        return price_lists.price_list_prices(self, price_list)

    def price_list_accounts(self, price_list: PriceList) -> list[str]:
        return price_lists.price_list_accounts(self, price_list)

    # -- promotions and loyalty (connectors/netsuite/promotions.py) -----------------------------------

    def get_discount(self, discount_id: str) -> Discount:
        return promotions.get_discount(self, discount_id)

    def find_discount_by_code(self, code: str) -> str | None:
        return promotions.promotion_id_for_code(self, code)

    def discounts_changed_since(self, cursor: str | None) -> ChangeBatch[Discount]:
        return promotions.discounts_changed_since(self, cursor)

    def upsert_discount(self, discount: Discount, *, idempotency_key: str) -> str:
        return promotions.upsert_discount(self, discount)

    def loyalty_points(self, customer_id: str) -> int:
        return promotions.loyalty_points(self, customer_id)

    def post_loyalty_event(self, event: LoyaltyEvent, *, customer_id: str, idempotency_key: str) -> str:
        return promotions.post_loyalty_event(self, event, customer_id=customer_id)

    # -- customers -----------------------------------------------------------------------------------

    def upsert_customer(self, customer: Customer, *, idempotency_key: str) -> str:
        """Upsert by the external id made from the customer's origin; a customer whose origin is NetSuite
        itself is updated in place by internal id (its own external id, if any, left as it is)."""
        external_id = origin_external_id(customer.origin.system, customer.origin.id)
        body = translate.customer_to_netsuite(customer, external_id=external_id, settings=self.settings)
        if customer.origin.system == SYSTEM:
            body.pop("externalId", None)
            self.client.update("customer", customer.origin.id, body)
            return customer.origin.id
        return self.client.upsert("customer", external_id, body)

    def get_customer(self, customer_id: str) -> Customer:
        """A customer by NetSuite internal id, as canonical record."""
        return translate.customer_from_netsuite(self.client.get("customer", customer_id))

    def find_customer_by_email(self, email: str) -> str | None:
        """The internal id of the person customer with this e-mail, or None; several is a data error (NetSuite
        does not keep e-mails unique, and guessing would merge two people's accounts)."""
        rows = list(
            self.client.suiteql_rows(
                f"SELECT id FROM customer WHERE isperson = 'T' AND email = {sql_quote(email)} ORDER BY id"
            )
        )
        if len(rows) > 1:
            raise DataError(
                f"NetSuite has {len(rows)} customers with e-mail {email} "
                f"(ids {', '.join(str(row['id']) for row in rows)})",
                system=SYSTEM,
                record=f"customer {email}",
                field="email",
                suggested_fix="merge the duplicate customers in NetSuite (Lists > Relationships)",
            )
        return str(rows[0]["id"]) if rows else None

    def upsert_company(self, company: Company, *, idempotency_key: str) -> str:
        """Create or update the company customer. Payment terms are sent when the account is created only:
        afterwards credit terms are finance's decision in NetSuite, and an update keeps them."""
        external_id = origin_external_id(company.origin.system, company.origin.id)
        existing = self.client.find_by_external_id("customer", external_id)
        terms_id = None
        if existing is None and company.payment_terms is not None:
            terms_id = self._term_id(company.payment_terms.name, company)
        body = translate.company_to_netsuite(
            company, external_id=external_id, settings=self.settings, terms_id=terms_id
        )
        return self.client.upsert("customer", external_id, body)

    def _term_id(self, name: str, company: Company) -> str:
        """The Term record named ``name`` (names compare case-insensitively), read once per connector."""
        if not self._term_ids:
            for term_id in self.client.list_ids("term"):
                term = self.client.get("term", term_id, expand_sub_resources=False)
                self._term_ids[str(term.get("name", "")).lower()] = term_id
        if name.lower() not in self._term_ids:
            raise DataError(
                f"company {company.name} buys on payment terms {name!r}, which NetSuite has no Term for",
                system=SYSTEM,
                record=f"customer for company {company.business_key}",
                field="terms",
                suggested_fix=f"create the term {name!r} in NetSuite (Accounting Lists > Term), or change "
                "the company location's payment terms in the store",
            )
        return self._term_ids[name.lower()]

    # -- billing -------------------------------------------------------------------------------------

    def create_invoice(self, order: Order, *, idempotency_key: str) -> Invoice:
        """Bill what was fulfilled of the order's sales order (``!transform/invoice``), once per key."""
        sales_order_id = self._sales_order_id(order.origin.system, order.origin.id)
        invoice_id = self._transform_once(sales_order_id, "invoice", external_id_for(idempotency_key))
        return translate.invoice_from_netsuite(self.client.get("invoice", invoice_id), settings=self.settings)

    def record_payment(self, transaction: Transaction, *, idempotency_key: str) -> str:
        """A captured payment as a customer payment, applied to the order's open invoice when there is one."""
        if not transaction.order_id:
            raise DataError(
                f"payment {transaction.business_key} names no order; NetSuite needs the customer",
                system=SYSTEM,
                record=f"customerPayment for {transaction.business_key}",
                field="order_id",
            )
        sales_order = self._sales_order(transaction.origin.system, transaction.order_id)
        invoice = self._open_invoice_of(str(sales_order["id"]))
        external_id = external_id_for(transaction.business_key)
        body = translate.customer_payment_to_netsuite(
            transaction,
            external_id=external_id,
            customer={"id": str(translate.ref_id(sales_order.get("entity")))},
            invoice_id=str(invoice["id"]) if invoice else None,
            settings=self.settings,
        )
        if self.gateways.configured:
            body.update(self.gateways.payment_fields(transaction), undepFunds=False)
        if invoice and "apply" in body:
            remaining = translate.decimal_of(invoice.get("amountRemaining"))
            applied = min(remaining, transaction.amount.amount)
            body["apply"]["items"][0]["amount"] = translate.json_number(applied)
        return self.client.upsert("customerPayment", external_id, body)

    def create_credit_memo(self, refund: Refund, *, idempotency_key: str) -> CreditMemo:
        """The refund as a credit memo (or cash refund, per settings) for the order's customer."""
        sales_order = self._sales_order(refund.origin.system, refund.order_id)
        skus = [line.sku for line in refund.lines if line.sku]
        external_id = external_id_for(refund.business_key)
        record_type = self.settings.refund_record
        body = translate.refund_to_netsuite(
            refund,
            external_id=external_id,
            customer={"id": str(translate.ref_id(sales_order.get("entity")))},
            item_ids=self.item_ids_for_skus(skus),
            settings=self.settings,
        )
        record_id = self.client.upsert(record_type, external_id, body)
        return translate.credit_memo_from_netsuite(
            self.client.get(record_type, record_id), settings=self.settings, refund_id=refund.origin.id
        )

    def record_payout(self, payout: Payout, *, idempotency_key: str) -> str:
        """The payout as one bank ``deposit`` (total = the payout's net), upserted by external id so a replay
        lands on the same deposit (``erpsync.connectors.netsuite.finance``)."""
        external_id = external_id_for(payout.business_key)
        record = f"deposit for payout {payout.business_key}"
        body = deposit_to_netsuite(
            payout,
            external_id=external_id,
            gateway=self.gateways.gateway(self.settings.payout_gateway, record=record),
            subsidiary_id=self.settings.subsidiary_id,
            currency_id=self.settings.currencies.get(payout.currency),
        )
        return self.client.upsert("deposit", external_id, body)

    def _sales_order(self, system: str, order_id: str) -> dict[str, Any]:
        key = f"{system}:{order_id}"
        found = self.client.find_by_external_id("salesOrder", external_id_for(key))
        if found is None:
            raise MissingPrerequisite(
                f"order {key} has no NetSuite sales order yet",
                prerequisite=f"order:{key}",
                system=SYSTEM,
                record=f"salesOrder eid:{external_id_for(key)}",
            )
        return found

    def _sales_order_id(self, system: str, order_id: str) -> str:
        return str(self._sales_order(system, order_id)["id"])

    def _open_invoice_of(self, sales_order_id: str) -> dict[str, Any] | None:
        rows = self.client.suiteql_rows(
            "SELECT id FROM transaction WHERE type = 'CustInvc' "
            f"AND createdfrom = {int(sales_order_id)} ORDER BY id"  # internal ids are numbers in SuiteQL
        )
        for row in rows:
            invoice = self.client.get("invoice", str(row["id"]), expand_sub_resources=False)
            if translate.decimal_of(invoice.get("amountRemaining")) > 0:
                return invoice
        return None

    def _transform_once(self, source_id: str, target_type: str, external_id: str) -> str:
        existing = self.client.find_by_external_id(target_type, external_id)
        if existing is not None:
            return str(existing["id"])
        try:
            return self.client.transform("salesOrder", source_id, target_type, {"externalId": external_id})
        except NetSuiteDataError:
            # The first attempt may have landed with its answer lost: the external id then already exists.
            existing = self.client.find_by_external_id(target_type, external_id)
            if existing is not None:
                return str(existing["id"])
            raise

    # -- polling -------------------------------------------------------------------------------------

    item_reads_in_flight = 1
    """Item records ``products_changed_since`` reads at once: one for the polls; an initial load raises it
    (each read counts against the account's concurrent-request limit, 15 by default)."""

    def products_changed_since(self, cursor: str | None) -> ChangeBatch[Product]:
        where = f"itemtype IN ({', '.join(sql_quote(t) for t in _ITEM_RECORD_TYPES)})"
        changed = poll_changes(
            self.client,
            "item",
            ChangeCursor.decode(cursor),
            where=where,
            columns=("itemtype",),
            **self._poll_options(),
        )

        def product(row: dict[str, Any]) -> Product:
            record_type = _ITEM_RECORD_TYPES.get(str(row.get("itemtype")), "inventoryItem")
            body = self._get_item(str(row["id"]), record_type)
            return translate.product_from_item(body, currency=self.settings.currency)

        if self.item_reads_in_flight > 1 and len(changed.rows) > 1:
            with ThreadPoolExecutor(self.item_reads_in_flight, thread_name_prefix="netsuite-items") as pool:
                products = list(pool.map(product, changed.rows))
        else:
            products = [product(row) for row in changed.rows]
        return ChangeBatch(records=products, cursor=changed.cursor.encode(), more=changed.more)

    def _get_item(self, item_id: str, record_type: str) -> dict[str, Any]:
        try:
            return self.client.get(record_type, item_id)
        except NetSuiteDataError as exc:
            if not exc.not_found or record_type != "inventoryItem":
                raise
            return self.client.get("nonInventorySaleItem", item_id)

    def inventory_changed_since(self, cursor: str | None) -> ChangeBatch[InventoryLevel]:
        """Stock per location of the inventory items changed since the cursor: one SuiteQL join over
        ``inventoryitemlocations`` per batch (levels are as of the read)."""
        where = "itemtype = 'InvtPart'"
        changed = poll_changes(
            self.client, "item", ChangeCursor.decode(cursor), where=where, **self._poll_options()
        )
        levels: list[InventoryLevel] = []
        if changed.rows:
            as_of = datetime.now(UTC)
            item_ids = ", ".join(str(int(row["id"])) for row in changed.rows)
            levels = [
                translate.inventory_level_from_row(row, as_of=as_of)
                for row in self.client.suiteql_rows(STOCK_BY_LOCATION.format(item_ids=item_ids))
            ]
        return ChangeBatch(records=levels, cursor=changed.cursor.encode(), more=changed.more)

    def fulfillments_changed_since(self, cursor: str | None) -> ChangeBatch[Fulfillment]:
        changed = poll_changes(
            self.client,
            "transaction",
            ChangeCursor.decode(cursor),
            where="type = 'ItemShip'",
            **self._poll_options(),
        )
        codes = self._location_codes() if changed.rows else {}
        fulfillments = [
            translate.fulfillment_from_netsuite(
                self.client.get("itemFulfillment", str(row["id"])),
                location_codes=codes,
                carriers=self.settings.carriers,
            )
            for row in changed.rows
        ]
        return ChangeBatch(records=fulfillments, cursor=changed.cursor.encode(), more=changed.more)

    def refunds_changed_since(self, cursor: str | None) -> ChangeBatch[Refund]:
        """Credit memos and cash refunds entered in NetSuite since the cursor, as refunds of the sales order
        they were made from (through the invoice or return authorization in between). Those erpsync wrote are
        left out (it writes every record with an external id; staff-entered ones have none), and so are
        credits not made from a sales order's documents."""
        changed = poll_changes(
            self.client,
            "transaction",
            ChangeCursor.decode(cursor),
            where="type IN ('CustCred', 'CashRfnd') AND externalid IS NULL",
            columns=("type",),
            **self._poll_options(),
        )
        refunds = []
        for row in changed.rows:
            record_type = "creditMemo" if row.get("type") == "CustCred" else "cashRefund"
            body = self.client.get(record_type, str(row["id"]))
            order_id = self._sales_order_behind(translate.ref_id(body.get("createdFrom")))
            if order_id is not None:
                refund = translate.refund_from_netsuite(body, sales_order_id=order_id, settings=self.settings)
                refunds.append(refund)
        return ChangeBatch(records=refunds, cursor=changed.cursor.encode(), more=changed.more)

    # -- returns (connectors/netsuite/returns.py) ---------------------------------------------------

    def create_return_authorization(self, store_return: Return, *, idempotency_key: str) -> str:
        return returns.create_return_authorization(self, store_return)

    def refund_return_authorization(self, rma_id: str, *, idempotency_key: str) -> CreditMemo:
        return returns.refund_return_authorization(self, rma_id, idempotency_key=idempotency_key)

    def return_authorizations_changed_since(self, cursor: str | None) -> ChangeBatch[Return]:
        return returns.return_authorizations_changed_since(self, cursor)

    def _sales_order_behind(self, transaction_id: str | None) -> str | None:
        """Follow ``createdfrom`` (credit memo → invoice or return authorization → sales order)."""
        for _ in range(3):
            if transaction_id is None:
                return None
            rows = list(
                self.client.suiteql_rows(
                    f"SELECT id, type, createdfrom FROM transaction WHERE id = {int(transaction_id)}"
                )
            )
            if not rows:
                return None
            if rows[0].get("type") == "SalesOrd":
                return str(rows[0]["id"])
            created_from = rows[0].get("createdfrom")
            transaction_id = str(created_from) if created_from else None
        return None

    def customers_changed_since(self, cursor: str | None) -> ChangeBatch[Customer]:
        changed = poll_changes(
            self.client,
            "customer",
            ChangeCursor.decode(cursor),
            where="isperson = 'T'",
            **self._poll_options(),
        )
        customers = [
            translate.customer_from_netsuite(self.client.get("customer", str(row["id"])))
            for row in changed.rows
        ]
        return ChangeBatch(records=customers, cursor=changed.cursor.encode(), more=changed.more)

    # -- tie-out -------------------------------------------------------------------------------------

    def ledger_entries(self, first_day: date, last_day: date) -> list[LedgerEntry]:
        """Sales orders, credit memos and cash refunds dated ``first_day`` to ``last_day`` (transaction
        date), in one SuiteQL query; cancelled sales orders come too, with status ``"C"``."""
        query = LEDGER_QUERY.format(first=first_day.isoformat(), last=last_day.isoformat())
        codes = {record_id: code for code, record_id in self.settings.currencies.items()}
        entries = []
        for row in self.client.suiteql_rows(query):
            currency = codes.get(str(row.get("currency")), self.settings.currency)
            entries.append(
                LedgerEntry(
                    kind=_LEDGER_KINDS[str(row["type"])],
                    erp_id=str(row["id"]),
                    number=row.get("tranid"),
                    day=date.fromisoformat(str(row["day"])),
                    # Credits are negative in some SuiteQL sign conventions; the kind carries the direction.
                    total=Money.of(abs(translate.decimal_of(row.get("foreigntotal"))), currency),
                    external_id=row.get("externalid"),
                    status=row.get("status"),
                )
            )
        return entries

    def locations(self) -> list[Location]:
        return [
            translate.location_from_netsuite(self.client.get("location", location_id))
            for location_id in self.client.list_ids("location")
        ]

    def _location_codes(self) -> dict[str, str]:
        rows = self.client.suiteql_rows("SELECT id, NVL(externalid, name) AS code FROM location")
        return {str(row["id"]): str(row["code"]) for row in rows}

    def _poll_options(self) -> dict[str, Any]:
        return {"overlap": self.poll_overlap, "limit": self.poll_page_size}
