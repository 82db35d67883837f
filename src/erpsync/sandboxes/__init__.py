"""Protocol-faithful sandboxes of each platform (ASGI apps), served by `erpsync sandbox <platform>`.

The product never imports this package; only the demo and the tests do.
"""
