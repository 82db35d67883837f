"""Shopify orders → canonical ``Order`` (lines, discount applications and codes, tax, shipping, payments,
fulfillments, refunds, B2B company, attribution), from REST webhook payloads and from GraphQL.

Amounts are taken in the shop currency (``shop_money`` / ``shopMoney``), what the ERP books; the buyer's
``presentment_currency`` total travels alongside. Discount application amounts are not in Shopify's
payload: they are the sum of the ``discount_allocations`` that point at each application (by index in REST,
by the application object in GraphQL), on lines and shipping lines. Order-level ``tax_lines`` in Shopify are
the *sum* of the line and shipping tax lines, so they are used only when no line carries its own.

Order edits (GraphQL): a line's units are the units ordered **after committed edits, before refunds** —
Shopify's ``currentQuantity`` (quantity minus every removal) plus the units refunds removed (restock type
CANCEL: unshipped units taken off the order by a refund, which stays a ``Refund`` of its own). A line an
edit took to zero is left out; a cancelled order keeps its lines as placed (cancelling removes every open
unit).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

from erpsync.connectors.shopify.translate.common import (
    decimal,
    graphql_address,
    graphql_money,
    legacy_id,
    money,
    nodes,
    optional_id,
    origin,
    parse_time,
    rest_address,
    rest_money,
    split_tags,
    translator,
    zero_if_none,
)
from erpsync.connectors.shopify.translate.finance import (
    refund_from_graphql,
    refund_from_rest,
    transaction_from_graphql,
)
from erpsync.connectors.shopify.translate.fulfillments import fulfillment_from_graphql, fulfillment_from_rest
from erpsync.model import (
    Attribution,
    DiscountApplication,
    Money,
    Order,
    OrderLine,
    OrderTotals,
    ShippingLine,
    TaxLine,
)
from erpsync.model.common import sum_money

# ----------------------------------------------------------------------------------------------- REST


@translator("order")
def order_from_rest(payload: Mapping[str, Any]) -> Order:
    """A REST order (``orders/create``, ``orders/updated``, ``orders/paid``... webhook bodies)."""
    currency = str(payload.get("currency"))
    record = f"order {payload.get('name') or payload.get('id')}"
    allocations: dict[int, list[Money]] = {}
    lines = [_line_from_rest(item, currency, record, allocations) for item in payload.get("line_items") or []]
    shipping_lines = [
        _shipping_line_from_rest(item, currency, record, allocations)
        for item in payload.get("shipping_lines") or []
        if not item.get("is_removed")
    ]
    discounts = _discounts_from_rest(payload, currency, record, allocations)
    tax_lines = [] if _has_item_taxes(lines, shipping_lines) else _tax_lines_rest(payload, currency, record)
    company = payload.get("company") or {}
    presentment = payload.get("presentment_currency")
    return Order(
        origin=origin(payload["id"], payload.get("updated_at"), payload.get("created_at")),
        number=payload.get("name"),
        placed_at=parse_time(payload.get("processed_at")) or parse_time(payload.get("created_at")),
        customer_id=optional_id((payload.get("customer") or {}).get("id")),
        customer_email=payload.get("email") or payload.get("contact_email") or None,
        company_id=optional_id(company.get("id")),
        company_location_id=optional_id(company.get("location_id")),
        billing_address=rest_address(payload.get("billing_address"), is_default=False),
        shipping_address=rest_address(payload.get("shipping_address"), is_default=False),
        currency=currency,
        presentment_currency=presentment,
        presentment_total=rest_money(payload, "total_price", currency, record=record, presentment=True),
        taxes_included=bool(payload.get("taxes_included")),
        lines=lines,
        discounts=discounts,
        tax_lines=tax_lines,
        shipping_lines=shipping_lines,
        totals=OrderTotals(
            lines=zero_if_none(
                rest_money(payload, "total_line_items_price", currency, record=record), currency
            ),
            discounts=sum_money((d.amount for d in discounts), currency),
            shipping=sum_money((s.price for s in shipping_lines), currency),
            tax=zero_if_none(rest_money(payload, "total_tax", currency, record=record), currency),
            total=zero_if_none(rest_money(payload, "total_price", currency, record=record), currency),
        ),
        fulfillments=[fulfillment_from_rest(f) for f in payload.get("fulfillments") or []],
        refunds=[refund_from_rest(r, currency=currency) for r in payload.get("refunds") or []],
        attribution=_attribution(
            payload.get("source_name"), payload.get("landing_site"), payload.get("referring_site")
        ),
        financial_status=payload.get("financial_status"),
        cancelled_at=parse_time(payload.get("cancelled_at")),
        cancel_reason=payload.get("cancel_reason"),
        note=payload.get("note") or None,
        tags=split_tags(payload.get("tags")),
    )


def _line_from_rest(
    item: Mapping[str, Any], currency: str, record: str, allocations: dict[int, list[Money]]
) -> OrderLine:
    # Units as placed: REST order bodies (webhooks) carry no refunds, so an edit cannot be told from a
    # refund that cancelled units; the flows read orders through GraphQL, where both come together.
    line_record = f"{record} line {item.get('id')}"
    discount = _collect_allocations_rest(item, currency, line_record, allocations)
    properties = {
        str(p.get("name")): str(p.get("value"))
        for p in item.get("properties") or []
        if isinstance(p, Mapping) and p.get("name") is not None
    }
    return OrderLine(
        line_id=legacy_id(item["id"]),
        sku=item.get("sku") or None,
        title=str(item.get("title") or item.get("name") or "(untitled)"),
        variant_title=item.get("variant_title") or None,
        quantity=int(item["quantity"]),
        unit_price=zero_if_none(rest_money(item, "price", currency, record=line_record), currency),
        discount=discount,
        tax_lines=_tax_lines_rest(item, currency, line_record),
        taxable=bool(item.get("taxable", True)),
        requires_shipping=bool(item.get("requires_shipping", True)),
        properties=properties,
    )


def _shipping_line_from_rest(
    item: Mapping[str, Any], currency: str, record: str, allocations: dict[int, list[Money]]
) -> ShippingLine:
    line_record = f"{record} shipping line {item.get('id')}"
    _collect_allocations_rest(item, currency, line_record, allocations)
    return ShippingLine(
        title=str(item.get("title") or "Shipping"),
        code=item.get("code"),
        carrier=item.get("carrier_identifier") or item.get("source"),
        price=zero_if_none(rest_money(item, "price", currency, record=line_record), currency),
        tax_lines=_tax_lines_rest(item, currency, line_record),
    )


def _collect_allocations_rest(
    item: Mapping[str, Any], currency: str, record: str, allocations: dict[int, list[Money]]
) -> Money | None:
    amounts = []
    for allocation in item.get("discount_allocations") or []:
        amount = rest_money(allocation, "amount", currency, record=record)
        if amount is None:
            continue
        allocations.setdefault(int(allocation.get("discount_application_index") or 0), []).append(amount)
        amounts.append(amount)
    return sum_money(amounts, currency) if amounts else None


def _tax_lines_rest(item: Mapping[str, Any], currency: str, record: str) -> list[TaxLine]:
    return [
        TaxLine(
            title=str(tax.get("title") or "Tax"),
            rate=decimal(tax["rate"], field="tax_lines.rate", record=record)
            if tax.get("rate") is not None
            else None,
            amount=zero_if_none(rest_money(tax, "price", currency, record=record), currency),
        )
        for tax in item.get("tax_lines") or []
    ]


def _discounts_from_rest(
    payload: Mapping[str, Any], currency: str, record: str, allocations: dict[int, list[Money]]
) -> list[DiscountApplication]:
    applications = payload.get("discount_applications") or []
    discounts = []
    for index, application in enumerate(applications):
        kind = _discount_kind(application.get("value_type"), application.get("target_type"), application)
        discounts.append(
            DiscountApplication(
                code=application.get("code") if application.get("type") == "discount_code" else None,
                title=application.get("title") or application.get("description") or application.get("code"),
                kind=kind,
                value=decimal(
                    application.get("value", "0"), field="discount_applications.value", record=record
                ),
                target="shipping" if application.get("target_type") == "shipping_line" else "line_items",
                amount=sum_money(allocations.get(index, []), currency),
            )
        )
    if not applications and payload.get("discount_codes"):
        # Orders imported without allocations still list their codes with the amount they took off.
        for code in payload["discount_codes"]:
            discounts.append(
                DiscountApplication(
                    code=code.get("code"),
                    title=code.get("code"),
                    kind="free_shipping" if code.get("type") == "shipping" else "fixed_amount",
                    amount=money(
                        code.get("amount", "0"), currency, field="discount_codes.amount", record=record
                    ),
                )
            )
    return discounts


def _discount_kind(value_type: Any, target_type: Any, application: Mapping[str, Any]) -> str:
    if target_type in ("shipping_line", "SHIPPING_LINE") and str(application.get("value")) in (
        "100.0",
        "100",
    ):
        return "free_shipping"
    return "percentage" if str(value_type).lower() == "percentage" else "fixed_amount"


def _has_item_taxes(lines: list[OrderLine], shipping_lines: list[ShippingLine]) -> bool:
    return any(line.tax_lines for line in lines) or any(s.tax_lines for s in shipping_lines)


def _attribution(source_name: Any, landing_site: Any, referring_site: Any) -> Attribution | None:
    if not any((source_name, landing_site, referring_site)):
        return None
    query = parse_qs(urlparse(str(landing_site or "")).query)

    def utm(name: str) -> str | None:
        values = query.get(f"utm_{name}")
        return values[0] if values else None

    return Attribution(
        source_name=source_name,
        utm_source=utm("source"),
        utm_medium=utm("medium"),
        utm_campaign=utm("campaign"),
        utm_term=utm("term"),
        utm_content=utm("content"),
        referrer=referring_site or None,
        landing_page=landing_site or None,
    )


# -------------------------------------------------------------------------------------------- GraphQL

LINE_ITEM_FIELDS = """
    id title variantTitle sku quantity currentQuantity requiresShipping taxable
    originalUnitPriceSet { shopMoney { amount currencyCode } }
    taxLines { title rate priceSet { shopMoney { amount currencyCode } } }
    discountAllocations {
      allocatedAmountSet { shopMoney { amount currencyCode } } discountApplication { index } }
