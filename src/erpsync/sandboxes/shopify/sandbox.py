"""The Shopify sandbox: stores by shop domain, one app's token and secret, rate-limit buckets, webhooks."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from pathlib import Path
from typing import Any

from erpsync.sandboxes.common import FaultInjector, SandboxClock
from erpsync.sandboxes.shopify import mutations
from erpsync.sandboxes.shopify.app import build_app
from erpsync.sandboxes.shopify.bulk import bulk_query_runner
from erpsync.sandboxes.shopify.bulk_mutation import BulkMutations
from erpsync.sandboxes.shopify.context import ResolveContext
from erpsync.sandboxes.shopify.cost import RATE_LIMIT_PRESETS, LeakyBucket, cost_extension
from erpsync.sandboxes.shopify.graphql_server import ShopifyGraphQL
from erpsync.sandboxes.shopify.notifications import ShopNotifications
from erpsync.sandboxes.shopify.refunds import suggested_refund
from erpsync.sandboxes.shopify.scenario import ScenarioSettings, ShopperScenario
from erpsync.sandboxes.shopify.seed import seed_store
from erpsync.sandboxes.shopify.staged_uploads import StagedFiles
from erpsync.sandboxes.shopify.store import Record, ShopStore
from erpsync.sandboxes.shopify.webhooks import WebhookDispatcher

DEFAULT_SHOP = "erpsync-dev.myshopify.com"
API_VERSION = "2026-04"
STATE_FILE_ENV = "ERPSYNC_SHOPIFY_SANDBOX_STATE"
SECRET_GRACE_SECONDS = 3600


class ShopifyClock(SandboxClock):
    """The kit's clock, plus how far it has been moved: the rate-limit buckets' "sandbox" time."""

    def offset_seconds(self) -> float:
        with self._lock:
            return self._offset.total_seconds()


def _secret(label: str, seed: int | None) -> str:
    material = f"erpsync-shopify-sandbox:{label}:{seed if seed is not None else os.urandom(16).hex()}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


class ShopifySandbox:
    """Satisfies the sandbox kit's ``Sandbox`` protocol; serve ``app`` (``erpsync sandbox shopify``)."""

    platform = "shopify"

    def __init__(self, *, seed: int | None = None, state_file: Path | None = None) -> None:
        self.seed = seed
        self._clock = ShopifyClock()
        self.clock: SandboxClock = self._clock
        self.faults = FaultInjector(seed=seed)
        self.access_token = f"shpat_{_secret('token', seed)}"
        self.client_secret = f"shpss_{_secret('secret', seed)}"
        self.preset = "standard"
        self.rate_limit_clock = "real"
        self.state_file = state_file
        self._lock = threading.RLock()
        self.stores: dict[str, ShopStore] = {}
        self.buckets: dict[str, LeakyBucket] = {}
        self.bulk_files: dict[tuple[str, int], str] = {}
        self.staged_files = StagedFiles()  # bulk mutations' variables (staged_uploads.py)
        self.bulk_mutations = BulkMutations(self)  # bulk_mutation.py
        self.scenario: ShopperScenario | None = None
        self.graphql = ShopifyGraphQL(mutations.MUTATIONS)
        self.previous_secret: str | None = None
        self.rotated_at: float | None = None
        self.webhooks = WebhookDispatcher(self.signing_secret, self.clock)
        self.notifications = ShopNotifications()  # the store's customer e-mails (notifications.py)
        if state_file is not None and state_file.exists():
            self._load(state_file)
        self.app = build_app(self)

    # ------------------------------------------------------------------ the Sandbox protocol
    def credentials(self) -> dict[str, Any]:
        return {
            "shop_domain": DEFAULT_SHOP,
            "access_token": self.access_token,
            "api_version": API_VERSION,
            "client_secret": self.client_secret,
            "webhook_secret": self.client_secret,
            "graphql_path": f"/admin/api/{API_VERSION}/graphql.json",
        }

    def rotate_client_secret(self) -> dict[str, Any]:
        """A new client secret; for the next hour webhooks are still signed with the old one
        (platform-apis §1: "after a secret rotation, HMAC may use the old secret for up to 1 hour")."""
        with self._lock:
            self.previous_secret = self.client_secret
            self.client_secret = f"shpss_{_secret('rotated', None)}"
            self.rotated_at = self.clock.timestamp()
        return self.credentials()

    def signing_secret(self) -> str:
        with self._lock:
            in_grace = (
                self.rotated_at is not None
                and self.clock.timestamp() - self.rotated_at < SECRET_GRACE_SECONDS
            )
            if in_grace and self.previous_secret is not None:
                return self.previous_secret
            return self.client_secret

    def dump_state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "preset": self.preset,
                "stores": {domain: store.dump() for domain, store in self.stores.items()},
                "notifications": self.notifications.describe(),
            }

    def reset(self) -> None:
        self.stop_scenario()
        self.webhooks.stop()
        with self._lock:
            self.stores.clear()
            self.buckets.clear()
            self.bulk_files.clear()
            self.staged_files.clear()
            self.bulk_mutations.clear()
        self.save()

    def set_rate_limit_preset(self, preset: str) -> dict[str, Any]:
        if preset not in RATE_LIMIT_PRESETS:
            raise ValueError(f"unknown preset {preset!r}; known: {', '.join(RATE_LIMIT_PRESETS)}")
        with self._lock:
            self.preset = preset
            for bucket in self.buckets.values():
                bucket.set_rate(RATE_LIMIT_PRESETS[preset])
            for store in self.stores.values():
                store.plan = preset
        return {
            "preset": preset,
            "restore_rate": RATE_LIMIT_PRESETS[preset],
            "maximum_available": RATE_LIMIT_PRESETS[preset] * 20,
        }

    # ------------------------------------------------------------------ stores and buckets
    def store_for(self, host: str) -> ShopStore:
        domain = host.split(":", 1)[0].lower()
        if not domain.endswith(".myshopify.com"):
            domain = DEFAULT_SHOP
        with self._lock:
            store = self.stores.get(domain)
            if store is None:
                store = ShopStore(domain=domain, clock=self.clock, plan=self.preset)
                if self.seed is not None:
                    seed_store(store, self.seed)
                self.stores[domain] = store
            return store

    def bucket(self, domain: str) -> LeakyBucket:
        """One bucket per app and store; the sandbox serves one app, so one per store."""
        with self._lock:
            bucket = self.buckets.get(domain)
            if bucket is None:
                bucket = LeakyBucket(RATE_LIMIT_PRESETS[self.preset], self._leak_time)
                self.buckets[domain] = bucket
            return bucket

    def _leak_time(self) -> float:
        """Seconds the buckets have leaked for. "real": wall time plus the clock's offset (what a live
        client sees); "sandbox": only the clock's offset, so buckets refill only when a test moves the
        clock (PUT /_sandbox/clock) and throttling is exactly reproducible."""
        if self.rate_limit_clock == "sandbox":
            return self._clock.offset_seconds()
        return self.clock.timestamp()

    def cost_snapshot(self, bucket: LeakyBucket) -> dict[str, Any]:
        return cost_extension(0, None, bucket.status())

    # ------------------------------------------------------------------ serving
    def context(self, store: ShopStore, api_version: str, base_url: str) -> ResolveContext:
        event_id = str(uuid.uuid4())  # one request is one merchant action: its webhooks share this id

        def emit(target: ShopStore, topic: str, payload: Record) -> None:
            self.webhooks.emit(target, topic, payload, event_id=event_id)

        return ResolveContext(
            store=store,
            api_version=api_version,
            base_url=base_url,
            emit=emit,
            run_bulk_query=bulk_query_runner(self),
            extra={
                "suggested_refund": suggested_refund,
                "schema": self.graphql.schema,
                "staged_files": self.staged_files,
                "bulk_mutations": self.bulk_mutations,
                "notifications": self.notifications,
            },
        )

    def serve_graphql(
        self, store: ShopStore, api_version: str, base_url: str, body: Any
    ) -> tuple[int, dict[str, Any]]:
        status, answer = self.graphql.handle(
            self.context(store, api_version, base_url), body, self.bucket(store.domain)
        )
        if self.state_file is not None and "mutation" in str(
            body.get("query", "") if isinstance(body, dict) else ""
        ):
            self.save()
        return status, answer

    def bulk_result(self, shop: str, operation_id: int) -> str | None:
        return self.bulk_files.get((shop, operation_id))

    # ------------------------------------------------------------------ Shopify-only settings
    def settings(self) -> dict[str, Any]:
        return {
            "throttle_status_code": self.graphql.throttle_status_code,
            "rate_limit_clock": self.rate_limit_clock,
            "webhooks": self.webhooks.describe(),
            "preset": self.preset,
            "bulk_mutation": self.bulk_mutations.describe(),
            "notifications": self.notifications.describe(),
        }

    def configure(self, change: dict[str, Any]) -> dict[str, Any]:
        """``{"throttle_status_code": 429, "rate_limit_clock": "sandbox",
        "webhooks": {"time_scale": 0.001, "duplicate_rate": 0.2}}``"""
        if "throttle_status_code" in change:
            code = int(change["throttle_status_code"])
            if code not in (200, 429):
                raise ValueError("throttle_status_code must be 200 or 429")
            self.graphql.throttle_status_code = code
        if "rate_limit_clock" in change:
            mode = str(change["rate_limit_clock"])
            if mode not in ("real", "sandbox"):
                raise ValueError('rate_limit_clock must be "real" or "sandbox"')
            with self._lock:
                self.rate_limit_clock = mode
                for bucket in self.buckets.values():
                    bucket.rebase(self._leak_time)
        if "webhooks" in change:
            self.webhooks.configure(dict(change["webhooks"]))
        if "bulk_mutation" in change:
            self.bulk_mutations.configure(dict(change["bulk_mutation"]))
        if "notifications" in change:
            self.notifications.configure(dict(change["notifications"]))
        return self.settings()

    # ------------------------------------------------------------------ shoppers
    def start_scenario(self, config: dict[str, Any]) -> dict[str, Any]:
        orders = config.pop("orders", None)
        duration = config.pop("duration_seconds", None)
        if orders is None and duration is None:
            raise ValueError('give "orders" or "duration_seconds"')
        if self.scenario is not None and self.scenario.running:
            raise RuntimeError("a scenario is already running; DELETE /_sandbox/shopify/scenario first")
        self.scenario = ShopperScenario(self, ScenarioSettings(**config))
        self.scenario.start(orders=orders, duration_seconds=duration)
        return self.scenario_status()

    def scenario_status(self) -> dict[str, Any]:
        if self.scenario is None:
            return {"running": False, "report": None}
        return {"running": self.scenario.running, "report": self.scenario.report.as_json()}

    def stop_scenario(self) -> dict[str, Any]:
        if self.scenario is not None:
            self.scenario.stop()
        return self.scenario_status()

    # ------------------------------------------------------------------ persistence
    def save(self) -> None:
        """Write the state file, when the sandbox has one (after every mutation request and checkout)."""
        if self.state_file is None:
            return
        document = json.dumps(self.dump_state(), default=str)
        temporary = self.state_file.with_suffix(self.state_file.suffix + ".tmp")
        temporary.write_text(document, encoding="utf-8")
        temporary.replace(self.state_file)

    def _load(self, path: Path) -> None:
        document: Record = json.loads(path.read_text(encoding="utf-8"))
        self.preset = document.get("preset", "standard")
        for domain, stored in document.get("stores", {}).items():
            self.stores[domain] = ShopStore.load(stored, self.clock)


def build_sandbox(*, seed: int | None = None, state_file: Path | None = None) -> ShopifySandbox:
    """The sandbox, seeded when ``seed`` is given; state persisted to ``state_file`` (or the file named by
    $ERPSYNC_SHOPIFY_SANDBOX_STATE) when one is given, in memory otherwise."""
    if state_file is None and os.environ.get(STATE_FILE_ENV):
        state_file = Path(os.environ[STATE_FILE_ENV])
    return ShopifySandbox(seed=seed, state_file=state_file)
