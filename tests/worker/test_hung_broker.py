"""A broker that hangs (issue 14, point 9): it accepts connections and never answers a byte. A
person's decision is saved and answered at once; the hand-over of its notifications gives up
within a fraction of a second and leaves the outbox rows to the sweep; /healthz says so quickly.

The broker is a real socket server on loopback (tests/sockets.py); the web is gunicorn, as in
production. The time limits asserted are generous bounds (the figures are printed): the point is
"does not wait for the broker", not a benchmark.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from engine.cases import services
from engine.delivery.notifications import HANDOVER
from engine.people.demo import SAMPLE_SCHOOL_APPLICATION
from tests.sockets import SilentServer
from tests.worker.conftest import Stack, WebSession
from tests.worker.test_faults import start_application

PROMPT_SECONDS = 3.0  # generous: the hand-over waits at most 0.2 s (it took 10.4 s before)
HEALTH_SECONDS = 3.0  # generous: /healthz gives the broker under a second


@pytest.fixture
def silent_broker() -> Iterator[SilentServer]:
    server = SilentServer().start()
    yield server
    server.stop()


def test_a_broker_that_never_answers_holds_no_request(
    stack: Stack, silent_broker: SilentServer
) -> None:
    stack.settings["SOMEFLYT_BROKER_URL"] = silent_broker.redis_url
    stack.start("web")
    start_application(stack)
    principal = WebSession(stack.base_url).log_in("rektor.alesund")
    (task_path,) = principal.get("/").links("/tasks/")

    decided = principal.post(task_path, {"decision": "approve", "moderators": "laerar2.alesund"})
    print(f"\na decision with a broker that never answers took {decided.seconds:.2f} s")
    assert decided.status == 302, decided.body[-2000:]
    assert decided.seconds < PROMPT_SECONDS, f"the request waited {decided.seconds:.1f} s"
    assert silent_broker.connections >= 1  # the web did try to hand the jobs over

    # The next page and the next person are not held up either.
    inbox = principal.get("/")
    print(f"the next page took {inbox.seconds:.2f} s")
    assert inbox.status == 200 and inbox.seconds < PROMPT_SECONDS

    health = WebSession(stack.base_url).get("/healthz")
    print(f"/healthz with a hung broker took {health.seconds:.2f} s")
    assert health.seconds < HEALTH_SECONDS
    assert health.status == 200  # the database answers; the broker is only reported
    assert json.loads(health.body) == {
        "status": "degraded",
        "database": "ok",
        "broker": "unavailable",
    }

    # Saved, and the notifications wait for the sweep: untouched, their hand-over lease running.
    (account,) = services.list_accounts(stack.engine())
    assert account["account_name"] == SAMPLE_SCHOOL_APPLICATION["account_name"]
    waiting = [r for r in stack.outbox() if r.template == "account_application_approved"]
    assert sorted(r.recipient for r in waiting) == ["laerar.alesund", "laerar2.alesund"]
    for row in waiting:
        assert (row.status, row.attempts) == ("pending", 0)
        assert row.lease_until == row.created_at + HANDOVER  # the sweep takes it after this
