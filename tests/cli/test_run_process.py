"""`erpsync run` as a user starts it: a real process, configured by erpsync.yaml with secrets from the
environment, serving the web app and its webhook endpoint, syncing a store order into the ERP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from erpsync.cli import app
from erpsync.flows import tieout
from erpsync.sandboxes import build_sandbox
from erpsync.sandboxes.common import serve_in_thread
from erpsync.store import Store

runner = CliRunner()

CONFIG = """
database_url: sqlite:///{db}
connections:
  shop:
    platform: shopify
    url: {shop_url}
    api_version: "2026-04"
    credentials:
      access_token: {{env: TEST_SHOPIFY_TOKEN}}
      webhook_secret: {{env: TEST_SHOPIFY_WEBHOOK_SECRET}}
  erp:
    platform: netsuite
    url: {erp_url}
    account_id: "{account}"
    credentials:
      consumer_key: {{env: TEST_NS_CONSUMER_KEY}}
      consumer_secret: {{env: TEST_NS_CONSUMER_SECRET}}
      token_id: {{env: TEST_NS_TOKEN_ID}}
      token_secret: {{env: TEST_NS_TOKEN_SECRET}}
    budget: {{concurrency: 15}}
flows:
  catalog_to_store:
    source: erp
    target: shop
    trigger: {{poll_every_seconds: 2}}
  order_to_erp:
    source: shop
    target: erp
    trigger: {{webhook: true, poll_every_seconds: 2}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any, str, Any]]:
    monkeypatch.chdir(tmp_path)  # the process's erpsync.db, for diagnostics
    # The store starts empty: its catalog is what the ERP sends.
    shopify, netsuite = build_sandbox("shopify"), build_sandbox("netsuite", seed=3)
    with serve_in_thread(shopify.app) as shop_server, serve_in_thread(netsuite.app) as erp_server:
        shop, erp = shopify.credentials(), netsuite.credentials()
        (tmp_path / "erpsync.yaml").write_text(
            CONFIG.format(
                db=tmp_path / "erpsync.db",
                shop_url=shop_server.url,
                erp_url=erp_server.url,
                account=erp["account_id"],
            )
        )
        secrets = {
            "TEST_SHOPIFY_TOKEN": shop["access_token"],
            "TEST_SHOPIFY_WEBHOOK_SECRET": shop["webhook_secret"],
            "TEST_NS_CONSUMER_KEY": erp["consumer_key"],
            "TEST_NS_CONSUMER_SECRET": erp["consumer_secret"],
            "TEST_NS_TOKEN_ID": erp["token_id"],
            "TEST_NS_TOKEN_SECRET": erp["token_secret"],
        }
        for name, value in secrets.items():  # also for the commands a test runs beside the process
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("ERPSYNC_DATABASE_URL", raising=False)
        env = {**os.environ, "ERPSYNC_WORKER_ID": "test-run"}
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "erpsync.cli", "run", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, process)
            yield url, shopify, shop["access_token"], netsuite
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = process.communicate(timeout=30)
            for secret in (shop["access_token"], erp["token_secret"], erp["consumer_secret"]):
                assert secret not in output, "a secret reached the process output"


def _wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"erpsync run exited early:\n{process.stdout.read() if process.stdout else ''}"
            )
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("erpsync run did not become healthy in 60 s")


ORDER_CREATE = """mutation($order: OrderCreateOrderInput!) {
  orderCreate(order: $order) { order { id name } userErrors { field message } } }"""


def _shopify_graphql(shopify: Any, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    credentials = shopify.credentials()
    with serve_in_thread(shopify.app) as server:
        response = httpx.post(
            f"{server.url}{credentials['graphql_path']}",
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": token},
            timeout=10,
        )
    return dict(response.json()["data"])


def _eventually(check: Any, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    parked = [f"{e.flow} {e.business_key}: {e.message}" for e in Store.open().exceptions(status=None)]
    raise AssertionError(f"{what} did not happen within {timeout} s; exceptions: {parked}")


def test_run_polls_the_catalog_and_an_order_into_the_erp(running: tuple[str, Any, str, Any]) -> None:
    _url, shopify, token, netsuite = running
    variants = _eventually(
        lambda: [
            node
            for node in _shopify_graphql(
                shopify, token, "{ productVariants(first: 50) { nodes { id sku price } } }", {}
            )["productVariants"]["nodes"]
            if node["sku"] == "SKU-1001"
        ],
        "the ERP catalog reaching the store",
    )
    order = {
        "email": "linus@example.com",
        "lineItems": [{"variantId": variants[0]["id"], "quantity": 1}],
    }
    created = _shopify_graphql(shopify, token, ORDER_CREATE, {"order": order})["orderCreate"]
    assert not created["userErrors"], created
    name = created["order"]["name"]
    sales_orders = _eventually(
        lambda: [
            so for so in netsuite.dump_state()["records"]["salesOrder"] if so.get("otherRefNum") == name
        ],
        f"order {name} reaching NetSuite",
    )
    assert len(sales_orders) == 1, sales_orders

    # The day's tie-out, as an accountant runs it beside the live process: the order is in both systems.
    tied = subprocess.run(
        [sys.executable, "-m", "erpsync.cli", "tieout", "--csv", "tieout.csv"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert tied.returncode == 0, tied.stdout + tied.stderr
    assert "0 difference(s)" in tied.stdout
    assert Path("tieout.csv").read_text().splitlines() == [",".join(tieout.COLUMNS)], (
        "a header, no differences"
    )


def test_run_guards_its_api_and_webhooks(running: tuple[str, Any, str, Any], tmp_path: Path) -> None:
    url = running[0]
    assert httpx.get(f"{url}/api/v1/exceptions", timeout=5).status_code == 401, "the API needs a login"
    database = f"sqlite:///{tmp_path / 'erpsync.db'}"
    entered = "correct horse battery staple\n" * 2
    added = runner.invoke(
        app,
        ["users", "add", "ops", "--role", "operator"],
        input=entered,
        env={"ERPSYNC_DATABASE_URL": database},
    )
    assert added.exit_code == 0, added.output
    token = runner.invoke(
        app, ["users", "token", "ops"], env={"ERPSYNC_DATABASE_URL": database}
    ).output.strip()
    assert token.startswith("esk_")
    authorised = httpx.get(
        f"{url}/api/v1/exceptions", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert authorised.status_code == 200, authorised.text
    forged = httpx.post(
        f"{url}/webhooks/shopify",
        content=b'{"id": 1}',
        headers={"Content-Type": "application/json", "X-Shopify-Hmac-Sha256": "forged"},
        timeout=5,
    )
    assert forged.status_code == 401
