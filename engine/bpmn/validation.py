"""Checks a bundle of BPMN/DMN/form files before it may be deployed.

Every problem names the file, the element id and the line, because SpiffWorkflow's own parser
errors often lack them (DESIGN.md). The namespaces, property names and XML readers these checks
share with deployment are engine.bpmn.elements.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Mapping

from lxml import etree

from engine.bpmn.elements import (
    ASSIGNEE_FROM_PROPERTY,
    BPMN_NS,
    DUE_FROM_PROPERTY,
    DUE_PROPERTY,
    NS,
    READY_TEMPLATE_PROPERTY,
    SEPARATE_FROM_PROPERTY,
    SPIFF_NS,
    form_references,
    parse_xml,
    properties,
    where,
)
from engine.bpmn.expression_checks import (
    check_dmn,
    check_expression,
    check_process_expressions,
)
from engine.bpmn.flow_checks import check_flows
from engine.cases.effects import known_operators
from engine.clock import check_duration
from engine.errors import DefinitionInvalid
from engine.extensions import installed
from engine.forms.spec import FieldSpec, FormSpec, load_form_file
from engine.texts import LANGUAGES

# The elements a person completes: a plain bpmn:task is a manual task of its lane.
HUMAN_TASK_KINDS = ("userTask", "manualTask", "task")

# A repeating interval as a timeCycle's value: R<repetitions>/<duration>, with a start or
# an end moment where it has three parts; "R/…" repeats without end.
_CYCLE = re.compile(r"^R\d*/[^/]+(/[^/]+)?$")


def check_bpmn(
    name: str,
    root: etree._Element,
    bundle_files: Mapping[str, bytes],
    templates: Collection[str],
    lane_roles: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """`templates`: the notifications that have a text (engine.texts.templates); `lane_roles`:
    per process id, the lanes the deployer mapped to our roles ("" for tasks in no lane).
    A pool marked isExecutable="false" documents a partner: it is not checked."""
    problems: list[str] = []
    processes = root.findall("bpmn:process", NS)
    if not processes:
        problems.append(f"{name}: line {root.sourceline}: no bpmn:process in the file")
    for process in processes:
        if process.get("isExecutable", "true").lower() != "true":
            continue
        mapped = (lane_roles or {}).get(process.get("id") or "", {})
        problems += _check_process(name, process, bundle_files, templates, mapped)
    for file_name, content in sorted(bundle_files.items()):
        if file_name.endswith(".dmn"):
            dmn_root, dmn_problems = parse_xml(file_name, content)
            problems += dmn_problems if dmn_root is None else check_dmn(file_name, dmn_root)
    return problems


def _check_process(
    name: str,
    process: etree._Element,
    files: Mapping[str, bytes],
    templates: Collection[str],
    mapped: Mapping[str, str],
) -> list[str]:
    problems: list[str] = []
    if not process.findall("bpmn:startEvent", NS):
        problems.append(f"{where(name, process)}: the process has no start event")
    problems += check_flows(name, process)
    problems += _check_gateways(name, process)
    problems += _check_timers(name, process)
    problems += check_process_expressions(name, process)
    problems += _check_lanes(name, process, mapped)
    problems += _check_forms(name, process, files)
    problems += _check_operators(name, process)
    problems += _check_human_tasks(name, process, "" in mapped)
    problems += _check_due_from(name, process, files)
    problems += _check_separate_from(name, process)
    problems += _check_assignee_from(name, process, files)
    problems += _names_one_of(
        name, process, READY_TEMPLATE_PROPERTY, set(templates), "a notification text"
    )
    return problems


def _form_fields(process: etree._Element, files: Mapping[str, bytes]) -> dict[str, FieldSpec]:
    """Every field of the process's forms, by name."""
    fields: dict[str, FieldSpec] = {}
    for _element, form in form_references(process):
        try:
            spec = load_form_file(files.get(form, b"{}"))
        except DefinitionInvalid:
            continue  # reported by _check_forms
        fields |= spec.fields
    return fields


