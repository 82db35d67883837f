"""What a flow sees while it runs: its record's identity, durable steps, idempotency keys, holds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from erpsync.engine import runtime
from erpsync.engine.policy import Action, Decision, RetryPolicy
from erpsync.observability.metrics import STEP_LATENCY

if TYPE_CHECKING:
    from erpsync.engine.engine import Engine

T = TypeVar("T")

# Steps the engine itself runs inside a flow (timeline, holds, parking) carry this prefix.
ENGINE_STEP = "erpsync."


class HoldRequested(Exception):
    """Raised by :meth:`FlowContext.wait_for` to end the run; the engine turns it into a hold."""

    def __init__(self, prerequisite: str) -> None:
        super().__init__(f"waits on {prerequisite}")
        self.prerequisite = prerequisite


class StepFailed(Exception):
    """A step's failure after the retry policy gave up on it; the engine parks, holds or pauses."""

    def __init__(self, step: str, attempts: int, error: BaseException, decision: Decision) -> None:
        super().__init__(f"step {step} failed after {attempts} attempt(s): {error}")
        self.step = step
        self.attempts = attempts
        self.error = error
        self.action = decision.action
        self.reason = decision.reason
        self.prerequisite = decision.prerequisite


class FlowContext:
    """Handed to every flow function as its first argument.

    >>> def order_to_erp(ctx: FlowContext, order: dict) -> str:
    ...     ctx.wait_for(f"customer:{order['customer']}")
    ...     key = ctx.idempotency_key("create_sales_order")
    ...     return ctx.step("create_sales_order", netsuite.upsert_sales_order, order, key)
    """

    def __init__(
        self,
        engine: Engine,
        *,
        flow: str,
        record_type: str,
        business_key: str,
        origin_id: str,
        policy: RetryPolicy,
        system: str = "",
    ) -> None:
        self._engine = engine
        self.flow = flow
        self.system = system  # the target system: the flow's queue (metrics label)
        self.record_type = record_type
        self.business_key = business_key
        self._origin_id = origin_id
        self._policy = policy

    @property
    def workflow_id(self) -> str:
        return runtime.current_workflow_id()

    @property
    def correlation_id(self) -> str:
        """Ties every timeline event of this run together: the workflow id."""
        return self.workflow_id

    def idempotency_key(self, step: str) -> str:
        """The key an external write of ``step`` must carry (steps are at-least-once).

        Built from the record's first workflow id, so a retry of a parked record (a new workflow) sends the
        same key and the target system sees the same write. One key per distinct write: in a loop, name the
        item (``ctx.idempotency_key(f"create_line:{line['id']}")``), or the target keeps only the first.
        """
        return f"{self._origin_id}:{step}"

    def step(self, name: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` as a durable step: done once, its result kept; retried by the flow's policy.

        A crash while it runs makes it run again on recovery, so external writes use
        :meth:`idempotency_key`.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                outcome: T = runtime.run_step(name, self._written, name, attempt, fn, args, kwargs)
            except Exception as error:
                if runtime.is_engine_error(error):
                    raise
                decision = self._policy.decide(error, attempt)
                if decision.action is Action.RETRY:
                    self.event(
                        "retried",
                        error=error,
                        detail={"step": name, "attempt": attempt, "delay_s": round(decision.delay, 3)},
                    )
                    runtime.sleep(decision.delay)
                    continue
                self.event(
                    "failed",
                    error=error,
                    detail={"step": name, "attempt": attempt, "decision": decision.action.value},
                )
                raise StepFailed(name, attempt, error, decision) from error
            return outcome

    def _written(
        self, name: str, attempt: int, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        # The "written" event shares the step's checkpoint (one round trip less per step); a crash between
        # the two shows the step twice on the timeline, which is what happened.
        started = time.perf_counter()
        outcome = fn(*args, **kwargs)
        STEP_LATENCY.labels(flow=self.flow, system=self.system, step=name).observe(
            time.perf_counter() - started
        )
        self._engine.records.event(
            self.record_type,
            self.business_key,
            "written",
            correlation_id=self.workflow_id,
            detail={"step": name, "attempt": attempt},
        )
        return outcome

    def wait_for(self, prerequisite: str) -> None:
        """Hold this record until ``prerequisite`` (``"<record_type>:<business_key>"``) has been completed.

        Returns at once when a flow already completed it; otherwise the run ends here, the record is held
        visibly, and it runs again from the start when the prerequisite completes.
        """
        done = runtime.bookkeeping(
            f"{ENGINE_STEP}prerequisite_done", self._engine.prerequisite_completed, prerequisite
        )
        if not done:
            raise HoldRequested(prerequisite)

    def event(
        self,
        step: str,
        *,
        error: BaseException | None = None,
        message: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Add an event to this record's timeline (as a step: not repeated when the flow is recovered)."""
        runtime.bookkeeping(
            f"{ENGINE_STEP}timeline.{step}",
            self._engine.records.event,
            self.record_type,
            self.business_key,
            step,
            correlation_id=self.workflow_id,
            error=error,
            message=message,
            detail=detail,
        )
