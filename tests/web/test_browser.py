"""The dashboard in real headless Chromium (Debian's package, driven by Playwright): an operator logs in, sees
the failed orders, fixes one's payload and the other's mapping, retries both, and watches them and the
fulfillment waiting on the first complete. A screenshot of each page is saved (ERPSYNC_SCREENSHOT_DIR)."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from tests.web.support import (
    KNOWN_SKUS,
    PASSWORD,
    SETTINGS,
    add_role_users,
    park_order,
    start_engine,
    wait_until,
)

from erpsync.store import Store
from erpsync.web.app import create_app

CHROMIUM = Path(os.environ.get("ERPSYNC_CHROMIUM", "/usr/bin/chromium"))
REPO = Path(__file__).resolve().parents[2]
WITH_MAPPING = SETTINGS.model_copy(
    update={
        "flows": {
            **SETTINGS.flows,
            "order_to_erp": SETTINGS.flows["order_to_erp"].model_copy(
                update={"mapping": REPO / "mappings/shopify-netsuite/orders.yaml"}
            ),
        }
    }
)
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]


class LiveServer:
    def __init__(self, app: object) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))  # type: ignore[arg-type]
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        wait_until(lambda: self.server.started, "the web server to start")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    directory = Path(os.environ.get("ERPSYNC_SCREENSHOT_DIR", tmp_path / "screenshots"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the dashboard's browser test needs it "
            "(apt-get install -y chromium, or set ERPSYNC_CHROMIUM to its path)"
        )
    return CHROMIUM


@pytest.fixture
def mapping_fixed_later() -> Iterator[None]:
    yield
    KNOWN_SKUS.discard("SKU-3")


def test_operator_fixes_and_retries_failed_orders_in_the_browser(
    sqlite_url: str, chromium_path: Path, screenshots: Path, mapping_fixed_later: None
) -> None:
    from playwright.sync_api import expect, sync_playwright

    store = Store.open(sqlite_url)
    engine = start_engine(sqlite_url)
    app = create_app(settings=WITH_MAPPING, store=store, engine=engine)
    add_role_users(app.state.users)
    try:
        payload_fix = park_order(engine, store, "1001", "SKU-9")
        mapping_fix = park_order(engine, store, "1002", "SKU-3")
        engine.enqueue("fulfillment_to_store", "F-1001", {"order": "1001"})
        wait_until(lambda: bool(store.holds(waits_on="order:1001")), "the fulfillment to wait on order 1001")

        with LiveServer(app) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium_path), args=LAUNCH_ARGS)
            page = browser.new_page()
            page.set_default_timeout(20_000)
            # A script error or a Content-Security-Policy violation shows up as a console error.
            console_errors: list[str] = []
            page.on(
                "console",
                lambda message: console_errors.append(message.text) if message.type == "error" else None,
            )

            page.goto(f"{base}/exceptions")
            expect(page).to_have_url(re.compile(r"/login"))
            page.screenshot(path=screenshots / "01-login.png")
            page.fill("input[name=username]", "operator")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(re.compile(r"/exceptions$"))
            expect(page.locator("table")).to_contain_text("1001")
            expect(page.locator("table")).to_contain_text("1002")
            page.screenshot(path=screenshots / "02-exceptions.png")

            page.click(f'a[href="/exceptions/{payload_fix}"] >> nth=0')
            expect(page.locator(".fix")).to_contain_text("SKU-9")
            expect(page.locator("main")).to_contain_text("F-1001")
            page.screenshot(path=screenshots / "03-exception-detail.png")
            payload = page.locator("textarea[name=payload]")
            payload.fill(payload.input_value().replace("SKU-9", "SKU-1"))
            page.click("#edit-and-retry")
            expect(page.locator(".notice")).to_contain_text("retry started")
            wait_until(lambda: store.exception(payload_fix).status == "resolved", "order 1001 to complete")
            wait_until(lambda: not store.holds(waits_on="order:1001"), "the fulfillment to be released")
            page.reload()
            expect(page.locator("#status")).to_have_text("resolved")
            page.screenshot(path=screenshots / "04-after-edit-and-retry.png")

            KNOWN_SKUS.add("SKU-3")  # the operator mapped SKU-3 in the ERP
            page.goto(f"{base}/exceptions/{mapping_fix}")
            page.click("#retry")
            expect(page.locator(".notice")).to_contain_text("retry started")
            wait_until(lambda: store.exception(mapping_fix).status == "resolved", "order 1002 to complete")

            page.goto(f"{base}/search?q=F-1001")
            expect(page.locator("main")).to_contain_text("completed")
            page.screenshot(path=screenshots / "05-fulfillment-timeline.png")
            page.goto(f"{base}/")
            expect(page.locator("main")).to_contain_text("order_to_erp")
            expect(page.locator("#plot-processed canvas")).to_have_count(1)
            page.screenshot(path=screenshots / "06-overview.png", full_page=True)
            page.goto(f"{base}/exceptions?status=any")
            page.screenshot(path=screenshots / "07-exceptions-all.png")
            page.goto(f"{base}/tieout")
            expect(page.locator("main")).to_contain_text("No tie-out report has run yet")
            page.screenshot(path=screenshots / "08-tieout.png")
            page.goto(f"{base}/mapping")
            expect(page.frame_locator("iframe.document").locator("body")).to_contain_text("order")
            page.screenshot(path=screenshots / "09-mapping.png")
            browser.close()
        assert console_errors == []
        assert len(list(screenshots.glob("*.png"))) == 9
    finally:
        engine.shutdown()
        app.state.users.close()
        store.close()
