"""Messages and signals from outside (issue 12): into the cases that wait for them, or into a
new case of the process they start. One transaction each; the API, the CLI and the tests call
these.

A message goes to exactly one case: the one waiting for it by name (or, for a catch event
without a messageRef, by element id) whose correlation matches. Correlation keys may be left
out when only one case waits; when several match, the message is refused (409) and the sender
is told which keys tell them apart. When none waits, a process with a message start event of
that name starts a case (the payload is its data); a process whose `startMessage` it is starts
or joins its running case, as when another case throws it; else the message is refused (404).
A signal goes to every case waiting for it and starts every process it starts (404 if there is
none of either). Who sends: an admin, a connector token (only cases of its account or of no
account), or the shell. Every event that comes in is audited with what it touched, and every
refusal after the sender was recognised too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bootstrap import Engine
from engine.bpmn import serialization
from engine.bpmn.waiting import MESSAGE, SIGNAL, waiting_for
from engine.cases.event_routing import EventIn, Sender, route_message, route_signal
from engine.cases.projections import sync_event_subscriptions
from engine.errors import FormInvalid, PermissionDenied, SomeflytError, Unauthorized
from engine.people.lanes import get_user, is_read_only
from engine.registers import connectors
from engine.store import audit
from engine.store.models import Account, ProcessDefinition, ProcessInstance

NAME_MAX = 200
SHELL = "cli"


@dataclass(frozen=True)
class Credentials:
    """How a sender proves who it is: an admin's username, a connector token's secret, or the
    shell (whoever runs the command has the server); `owner` is who owns a case the event
    starts when the shell sends it (a username)."""

    username: str | None = None
    token: str | None = None
    shell: bool = False
    owner: str | None = None

    @classmethod
    def admin(cls, username: str) -> Credentials:
        return cls(username=username)

    @classmethod
    def connector(cls, secret: str) -> Credentials:
        return cls(token=secret or "")

    @classmethod
    def from_shell(cls, owner: str | None = None) -> Credentials:
        return cls(shell=True, owner=owner)


@dataclass(frozen=True)
class EventResult:
    delivered: list[int] = field(default_factory=list)
    started: list[int] = field(default_factory=list)


def send_message(
    eng: Engine,
    name: Any,
    correlation: Any,
    payload: Any,
    actor: Credentials,
    element_id: Any = None,
    case_id: Any = None,
) -> EventResult:
    """Deliver a message, or start the case it starts. Raises FormInvalid (a malformed event),
    NotFound (nothing waits for it and nothing starts with it), Conflict (several cases wait),
    Unprocessable (its case cannot take it), Unauthorized/PermissionDenied (the sender)."""
    return _receive(eng, MESSAGE, name, correlation, payload, actor, element_id, case_id)


def send_signal(eng: Engine, name: Any, payload: Any, actor: Credentials) -> EventResult:
    """Deliver a signal to every case waiting for it, and start every process it starts."""
    return _receive(eng, SIGNAL, name, {}, payload, actor, None, None)


# What a request body may name, per kind of event (the API and the CLI take the same).
FIELDS = {
    MESSAGE: ("name", "correlation", "payload", "element_id", "case_id"),
    SIGNAL: ("name", "payload"),
}


def receive(eng: Engine, kind: str, body: Any, actor: Credentials) -> EventResult:
    """An event as a request body carried it (the JSON API): an object with the fields of
    FIELDS[kind]; None or anything else is refused once the sender is recognised."""
    fields: dict[str, Any] = body if isinstance(body, dict) else {}
    refused: dict[str, tuple[str, dict[str, Any]]] = {
        key: ("unknown_field", {}) for key in fields if key not in FIELDS[kind]
    }
    if not isinstance(body, dict):
        refused["_body"] = ("json_object", {})
    return _receive(
        eng,
        kind,
        fields.get("name"),
        fields.get("correlation") if kind == MESSAGE else {},
        fields.get("payload"),
        actor,
        fields.get("element_id"),
        fields.get("case_id"),
        refused=refused,
    )


def _receive(
    eng: Engine,
    kind: str,
    name: Any,
    correlation: Any,
    payload: Any,
    credentials: Credentials,
    element_id: Any,
    case_id: Any,
    *,
    refused: dict[str, tuple[str, dict[str, Any]]] | None = None,
) -> EventResult:
    now = eng.clock.now()
    sender: Sender | None = None
    try:
        with eng.transaction() as session:
            sender = _sender(session, credentials, now)  # first: strangers learn nothing more
            if refused:
                raise FormInvalid(refused)
            event = _event(kind, name, correlation, payload, element_id, case_id)
            route = route_message if kind == MESSAGE else route_signal
            delivered, started = route(eng, session, event, sender, now)
            # One line for the whole event beside each case's own: every case it touched.
            audit.record(
                session,
                now,
                sender.actor,
                "event_routed",
                detail={
                    "event": kind,
                    "name": event.name,
                    "correlation": event.correlation,
                    "element_id": event.element_id,
                    "case_id": event.case_id,
                    "delivered": delivered,
                    "started": started,
                }
                | sender.detail,
            )
            return EventResult(delivered, started)
    except SomeflytError as exc:
        # A stranger's attempt is no event; a database that is down records nothing either.
        recorded = not isinstance(exc, Unauthorized | PermissionDenied) and exc.status < 500
        if sender is not None and recorded:
            _record_refusal(eng, kind, name, correlation, element_id, case_id, sender, exc)
        raise


def _sender(session: Session, credentials: Credentials, now: datetime) -> Sender:
    if credentials.shell:
        owner = get_user(session, credentials.owner).username if credentials.owner else None
        return Sender(actor=SHELL, owner=owner)
    if credentials.token is not None:
        token = connectors.authenticate(session, credentials.token, now)
        account = session.get(Account, token.account_id)
        assert account is not None  # the token's foreign key; accounts are never deleted
        return Sender(
            actor=f"connector:{token.prefix}",
            owner=account.owner,
            account_id=account.id,
            detail={"connector": f"{token.prefix}/{token.name}", "token_id": token.id},
        )
    if not credentials.username:
        raise Unauthorized("Du må logge inn.", "login_required")
    user = get_user(session, credentials.username)
    if is_read_only(user):
        raise PermissionDenied("Revisorar kan lese alt, men ikkje endre noko.", "read_only")
    if "admin" not in user.role_names:
        raise PermissionDenied(
            "Berre administratorar og koplingar kan sende meldingar og signal inn.",
            "events_admin_only",
        )
    return Sender(actor=user.username, owner=user.username)


def _event(
    kind: str, name: Any, correlation: Any, payload: Any, element_id: Any, case_id: Any
) -> EventIn:
    """The event as the engine takes it; every malformed part is reported at once."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    if element_id is not None and (not isinstance(element_id, str) or not element_id.strip()):
        errors["element_id"] = ("type", {"expected": "string"})
    if name is None or (isinstance(name, str) and not name.strip()):
        if element_id is None:  # only an element id addresses a message that has no name
            errors["name"] = ("required", {})
        name = None
    elif not isinstance(name, str):
        errors["name"] = ("type", {"expected": "string"})
    elif len(name) > NAME_MAX:
        errors["name"] = ("max_length", {"limit": NAME_MAX})
    for key, value in (("correlation", correlation), ("payload", payload)):
        if value is not None and not isinstance(value, dict):
            errors[key] = ("json_object", {})
    if isinstance(correlation, dict) and any(not str(key).strip() for key in correlation):
        errors["correlation"] = ("event_correlation_key", {})
    if case_id is not None and (not isinstance(case_id, int) or isinstance(case_id, bool)):
        errors["case_id"] = ("type", {"expected": "integer"})
    if errors:
        raise FormInvalid(errors)
    return EventIn(
        kind=kind,
        name=name.strip() if isinstance(name, str) else None,
        correlation=dict(correlation or {}),
        payload=dict(payload or {}),
        element_id=element_id.strip() if isinstance(element_id, str) else None,
        case_id=case_id,
    )


