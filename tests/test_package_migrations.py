"""A process package's tables come with its own migrations (an Alembic branch in its folder).
Upgrading a database from before them keeps what was in force: the holds of a running crisis
and a forum pause that has begun are taken over from the records kept before."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select

from engine.cases import services
from engine.store.migrate import alembic_config, upgrade_to_head
from tests.test_crisis_communication import active, declare
from tests.test_forum_pause import FROM, TO, paused, request
from tests.test_reputation_escalation import complete
from workflows.crisis_communication.models import CrisisHold
from workflows.forum_pause.models import ForumPause


def _downgrade_branch(eng, label: str) -> None:
    """Back to a database without the package's table, as before the package had one."""
    config = alembic_config(eng.db)
    with eng.db.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, f"{label}@base")


def test_a_running_crisis_and_a_begun_pause_survive_the_upgrade(eng, clock, account_id):
    crisis_id = declare(eng, all_accounts=False, crisis_accounts=[account_id])
    pause_id = request(eng, account_id)
    [decide] = services.list_human_tasks(eng, "rektor.alesund", "forum_pause")
    services.complete_human_task(eng, decide["id"], "rektor.alesund", {"decision": "approve"})
    clock.set(FROM)
    services.fire_due_timers(eng, FROM)
    before = (active(eng), paused(eng, account_id))
    assert before[0][0].accounts == [account_id]
    assert before[1] == {"instance_id": pause_id, "until": TO}

    for label in ("crisis_communication", "forum_pause"):
        _downgrade_branch(eng, label)
    upgrade_to_head(eng.db)

    assert (active(eng), paused(eng, account_id)) == before
    with eng.reading() as session:
        [hold] = session.scalars(select(CrisisHold))
        assert (hold.instance_id, hold.released_at) == (crisis_id, None)
        [pause] = session.scalars(select(ForumPause))
        assert (pause.instance_id, pause.account_id, pause.reopened_at) == (
            pause_id,
            account_id,
            None,
        )
    # The cases go on from there: ending the crisis releases the hold the upgrade took over.
    complete(eng, crisis_id, "next_step", "fylkesdirektor", {"next": "end"})
    assert active(eng) == []
