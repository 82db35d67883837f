"""A full demo run, then every output it produced is searched for the secret values: what it printed, every
log line at DEBUG, the database file (timeline, payload archive, exception queue, the engine's checkpoints),
and every dashboard page and API answer an admin can read. None may contain a secret."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from tests.web.support import SETTINGS, add_role_users

import erpsync.demo
from erpsync.demo import run_demo
from erpsync.store import Store
from erpsync.web.app import create_app

SHOPIFY_SECRETS = ("access_token", "webhook_secret", "client_secret")
NETSUITE_SECRETS = ("consumer_secret", "token_secret", "private_key_pem")


def _secret_values(sandboxes: list[Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for sandbox in sandboxes:
        credentials = sandbox.credentials()
        for name in (*SHOPIFY_SECRETS, *NETSUITE_SECRETS):
            if credentials.get(name):
                found[f"{sandbox.platform}.{name}"] = str(credentials[name])
    # A PEM is searched by the lines of its body too: a log could print the key without its armour.
    pem = found.pop("netsuite.private_key_pem")
    body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    found |= {f"netsuite.private_key line {n}": line for n, line in enumerate(body) if len(line) >= 40}
    return found


def _web_answers(database_url: str, order_ids: list[str]) -> list[str]:
    store = Store.open(database_url)
    try:
        app = create_app(settings=SETTINGS, store=store)
        tokens = add_role_users(app.state.users)
        client = TestClient(app)
        headers = tokens.header("admin")
        paths = [
            r.path for r in app.routes if isinstance(r, APIRoute) and "GET" in r.methods and "{" not in r.path
        ]
        exceptions = client.get("/api/v1/exceptions", headers=headers).json()
        exception_ids = [
            str(e["id"])
            for e in (exceptions.get("items", exceptions) if isinstance(exceptions, dict) else exceptions)
        ]
        paths += [f"/api/v1/timeline/{order_id}" for order_id in order_ids]
        paths += [f"/api/v1/exceptions/{exception_id}" for exception_id in exception_ids]
        paths += [f"/exceptions/{exception_id}" for exception_id in exception_ids]
        answers = []
        for path in paths:
            answer = client.get(path, headers=headers)
            assert answer.status_code < 500, (path, answer.status_code)
            answers.append(f"{path}\n{answer.text}")
        return answers
    finally:
        store.close()


def test_a_full_demo_run_leaves_no_secret_in_any_output(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    sandboxes: list[Any] = []
    build = erpsync.demo.build_sandbox

    def recording_build(platform: str, **kwargs: Any) -> Any:
        sandboxes.append(build(platform, **kwargs))
        return sandboxes[-1]

    monkeypatch.setattr(erpsync.demo, "build_sandbox", recording_build)
    caplog.set_level(logging.DEBUG)
    database_url = f"sqlite:///{tmp_path / 'erpsync.db'}"

    report = run_demo(database_url, order_count=3, say=print)

    secrets = _secret_values(sandboxes)
    assert {
        "shopify.access_token",
        "shopify.webhook_secret",
        "netsuite.consumer_secret",
        "netsuite.token_secret",
    } <= set(secrets)
    printed = capfd.readouterr()
    outputs: dict[str, str] = {
        "stdout": printed.out,
        "stderr": printed.err,
        "logs": "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records),
    }
    for file in tmp_path.rglob("*"):
        if file.is_file():
            outputs[f"file {file.name}"] = file.read_bytes().decode("utf-8", errors="replace")
    order_ids = [str(order["order"]).lstrip("#") for order in report.orders]
    outputs |= {f"web {answer.splitlines()[0]}": answer for answer in _web_answers(database_url, order_ids)}

    # The search is real: the outputs hold the run's business data.
    assert "sales orders created" in outputs["stdout"]
    assert any(order_ids[0] in text for name, text in outputs.items() if name.startswith("file")), (
        "database not read"
    )
    leaks = [
        f"{secret} in {where}"
        for secret, value in secrets.items()
        for where, text in outputs.items()
        if value in text
    ]
    assert leaks == []
