"""Deploying BPMN bundles: validation (file, element id, line), content-hash versions, pinning.

Each bad bundle is a copy of workflows/ with one minimal edit, so a test shows exactly one defect;
expected line numbers are computed from the edited text.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.bootstrap import Engine
from engine.cases import services
from engine.errors import DefinitionInvalid
from engine.store.models import AuditEvent, ProcessDefinition
from someflyt.cli import main
from tests.conftest import WORKFLOWS, school_application

PROCESS = "account_application"
BPMN = "account_application.bpmn"
DECISION_FORM = "forms/account_decision.json"
APPLICATION_FORM = "forms/account_application.json"
APPROVE = {"decision": "approve", "moderators": ["laerar.alesund"]}

# --- helpers -----------------------------------------------------------------------------------


def copy_workflows(tmp_path: Path, name: str = "workflows") -> Path:
    """The account-application process folder alone: these tests change it and count its
    versions."""
    folder = tmp_path / name / "account_application"
    shutil.copytree(WORKFLOWS / "account_application", folder)
    return folder


def edit(file: Path, old: str, new: str) -> None:
    """Replace `old`, which must occur exactly once, so the edit cannot land somewhere else."""
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file.name}"
    file.write_text(text.replace(old, new), encoding="utf-8")


def bad_copy(tmp_path: Path, *edits: tuple[str, str], name: str = "workflows") -> Path:
    folder = copy_workflows(tmp_path, name)
    for old, new in edits:
        edit(folder / BPMN, old, new)
    return folder


def line_of(file: Path, needle: str) -> int:
    text = file.read_text(encoding="utf-8")
    assert text.count(needle) == 1, f"{needle!r} occurs {text.count(needle)} times"
    return text[: text.index(needle)].count("\n") + 1


def rejected(eng: Engine, *paths: Path) -> list[str]:
    with pytest.raises(DefinitionInvalid) as error:
        services.deploy_definitions(eng, list(paths))
    assert error.value.problems, "DefinitionInvalid without problems"
    return error.value.problems


def only_problem(eng: Engine, path: Path) -> str:
    problems = rejected(eng, path)
    assert len(problems) == 1, problems
    return problems[0]


def assert_located(problem: str, element_id: str, line: int, file: str = BPMN) -> None:
    assert file in problem, problem
    assert f"'{element_id}'" in problem, problem
    assert re.search(rf"\bline {line}\b", problem), f"expected line {line}: {problem}"


def counts(eng: Engine) -> tuple[int, int]:
    with eng.transaction() as session:
        definitions = session.scalar(select(func.count()).select_from(ProcessDefinition))
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    return definitions, events


def rename_decide(folder: Path, new_name: str = "Vurder søknaden (ny)") -> None:
    edit(folder / BPMN, 'name="Vurder søknaden"', f'name="{new_name}"')


# --- validation: each kind of defect -------------------------------------------------------------


def test_the_reference_bundle_is_valid_and_already_deployed(eng: Engine, tmp_path: Path) -> None:
    [result] = services.deploy_definitions(eng, [copy_workflows(tmp_path)])
    assert (result["process_id"], result["version"], result["created"]) == (PROCESS, 1, False)


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        pytest.param(
            BPMN,
            "<bpmn:incoming>flow_route_decide</bpmn:incoming>",
            "<bpmn:incoming>flow_route_decide</bpmn:incomin>",
            id="mismatched-tag",
        ),
        pytest.param(
            BPMN,
            'name="Rett opp søknaden"',
            'name="Rett opp &amp send inn"',
            id="bare-ampersand",
        ),
        pytest.param(
            "account_routing.dmn",
            "<description>Skular: rektor godkjenner</description>",
            "<description>Skular: rektor godkjenner</decription>",
            id="dmn",
        ),
    ],
)
def test_malformed_xml_names_file_and_line(
    eng: Engine, tmp_path: Path, file: str, old: str, new: str
) -> None:
    folder = copy_workflows(tmp_path)
    edit(folder / file, old, new)
    # A broken DMN also leaves its decision undefined; that follow-up problem may come after.
    problem, *_ = rejected(eng, folder)
    assert problem.startswith(f"{file}: line {line_of(folder / file, new)}: malformed XML"), problem


def test_element_outside_the_bpmn_schema_names_file_and_line(eng: Engine, tmp_path: Path) -> None:
    """A file SpiffWorkflow might still parse, but a modeler would refuse: XSD-validated."""
    folder = bad_copy(
        tmp_path,
        (
            '<bpmn:userTask id="decide" name="Vurder søknaden">',
            '<bpmn:userTask id="decide" name="Vurder søknaden">\n'
            "      <bpmn:priority>1</bpmn:priority>",
        ),
    )
    problem = only_problem(eng, folder)
    assert problem.startswith(f"{BPMN}: line {line_of(folder / BPMN, '<bpmn:priority>')}:")
    assert "not valid BPMN 2.0" in problem and "priority" in problem


def test_process_without_start_event(eng: Engine, tmp_path: Path) -> None:
    folder = bad_copy(
        tmp_path,
        ("<bpmn:startEvent id=", "<bpmn:intermediateThrowEvent id="),
        ("</bpmn:startEvent>", "</bpmn:intermediateThrowEvent>"),
    )
    problem = only_problem(eng, folder)
    assert "no start event" in problem
    assert_located(
        problem, PROCESS, line_of(folder / BPMN, '<bpmn:process id="account_application"')
    )


CONDITION = '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">decision == "reject"'
GATEWAY_OUTGOING = (
    "      <bpmn:outgoing>flow_approve</bpmn:outgoing>\n"
    "      <bpmn:outgoing>flow_reject</bpmn:outgoing>\n"
    "      <bpmn:outgoing>flow_revise</bpmn:outgoing>\n"
)


@pytest.mark.parametrize("drop_outgoing", [False, True], ids=["with-outgoing", "sourceRef-only"])
def test_gateway_flow_without_condition(eng: Engine, tmp_path: Path, drop_outgoing: bool) -> None:
    # <bpmn:outgoing> children are optional: the flows of a gateway are those with its sourceRef.
    edits = [(CONDITION + "</bpmn:conditionExpression>", "")]
    if drop_outgoing:
        edits.append((GATEWAY_OUTGOING, ""))
    folder = bad_copy(tmp_path, *edits)
    problem = only_problem(eng, folder)
    assert "no condition" in problem
    assert_located(problem, "decision_gateway", line_of(folder / BPMN, 'id="decision_gateway"'))
    flow_line = line_of(folder / BPMN, '<bpmn:sequenceFlow id="flow_reject"')
    assert f"'flow_reject' (line {flow_line})" in problem


def test_gateway_condition_is_checked_even_without_outgoing_children(
    eng: Engine, tmp_path: Path
) -> None:
    folder = bad_copy(
        tmp_path,
        (GATEWAY_OUTGOING, ""),
        (CONDITION, CONDITION.replace("decision ==", "decision.__class__ ==")),
    )
    problem = only_problem(eng, folder)
    assert '"__class__" is an invalid attribute name' in problem
    assert_located(problem, "flow_reject", line_of(folder / BPMN, 'id="flow_reject"'))


REMINDER_TIMER = '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P3D"</bpmn:timeDuration>'


def timer(kind: str, text: str) -> str:
    return f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">{text}</bpmn:{kind}>'


@pytest.mark.parametrize(
    ("kind", "text", "hint"),
    [
        ("timeDuration", "PT24H", 'a quoted Python string, e.g. "PT24H"'),
        ("timeDate", "2026-12-01T09:00:00Z", 'e.g. "2026-12-01T09:00:00Z"'),
        ("timeDuration", "${duration}", "a Python expression, e.g. duration"),
        ("timeDuration", "=duration", "a Python expression, e.g. duration"),
    ],
)
def test_unquoted_timer_is_rejected(
    eng: Engine, tmp_path: Path, kind: str, text: str, hint: str
) -> None:
    folder = bad_copy(tmp_path, (REMINDER_TIMER, timer(kind, text)))
    problem = only_problem(eng, folder)
    assert f"timer {kind} {text!r}" in problem and hint in problem, problem
    assert_located(problem, "decide_reminder", line_of(folder / BPMN, 'id="decide_reminder"'))
    timer_line = line_of(folder / BPMN, timer(kind, text))
    assert f"line {timer_line}: timer" in problem


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("timeDuration", '"PT24H"'),
        ("timeDuration", "reminder_after"),  # a variable set earlier in the process
    ],
)
def test_quoted_timer_or_expression_deploys(
    eng: Engine, tmp_path: Path, kind: str, text: str
) -> None:
    folder = bad_copy(tmp_path, (REMINDER_TIMER, timer(kind, text)))
    [result] = services.deploy_definitions(eng, [folder])
    assert (result["version"], result["created"]) == (2, True)


def test_repeating_timer_deploys(eng: Engine, tmp_path: Path) -> None:
    folder = bad_copy(tmp_path, (REMINDER_TIMER, timer("timeCycle", '"R3/PT1H"')))
    [result] = services.deploy_definitions(eng, [folder])
    assert (result["version"], result["created"]) == (2, True)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("R3/PT1H", 'must be a quoted Python string, e.g. "R3/PT1H"'),
        ('"PT1H"', "is not a repeating interval"),
        ('"R3"', "is not a repeating interval"),
    ],
)
def test_repeating_timer_must_be_a_quoted_interval(
    eng: Engine, tmp_path: Path, text: str, hint: str
) -> None:
    folder = bad_copy(tmp_path, (REMINDER_TIMER, timer("timeCycle", text)))
    problem = only_problem(eng, folder)
    assert "timeCycle" in problem and hint in problem, problem
    assert_located(problem, "decide_reminder", line_of(folder / BPMN, timer("timeCycle", text)))


def test_human_task_outside_every_lane_is_rejected(eng: Engine, tmp_path: Path) -> None:
    """Otherwise nobody's lane says who may act, and it would fall to the applicant."""
    folder = bad_copy(tmp_path, ("<bpmn:flowNodeRef>decide</bpmn:flowNodeRef>", ""))
    problem = only_problem(eng, folder)
    assert "must be in a lane" in problem
    assert_located(problem, "decide", line_of(folder / BPMN, '<bpmn:userTask id="decide"'))


