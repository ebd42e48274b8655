"""Rewriting a diagram drawn for another engine so that ours runs it, with a warning per change.

`translate` works on the parsed XML of one file before it is checked and parsed, and only on
its executable processes (a pool marked isExecutable="false" documents a partner and is left
alone). Our own diagrams need none of it: for them it changes nothing and warns of nothing.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from engine.bpmn.elements import BPMN_NS, NS, SPIFF_NS, where
from engine.bpmn.flow_checks import elements_without_id
from engine.bpmn.foreign import expressions
from engine.bpmn.foreign.forms import add_generated_forms
from engine.bpmn.foreign.lanes import map_lanes
from engine.cases.effects import known_operators

# Expressions SpiffWorkflow evaluates, by the element that holds them.
_EXPRESSIONS = tuple(
    f"{{{BPMN_NS}}}{tag}"
    for tag in (
        "conditionExpression",
        "timeDuration",
        "timeDate",
        "timeCycle",
        "loopCardinality",
        "completionCondition",
    )
)
_TIMERS = ("timeDuration", "timeDate", "timeCycle")
# An ISO-8601 duration, date-time or repeating interval written without quotes.
_BARE_ISO = re.compile(r"^(R\d*/)?(P(?!$)[\dYMWDTHS.,]*|\d{4}-\d{2}-\d{2}T[\d:.+\-Z]*)(/.*)?$")
# spiff-arena's connector proxy names its operators "connector/Command" (smtp/SendEmail);
# our own operators are plain names, so an unknown plain name stays a typo to refuse.
_CONNECTOR_OPERATOR = re.compile(r"^[A-Za-z0-9_-]+/[A-Za-z0-9_-]+$")
_PYTHON = ("", "python", "text/python", "text/x-python")


@dataclass(frozen=True)
class DeployOptions:
    """What the deployer says about diagrams from other tools.

    lanes: lane name (or, for a lane without a name, its id) → role key, or "starter";
    default_lane: the role of human tasks that sit in no lane; generate_ids: give flows and
    elements without an id one (otherwise they are refused)."""

    lanes: Mapping[str, str] = field(default_factory=dict)
    default_lane: str | None = None
    generate_ids: bool = False
    # The lane roles each process was deployed with before, by process id (remembered).
    remembered: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass
class Translation:
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    forms: dict[str, bytes] = field(default_factory=dict)  # generated form files by name
    # Per executable process id: lane name ("" for tasks in no lane) → role key.
    lane_roles: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.warnings or self.forms)


def translate(
    name: str,
    root: etree._Element,
    options: DeployOptions,
    files: Mapping[str, bytes],
) -> Translation:
    """Rewrite `root` in place; `files`: the bundle's files so far (forms and tables already
    written for the diagram)."""
    result = Translation()
    processes = [p for p in root.findall("bpmn:process", NS) if _executable(p)]
    if not processes and root.findall("bpmn:process", NS):
        result.problems.append(
            f'{name}: every process in the file is marked isExecutable="false" (a model for '
            f"documentation, not for running); mark the process to run executable and deploy "
            f"it again"
        )
        return result
    for process in processes:
        if options.generate_ids:
            _generate_ids(name, process, result.warnings)
        _expressions(name, process, result)
        _foreign_tasks(name, process, known_operators(), result)
        questions = _named_choices(name, process, result.warnings)
        roles, lane_warnings, lane_problems = map_lanes(
            name,
            process,
            options.lanes,
            options.default_lane,
            options.remembered.get(process.get("id") or "", {}),
        )
        result.lane_roles[process.get("id") or ""] = roles
        result.warnings += lane_warnings
        result.problems += lane_problems
        result.warnings += add_generated_forms(name, root, process, questions, files, result.forms)
    return result


def for_schema_check(root: etree._Element) -> etree._Element:
    """A copy to validate against the XSD, where spiff-arena's multi-instance idiom (the input
    and output data item share one id: the same variable) does not count as a duplicate id."""
    checked = copy.deepcopy(root)
    for output in checked.iter(f"{{{BPMN_NS}}}outputDataItem"):
        sibling = output.getparent()
        inputs = [] if sibling is None else sibling.findall("bpmn:inputDataItem", NS)
        if any(i.get("id") == output.get("id") for i in inputs):
            output.set("id", f"{output.get('id')}__output")
    return checked


def _executable(process: etree._Element) -> bool:
    return process.get("isExecutable", "true").lower() == "true"


def _generate_ids(name: str, process: etree._Element, warnings: list[str]) -> None:
    """Give flows and flow elements without an id one (SpiffWorkflow drops such a flow
    silently; without --generate-ids the deploy checks refuse them)."""
    for number, element in enumerate(elements_without_id(process), start=1):
        kind = etree.QName(element).localname
        element.set("id", f"generated_{kind}_{number}")
        warnings.append(
            f"{name}: line {element.sourceline}: the {kind} without an id was given the "
            f"id 'generated_{kind}_{number}'"
        )


def _is_flow_element(kind: str) -> bool:
    """Sequence flows and flow nodes: what SpiffWorkflow looks up by id."""
    return kind in _FLOW_KINDS or kind.endswith(("Task", "Event", "Gateway"))


_FLOW_KINDS = frozenset(
    {"sequenceFlow", "task", "subProcess", "transaction", "adHocSubProcess", "callActivity"}
)


def _expressions(name: str, process: etree._Element, result: Translation) -> None:
    for node in process.iter(*_EXPRESSIONS):
        text = (node.text or "").strip()
        owner = _owner(node)
        kind = etree.QName(node).localname
        if expressions.is_foreign(text):
            try:
                python = expressions.to_python(text)
            except ValueError as exc:
                result.problems.append(
                    f"{where(name, owner)}: line {node.sourceline}: {kind} {text!r} cannot be "
                    f"translated ({exc}); write it as a Python expression"
                )
                continue
            node.text = python
            result.warnings.append(
                f"{where(name, owner)}: line {node.sourceline}: {kind} {text!r} was "
                f"translated to {python!r}"
            )
        elif kind in _TIMERS and _BARE_ISO.match(text):
            node.text = f'"{text}"'
            result.warnings.append(
                f"{where(name, owner)}: line {node.sourceline}: timer {kind} {text} was read "
                f'as the string "{text}"'
            )


def _owner(node: etree._Element) -> etree._Element:
    """The flow element an expression belongs to (a flow, an event, a task)."""
    element: etree._Element | None = node
    while element is not None and not _is_flow_element(etree.QName(element).localname):
        element = element.getparent()
    return element if element is not None else node


def _foreign_tasks(
    name: str, process: etree._Element, operators: set[str], result: Translation
) -> None:
    """Service tasks meant for another engine's workers become tasks a person confirms; a
    script in another language than Python is refused."""
    for task in process.iter(f"{{{BPMN_NS}}}serviceTask"):
        operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        operator_id = operator.get("id") if operator is not None else None
        if operator_id in operators or (
            operator_id is not None and not _CONNECTOR_OPERATOR.match(operator_id)
        ):
            continue  # ours, or a typo of ours (the deploy checks refuse it)
        task.tag = f"{{{BPMN_NS}}}manualTask"
        for attribute in ("implementation", "operationRef"):  # not allowed on a manual task
            task.attrib.pop(attribute, "")
        _remove(operator)
        done_by = f"the connector {operator_id!r}" if operator_id else "another engine's worker"
        result.warnings.append(
            f"{where(name, task)}: service task '{task.get('name') or task.get('id')}' was "
            f"meant for {done_by}; it became a manual task: a person of its lane does the work "
            f"and confirms it"
        )
    for operator in process.iter(f"{{{SPIFF_NS}}}serviceTaskOperator"):
        extensions = operator.getparent()
        owner = extensions.getparent() if extensions is not None else None
        # One left on another kind of task (a script task) does nothing in SpiffWorkflow.
        if owner is not None and etree.QName(owner).localname != "serviceTask":
            _remove(operator)
            result.warnings.append(
                f"{where(name, owner)}: the service task operator {operator.get('id')!r} left "
                f"on a {etree.QName(owner).localname} does nothing and was removed"
            )
    for script in process.iter(f"{{{BPMN_NS}}}scriptTask"):
        language = (script.get("scriptFormat") or "").strip().lower()
        if language not in _PYTHON:
            result.problems.append(
                f"{where(name, script)}: the script is written in {language!r}; only Python "
                f"scripts run here"
            )


def _remove(element: etree._Element | None) -> None:
    parent = element.getparent() if element is not None else None
    if element is not None and parent is not None:
        parent.remove(element)


def _named_choices(name: str, process: etree._Element, warnings: list[str]) -> dict[str, str]:
    """An exclusive gateway whose outgoing flows all carry names and none a condition is a
    question ("Done shopping?" – Yes / No): it becomes a choice the task before it asks. (One
    flow without a condition among conditioned ones is a forgotten condition: the deploy
    checks refuse it.) Returns decision variable → question."""
    questions: dict[str, str] = {}
    flows = list(process.iter(f"{{{BPMN_NS}}}sequenceFlow"))
    for gateway in process.iter(f"{{{BPMN_NS}}}exclusiveGateway"):
        gateway_id = gateway.get("id") or ""
        outgoing = [
            f
            for f in flows
            if f.get("sourceRef") == gateway_id and f.get("id") != gateway.get("default")
        ]
        if len(outgoing) < 2 or any(
            (f.findtext("bpmn:conditionExpression", "", NS) or "").strip() or not f.get("name")
            for f in outgoing
        ):
            continue
        variable = "choice_" + re.sub(r"\W", "_", gateway_id)
        for flow in outgoing:
            condition = flow.find("bpmn:conditionExpression", NS)
            if condition is None:
                condition = etree.SubElement(flow, f"{{{BPMN_NS}}}conditionExpression")
            condition.text = f"{variable} == {flow.get('name')!r}"
        questions[variable] = gateway.get("name") or gateway_id
        warnings.append(
            f"{where(name, gateway)}: its flows have names but no conditions; the task before "
            f"it asks '{questions[variable]}' ({variable})"
        )
    return questions