"""
"""The line item fields ``order_from_graphql`` reads (orders with more lines page them separately)."""

ORDER_FIELDS = """
  id name createdAt updatedAt processedAt cancelledAt cancelReason email note tags sourceName
  customerJourneySummary { lastVisit { landingPage referrerUrl } }
  currencyCode presentmentCurrencyCode taxesIncluded displayFinancialStatus
  customer { id email }
  purchasingEntity { __typename ... on PurchasingCompany { company { id } location { id } } }
  billingAddress {
    name firstName lastName company address1 address2 city provinceCode countryCodeV2 zip phone }
  shippingAddress {
    name firstName lastName company address1 address2 city provinceCode countryCodeV2 zip phone }
  subtotalPriceSet { shopMoney { amount currencyCode } }
  totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
  totalTaxSet { shopMoney { amount currencyCode } }
  totalDiscountsSet { shopMoney { amount currencyCode } }
  totalShippingPriceSet { shopMoney { amount currencyCode } }
  discountCodes
  discountApplications(first: 20) { nodes {
    __typename allocationMethod index targetSelection targetType
    value { __typename ... on MoneyV2 { amount currencyCode } ... on PricingPercentageValue { percentage } }
    ... on DiscountCodeApplication { code } } }
  lineItems(first: 50) { nodes { __LINE_ITEM_FIELDS__ } pageInfo { hasNextPage endCursor } }
  shippingLines(first: 5) { nodes {
    id title code source
    originalPriceSet { shopMoney { amount currencyCode } }
    discountedPriceSet { shopMoney { amount currencyCode } }
    taxLines { title rate priceSet { shopMoney { amount currencyCode } } }
  } }
  taxLines { title rate priceSet { shopMoney { amount currencyCode } } }
  transactions(first: 50) {
    id kind status gateway processedAt createdAt
    amountSet { shopMoney { amount currencyCode } } parentTransaction { id } }
  fulfillments(first: 10) {
    id status createdAt updatedAt location { id }
    trackingInfo { company number url }
    fulfillmentLineItems(first: 30) { nodes { quantity lineItem { id sku } } } }
  refunds(first: 10) {
    id note createdAt updatedAt
    totalRefundedSet { shopMoney { amount currencyCode } }
    refundLineItems(first: 20) { nodes {
      quantity restockType location { id } lineItem { id sku }
      subtotalSet { shopMoney { amount currencyCode } } totalTaxSet { shopMoney { amount currencyCode } } } }
    transactions(first: 10) { nodes {
      id kind status gateway processedAt createdAt amountSet { shopMoney { amount currencyCode } } } } }
