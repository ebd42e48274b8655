"""What a workflow waits for, and whether it can go on at all.

A case waits for messages, signals and timers: intermediate catch events, receive tasks,
boundary events on its steps, the alternatives of an event-based gateway, a message start
event that has not fired yet, and the start events of event subprocesses. `waiting_for` lists
them from SpiffWorkflow's own register of waiting tasks (its event manager), so nothing the
engine would catch is left out. `stuck_reasons` says why a case that is not finished can never
go on: no step is offered to a person, and nothing it waits for can come (a join whose other
branch was never taken, a timer with no due time, only an error no step will throw).

`catching_tasks` finds the waiting tasks an event from outside is for — by name, or by element
id for a catch event without a messageRef (whose message has no name), and by correlation —
and `deliver` hands the event to exactly those tasks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.base import EventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task, TaskState

from engine.bpmn.catching import pending_timers

MESSAGE = "message"
SIGNAL = "signal"
TIMER = "timer"
# What someone outside the case can send in (the message and signal API, the CLI).
SENDABLE = frozenset({MESSAGE, SIGNAL})
# A plain bpmn:task (Spiff's NoneTask) is a manual task of its lane: someone marks it done.
HUMAN_TASK_TYPES = frozenset({"UserTask", "ManualTask", "NoneTask"})


@dataclass(frozen=True)
class Waiting:
    """One thing a case waits for.

    `name` is the message's or signal's name (None for a message catch without a messageRef:
    only its element id addresses it); for a timer, the event's name. `correlation` maps each
    correlation property of a message to the value this case holds for it (None while the
    case holds none yet, so any value is taken). `boundary`: attached to a step, which it
    interrupts or accompanies; `gateway`: the event-based gateway it is an alternative of;
    `task_id` is "" for the start of an event subprocess, which no task holds until it starts.
    """

    kind: str
    name: str | None
    element_id: str
    task_id: str
    correlation: dict[str, Any] = field(default_factory=dict)
    due_at: datetime | None = None
    boundary: bool = False
    gateway: str | None = None
    # The start event of an event subprocess: the event starts it (no task waits yet).
    starts_subprocess: bool = False


@dataclass(frozen=True)
class Stuck:
    """Why a case cannot go on, with the elements concerned (codes in engine.texts)."""

    code: str
    elements: tuple[str, ...] = ()


def kind_of(definition: EventDefinition) -> str:
    """message, signal, timer, error, escalation, conditional … (Spiff's class names)."""
    if isinstance(definition, TimerEventDefinition):
        return TIMER  # timeDate, timeDuration and timeCycle alike
    if isinstance(definition, MessageEventDefinition):
        return MESSAGE
    return type(definition).__name__.removesuffix("EventDefinition").lower()


def _definitions(task: Task) -> Iterator[tuple[EventDefinition, str]]:
    """The event definitions a waiting task catches, each with the element it stands for: an
    event-based gateway holds the definitions of the catch events after it (Spiff moves them
    there), in the order of its outgoing flows."""
    spec = task.task_spec
    definition = spec.event_definition
    if isinstance(definition, MultipleEventDefinition):
        outputs = spec.outputs if _is_gateway(task) else []
        for index, inner in enumerate(definition.event_definitions):
            element = outputs[index].bpmn_id if index < len(outputs) else spec.bpmn_id
            yield inner, element
    elif not isinstance(definition, NoneEventDefinition):
        yield definition, spec.bpmn_id


def _is_gateway(task: Task) -> bool:
    return type(task.task_spec).__name__ == "EventBasedGateway"


def waiting_for(workflow: BpmnWorkflow) -> list[Waiting]:
    """Everything the workflow waits for, in a stable order (element, then kind)."""
    if workflow.is_completed():
        return []
    # The due times the timer sweep uses (engine.bpmn.catching): a page shows what will fire.
    due = {(t.task_id, t.element_id): t.due for t in pending_timers(workflow)}
    found: list[Waiting] = []
    for task in _waiting_tasks(workflow):
        for definition, element in _definitions(task):
            kind = kind_of(definition)
            found.append(
                Waiting(
                    kind=kind,
                    name=definition.name,
                    element_id=element,
                    task_id=str(task.id),
                    correlation=_expected(task.workflow, definition) if kind == MESSAGE else {},
                    due_at=due.get((str(task.id), element)) if kind == TIMER else None,
                    boundary=type(task.task_spec).__name__ == "BoundaryEvent",
                    gateway=task.task_spec.bpmn_id if _is_gateway(task) else None,
                )
            )
    waiting_ids = {w.element_id for w in found}
    for start in _subprocess_starts(workflow):
        if start.bpmn_id in waiting_ids:  # started before, and its start event waits again
            continue
        definition = start.event_definition
        kind = kind_of(definition)
        found.append(
            Waiting(
                kind=kind,
                name=definition.name,
                element_id=start.bpmn_id,
                task_id="",
                correlation=_expected(workflow, definition) if kind == MESSAGE else {},
                starts_subprocess=True,
            )
        )
    return sorted(found, key=lambda w: (w.element_id, w.kind, w.task_id))


def _subprocess_starts(workflow: BpmnWorkflow) -> list[Any]:
    """The start events of the process's event subprocesses that an event starts (message,
    signal, error, escalation): Spiff holds them as triggers of the process, not as tasks."""
    start = workflow.spec.start
    return [
        event
        for name in getattr(start, "trigger_specs", ())
        for event in workflow.subprocess_specs[name].bpmn_start_events
    ]


def _waiting_tasks(workflow: BpmnWorkflow) -> list[Task]:
    tasks: dict[Any, Task] = workflow.event_manager.tasks
    return [task for task in tasks.values() if task.state == TaskState.WAITING]


def _expected(workflow: Any, definition: MessageEventDefinition) -> dict[str, Any]:
    """Correlation property -> the value the (sub)workflow holds under the key that uses it."""
    held: dict[str, dict[str, Any]] = workflow.correlations
    expected: dict[str, Any] = {}
    for prop in definition.correlation_properties:
        values = [held.get(key, {}).get(prop.name) for key in prop.correlation_keys or [None]]
        expected[prop.name] = next((v for v in values if v is not None), None)
    return expected


def stuck_reasons(workflow: BpmnWorkflow, waiting: list[Waiting]) -> list[Stuck]:
    """Why the case can never go on; [] while a person has a step or something can still come
    (a message or signal someone may send, a timer with its due time)."""
    if workflow.is_completed():
        return []
    ready = workflow.get_tasks(state=TaskState.READY | TaskState.STARTED)
    if any(type(task.task_spec).__name__ in HUMAN_TASK_TYPES for task in ready):
        return []
    if any(w.kind in SENDABLE or (w.kind == TIMER and w.due_at) for w in waiting):
        return []
    reasons: list[Stuck] = []
    not_run = _elements(task for task in ready if not isinstance(task.task_spec, SubWorkflowTask))
    if not_run:  # e.g. a plain task, or another engine's service task, that nothing runs
        reasons.append(Stuck("stuck_step_not_offered", not_run))
    no_due = tuple(sorted({w.element_id for w in waiting if w.kind == TIMER}))
    if no_due:
        reasons.append(Stuck("stuck_timer_without_due_time", no_due))
    internal = tuple(sorted({w.element_id for w in waiting if w.kind != TIMER}))
    if internal:  # an error or escalation only a step of the case could throw
        reasons.append(Stuck("stuck_internal_event_only", internal))
    if not reasons:  # e.g. a parallel join whose other branch went elsewhere
        joins = _elements(
            task
            for task in workflow.get_tasks(state=TaskState.WAITING)
            if type(task.task_spec).__name__.endswith("Gateway")
        )
        reasons.append(Stuck("stuck_nothing_to_wait_for", joins))
    return reasons


def _elements(tasks: Iterator[Task]) -> tuple[str, ...]:
    return tuple(sorted({bpmn_id for task in tasks if (bpmn_id := task.task_spec.bpmn_id)}))


# --- delivering an event from outside ------------------------------------------------------------


def matches(waiting: Waiting, correlation: dict[str, Any], data: dict[str, Any]) -> bool:
    """Whether an event with these correlation keys is for this wait. A key is a correlation
    property of the message (a value the case does not hold yet takes any), or — for a message
    without that property, as Camunda correlates on process variables — a field of the data
    the waiting step sees."""
    for key, value in correlation.items():
        if key in waiting.correlation:
            expected = waiting.correlation[key]
            if expected is not None and expected != value:
                return False
        elif key not in data or data[key] != value:
            return False
    return True


def _addressed(
    definition: EventDefinition, element: str, name: str | None, element_id: str | None
) -> bool:
    """By element id: that element, whatever its name if it has none or none was given; else
    by name."""
    if element_id is not None:
        return element == element_id and (name is None or definition.name in (None, name))
    return bool(definition.name == name)


def catching_tasks(
    workflow: BpmnWorkflow,
    kind: str,
    name: str | None,
    *,
    element_id: str | None = None,
    correlation: dict[str, Any] | None = None,
) -> list[tuple[Task, EventDefinition]]:
    """The waiting tasks (with the definition each catches) an event is for. With an element
    id, that element's waits of this kind, whatever their name if they have none or none was
    given; else the waits of this kind and name."""
    found: list[tuple[Task, EventDefinition]] = []
    for task in _waiting_tasks(workflow):
        for definition, element in _definitions(task):
            if kind_of(definition) != kind or not _addressed(definition, element, name, element_id):
                continue
            wait = Waiting(
                kind,
                definition.name,
                element,
                str(task.id),
                correlation=_expected(task.workflow, definition) if kind == MESSAGE else {},
            )
            if matches(wait, correlation or {}, task.data):
                found.append((task, definition))
    return found


def subprocess_triggers(
    workflow: BpmnWorkflow,
    kind: str,
    name: str | None,
    *,
    element_id: str | None = None,
    correlation: dict[str, Any] | None = None,
) -> list[EventDefinition]:
    """The definitions of the event subprocess start events an event starts (matched as
    catching_tasks matches waiting tasks, against the data of the process)."""
    if workflow.is_completed():  # a finished case starts nothing more
        return []
    found = []
    for start in _subprocess_starts(workflow):
        definition = start.event_definition
        if kind_of(definition) != kind:
            continue
        if not _addressed(definition, start.bpmn_id, name, element_id):
            continue
        expected = _expected(workflow, definition) if kind == MESSAGE else {}
        wait = Waiting(kind, definition.name, start.bpmn_id, "", correlation=expected)
        if matches(wait, correlation or {}, workflow.data):
            found.append(definition)
    return found


def waits_for(
    workflow: BpmnWorkflow,
    kind: str,
    name: str | None,
    *,
    element_id: str | None = None,
    correlation: dict[str, Any] | None = None,
) -> bool:
    """Whether the event would be taken: by a waiting task or an event subprocess it starts."""
    return bool(
        catching_tasks(workflow, kind, name, element_id=element_id, correlation=correlation)
        or subprocess_triggers(workflow, kind, name, element_id=element_id, correlation=correlation)
    )


def start_subprocesses(workflow: BpmnWorkflow, definitions: list[EventDefinition]) -> None:
    """Start the event subprocesses of these start events as Spiff's event manager does for
    an event it is sent; their start events then wait to catch it (catching_tasks)."""
    for definition in definitions:
        event = BpmnEvent(definition, correlations=dict(workflow.correlations))
        workflow.event_manager.update_collaboration(event)


def deliver(
    targets: list[tuple[Task, EventDefinition]], payload: Any, correlation: dict[str, Any]
) -> None:
    """Give the event to each target as Spiff's event manager would after its own matching.
    The correlation values are part of the message (BPMN retrieves correlation properties from
    its content), so a property the payload lacks is added to it: the value given, else the
    one the case holds (the sender may leave out keys when only one case waits)."""
    for task, definition in targets:
        content = payload
        if isinstance(definition, MessageEventDefinition) and isinstance(payload, dict):
            expected = _expected(task.workflow, definition)
            held = {k: v for k, v in expected.items() if v is not None}
            content = held | dict(correlation) | payload
        # The correlations the case holds: this delivery was matched already (catching_tasks),
        # and Spiff's own check inside an event-based gateway compares them again.
        correlations = dict(task.workflow.correlations)
        event = BpmnEvent(definition, payload=content, correlations=correlations)
        task.task_spec.catch(task, event)
        task.task_spec._update(task)
