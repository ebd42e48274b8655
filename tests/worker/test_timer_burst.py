"""Timers with a real worker and beat: a burst due at one moment fires once each, and the
sweep before that moment hands them to the broker with it as their ETA, so jobs fire them at
their moment rather than the next sweep after it."""

from __future__ import annotations

import ast
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.cases import services
from engine.clock import FixedClock
from engine.people.demo import SAMPLE_SCHOOL_APPLICATION
from tests.worker.conftest import Stack, mails_to, settle, wait_for_mails, wait_until

PRINCIPAL = "rektor.alesund@mrfylke.no"
REMINDER = "Påminning"
REMINDER_AFTER = timedelta(days=3)  # decide_reminder: P3D
COUNT = 12  # under one batch (20): no helper job is queued, so a fire_timers job is an ETA job
LEAD = timedelta(seconds=8)  # from now to the burst: time to start the cases and plan them
DONE = re.compile(r"Task (someflyt\.\w+)\[[^\]]+\] succeeded in [\d.e-]+s: (\{.*\})\s*$")


def results(log: str, task: str) -> list[dict[str, Any]]:
    """The return values of every `task` the worker's log reports as succeeded."""
    found = []
    for line in log.splitlines():
        done = DONE.search(line)
        if done and done.group(1) == task:
            found.append(ast.literal_eval(done.group(2)))
    return found


def test_a_burst_of_timers_due_at_one_moment_fires_once_each_by_eta_jobs(stack: Stack) -> None:
    worker, _beat = stack.start("worker", "beat")
    due = datetime.now(UTC) + LEAD
    eng = stack.engine(FixedClock(due - REMINDER_AFTER))  # so each reminder falls due then
    cases = [
        services.start_process(
            eng,
            "account_application",
            "laerar.alesund",
            SAMPLE_SCHOOL_APPLICATION | {"account_name": f"burst{n}"},
        )
        for n in range(COUNT)
    ]
    assert datetime.now(UTC) < due, "the set-up took longer than the lead: raise LEAD"

    wait_for_mails(stack.sink, PRINCIPAL, REMINDER, count=COUNT, timeout=90)
    wait_until(
        lambda: len(stack.audit_events("timer_fired")) >= COUNT, 30, "every timer_fired event"
    )
    settle()  # a few more sweeps: anything fired or mailed twice would show now
    fired = Counter(event.instance_id for event in stack.audit_events("timer_fired"))
    assert fired == Counter(cases)  # each case's timer once
    assert len(mails_to(stack.sink, PRINCIPAL, REMINDER)) == COUNT

    log = worker.output()
    sweeps = results(log, "someflyt.sweep")
    jobs = results(log, "someflyt.fire_timers")
    assert sum(s["helpers"] for s in sweeps) == 0
    assert sum(s["planned"] for s in sweeps) >= COUNT  # planned before their moment ...
    by_jobs = sum(j["timers"] for j in jobs)
    assert by_jobs >= 1  # ... and fired by those jobs (a late worker leaves some to a sweep)
    assert by_jobs + sum(s["timers"] for s in sweeps) == COUNT
