"""Scripts in diagrams see only a small allow-list of builtins, through the restricted evaluator
(engine.bpmn.sandbox) that deployment uses too: the runtime refuses what deployment would."""

from __future__ import annotations

import pytest

from engine.bpmn import parsing, runtime
from engine.errors import WorkflowFailed
from tests.conftest import START

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
                  targetNamespace="https://someflyt.test">
  <bpmn:process id="scripted" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="script" name="Rekn ut">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script" />
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


def run_script(script: str) -> runtime.Snapshot:
    bundle = parsing.parse_bundle("scripted", {"s.bpmn": DIAGRAM.format(script=script).encode()})
    _, snapshot = runtime.start_workflow(bundle, {"items": [3, 1, 2]}, START)
    return snapshot


def test_allowed_builtins_work():
    snapshot = run_script("total = sum(items)\nordered = sorted(items)\ncount = len(items)")
    assert snapshot.completed
    assert (snapshot.data["total"], snapshot.data["ordered"], snapshot.data["count"]) == (
        6,
        [1, 2, 3],
        3,
    )
    assert "__builtins__" not in snapshot.data


@pytest.mark.parametrize(
    "script", ["text = open('/etc/hostname').read()", "names = dir()", "shown = print('x')"]
)
def test_other_builtins_are_not_there(script: str):
    with pytest.raises(WorkflowFailed, match="not allowed"):
        run_script(script)
