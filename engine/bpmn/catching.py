"""What a workflow's waiting events hold, read from the waiting tasks themselves.

SpiffWorkflow's `waiting_events()` hides the timers and messages behind an event-based gateway
(the gateway waits with one MultipleEventDefinition and no value), and a repeating timer
(`timeCycle`) is one waiting task whose next due time moves on at each repetition. So the
timers and the message a case waits for are read here from each waiting task's event
definition, or from each of the gateway's. The message an event subprocess starts on is
waited for too, by the process that holds it.

Two rules of event subprocesses SpiffWorkflow leaves out are kept by `settle`, after every
step: one whose start event interrupts (BPMN's default) ends the rest of its scope when it
starts (Spiff runs it beside the rest); and one that has not started ends with its scope (a
timer one would otherwise keep a finished case running until its timer fires).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task, TaskState


@dataclass(frozen=True)
class PendingTimer:
    """A timer a waiting task holds: the element it belongs to and when it is due next."""

    task_id: str
    element_id: str
    due: datetime
    left: int | None = None  # a repeating timer's repetitions to come (-1: no end)
    every: float | None = None  # and the seconds between them

    def repetitions_until(self, later: PendingTimer | None) -> int:
        """How many times this timer fired by the time it is `later` (None: it is gone)."""
        if self.left is None:
            return 0 if later is not None and later.due == self.due else 1
        if later is None:
            return max(self.left, 1)
        if self.left >= 0 and later.left is not None and later.left >= 0:
            return self.left - later.left
        return round((later.due - self.due).total_seconds() / (self.every or 1))


def _waiting(workflow: BpmnWorkflow) -> list[Task]:
    # The top workflow's event manager holds every waiting catching task, subprocesses' too.
    return [t for t in workflow.event_manager.tasks.values() if t.state == TaskState.WAITING]


def _definitions(task: Task) -> Iterator[tuple[str, Any]]:
    """(element id, event definition) of what the task waits for: an event-based gateway's
    are those of the events after it, in the order of its outputs."""
    definition = task.task_spec.event_definition
    if isinstance(definition, MultipleEventDefinition):
        outputs = task.task_spec.outputs
        for index, each in enumerate(definition.event_definitions):
            element = outputs[index].bpmn_id if index < len(outputs) else task.task_spec.bpmn_id
            yield element, each
    else:
        yield task.task_spec.bpmn_id, definition


def _moment(value: Any) -> datetime | None:
    if isinstance(value, dict):  # a repeating timer: {"cycles": left, "next": …, "duration": s}
        value = value.get("next") if value.get("cycles") != 0 else None
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        return None


def pending_timers(workflow: BpmnWorkflow) -> list[PendingTimer]:
    """Every timer of a waiting task with a known due time (Spiff computes it on the task's
    first evaluation and keeps it in the task's `event_value`)."""
    pending = []
    for task in _waiting(workflow):
        for element, definition in _definitions(task):
            if not isinstance(definition, TimerEventDefinition):
                continue
            value = task.internal_data.get("event_value")
            due = _moment(value)
            if due is None:
                continue
            if isinstance(value, dict):  # repeating
                left, every = value.get("cycles"), value.get("duration")
                pending.append(PendingTimer(str(task.id), element, due, left, every))
            else:
                pending.append(PendingTimer(str(task.id), element, due))
    return pending


def refresh_conditions(workflow: BpmnWorkflow) -> None:
    """Evaluate the conditions of waiting conditional events again: SpiffWorkflow evaluates
    one only when its task is reached, so a condition that became true later went unseen."""
    for task in _waiting(workflow):
        if isinstance(task.task_spec.event_definition, ConditionalEventDefinition):
            task.task_spec._update(task)


def message_definition(workflow: BpmnWorkflow, name: str) -> MessageEventDefinition | None:
    """The definition of the message `name` as something in the workflow waits for it (the
    parser's own variant, so its payload lands where that parser puts it), or None."""
    for task in _waiting(workflow):
        for _element, definition in _definitions(task):
            if isinstance(definition, MessageEventDefinition) and definition.name == name:
                return definition
    start = workflow.spec.start
    for spec_name in getattr(start, "trigger_specs", ()):
        for event in workflow.subprocess_specs[spec_name].bpmn_start_events:
            definition = event.event_definition
            if isinstance(definition, MessageEventDefinition) and definition.name == name:
                return definition
    return None


_ACTIVE = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR


def settle(workflow: BpmnWorkflow) -> bool:
    """Apply both rules (see the module's docstring); whether anything was cancelled."""
    changed = False
    idle: dict[int, list[Task]] = {}
    for subprocess in list(workflow.subprocesses.values()):
        holder = workflow.get_task_from_id(subprocess.parent_task_id)
        if holder is None or holder.parent is None or holder.has_state(TaskState.FINISHED_MASK):
            continue
        # Only the start events of event subprocesses carry `interrupting` (engine.bpmn.parsing).
        starts = [t for t in subprocess.get_tasks() if hasattr(t.task_spec, "interrupting")]
        if not starts:
            continue
        if any(t.task_spec.interrupting and t.state & _FIRED for t in starts):
            for sibling in list(holder.parent.children):
                if sibling is not holder and _unfinished(sibling):
                    sibling.cancel()
                    changed = True
        elif all(t.state == TaskState.WAITING for t in starts):
            idle.setdefault(id(holder.workflow), []).append(holder)
    for holders in idle.values():
        changed |= _end_with_scope(holders)
    return changed


_FIRED = TaskState.READY | TaskState.COMPLETED


def _unfinished(task: Task) -> bool:
    return any(not t.has_state(TaskState.FINISHED_MASK) for t in task)


def _end_with_scope(holders: list[Task]) -> bool:
    """Cancel event subprocesses that never started once nothing else in their scope runs."""
    scope = holders[0].workflow
    waiting_ones = {task.id for holder in holders for task in holder}
    ends = {scope.spec.end.name, "End"}
    tasks = [t for t in scope.get_tasks() if t.workflow is scope]
    if any(
        t.state & _ACTIVE and t.id not in waiting_ones and t.task_spec.name not in ends
        for t in tasks
    ):
        return False
    for holder in holders:
        holder.cancel()
    for task in tasks:  # the end join waited for them: let it look again
        if task.state == TaskState.WAITING and task.task_spec.name in ends:
            task.task_spec._update(task)
    return True