def test_due_time_that_is_no_duration_is_rejected(eng: Engine, tmp_path: Path) -> None:
    folder = bad_copy(tmp_path, ('name="dueIn" value="P5D"', 'name="dueIn" value="P1M"'))
    problem = only_problem(eng, folder)
    assert "dueIn 'P1M'" in problem
    assert_located(problem, "decide", line_of(folder / BPMN, '<bpmn:userTask id="decide"'))


def test_form_field_of_unknown_type_is_rejected(eng: Engine, tmp_path: Path) -> None:
    folder = copy_workflows(tmp_path)
    edit(
        folder / DECISION_FORM,
        '"type": "string",\n      "title": "Kommentar',
        '"type": "text",\n      "title": "Kommentar',
    )
    problem = only_problem(eng, folder)
    assert DECISION_FORM in problem and "'comment'" in problem and "'text'" in problem


def test_form_translation_in_unknown_language_is_rejected(eng: Engine, tmp_path: Path) -> None:
    folder = copy_workflows(tmp_path)
    edit(
        folder / DECISION_FORM,
        '"en": {\n          "title": "Comment',
        '"se": {\n          "title": "Comment',
    )
    problem = only_problem(eng, folder)
    assert DECISION_FORM in problem and "comment x-i18n" in problem and "'se'" in problem


