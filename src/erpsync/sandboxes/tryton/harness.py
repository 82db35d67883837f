"""Install, prepare, start and stop a real ``trytond`` for tests, the demo and anyone who wants one.

Three steps, each cached so that only the first run pays:

1. ``ensure_tryton_venv()``: a virtualenv of its own at ``./.venv-tryton`` (Tryton's dependencies must
   not mix with erpsync's) with the pinned ``TRYTON_REQUIREMENTS``; reused while its stamp matches them.
2. ``ensure_template_database()``: an SQLite database with the modules activated and a company, chart of
   accounts, fiscal year, payment term and seed products (``setup_database.py``), kept as a template under
   the venv and rebuilt when the requirements or the setup script change.
3. ``running_tryton()``: copies the template into a fresh temporary folder and serves it with ``trytond`` on
   127.0.0.1 and a free port; stops the server and removes the copy on exit.

    with running_tryton() as server:
        print(server.url, server.database, server.login, server.password)

Any failure raises ``TrytonHarnessError`` with the step's output, so a test using it fails (never skips).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

# Its own virtualenv, in the working directory unless ERPSYNC_TRYTON_VENV says otherwise (the repository root
# for the tests; git ignores it).
TRYTON_VENV = Path(os.environ.get("ERPSYNC_TRYTON_VENV", Path.cwd() / ".venv-tryton")).resolve()
SETUP_SCRIPT = Path(__file__).with_name("setup_database.py")
DATABASE_NAME = "erpsync"
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "erpsync-admin-pw"  # a throwaway database on loopback only
TRYTON_SERIES = "8.2"
TRYTON_REQUIREMENTS = [
    f"trytond~={TRYTON_SERIES}.0",
    *(
        f"trytond-{module}~={TRYTON_SERIES}.0"
        for module in (
            "party",
            "company",
            "currency",
            "country",
            "product",
            "stock",
            "account",
            "account-product",
            "account-invoice",
            "account-invoice-stock",
            "sale",
        )
    ),
    f"proteus~={TRYTON_SERIES}.0",
]
MODULES = ["sale", "account_invoice_stock"]  # the rest are their dependencies
START_TIMEOUT_S = 60.0


class TrytonHarnessError(RuntimeError):
    """A step of installing, preparing or starting Tryton failed; the message carries its output."""


@dataclass(frozen=True)
class TrytonServer:
    """A running trytond: JSON-RPC at ``url`` + ``/<database>/``, the admin user's credentials."""

    url: str
    database: str
    login: str
    password: str
    process: subprocess.Popen[bytes]


def _fingerprint() -> str:
    digest = hashlib.sha256("\n".join(TRYTON_REQUIREMENTS).encode())
    digest.update(SETUP_SCRIPT.read_bytes())
    return digest.hexdigest()[:16]


def _run(step: str, command: list[str], *, env: dict[str, str] | None = None, timeout: float = 600) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise TrytonHarnessError(f"{step} timed out after {timeout:.0f} s: {' '.join(command)}") from exc
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-4000:]
        raise TrytonHarnessError(f"{step} failed (exit {done.returncode}): {' '.join(command)}\n{output}")


def venv_python() -> Path:
    return TRYTON_VENV / "bin" / "python"


