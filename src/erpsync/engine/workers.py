"""Dead-worker recovery: DBOS's open-source library only recovers a worker's own pending workflows when that
worker restarts; it never moves a dead machine's work elsewhere. So every worker heartbeats, and a worker
that sees another's heartbeat go stale puts that worker's pending workflows back on their queues.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from erpsync.engine.state import EngineState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WatchSettings:
    heartbeat_every: float = 5.0
    # Generous on purpose: a worker taken for dead while only slow has its flows run twice (safe, because
    # steps are idempotent, but wasteful).
    dead_after: float = 60.0


class WorkerWatch:
    """Beats for ``worker_id`` and recovers the pending workflows of workers that stopped beating."""

    def __init__(
        self,
        state: EngineState,
        worker_id: str,
        recover: Callable[[list[str]], int],
        settings: WatchSettings,
    ) -> None:
        self._state = state
        self._worker_id = worker_id
        self._recover = recover
        self._settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="erpsync-worker-watch", daemon=True)

    def start(self) -> None:
        self._state.beat(self._worker_id)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def check_once(self) -> list[str]:
        """Beat, then recover every stale worker; returns the workers recovered."""
        self._state.beat(self._worker_id)
        recovered: list[str] = []
        for dead in self._state.stale_workers(self._worker_id, self._settings.dead_after):
            # Recover first, forget after: DBOS recovery is idempotent (it only re-enqueues workflows still
            # PENDING on the dead executor), so two workers doing this at once is harmless.
            count = self._recover([dead])
            self._state.free_request_slots(dead)
            if self._state.forget_worker(dead, self._settings.dead_after):
                log.warning(
                    "worker %s stopped beating; put %d unfinished flows back on their queues", dead, count
                )
            recovered.append(dead)
        return recovered

    def _run(self) -> None:
        while not self._stop.wait(self._settings.heartbeat_every):
            try:
                self.check_once()
            except Exception:
                log.exception("worker heartbeat or dead-worker recovery failed; trying again next beat")