# A script task between `route` and `decide`; the safe version deploys (see below).
SCRIPT_TASK = """    <bpmn:scriptTask id="prepare" name="Førebu vurderinga">
      <bpmn:incoming>flow_route_decide</bpmn:incoming>
      <bpmn:outgoing>flow_prepare_decide</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="flow_prepare_decide" sourceRef="prepare" targetRef="decide" />
"""


def with_script_task(tmp_path: Path, script: str) -> Path:
    return bad_copy(
        tmp_path,
        ('targetRef="decide" />', 'targetRef="prepare" />'),
        (
            "<bpmn:incoming>flow_route_decide</bpmn:incoming>\n"
            "      <bpmn:outgoing>flow_decide_gateway",
            "<bpmn:incoming>flow_prepare_decide</bpmn:incoming>\n"
            "      <bpmn:outgoing>flow_decide_gateway",
        ),
        (
            '    <bpmn:endEvent id="end_reminded"',
            SCRIPT_TASK.format(script=script) + '    <bpmn:endEvent id="end_reminded"',
        ),
    )


def test_safe_script_task_deploys(eng: Engine, tmp_path: Path) -> None:
    folder = with_script_task(tmp_path, "review_note = applicant.upper()")
    [result] = services.deploy_definitions(eng, [folder])
    assert (result["version"], result["created"]) == (2, True)


