"""Serve a prepared Tryton until interrupted, announcing it the way erpsync's sandboxes do (DESIGN 6): one
JSON line on stdout with ``platform``, ``url`` and ``credentials`` once it answers.

    python -m erpsync.sandboxes.tryton
    {"platform": "tryton", "url": "http://127.0.0.1:41234", "credentials": {"database": "erpsync", ...}}
"""

from __future__ import annotations

import json
import signal
import sys
import threading

from erpsync.sandboxes.tryton.harness import running_tryton


def main() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with running_tryton() as server:
        credentials = {"database": server.database, "login": server.login, "password": server.password}
        print(json.dumps({"platform": "tryton", "url": server.url, "credentials": credentials}), flush=True)
        try:
            while not stop.wait(1.0) and server.process.poll() is None:
                pass
        except KeyboardInterrupt:
            pass
    sys.exit(0)


if __name__ == "__main__":
    main()
