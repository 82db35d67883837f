"""Tryton (trytond 8.x over JSON-RPC): the session client, Tryton's JSON codec, error decoding, change
polling on write_date, translation to and from canonical records, and the ErpConnector composed from them."""

from erpsync.connectors.tryton.changes import ChangeCursor
from erpsync.connectors.tryton.client import TrytonClient
from erpsync.connectors.tryton.connector import TrytonConnector, TrytonSettings
from erpsync.connectors.tryton.errors import TrytonDataError, decode_http_status, decode_rpc_error

__all__ = [
    "ChangeCursor",
    "TrytonClient",
    "TrytonConnector",
    "TrytonDataError",
    "TrytonSettings",
    "decode_http_status",
    "decode_rpc_error",
]
