"""Many open tasks at once for the inbox tests: the projection rows (a human_task row and its
candidate rows, as engine.cases.projections writes them) on a real case, without running a
workflow per task. The inbox reads nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from engine.bootstrap import Engine
from engine.cases import services
from engine.store.models import HumanTask, HumanTaskCandidate, ProcessInstance
from tests.conftest import START, school_application


def a_case(eng: Engine, process_id: str = "account_application", **data: str) -> int:
    """A real case (its own first task goes to the principal of Ålesund)."""
    return services.start_process(eng, process_id, "laerar.alesund", school_application(**data))


def add_tasks(
    eng: Engine,
    instance_id: int,
    count: int,
    candidates: Iterable[str],
    *,
    assignee: str | None = None,
    status: str = "open",
    first: datetime = START,
    step: timedelta = timedelta(minutes=1),
) -> list[tuple[datetime, str]]:
    """`count` tasks of the case offered to `candidates`, created `step` apart from `first`
    (step 0: all at the same moment); returns their (created_at, id), the inbox's order key."""
    people = sorted(candidates)
    made = []
    with eng.transaction() as session:
        instance = session.get(ProcessInstance, instance_id)
        assert instance is not None
        for n in range(count):
            task_id = str(uuid.uuid4())
            created = first + step * n
            session.add(
                HumanTask(
                    id=task_id,
                    instance_id=instance_id,
                    process_id=instance.process_id,
                    element_id="decide",
                    name="Vurder søknaden",
                    lane="Rektor",
                    candidate_rule="role:comms",
                    assignee=assignee,
                    status=status,
                    created_at=created,
                    created_by="system",
                    due_at=created + timedelta(days=5),
                    completed_by=None if status == "open" else "komm2",
                    completed_at=None if status == "open" else created,
                    candidate_rows=[HumanTaskCandidate(username=u) for u in people],
                )
            )
            made.append((created, task_id))
    return made


def open_task_ids(eng: Engine, instance_id: int) -> list[str]:
    with eng.reading() as session:
        return list(
            session.scalars(
                select(HumanTask.id).where(
                    HumanTask.instance_id == instance_id, HumanTask.status == "open"
                )
            )
        )