@pytest.mark.parametrize(
    ("script", "script_line", "complaint"),
    [
        ("import os", 1, "imports are not allowed"),
        ("review_note = 'ok'\nfrom os import path", 2, "imports are not allowed"),
        ("kind = applicant.__class__", 1, '"__class__" is an invalid attribute name'),
        ("__import__('os')", 1, '"__import__" is an invalid variable name'),
        ("getattr(applicant, 'upper')", 1, "'getattr' is not allowed"),
    ],
)
def test_unsafe_script_task_is_rejected(
    eng: Engine, tmp_path: Path, script: str, script_line: int, complaint: str
) -> None:
    folder = with_script_task(tmp_path, script)
    problem = only_problem(eng, folder)
    assert f"script line {script_line}: {complaint}" in problem, problem
    assert_located(problem, "prepare", line_of(folder / BPMN, '<bpmn:scriptTask id="prepare"'))


def test_unsafe_post_script_is_rejected(eng: Engine, tmp_path: Path) -> None:
    due = '<spiffworkflow:property name="dueIn" value="P5D" />\n        </spiffworkflow:properties>'
    post_script = "\n        <spiffworkflow:postScript>import os</spiffworkflow:postScript>"
    folder = bad_copy(tmp_path, (due, due + post_script))
    problem = only_problem(eng, folder)
    assert "imports are not allowed" in problem
    assert_located(problem, "decide", line_of(folder / BPMN, '<bpmn:userTask id="decide"'))


def test_lane_naming_no_known_role(eng: Engine, tmp_path: Path) -> None:
    folder = bad_copy(tmp_path, ('name="Søkjar"', 'name="Kokk"'))
    problem = only_problem(eng, folder)
    assert "lane 'Kokk' names no known role" in problem
    assert_located(problem, "lane_applicant", line_of(folder / BPMN, 'id="lane_applicant"'))


def test_missing_form_file(eng: Engine, tmp_path: Path) -> None:
    folder = copy_workflows(tmp_path)
    (folder / DECISION_FORM).unlink()
    problem = only_problem(eng, folder)
    assert f"form file '{DECISION_FORM}' does not exist" in problem
    assert_located(problem, "decide", line_of(folder / BPMN, '<bpmn:userTask id="decide"'))


def test_misspelt_form_reference_names_every_element_using_it(eng: Engine, tmp_path: Path) -> None:
    folder = copy_workflows(tmp_path)
    text = (folder / BPMN).read_text(encoding="utf-8")
    (folder / BPMN).write_text(text.replace(APPLICATION_FORM, "forms/søknad.json"), "utf-8")
    problems = rejected(eng, folder)
    assert len(problems) == 2, problems
    for problem, element in zip(problems, ["start", "revise"], strict=True):
        assert "form file 'forms/søknad.json' does not exist" in problem
        assert_located(problem, element, line_of(folder / BPMN, f' id="{element}" name='))


def test_unknown_service_task_operator(eng: Engine, tmp_path: Path) -> None:
    folder = bad_copy(tmp_path, ('id="register_account"', 'id="register_acount"'))
    problem = only_problem(eng, folder)
    assert "service task operator 'register_acount' is unknown" in problem
    assert "no installed process package registers it" in problem
    # The engine's own operators and every installed package's are offered.
    for known in ("archive_handoff", "notify", "reassign", "start_process", "register_account"):
        assert known in problem.partition("known:")[2], problem
    assert_located(problem, "registration", line_of(folder / BPMN, 'id="registration"'))
    operator_line = line_of(folder / BPMN, 'id="register_acount"')
    assert f"line {operator_line}: service task operator" in problem


@pytest.mark.parametrize(
    ("form", "old", "new", "key", "elements"),
    [
        (DECISION_FORM, '"a5_moderators_from_school"', '"a5_moderators"', "x-checks", ["decide"]),
        (APPLICATION_FORM, '"approver_warnings"', '"warnings"', "x-derive", ["start", "revise"]),
    ],
)
def test_unknown_form_rule(
    eng: Engine, tmp_path: Path, form: str, old: str, new: str, key: str, elements: list[str]
) -> None:
    folder = copy_workflows(tmp_path)
    edit(folder / form, old, new)
    problems = rejected(eng, folder)
    assert len(problems) == len(elements), problems
    for problem, element in zip(problems, elements, strict=True):
        assert problem.startswith(f"{form}: {key} {json.loads(new)!r} is unknown"), problem
        assert f"'{element}'" in problem and BPMN in problem, problem


# --- a rejected deploy changes nothing ----------------------------------------------------------


