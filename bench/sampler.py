"""A small wall-clock sampler of every thread running an erpsync flow, for ``python -m bench ... --profile``:
pyinstrument follows only the thread it starts on, and the engine runs flows on DBOS's worker threads.

Every ``interval`` seconds it takes each thread's stack (``sys._current_frames``), keeps the threads inside a
flow (a frame of ``erpsync/engine/engine.py`` ``_run``), and counts, per function, the samples it appears in
(inclusive) and is on top of (self). Wall-clock, not CPU: waiting on the network or a lock counts too.

It also keeps a CPU profile of *every* thread of the process (flows, DBOS's queue pollers, the main thread):
at each tick, the CPU time each thread used since the last tick (its own clock, ``pthread_getcpuclockid``,
Linux) is charged to the functions on its stack now. Statistical, like any sampler: a function that runs
between two ticks is charged only when it is on the stack at a tick.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter, defaultdict
from types import FrameType

FLOW_FRAME = ("erpsync/engine/engine.py", "_run")


class FlowSampler:
    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.samples = 0
        self.ticks = 0
        self.inclusive: Counter[str] = Counter()
        self.own: Counter[str] = Counter()
        self.cpu_inclusive: defaultdict[str, float] = defaultdict(float)  # CPU seconds, every thread
        self.cpu_own: defaultdict[str, float] = defaultdict(float)
        self.cpu_by_thread: defaultdict[str, float] = defaultdict(float)
        self._cpu_seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-sampler", daemon=True)

    def __enter__(self) -> FlowSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval):
            self.ticks += 1
            names = {thread.ident: thread.name for thread in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident != me:
                    self._sample(frame)
                    self._charge_cpu(ident, names.get(ident, "?"), frame)

    def _charge_cpu(self, ident: int, thread_name: str, top: FrameType) -> None:
        try:
            used = time.clock_gettime(time.pthread_getcpuclockid(ident))
        except (OSError, AttributeError):  # the thread just ended, or no per-thread clocks here
            return
        delta = used - self._cpu_seen.get(ident, used)
        self._cpu_seen[ident] = used
        if delta <= 0:
            return
        # Threads of a pool share a name prefix ("ThreadPoolExecutor-0_3"): grouped by it.
        self.cpu_by_thread[thread_name.rsplit("_", 1)[0]] += delta
        names = []
        frame: FrameType | None = top
        while frame is not None:
            names.append(f"{_short(frame.f_code.co_filename)}:{frame.f_code.co_name}")
            frame = frame.f_back
        self.cpu_own[names[0]] += delta
        for name in set(names):
            self.cpu_inclusive[name] += delta

    def _sample(self, top: FrameType) -> None:
        names: list[str] = []
        frame: FrameType | None = top
        in_flow = False
        while frame is not None:
            code = frame.f_code
            in_flow = in_flow or (code.co_filename.endswith(FLOW_FRAME[0]) and code.co_name == FLOW_FRAME[1])
            names.append(f"{_short(code.co_filename)}:{code.co_name}")
            frame = frame.f_back
        if not in_flow:
            return
        self.samples += 1
        self.own[names[0]] += 1
        self.inclusive.update(set(names))

    def report(self, top: int = 40) -> str:
        busy = self.samples / self.ticks if self.ticks else 0.0
        lines = [
            f"{self.samples} samples of flow threads in {self.ticks} ticks of {self.interval * 1000:g} ms "
            f"(wall clock): on average {busy:.1f} flows were running",
            "",
        ]
        lines.append(f"{'inclusive':>9} {'self':>6}  function")
        for name, count in self.inclusive.most_common(top):
            lines.append(f"{count / self.samples:9.1%} {self.own[name] / self.samples:6.1%}  {name}")
        total = sum(self.cpu_by_thread.values())
        if total > 0:
            lines += ["", f"CPU of every thread but the sampler: {total:.2f} s", "", "CPU by thread:"]
            for thread, used in _largest(self.cpu_by_thread, len(self.cpu_by_thread)):
                lines.append(f"{used / total:9.1%}  {thread}")
            lines += ["", "CPU by function, every thread:", f"{'inclusive':>9} {'self':>6}  function"]
            for name, used in _largest(self.cpu_inclusive, top * 2):
                lines.append(f"{used / total:9.1%} {self.cpu_own[name] / total:6.1%}  {name}")
        return "\n".join(lines)


def _largest(seconds: dict[str, float], count: int) -> list[tuple[str, float]]:
    return sorted(seconds.items(), key=lambda item: item[1], reverse=True)[:count]


def _short(filename: str) -> str:
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
