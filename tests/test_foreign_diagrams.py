"""Diagrams drawn for other engines: translated at deploy with a warning per change, lanes mapped
to our roles by the deployer (and remembered), forms built from the diagram, and run."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from engine.bootstrap import Engine
from engine.bpmn import definitions
from engine.bpmn.foreign import expressions
from engine.bpmn.foreign.translate import DeployOptions
from engine.cases import services
from engine.errors import DefinitionInvalid
from engine.store.models import AuditEvent
from someflyt.cli import main

CAMUNDA = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="x">
  <bpmn:collaboration id="collab">
    <bpmn:participant id="p_ours" processRef="leave_request" />
    <bpmn:participant id="p_partner" processRef="partner" />
  </bpmn:collaboration>
  <bpmn:process id="leave_request" name="Leave request" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_boss" name="Approver">
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>book</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_hr">
        <bpmn:flowNodeRef>archive</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask" />
    <bpmn:userTask id="ask" name="Ask for leave">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="days" label="How many days" type="long" defaultValue="3" />
          <camunda:formField id="kind" label="Kind of leave" type="enum">
            <camunda:value id="holiday" name="Holiday" />
            <camunda:value id="course" name="Course" />
          </camunda:formField>
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="review" />
    <bpmn:userTask id="review" name="Review the request" camunda:assignee="${boss}" />
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="decided" />
    <bpmn:exclusiveGateway id="decided" name="Approved?" />
    <bpmn:sequenceFlow id="f_yes" sourceRef="decided" targetRef="book">
      <bpmn:conditionExpression>${approved &amp;&amp; days &lt;= 10}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="decided" targetRef="archive">
      <bpmn:conditionExpression>${!approved || days &gt; 10}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:serviceTask id="book" name="Book the leave" camunda:class="org.example.Book" />
    <bpmn:sequenceFlow id="f4" sourceRef="book" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" name="A day later">
      <bpmn:timerEventDefinition id="wait_def">
        <bpmn:timeDuration>PT24H</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="archive" />
    <bpmn:task id="archive" name="File it" />
    <bpmn:sequenceFlow id="f6" sourceRef="archive" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
  <bpmn:process id="partner" isExecutable="false">
    <bpmn:laneSet id="partner_lanes"><bpmn:lane id="pl" name="Payroll office" /></bpmn:laneSet>
    <bpmn:userTask id="partner_task" name="Not ours" />
  </bpmn:process>
</bpmn:definitions>
"""
MAPPING = DeployOptions(
    lanes={"Approver": "comms", "lane_hr": "management"}, default_lane="starter"
)


def diagram(tmp_path: Path, text: str = CAMUNDA, name: str = "leave.bpmn") -> Path:
    folder = tmp_path / "leave_request"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


@pytest.mark.parametrize(
    ("foreign", "python"),
    [
        ("${approved}", "approved"),
        ("${!approved}", "not approved"),
        ("#{clarified == 'yes'}", "clarified == 'yes'"),
        ("${a && b || !c}", "a and b or not c"),
        ("${days ge 3 and not empty note}", "days >= 3 and not not note"),
        ("${order.size > 3}", "order['size'] > 3"),
        ('= kind = "holiday"', 'kind == "holiday"'),
        ("= not(approved) and days != 2", "not (approved) and days != 2"),
        ("= x = null", "x == None"),
    ],
)
def test_juel_and_feel_in_the_subset_become_python(foreign: str, python: str) -> None:
    assert expressions.is_foreign(foreign)
    assert expressions.to_python(foreign) == python


@pytest.mark.parametrize(
    "foreign",
    ["${x.foo()}", "${f(1)}", "${a ? b : c}", "${a[0]}", "= count(items) > 1", "${a}${b}", "${"],
)
def test_juel_and_feel_outside_the_subset_are_refused(foreign: str) -> None:
    with pytest.raises(ValueError):
        expressions.to_python(foreign)


def test_python_is_not_taken_for_feel() -> None:
    assert not expressions.is_foreign("x == 1")
    assert not expressions.is_foreign('"PT5M"')


def test_unmapped_lanes_and_unlaned_tasks_are_refused_with_how_to_map_them(
    tmp_path: Path,
) -> None:
    with pytest.raises(DefinitionInvalid) as error:
        definitions.collect_bundles([diagram(tmp_path)])
    text = "\n".join(error.value.problems)
    assert "lane 'Approver' names none of our roles" in text
    assert '--lane "Approver=ROLE"' in text
    assert "lane 'lane_hr' names none of our roles" in text  # no name: known by its id
    assert "Payroll office" not in text and "partner_task" not in text  # not executable


