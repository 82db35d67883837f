"""A private PostgreSQL server for one test: ``initdb`` and ``pg_ctl`` from Debian's packages into a temporary
folder, on a free loopback port, so a test may restart it without touching the shared server on :5432.

Missing server binaries are a failure naming the package, never a skip: CI machines (``python-svc``) have
Debian's PostgreSQL 15 server installed, and the suite must prove what it claims there.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from glob import glob
from pathlib import Path

import pytest

INITDB_OPTIONS = ["-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]
PACKAGE_HINT = (
    "the PostgreSQL server binaries (initdb, pg_ctl) are not under /usr/lib/postgresql/*/bin: "
    "install Debian's package `postgresql` (apt-get install postgresql) — the test needs a server of its own"
)


def server_binaries() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl."""
    found = [
        Path(initdb).parent
        for initdb in glob("/usr/lib/postgresql/*/bin/initdb")
        if (Path(initdb).parent / "pg_ctl").exists()
    ]
    if not found:
        pytest.fail(PACKAGE_HINT, pytrace=False)
    return max(found, key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)


@dataclass
class PrivateServer:
    bin: Path
    data: Path
    port: int
    log: Path
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str, timeout: float = 60) -> None:
        command = [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise AssertionError(
                f"pg_ctl {' '.join(args)} failed: {done.stderr or done.stdout}\n{self.tail()}"
            )

    def restart(self) -> None:
        """A fast restart (``-m fast``: open sessions are ended, as in a failover or an upgrade)."""
        self.pg_ctl("restart", "-m", "fast", "-w")

    def tail(self) -> str:
        return self.log.read_text()[-2000:] if self.log.exists() else ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def private_postgres(max_connections: int = 60) -> Iterator[PrivateServer]:
    """Start a throwaway server (trust auth, fsync off), yield it, stop it and delete its files."""
    binaries = server_binaries()
    folder = Path(tempfile.mkdtemp(prefix="erpsync-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as the packaged postgres user
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail(f"running as root and there is no `postgres` user: {PACKAGE_HINT}", pytrace=False)
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    server = PrivateServer(binaries, folder / "data", _free_port(), folder / "server.log", as_user)
    try:
        subprocess.run(
            [*as_user, str(binaries / "initdb"), *INITDB_OPTIONS, "-D", str(server.data)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        options = f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += f" -c max_connections={max_connections}"
        server.pg_ctl("start", "-w", "-o", options)
        yield server
    finally:
        if (server.data / "postmaster.pid").exists():
            server.pg_ctl("stop", "-m", "immediate", "-w")
        shutil.rmtree(folder, ignore_errors=True)
