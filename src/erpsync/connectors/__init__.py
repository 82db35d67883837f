"""One package per platform: client (auth, paging, throttle, errors), translate (platform <-> canonical), webhooks."""
