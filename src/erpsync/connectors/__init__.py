"""One package per platform: client (auth, paging, throttle, errors), translate (platform <-> canonical),
webhooks. ``base.py`` holds the StoreConnector and ErpConnector interfaces the flows are written against."""