def test_a_mapped_diagram_deploys_with_a_warning_for_each_translation(tmp_path: Path) -> None:
    [bundle] = definitions.collect_bundles([diagram(tmp_path)], MAPPING)
    warnings = "\n".join(bundle.warnings)
    assert "'${approved && days <= 10}' was translated to 'approved and days <= 10'" in warnings
    assert 'timer timeDuration PT24H was read as the string "PT24H"' in warnings
    assert "service task 'Book the leave' was meant for another engine's worker" in warnings
    assert "element 'ask'" in warnings and "fields days, kind" in warnings
    assert "element 'review'" in warnings and "fields approved" in warnings
    assert bundle.task_meta["lane_roles"] == {
        "Approver": "comms",
        "lane_hr": "management",
        "": "starter",
    }
    stored = etree.fromstring(bundle.files["leave.bpmn"].encode())
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    [book] = stored.xpath("//bpmn:*[@id='book']", namespaces=ns)
    assert etree.QName(book).localname == "manualTask"
    ask_form = json.loads(bundle.files["generated/ask.json"])
    assert ask_form["properties"]["days"] == {
        "type": "integer",
        "title": "How many days",
        "default": 3,
    }
    assert ask_form["properties"]["kind"]["enum"] == ["holiday", "course"]
    review_form = json.loads(bundle.files["generated/review.json"])
    assert review_form["properties"]["approved"]["type"] == "boolean"


def test_a_mapped_diagram_runs_with_the_mapped_roles(eng: Engine, tmp_path: Path) -> None:
    [result] = services.deploy_definitions(eng, [diagram(tmp_path).parent], "admin", MAPPING)
    assert result["created"] and result["warnings"]
    case_id = services.start_process(eng, "leave_request", "tilsett1", {})
    [ask] = _open(eng, case_id)
    assert (ask["element_id"], ask["candidates"]) == ("ask", ["tilsett1"])  # default: starter
    services.complete_human_task(eng, ask["id"], "tilsett1", {"days": 2, "kind": "holiday"})
    [review] = _open(eng, case_id)
    assert review["element_id"] == "review"
    assert set(review["candidates"]) == {"infosjef", "komm1", "komm2"}  # Approver = comms
    services.complete_human_task(eng, review["id"], "komm1", {"approved": True})
    [book] = _open(eng, case_id)  # the service task, now a person's confirmation
    assert book["element_id"] == "book" and "komm1" in book["candidates"]
    services.complete_human_task(eng, book["id"], "komm1", {})
    case = services.show_instance(eng, case_id)
    assert case["next_timer_at"] is not None  # PT24H, read as a duration
    eng.clock.advance(timedelta(hours=24))
    services.fire_due_timers(eng)
    [archive] = _open(eng, case_id)
    assert archive["candidates"] == ["fylkesdirektor"]  # lane_hr = management
    services.complete_human_task(eng, archive["id"], "fylkesdirektor", {})
    assert services.show_instance(eng, case_id)["status"] == "completed"


def test_the_mapping_is_remembered_for_the_next_version(eng: Engine, tmp_path: Path) -> None:
    services.deploy_definitions(eng, [diagram(tmp_path).parent], "admin", MAPPING)
    changed = CAMUNDA.replace('name="Review the request"', 'name="Review it"')
    [result] = services.deploy_definitions(eng, [diagram(tmp_path, changed).parent], "admin")
    assert (result["version"], result["created"]) == (2, True)
    with eng.reading() as session:
        meta = definitions.latest_definition(session, "leave_request").task_meta
    assert meta["lane_roles"] == {"Approver": "comms", "lane_hr": "management", "": "starter"}
    # A new mapping wins over the remembered one.
    again = changed.replace('name="Review it"', 'name="Review"')
    options = DeployOptions(lanes={"Approver": "political"})
    services.deploy_definitions(eng, [diagram(tmp_path, again).parent], "admin", options)
    with eng.reading() as session:
        meta = definitions.latest_definition(session, "leave_request").task_meta
    assert meta["lane_roles"]["Approver"] == "political"


def test_a_mapping_to_something_that_is_no_role_is_refused(tmp_path: Path) -> None:
    options = DeployOptions(lanes={"Approver": "auditor", "lane_hr": "boss"}, default_lane="x")
    with pytest.raises(DefinitionInvalid) as error:
        definitions.collect_bundles([diagram(tmp_path)], options)
    text = "\n".join(error.value.problems)
    assert "mapped to 'auditor', which is not a role" in text
    assert "mapped to 'boss'" in text and "default lane 'x' is not a role" in text


