"""The stakeholder document: every field with its source, transform, value map and source of truth."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from erpsync.mapping import MappingSpec, load_spec, load_specs, render


@pytest.fixture(scope="module")
def default_specs(default_specs_dir: Path) -> list[MappingSpec]:
    return load_specs(default_specs_dir)


class _Cells(HTMLParser):
    """Rows of table cells as text, and every tag that would load something from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.external: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []
        if tag in ("script", "link", "img", "iframe") or any(k == "src" for k, _ in attrs):
            self.external.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_rows(document: str) -> _Cells:
    parser = _Cells()
    parser.feed(document)
    return parser


def test_html_lists_each_field_with_source_and_owner(default_specs: list[MappingSpec]) -> None:
    page = html_rows(render(default_specs, "html"))

    rows: dict[str, list[str]] = {}
    for row in page.rows:  # the orders spec's rows: the first of each name (returns.yaml has a memo too)
        if row:
            rows.setdefault(row[0], row)
    assert rows["memo"][1:5] == ["note", "", "", "NetSuite (ERP)"]
    assert rows["custbody_shopify_payment_status"][3:5] == ["payment_status", "Shopify (store)"]
    assert rows["item.items[].rate"][1:3] == ["price", "money"]
    assert rows["item.items[].item.id"][1] == "id of the NetSuite inventoryItem for key sku"
    assert rows["descriptionHtml"][4] == "Shopify (store)"
    assert rows["shippingCost"][6] == '"0.00"'
    assert page.external == []  # self-contained: nothing fetched from elsewhere


def test_html_lists_value_maps_in_full_and_what_happens_to_other_values(
    default_specs: list[MappingSpec],
) -> None:
    document = render(default_specs, "html")
    page = html_rows(document)

    assert ["partially_refunded", '"Partially refunded"'] in page.rows
    assert ["Express", '"1402"'] in page.rows
    assert "any other value stops the record (data exception) until the map is extended" in document
    assert "anything else becomes &#34;1401&#34;" in document


def test_html_says_when_data_moves(default_specs: list[MappingSpec]) -> None:
    document = render(default_specs, "html")

    assert "on each webhook (orders/create, orders/updated), within seconds" in document
    assert "polled every 5 minutes" in document
    assert "daily at 03:00 UTC" in document
    assert "weekly on Sunday at 04:00 UTC" in document


def test_html_escapes_spec_text(write_spec: Callable[..., Path]) -> None:
    spec = load_spec(
        write_spec(
            """\
            spec_version: 1
            name: escaping
            flow: order_to_erp
            description: "<script>alert('x')</script> & more"
            source: {system: shopify, record_type: order}
            target: {system: netsuite, record_type: salesOrder}
            trigger: {type: webhook}
            fields:
              memo: {from: "a < b ? '<b>' : 'c'"}
            """
        )
    )

    document = render([spec], "html")

    assert "<script>" not in document
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in document
    assert "a &lt; b ? &#39;&lt;b&gt;&#39; : &#39;c&#39;" in document


def test_markdown_tables_hold_fields_owners_and_value_maps(default_specs: list[MappingSpec]) -> None:
    document = render(default_specs, "md")

    assert "## shopify-order-to-netsuite-sales-order" in document
    assert "| memo | `note` |  |  | NetSuite (ERP) |  |  |" in document
    assert "| ↳ item.items[].rate | `price` | money |  | Shopify (store) | yes |" in document
    assert '| `paid` | `"Paid"` |' in document
    assert (
        "| order_to_erp | Shopify order (canonical: order) | NetSuite salesOrder (canonical: order) |"
        in document
    )


def test_markdown_escapes_pipes_so_tables_stay_tables(write_spec: Callable[..., Path]) -> None:
    spec = load_spec(
        write_spec(
            """\
            spec_version: 1
            name: pipes
            flow: order_to_erp
            description: Pipes.
            source: {system: shopify, record_type: order}
            target: {system: netsuite, record_type: salesOrder}
            trigger: {type: webhook}
            fields:
              memo: {from: "'a | b'", description: "one | two"}
            """
        )
    )

    rows = [line for line in render([spec], "md").splitlines() if line.startswith("| memo")]

    assert rows == ["| memo | `'a \\| b'` |  |  | either |  |  | one \\| two |"]
    assert len(re.findall(r"(?<!\\)\|", rows[0])) == 9  # 8 columns, nothing leaked


def test_unknown_format_is_refused(default_specs: list[MappingSpec]) -> None:
    with pytest.raises(ValueError, match="use 'html' or 'md'"):
        render(default_specs, "pdf")  # type: ignore[arg-type]
