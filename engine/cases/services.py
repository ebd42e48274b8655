"""Use cases: one function each, one transaction each. Views, Celery jobs and the CLI call these."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bootstrap import Engine
from engine.bpmn import runtime
from engine.bpmn.definitions import (
    collect_bundles,
    deploy_bundles,
    latest_definition,
    latest_definitions_started_by,
)
from engine.cases.effects import START_PROCESS, apply_service_calls
from engine.cases.projections import sync_human_tasks, update_instance
from engine.delivery.notifications import add_notification, is_confidential, task_details
from engine.errors import (
    FormInvalid,
    NotFound,
    PermissionDenied,
    TaskAlreadyCompleted,
    WorkflowFailed,
)
from engine.forms import validation as forms
from engine.people.absence_routing import without_absent
from engine.people.absences import absent_users
from engine.people.lanes import ROLES, candidates_for, get_user, includes_starter, is_read_only
from engine.store import audit
from engine.store.models import (
    Account,
    HumanTask,
    HumanTaskCandidate,
    ProcessDefinition,
    ProcessInstance,
    User,
    UserRole,
)

SYSTEM = "system"


# --- definitions -------------------------------------------------------------------------------


def deploy_definitions(
    eng: Engine, paths: list[Path] | None = None, actor: str = SYSTEM
) -> list[dict[str, Any]]:
    """Validate every bundle first; store none of them unless all are valid."""
    bundles = collect_bundles(paths or [eng.settings.workflows_dir])
    with eng.transaction() as session:
        results = deploy_bundles(session, bundles, actor, eng.clock.now())
    return [vars(r) for r in results]


def deploy_uploaded(eng: Engine, uploads: dict[str, bytes], actor: str) -> list[dict[str, Any]]:
    """Deploy uploaded BPMN files (with any DMN and form files beside them). Forms and tables
    not uploaded are taken from the workflows folder, so a changed diagram alone is enough.
    Only admins deploy from the web (the CLI is for those with the server's shell)."""
    with eng.reading() as session:
        if "admin" not in _acting_user(session, actor).role_names:
            raise PermissionDenied("Berre administratorar kan gjere dette.", "admin_only")
    if not any(name.endswith(".bpmn") for name in uploads):
        raise FormInvalid({"files": ("no_files", {})})
    with tempfile.TemporaryDirectory(prefix="someflyt-upload-") as tmp:
        folder = Path(tmp)
        if eng.settings.workflows_dir.is_dir():
            shutil.copytree(eng.settings.workflows_dir, folder, dirs_exist_ok=True)
        for bpmn in folder.glob("*/*.bpmn"):  # only the uploaded diagrams are deployed
            bpmn.unlink()
        # Each diagram goes into its process folder (a new one for a new process); the forms
        # and tables uploaded with it go beside it.
        diagrams = [Path(name).name for name in uploads if name.endswith(".bpmn")]
        for name, content in uploads.items():
            leaf = Path(name).name
            homes = [leaf] if leaf.endswith(".bpmn") else diagrams
            for diagram in homes:
                home = folder / Path(diagram).stem
                target = home / ("forms" if leaf.endswith(".json") else "") / leaf
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
        return deploy_definitions(eng, [folder], actor)


def step_form(eng: Engine, definition: ProcessDefinition, name: str | None) -> dict[str, Any]:
    """The step's form; a step without one accepts no fields at all."""
    return eng.cache.form(definition, name) if name else {"type": "object"}


# --- instances ---------------------------------------------------------------------------------


def start_process(eng: Engine, process_id: str, username: str, data: dict[str, Any]) -> int:
    with eng.transaction() as session:
        actor = _acting_user(session, username)
        return open_instance(eng, session, process_id, actor, data).id


def open_instance(
    eng: Engine,
    session: Session,
    process_id: str,
    starter: User,
    data: dict[str, Any],
    *,
    context: forms.FormContext | None = None,
    via: str | None = None,
    audit_detail: dict[str, Any] | None = None,
) -> ProcessInstance:
    """Validate the start form and start an instance in the caller's transaction.

    `starter` owns the case (started_by, the Søkjar lane). `via` names who really acted when
    that is not the starter (a connector token posting on an account's behalf): the audit
    trail and the tasks' created_by then say so instead of putting words in a person's mouth.
    """
    now = eng.clock.now()
    definition = latest_definition(session, process_id)
    if definition.task_meta.get("startable") is False:  # only the engine starts it
        raise NotFound(f"Ukjend prosess: {process_id}", "unknown_process", value=process_id)
    if not may_start(definition, starter):
        raise PermissionDenied(
            f"Du kan ikkje starte «{definition.name}».", "may_not_start", process=definition.name
        )
    schema = step_form(eng, definition, definition.task_meta.get("start_form"))
    context = context or forms.FormContext(session, starter, {}, now=now)
    cleaned = forms.validate(schema, data, context)
    cleaned["applicant"] = starter.username
    return _create_instance(
        eng,
        session,
        definition,
        cleaned,
        starter.username,
        now,
        actor=via or starter.username,
        audit_detail=audit_detail,
    )


def may_start(definition: ProcessDefinition, user: User) -> bool:
    """Whether the user may start the process by hand: not one only the engine starts
    (`startable="false"`), and holding one of its `startableBy` roles if it names any."""
    if definition.task_meta.get("startable") is False:
        return False
    roles = definition.task_meta.get("startable_by") or []
    return not roles or bool(user.role_names & set(roles))


def _create_instance(
    eng: Engine,
    session: Session,
    definition: ProcessDefinition,
    data: dict[str, Any],
    started_by: str,
    now: datetime,
    *,
    actor: str,
    parent_id: int | None = None,
    audit_detail: dict[str, Any] | None = None,
) -> ProcessInstance:
    """Start a validated instance: the state, its tasks and effects, and the audit event."""
    _workflow, snapshot = runtime.start_workflow(eng.cache.get(definition), data, now)
    instance = ProcessInstance(
        definition_id=definition.id,
        process_id=definition.process_id,
        status="running",
        title=definition.name,
        started_by=started_by,
        started_at=now,
        parent_id=parent_id,
    )
    update_instance(instance, definition, snapshot, now)  # one INSERT with the state
    session.add(instance)
    session.flush()
    detail = {"process_id": definition.process_id, "version": definition.version, "data": data}
    if parent_id is not None:
        detail["parent_id"] = parent_id
    audit.record(
        session,
        now,
        actor,
        "instance_started",
        instance_id=instance.id,
        detail=detail | (audit_detail or {}),
    )
    _after_step(eng, session, instance, definition, snapshot, actor, None, now)
    return instance


def start_linked_case(
    eng: Engine,
    session: Session,
    process_id: str,
    data: dict[str, Any],
    started_by: str,
    parent_id: int,
) -> ProcessInstance:
    """Start a case from code in the caller's transaction, linked to the case it is about
    (e.g. a photo's removal for a post whose consent was withdrawn, G11). `data` is the
    engine's own, so no start form is validated; the parent does not wait for it."""
    now = eng.clock.now()
    definition = latest_definition(session, process_id)
    child = _create_instance(
        eng, session, definition, data, started_by, now, actor=started_by, parent_id=parent_id
    )
    audit.record(
        session,
        now,
        started_by,
        "child_started",
        instance_id=parent_id,
        detail={"child_id": child.id, "process_id": definition.process_id},
    )
    return child


def complete_human_task(
    eng: Engine, task_id: str, username: str, data: dict[str, Any]
) -> dict[str, Any]:
    now = eng.clock.now()
    with eng.transaction() as session:
        actor = _acting_user(session, username)
        task, instance = _locked_open_task(session, task_id)
        _ensure_may_act(task, instance, actor)
        definition = session.get(ProcessDefinition, instance.definition_id)
        workflow = runtime.load_state(eng.cache.get(definition), instance.state)
        element = definition.task_meta["elements"].get(task.element_id, {})
        schema = step_form(eng, definition, element.get("form"))
        context = forms.FormContext(session, actor, runtime.task_data(workflow, task_id), now=now)
        cleaned = forms.validate(schema, data, context)
        snapshot = runtime.complete_task(workflow, task_id, cleaned, now)
        audit.record(
            session,
            now,
            actor.username,
            "task_completed",
            instance_id=instance.id,
            task_id=task_id,
            detail={"task": task.name, "element_id": task.element_id, "data": cleaned},
        )
        _after_step(eng, session, instance, definition, snapshot, actor.username, task_id, now)
        return {
            "instance_id": instance.id,
            "process_id": instance.process_id,
            "task": task.name,
            "element_id": task.element_id,
            "status": instance.status,
            "outcome": instance.outcome,
        }


def claim_human_task(eng: Engine, task_id: str, username: str) -> None:
    _assign(eng, task_id, username, username, "task_claimed")


def release_human_task(eng: Engine, task_id: str, username: str) -> None:
    _assign(eng, task_id, username, None, "task_released")


def _assign(eng: Engine, task_id: str, username: str, assignee: str | None, kind: str) -> None:
    now = eng.clock.now()
    with eng.transaction() as session:
        actor = _acting_user(session, username)
        task, instance = _locked_open_task(session, task_id)
        # An admin may hand back a task someone took and then left (holiday, illness).
        if not (assignee is None and "admin" in actor.role_names):
            _ensure_may_act(task, instance, actor)
        task.assignee = assignee
        audit.record(
            session,
            now,
            actor.username,
            kind,
            instance_id=task.instance_id,
            task_id=task.id,
            detail={"task": task.name},
        )


def delegate_human_task(eng: Engine, task_id: str, username: str, to: str) -> None:
    """Hand a task to another of its candidates (a colleague with time, or the deputy)."""
    now = eng.clock.now()
    with eng.transaction() as session:
        actor = _acting_user(session, username)
        task, instance = _locked_open_task(session, task_id)
        _ensure_may_act(task, instance, actor)
        if to not in task.candidates:  # candidates never include the applicant of a decision
            raise FormInvalid({"to": ("not_candidate_delegate", {"value": to, "task": task.name})})
        task.assignee = to
        definition = session.get(ProcessDefinition, instance.definition_id)
        data = runtime.task_data(
            runtime.load_state(eng.cache.get(definition), instance.state), task_id
        )
        add_notification(
            session,
            f"task_delegated:{task.id}:{to}:{now.isoformat()}",
            to,
            "task_delegated",
            instance,
            now,
            confidential=is_confidential(data),
            **task_details(task),
        )
        audit.record(
            session,
            now,
            actor.username,
            "task_delegated",
            instance_id=task.instance_id,
            task_id=task.id,
            detail={"task": task.name, "to": to},
        )


def fire_due_timers(eng: Engine, now: datetime | None = None) -> list[dict[str, Any]]:
    """Advance every instance whose next timer is due; one transaction per instance."""
    now = now or eng.clock.now()
    with eng.reading() as session:
        due = list(
            session.scalars(
                select(ProcessInstance.id)
                .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at <= now)
                .order_by(ProcessInstance.next_timer_at)
            )
        )
    fired = []
    for instance_id in due:
        try:
            # Each instance fires at the clock's moment (not the sweep's start) when none
            # was given, so the audit trail says when it really happened.
            fired += _fire_instance_timers(eng, instance_id, max(now, eng.clock.now()))
        except WorkflowFailed as exc:  # one broken instance must not hold up everyone's timers
            _mark_failed(eng, instance_id, exc.message, now)
            fired.append({"instance_id": instance_id, "timers": [], "status": "failed"})
    return fired


