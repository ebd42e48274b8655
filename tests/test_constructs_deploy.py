"""Deploy errors for flows SpiffWorkflow would accept and then run wrongly (engine.bpmn.flow_checks)
and for call activities that call nothing: each names the file, the element and the line.

Each bad diagram is a copy of one under tests/diagrams/ with one edit.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from engine.bpmn.definitions import collect_bundles
from engine.errors import DefinitionInvalid
from tests.conformance.manifest import MODELS
from tests.constructs_support import variant

CONFORMANCE = MODELS  # the corpus beside the checkout (tests/conformance/manifest.py)


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(DefinitionInvalid) as error:
        collect_bundles([folder])
    return error.value.problems


def line_of(file: Path, needle: str) -> int:
    text = file.read_text(encoding="utf-8")
    assert text.count(needle) == 1, needle
    return text[: text.index(needle)].count("\n") + 1


def the_problem(problems: list[str], pattern: str) -> str:
    found = [p for p in problems if re.search(pattern, p)]
    assert len(found) == 1, problems
    return found[0]


def test_sequence_flow_without_id(tmp_path):
    folder = variant(
        tmp_path,
        "plain_task",
        ('<bpmn:sequenceFlow id="f_call" ', "<bpmn:sequenceFlow "),
    )
    [problem] = problems_of(folder)
    line = line_of(folder / "plain_task.bpmn", '<bpmn:sequenceFlow sourceRef="start"')
    assert problem.startswith(f"plain_task.bpmn: line {line}: ")
    assert "sequenceFlow from 'start' to 'call_back' has no id" in problem
    assert "drop it" in problem


def test_flow_element_without_id(tmp_path):
    folder = variant(
        tmp_path,
        "plain_task",
        ('<bpmn:endEvent id="end_done" name="Ringt" />', '<bpmn:endEvent name="Ringt" />'),
    )
    problem = the_problem(problems_of(folder), "has no id")
    line = line_of(folder / "plain_task.bpmn", '<bpmn:endEvent name="Ringt" />')
    assert problem == (
        f"plain_task.bpmn: line {line}: element endEvent named 'Ringt' has no id; give it one, "
        f"or deploy with --generate-ids"
    )


def test_element_without_id_inside_a_subprocess(tmp_path):
    folder = variant(
        tmp_path,
        "subprocess_boundaries",
        ('<bpmn:endEvent id="prepare_end" name="Utkast ferdig" />', "<bpmn:endEvent />"),
    )
    problem = the_problem(problems_of(folder), "has no id")
    line = line_of(folder / "subprocess_boundaries.bpmn", "<bpmn:endEvent />")
    assert f"line {line}: element endEvent has no id" in problem


def test_gateway_whose_every_condition_is_false(tmp_path):
    folder = variant(
        tmp_path,
        "esp_error",
        ('name="Gyldig?" default="f_invalid"', 'name="Gyldig?"'),
        (">ok</bpmn:conditionExpression>", ">False</bpmn:conditionExpression>"),
        (
            '<bpmn:sequenceFlow id="f_invalid" sourceRef="valid" targetRef="end_invalid" />',
            '<bpmn:sequenceFlow id="f_invalid" sourceRef="valid" targetRef="end_invalid">'
            '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">1 == 2 and True'
            "</bpmn:conditionExpression></bpmn:sequenceFlow>",
        ),
    )
    [problem] = problems_of(folder)
    bpmn = folder / "esp_error.bpmn"
    gateway, flow = line_of(bpmn, 'id="valid"'), line_of(bpmn, 'id="f_valid"')
    assert f"esp_error.bpmn: element 'valid' (line {gateway})" in problem
    assert "no outgoing flow can ever be taken" in problem
    assert f"'f_valid' (line {flow})" in problem


def test_gateway_with_one_condition_that_may_hold_deploys(tmp_path):
    folder = variant(
        tmp_path,
        "esp_error",
        ('name="Gyldig?" default="f_invalid"', 'name="Gyldig?"'),
        (
            '<bpmn:sequenceFlow id="f_invalid" sourceRef="valid" targetRef="end_invalid" />',
            '<bpmn:sequenceFlow id="f_invalid" sourceRef="valid" targetRef="end_invalid">'
            '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">False'
            "</bpmn:conditionExpression></bpmn:sequenceFlow>",
        ),
    )
    assert [b.process_id for b in collect_bundles([folder])] == ["esp_error"]


def test_gateway_without_outgoing_flow(tmp_path):
    folder = variant(
        tmp_path,
        "plain_task",
        (
            '<bpmn:sequenceFlow id="f_done" sourceRef="call_back" targetRef="end_done" />',
            '<bpmn:exclusiveGateway id="dead_end" name="Og så?" />'
            '<bpmn:sequenceFlow id="f_done" sourceRef="call_back" targetRef="dead_end" />',
        ),
    )
    problem = the_problem(problems_of(folder), "no outgoing")
    line = line_of(folder / "plain_task.bpmn", 'id="dead_end"')
    assert problem == (
        f"plain_task.bpmn: element 'dead_end' (line {line}): "
        "the gateway has no outgoing sequence flow"
    )


def test_event_based_gateway_with_two_timers(tmp_path):
    folder = variant(
        tmp_path,
        "event_gateway",
        (
            '<bpmn:messageEventDefinition id="reply_definition" messageRef="reply_message" />',
            '<bpmn:timerEventDefinition id="reply_definition"><bpmn:timeDuration '
            'xsi:type="bpmn:tFormalExpression">"PT1H"</bpmn:timeDuration>'
            "</bpmn:timerEventDefinition>",
        ),
    )
    problem = the_problem(problems_of(folder), "one timer")
    line = line_of(folder / "event_gateway.bpmn", 'id="wait"')
    assert problem.startswith(f"event_gateway.bpmn: element 'wait' (line {line}): ")


def test_call_activity_to_a_process_no_file_defines(tmp_path):
    folder = variant(
        tmp_path, "call_across_files", ('calledElement="call_archive"', 'calledElement="nowhere"')
    )
    [problem] = problems_of(folder)
    line = line_of(folder / "review.bpmn", 'id="archive_call"')
    assert problem.startswith(f"review.bpmn: element 'archive_call' (line {line}): ")
    assert "calls process 'nowhere'" in problem
    assert "call_across_files, call_archive, call_review" in problem


def test_a_process_defined_in_two_files_of_a_folder(tmp_path):
    folder = variant(tmp_path, "call_across_files")
    (folder / "copy.bpmn").write_text(
        (folder / "archive.bpmn").read_text(encoding="utf-8"), encoding="utf-8"
    )
    problem = the_problem(problems_of(folder), "defined in")
    assert problem.startswith("copy.bpmn: element 'call_archive'")
    assert "archive.bpmn too" in problem


@pytest.mark.skipif(
    not CONFORMANCE.is_dir() and os.environ.get("CI") != "true",
    reason="no conformance models beside the repo",
)
def test_the_conformance_model_without_flow_ids_is_refused_before_spiff_drops_them():
    problems = problems_of(CONFORMANCE / "flowable_test-process-no-flow-ids.bpmn")
    flows = [p for p in problems if "sequenceFlow from" in p]
    assert len(flows) == 26, problems
    assert flows[0] == (
        "flowable_test-process-no-flow-ids.bpmn: line 7: element sequenceFlow from 'theStart' "
        "to 'userTask01' has no id (SpiffWorkflow would drop it without a word); give it one, "
        "or deploy with --generate-ids"
    )
