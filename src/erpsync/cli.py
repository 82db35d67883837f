"""The `erpsync` command line (Typer + Rich). Each command is a thin shell over a package's public API."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from erpsync.errors import ConfigError

if TYPE_CHECKING:
    from erpsync.demo import DemoEnvironment, DemoReport
    from erpsync.service import Service
    from erpsync.store import Store

app = typer.Typer(help="erpsync: keep an online store and an ERP in sync.", no_args_is_help=True)
config_app = typer.Typer(help="Check erpsync.yaml.", no_args_is_help=True)
app.add_typer(config_app, name="config")

console = Console()
errors = Console(stderr=True, soft_wrap=True)
PIPED_WIDTH = 200


@app.callback()
def _fit_output() -> None:
    """Piped output (a script, `| grep`, a CI log) gets whole table rows, not rows cut to 80 columns; a
    terminal keeps its own width. Decided per command run, not when the module is imported."""
    columns = os.environ.get("COLUMNS", "")
    if not sys.stdout.isatty():
        console.width = int(columns) if columns.isdigit() else PIPED_WIDTH


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
    platform: Annotated[str, typer.Argument(help="shopify | netsuite | email | tryton (a real trytond)")],
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 0,
    smtp_port: Annotated[int, typer.Option(help="email: SMTP port (0 picks a free one).")] = 0,
    host: Annotated[str, typer.Option(help="Address to bind; keep it on loopback.")] = "127.0.0.1",
    seed: Annotated[int | None, typer.Option(help="Load a deterministic catalog and customers.")] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="Serve HTTPS with this certificate.")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="Private key of --tls-cert.")] = None,
) -> None:
    """Serve a protocol-faithful sandbox; print one JSON ready line with its url and credentials."""
    from erpsync.sandboxes import build_sandbox
    from erpsync.sandboxes.common import serve

    if platform == "tryton":
        from erpsync.sandboxes.tryton.__main__ import main as serve_real_tryton

        serve_real_tryton()  # a real trytond, not a fake: installed into ./.venv-tryton on first use
        return
    if (tls_cert is None) != (tls_key is None):
        raise fail("give both --tls-cert and --tls-key, or neither")
    if platform == "email":
        from erpsync.sandboxes.email import EmailSink

        sink = EmailSink(host=host, port=smtp_port)
        sink.start()  # the ready line's credentials carry the SMTP host and port
        serve(sink.app, platform="email", credentials=sink.credentials(), host=host, port=port)
        return
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


# --- mapping --------------------------------------------------------------------------------------------
mapping_app = typer.Typer(help="Check and render the declared mapping specs.", no_args_is_help=True)
app.add_typer(mapping_app, name="mapping")

SpecPaths = Annotated[
    list[Path] | None, typer.Argument(help="Spec files or folders (default: the mappings/ folder).")
]


def _spec_paths(paths: list[Path] | None) -> list[Path]:
    return list(paths) if paths else [Path("mappings")]


@mapping_app.command("check")
def mapping_check(paths: SpecPaths = None) -> None:
    """Validate mapping specs; every error names file, line and field."""
    from erpsync.mapping import check

    problems = check(_spec_paths(paths))
    if problems:
        raise fail(f"{len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems))
    console.print("[green]ok[/]: every mapping spec is valid")


@mapping_app.command("render")
def mapping_render(
    paths: SpecPaths = None,
    fmt: Annotated[str, typer.Option("--format", help="html | md")] = "html",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Write the stakeholder mapping document: what moves where, when, transformed how, owned by whom."""
    from erpsync.mapping import MappingSpecError, check, load_spec, render

    if fmt not in ("html", "md"):
        raise fail(f"--format must be html or md, not {fmt!r}")
    problems = check(_spec_paths(paths))
    if problems:
        raise fail("fix the specs first:\n" + "\n".join(f"  {p}" for p in problems))
    files = sorted(
        file
        for path in _spec_paths(paths)
        for file in ([path] if path.is_file() else [*path.rglob("*.yaml"), *path.rglob("*.yml")])
    )
    try:
        document = render([load_spec(file) for file in files], "html" if fmt == "html" else "md")
    except MappingSpecError as exc:
        raise fail(str(exc)) from None
    if out is None:
        typer.echo(document)
    else:
        out.write_text(document)
        console.print(f"wrote {out} ({len(files)} spec(s))")


