"""What the cases of a process need of its diagram, stored with each deployed version.

Its elements by id (kind, name, lane, documentation, form and the task properties of
engine.bpmn.elements), those inside its subprocesses and in the processes it calls included,
its start form, and the process's own properties (title template, who may start it, the
message that starts it). The web and the case services read this, never the XML.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from engine.bpmn.elements import (
    ASSIGNEE_FROM_PROPERTY,
    BPMN_NS,
    DUE_FROM_PROPERTY,
    DUE_PROPERTY,
    FORM_PROPERTY,
    NS,
    READY_TEMPLATE_PROPERTY,
    SEPARATE_FROM_PROPERTY,
    properties,
)

_NOT_ELEMENTS = ("laneSet", "sequenceFlow", "documentation", "extensionElements")
_CONTAINERS = ("subProcess", "transaction", "adHocSubProcess")


def _flow_elements(container: etree._Element) -> list[etree._Element]:
    """The elements of a process, those inside its subprocesses included."""
    found = []
    for element in container:
        if not isinstance(element.tag, str) or element.get("id") is None:
            continue
        kind = etree.QName(element).localname
        if kind in _NOT_ELEMENTS:
            continue
        found.append(element)
        if kind in _CONTAINERS:
            found += _flow_elements(element)
    return found


def _element_meta(process: etree._Element) -> dict[str, Any]:
    lanes = {
        ref.text.strip(): lane.get("name")
        for lane in process.iter(f"{{{BPMN_NS}}}lane")
        for ref in lane.findall("bpmn:flowNodeRef", NS)
        if ref.text
    }
    elements: dict[str, Any] = {}
    for element in _flow_elements(process):
        element_id = str(element.get("id"))  # _flow_elements keeps only elements with an id
        props = properties(element)
        doc = element.find("bpmn:documentation", NS)
        elements[element_id] = {
            "type": etree.QName(element).localname,
            "name": element.get("name") or element_id,
            "lane": lanes.get(element_id),
            "documentation": (doc.text or "").strip() if doc is not None else None,
            "form": props.get(FORM_PROPERTY),
            "due_in": props.get(DUE_PROPERTY),
            "due_from": props.get(DUE_FROM_PROPERTY),
            "separate_from": props.get(SEPARATE_FROM_PROPERTY),
            "assignee_from": props.get(ASSIGNEE_FROM_PROPERTY),
            "ready_template": props.get(READY_TEMPLATE_PROPERTY),
        }
    return elements


def task_meta(
    process: etree._Element, called: list[etree._Element] | None = None
) -> dict[str, Any]:
    """What the cases of `process` need of its diagram: its elements (and those of the
    processes it calls, which its case runs too: its own win where ids meet), its start form
    and its properties."""
    elements: dict[str, Any] = {}
    for other in reversed(called or []):
        elements |= _element_meta(other)
    elements |= _element_meta(process)
    start_form = next(
        (
            props[FORM_PROPERTY]
            for start in process.findall("bpmn:startEvent", NS)
            if FORM_PROPERTY in (props := properties(start))
        ),
        None,
    )
    doc = process.find("bpmn:documentation", NS)
    process_props = properties(process)
    return {
        "elements": elements,
        "start_form": start_form,
        "title_template": process_props.get("titleTemplate"),
        "business_key_template": process_props.get("businessKeyTemplate"),
        # Roles that may start the process by hand (all when empty), and a BPMN message that
        # starts it (or joins its running case) when another case throws it.
        "startable_by": sorted(
            role.strip() for role in (process_props.get("startableBy") or "").split(",") if role
        ),
        "start_message": process_props.get("startMessage"),
        "starter_acts": process_props.get("starterActs") == "true",
        # startable="false": only the engine starts it (a photo's removal when a consent is
        # withdrawn, G11); it is not offered under Start ny sak.
        "startable": process_props.get("startable", "true") != "false",
        "documentation": (doc.text or "").strip() if doc is not None else None,
    }