def _check_separate_from(name: str, process: etree._Element) -> list[str]:
    """separateFrom must name a user or manual task of the same process."""
    human = {
        element_id
        for kind in HUMAN_TASK_KINDS
        for element in process.iter(f"{{{BPMN_NS}}}{kind}")
        if (element_id := element.get("id")) is not None
    }
    return _names_one_of(
        name, process, SEPARATE_FROM_PROPERTY, human, "a user task of this process"
    )


def _check_assignee_from(
    name: str, process: etree._Element, files: Mapping[str, bytes]
) -> list[str]:
    """assigneeFrom must name a form field that holds a user."""
    users = {
        field for field, spec in _form_fields(process, files).items() if spec.format == "username"
    }
    return _names_one_of(
        name, process, ASSIGNEE_FROM_PROPERTY, users, "a user field of the process's forms"
    )


def _names_one_of(
    name: str, process: etree._Element, prop: str, allowed: set[str], what: str
) -> list[str]:
    """Every element whose property `prop` names something outside `allowed`."""
    known = ", ".join(sorted(allowed)) or "none"
    return [
        f"{where(name, element)}: {prop} {value!r} is not {what} (known: {known})"
        for element in process.iter()
        if isinstance(element.tag, str)
        and (value := properties(element).get(prop)) is not None
        and value not in allowed
    ]


def _check_due_from(name: str, process: etree._Element, files: Mapping[str, bytes]) -> list[str]:
    """dueFrom needs a dueIn, and must name a date-time field of one of the process's forms."""
    date_fields = {
        field for field, spec in _form_fields(process, files).items() if spec.format == "date-time"
    }
    problems = []
    for element in process.iter():
        if not isinstance(element.tag, str):
            continue
        props = properties(element)
        due_from = props.get(DUE_FROM_PROPERTY)
        if due_from is None:
            continue
        if DUE_PROPERTY not in props:
            problems.append(
                f"{where(name, element)}: {DUE_FROM_PROPERTY} needs a {DUE_PROPERTY} "
                f"(how long after {due_from!r} the task is due)"
            )
        if due_from not in date_fields:
            known = ", ".join(sorted(date_fields)) or "none"
            problems.append(
                f"{where(name, element)}: {DUE_FROM_PROPERTY} {due_from!r} is not a date-time "
                f"field of the process's forms (known: {known})"
            )
    return problems


def _check_human_tasks(name: str, process: etree._Element, default_lane: bool) -> list[str]:
    """Every person's task sits in a lane (who may act), unless the deployer gave a default
    lane, and its due time is a duration."""
    in_lanes = {(ref.text or "").strip() for ref in process.iter(f"{{{BPMN_NS}}}flowNodeRef")}
    problems = []
    for task in process.iter(*(f"{{{BPMN_NS}}}{kind}" for kind in HUMAN_TASK_KINDS)):
        if task.get("id") not in in_lanes and not default_lane:
            problems.append(
                f"{where(name, task)}: a human task must be in a lane (or deploy with a "
                f"default lane: --default-lane ROLE)"
            )
    for element in process.iter():
        due = properties(element).get(DUE_PROPERTY) if isinstance(element.tag, str) else None
        if due is not None:
            try:
                check_duration(due)
            except ValueError:
                problems.append(
                    f"{where(name, element)}: {DUE_PROPERTY} {due!r} is not a "
                    f"duration in weeks, days, hours, minutes or seconds (e.g. P5D), "
                    f"or in working days (e.g. P1WD)"
                )
    return problems


def _check_gateways(name: str, process: etree._Element) -> list[str]:
    problems = []
    flows = {f.get("id"): f for f in process.iter(f"{{{BPMN_NS}}}sequenceFlow")}
    for gateway in process.iter(f"{{{BPMN_NS}}}exclusiveGateway", f"{{{BPMN_NS}}}inclusiveGateway"):
        # Spiff follows sourceRef; the <bpmn:outgoing> children are optional in BPMN.
        outgoing = [i for i, f in flows.items() if f.get("sourceRef") == gateway.get("id")]
        if len(outgoing) < 2:
            continue
        default = gateway.get("default")
        for flow_id in outgoing:
            flow = flows.get(flow_id)
            if flow is None or flow_id == default:
                continue
            condition = flow.find("bpmn:conditionExpression", NS)
            text = condition.text if condition is not None else None
            if text is None or not text.strip():
                problems.append(
                    f"{where(name, gateway)}: outgoing flow '{flow_id}' (line "
                    f"{flow.sourceline}) has no condition and is not the default flow"
                )
    return problems


