"""The wire protocol a Shopify client relies on: auth, versions, stores by host, Shopify-shaped errors."""

from __future__ import annotations

from tests.sandboxes.shopify.conftest import Shop

SHOP_NAME = "{ shop { name myshopifyDomain } }"


def test_missing_or_wrong_token_is_rejected_with_shopifys_401_body(shop: Shop) -> None:
    expected = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
    missing = shop.http.post(shop.path, json={"query": SHOP_NAME})
    wrong = shop.post(SHOP_NAME, **{"X-Shopify-Access-Token": "shpat_wrong"})
    assert (missing.status_code, missing.json()) == (401, expected)
    assert (wrong.status_code, wrong.json()) == (401, expected)


def test_answering_version_header_and_retired_versions_fall_forward(shop: Shop) -> None:
    assert shop.post(SHOP_NAME).headers["X-Shopify-API-Version"] == "2026-04"
    shop.version = "2023-01"
    retired = shop.post(SHOP_NAME)
    assert retired.status_code == 200
    assert retired.headers["X-Shopify-API-Version"] == "2025-10"
    shop.version = "2031-01"
    assert shop.post(SHOP_NAME).status_code == 404


def test_each_shop_domain_in_the_host_header_is_an_isolated_store(shop: Shop) -> None:
    create = 'mutation { customerCreate(input: {email: "only@acme.test"}) { userErrors { message } } }'
    acme = {"Host": "acme.myshopify.com"}
    assert shop.gql(create, **acme)["data"]["customerCreate"]["userErrors"] == []
    find = '{ customers(first: 5, query: "email:only@acme.test") { nodes { email } } }'
    assert shop.gql(find, **acme)["data"]["customers"]["nodes"] == [{"email": "only@acme.test"}]
    assert shop.gql(find, **{"Host": "globex.myshopify.com"})["data"]["customers"]["nodes"] == []
    assert shop.gql(find)["data"]["customers"]["nodes"] == []
    assert shop.gql(SHOP_NAME, **acme)["data"]["shop"]["myshopifyDomain"] == "acme.myshopify.com"


def test_unknown_field_is_rejected_like_shopify_does(shop: Shop) -> None:
    body = shop.gql("{ products(first: 1) { edges { node { id colour } } } }")
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": "Field 'colour' doesn't exist on type 'Product'",
            "locations": [{"line": 1, "column": 42}],
            "path": ["query", "products", "edges", "node", "colour"],
            "extensions": {"code": "undefinedField", "typeName": "Product", "fieldName": "colour"},
        }
    ]
    assert "throttleStatus" in body["extensions"]["cost"]


def test_unknown_argument_and_missing_required_argument_codes(shop: Shop) -> None:
    unknown = shop.gql("{ products(first: 1, colour: RED) { nodes { id } } }")["errors"][0]
    assert unknown["extensions"]["code"] == "argumentNotAccepted"
    assert unknown["message"] == "Field 'products' doesn't accept argument 'colour'"
    missing = shop.gql("{ product { id } }")["errors"][0]
    assert missing["extensions"]["code"] == "missingRequiredArguments"


def test_connections_require_first_or_last_and_cap_them_at_250(shop: Shop) -> None:
    no_size = shop.gql("{ products { nodes { id } } }")
    assert no_size["errors"][0]["message"] == "you must provide one of first or last"
    too_big = shop.gql("{ locations(first: 251) { nodes { id } } }")
    assert "less than or equal to 250" in too_big["errors"][0]["message"]


def test_scripted_server_error_and_throttle_faults_use_shopify_shapes(shop: Shop) -> None:
    script = [{"kind": "server_error", "operation": "shop"}, {"kind": "throttle", "operation": "shop"}]
    shop.http.put("/_sandbox/faults", json={"script": script})
    failed = shop.post(SHOP_NAME)
    assert failed.status_code == 500
    assert failed.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    throttled = shop.post(SHOP_NAME)
    assert throttled.status_code == 200
    assert throttled.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert shop.post(SHOP_NAME).json()["data"]["shop"]["name"]


def test_state_dump_shows_each_store_and_reset_empties_it(shop: Shop) -> None:
    shop.data(SHOP_NAME)
    state = shop.http.get("/_sandbox/state").json()
    assert "erpsync-dev.myshopify.com" in state["stores"]
    shop.http.post("/_sandbox/reset")
    assert shop.http.get("/_sandbox/state").json()["stores"] == {}


def test_wrong_literal_type_and_malformed_global_id_are_rejected(shop: Shop) -> None:
    wrong_enum = shop.gql('{ products(first: 1, sortKey: "TITLE") { nodes { id } } }')["errors"][0]
    assert wrong_enum["extensions"] == {"code": "argumentLiteralsIncompatible", "typeName": "ProductSortKeys"}
    malformed = shop.gql('{ product(id: "42") { id } }')["errors"][0]
    assert malformed["message"] == "Invalid global id '42'"
    other_type = shop.gql('{ product(id: "gid://shopify/Order/42") { id } }')
    assert other_type["data"] == {"product": None}


def test_the_cli_factory_builds_this_sandbox_with_the_kit_protocol() -> None:
    from erpsync.sandboxes import build_sandbox as build_platform_sandbox
    from erpsync.sandboxes.common import Sandbox

    sandbox: Sandbox = build_platform_sandbox("shopify", seed=1)
    assert sandbox.platform == "shopify"
    credentials = sandbox.credentials()
    assert credentials["access_token"].startswith("shpat_") and credentials["api_version"] == "2026-04"
    assert credentials["shop_domain"].endswith(".myshopify.com") and credentials["webhook_secret"]
    assert build_platform_sandbox("shopify", seed=1).credentials() == credentials  # seeded: stable
    assert sandbox.set_rate_limit_preset("plus")["restore_rate"] == 1000
