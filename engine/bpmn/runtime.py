"""Acting on a workflow and reading it: the part of the SpiffWorkflow bridge the cases call.

Starting a workflow, completing a human task, firing due timers and delivering a message each
run the workflow on as far as it goes, under an injected "now", and return a Snapshot: the
saved state, the ready human tasks, the service calls and messages the step produced, and the
next timer. The rest of SoMe-flyt sees only that plain data. The bridge's other parts sit
beside this module: parsing bundles (engine.bpmn.parsing), the script engine
(engine.bpmn.scripting) and saving and restoring state (engine.bpmn.serialization); only
modules of engine.bpmn import SpiffWorkflow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import TaskState

from engine.bpmn.catching import (
    message_definition,
    pending_timers,
    refresh_conditions,
    settle,
)
from engine.bpmn.parsing import ParsedBundle, spiff_message
from engine.bpmn.scripting import RecordingScriptEngine, ServiceCall
from engine.bpmn.serialization import dump_state
from engine.errors import WorkflowFailed

# A plain bpmn:task (Spiff's NoneTask) is a manual task of its lane: someone marks it done.
HUMAN_TASK_TYPES = frozenset({"UserTask", "ManualTask", "NoneTask"})

# Repetitions of timers (timeCycle) one call fires at most: a sweep that comes late catches up
# on what fell due meanwhile, and the next sweep goes on where this one stopped.
MAX_TIMER_ROUNDS = 50

# --- clock -----------------------------------------------------------------------------------
# SpiffWorkflow's timers read `datetime.now(timezone.utc)` from their own module. We give that
# module a datetime whose now() answers from a context variable, so a service call (or a test)
# decides what "now" is without sleeping or freezing the whole interpreter.
_engine_now: ContextVar[datetime | None] = ContextVar("someflyt_engine_now", default=None)


class _ClockedDatetime(datetime):
    # override: a plain datetime, not this subclass (typeshed's Self); Spiff only compares it.
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        fixed = _engine_now.get()
        if fixed is None:
            return datetime.now(tz)
        return fixed.astimezone(tz) if tz is not None else fixed.replace(tzinfo=None)


# Spiff fires a timer only when its due time is strictly before now; ours fire at the due time.
_AT_DUE_TIME = timedelta(microseconds=1)


@contextmanager
def engine_time(now: datetime) -> Iterator[None]:
    """Let SpiffWorkflow believe it is `now` for the duration of the block."""
    spiff_timer.datetime = _ClockedDatetime  # idempotent
    token = _engine_now.set(now)
    try:
        yield
    finally:
        _engine_now.reset(token)


# --- what a step returns --------------------------------------------------------------------


@dataclass(frozen=True)
class ThrownMessage:
    """A BPMN message the instance sent and nothing inside it caught: the engine routes it."""

    name: str
    payload: Any


@dataclass(frozen=True)
class ReadyHumanTask:
    id: str
    element_id: str
    name: str
    lane: str | None


@dataclass
class Snapshot:
    """What the service layer needs after acting on a workflow."""

    state: str
    completed: bool
    outcome: str | None
    ready: list[ReadyHumanTask]
    next_timer_at: datetime | None
    data: dict[str, Any]
    service_calls: list[ServiceCall] = field(default_factory=list)
    fired_timers: list[str] = field(default_factory=list)
    messages: list[ThrownMessage] = field(default_factory=list)


# --- acting on a workflow -----------------------------------------------------------------------


def start_workflow(
    bundle: ParsedBundle, data: dict[str, Any], now: datetime
) -> tuple[BpmnWorkflow, Snapshot]:
    workflow = BpmnWorkflow(
        bundle.spec, bundle.subprocess_specs, script_engine=RecordingScriptEngine()
    )
    start = workflow.task_tree
    start.data.update(data)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    return workflow, _advance(workflow, now)


def complete_task(
    workflow: BpmnWorkflow, task_id: str, data: dict[str, Any], now: datetime
) -> Snapshot:
    task = workflow.get_task_from_id(UUID(task_id))
    # task.run() does not check the state itself (DESIGN.md): only READY human tasks may run.
    if task.state != TaskState.READY or task.task_spec.__class__.__name__ not in HUMAN_TASK_TYPES:
        raise WorkflowFailed(f"task {task_id} is not a ready human task")
    task.data.update(data)
    try:
        with engine_time(now):
            task.run()
    except SpiffWorkflowException as exc:  # e.g. a failing post-script
        raise WorkflowFailed(spiff_message(exc)) from exc
    return _advance(workflow, now)


def fire_timers(workflow: BpmnWorkflow, now: datetime) -> Snapshot:
    """Fire every timer due at `now`; a repeating one once for each repetition due."""
    fired: list[str] = []
    engine: RecordingScriptEngine = workflow.script_engine
    calls: list[ServiceCall] = []
    messages: list[ThrownMessage] = []
    for _round in range(MAX_TIMER_ROUNDS):
        due = [timer for timer in pending_timers(workflow) if timer.due <= now]
        snapshot = _advance(workflow, now)  # its refresh fires what is due
        calls += engine.calls
        messages += snapshot.messages
        after = {timer.task_id: timer for timer in pending_timers(workflow)}
        this_round = [
            timer.element_id
            for timer in due
            for _ in range(timer.repetitions_until(after.get(timer.task_id)))
        ]
        fired += this_round
        if not this_round or not any(timer.due <= now for timer in after.values()):
            break
    snapshot.fired_timers = sorted(fired)
    snapshot.service_calls, snapshot.messages = calls, messages
    return snapshot


def deliver_message(
    workflow: BpmnWorkflow, name: str, payload: Any, now: datetime
) -> Snapshot | None:
    """Give a message to the event waiting for it (a catch event, an event-based gateway,
    or the start of an event subprocess); None if nothing in the workflow waits for it."""
    definition = None if workflow.is_completed() else message_definition(workflow, name)
    if definition is None:
        return None
    # The waiting task's own definition, so the parser's variant (and its variable) matches.
    event = BpmnEvent(definition, payload=payload)
    try:
        with engine_time(now):
            workflow.send_event(event)
            settle(workflow)
    except SpiffWorkflowException as exc:
        raise WorkflowFailed(spiff_message(exc)) from exc
    return _advance(workflow, now)


def _advance(workflow: BpmnWorkflow, now: datetime) -> Snapshot:
    engine: RecordingScriptEngine = workflow.script_engine
    engine.calls = []
    try:
        with engine_time(now):
            workflow.do_engine_steps()
            settle(workflow)
        with engine_time(now + _AT_DUE_TIME):
            workflow.refresh_timers()
            refresh_conditions(workflow)
            settle(workflow)
        with engine_time(now):
            workflow.do_engine_steps()
            while settle(workflow):  # an event subprocess ended: what follows it may run
                workflow.do_engine_steps()
    except SpiffWorkflowException as exc:
        raise WorkflowFailed(spiff_message(exc)) from exc
    # Taken (and so emptied) before the state is saved: the saved state keeps Spiff's pending
    # events, and a message left there would be sent again at every later step.
    messages = [
        ThrownMessage(event.event_definition.name, event.payload)
        for event in workflow.get_events()
        if isinstance(event.event_definition, MessageEventDefinition)
    ]
    # is_completed() marks the workflow completed when it finds it so: ask before saving.
    completed = workflow.is_completed()
    return Snapshot(
        state=dump_state(workflow),
        completed=completed,
        outcome=_outcome(workflow),
        ready=ready_human_tasks(workflow),
        next_timer_at=next_timer_at(workflow),
        data=current_data(workflow),
        service_calls=list(engine.calls),
        messages=messages,
    )


def _outcome(workflow: BpmnWorkflow) -> str | None:
    """The name of the end event the process finished on, once it has finished."""
    if not workflow.is_completed():
        return None
    ends = [
        task
        for task in workflow.get_tasks(state=TaskState.COMPLETED)
        if task.task_spec.__class__.__name__ == "EndEvent"
    ]
    if not ends:
        return None
    last = max(ends, key=lambda task: task.last_state_change)
    name: str | None = last.task_spec.bpmn_name or last.task_spec.bpmn_id  # Spiff's str fields
    return name


def current_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The process data now: what a waiting human task sees, else what the last step left."""
    ready = workflow.get_tasks(state=TaskState.READY)
    task = ready[0] if ready else workflow.last_task or workflow.task_tree
    return dict(task.data)