def _fire_instance_timers(eng: Engine, instance_id: int, now: datetime) -> list[dict[str, Any]]:
    """Fire one instance's due timers in its own transaction; [] if there was nothing to do."""
    with eng.transaction() as session:
        instance = session.scalar(
            select(ProcessInstance)
            .where(ProcessInstance.id == instance_id, ProcessInstance.next_timer_at <= now)
            .with_for_update(skip_locked=True)
        )
        if instance is None:  # another worker took it, or it moved on
            return []
        definition = session.get(ProcessDefinition, instance.definition_id)
        workflow = runtime.load_state(eng.cache.get(definition), instance.state)
        snapshot = runtime.fire_timers(workflow, now)
        if not snapshot.fired_timers:  # due time moved on; only the derived columns change
            update_instance(instance, definition, snapshot, now)
            return []
        audit.record(
            session,
            now,
            SYSTEM,
            "timer_fired",
            instance_id=instance.id,
            detail={"timers": snapshot.fired_timers},
        )
        _after_step(eng, session, instance, definition, snapshot, SYSTEM, None, now)
        return [
            {"instance_id": instance.id, "timers": snapshot.fired_timers, "status": instance.status}
        ]


def _mark_failed(eng: Engine, instance_id: int, reason: str, now: datetime) -> None:
    """Park an instance whose state or diagram fails, so it stops being picked, and say why."""
    with eng.transaction() as session:
        instance = session.get(ProcessInstance, instance_id, with_for_update=True)
        instance.status = "failed"
        instance.next_timer_at = None
        audit.record(
            session,
            now,
            SYSTEM,
            "instance_failed",
            instance_id=instance_id,
            detail={"reason": reason},
        )


