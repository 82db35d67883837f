"""A small wall-clock sampler of every thread running an erpsync flow, for ``python -m bench ... --profile``:
pyinstrument follows only the thread it starts on, and the engine runs flows on DBOS's worker threads.

Every ``interval`` seconds it takes each thread's stack (``sys._current_frames``), keeps the threads inside a
flow (a frame of ``erpsync/engine/engine.py`` ``_run``), and counts, per function, the samples it appears in
(inclusive) and is on top of (self). Wall-clock, not CPU: waiting on the network or a lock counts too.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from types import FrameType

FLOW_FRAME = ("erpsync/engine/engine.py", "_run")


class FlowSampler:
    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.samples = 0
        self.ticks = 0
        self.inclusive: Counter[str] = Counter()
        self.own: Counter[str] = Counter()
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
            for ident, frame in sys._current_frames().items():
                if ident != me:
                    self._sample(frame)

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
        return "\n".join(lines)


def _short(filename: str) -> str:
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
