"""The vocabulary of our BPMN files and how to read it from their XML.

The namespaces, the extension properties (spiffworkflow:property) the engine reads from a
process and its tasks, and small readers shared by the deploy checks (engine.bpmn.validation)
and by deployment itself (engine.bpmn.definitions): parsing a file safely, an element's
properties, the forms and decision tables a diagram names, and where an element is, so that
every problem can name the file, the element id and the line.
"""

from __future__ import annotations

from typing import cast

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

FORM_PROPERTY = "formJsonSchemaFilename"
DUE_PROPERTY = "dueIn"
# Names a date-time field of the process data the due time counts from (default: when the task
# became ready); e.g. dueFrom=received_at, dueIn=PT24H for an answer due a day after receipt.
DUE_FROM_PROPERTY = "dueFrom"
# Four eyes: names a human task of the process whose performer may not act on this one.
SEPARATE_FROM_PROPERTY = "separateFrom"
# Names a data field holding the username the task is given to (a handler someone chose).
ASSIGNEE_FROM_PROPERTY = "assigneeFrom"
# Names the notification (a template with a text in engine.texts) that tells the candidates the
# task waits, in place of the general "task_ready": e.g. "the pause begins: publish" (G2c).
READY_TEMPLATE_PROPERTY = "readyTemplate"


def parse_xml(name: str, content: bytes) -> tuple[etree._Element | None, list[str]]:
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        return etree.fromstring(content, parser), []
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else "?"
        return None, [f"{name}: line {line}: malformed XML: {exc.msg}"]


def where(name: str, element: etree._Element) -> str:
    return f"{name}: element '{element.get('id', element.tag)}' (line {element.sourceline})"


def properties(element: etree._Element) -> dict[str, str]:
    """The element's spiffworkflow:property values by name; one without a name or a value says
    nothing (SpiffWorkflow's parser reads both and refuses a diagram that lacks either)."""
    return {
        name: value
        for prop in element.findall(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS
        )
        if (name := prop.get("name")) is not None and (value := prop.get("value")) is not None
    }


def form_references(process: etree._Element) -> list[tuple[etree._Element, str]]:
    return [
        (element, props[FORM_PROPERTY])
        for element in process.iter()
        if isinstance(element.tag, str) and FORM_PROPERTY in (props := properties(element))
    ]


def decision_references(root: etree._Element) -> set[str]:
    return {
        (node.text or "").strip()
        for node in root.iter(f"{{{SPIFF_NS}}}calledDecisionId")
        if (node.text or "").strip()
    }


def element_line(root: etree._Element, element_id: str | None) -> int | None:
    if not element_id:
        return None
    # lxml types xpath() as any XPath result; a path that selects elements gives a list of them.
    found = cast("list[etree._Element]", root.xpath("//*[@id=$id]", id=element_id))
    # lxml-stubs leave sourceline's type as `...`; lxml documents it as an int, or None.
    return cast("int | None", found[0].sourceline) if found else None