# --- state store: exceptions, trace, status -------------------------------------------------------------
exceptions_app = typer.Typer(help="The exception queue: parked records and what to do with them.")
app.add_typer(exceptions_app, name="exceptions")


def _database_url(config: Path | None) -> str:
    from erpsync.config import load_settings

    try:
        return load_settings(config).database_url
    except ConfigError as exc:
        raise fail(str(exc)) from None


def _open_store(config: Path | None) -> Store:
    from erpsync.store import Store

    database_url = _database_url(config)
    try:
        return Store.open(database_url)
    except ConfigError as exc:  # e.g. a database migrated by a newer erpsync
        raise fail(str(exc)) from None


@exceptions_app.command("list")
def exceptions_list(
    config: ConfigFile = None,
    status: Annotated[str, typer.Option(help="open | retrying | resolved | skipped | all")] = "open",
    flow: Annotated[str | None, typer.Option(help="Only this flow.")] = None,
    error_class: Annotated[str | None, typer.Option("--class", help="transient | data | config")] = None,
    system: Annotated[str | None, typer.Option(help="Only errors raised by this system.")] = None,
) -> None:
    """List parked records with their reason."""
    from rich.markup import escape
    from rich.table import Table

    store = _open_store(config)
    found = store.exceptions(
        status=None if status == "all" else status, flow=flow, error_class=error_class, system=system
    )
    table = Table("id", "flow", "record", "class", "system", "attempts", "age", "reason")
    for item in found:
        table.add_row(
            str(item.id),
            item.flow,
            f"{item.record_type} {item.business_key}",
            item.error_class,
            item.system or "",
            str(item.attempts),
            _age(item.created_at),
            escape(item.message),
        )
    console.print(table if found else f"no {status} exceptions")


@exceptions_app.command("show")
def exceptions_show(exception_id: int, config: ConfigFile = None) -> None:
    """Show one parked record: error, suggested fix, payload (and the operator's edit)."""
    import json

    from erpsync.store import RecordNotFound

    store = _open_store(config)
    try:
        item = store.exception(exception_id)
    except RecordNotFound as exc:
        raise fail(str(exc)) from None
    console.print(f"[bold]exception {item.id}[/] — {item.status} — flow {item.flow}")
    console.print(f"record:        {item.record_type} {item.business_key}")
    console.print(f"error:         {item.error_class} ({item.error_type}) from {item.system or 'erpsync'}")
    console.print(f"reason:        {item.message}", markup=False)
    if item.field:
        console.print(f"field:         {item.field}")
    console.print(f"suggested fix: {item.suggested_fix or '-'}", markup=False)
    console.print(f"attempts:      {item.attempts}; workflow {item.workflow_id}")
    console.print_json(json.dumps(item.payload, default=str))
    if item.edited_payload is not None:
        console.print("[bold]edited payload (used by the next retry):[/]")
        console.print_json(json.dumps(item.edited_payload, default=str))


def _set_exception_status(exception_id: int, status: str, note: str | None, config: Path | None) -> None:
    from erpsync.store import RecordNotFound

    store = _open_store(config)
    try:
        item = store.exception(exception_id)
        store.set_exception_status(exception_id, status, note=note)
    except RecordNotFound as exc:
        raise fail(str(exc)) from None
    store.record_event(
        item.record_type,
        item.business_key,
        status,
        correlation_id=item.workflow_id,
        message=note or f"exception {exception_id} {status} by an operator (CLI)",
    )
    console.print(f"exception {exception_id}: {status}")


