"""Where an event from outside goes (engine.cases.events): the cases waiting for it, found in
the event_subscription projection and confirmed on their restored workflow, or the processes
it starts. Runs in the caller's transaction; each case touched is locked, stepped on, and its
history says what came in and from whom."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.bootstrap import Engine
from engine.bpmn import runtime, serialization
from engine.bpmn.definitions import latest_definitions_started_by
from engine.bpmn.deployed import latest_definitions
from engine.bpmn.waiting import MESSAGE, waits_for
from engine.cases.deploy import step_form
from engine.cases.stepping import after_step, create_instance, running_case
from engine.errors import Conflict, NotFound, Unprocessable
from engine.forms import validation as forms
from engine.forms.context import FormContext
from engine.people.lanes import get_user
from engine.store import audit
from engine.store.models import EventSubscription, ProcessDefinition, ProcessInstance, User


@dataclass(frozen=True)
class Sender:
    """Who sent the event: `actor` as the audit trail names it, `owner` the person who owns a
    case it starts (None: the shell named nobody), `account_id` the only account whose cases a
    connector reaches (besides cases of no account)."""

    actor: str
    owner: str | None
    account_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EventIn:
    kind: str  # message | signal
    name: str | None  # None: a message for a catch event without messageRef (by element id)
    correlation: dict[str, Any]
    payload: dict[str, Any]
    element_id: str | None = None
    case_id: int | None = None


@dataclass
class _Loaded:
    instance: ProcessInstance
    definition: ProcessDefinition
    workflow: Any  # a restored SpiffWorkflow workflow (engine.bpmn keeps the type)


def route_message(
    eng: Engine, session: Session, event: EventIn, sender: Sender, now: datetime
) -> tuple[list[int], list[int]]:
    """(cases delivered to, cases started)."""
    matched: list[_Loaded] = []
    for instance_id in _candidates(session, event, sender):
        loaded = _load_locked(eng, session, instance_id)
        if loaded is not None and waits_for(
            loaded.workflow,
            MESSAGE,
            event.name,
            element_id=event.element_id,
            correlation=event.correlation,
        ):
            matched.append(loaded)
    if len(matched) > 1:
        keys = _telling_keys(session, [m.instance.id for m in matched], event)
        raise Conflict(
            f"{len(matched)} saker ventar på meldinga «{event.name}». Gi korrelasjonsnøklar som "
            f"skil dei ({keys or 'felt i saksdata'}) eller saksnummeret.",
            "event_ambiguous" if keys else "event_ambiguous_data",
            count=len(matched),
            name=event.name,
            keys=keys,
        )
    if matched:
        _deliver(eng, session, matched[0], event, sender, now)
        return [matched[0].instance.id], []
    if event.case_id is not None:
        raise NotFound(
            f"Sak {event.case_id} ventar ikkje på meldinga «{event.name or event.element_id}».",
            "event_case_not_waiting",
            case=event.case_id,
            name=event.name or event.element_id,
        )
    if event.element_id is not None:
        raise NotFound(
            f"Ingen sak ventar på ei melding ved elementet «{event.element_id}».",
            "event_element_not_waiting",
            element=event.element_id,
        )
    started = _start_processes(eng, session, event, sender, now)
    if started:
        return [], started
    joined = _start_or_join(eng, session, event, sender, now)
    if joined is not None:
        return joined
    correlation = ", ".join(f"{k}={v!r}" for k, v in sorted(event.correlation.items()))
    raise NotFound(
        f"Ingen sak ventar på meldinga «{event.name}»"
        + (f" med {correlation}" if correlation else "")
        + ", og ingen prosess startar med ho.",
        "event_no_receiver_correlated" if correlation else "event_no_receiver",
        name=event.name,
        correlation=correlation,
    )


def route_signal(
    eng: Engine, session: Session, event: EventIn, sender: Sender, now: datetime
) -> tuple[list[int], list[int]]:
    """A signal is broadcast: every case waiting for it, then every process it starts."""
    delivered = []
    for instance_id in _candidates(session, event, sender):
        loaded = _load_locked(eng, session, instance_id)
        if loaded is not None and _deliver(eng, session, loaded, event, sender, now):
            delivered.append(instance_id)
    started = _start_processes(eng, session, event, sender, now)
    if not delivered and not started:
        raise NotFound(
            f"Ingen sak ventar på signalet «{event.name}», og ingen prosess startar med det.",
            "signal_no_receiver",
            name=event.name,
        )
    return delivered, started


def _candidates(session: Session, event: EventIn, sender: Sender) -> list[int]:
    """The running cases whose subscriptions may take the event, in id order (the order of
    their locks); the correlation values each holds already rule some out."""
    query = (
        select(EventSubscription)
        .join(ProcessInstance, ProcessInstance.id == EventSubscription.instance_id)
        .where(EventSubscription.kind == event.kind, ProcessInstance.status == "running")
        .order_by(EventSubscription.instance_id, EventSubscription.id)
    )
    if event.element_id is not None:
        query = query.where(EventSubscription.element_id == event.element_id)
        if event.name is not None:
            query = query.where(
                or_(EventSubscription.name.is_(None), EventSubscription.name == event.name)
            )
    else:
        query = query.where(EventSubscription.name == event.name)
    if event.case_id is not None:
        query = query.where(EventSubscription.instance_id == event.case_id)
    if sender.account_id is not None:  # a connector: its account's cases, and cases of none
        query = query.where(
            or_(
                ProcessInstance.account_id.is_(None),
                ProcessInstance.account_id == sender.account_id,
            )
        )
    found: list[int] = []
    for row in session.scalars(query):
        held = row.correlation or {}
        if any(k in held and held[k] not in (None, v) for k, v in event.correlation.items()):
            continue
        if row.instance_id not in found:
            found.append(row.instance_id)
    return found


def _load_locked(eng: Engine, session: Session, instance_id: int) -> _Loaded | None:
    instance = session.scalar(
        select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update()
    )
    if instance is None or instance.status != "running":  # it moved on meanwhile
        return None
    definition = session.get(ProcessDefinition, instance.definition_id)
    assert definition is not None  # the instance's foreign key
    workflow = serialization.load_state(eng.cache.get(definition), instance.state)
    return _Loaded(instance, definition, workflow)


def _deliver(
    eng: Engine, session: Session, loaded: _Loaded, event: EventIn, sender: Sender, now: datetime
) -> bool:
    if event.kind == MESSAGE:
        snapshot = runtime.deliver_message(
            loaded.workflow,
            event.name,
            event.payload,
            now,
            element_id=event.element_id,
            correlation=event.correlation,
        )
    else:
        assert event.name is not None  # a signal always has a name (engine.cases.events)
        snapshot = runtime.deliver_signal(loaded.workflow, event.name, event.payload, now)
    if snapshot is None:
        return False
    audit.record(
        session,
        now,
        sender.actor,
        "event_received",
        instance_id=loaded.instance.id,
        detail=_detail(event, sender),
    )
    after_step(eng, session, loaded.instance, loaded.definition, snapshot, sender.actor, None, now)
    return True


def _start_processes(
    eng: Engine, session: Session, event: EventIn, sender: Sender, now: datetime
) -> list[int]:
    """New cases of the processes with a start event for this message or signal."""
    key = "message_starts" if event.kind == MESSAGE else "signal_starts"
    starting = [
        d for d in latest_definitions(session) if event.name in (d.task_meta.get(key) or {})
    ]
    if event.kind == MESSAGE and len(starting) > 1:  # a message has one receiver
        names = ", ".join(sorted(d.process_id for d in starting))
        raise Conflict(
            f"Fleire prosessar startar med meldinga «{event.name}» ({names}).",
            "event_several_processes",
            name=event.name,
            processes=names,
        )
    started = []
    for definition in starting:
        owner = _owner(session, sender, definition)
        element_id = definition.task_meta[key][event.name]
        form = definition.task_meta["elements"].get(element_id, {}).get("form")
        data = dict(event.payload)
        if form:  # a start event may ask its payload to fill a form
            context = FormContext(session, owner, {}, now=now)
            data = forms.validate(step_form(eng, definition, form), data, context)
        data["applicant"] = owner.username
        assert event.name is not None  # only named events start processes
        _workflow, snapshot = runtime.start_by_event(
            eng.cache.get(definition), event.kind, event.name, element_id, event.payload, data, now
        )
        instance = create_instance(
            eng,
            session,
            definition,
            data,
            owner.username,
            now,
            actor=sender.actor,
            audit_detail={"event": _detail(event, sender)},
            snapshot=snapshot,
        )
        started.append(instance.id)
    return started


def _start_or_join(
    eng: Engine, session: Session, event: EventIn, sender: Sender, now: datetime
) -> tuple[list[int], list[int]] | None:
    """A process whose `startMessage` this is: it runs once, so the message joins its running
    case, or starts one (as when another case throws it, engine.cases.stepping)."""
    definition = latest_definitions_started_by(session, event.name or "")
    if definition is None:
        return None
    running = running_case(session, definition.process_id)
    if running is not None:
        audit.record(
            session,
            now,
            sender.actor,
            "event_received",
            instance_id=running.id,
            detail=_detail(event, sender),
        )
        return [running.id], []
    owner = _owner(session, sender, definition)
    data = event.payload | {"started_by_message": True, "applicant": owner.username}
    instance = create_instance(
        eng,
        session,
        definition,
        data,
        owner.username,
        now,
        actor=sender.actor,
        audit_detail={"event": _detail(event, sender)},
    )
    return [], [instance.id]


def _owner(session: Session, sender: Sender, definition: ProcessDefinition) -> User:
    if sender.owner is None:
        raise Unprocessable(
            f"Hendinga startar ei ny sak av «{definition.name}»: sei kven som eig saka (--as).",
            "event_start_needs_owner",
            process=definition.name,
        )
    return get_user(session, sender.owner)


def _telling_keys(session: Session, instance_ids: list[int], event: EventIn) -> str:
    """The correlation properties the waiting cases hold, to tell them apart."""
    rows = session.scalars(
        select(EventSubscription.correlation).where(
            EventSubscription.instance_id.in_(instance_ids),
            EventSubscription.kind == event.kind,
        )
    )
    return ", ".join(sorted({key for correlation in rows for key in (correlation or {})}))


def _detail(event: EventIn, sender: Sender) -> dict[str, Any]:
    return {
        "event": event.kind,
        "name": event.name,
        "correlation": event.correlation,
        "element_id": event.element_id,
        "payload": event.payload,
    } | sender.detail
