"""The small diagrams of tests/diagrams/events/ and helpers to drive them through the services."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from engine.bootstrap import Engine
from engine.cases import services
from engine.cases.events import Credentials
from engine.config import PROJECT_ROOT
from engine.store.models import AuditEvent, EventSubscription, ProcessInstance

EVENTS = PROJECT_ROOT / "tests" / "diagrams" / "events"
ADMIN = Credentials.admin("admin")
STARTER = "laerar.alesund"


def deploy_events(eng: Engine) -> None:
    services.deploy_definitions(eng, [EVENTS])


def order(eng: Engine, number: int, starter: str = STARTER) -> int:
    """A case of events_order waiting for "bestilling_klar" correlated on order_no."""
    return services.start_process(eng, "events_order", starter, {"order_no": number})


def subscriptions(eng: Engine, instance_id: int) -> list[tuple[str, str | None, str, dict]]:
    with eng.reading() as session:
        rows = session.scalars(
            select(EventSubscription)
            .where(EventSubscription.instance_id == instance_id)
            .order_by(EventSubscription.element_id)
        )
        return [(r.kind, r.name, r.element_id, r.correlation) for r in rows]


def events_of(eng: Engine, kind: str, instance_id: int | None = None) -> list[SimpleNamespace]:
    """The audit events of a kind (of one case), as plain records."""
    with eng.reading() as session:
        query = select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)
        if instance_id is not None:
            query = query.where(AuditEvent.instance_id == instance_id)
        return [
            SimpleNamespace(actor=e.actor, instance_id=e.instance_id, detail=e.detail)
            for e in session.scalars(query)
        ]


def case(eng: Engine, instance_id: int) -> dict[str, Any]:
    return services.show_instance(eng, instance_id)


def open_elements(eng: Engine, instance_id: int) -> list[str]:
    return [t["element_id"] for t in case(eng, instance_id)["tasks"] if t["status"] == "open"]


def instance_ids(eng: Engine, process_id: str) -> list[int]:
    with eng.reading() as session:
        return list(
            session.scalars(
                select(ProcessInstance.id)
                .where(ProcessInstance.process_id == process_id)
                .order_by(ProcessInstance.id)
            )
        )


def complete(eng: Engine, instance_id: int, element_id: str, username: str = STARTER) -> None:
    [task] = [
        t
        for t in case(eng, instance_id)["tasks"]
        if t["status"] == "open" and t["element_id"] == element_id
    ]
    services.complete_human_task(eng, task["id"], username, {})