def test_rejected_deploy_changes_nothing(eng: Engine, tmp_path: Path) -> None:
    folder = copy_workflows(tmp_path)
    rename_decide(folder)  # new content that would be version 2 ...
    edit(folder / BPMN, 'name="Godkjennar"', 'name="Kokk"')  # ... but for this lane
    before = counts(eng)
    rejected(eng, folder)
    assert counts(eng) == before


@pytest.mark.parametrize("bad_first", [False, True])
def test_one_bad_path_stores_none(eng: Engine, tmp_path: Path, bad_first: bool) -> None:
    good = copy_workflows(tmp_path, "good")
    rename_decide(good)
    bad = bad_copy(tmp_path, (REMINDER_TIMER, timer("timeDuration", "PT24H")), name="bad")
    before = counts(eng)
    [problem] = rejected(eng, *([bad, good] if bad_first else [good, bad]))
    assert "'PT24H'" in problem
    assert counts(eng) == before
    # The good bundle alone would have been stored: the rejection is what kept it out.
    [result] = services.deploy_definitions(eng, [good])
    assert (result["version"], result["created"]) == (2, True)
    assert counts(eng) == (before[0] + 1, before[1] + 1)


def test_paths_that_are_not_bundles_are_rejected(eng: Engine, tmp_path: Path) -> None:
    before = counts(eng)
    [problem] = rejected(eng, WORKFLOWS / "account_application" / "account_routing.dmn")
    assert "not a .bpmn file" in problem
    [problem] = rejected(eng, tmp_path)
    assert "no .bpmn files" in problem
    assert counts(eng) == before


# --- content hash and versions ------------------------------------------------------------------


def test_same_content_is_stored_once(eng: Engine, tmp_path: Path) -> None:
    before = counts(eng)
    [default] = [d for d in services.deploy_definitions(eng) if d["process_id"] == PROCESS]
    [copied] = services.deploy_definitions(eng, [copy_workflows(tmp_path) / BPMN])
    assert default == copied  # the hash is of the content, not of where it lies
    assert (copied["version"], copied["created"]) == (1, False)
    assert counts(eng) == before


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        (BPMN, 'name="Vurder søknaden"', 'name="Vurder søknaden (ny)"'),
        (DECISION_FORM, '"title": "Avgjerd"', '"title": "Di avgjerd"'),
        ("account_routing.dmn", "rektor godkjenner<", "rektoren godkjenner<"),
    ],
    ids=["bpmn", "form", "dmn"],
)
def test_changed_bundle_gets_next_version_once(
    eng: Engine, tmp_path: Path, file: str, old: str, new: str
) -> None:
    folder = copy_workflows(tmp_path)
    edit(folder / file, old, new)
    definitions, events = counts(eng)
    [first] = services.deploy_definitions(eng, [folder])
    [again] = services.deploy_definitions(eng, [folder])
    assert (first["version"], first["created"]) == (2, True)
    assert again == first | {"created": False}
    assert counts(eng) == (definitions + 1, events + 1)  # one row, one definition_deployed
    with eng.transaction() as session:
        stored = session.scalar(select(ProcessDefinition).where(ProcessDefinition.version == 2))
        assert stored is not None
        assert stored.content_hash == first["content_hash"]
        assert stored.files[file] == (folder / file).read_text(encoding="utf-8")


def test_instance_stays_pinned_to_its_version(eng: Engine, tmp_path: Path) -> None:
    old = services.start_process(eng, PROCESS, "laerar.alesund", school_application())
    folder = copy_workflows(tmp_path)
    rename_decide(folder)
    [deployed] = services.deploy_definitions(eng, [folder])
    assert deployed["version"] == 2
    new = services.start_process(
        eng,
        PROCESS,
        "laerar.alesund",
        school_application(platform="facebook", account_name="Ålesund vgs"),
    )
    assert services.show_instance(eng, old)["version"] == 1
    assert services.show_instance(eng, new)["version"] == 2

    tasks = {t["instance_id"]: t for t in services.list_human_tasks(eng, "rektor.alesund")}
    assert tasks[old]["name"] == "Vurder søknaden"
    assert tasks[new]["name"] == "Vurder søknaden (ny)"
    result = services.complete_human_task(eng, tasks[old]["id"], "rektor.alesund", APPROVE)
    assert result == {
        "instance_id": old,
        "process_id": "account_application",
        "task": "Vurder søknaden",
        "element_id": "decide",
        "status": "completed",
        "outcome": "Konto oppretta",
    }
    assert services.show_instance(eng, old)["version"] == 1
    result = services.complete_human_task(eng, tasks[new]["id"], "rektor.alesund", APPROVE)
    assert result["status"] == "completed"
    assert services.show_instance(eng, new)["version"] == 2


