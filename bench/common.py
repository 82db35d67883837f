"""What every benchmark shares: sandboxes served in a subprocess (so their CPU is not ours), request
counting on a connector's HTTP client, CPU clocks, the result table and its JSON file."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

RESULTS_DIR = Path(__file__).parent / "results"
READY_TIMEOUT = 60.0


@dataclass
class SandboxProcess:
    """One sandbox served by ``erpsync sandbox <platform> --port 0`` in its own process."""

    platform: str
    url: str
    credentials: dict[str, Any]
    process: subprocess.Popen[str] | None  # None: served by another process than the one that started it

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call the sandbox's ``/_sandbox/`` control API."""
        response = httpx.request(method, f"{self.url}/_sandbox/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def cpu_seconds(self) -> float:
        if self.process is None:
            raise RuntimeError(f"the {self.platform} sandbox was not started by this process")
        return process_cpu_seconds(self.process.pid)

    def ready_line(self) -> str:
        """The ready line again, for another process to reach this sandbox."""
        return json.dumps({"platform": self.platform, "url": self.url, "credentials": self.credentials})


def erpsync_command() -> str:
    """The ``erpsync`` script next to this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "erpsync"
    return str(beside) if beside.exists() else "erpsync"


@contextmanager
def sandbox_process(platform_name: str, *, seed: int | None = None) -> Iterator[SandboxProcess]:
    """Start the sandbox, wait for its JSON ready line (DESIGN decision 6), stop it after."""
    command = [erpsync_command(), "sandbox", platform_name, "--port", "0"]
    if seed is not None:
        command += ["--seed", str(seed)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"`{' '.join(command)}` exited before printing its ready line")
        ready = json.loads(line)
        yield SandboxProcess(platform_name, ready["url"], ready["credentials"], process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process, from /proc (Linux), children not included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def own_cpu_seconds() -> float:
    """CPU seconds of this process (all threads)."""
    return time.process_time()


@dataclass
class RequestCounter:
    """Counts the requests a connector sends and the answers by status, through an httpx event hook."""

    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    started_at: float = field(default_factory=time.monotonic)
    answered_at: list[float] = field(default_factory=list)  # monotonic time of every answer

    def attach(self, http: httpx.Client) -> None:
        http.event_hooks.setdefault("request", []).append(self._on_request)
        http.event_hooks.setdefault("response", []).append(self._on_response)

    def _on_request(self, request: httpx.Request) -> None:
        self.sent += 1

    def _on_response(self, response: httpx.Response) -> None:
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        self.answered_at.append(time.monotonic())

    def reset(self) -> None:
        self.sent, self.statuses, self.answered_at = 0, {}, []

    def middle_rate(self, share: float = 0.8) -> float | None:
        """Answers per second over the middle ``share`` of the answers: the run without its start-up and
        its tail (the last flows finishing leave slots idle)."""
        times = sorted(self.answered_at)
        skip = int(len(times) * (1 - share) / 2)
        window = times[skip : len(times) - skip]
        if len(window) < 2 or window[-1] <= window[0]:
            return None
        return (len(window) - 1) / (window[-1] - window[0])


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu_model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        # Other people's work on a shared machine: the 1, 5 and 15 minute load averages when written.
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def write_result(name: str, result: dict[str, Any]) -> Path:
    """Write ``bench/results/<name>-<UTC time>.json`` and ``<name>-latest.json``; return the first."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    document = {"benchmark": name, "measured_at": stamp, "machine": machine(), **result}
    text = json.dumps(document, indent=2, default=str)
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(text)
    (RESULTS_DIR / f"{name}-latest.json").write_text(text)
    return path


def print_table(title: str, rows: list[tuple[str, Any]], console: Console | None = None) -> None:
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for label, value in rows:
        table.add_row(label, f"{value:.3f}" if isinstance(value, float) else str(value))
    (console or Console()).print(table)