def _after_step(
    eng: Engine,
    session: Session,
    instance: ProcessInstance,
    definition: ProcessDefinition,
    snapshot: runtime.Snapshot,
    actor: str,
    completed_task_id: str | None,
    now: datetime,
) -> None:
    update_instance(instance, definition, snapshot, now)
    sync_human_tasks(session, instance, definition, snapshot, actor, completed_task_id, now)
    session.flush()
    effects = [call for call in snapshot.service_calls if call.operation != START_PROCESS]
    apply_service_calls(session, instance, effects, actor, now)
    for call in snapshot.service_calls:
        if call.operation == START_PROCESS:
            _start_child(eng, session, instance, call, actor, now)
    if instance.status == "completed" and instance.ended_at == now:
        audit.record(
            session,
            now,
            actor,
            "instance_completed",
            instance_id=instance.id,
            detail={"outcome": instance.outcome},
        )
    for message in snapshot.messages:
        _route_message(eng, session, instance, message, actor, now)


# --- cases that start cases, and the messages between them -------------------------------------


def _start_child(
    eng: Engine,
    session: Session,
    parent: ProcessInstance,
    call: runtime.ServiceCall,
    actor: str,
    now: datetime,
) -> None:
    """`start_process` (process, fields): a new case of another process, carrying the named
    fields of this one, e.g. an inquiry's reputation escalation (G9). Its messages come back."""
    data = {name: call.data[name] for name in call.params.get("fields") or [] if name in call.data}
    data["applicant"] = actor  # who raised it, as for a case started by hand
    start_linked_case(eng, session, str(call.params["process"]), data, actor, parent.id)