Note = Annotated[str | None, typer.Option(help="Why; kept with the exception and on the timeline.")]


@exceptions_app.command("skip")
def exceptions_skip(exception_id: int, note: Note = None, config: ConfigFile = None) -> None:
    """Give up on a parked record on purpose (it stays visible as skipped)."""
    _set_exception_status(exception_id, "skipped", note, config)


@exceptions_app.command("resolve")
def exceptions_resolve(exception_id: int, note: Note = None, config: ConfigFile = None) -> None:
    """Mark a parked record as fixed by hand in the target system."""
    _set_exception_status(exception_id, "resolved", note, config)


@app.command()
def trace(
    system: Annotated[str, typer.Argument(help="shopify | netsuite | ... or 'any' for a business key")],
    record_id: Annotated[str, typer.Argument(help="That system's id, order number, SKU or e-mail")],
    config: ConfigFile = None,
) -> None:
    """The record's timeline across systems: every step, with ids and errors."""
    from rich.markup import escape
    from rich.table import Table

    store = _open_store(config)
    events = store.timeline(record_id, system=None if system == "any" else system)
    if not events:
        raise fail(f"nothing known about {system} id {record_id!r}", code=2)
    table = Table("time (UTC)", "record", "step", "system", "external id", "detail")
    for event in events:
        step_name = (event.detail or {}).get("step")
        detail = " — ".join(part for part in (step_name, event.message) if part)
        if event.error_class:
            detail = f"[{event.error_class}] {detail}"
        detail = escape(detail)  # "[data]" and platform messages are text, not Rich markup
        table.add_row(
            event.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
            f"{event.record_type} {event.business_key}",
            event.step,
            event.system or "",
            event.external_id or "",
            detail,
        )
    console.print(table)


