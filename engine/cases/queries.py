"""Read-side use cases for the web pages: what a person may see, shaped for display.

Every function here opens a read-only unit of work and checks who is asking first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.bootstrap import Engine
from engine.bpmn import runtime, serialization
from engine.bpmn.deployed import latest_definitions
from engine.cases.services import may_start, show_instance, step_form, task_as_dict, why_may_not_act
from engine.cases.visibility import SEES_ALL_CASES as SEES_ALL_CASES
from engine.cases.visibility import may_view_case, sees_all_cases
from engine.cases.visibility import took_part as _took_part
from engine.errors import NotFound, PermissionDenied
from engine.extensions import Notice, installed
from engine.forms.spec import FormSpec
from engine.people.lanes import get_user, is_read_only
from engine.store.models import (
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
    User,
)


def _ensure_may_view(session: Session, user: User, instance_id: int) -> ProcessInstance:
    """The case, for someone who may see it. One they may not see is answered exactly as one
    that does not exist: case numbers are sequential, and a 403 would say which exist."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not may_view_case(session, user, instance_id):
        raise NotFound(f"Ukjend sak: {instance_id}", "unknown_case")
    return instance


def _definition(session: Session, instance: ProcessInstance) -> ProcessDefinition:
    definition = session.get(ProcessDefinition, instance.definition_id)
    assert definition is not None  # the instance's foreign key
    return definition


def _task_instance(session: Session, task: HumanTask) -> ProcessInstance:
    instance = session.get(ProcessInstance, task.instance_id)
    assert instance is not None  # the task's foreign key
    return instance


# --- processes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartableProcess:
    process_id: str
    name: str
    version: int
    documentation: str | None
    form: FormSpec


def startable_processes(eng: Engine, username: str) -> list[StartableProcess]:
    """The newest version of every process the user may start; auditors start nothing."""
    with eng.reading() as session:
        user = get_user(session, username)
        if is_read_only(user):
            return []
        found = []
        for definition in latest_definitions(session):
            if not may_start(definition, user):
                continue
            form = step_form(eng, definition, definition.task_meta.get("start_form"))
            found.append(
                StartableProcess(
                    process_id=definition.process_id,
                    name=definition.name,
                    version=definition.version,
                    documentation=definition.task_meta.get("documentation"),
                    form=form,
                )
            )
        return found


def startable_process(eng: Engine, username: str, process_id: str) -> StartableProcess:
    for process in startable_processes(eng, username):
        if process.process_id == process_id:
            return process
    raise NotFound(f"Ukjend prosess: {process_id}", "unknown_process", value=process_id)


def task_form(eng: Engine, task_id: str) -> FormSpec:
    """A task's form schema (no secret in it), to read a submission before the engine decides
    whether the submitter may act — so a task done meanwhile answers 409, not 403."""
    with eng.reading() as session:
        task = session.get(HumanTask, task_id)
        if task is None:
            raise NotFound(f"Ukjend oppgåve: {task_id}", "unknown_task")
        instance = _task_instance(session, task)
        definition = _definition(session, instance)
        return step_form(eng, definition, _element(definition, task).get("form"))


def _element(definition: ProcessDefinition, task: HumanTask) -> dict[str, Any]:
    element: dict[str, Any] = definition.task_meta["elements"].get(task.element_id, {})
    return element


def _forms(eng: Engine, definition: ProcessDefinition) -> dict[str, FormSpec]:
    """Every form the definition uses, by file name (for labelling the data it collected)."""
    meta = definition.task_meta
    names = {e.get("form") for e in meta["elements"].values()} | {meta.get("start_form")}
    return {name: eng.cache.form(definition, name) for name in sorted(n for n in names if n)}


# --- tasks -------------------------------------------------------------------------------------


def task_page(eng: Engine, task_id: str, username: str) -> dict[str, Any]:
    """A task with its instructions, form and the case so far, for someone who may see it.

    Candidates and the assignee may act; those who see every case may look but not act.
    """
    with eng.reading() as session:
        user = get_user(session, username)
        task = session.get(HumanTask, task_id)
        if task is None:
            raise NotFound(f"Ukjend oppgåve: {task_id}", "unknown_task")
        instance = _task_instance(session, task)
        definition = _definition(session, instance)
        refusal = why_may_not_act(task, instance, user) if task.status == "open" else None
        may_act = task.status == "open" and refusal is None
        did_it = task.status != "open" and username == task.completed_by
        if not (may_act or did_it or sees_all_cases(user)):
            raise refusal or PermissionDenied(
                f"Du kan ikkje utføre oppgåva «{task.name}».", "not_candidate", task=task.name
            )
        element = _element(definition, task)
        workflow = serialization.load_state(eng.cache.get(definition), instance.state)
        data = (
            runtime.task_data(workflow, task_id)
            if task.status == "open"
            else runtime.current_data(workflow)
        )
        return {
            "task": task_as_dict(task),
            "instance": {
                "id": instance.id,
                "title": instance.title,
                "title_facts": instance.title_facts,
                "process_id": instance.process_id,
                "status": instance.status,
                "started_by": instance.started_by,
                "started_at": instance.started_at,
                "process_name": definition.name,
            },
            "documentation": element.get("documentation"),
            "form": step_form(eng, definition, element.get("form")),
            "data": data,
            "may_act": may_act and not is_read_only(user),
            "forms": _forms(eng, definition),
        }


