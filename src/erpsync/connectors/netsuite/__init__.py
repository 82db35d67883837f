"""NetSuite (SuiteTalk REST web services): auth signers, the REST client with paging, SuiteQL, budget and
error decoding, translation to and from canonical records, and the ErpConnector composed from them."""

from erpsync.connectors.netsuite.auth import (
    OAuth2ClientCredentials,
    TokenBasedAuth,
    auth_from_credentials,
    netsuite_realm,
)
from erpsync.connectors.netsuite.budget import ConcurrencyBudget, LocalConcurrencyBudget
from erpsync.connectors.netsuite.changes import ChangeCursor
from erpsync.connectors.netsuite.client import NetSuiteClient, RetryRule, external_id_for
from erpsync.connectors.netsuite.connector import NetSuiteConnector
from erpsync.connectors.netsuite.errors import NetSuiteDataError, decode_error
from erpsync.connectors.netsuite.translate import NetSuiteSettings

__all__ = [
    "ChangeCursor",
    "ConcurrencyBudget",
    "LocalConcurrencyBudget",
    "NetSuiteClient",
    "NetSuiteConnector",
    "NetSuiteDataError",
    "NetSuiteSettings",
    "OAuth2ClientCredentials",
    "RetryRule",
    "TokenBasedAuth",
    "auth_from_credentials",
    "decode_error",
    "external_id_for",
    "netsuite_realm",
]
