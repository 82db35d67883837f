"""The `erpsync` command line (Typer + Rich). Each command is a thin shell over a package's public API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from erpsync.errors import ConfigError

app = typer.Typer(help="erpsync: keep an online store and an ERP in sync.", no_args_is_help=True)
config_app = typer.Typer(help="Check erpsync.yaml.", no_args_is_help=True)
app.add_typer(config_app, name="config")

console = Console()
errors = Console(stderr=True)

ConfigFile = Annotated[Path | None, typer.Option("--config", "-c", help="erpsync.yaml to use.")]


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@app.command()
def version() -> None:
    """Print the erpsync version."""
    from erpsync import __version__

    console.print(__version__)


@config_app.command("check")
def config_check(config: ConfigFile = None) -> None:
    """Validate erpsync.yaml and that every credential can be read; explain every error."""
    from erpsync.config import check_secrets, load_settings

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    problems = check_secrets(settings)
    if problems:
        raise fail("credentials that cannot be read:\n" + "\n".join(f"  {p}" for p in problems))
    console.print(
        f"[green]ok[/]: {len(settings.connections)} connection(s), {len(settings.flows)} flow(s), "
        f"database {_redacted_url(settings.database_url)}"
    )


@app.command()
def sandbox(
    platform: Annotated[str, typer.Argument(help="shopify | netsuite")],
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 0,
    host: Annotated[str, typer.Option(help="Address to bind; keep it on loopback.")] = "127.0.0.1",
    seed: Annotated[int | None, typer.Option(help="Load a deterministic catalog and customers.")] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="Serve HTTPS with this certificate.")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="Private key of --tls-cert.")] = None,
) -> None:
    """Serve a protocol-faithful sandbox; print one JSON ready line with its url and credentials."""
    from erpsync.sandboxes import build_sandbox
    from erpsync.sandboxes.common import serve

    if (tls_cert is None) != (tls_key is None):
        raise fail("give both --tls-cert and --tls-key, or neither")
    try:
        platform_sandbox = build_sandbox(platform, seed=seed)
    except KeyError as exc:
        raise fail(str(exc.args[0])) from None
    serve(
        platform_sandbox.app,
        platform=platform,
        credentials=platform_sandbox.credentials(),
        host=host,
        port=port,
        tls_cert=tls_cert,
        tls_key=tls_key,
    )


def _redacted_url(url: str) -> str:
    """A database URL without its password, for display."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