# --- cases -------------------------------------------------------------------------------------


def list_cases(
    eng: Engine,
    username: str,
    *,
    everything: bool = False,
    text: str = "",
    status: str = "",
    account_id: int | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Cases the user started or took part in; with `everything`, all cases for those who
    may see all (others still see only their own)."""
    with eng.reading() as session:
        user = get_user(session, username)
        query = select(ProcessInstance, ProcessDefinition.name).join(
            ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id
        )
        if not (everything and sees_all_cases(user)):
            query = query.where(_took_part(username))
        if text.strip():
            # The text is matched literally: % and _ typed by a person are not wildcards.
            literal = text.strip().lower()
            for special in ("\\", "%", "_"):
                literal = literal.replace(special, "\\" + special)
            pattern = f"%{literal}%"
            query = query.where(
                or_(
                    func.lower(ProcessInstance.title).like(pattern, escape="\\"),
                    func.lower(ProcessInstance.business_key).like(pattern, escape="\\"),
                )
            )
        if status:
            query = query.where(ProcessInstance.status == status)
        if account_id is not None:  # the cases about one account (from the overview)
            query = query.where(ProcessInstance.account_id == account_id)
        rows = session.execute(
            query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc()).limit(
                limit
            )
        )
        return [
            {
                "id": instance.id,
                "title": instance.title,
                "title_facts": instance.title_facts,
                "business_key": instance.business_key,
                "process_id": instance.process_id,
                "process_name": process_name,
                "status": instance.status,
                "outcome": instance.outcome,
                "started_by": instance.started_by,
                "started_at": instance.started_at,
                "ended_at": instance.ended_at,
            }
            for instance, process_name in rows
        ]


def case_page(eng: Engine, instance_id: int, username: str) -> dict[str, Any]:
    """The case with its history and which diagram elements are done or current."""
    with eng.reading() as session:
        user = get_user(session, username)
        instance = _ensure_may_view(session, user, instance_id)
        definition = _definition(session, instance)
        process_name = definition.name
        forms = _forms(eng, definition)
        everything = sees_all_cases(user)
        linked = _linked_cases(session, user, instance)
    case = show_instance(eng, instance_id)  # loads the workflow once, for data and elements
    case["linked_cases"] = linked
    case["process_name"] = process_name
    case["forms"] = forms
    # The task pages this user may open (task_page's rule), so the case links to no 403.
    case["openable_tasks"] = [
        t["id"] for t in case["tasks"] if everything or _may_open(t, username)
    ]
    return case


def _linked_cases(session: Session, user: User, instance: ProcessInstance) -> list[dict[str, Any]]:
    """The case that started this one and the cases it started (an inquiry and its reputation
    escalation), as far as the user may open them."""
    query = (
        select(ProcessInstance, ProcessDefinition.name)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(
            or_(ProcessInstance.id == instance.parent_id, ProcessInstance.parent_id == instance.id)
        )
        .order_by(ProcessInstance.id)
    )
    if not sees_all_cases(user):
        query = query.where(_took_part(user.username))
    return [
        {
            "id": linked.id,
            "title": linked.title,
            "title_facts": linked.title_facts,
            "process_id": linked.process_id,
            "process_name": process_name,
            "status": linked.status,
            "outcome": linked.outcome,
            "relation": "parent" if linked.id == instance.parent_id else "child",
        }
        for linked, process_name in session.execute(query)
    ]


def _may_open(task: dict[str, Any], username: str) -> bool:
    if task["status"] != "open":
        return bool(task["completed_by"] == username)
    if task["assignee"]:
        return bool(task["assignee"] == username)
    return username in task["candidates"]


def case_diagram(eng: Engine, instance_id: int, username: str, lang: str = "nn") -> str:
    """The BPMN XML of the version this case runs on, its labels in `lang`."""
    with eng.reading() as session:
        user = get_user(session, username)
        instance = _ensure_may_view(session, user, instance_id)
        definition = _definition(session, instance)
        # A bundle holds exactly one BPMN file, beside the DMN tables and forms it uses.
        xml = next(text for name, text in definition.files.items() if name.endswith(".bpmn"))
        return eng.texts.diagram(instance.process_id, xml, lang)


def notices(eng: Engine, username: str) -> list[Notice]:
    """The banners every page of this person carries (a crisis in force, E6)."""
    with eng.reading() as session:
        return installed().notices_for(session, get_user(session, username))