def _age(moment: datetime) -> str:
    from datetime import UTC

    seconds = int((datetime.now(UTC) - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@app.command()
def demo(
    orders: Annotated[int, typer.Option(help="How many shopper orders to place.")] = 5,
    erp: Annotated[
        str, typer.Option(help="netsuite (the sandbox) | tryton (a real trytond, set up once)")
    ] = ("netsuite"),
    database: Annotated[
        Path, typer.Option(help="SQLite file for the demo's state (recreated at each run).")
    ] = Path("erpsync-demo.db"),
    serve: Annotated[
        bool, typer.Option("--serve", help="Then serve the dashboard over the demo until Ctrl-C.")
    ] = False,
    port: Annotated[int, typer.Option(help="Port of the dashboard with --serve.")] = 8080,
    headless: Annotated[
        bool,
        typer.Option(
            "--headless",
            help="Run --orders N orders (mixed: coupons, B2B, refunds, cancellations, a few bad ones) to "
            "completion; the last line is one JSON object of counts measured in the systems.",
        ),
    ] = False,
    shop_plan: Annotated[
        str, typer.Option(help="With --headless: the Shopify sandbox's plan (rate limit): standard | plus.")
    ] = "standard",
) -> None:
    """Order to cash between the Shopify and NetSuite sandboxes, on the embedded default (SQLite)."""
    from erpsync.demo import ERPS, run_demo

    if erp not in ERPS:
        raise fail(f"--erp must be one of {', '.join(ERPS)}")
    for leftover in database.parent.glob(f"{database.name}*"):
        leftover.unlink()
    if headless:
        _headless_demo(orders, erp, database, serve, shop_plan)
        return
    erp_kind = "the NetSuite sandbox" if erp == "netsuite" else "a real Tryton"
    console.print(
        f"[bold]erpsync demo[/]: the Shopify sandbox and {erp_kind} on loopback; state in {database}"
    )
    url = f"sqlite:///{database.resolve()}"
    then = (lambda env, report: _serve_demo(env, report, url, erp, port)) if serve else None
    report = run_demo(url, erp=erp, order_count=orders, say=console.print, then=then)
    if not serve:
        _print_demo_report(report, erp, database)


def _headless_demo(orders: int, erp: str, database: Path, serve: bool, shop_plan: str) -> None:
    import json

    from erpsync.demo_headless import run_headless

    if erp != "netsuite" or serve:
        raise fail("--headless runs on the NetSuite sandbox, without --serve")
    url = f"sqlite:///{database.resolve()}"
    figures = run_headless(
        url,
        order_count=orders,
        shop_plan=shop_plan,
        say=lambda line: console.print(line, highlight=False),
    )
    print(json.dumps(figures), flush=True)  # the last stdout line: one JSON object, never wrapped


def _print_demo_report(report: DemoReport, erp: str, database: Path) -> None:
    from rich.table import Table

    table = Table("Shopify order", "total", f"{erp} sales order", "fulfillments", "tracking")
    for line in report.orders:
        table.add_row(
            line["order"],
            line["total"],
            str(line["sales_order"]),
            str(line["fulfillments"]),
            line["tracking"],
        )
    console.print(table)
    if report.held_then_released:
        held = report.held_then_released
        console.print(
            f"held and released: order {held['order_id']} waited on {held['waited_on']} until the item was "
            f"added in NetSuite, then became sales order {held['sales_order']}"
        )
    console.print(
        f"{report.products} products, {report.inventory_levels} inventory levels, "
        f"{len(report.orders)} orders; open exceptions: {report.exceptions}. "
        f"Trace any record: erpsync trace shopify <order id> (with ERPSYNC_DATABASE_URL=sqlite:///{database})"
    )


def _serve_demo(env: DemoEnvironment, report: DemoReport, url: str, erp: str, port: int) -> None:
    """The dashboard and ops API over the demo's live engine, with a one-off admin login."""
    import secrets as random_secrets

    import uvicorn

    from erpsync.config import Settings
    from erpsync.web import add_user_command, create_app

    _print_demo_report(report, erp, Path(url.removeprefix("sqlite:///")))
    password = random_secrets.token_urlsafe(12)
    add_user_command(url, "demo", password, "admin")
    web = create_app(settings=Settings(database_url=url), store=env.hub.store, engine=env.engine)
    console.print(f"dashboard: http://127.0.0.1:{port} — user demo, password {password} (this run only)")
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="warning")


# --- running ---------------------------------------------------------------------------------------------
def _service(config: Path | None) -> Service:
    from erpsync.config import load_settings
    from erpsync.service import build_service

    try:
        return build_service(load_settings(config))
    except ConfigError as exc:
        raise fail(f"{exc}\n(run `erpsync config check` for every problem at once)") from None


@app.command()
def run(
    config: ConfigFile = None,
    host: Annotated[
        str, typer.Option(help="Address of the web app (dashboard, ops API, webhooks).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the web app.")] = 8080,
) -> None:
    """Web (dashboard, ops API, webhook endpoints) and workers in one process: the embedded default."""
    import threading

    import uvicorn

    from erpsync.alerts import Alerter
    from erpsync.observability import configure_logging, secrets_of
    from erpsync.web.app import create_app
    from erpsync.web.webhooks import shopify_webhook_router

    service = _service(config)
    configure_logging(secrets_of(service.settings))
    web = create_app(settings=service.settings, store=service.store, engine=service.engine)
    web.include_router(
        shopify_webhook_router(
            store=service.store, engine=service.engine, secrets=lambda: _webhook_secrets(service)
        )
    )
    alerter = Alerter.from_settings(service.settings, web.state.ops)
    service.engine.on_alert(alerter.engine_alert)
    service.engine.launch()
    stop_alerts = threading.Event()
    threading.Thread(target=alerter.run, args=(stop_alerts,), name="erpsync-alerts", daemon=True).start()
    console.print(f"erpsync: workers running, web on http://{host}:{port} (Ctrl-C stops)")
    try:
        uvicorn.run(web, host=host, port=port, log_level="warning")
    finally:
        stop_alerts.set()
        service.shutdown()


@app.command()
def worker(config: ConfigFile = None) -> None:
    """Workers only, for scale-out on PostgreSQL (give each a stable ERPSYNC_WORKER_ID)."""
    import signal
    import threading

    service = _service(config)
    if service.settings.database_url.startswith("sqlite"):
        raise fail("workers share queues through PostgreSQL; set ERPSYNC_DATABASE_URL=postgresql://...")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    service.engine.launch()
    console.print(f"erpsync worker {service.engine.worker_id}: running (SIGTERM stops)")
    stop.wait()
    service.shutdown()


@app.command()
def sync(
    flow: Annotated[str, typer.Argument(help="The flow to run once: catalog.")],
    initial: Annotated[
        bool, typer.Option("--initial", help="Initial load: the whole ERP catalog in bulk, then stock.")
    ] = False,
    chunk_size: Annotated[int, typer.Option(help="Products per bulk operation.")] = 5000,
    config: ConfigFile = None,
) -> None:
    """`erpsync sync catalog --initial`: load an empty store from the ERP with bulk operations."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from erpsync.flows.initial_load import LoadProgress, bulk_writer_of, initial_load

    if flow != "catalog" or not initial:
        raise fail("only `erpsync sync catalog --initial` is built (the flows' polls sync the rest)")
    service = _service(config)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("reading the ERP catalog", total=None)

            def show(state: LoadProgress) -> None:
                done = state.products_written + state.products_parked + state.products_unchanged
                description = (
                    f"catalog: {state.products_read} read, {state.products_written} written, "
                    f"{state.products_unchanged} unchanged, {state.products_parked} parked; "
                    f"stock: {state.levels_set} levels set"
                )
                total = None if state.phase == "catalog" else state.products_read
                bar.update(task, completed=done, total=total, description=description)

            writer = bulk_writer_of(service.hub)
            state = initial_load(service.hub, writer, chunk_size=chunk_size, progress=show)
    finally:
        service.shutdown()
    console.print_json(data=state.as_json())
    if state.products_parked:
        console.print(f"{state.products_parked} products parked: `erpsync exceptions list` shows why")


def _webhook_secrets(service: Service) -> list[str]:
    """The store connection's current webhook secret, then the previous one during a rotation."""
    for connection in service.settings.connections.values():
        if connection.platform == "shopify":
            secrets = connection.secrets()
            return [
                secrets[name].get_secret_value()
                for name in ("webhook_secret", "previous_webhook_secret")
                if name in secrets
            ]
    return []


@app.command()
def status(config: ConfigFile = None) -> None:
    """Flows, open exceptions and held records at a glance."""
    from collections import Counter

    from rich.table import Table

    from erpsync.config import load_settings

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    store = _open_store(config)
    open_exceptions = store.exceptions(status="open")
    by_flow = Counter(item.flow for item in open_exceptions)
    held = store.holds()
    held_by_flow = Counter(hold.flow for hold in held)
    table = Table("flow", "enabled", "trigger", "open exceptions", "held records")
    for name, flow in settings.flows.items():
        trigger = ", ".join(
            part
            for part in (
                "webhook" if flow.trigger.webhook else "",
                f"poll every {flow.trigger.poll_every_seconds}s" if flow.trigger.poll_every_seconds else "",
                f"cron {flow.trigger.cron}" if flow.trigger.cron else "",
            )
            if part
        )
        table.add_row(
            name, "yes" if flow.enabled else "no", trigger, str(by_flow[name]), str(held_by_flow[name])
        )
    console.print(table if settings.flows else "no flows configured in erpsync.yaml")
    classes = Counter(item.error_class for item in open_exceptions)
    console.print(
        f"open exceptions: {len(open_exceptions)} "
        f"({', '.join(f'{n} {c}' for c, n in classes.items()) or 'none'}); held records: {len(held)}"
    )


@exceptions_app.command("retry")
def exceptions_retry(
    exception_id: int,
    config: ConfigFile = None,
    payload: Annotated[
        Path | None, typer.Option(help="JSON file with a corrected payload (edit-and-retry).")
    ] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for the outcome.")] = 60.0,
) -> None:
    """Run a parked record again (optionally with a corrected payload) and report how it ended.

    It runs in this process: on SQLite, stop `erpsync run` first, or use the dashboard's retry button.
    """
    import json

    from erpsync.store import RecordNotFound

    service = _service(config)
    try:
        if payload is not None:
            service.store.edit_exception_payload(exception_id, json.loads(payload.read_text()))
        service.engine.launch()
        outcome = service.engine.retry_exception(exception_id).result(wait)
    except RecordNotFound as exc:
        raise fail(str(exc)) from None
    finally:
        service.shutdown()
    console.print(
        f"exception {exception_id}: retried, {outcome.status}"
        + (f" ({outcome.reason})" if outcome.reason else "")
    )


# --- users -----------------------------------------------------------------------------------------------
users_app = typer.Typer(help="Dashboard and API users (local accounts and API tokens).", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="viewer | operator | admin")] = "viewer",
    config: ConfigFile = None,
) -> None:
    """Add a user; the password is asked for (never on the command line, where shells keep history)."""
    from erpsync.web import add_user_command

    password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        console.print(add_user_command(_database_url(config), username, password, role))
    except ValueError as exc:
        raise fail(str(exc)) from None


