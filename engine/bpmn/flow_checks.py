"""Deploy checks of a process's flow: what SpiffWorkflow would accept and then run wrongly.

SpiffWorkflow drops a sequence flow without an `id` without a word, so a diagram "completes"
having done nothing; an element without an id cannot be told apart from the next one; and a
gateway none of whose outgoing flows can be taken, or that has none, leaves the case stuck.
These checks run on the XML before SpiffWorkflow parses it (engine.bpmn.validation), and name
the file, the element and the line.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from lxml import etree

from engine.bpmn.elements import BPMN_NS, NS, where

# What a process or subprocess holds that is no flow element and needs no id.
_NOT_FLOW = frozenset(
    {
        "documentation",
        "extensionElements",
        "laneSet",
        "ioSpecification",
        "property",
        "textAnnotation",
        "association",
        "group",
    }
)
_CONTAINERS = frozenset({"process", "subProcess", "transaction", "adHocSubProcess"})
_GATEWAYS = frozenset(
    {
        "exclusiveGateway",
        "inclusiveGateway",
        "parallelGateway",
        "eventBasedGateway",
        "complexGateway",
    }
)
_CONDITIONAL = frozenset({"exclusiveGateway", "inclusiveGateway", "complexGateway"})


def check_flows(name: str, process: etree._Element) -> list[str]:
    return _missing_ids(name, process) + _dead_gateways(name, process)


def _kind(element: etree._Element) -> str:
    return etree.QName(element).localname


def _missing_ids(name: str, container: etree._Element) -> list[str]:
    problems = []
    for element in container:
        if not isinstance(element.tag, str) or not element.tag.startswith(f"{{{BPMN_NS}}}"):
            continue
        kind = _kind(element)
        if kind in _NOT_FLOW:
            continue
        if not (element.get("id") or "").strip():
            why = " (SpiffWorkflow would drop it without a word)" if kind == "sequenceFlow" else ""
            problems.append(
                f"{name}: line {element.sourceline}: element {_describe(element)} has no id{why}"
            )
        if kind in _CONTAINERS:
            problems += _missing_ids(name, element)
    return problems


def _describe(element: etree._Element) -> str:
    kind = _kind(element)
    if kind == "sequenceFlow":
        return f"sequenceFlow from '{element.get('sourceRef')}' to '{element.get('targetRef')}'"
    label = element.get("name")
    return kind + (f" named {label!r}" if label else "")


def _dead_gateways(name: str, process: etree._Element) -> list[str]:
    problems = []
    # iter() yields the process itself first, then every subprocess inside it.
    for container in process.iter(*(f"{{{BPMN_NS}}}{k}" for k in _CONTAINERS)):
        flows = container.findall("bpmn:sequenceFlow", NS)
        for gateway in container:
            if not isinstance(gateway.tag, str) or _kind(gateway) not in _GATEWAYS:
                continue
            outgoing = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
            problems += _gateway_problems(name, gateway, outgoing)
    return problems


def _gateway_problems(
    name: str, gateway: etree._Element, outgoing: list[etree._Element]
) -> list[str]:
    if not outgoing:
        return [f"{where(name, gateway)}: the gateway has no outgoing sequence flow"]
    kind = _kind(gateway)
    if kind == "eventBasedGateway":
        timers = [
            flow.get("targetRef")
            for flow in outgoing
            if _target_has_timer(gateway, flow.get("targetRef"))
        ]
        if len(timers) > 1:
            return [
                f"{where(name, gateway)}: an event-based gateway waits for one timer at most "
                f"(these are timers: {', '.join(map(str, timers))}); join the deadlines into one"
            ]
        return []
    if kind not in _CONDITIONAL or gateway.get("default") or len(outgoing) < 2:
        return []
    conditions = [_constant(_condition(flow)) for flow in outgoing]
    if all(value is not _UNKNOWN and not value for value in conditions):
        flows = ", ".join(f"'{flow.get('id')}' (line {flow.sourceline})" for flow in outgoing)
        return [
            f"{where(name, gateway)}: no outgoing flow can ever be taken: every condition is "
            f"always false and there is no default flow ({flows})"
        ]
    return []


def _target_has_timer(gateway: etree._Element, target: str | None) -> bool:
    container = gateway.getparent()
    if container is None or not target:
        return False
    return any(
        event.get("id") == target and event.find("bpmn:timerEventDefinition", NS) is not None
        for event in container.findall("bpmn:intermediateCatchEvent", NS)
    )


def _condition(flow: etree._Element) -> str | None:
    node = flow.find("bpmn:conditionExpression", NS)
    return (node.text or "").strip() if node is not None else None


class _Unknown:
    pass


_UNKNOWN = _Unknown()
_COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}


def _constant(text: str | None) -> object:
    """The value of a condition made of constants only (False, 1 == 2, not True), else
    _UNKNOWN. A flow without a condition may always be taken."""
    if text is None or not text:
        return True
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return _UNKNOWN  # the expression check reports it
    try:
        return _fold(tree.body)
    except (TypeError, ValueError):  # e.g. 1 < "a": the expression check and the run say so
        return _UNKNOWN


def _fold(node: ast.expr) -> object:
    """Fold constants, comparisons and boolean operators; anything else (a name, a call, an
    attribute) is known only when the case runs."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        value = _fold(node.operand)
        return value if value is _UNKNOWN else not value
    if isinstance(node, ast.BoolOp):
        values = [_fold(each) for each in node.values]
        if any(value is _UNKNOWN for value in values):
            return _UNKNOWN
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARISONS for op in node.ops):
        operands = [_fold(each) for each in [node.left, *node.comparators]]
        if any(value is _UNKNOWN for value in operands):
            return _UNKNOWN
        return all(
            _COMPARISONS[type(op)](left, right)
            for op, left, right in zip(node.ops, operands, operands[1:], strict=False)
        )
    return _UNKNOWN