"""
ORDER_FIELDS = ORDER_FIELDS.replace("__LINE_ITEM_FIELDS__", LINE_ITEM_FIELDS)
"""The order fields ``order_from_graphql`` reads (used by the connector's queries and the bulk reads)."""


@translator("order")
def order_from_graphql(node: Mapping[str, Any]) -> Order:
    currency = str(node.get("currencyCode"))
    order_id = legacy_id(node["id"])
    record = f"order {node.get('name') or order_id}"
    allocations: dict[int, list[Money]] = {}
    cancelled_units = _cancelled_units_graphql(node.get("refunds") or [])
    as_placed = node.get("cancelledAt") is not None
    lines = [
        line
        for item in nodes(node.get("lineItems"))
        if (line := _line_from_graphql(item, record, allocations, cancelled_units, as_placed))
    ]
    shipping_nodes = nodes(node.get("shippingLines"))
    shipping_lines = [_shipping_line_from_graphql(item, record) for item in shipping_nodes]
    _allocate_shipping_discount(node, shipping_nodes, currency, record, allocations)
    discounts = _discounts_from_graphql(node, currency, record, allocations)
    order_taxes = [_tax_line_graphql(t, record) for t in node.get("taxLines") or []]
    entity = node.get("purchasingEntity") or {}
    visit = (node.get("customerJourneySummary") or {}).get("lastVisit") or {}  # the visit that converted
    total_set = node.get("totalPriceSet") or {}
    presentment = total_set.get("presentmentMoney") if isinstance(total_set, Mapping) else None

    def amount(name: str) -> Money:
        return zero_if_none(graphql_money(node.get(name), field=name, record=record), currency)

    discount_total = sum_money((d.amount for d in discounts), currency)
    return Order(
        origin=origin(node["id"], node.get("updatedAt"), node.get("createdAt")),
        number=node.get("name"),
        placed_at=parse_time(node.get("processedAt")) or parse_time(node.get("createdAt")),
        customer_id=optional_id((node.get("customer") or {}).get("id")),
        customer_email=node.get("email") or (node.get("customer") or {}).get("email"),
        company_id=optional_id((entity.get("company") or {}).get("id")),
        company_location_id=optional_id((entity.get("location") or {}).get("id")),
        billing_address=graphql_address(node.get("billingAddress")),
        shipping_address=graphql_address(node.get("shippingAddress")),
        currency=currency,
        presentment_currency=node.get("presentmentCurrencyCode"),
        presentment_total=graphql_money(presentment, field="totalPriceSet", record=record),
        taxes_included=bool(node.get("taxesIncluded")),
        lines=lines,
        discounts=discounts,
        tax_lines=[] if _has_item_taxes(lines, shipping_lines) else order_taxes,
        shipping_lines=shipping_lines,
        totals=OrderTotals(
            lines=sum_money((ln.subtotal for ln in lines), currency),
            discounts=discount_total,
            shipping=sum_money((s.price for s in shipping_lines), currency),
            tax=amount("totalTaxSet"),
            total=amount("totalPriceSet"),
        ),
        payments=[
            transaction_from_graphql(t, order_id=order_id)
            for t in node.get("transactions") or []
            if str(t.get("kind")).lower() != "refund"
        ],
        fulfillments=[fulfillment_from_graphql(f, order_id=order_id) for f in node.get("fulfillments") or []],
        refunds=[refund_from_graphql(r, order_id=order_id) for r in node.get("refunds") or []],
        attribution=_attribution(node.get("sourceName"), visit.get("landingPage"), visit.get("referrerUrl")),
        financial_status=(node.get("displayFinancialStatus") or "").lower() or None,
        cancelled_at=parse_time(node.get("cancelledAt")),
        cancel_reason=(node.get("cancelReason") or "").lower() or None,
        note=node.get("note") or None,
        tags=split_tags(node.get("tags")),
    )


def _line_from_graphql(
    item: Mapping[str, Any],
    record: str,
    allocations: dict[int, list[Money]],
    cancelled_units: Mapping[str, int],
    as_placed: bool,
) -> OrderLine | None:
    line_record = f"{record} line {legacy_id(item.get('id'))}"
    units = units_after_edits(
        item.get("quantity"),
        item.get("currentQuantity"),
        cancelled_units.get(legacy_id(item["id"]), 0),
        as_placed,
    )
    unit_price = graphql_money(
        item.get("originalUnitPriceSet"), field="originalUnitPriceSet", record=line_record
    )
    currency = unit_price.currency if unit_price else "XXX"
    amounts = []
    for allocation in item.get("discountAllocations") or []:
        allocated = graphql_money(
            allocation.get("allocatedAmountSet"), field="discountAllocations", record=record
        )
        if allocated is None:
            continue
        index = int((allocation.get("discountApplication") or {}).get("index") or 0)
        allocations.setdefault(index, []).append(allocated)
        amounts.append(allocated)
    if units == 0:
        return None
    return OrderLine(
        line_id=legacy_id(item["id"]),
        sku=item.get("sku") or None,
        title=str(item.get("title") or "(untitled)"),
        variant_title=item.get("variantTitle") or None,
        quantity=units,
        unit_price=unit_price if unit_price is not None else Money.zero(currency),
        discount=sum_money(amounts, currency) if amounts else None,
        tax_lines=[_tax_line_graphql(t, line_record) for t in item.get("taxLines") or []],
        taxable=bool(item.get("taxable", True)),
        requires_shipping=bool(item.get("requiresShipping", True)),
    )


def _shipping_line_from_graphql(item: Mapping[str, Any], record: str) -> ShippingLine:
    price = graphql_money(item.get("originalPriceSet"), field="originalPriceSet", record=record)
    return ShippingLine(
        title=str(item.get("title") or "Shipping"),
        code=item.get("code"),
        carrier=item.get("source"),
        price=price if price is not None else Money.zero("XXX"),
        tax_lines=[_tax_line_graphql(t, record) for t in item.get("taxLines") or []],
    )


def _allocate_shipping_discount(
    node: Mapping[str, Any],
    shipping_nodes: list[dict[str, Any]],
    currency: str,
    record: str,
    allocations: dict[int, list[Money]],
) -> None:
    # GraphQL shipping lines state original and discounted price but not which application took the
    # difference; it belongs to the order's shipping discount (Shopify allows one per order).
    taken = []
    for item in shipping_nodes:
        original = graphql_money(item.get("originalPriceSet"), field="originalPriceSet", record=record)
        discounted = graphql_money(item.get("discountedPriceSet"), field="discountedPriceSet", record=record)
        if original is not None and discounted is not None and original > discounted:
            taken.append(original - discounted)
    if not taken:
        return
    for position, application in enumerate(nodes(node.get("discountApplications"))):
        if str(application.get("targetType") or "").upper() == "SHIPPING_LINE":
            allocations.setdefault(int(application.get("index", position)), []).extend(taken)
            return


def _tax_line_graphql(tax: Mapping[str, Any], record: str) -> TaxLine:
    amount = graphql_money(tax.get("priceSet"), field="taxLines.priceSet", record=record)
    rate = tax.get("rate")
    return TaxLine(
        title=str(tax.get("title") or "Tax"),
        rate=decimal(rate, field="taxLines.rate", record=record) if rate is not None else None,
        amount=amount if amount is not None else Money.zero("XXX"),
    )


def _discounts_from_graphql(
    node: Mapping[str, Any], currency: str, record: str, allocations: dict[int, list[Money]]
) -> list[DiscountApplication]:
    discounts = []
    for position, application in enumerate(nodes(node.get("discountApplications"))):
        index = int(application.get("index", position))
        value = application.get("value") or {}
        if value.get("percentage") is not None:
            kind, figure = "percentage", decimal(value["percentage"], field="value", record=record)
        else:
            kind, figure = "fixed_amount", decimal(value.get("amount", "0"), field="value", record=record)
        target = str(application.get("targetType") or "").upper()
        if target == "SHIPPING_LINE" and kind == "percentage" and figure == Decimal(100):
            kind = "free_shipping"
        discounts.append(
            DiscountApplication(
                code=application.get("code"),
                title=application.get("title") or application.get("code"),
                kind=kind,
                value=figure,
                target="shipping" if target == "SHIPPING_LINE" else "line_items",
                amount=sum_money(allocations.get(index, []), currency),
            )
        )
    return discounts


# ------------------------------------------------------------------------------------------ order edits


def units_after_edits(
    quantity: Any, current_quantity: Any, cancelled_by_refunds: int, as_placed: bool
) -> int:
    """A line's units after committed order edits, before refunds (see the module's docstring).

    ``current_quantity`` is absent from older payloads and field selections: then no edit can be seen and
    the line counts as ordered. Edits only ever remove units below ``quantity`` (an increase raises
    ``quantity`` itself), so the result never exceeds it, whatever a refund claimed to cancel.
    """
    if as_placed or current_quantity is None:
        return int(quantity)
    return min(int(quantity), int(current_quantity) + cancelled_by_refunds)


def _cancelled_units_graphql(refunds: Any) -> dict[str, int]:
    units: dict[str, int] = {}
    for refund in refunds:
        for item in nodes(refund.get("refundLineItems")):
            if str(item.get("restockType") or "").upper() == "CANCEL" and item.get("lineItem"):
                line_id = legacy_id(item["lineItem"]["id"])
                units[line_id] = units.get(line_id, 0) + int(item.get("quantity") or 0)
    return units
