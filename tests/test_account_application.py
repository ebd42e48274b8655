"""The account-application process (rules A1–A5), end to end through the service layer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases import services
from engine.errors import FormInvalid, PermissionDenied
from engine.store.models import OutboxMessage, ProcessInstance
from tests.conftest import central_application, school_application


def only_task(eng, username):
    tasks = services.list_human_tasks(eng, username)
    assert len(tasks) == 1, tasks
    return tasks[0]


def count_instances(eng) -> int:
    with eng.transaction() as session:
        return len(session.scalars(select(ProcessInstance.id)).all())


def test_school_application_happy_path(eng):
    instance_id = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    assert services.list_human_tasks(eng, "laerar.alesund") == []
    task = only_task(eng, "rektor.alesund")
    assert task["name"] == "Vurder søknaden"
    assert task["lane"] == "Godkjennar"
    assert task["candidates"] == ["rektor.alesund"]
    assert task["due_at"] == "2026-11-28T09:00:00+00:00"  # dueIn P5D
    assert task["created_by"] == "laerar.alesund"

    result = services.complete_human_task(
        eng,
        task["id"],
        "rektor.alesund",
        {"decision": "approve", "moderators": ["laerar.alesund", "laerar2.alesund"]},
    )
    assert result == {
        "instance_id": instance_id,
        "process_id": "account_application",
        "task": "Vurder søknaden",
        "element_id": "decide",
        "status": "completed",
        "outcome": "Konto oppretta",
    }

    [account] = services.list_accounts(eng)
    assert account["platform"] == "instagram"
    assert account["account_name"] == "alesundvgs"
    assert account["unit"] == "alesund_vgs"
    assert account["owner"] == "laerar.alesund"
    assert account["deputy"] == "laerar2.alesund"
    assert account["moderators"] == ["laerar.alesund", "laerar2.alesund"]
    assert account["status"] == "active"
    assert account["approved_by"] == "rektor.alesund"
    assert account["instance_id"] == instance_id

    case = services.show_instance(eng, instance_id)
    assert case["status"] == "completed"
    assert case["title"] == "alesundvgs på instagram – Ålesund vidaregåande skule"
    kinds = [event["kind"] for event in case["history"]]
    assert kinds == [
        "instance_started",
        "task_completed",
        "account_registered",
        "notification_queued",
        "instance_completed",
    ]
    completed = case["history"][1]
    assert completed["actor"] == "rektor.alesund"
    assert completed["detail"]["data"]["moderators"] == ["laerar.alesund", "laerar2.alesund"]
    with eng.transaction() as session:
        queued = session.execute(
            select(OutboxMessage.template, OutboxMessage.recipient)
            .where(OutboxMessage.instance_id == instance_id)
            .order_by(OutboxMessage.id)
        ).all()
    assert queued == [
        ("task_ready", "rektor.alesund"),  # the principal hears the application waits
        ("account_application_approved", "laerar.alesund"),  # the applicant
        ("account_application_approved", "laerar2.alesund"),  # the deputy is told
    ]
    assert services.verify_audit(eng).ok


def test_A1_second_account_on_same_platform_needs_justification_and_is_flagged(eng):
    first = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    task = only_task(eng, "rektor.alesund")
    services.complete_human_task(
        eng, task["id"], "rektor.alesund", {"decision": "approve", "moderators": ["laerar.alesund"]}
    )
    assert services.show_instance(eng, first)["status"] == "completed"

    with pytest.raises(FormInvalid) as error:
        services.start_process(
            eng,
            "account_application",
            "laerar2.alesund",
            school_application(account_name="alesundvgs2", deputy="laerar.alesund"),
        )
    assert "justification" in error.value.errors
    assert "A1" in error.value.messages()["justification"]

    second = services.start_process(
        eng,
        "account_application",
        "laerar2.alesund",
        school_application(
            account_name="alesundvgs_idrett",
            deputy="laerar.alesund",
            justification="Idrettslinja treng ein eigen kanal for kampar.",
        ),
    )
    warnings = services.show_instance(eng, second)["data"]["warnings"]
    assert {
        "code": "warning_second_account",
        "params": {"count": 1, "platform": "instagram"},
    } in warnings


def test_A2_school_goes_to_its_principal_and_central_to_head_of_information(eng):
    services.start_process(
        eng,
        "account_application",
        "laerar.molde",
        # The deputy is anyone but the owner and the approver (issue 14), here from elsewhere.
        school_application(deputy="laerar.kristiansund", account_name="moldevgs"),
    )
    services.start_process(eng, "account_application", "tilsett1", central_application())
    assert only_task(eng, "rektor.molde")["candidates"] == ["rektor.molde"]
    assert services.list_human_tasks(eng, "rektor.alesund") == []
    assert only_task(eng, "infosjef")["candidates"] == ["infosjef"]


def test_A2_routing_ignores_what_the_applicant_claims(eng):
    with pytest.raises(FormInvalid) as error:
        services.start_process(
            eng,
            "account_application",
            "laerar.alesund",
            school_application(unit_kind="department", approver_role="head_of_information"),
        )
    assert set(error.value.errors) == {"unit_kind", "approver_role"}
    assert count_instances(eng) == 0


def test_A2_applicant_cannot_apply_for_another_unit(eng):
    with pytest.raises(FormInvalid) as error:
        services.start_process(
            eng, "account_application", "laerar.alesund", school_application(unit="molde_vgs")
        )
    assert error.value.errors["unit"][0] == "unit_not_yours"


def test_A2_a_principals_own_application_goes_to_the_head_of_information(eng):
    services.start_process(
        eng, "account_application", "rektor.alesund", school_application(deputy="laerar.alesund")
    )
    assert services.list_human_tasks(eng, "rektor.alesund") == []
    assert only_task(eng, "infosjef")["candidates"] == ["infosjef"]


def test_A3_objective_is_required_and_must_be_a_real_sentence(eng):
    for objective, code in (
        ("", "required"),
        ("Instagram.", "min_length"),
        ("x" * 40, "min_words"),
    ):
        data = school_application(objective=objective)
        with pytest.raises(FormInvalid) as error:
            services.start_process(eng, "account_application", "laerar.alesund", data)
        assert error.value.errors["objective"][0] == code
    data = school_application()
    del data["objective"]
    with pytest.raises(FormInvalid):
        services.start_process(eng, "account_application", "laerar.alesund", data)
    assert count_instances(eng) == 0


def test_A4_capacity_and_a_deputy_other_than_the_owner_are_required(eng):
    with pytest.raises(FormInvalid) as error:
        services.start_process(
            eng, "account_application", "laerar.alesund", school_application(capacity="", deputy="")
        )
    assert error.value.errors["capacity"][0] == "required"
    assert error.value.errors["deputy"][0] == "required"
    with pytest.raises(FormInvalid) as error:
        services.start_process(
            eng,
            "account_application",
            "laerar.alesund",
            school_application(deputy="laerar.alesund"),
        )
    assert error.value.errors["deputy"][0] == "deputy_is_owner"
    with pytest.raises(FormInvalid) as error:
        services.start_process(
            eng, "account_application", "laerar.alesund", school_application(deputy="ingen.slik")
        )
    assert error.value.errors["deputy"] == ("unknown_user", {"value": "ingen.slik"})
    assert count_instances(eng) == 0


def test_A5_principal_names_moderators_from_the_school_only(eng):
    instance_id = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    task = only_task(eng, "rektor.alesund")
    for moderators, code in (
        ([], "moderators_required"),
        (["laerar.molde"], "moderator_other_unit"),
        (["nobody"], "unknown_user"),
    ):
        with pytest.raises(FormInvalid) as error:
            services.complete_human_task(
                eng, task["id"], "rektor.alesund", {"decision": "approve", "moderators": moderators}
            )
        assert error.value.errors["moderators"][0] == code
    # nothing changed: the task is still open and nothing is registered
    assert only_task(eng, "rektor.alesund")["id"] == task["id"]
    assert services.list_accounts(eng) == []
    services.complete_human_task(
        eng,
        task["id"],
        "rektor.alesund",
        {"decision": "approve", "moderators": ["laerar2.alesund"]},
    )
    assert services.list_accounts(eng)[0]["moderators"] == ["laerar2.alesund"]
    assert services.show_instance(eng, instance_id)["status"] == "completed"


def test_central_approval_needs_no_moderators(eng):
    services.start_process(eng, "account_application", "tilsett1", central_application())
    task = only_task(eng, "infosjef")
    with pytest.raises(FormInvalid) as error:
        services.complete_human_task(
            eng, task["id"], "infosjef", {"decision": "approve", "moderators": ["tilsett2"]}
        )
    assert error.value.errors["moderators"][0] == "moderators_only_school"
    services.complete_human_task(eng, task["id"], "infosjef", {"decision": "approve"})
    [account] = services.list_accounts(eng)
    assert (account["unit"], account["moderators"]) == ("samferdsel", [])


def test_reject_needs_a_comment_and_registers_nothing(eng):
    instance_id = services.start_process(
        eng, "account_application", "tilsett1", central_application()
    )
    task = only_task(eng, "infosjef")
    with pytest.raises(FormInvalid) as error:
        services.complete_human_task(eng, task["id"], "infosjef", {"decision": "reject"})
    assert error.value.errors["comment"][0] == "comment_required"
    services.complete_human_task(
        eng,
        task["id"],
        "infosjef",
        {"decision": "reject", "comment": "Bruk fylkeskommunens konto."},
    )
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Søknad avslått")
    assert services.list_accounts(eng) == []


def test_revise_sends_the_application_back_to_the_applicant(eng):
    instance_id = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    task = only_task(eng, "rektor.alesund")
    services.complete_human_task(
        eng,
        task["id"],
        "rektor.alesund",
        {"decision": "revise", "comment": "Kven svarar i feriane?"},
    )
    revise = only_task(eng, "laerar.alesund")
    assert revise["name"] == "Rett opp søknaden"
    assert revise["candidates"] == ["laerar.alesund"]
    with pytest.raises(PermissionDenied):
        services.complete_human_task(eng, revise["id"], "laerar2.alesund", {})
    services.complete_human_task(
        eng,
        revise["id"],
        "laerar.alesund",
        {"capacity": "To lærarar svarar kvar dag, også i feriane etter ein turnus."},
    )
    again = only_task(eng, "rektor.alesund")
    assert again["id"] != task["id"]
    data = services.show_instance(eng, instance_id)["data"]
    assert data["capacity"].endswith("etter ein turnus.")
    assert data["objective"] == school_application()["objective"]  # kept from before


def test_E8_personal_mailbox_is_flagged_to_the_approver(eng):
    instance_id = services.start_process(
        eng,
        "account_application",
        "laerar.alesund",
        school_application(mailbox="laerar.alesund@mrfylke.no"),
    )
    warnings = services.show_instance(eng, instance_id)["data"]["warnings"]
    assert [w["code"] for w in warnings] == ["warning_personal_mailbox"]


def test_E5_teacher_pupil_group_is_registered_closed(eng):
    services.start_process(
        eng, "account_application", "laerar.alesund", school_application(teacher_pupil_group=True)
    )
    task = only_task(eng, "rektor.alesund")
    services.complete_human_task(
        eng, task["id"], "rektor.alesund", {"decision": "approve", "moderators": ["laerar.alesund"]}
    )
    assert services.list_accounts(eng)[0]["closed_to_public"] is True


def test_a_second_decision_round_starts_blank(eng):
    """Only the application form keeps earlier answers; a decision is made anew each round."""
    services.start_process(eng, "account_application", "laerar.alesund", school_application())
    [first] = services.list_human_tasks(eng, "rektor.alesund")
    services.complete_human_task(
        eng,
        first["id"],
        "rektor.alesund",
        {"decision": "revise", "comment": "Kven svarar i feriane?"},
    )
    [revise] = services.list_human_tasks(eng, "laerar.alesund")
    services.complete_human_task(eng, revise["id"], "laerar.alesund", {})
    [second] = services.list_human_tasks(eng, "rektor.alesund")
    with pytest.raises(FormInvalid) as error:
        services.complete_human_task(eng, second["id"], "rektor.alesund", {})
    assert error.value.errors["decision"][0] == "required"
    with pytest.raises(FormInvalid) as error:
        services.complete_human_task(eng, second["id"], "rektor.alesund", {"decision": "reject"})
    assert error.value.errors["comment"][0] == "comment_required"