def _route_message(
    eng: Engine,
    session: Session,
    sender: ProcessInstance,
    message: runtime.ThrownMessage,
    actor: str,
    now: datetime,
) -> None:
    """A message goes to the case that started the sender, if it waits for it; else it starts
    the process whose `startMessage` it is, or joins that process's running case (the comms
    section's "escalate to crisis" during a crisis). One nobody takes is still recorded."""
    receiver = _deliver_to_parent(eng, session, sender, message, actor, now)
    if receiver is None:
        receiver = _start_or_join(eng, session, sender, message, actor, now)
    audit.record(
        session,
        now,
        actor,
        "message_sent",
        instance_id=sender.id,
        detail={"message": message.name, "payload": message.payload, "received_by": receiver},
    )


def _start_or_join(
    eng: Engine,
    session: Session,
    sender: ProcessInstance,
    message: runtime.ThrownMessage,
    actor: str,
    now: datetime,
) -> int | None:
    started_by = latest_definitions_started_by(session, message.name)
    if started_by is None:
        return None
    running = session.scalar(
        select(ProcessInstance)
        .where(
            ProcessInstance.process_id == started_by.process_id,
            ProcessInstance.status == "running",
        )
        .order_by(ProcessInstance.id)
        .limit(1)
    )
    payload = message.payload if isinstance(message.payload, dict) else {}
    if running is not None:  # one crisis at a time: the new proposal is part of it
        _record_received(session, running, sender, message, actor, now)
        return running.id
    data = payload | {"proposed": True, "proposed_by_case": sender.id, "applicant": actor}
    return _create_instance(
        eng, session, started_by, data, actor, now, actor=actor, parent_id=sender.id
    ).id


def _record_received(
    session: Session,
    receiver: ProcessInstance,
    sender: ProcessInstance,
    message: runtime.ThrownMessage,
    actor: str,
    now: datetime,
) -> None:
    audit.record(
        session,
        now,
        actor,
        "message_received",
        instance_id=receiver.id,
        detail={"message": message.name, "from_instance": sender.id, "payload": message.payload},
    )