# --- the command line ---------------------------------------------------------------------------


def test_cli_deploy_rejects_a_bad_bundle(
    eng: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = bad_copy(tmp_path, ('name="Søkjar"', 'name="Kokk"'))
    before = counts(eng)
    assert main(["deploy", str(folder), "--json"], eng=eng) != 0
    out, err = capsys.readouterr()
    payload = json.loads(out)
    assert payload["error"] == "DefinitionInvalid"
    [problem] = payload["problems"]
    assert_located(problem, "lane_applicant", line_of(folder / BPMN, 'id="lane_applicant"'))
    assert problem in err  # people see the problems too
    assert counts(eng) == before

    assert main(["deploy", str(folder)], eng=eng) != 0
    out, err = capsys.readouterr()
    assert out == "" and problem in err


def test_cli_deploy_accepts_the_workflows_folder(
    eng: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["deploy", str(WORKFLOWS), "--json"], ["deploy", "--json"], ["init", "--json"]):
        assert main(argv, eng=eng) == 0, argv
        payload = json.loads(capsys.readouterr().out)
        deployed = payload["deployed"] if argv[0] == "init" else payload
        assert [(d["process_id"], d["version"], d["created"]) for d in deployed] == [
            (PROCESS, 1, False),
            ("account_closure", 1, False),
            ("ask_comms", 1, False),
            ("crisis_communication", 1, False),
            ("forum_pause", 1, False),
            ("inquiry_handling", 1, False),
            ("photo_removal", 1, False),
            ("post_approval", 1, False),
            ("reputation_escalation", 1, False),
        ]


def test_due_from_must_name_a_date_time_field(eng: Engine, tmp_path: Path) -> None:
    """A reply due 24 h after `received_at` (G2a) needs that field to be a moment."""
    folder = tmp_path / "all"
    shutil.copytree(WORKFLOWS, folder)
    edit(
        folder / "inquiry_handling/forms/inquiry.json",
        '"format": "date-time",',
        '"format": "email",',
    )
    problems = rejected(eng, folder)
    assert problems, problems
    for problem in problems:
        assert "inquiry_handling.bpmn" in problem, problem
        assert "dueFrom 'received_at' is not a date-time field" in problem, problem


@pytest.mark.parametrize(
    ("element", "edit_from", "edit_to", "message"),
    [
        # Four eyes (G9) rests on naming the step whose performer may not approve.
        (
            "approve",
            'name="separateFrom" value="draft"',
            'name="separateFrom" value="drfat"',
            "separateFrom 'drfat' is not a user task of this process",
        ),
        (
            "draft",
            'name="assigneeFrom" value="handler"',
            'name="assigneeFrom" value="summary"',
            "assigneeFrom 'summary' is not a user field",
        ),
    ],
)
def test_task_properties_must_name_what_exists(
    eng: Engine, tmp_path: Path, element: str, edit_from: str, edit_to: str, message: str
) -> None:
    folder = tmp_path / "all"
    shutil.copytree(WORKFLOWS, folder)
    bpmn = folder / "reputation_escalation" / "reputation_escalation.bpmn"
    edit(bpmn, edit_from, edit_to)
    [problem] = rejected(eng, folder)
    assert_located(problem, element, line_of(bpmn, f'id="{element}"'), bpmn.name)
    assert message in problem


def test_ready_template_must_name_a_notification_text(eng: Engine, tmp_path: Path) -> None:
    """A task that tells its people something of its own (G2c: "publish the notice") must name
    a text the mail and the in-app notification have."""
    folder = tmp_path / "all"
    shutil.copytree(WORKFLOWS, folder)
    bpmn = folder / "forum_pause" / "forum_pause.bpmn"
    edit(bpmn, 'value="forum_pause_publish"', 'value="forum_pause_pubilsh"')
    [problem] = rejected(eng, folder)
    assert_located(problem, "publish_notice", line_of(bpmn, 'id="publish_notice"'), bpmn.name)
    assert "readyTemplate 'forum_pause_pubilsh' is not a notification text" in problem
