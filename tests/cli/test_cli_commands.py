"""The CLI is a thin shell: these prove each command reaches the real package and reports clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from erpsync.cli import app
from erpsync.errors import DataError
from erpsync.store import Store

runner = CliRunner(env={"COLUMNS": "200"})
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ERPSYNC_DATABASE_URL", raising=False)
    return tmp_path


def test_mapping_check_accepts_the_default_specs() -> None:
    result = runner.invoke(app, ["mapping", "check", str(REPO / "mappings")])
    assert result.exit_code == 0, result.output
    assert "every mapping spec is valid" in result.output


def test_broken_spec_error_names_file_line_and_field(workdir: Path) -> None:
    spec = (REPO / "mappings" / "shopify-netsuite" / "orders.yaml").read_text()
    broken = workdir / "orders.yaml"
    broken.write_text(spec.replace("  otherRefNum:\n", "  otherRefNum:\n    frm: name\n", 1))
    line = next(n for n, text in enumerate(broken.read_text().splitlines(), 1) if "frm: name" in text)
    result = runner.invoke(app, ["mapping", "check", str(broken)])
    assert result.exit_code == 1
    assert f"orders.yaml:{line}: field 'otherRefNum'" in result.output
    assert "did you mean 'from'" in result.output


def test_mapping_render_writes_a_document_with_owners(workdir: Path) -> None:
    out = workdir / "mapping.html"
    result = runner.invoke(
        app, ["mapping", "render", str(REPO / "mappings"), "--format", "html", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "<table" in html and "otherRefNum" in html and "Source of truth" in html


def test_exceptions_list_show_skip_and_trace_read_the_store(workdir: Path) -> None:
    store = Store.open()
    error = DataError("item SKU-9 has no NetSuite item", system="netsuite", suggested_fix="add the item")
    exception_id = store.open_exception(
        flow="order_to_erp",
        record_type="order",
        business_key="shopify:1001",
        error=error,
        payload={"order_id": "1001"},
        workflow_id="order_to_erp:shopify:1001",
    )
    store.link("shopify", "order", "1001", "shopify:1001")
    store.record_event("order", "shopify:1001", "received", system="shopify", external_id="1001")

    listed = runner.invoke(app, ["exceptions", "list"])
    assert listed.exit_code == 0 and "SKU-9" in listed.output and "shopify:1001" in listed.output
    shown = runner.invoke(app, ["exceptions", "show", str(exception_id)])
    assert "add the item" in shown.output and '"order_id": "1001"' in shown.output
    assert (
        runner.invoke(app, ["exceptions", "skip", str(exception_id), "--note", "test order"]).exit_code == 0
    )
    assert store.exception(exception_id).status == "skipped"
    assert "no open exceptions" in runner.invoke(app, ["exceptions", "list"]).output

    traced = runner.invoke(app, ["trace", "shopify", "1001"])
    assert traced.exit_code == 0
    assert "received" in traced.output and "skipped" in traced.output
    assert runner.invoke(app, ["trace", "shopify", "999"]).exit_code == 2


def test_unknown_sandbox_platform_names_the_known_ones() -> None:
    result = runner.invoke(app, ["sandbox", "sap"])
    assert result.exit_code == 1
    assert "known: netsuite, shopify" in result.output