def _deliver_to_parent(
    eng: Engine,
    session: Session,
    sender: ProcessInstance,
    message: runtime.ThrownMessage,
    actor: str,
    now: datetime,
) -> int | None:
    if sender.parent_id is None:
        return None
    parent = session.scalar(
        select(ProcessInstance).where(ProcessInstance.id == sender.parent_id).with_for_update()
    )
    if parent is None or parent.status != "running":
        return None
    definition = session.get(ProcessDefinition, parent.definition_id)
    workflow = runtime.load_state(eng.cache.get(definition), parent.state)
    snapshot = runtime.deliver_message(workflow, message.name, message.payload, now)
    if snapshot is None:
        return None
    _record_received(session, parent, sender, message, actor, now)
    _after_step(eng, session, parent, definition, snapshot, actor, None, now)
    return parent.id


# --- people ------------------------------------------------------------------------------------


def set_user_roles(eng: Engine, username: str, roles: list[str], admin: str) -> list[str]:
    """Change a user's roles; open tasks get their candidates resolved again at once."""
    now = eng.clock.now()
    with eng.transaction() as session:
        acting = _acting_user(session, admin)
        if "admin" not in acting.role_names:
            raise PermissionDenied("Berre administratorar kan endre roller.", "admin_only")
        if set(roles) - set(ROLES):
            raise FormInvalid({"roles": ("enum", {"choices": ", ".join(sorted(ROLES))})})
        user = get_user(session, username)
        before = sorted(user.role_names)
        user.roles = [UserRole(role=role) for role in sorted(set(roles))]
        session.flush()
        audit.record(
            session,
            now,
            admin,
            "roles_changed",
            detail={"username": username, "before": before, "after": sorted(set(roles))},
        )
        return refresh_candidates(session, now)


def refresh_candidates(session: Session, now: datetime) -> list[str]:
    """Resolve every open task's candidate rule again; returns the ids of tasks that changed.
    Who is away now stays left out, as when the task became ready (engine.absence_routing)."""
    changed = []
    open_tasks = session.scalars(
        select(HumanTask).where(HumanTask.status == "open").with_for_update()
    ).all()
    named: dict[str, set[str]] = {}
    for task in open_tasks:
        instance = session.get(ProcessInstance, task.instance_id)
        named[task.id] = candidates_for(task.candidate_rule, instance.started_by, session)
    away = absent_users(session, set().union(*named.values()), now)
    for task in open_tasks:
        wanted = without_absent(named[task.id], away)
        if wanted != set(task.candidates):
            task.candidate_rows = [HumanTaskCandidate(username=u) for u in sorted(wanted)]
            changed.append(task.id)
    return changed


# --- permissions -------------------------------------------------------------------------------


def _acting_user(session: Session, username: str) -> User:
    user = get_user(session, username)
    if is_read_only(user):
        raise PermissionDenied("Revisorar kan lese alt, men ikkje endre noko.", "read_only")
    return user


def _locked_open_task(session: Session, task_id: str) -> tuple[HumanTask, ProcessInstance]:
    """Lock the instance, then the task: the order every writer uses (timers lock instances),
    so two transactions never wait on each other in a cycle."""
    instance_id = session.scalar(select(HumanTask.instance_id).where(HumanTask.id == task_id))
    if instance_id is None:
        raise NotFound(f"Ukjend oppgåve: {task_id}", "unknown_task")
    instance = session.scalar(
        select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update()
    )
    task = session.scalar(select(HumanTask).where(HumanTask.id == task_id).with_for_update())
    if task.status != "open":
        raise TaskAlreadyCompleted(task.name, task.completed_by)
    return task, instance


def _ensure_may_act(task: HumanTask, instance: ProcessInstance, actor: User) -> None:
    refusal = why_may_not_act(task, instance, actor)
    if refusal:
        raise refusal


