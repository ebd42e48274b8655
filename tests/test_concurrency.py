"""Two processes race to complete the same task: one wins, the other is told who did it,
and nothing is done twice. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from engine.bootstrap import Engine
from engine.cases import services
from engine.config import Settings
from engine.errors import TaskAlreadyCompleted
from engine.store.models import AuditEvent, UserRole
from tests.conftest import AUDIT_KEY, WORKFLOWS, central_application

ROUNDS = 5


def _race(
    url: str,
    workflows: str,
    instance_id: int,
    task_id: str,
    username: str,
    barrier: Any,
    results: Any,
) -> None:
    eng = Engine(Settings(url, Path(workflows), audit_key=AUDIT_KEY))  # as every process has it
    services.show_instance(eng, instance_id)  # warm up: connection and parsed definition
    barrier.wait()
    try:
        services.complete_human_task(eng, task_id, username, {"decision": "approve"})
        results.put((username, "completed", None))
    except TaskAlreadyCompleted as exc:
        results.put((username, "already completed", exc.completed_by))
    finally:
        eng.dispose()


def test_two_processes_racing_on_one_task(eng, database_url):
    with eng.transaction() as session:
        session.add(UserRole(username="komm1", role="head_of_information"))
    context = multiprocessing.get_context("spawn")
    for round_number in range(ROUNDS):
        instance_id = services.start_process(
            eng,
            "account_application",
            "tilsett1",
            central_application(
                account_name=f"Samferdsel {round_number}",
                justification="Ein konto per ferjesamband.",
            ),
        )
        [task] = services.list_human_tasks(eng, "infosjef")
        barrier, results = context.Barrier(2), context.Queue()
        workers = [
            context.Process(
                target=_race,
                args=(
                    database_url,
                    str(WORKFLOWS),
                    instance_id,
                    task["id"],
                    user,
                    barrier,
                    results,
                ),
            )
            for user in ("infosjef", "komm1")
        ]
        for worker in workers:
            worker.start()
        outcomes = sorted(results.get(timeout=60) for _ in workers)
        for worker in workers:
            worker.join(timeout=60)
            assert worker.exitcode == 0
        winners = [user for user, outcome, _ in outcomes if outcome == "completed"]
        losers = [(user, by) for user, outcome, by in outcomes if outcome != "completed"]
        assert len(winners) == 1, outcomes
        assert len(losers) == 1 and losers[0][1] == winners[0], outcomes
        assert services.show_instance(eng, instance_id)["status"] == "completed"

    assert len(services.list_accounts(eng)) == ROUNDS
    with eng.transaction() as session:
        completions = session.scalar(
            select(func.count(AuditEvent.seq)).where(AuditEvent.kind == "task_completed")
        )
    assert completions == ROUNDS
    assert services.verify_audit(eng).ok


def test_reading_does_not_wait_for_a_writer(eng):
    """The inbox stays responsive while another request holds a write transaction."""
    holding, release = threading.Event(), threading.Event()
    writer_timed_out: list[bool] = []

    def writer() -> None:
        with eng.transaction() as session:
            session.add(UserRole(username="komm2", role="head_of_information"))
            session.flush()
            holding.set()
            # If the reads below waited for this transaction, this wait would run out.
            writer_timed_out.append(not release.wait(10))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        assert services.list_human_tasks(eng, "komm2") == []  # the uncommitted role is unseen
        assert services.list_accounts(eng) == []
    finally:
        release.set()
        thread.join()
    assert writer_timed_out == [False]
