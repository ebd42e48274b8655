"""Permissions are enforced in the service layer: candidates only, never one's own case,
auditors read and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.cases import services
from engine.errors import FormInvalid, NotFound, PermissionDenied, TaskAlreadyCompleted
from engine.store.models import AuditEvent, UserRole
from tests.conftest import central_application, school_application


def audit_count(eng) -> int:
    with eng.transaction() as session:
        return session.scalar(select(func.count(AuditEvent.seq)))


def test_auditor_can_neither_start_nor_complete_nor_claim(eng):
    with pytest.raises(PermissionDenied):
        services.start_process(eng, "account_application", "revisor", central_application())
    services.start_process(eng, "account_application", "tilsett1", central_application())
    [task] = services.list_human_tasks(eng, "infosjef")
    before = audit_count(eng)
    with pytest.raises(PermissionDenied):
        services.complete_human_task(eng, task["id"], "revisor", {"decision": "approve"})
    with pytest.raises(PermissionDenied):
        services.claim_human_task(eng, task["id"], "revisor")
    assert audit_count(eng) == before
    assert services.list_human_tasks(eng, "infosjef") == [task]


def test_only_a_candidate_completes_a_task(eng):
    services.start_process(eng, "account_application", "laerar.alesund", school_application())
    [task] = services.list_human_tasks(eng, "rektor.alesund")
    for intruder in ("rektor.molde", "infosjef", "laerar2.alesund"):
        with pytest.raises(PermissionDenied):
            services.complete_human_task(
                eng, task["id"], intruder, {"decision": "approve", "moderators": ["laerar.alesund"]}
            )
    assert services.list_accounts(eng) == []
    assert services.list_human_tasks(eng, "rektor.alesund") == [task]


def test_nobody_decides_their_own_application(eng):
    """The head of information's own application goes to management, never to themself."""
    instance_id = services.start_process(
        eng,
        "account_application",
        "infosjef",
        central_application(unit="sentraladministrasjonen", deputy="komm1"),
    )
    assert services.list_human_tasks(eng, "infosjef") == []
    [task] = services.list_human_tasks(eng, "fylkesdirektor")
    with pytest.raises(PermissionDenied, match="eiga sak"):
        services.complete_human_task(eng, task["id"], "infosjef", {"decision": "approve"})
    services.complete_human_task(eng, task["id"], "fylkesdirektor", {"decision": "approve"})
    assert services.show_instance(eng, instance_id)["status"] == "completed"


def test_claim_hides_the_task_from_other_candidates_and_release_gives_it_back(eng):
    with eng.transaction() as session:
        session.add(UserRole(username="komm1", role="head_of_information"))
    services.start_process(eng, "account_application", "tilsett1", central_application())
    [task] = services.list_human_tasks(eng, "infosjef")
    assert task["candidates"] == ["infosjef", "komm1"]

    services.claim_human_task(eng, task["id"], "komm1")
    assert services.list_human_tasks(eng, "infosjef") == []
    assert services.list_human_tasks(eng, "komm1")[0]["assignee"] == "komm1"
    with pytest.raises(PermissionDenied, match="komm1"):
        services.complete_human_task(eng, task["id"], "infosjef", {"decision": "approve"})

    services.release_human_task(eng, task["id"], "komm1")
    assert services.list_human_tasks(eng, "infosjef")[0]["assignee"] is None
    services.complete_human_task(eng, task["id"], "infosjef", {"decision": "approve"})
    with pytest.raises(TaskAlreadyCompleted, match="infosjef"):
        services.complete_human_task(eng, task["id"], "komm1", {"decision": "approve"})
    with pytest.raises(TaskAlreadyCompleted):
        services.claim_human_task(eng, task["id"], "komm1")


def test_unknown_task_user_and_process_are_not_found(eng):
    with pytest.raises(NotFound):
        services.complete_human_task(eng, "no-such-task", "infosjef", {})
    with pytest.raises(NotFound):
        services.start_process(eng, "account_application", "ingen", central_application())
    with pytest.raises(NotFound):
        services.start_process(eng, "no_such_process", "tilsett1", {})
    with pytest.raises(NotFound):
        services.show_instance(eng, 999999)


def test_role_changes_reach_open_tasks(eng):
    services.start_process(eng, "account_application", "laerar.alesund", school_application())
    [task] = services.list_human_tasks(eng, "rektor.alesund")

    changed = services.set_user_roles(eng, "laerar2.alesund", ["principal"], admin="admin")
    assert changed == [task["id"]]
    assert services.list_human_tasks(eng, "laerar2.alesund")[0]["candidates"] == [
        "laerar2.alesund",
        "rektor.alesund",
    ]
    services.set_user_roles(eng, "rektor.alesund", [], admin="admin")
    assert services.list_human_tasks(eng, "rektor.alesund") == []
    # the applicant never becomes a candidate for their own application
    services.set_user_roles(eng, "laerar.alesund", ["principal"], admin="admin")
    assert services.list_human_tasks(eng, "laerar.alesund") == []


def test_only_admins_change_roles_and_only_to_known_roles(eng):
    with pytest.raises(PermissionDenied):
        services.set_user_roles(eng, "tilsett1", ["admin"], admin="infosjef")
    with pytest.raises(FormInvalid):
        services.set_user_roles(eng, "tilsett1", ["kokk"], admin="admin")
    with eng.transaction() as session:
        roles = session.scalars(select(UserRole.role).where(UserRole.username == "tilsett1"))
        assert list(roles) == []


def test_an_admin_can_hand_back_a_claimed_task_but_not_complete_it(eng):
    services.start_process(eng, "account_application", "tilsett1", central_application())
    [task] = services.list_human_tasks(eng, "infosjef")
    services.claim_human_task(eng, task["id"], "infosjef")
    with pytest.raises(PermissionDenied):
        services.release_human_task(eng, task["id"], "komm1")
    services.release_human_task(eng, task["id"], "admin")
    assert services.list_human_tasks(eng, "infosjef")[0]["assignee"] is None
    with pytest.raises(PermissionDenied):
        services.claim_human_task(eng, task["id"], "admin")
    with pytest.raises(PermissionDenied):
        services.complete_human_task(eng, task["id"], "admin", {"decision": "approve"})