@contextmanager
def _installing() -> Iterator[None]:
    """One process at a time installs Tryton or builds the template (parallel test workers, two demos)."""
    TRYTON_VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(TRYTON_VENV.parent / f"{TRYTON_VENV.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_tryton_venv() -> Path:
    """The Tryton virtualenv's python, creating and installing it on first use."""
    with _installing():
        return _ensure_tryton_venv()


def _ensure_tryton_venv() -> Path:
    stamp = TRYTON_VENV / ".requirements"
    wanted = "\n".join(TRYTON_REQUIREMENTS)
    if venv_python().exists() and stamp.exists() and stamp.read_text() == wanted:
        return venv_python()
    _run("creating the Tryton virtualenv", [sys.executable, "-m", "venv", str(TRYTON_VENV)])
    _run(
        "installing Tryton from PyPI",
        [str(venv_python()), "-m", "pip", "install", "--quiet", *TRYTON_REQUIREMENTS],
    )
    # git then ignores the folder with no entry in the repository's .gitignore (python 3.13's venv does this)
    (TRYTON_VENV / ".gitignore").write_text("*\n")
    stamp.write_text(wanted)
    return venv_python()


def tryton_environment(database_dir: Path) -> dict[str, str]:
    """trytond reads its configuration from ``TRYTOND_<SECTION>__<OPTION>`` variables as well as a file."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRYTOND_")}
    env.update(
        TRYTOND_DATABASE__URI="sqlite://",
        TRYTOND_DATABASE__PATH=str(database_dir),
        # Argon2 hashing costs ~0.1 s per login; pbkdf2 keeps the tests' logins cheap.
        TRYTOND_PASSWORD__CONTEXT="pbkdf2_sha512",
    )
    return env


def ensure_template_database() -> Path:
    """The folder holding the prepared template database, building it when missing or stale."""
    python = ensure_tryton_venv()
    with _installing():
        return _ensure_template_database(python)


def _ensure_template_database(python: Path) -> Path:
    template_dir = TRYTON_VENV / "template" / _fingerprint()
    if (template_dir / f"{DATABASE_NAME}.sqlite").exists():
        return template_dir
    building = Path(tempfile.mkdtemp(prefix="tryton-template-", dir=TRYTON_VENV))
    try:
        _build_database(python, building)
        for stale in template_dir.parent.glob("*"):  # templates of older requirements or setup scripts
            if stale != template_dir:
                shutil.rmtree(stale, ignore_errors=True)
        template_dir.parent.mkdir(parents=True, exist_ok=True)
        try:
            building.rename(template_dir)
        except OSError:
            if not (template_dir / f"{DATABASE_NAME}.sqlite").exists():  # not a concurrent build that won
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return template_dir


def _build_database(python: Path, database_dir: Path) -> None:
    (database_dir / f"{DATABASE_NAME}.sqlite").touch()
    password_file = database_dir / "admin-password"
    password_file.write_text(ADMIN_PASSWORD)
    env = {**tryton_environment(database_dir), "TRYTONPASSFILE": str(password_file)}
    admin = str(python.with_name("trytond-admin"))
    _run(
        "initialising the Tryton database and activating its modules",
        [
            admin,
            "-d",
            DATABASE_NAME,
            "-u",
            *MODULES,
            "--activate-dependencies",
            "--email",
            "admin@example.com",
        ],
        env=env,
    )
    _run("preparing the Tryton company", [str(python), str(SETUP_SCRIPT), "-d", DATABASE_NAME], env=env)
    password_file.unlink()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_tryton() -> Iterator[TrytonServer]:
    """A trytond serving a fresh copy of the template database on 127.0.0.1, stopped on exit."""
    template_dir = ensure_template_database()
    with tempfile.TemporaryDirectory(prefix="tryton-db-") as workdir:
        database_dir = Path(workdir)
        shutil.copy(template_dir / f"{DATABASE_NAME}.sqlite", database_dir)
        port = free_port()
        env = {**tryton_environment(database_dir), "TRYTOND_WEB__LISTEN": f"127.0.0.1:{port}"}
        log = (database_dir / "trytond.log").open("wb")
        process = subprocess.Popen(
            # -d loads the database's modules at start: trytond 8.2 answers a login that arrives before its
            # pool is loaded with KeyError 'res.user' (the pool is registered empty by the login's own
            # transaction), and the first request is not slowed by loading them.
            [str(venv_python().with_name("trytond")), "-d", DATABASE_NAME],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(url, process, database_dir / "trytond.log")
            yield TrytonServer(url, DATABASE_NAME, ADMIN_LOGIN, ADMIN_PASSWORD, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TrytonHarnessError(
                f"trytond exited with {process.returncode}:\n{log_path.read_text()[-4000:]}"
            )
        try:
            answer = httpx.post(
                f"{url}/rpc/", json={"id": 0, "method": "common.server.version", "params": []}
            )
            if answer.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TrytonHarnessError(f"trytond did not answer on {url} within {START_TIMEOUT_S:.0f} s")