@users_app.command("token")
def users_token(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'prometheus'.")] = "api",
    config: ConfigFile = None,
) -> None:
    """Create an API token for a user; it is printed once and stored only as a hash."""
    from erpsync.web import create_token_command

    try:
        token = create_token_command(_database_url(config), username, name)
    except (ValueError, LookupError) as exc:
        raise fail(str(exc)) from None
    typer.echo(token)


@app.command()
def tieout(
    day: Annotated[
        str | None, typer.Option("--date", help="The UTC day to tie out, YYYY-MM-DD (default today).")
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Also write the differences as CSV here.")
    ] = None,
    config: ConfigFile = None,
) -> None:
    """Store vs ERP for one day: orders and refunds matched by id, differences listed record by record.

    Exits 1 when there are differences, so a scheduler can alert on it.
    """
    from datetime import UTC, date

    from erpsync.flows import tieout as tie_out

    try:
        wanted = date.fromisoformat(day) if day else datetime.now(UTC).date()
    except ValueError:
        raise fail(f"--date must be YYYY-MM-DD, not {day!r}") from None
    service = _service(config)
    try:
        report = tie_out.run_tieout(service.hub, wanted)
    finally:
        service.shutdown()
    console.print(tie_out.summary(report))
    if csv_file is not None:
        csv_file.write_text(tie_out.to_csv(report))
        console.print(f"wrote {csv_file}")
    if report["rows"]:
        raise typer.Exit(1)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="budget-shopify | budget-netsuite | overhead | throughput | scaleout | initial-load"
        ),
    ],
) -> None:
    """Run a benchmark from the repository's bench/ (table on screen, JSON in bench/results/).

    Extra options go to the benchmark, e.g. `erpsync bench overhead --size 60`. Run from the repository root.
    """
    import sys

    if not (Path.cwd() / "bench" / "__main__.py").exists():
        raise fail(
            "benchmarks live in the repository's bench/ folder: run `erpsync bench` from the repository root"
        )
    sys.path.insert(0, str(Path.cwd()))
    from bench.__main__ import main as run_benchmark

    run_benchmark([name, *ctx.args])


if __name__ == "__main__":
    app()