def _record_refusal(
    eng: Engine,
    kind: str,
    name: Any,
    correlation: Any,
    element_id: Any,
    case_id: Any,
    sender: Sender,
    exc: SomeflytError,
) -> None:
    """A refused event changed nothing; the trail still says it came and why it was refused."""
    with eng.transaction() as session:
        audit.record(
            session,
            eng.clock.now(),
            sender.actor,
            "event_refused",
            detail={
                "event": kind,
                "name": name if isinstance(name, str) else None,
                "correlation": correlation if isinstance(correlation, dict) else None,
                "element_id": element_id if isinstance(element_id, str) else None,
                "case_id": case_id if isinstance(case_id, int) else None,
                "status": exc.status,
                "reason": exc.message,
            }
            | sender.detail,
        )


def rebuild_subscriptions(eng: Engine) -> int:
    """Fill the projection of what every running case waits for (a database from before it
    existed, `someflyt init`); the number of running cases looked at."""
    with eng.transaction() as session:
        running = list(
            session.scalars(select(ProcessInstance).where(ProcessInstance.status == "running"))
        )
        for instance in running:
            definition = session.get(ProcessDefinition, instance.definition_id)
            assert definition is not None  # the instance's foreign key
            workflow = serialization.load_state(eng.cache.get(definition), instance.state)
            sync_event_subscriptions(session, instance, waiting_for(workflow))
        return len(running)
