"""Columns and rows derived from a workflow snapshot; never edited by hand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.bpmn.runtime import Snapshot
from engine.bpmn.waiting import SENDABLE, Waiting
from engine.clock import add_duration, parse_moment
from engine.delivery.notifications import add_notification, is_confidential, task_details
from engine.extensions import installed
from engine.people.absence_routing import record_routing, route_new_task
from engine.people.context import InstanceContext
from engine.people.lanes import mapped_lanes, resolve_lane, separated
from engine.store.models import (
    EventSubscription,
    HumanTask,
    HumanTaskCandidate,
    ProcessDefinition,
    ProcessInstance,
)
from engine.texts.titles import render_template, title_facts


def sync_human_tasks(
    session: Session,
    instance: ProcessInstance,
    definition: ProcessDefinition,
    snapshot: Snapshot,
    actor: str,
    completed_task_id: str | None,
    now: datetime,
) -> None:
    """Close rows whose task is no longer ready, open rows for newly ready tasks."""
    open_rows = {
        row.id: row
        for row in session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.status == "open"
            )
        )
    }
    ready_ids = {task.id for task in snapshot.ready}
    for row_id, row in open_rows.items():
        if row_id in ready_ids:
            continue
        row.status = "completed" if row_id == completed_task_id else "cancelled"
        row.candidate_rows = []  # the candidate table indexes open tasks only
        row.completed_by = actor if row_id == completed_task_id else None
        row.completed_at = now
    elements = definition.task_meta["elements"]
    ctx = InstanceContext(
        started_by=instance.started_by,
        data=snapshot.data,
        starter_acts=bool(definition.task_meta.get("starter_acts")),
    )
    lanes = installed().lanes | mapped_lanes(definition.task_meta.get("lane_roles", {}))
    for task in snapshot.ready:
        if task.id in open_rows:
            continue
        element = elements.get(task.element_id, {})
        rule, named = resolve_lane(task.lane, ctx, session, lanes)
        if element.get("separate_from"):  # four eyes: who did that step may not do this one
            done_by = _completed_by(session, instance.id, element["separate_from"])
            rule, named = separated(rule, done_by, instance.started_by, session)
        routing = route_new_task(session, rule, named, now)  # G2b: absent people left out
        # A handler someone chose (assigneeFrom) takes it if they may and are here.
        chosen = ctx.data.get(element["assignee_from"]) if element.get("assignee_from") else None
        assignee = chosen if chosen in routing.candidates else routing.assignee
        row = HumanTask(
            id=task.id,
            instance_id=instance.id,
            process_id=instance.process_id,
            element_id=task.element_id,
            name=task.name,
            lane=task.lane,
            candidate_rule=rule,
            status="open",
            created_at=now,
            created_by=actor,
            due_at=due_at(element, snapshot.data, now),
            assignee=assignee,
        )
        row.candidate_rows = [
            HumanTaskCandidate(username=name) for name in sorted(routing.candidates)
        ]
        session.add(row)
        record_routing(session, row, routing, actor, now)
        # Everyone who may take it hears that it waits; a deputy standing in hears why.
        standing_in = assignee is not None and assignee == routing.assignee
        ready = element.get("ready_template") or "task_ready"  # e.g. "publish the notice"
        template = "task_assigned_for_absence" if standing_in else ready
        for name in [assignee] if assignee else sorted(routing.candidates):
            add_notification(
                session,
                f"{template}:{task.id}:{name}",
                name,
                template,
                instance,
                now,
                confidential=is_confidential(snapshot.data),
                **task_details(row),
            )


def _completed_by(session: Session, instance_id: int, element_id: str) -> set[str]:
    """Who completed the latest task of a diagram element in this instance (four eyes)."""
    name = session.scalar(
        select(HumanTask.completed_by)
        .where(
            HumanTask.instance_id == instance_id,
            HumanTask.element_id == element_id,
            HumanTask.status == "completed",
        )
        .order_by(HumanTask.completed_at.desc())
        .limit(1)
    )
    return {name} if name else set()


def due_at(element: dict[str, Any], data: dict[str, Any], now: datetime) -> datetime | None:
    """dueIn after the moment in the data field dueFrom names (e.g. when an inquiry was
    received), or after now when the task has no dueFrom or the field is empty. dueIn may count
    working days ("P1WD")."""
    due_in = element.get("due_in")
    if not due_in:
        return None
    start = now
    if element.get("due_from") and data.get(element["due_from"]):
        try:
            start = parse_moment(str(data[element["due_from"]]))
        except ValueError:
            start = now
    return add_duration(start, due_in)


def update_instance(
    instance: ProcessInstance, definition: ProcessDefinition, snapshot: Snapshot, now: datetime
) -> None:
    instance.state = snapshot.state
    account_id = snapshot.data.get("account_id")
    instance.account_id = account_id if isinstance(account_id, int) else None
    instance.next_timer_at = snapshot.next_timer_at
    if snapshot.completed and instance.status == "running":
        instance.status = "completed"
        instance.outcome = snapshot.outcome
        instance.ended_at = now
    meta = definition.task_meta
    template = meta.get("title_template")
    title = render_template(template, snapshot.data)
    if title:  # the facts beside the Nynorsk title, for a reader of another language
        instance.title, instance.title_facts = title, title_facts(template, snapshot.data)
    elif instance.title == definition.name:  # named by its process until its data names it
        instance.title_facts = {}
    instance.business_key = render_template(meta.get("business_key_template"), snapshot.data)


def sync_event_subscriptions(
    session: Session, instance: ProcessInstance, waiting: list[Waiting]
) -> None:
    """Rewrite the messages and signals the case waits for (a finished case: none)."""
    session.execute(delete(EventSubscription).where(EventSubscription.instance_id == instance.id))
    session.add_all(
        EventSubscription(
            instance_id=instance.id,
            kind=wait.kind,
            name=wait.name,
            element_id=wait.element_id,
            correlation=wait.correlation,
        )
        for wait in waiting
        if wait.kind in SENDABLE
    )
