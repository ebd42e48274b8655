"""Inclusive gateways, multi-instance tasks, timer start events, call activities across the
files of one process folder and plain tasks, run by our engine with a save/restore on a
freshly parsed spec between every step, and through the case services where deploying or the
inbox is part of the construct.

Diagrams: tests/diagrams/inclusive_gateway, multi_instance, timer_start, call_across_files
(three files) and plain_task.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.bpmn import runtime
from engine.bpmn.definitions import latest_definition
from engine.cases import services
from engine.errors import NotFound
from engine.store.models import User
from tests.conftest import START
from tests.constructs_support import DIAGRAMS, Case, bundles, variant

# --- inclusive gateway ---------------------------------------------------------------------------


def test_inclusive_gateway_takes_every_true_flow_and_joins_them():
    case = Case("inclusive_gateway")
    case.complete("choose", {"chosen": ["web", "social"]})
    assert case.ready == ["post_social", "post_web"]
    case.complete("post_web")
    assert case.ready == ["post_social"]  # the join waits for the other path taken
    case.complete("post_social")
    assert (case.completed, case.outcome) == (True, "Publisert")


def test_inclusive_gateway_takes_one_flow_and_does_not_wait_for_the_others():
    case = Case("inclusive_gateway")
    case.complete("choose", {"chosen": ["social"]})
    assert case.ready == ["post_social"]
    case.complete("post_social")
    assert case.completed


def test_inclusive_gateway_default_when_no_condition_holds():
    case = Case("inclusive_gateway")
    case.complete("choose", {"chosen": []})
    assert case.ready == ["post_board"]
    case.complete("post_board")
    assert case.completed


# --- multi-instance ------------------------------------------------------------------------------


def complete_instance(case: Case, element_id: str, item: str, data: dict) -> None:
    """Complete the instance of a multi-instance task that got `item`."""
    [task] = [
        t
        for t in case.snapshot.ready
        if t.element_id == element_id
        and runtime.task_data(case.workflow, t.id).get("reviewer") == item
    ]
    case._keep(case.workflow, runtime.complete_task(case.workflow, task.id, data, case.now))


def test_parallel_multi_instance_then_sequential():
    case = Case("multi_instance", data={"reviewers": ["komm1", "komm2", "infosjef"]})
    # Parallel: an instance per reviewer, all at once, each with its own item.
    assert case.ready == ["review", "review", "review"]
    assert sorted(d["reviewer"] for d in case.task_data("review")) == [
        "infosjef",
        "komm1",
        "komm2",
    ]
    complete_instance(case, "review", "komm2", {"review_result": "frå komm2"})
    complete_instance(case, "review", "komm1", {"review_result": "frå komm1"})
    assert case.ready == ["review"]
    complete_instance(case, "review", "infosjef", {"review_result": "frå infosjef"})
    # Each instance's result is collected as it comes in.
    assert case.data["reviews"] == ["frå komm2", "frå komm1", "frå infosjef"]
    # Sequential: len(reviews) instances, one after the other.
    for left in (2, 1, 0):
        assert case.ready == ["sign"]
        case.complete("sign")
        assert case.completed == (left == 0)
    assert case.outcome == "Vurdert og signert"


def test_multi_instance_over_an_empty_list_is_skipped():
    case = Case("multi_instance", data={"reviewers": []})
    assert case.ready == []
    assert case.completed


# --- timer start events -------------------------------------------------------------------------

TIMER = '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P1D"</bpmn:timeDuration>'


def test_timer_start_event_waits_for_its_time():
    case = Case("timer_start")
    assert case.ready == []
    assert case.next_timer_at == START + timedelta(days=1)
    assert case.fire_timers(START + timedelta(days=1)).fired_timers == ["start"]
    assert case.ready == ["check"]
    case.complete("check")
    assert (case.completed, case.outcome) == (True, "Sjekka")


def test_timer_start_event_on_a_date(tmp_path):
    date = (
        '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">"2026-12-01T08:00:00+00:00"'
        "</bpmn:timeDate>"
    )
    case = Case(variant(tmp_path, "timer_start", (TIMER, date)))
    assert case.next_timer_at == START.replace(month=12, day=1, hour=8)


def test_repeating_timer_start_event_starts_its_path_each_time(tmp_path):
    cycle = '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R2/PT1H"</bpmn:timeCycle>'
    case = Case(variant(tmp_path, "timer_start", (TIMER, cycle)))
    assert case.next_timer_at == START + timedelta(hours=1)
    assert case.fire_timers(START + timedelta(hours=1)).fired_timers == ["start"]
    assert case.ready == ["check"]
    assert case.next_timer_at == START + timedelta(hours=2)
    assert case.fire_timers(START + timedelta(hours=2)).fired_timers == ["start"]
    assert case.ready == ["check", "check"]
    assert case.next_timer_at is None
    case.complete("check")
    case.complete("check")
    assert case.completed


def test_timer_start_event_through_the_sweep(eng):
    services.deploy_definitions(eng, [DIAGRAMS / "timer_start"])
    instance_id = services.start_process(eng, "timer_start", "laerar.alesund", {})
    case = services.show_instance(eng, instance_id)
    assert case["next_timer_at"] == (START + timedelta(days=1)).isoformat()
    assert services.list_human_tasks(eng, "komm1") == []
    fired = services.fire_due_timers(eng, START + timedelta(days=1))
    assert fired == [{"instance_id": instance_id, "timers": ["start"], "status": "running"}]
    [task] = services.list_human_tasks(eng, "komm1")
    assert task["name"] == "Sjekk kontoane"


# --- call activities across the files of a folder -----------------------------------------------


def test_a_bundle_takes_in_the_files_its_call_activities_call():
    found = bundles(DIAGRAMS / "call_across_files")
    main = found["call_across_files"]
    assert sorted(main.files) == [
        "archive.bpmn",
        "call_across_files.bpmn",
        "forms/review.json",
        "review.bpmn",
    ]
    # The called processes are bundles too, but only the engine starts them (by a call).
    assert main.task_meta["startable"] is True
    assert found["call_review"].task_meta["startable"] is False
    assert found["call_archive"].task_meta["startable"] is False
    # The case of the main process runs the called ones' tasks: their elements are known.
    review = main.task_meta["elements"]["review"]
    assert (review["lane"], review["form"]) == ("Kommunikasjonsseksjonen", "forms/review.json")


def test_a_bundle_of_one_file_of_the_folder_still_finds_what_it_calls():
    [main] = [
        b for b in bundles(DIAGRAMS / "call_across_files" / "call_across_files.bpmn").values()
    ]
    assert "archive.bpmn" in main.files and "review.bpmn" in main.files


def test_a_called_process_may_still_be_started_by_hand_when_it_says_so(tmp_path):
    folder = variant(
        tmp_path,
        "call_across_files",
        (
            '<bpmn:process id="call_review" name="Vurdering" isExecutable="true">',
            '<bpmn:process id="call_review" name="Vurdering" isExecutable="true">'
            "<bpmn:extensionElements><spiffworkflow:properties>"
            '<spiffworkflow:property name="startable" value="true" />'
            "</spiffworkflow:properties></bpmn:extensionElements>",
        ),
    )
    assert bundles(folder)["call_review"].task_meta["startable"] is True


def test_call_activities_across_files_run():
    case = Case("call_across_files")
    assert case.ready == ["review"]
    case.complete("review", {"approved": True})
    assert case.data["archived"] is True  # the third file's script ran
    assert (case.completed, case.outcome) == (True, "Ferdig")


def test_call_activities_across_files_through_the_case_services(eng):
    services.deploy_definitions(eng, [DIAGRAMS / "call_across_files"])
    instance_id = services.start_process(eng, "call_across_files", "laerar.alesund", {})
    [task] = services.list_human_tasks(eng, "komm1")
    assert task["name"] == "Vurder saka"
    services.complete_human_task(eng, task["id"], "komm1", {"approved": True})
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Ferdig")

    with pytest.raises(NotFound):  # it only serves the process that calls it
        services.start_process(eng, "call_review", "laerar.alesund", {})
    with eng.reading() as session:
        user = session.query(User).filter_by(username="laerar.alesund").one()
        assert not services.may_start(latest_definition(session, "call_review"), user)
        assert services.may_start(latest_definition(session, "call_across_files"), user)


# --- plain tasks -----------------------------------------------------------------------------


def test_plain_task_is_a_manual_task_of_its_lane():
    case = Case("plain_task")
    assert case.ready == ["call_back"]
    assert [t.lane for t in case.snapshot.ready] == ["Kommunikasjonsseksjonen"]
    case.complete("call_back")
    assert (case.completed, case.outcome) == (True, "Ringt")


def test_plain_task_through_the_case_services(eng):
    services.deploy_definitions(eng, [DIAGRAMS / "plain_task"])
    instance_id = services.start_process(eng, "plain_task", "laerar.alesund", {})
    assert services.list_human_tasks(eng, "laerar.alesund") == []  # the lane's, not the starter's
    [task] = services.list_human_tasks(eng, "komm2")
    assert task["name"] == "Ring tilbake"
    services.complete_human_task(eng, task["id"], "komm2", {})
    assert services.show_instance(eng, instance_id)["status"] == "completed"
