"""The one module that talks to SpiffWorkflow.

Everything else in SoMe-flyt sees plain data: a parsed bundle, a JSON state document,
ready human tasks, service calls the diagram asked for, and the next timer.
"""

from __future__ import annotations

import builtins
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR as SPIFF_BPMN_VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import TaskState

from engine.clock import add_duration, parse_moment
from engine.errors import DefinitionInvalid, WorkflowFailed

HUMAN_TASK_TYPES = frozenset({"UserTask", "ManualTask"})

# --- clock -----------------------------------------------------------------------------------
# SpiffWorkflow's timers read `datetime.now(timezone.utc)` from their own module. We give that
# module a datetime whose now() answers from a context variable, so a service call (or a test)
# decides what "now" is without sleeping or freezing the whole interpreter.
_engine_now: ContextVar[datetime | None] = ContextVar("someflyt_engine_now", default=None)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        fixed = _engine_now.get()
        if fixed is None:
            return datetime.now(tz)
        return fixed.astimezone(tz) if tz is not None else fixed.replace(tzinfo=None)


# Spiff fires a timer only when its due time is strictly before now; ours fire at the due time.
_AT_DUE_TIME = timedelta(microseconds=1)


@contextmanager
def engine_time(now: datetime) -> Iterator[None]:
    """Let SpiffWorkflow believe it is `now` for the duration of the block."""
    spiff_timer.datetime = _ClockedDatetime  # type: ignore[attr-defined]  (idempotent)
    token = _engine_now.set(now)
    try:
        yield
    finally:
        _engine_now.reset(token)


# --- parsed definitions ----------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceCall:
    """A side effect a service task asked for; applied by engine.effects in the same transaction."""

    operation: str
    params: dict[str, Any]
    data: dict[str, Any]
    element_id: str
    task_id: str  # the Spiff task that asked: unique per execution, so a stable idempotency key


@dataclass(frozen=True)
class ThrownMessage:
    """A BPMN message the instance sent and nothing inside it caught: the engine routes it."""

    name: str
    payload: Any


@dataclass(frozen=True)
class ParsedBundle:
    process_id: str
    spec: Any
    subprocess_specs: dict[str, Any]


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


def parse_bundle(process_id: str, files: Mapping[str, bytes]) -> ParsedBundle:
    """Parse the BPMN and DMN files of one bundle into specs (no validation beyond Spiff's)."""
    parser = SpiffBpmnParser()
    try:
        for name, content in sorted(files.items()):
            if name.endswith(".bpmn"):
                parser.add_bpmn_xml(etree.fromstring(content), filename=name)
            elif name.endswith(".dmn"):
                parser.add_dmn_xml(etree.fromstring(content), filename=name)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except SpiffWorkflowException as exc:
        raise DefinitionInvalid([_spiff_message(exc)]) from exc
    except etree.XMLSyntaxError as exc:
        raise DefinitionInvalid([f"malformed XML: {exc}"]) from exc
    return ParsedBundle(process_id, spec, subprocess_specs)


def schema_problems(name: str, root: etree._Element) -> list[str]:
    """Validate against the BPMN 2.0 XSD (with SpiffWorkflow's extension schema)."""
    try:
        SPIFF_BPMN_VALIDATOR.validate(root, name)
    except SpiffWorkflowException as exc:
        line = getattr(exc, "line_number", None) or "?"
        return [f"{name}: line {line}: not valid BPMN 2.0: {str(exc).strip().rstrip('.')}"]
    return []


def _spiff_message(exc: SpiffWorkflowException) -> str:
    parts = [str(exc)]
    for attr in ("file_name", "id", "line_number"):
        value = getattr(exc, attr, None)
        if value:
            parts.append(f"{attr}={value}")
    return ", ".join(parts)


# --- the script engine -------------------------------------------------------------------------


# What diagram expressions and scripts may call. Not a sandbox (DESIGN.md): deployment also
# rejects imports and dunder access, and only reviewed diagrams are deployed.
_SCRIPT_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "abs",
        "all",
        "any",
        "bool",
        "dict",
        "enumerate",
        "float",
        "int",
        "isinstance",
        "len",
        "list",
        "max",
        "min",
        "range",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
        "True",
        "False",
        "None",
    )
}


def due_after(moment: str, duration: str) -> str:
    """The ISO moment `duration` after `moment`, for timers measured from a data field, e.g.
    `<bpmn:timeDate>due_after(received_at, "PT24H")</bpmn:timeDate>` (an SLA that counts from
    when an inquiry came in, not from when the waiting task started). "P1WD" is one working
    day: `due_after(asked_at, "P1WD")` (engine.clock.working_days_after)."""
    return add_duration(parse_moment(moment), duration).isoformat()


# Functions of our own that diagram expressions may call, beside the builtins above.
SCRIPT_FUNCTIONS = {"due_after": due_after}


class _RecordingScriptEngine(PythonScriptEngine):
    """Evaluates diagram expressions; service tasks are recorded, not executed, here."""

    def __init__(self) -> None:
        super().__init__(
            environment=TaskDataEnvironment({"__builtins__": _SCRIPT_BUILTINS, **SCRIPT_FUNCTIONS})
        )
        self.calls: list[ServiceCall] = []

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):  # type: ignore[override]
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        self.calls.append(
            ServiceCall(
                operation_name, params, dict(task.data), task.task_spec.bpmn_id, str(task.id)
            )
        )
        return json.dumps({"recorded": True})


