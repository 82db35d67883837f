"""The `erpsync` command line (Typer + Rich)."""

from __future__ import annotations

import typer

app = typer.Typer(help="erpsync: keep an online store and an ERP in sync.", no_args_is_help=True)


@app.command()
def version() -> None:
    """Print the erpsync version."""
    from erpsync import __version__

    typer.echo(__version__)
