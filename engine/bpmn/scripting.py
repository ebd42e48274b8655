"""The script engine that evaluates a diagram's expressions and scripts.

It runs every one through the restricted evaluator (engine.bpmn.sandbox) with our own
functions (SCRIPT_FUNCTIONS, e.g. `due_after` for timers that count from a data field), and it
records the calls of service tasks as ServiceCall values instead of running them:
engine.cases.effects applies them in the same transaction as the step that asked.
Every workflow, started or restored, runs with one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.task import Task

from engine.bpmn.sandbox import SandboxEnvironment
from engine.clock import add_duration, parse_moment


@dataclass(frozen=True)
class ServiceCall:
    """A side effect a service task asked for; engine.cases.effects applies it in the step's
    transaction."""

    operation: str
    params: dict[str, Any]
    data: dict[str, Any]
    element_id: str
    task_id: str  # the Spiff task that asked: unique per execution, so a stable idempotency key


def due_after(moment: str, duration: str) -> str:
    """The ISO moment `duration` after `moment`, for timers measured from a data field, e.g.
    `<bpmn:timeDate>due_after(received_at, "PT24H")</bpmn:timeDate>` (an SLA that counts from
    when an inquiry came in, not from when the waiting task started). "P1WD" is one working
    day: `due_after(asked_at, "P1WD")` (engine.clock.working_days_after)."""
    return add_duration(parse_moment(moment), duration).isoformat()


# Functions of our own that diagram expressions may call, beside the sandbox's builtins.
SCRIPT_FUNCTIONS = {"due_after": due_after}


# SpiffWorkflow is untyped (pyproject.toml), so its base class is Any to mypy.
class RecordingScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """Evaluates diagram expressions; service tasks are recorded, not executed, here."""

    def __init__(self) -> None:
        super().__init__(environment=SandboxEnvironment(SCRIPT_FUNCTIONS))
        self.calls: list[ServiceCall] = []

    def call_service(
        self,
        task: Task,
        operation_name: str,  # Spiff's service task always passes its operator's id
        operation_params: dict[str, dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> str:
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        self.calls.append(
            ServiceCall(
                operation_name, params, dict(task.data), task.task_spec.bpmn_id, str(task.id)
            )
        )
        return json.dumps({"recorded": True})