# --- spec-less serialization --------------------------------------------------------------------


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Stores a workflow without its spec; the spec comes from the cached definition."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, bundle: ParsedBundle | None = None):
        if bundle is None:
            raise ValueError("a spec-less workflow needs its bundle to be restored")
        workflow = self.target_class(bundle.spec, bundle.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_STATE_VERSION = "someflyt-1"
_local = threading.local()


def _serializer() -> BpmnWorkflowSerializer:
    """Serializers are not thread-safe: one per thread."""
    serializer = getattr(_local, "serializer", None)
    if serializer is None:
        registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
        _SpeclessWorkflowConverter(BpmnWorkflow, registry)
        serializer = BpmnWorkflowSerializer(registry)
        _local.serializer = serializer
    return serializer


def dump_state(workflow: BpmnWorkflow) -> str:
    dct = _serializer().to_dict(workflow)
    dct["state_version"] = _STATE_VERSION
    return json.dumps(dct, separators=(",", ":"))


def load_state(bundle: ParsedBundle, state: str) -> BpmnWorkflow:
    dct = json.loads(state)
    version = dct.pop("state_version", None)
    if version != _STATE_VERSION:
        raise WorkflowFailed(f"unknown state version {version!r}")
    workflow = _serializer().registry.restore(dct, bundle=bundle)
    workflow.script_engine = _RecordingScriptEngine()
    return workflow


# --- acting on a workflow -----------------------------------------------------------------------


def start_workflow(
    bundle: ParsedBundle, data: dict[str, Any], now: datetime
) -> tuple[BpmnWorkflow, Snapshot]:
    workflow = BpmnWorkflow(
        bundle.spec, bundle.subprocess_specs, script_engine=_RecordingScriptEngine()
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
        raise WorkflowFailed(_spiff_message(exc)) from exc
    return _advance(workflow, now)


def fire_timers(workflow: BpmnWorkflow, now: datetime) -> Snapshot:
    before = _waiting_timer_ids(workflow)
    snapshot = _advance(workflow, now)  # its refresh fires what is due
    after = _waiting_timer_ids(workflow)
    snapshot.fired_timers = sorted(
        element for task_id, element in before.items() if task_id not in after
    )
    return snapshot


def deliver_message(
    workflow: BpmnWorkflow, name: str, payload: Any, now: datetime
) -> Snapshot | None:
    """Give a message to the event waiting for it; None if nothing in the workflow waits."""
    waiting = [
        task
        for task in workflow.get_tasks(state=TaskState.WAITING)
        if isinstance(getattr(task.task_spec, "event_definition", None), MessageEventDefinition)
        and task.task_spec.event_definition.name == name
    ]
    if not waiting:
        return None
    # The waiting task's own definition, so the parser's variant (and its variable) matches.
    event = BpmnEvent(waiting[0].task_spec.event_definition, payload=payload)
    try:
        with engine_time(now):
            workflow.send_event(event)
    except SpiffWorkflowException as exc:
        raise WorkflowFailed(_spiff_message(exc)) from exc
    return _advance(workflow, now)


def _waiting_timer_ids(workflow: BpmnWorkflow) -> dict[str, str]:
    return {
        str(task.id): task.task_spec.bpmn_id
        for task in workflow.get_tasks(state=TaskState.WAITING)
        if _is_timer(task)
    }


def _is_timer(task) -> bool:
    event_definition = getattr(task.task_spec, "event_definition", None)
    return isinstance(event_definition, spiff_timer.TimerEventDefinition)


def _advance(workflow: BpmnWorkflow, now: datetime) -> Snapshot:
    engine: _RecordingScriptEngine = workflow.script_engine
    engine.calls = []
    try:
        with engine_time(now):
            workflow.do_engine_steps()
        with engine_time(now + _AT_DUE_TIME):
            workflow.refresh_waiting_tasks()
        with engine_time(now):
            workflow.do_engine_steps()
    except SpiffWorkflowException as exc:
        raise WorkflowFailed(_spiff_message(exc)) from exc
    # Taken (and so emptied) before the state is saved: the saved state keeps Spiff's pending
    # events, and a message left there would be sent again at every later step.
    messages = [
        ThrownMessage(event.event_definition.name, event.payload)
        for event in workflow.get_events()
        if isinstance(event.event_definition, MessageEventDefinition)
    ]
    return Snapshot(
        state=dump_state(workflow),
        completed=workflow.is_completed(),
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
    return last.task_spec.bpmn_name or last.task_spec.bpmn_id


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


# Spiff's names for timers; a timeDate one ("TimeDateEventDefinition") does not end in "Timer…".
_TIMER_EVENT_TYPES = frozenset(
    {"TimerEventDefinition", "TimeDateEventDefinition", "DurationTimerEventDefinition"}
)


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    due: list[datetime] = []
    for event in workflow.waiting_events():
        if event.event_type in _TIMER_EVENT_TYPES and isinstance(event.value, str):
            try:
                due.append(datetime.fromisoformat(event.value).astimezone(UTC))
            except ValueError:
                continue
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
