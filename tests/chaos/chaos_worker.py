"""A second erpsync worker process for the chaos run: the same flows, connectors to the same sandboxes, the
same PostgreSQL database; the test SIGKILLs it mid-run and starts it again under the same worker id.

    python tests/chaos/chaos_worker.py --database-url URL --worker-id ID --sandboxes sandboxes.json \
        [--shop-concurrency N]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from erpsync.connectors.netsuite.auth import auth_from_credentials
from erpsync.connectors.netsuite.connector import NetSuiteConnector
from erpsync.connectors.shopify.connector import ShopifyConnector
from erpsync.demo import NETSUITE_CONCURRENCY, SHOP_CONCURRENCY, _location_map
from erpsync.engine import Engine
from erpsync.flows import Hub, register_flows
from erpsync.store import Store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--sandboxes", type=Path, required=True)
    parser.add_argument("--shop-concurrency", type=int, default=SHOP_CONCURRENCY)
    args = parser.parse_args()
    sandboxes = json.loads(args.sandboxes.read_text())
    shop_url, shop = sandboxes["shopify"]["url"], sandboxes["shopify"]["credentials"]
    erp_url, erp = sandboxes["netsuite"]["url"], sandboxes["netsuite"]["credentials"]
    shop_connector = ShopifyConnector(
        shop["shop_domain"], shop["access_token"], shop["api_version"], base_url=shop_url
    )
    erp_connector = NetSuiteConnector(erp["account_id"], erp_url, auth_from_credentials(erp_url, erp))
    store = Store.open(args.database_url)
    hub = Hub(
        store=store,
        shop=shop_connector,
        erp=erp_connector,
        location_map=_location_map(shop_connector, erp_connector),
    )
    engine = Engine(args.database_url, worker_id=args.worker_id)
    # The same budgets as the demo's process: every worker must register the same queue configuration.
    engine.budget(shop_connector.system, concurrency=args.shop_concurrency)
    engine.budget(erp_connector.system, concurrency=NETSUITE_CONCURRENCY)
    register_flows(engine, hub)
    engine.launch()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    engine.shutdown()
    store.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