def ready_human_tasks(workflow: BpmnWorkflow) -> list[ReadyHumanTask]:
    return [
        ReadyHumanTask(
            id=str(task.id),
            element_id=task.task_spec.bpmn_id,
            name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
            lane=task.task_spec.lane,
        )
        for task in workflow.get_tasks(state=TaskState.READY)
        if task.task_spec.__class__.__name__ in HUMAN_TASK_TYPES
    ]


def task_data(workflow: BpmnWorkflow, task_id: str) -> dict[str, Any]:
    return dict(workflow.get_task_from_id(UUID(task_id)).data)


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    """When the next timer is due: any waiting timer's, an event-based gateway's and the next
    repetition of a repeating one's included (engine.bpmn.catching)."""
    due = [timer.due for timer in pending_timers(workflow)]
    return min(due) if due else None


@dataclass(frozen=True)
class ElementStates:
    """Diagram element ids by what happened to them, for marking the diagram."""

    completed: list[str]
    current: list[str]


def element_states(workflow: BpmnWorkflow) -> ElementStates:
    completed: set[str] = set()
    current: set[str] = set()
    active = TaskState.READY | TaskState.STARTED | TaskState.WAITING
    for task in workflow.get_tasks():
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue  # Spiff's own helper specs (Start, End, boundary splits) have no element
        if task.state == TaskState.COMPLETED:
            completed.add(bpmn_id)
        elif task.state & active and task.task_spec.__class__.__name__ != "BoundaryEvent":
            current.add(bpmn_id)
    # A step done once and waiting again (a returned application) is current.
    return ElementStates(completed=sorted(completed - current), current=sorted(current))