def test_warnings_are_audited(eng: Engine, tmp_path: Path) -> None:
    services.deploy_definitions(eng, [diagram(tmp_path).parent], "admin", MAPPING)
    with eng.reading() as session:
        events = session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.kind == "definition_deployed")
            .order_by(AuditEvent.seq)
        ).all()
    assert any("was translated to" in w for w in events[-1]["warnings"])


def test_a_file_of_only_non_executable_processes_is_refused_clearly(tmp_path: Path) -> None:
    text = CAMUNDA.replace('isExecutable="true"', 'isExecutable="false"')
    with pytest.raises(DefinitionInvalid) as error:
        definitions.collect_bundles([diagram(tmp_path, text)], MAPPING)
    [problem] = error.value.problems
    assert 'isExecutable="false"' in problem and "documentation" in problem


def test_flows_without_id_are_refused_unless_ids_are_generated(tmp_path: Path) -> None:
    text = CAMUNDA.replace('<bpmn:sequenceFlow id="f5" ', "<bpmn:sequenceFlow ")
    path = diagram(tmp_path, text)
    with pytest.raises(DefinitionInvalid) as error:
        definitions.collect_bundles([path], MAPPING)
    [problem] = error.value.problems
    line = next(n for n, t in enumerate(text.splitlines(), 1) if 'sourceRef="wait"' in t)
    assert f"leave.bpmn: line {line}: element sequenceFlow from 'wait' to 'archive'" in problem
    assert "has no id" in problem and "--generate-ids" in problem
    generated = DeployOptions(**{**vars(MAPPING), "generate_ids": True})
    [bundle] = definitions.collect_bundles([path], generated)
    assert any("given the id 'generated_sequenceFlow_1'" in w for w in bundle.warnings)
    assert 'id="generated_sequenceFlow_1"' in bundle.files["leave.bpmn"]


def test_untranslatable_expressions_and_scripts_are_refused_where_they_are(
    tmp_path: Path,
) -> None:
    text = CAMUNDA.replace("${!approved || days &gt; 10}", "${approved ? false : true}").replace(
        '<bpmn:task id="archive" name="File it" />',
        '<bpmn:scriptTask id="archive" scriptFormat="groovy"><bpmn:script>x</bpmn:script>'
        "</bpmn:scriptTask>",
    )
    with pytest.raises(DefinitionInvalid) as error:
        definitions.collect_bundles([diagram(tmp_path, text)], MAPPING)
    text_problems = "\n".join(error.value.problems)
    assert "element 'f_no'" in text_problems and "cannot be translated" in text_problems
    assert "element 'archive'" in text_problems and "'groovy'" in text_problems


def test_named_flows_without_conditions_become_a_question(eng: Engine, tmp_path: Path) -> None:
    text = CAMUNDA.replace(
        "<bpmn:conditionExpression>${approved &amp;&amp; days &lt;= 10}</bpmn:conditionExpression>",
        "",
    ).replace(
        "<bpmn:conditionExpression>${!approved || days &gt; 10}</bpmn:conditionExpression>", ""
    )
    text = text.replace('id="f_yes"', 'id="f_yes" name="Yes"').replace(
        'id="f_no"', 'id="f_no" name="No"'
    )
    [bundle] = definitions.collect_bundles([diagram(tmp_path, text)], MAPPING)
    assert any("asks 'Approved?' (choice_decided)" in w for w in bundle.warnings)
    form = json.loads(bundle.files["generated/review.json"])
    assert form["properties"]["choice_decided"]["enum"] == ["Yes", "No"]
    assert form["properties"]["choice_decided"]["title"] == "Approved?"
    assert "choice_decided" in form["required"]


def test_our_own_diagrams_are_not_translated(eng: Engine) -> None:
    bundles = definitions.collect_bundles([eng.settings.workflows_dir])
    assert all(not b.warnings for b in bundles)


def test_cli_deploy_maps_lanes_and_prints_warnings(
    eng: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = diagram(tmp_path)
    args = ["deploy", str(path), "--lane", "Approver=comms", "--lane", "lane_hr=management"]
    assert main([*args, "--default-lane", "starter"], eng=eng) == 0
    out = capsys.readouterr().out
    assert "leave_request v1 (ny versjon" in out and "åtvaring:" in out
    with pytest.raises(SystemExit):  # argparse's usage error
        main(["deploy", str(path), "--lane", "nonsense"], eng=eng)
    assert "LANE=ROLLE" in capsys.readouterr().err


def _open(eng: Engine, case_id: int) -> list[dict]:
    return [t for t in services.show_instance(eng, case_id)["tasks"] if t["status"] == "open"]
