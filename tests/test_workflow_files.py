"""The diagrams in workflows/ are real BPMN: schema-valid, fully laid out, Nynorsk-named."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.config import PROJECT_ROOT

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
}
DIAGRAMS = sorted((PROJECT_ROOT / "workflows").glob("*/*.bpmn"))
FLOW_NODES = (
    "startEvent",
    "endEvent",
    "userTask",
    "manualTask",
    "serviceTask",
    "scriptTask",
    "businessRuleTask",
    "exclusiveGateway",
    "parallelGateway",
    "boundaryEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "subProcess",
    "callActivity",
)


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_element_has_a_shape_or_edge(path: Path):
    """Modelers (bpmn.io, Camunda Modeler) show only what has diagram interchange data."""
    root = etree.parse(str(path)).getroot()
    drawn = {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNShape", NS)}
    drawn |= {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    elements = {
        el.get("id")
        for kind in FLOW_NODES
        for el in root.iterfind(f".//bpmn:process//bpmn:{kind}", NS)
    }
    elements |= {el.get("id") for el in root.iterfind(".//bpmn:sequenceFlow", NS)}
    elements |= {el.get("id") for el in root.iterfind(".//bpmn:lane", NS)}
    assert elements, "no elements found"
    assert elements - drawn == set()
    edges = root.iterfind(".//bpmndi:BPMNEdge", NS)
    assert all(
        len(edge.findall("{http://www.omg.org/spec/DD/20100524/DI}waypoint")) >= 2 for edge in edges
    )


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_human_step_is_named_and_documented(path: Path):
    root = etree.parse(str(path)).getroot()
    for kind in ("userTask", "manualTask"):
        for task in root.iterfind(f".//bpmn:{kind}", NS):
            assert task.get("name"), task.get("id")
            doc = task.find("bpmn:documentation", NS)
            assert doc is not None and doc.text.strip(), f"{task.get('id')} has no instructions"