def why_may_not_act(
    task: HumanTask, instance: ProcessInstance, actor: User
) -> PermissionDenied | None:
    """Why `actor` may not act on an open task, or None if they may."""
    if actor.username == instance.started_by and not includes_starter(
        task.candidate_rule, instance.started_by
    ):
        return PermissionDenied("Du kan ikkje avgjere di eiga sak.", "own_case")
    if task.assignee and task.assignee != actor.username:
        return PermissionDenied(
            f"Oppgåva er teken av {task.assignee}.", "task_taken", assignee=task.assignee
        )
    if actor.username not in task.candidates and task.assignee != actor.username:
        return PermissionDenied(
            f"Du kan ikkje utføre oppgåva «{task.name}».", "not_candidate", task=task.name
        )
    return None


# --- reading -------------------------------------------------------------------------------------


def task_as_dict(task: HumanTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "instance_id": task.instance_id,
        "process_id": task.process_id,
        "name": task.name,
        "element_id": task.element_id,
        "lane": task.lane,
        "candidates": task.candidates,
        "assignee": task.assignee,
        "status": task.status,
        "created_at": _iso(task.created_at),
        "created_by": task.created_by,
        "due_at": _iso(task.due_at),
        "completed_by": task.completed_by,
        "completed_at": _iso(task.completed_at),
    }


def list_human_tasks(
    eng: Engine, username: str, process_id: str | None = None
) -> list[dict[str, Any]]:
    """Open tasks the user may act on, as candidate or assignee; reads only the projection."""
    with eng.reading() as session:
        get_user(session, username)
        # EXISTS probes the candidate primary key; IN (subquery) read all of a user's rows.
        candidate = (
            select(HumanTaskCandidate.task_id)
            .where(HumanTaskCandidate.task_id == HumanTask.id)
            .where(HumanTaskCandidate.username == username)
            .exists()
        )
        query = (
            select(HumanTask, ProcessInstance.title, ProcessDefinition.name)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(HumanTask.status == "open")
            .where((HumanTask.assignee == username) | (HumanTask.assignee.is_(None) & candidate))
            .order_by(HumanTask.created_at, HumanTask.id)
        )
        if process_id:
            query = query.where(HumanTask.process_id == process_id)
        return [
            task_as_dict(task) | {"case_title": title, "process_name": process_name}
            for task, title, process_name in session.execute(query)
        ]


def show_instance(eng: Engine, instance_id: int) -> dict[str, Any]:
    with eng.reading() as session:
        instance = session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"Ukjend sak: {instance_id}", "unknown_case")
        definition = session.get(ProcessDefinition, instance.definition_id)
        workflow = runtime.load_state(eng.cache.get(definition), instance.state)
        elements = runtime.element_states(workflow)
        tasks = session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance_id)
            .order_by(HumanTask.created_at)
        )
        return {
            "id": instance.id,
            "process_id": instance.process_id,
            "version": definition.version,
            "title": instance.title,
            "business_key": instance.business_key,
            "status": instance.status,
            "outcome": instance.outcome,
            "started_by": instance.started_by,
            "started_at": _iso(instance.started_at),
            "ended_at": _iso(instance.ended_at),
            "next_timer_at": _iso(instance.next_timer_at),
            "data": runtime.current_data(workflow),
            "completed_elements": elements.completed,
            "current_elements": elements.current,
            "tasks": [task_as_dict(t) for t in tasks],
            "history": [
                {
                    "seq": e.seq,
                    "at": _iso(e.occurred_at),
                    "actor": e.actor,
                    "kind": e.kind,
                    "task_id": e.task_id,
                    "detail": e.detail,
                }
                for e in audit.history(session, instance_id)
            ],
        }


def list_accounts(eng: Engine) -> list[dict[str, Any]]:
    with eng.reading() as session:
        return [
            {
                "id": a.id,
                "platform": a.platform,
                "account_name": a.account_name,
                "unit": a.unit_id,
                "owner": a.owner,
                "deputy": a.deputy,
                "moderators": [m.username for m in a.moderators],
                "mailbox": a.mailbox,
                "closed_to_public": a.closed_to_public,
                "status": a.status,
                "approved_by": a.approved_by,
                "approved_at": _iso(a.approved_at),
                "instance_id": a.instance_id,
            }
            for a in session.scalars(select(Account).order_by(Account.id))
        ]


def verify_audit(eng: Engine) -> audit.VerifyResult:
    with eng.reading() as session:
        return audit.verify(session)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