def _check_timers(name: str, process: etree._Element) -> list[str]:
    problems = []
    for definition in process.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        event = _parent(definition)
        for kind in ("timeDuration", "timeDate", "timeCycle"):
            node = definition.find(f"bpmn:{kind}", NS)
            if node is None:
                continue
            # Bare ISO literals and JUEL/FEEL were translated before (engine.bpmn.foreign).
            text = (node.text or "").strip()
            problems += check_expression(name, event, text, f"timer {kind}")
            problems += _check_cycle(name, event, node) if kind == "timeCycle" else []
    return problems


def _check_cycle(name: str, event: etree._Element, node: etree._Element) -> list[str]:
    """A timeCycle written as a string literal must be a repeating interval (R3/PT1H)."""
    try:
        value = ast.literal_eval((node.text or "").strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return []  # an expression: its value is known when the timer starts
    if isinstance(value, str) and _CYCLE.match(value.strip().upper()):
        return []
    return [
        f"{where(name, event)}: line {node.sourceline}: timer timeCycle {value!r} is not a "
        f'repeating interval, e.g. "R3/PT1H" (three times, an hour apart) or "R/P1D" '
        f"(every day)"
    ]


def _check_lanes(name: str, process: etree._Element, mapped: Mapping[str, str]) -> list[str]:
    lanes = set(installed().lanes) | set(mapped)
    known = ", ".join(sorted(lanes))
    return [
        f"{where(name, lane)}: lane '{lane.get('name')}' names no known role (known: {known})"
        for lane in process.iter(f"{{{BPMN_NS}}}lane")
        if (lane.get("name") or "").strip() not in lanes
    ]


def _check_forms(name: str, process: etree._Element, files: Mapping[str, bytes]) -> list[str]:
    problems = []
    for element, form in form_references(process):
        if form not in files:
            problems.append(f"{where(name, element)}: form file '{form}' does not exist")
            continue
        try:  # valid JSON that satisfies the form meta-schema (engine/forms/schema.py)
            spec = load_form_file(files[form])
        except DefinitionInvalid as exc:
            used_by = where(name, element)
            problems += [f"{form}: {problem}, used by {used_by}" for problem in exc.problems]
            continue
        problems += _check_form_rules(form, spec, where(name, element))
    return problems


def _check_form_rules(form: str, spec: FormSpec, used_by: str) -> list[str]:
    """Every `x-checks` / `x-derive` name must be one the server knows, and translations must
    be in its languages (their shape is the meta-schema's)."""
    problems = []
    for key, names, known in (
        ("x-checks", spec.checks, installed().checks),
        ("x-derive", spec.derives, installed().derives),
    ):
        problems += [
            f"{form}: {key} {rule!r} is unknown: no installed process package registers it "
            f"(known: {', '.join(sorted(known))}), used by {used_by}"
            for rule in names
            if rule not in known
        ]
    translations = {"(form)": spec.translations} | {
        name: field.translations for name, field in spec.fields.items()
    }
    problems += [
        f"{form}: {name} x-i18n: unknown language {lang!r} (known: {', '.join(LANGUAGES)}), "
        f"used by {used_by}"
        for name, by_language in translations.items()
        for lang in by_language
        if lang not in LANGUAGES
    ]
    return problems


def _check_operators(name: str, process: etree._Element) -> list[str]:
    """A service task's operator must be the engine's or one an installed package registered."""
    operators = known_operators()
    known = ", ".join(sorted(operators))
    return [
        f"{where(name, _parent(_parent(operator)))}: line {operator.sourceline}: "
        f"service task operator {operator.get('id')!r} is unknown: no installed process "
        f"package registers it (known: {known})"
        for operator in process.iter(f"{{{SPIFF_NS}}}serviceTaskOperator")
        if operator.get("id") not in operators
    ]


def _parent(element: etree._Element) -> etree._Element:
    """The element around `element`; every element these checks meet lies inside a process."""
    parent = element.getparent()
    if parent is None:
        raise ValueError(f"element '{element.tag}' (line {element.sourceline}) has no parent")
    return parent
