"""Connection URLs in erpsync.yaml are checked before erpsync calls them: https (http only on loopback), no
credentials in the URL, never a link-local or cloud metadata host (server-side request forgery)."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from erpsync.config import Connection, check_outbound_url


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.myshopify.com",
        "https://1234567.suitetalk.api.netsuite.com/services/rest",
        "http://127.0.0.1:8001",
        "http://localhost:8000",
        "http://[::1]:9000",
        "https://10.0.0.5:8000",  # a private ERP server over TLS is fine
    ],
)
def test_https_urls_and_loopback_http_are_accepted(url: str) -> None:
    assert check_outbound_url(url) == url


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://acme.myshopify.com", "plain http"),
        ("http://10.0.0.5:8000", "plain http"),
        ("ftp://files.example.com", "not an http(s) URL"),
        ("acme.myshopify.com", "not an http(s) URL"),
        ("https://admin:hunter2@erp.example.com", "credentials do not go in the URL"),
        ("https://token@erp.example.com", "credentials do not go in the URL"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://169.254.169.254/", "metadata"),
        ("http://2852039166/", "metadata"),  # 169.254.169.254 as one number
        ("http://0xa9fea9fe/", "metadata"),
        ("http://[fe80::1]/", "metadata"),
        ("http://[::ffff:169.254.169.254]/", "metadata"),
        ("https://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ],
)
def test_unsafe_urls_are_refused_with_the_fix(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        check_outbound_url(url)


def test_a_connection_in_the_config_is_validated_when_loaded() -> None:
    with pytest.raises(ValidationError, match="credentials do not go in the URL"):
        Connection(platform="netsuite", url="https://user:secret@1234567.suitetalk.api.netsuite.com")
    with pytest.raises(ValidationError, match="metadata"):
        Connection(platform="shopify", url="http://169.254.169.254")
    assert (
        Connection(platform="shopify", url="https://acme.myshopify.com").url == "https://acme.myshopify.com"
    )
