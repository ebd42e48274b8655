"""Turning a bundle's BPMN and DMN files into SpiffWorkflow specs.

A ParsedBundle is what every workflow of one deployed version is built from (cached per
version by engine.bpmn.definitions.DefinitionCache). Parsing checks only what Spiff's parser
checks; schema_problems adds the BPMN 2.0 XSD, and engine.bpmn.validation our own rules.
spiff_message words a SpiffWorkflow error with the file, element and line it knows, for the
other modules of this package that catch one.

Some wiring SpiffWorkflow does to a spec while a case runs is done here, once per parsed
version (prepare_spec), because a spec shared by every case (DefinitionCache) would carry it
into other cases and a state restored on a freshly parsed spec would lack it:
- an event subprocess that a message, signal or error starts is wired into its process only
  when triggered; a later case on the same spec then started it at once, and a restored one
  failed with "No input task connected". It is wired in (to the process's end, from its
  start) without being a path the start takes, so a trigger changes nothing;
- a multi-instance or loop task hears that an instance completed only once it created one in
  this process (Python): restored, it never moved on.
And SpiffWorkflow does not read a start event's `isInterrupting`: it is kept on the start
event's spec as `interrupting` (BPMN's default: true) for engine.bpmn.catching to act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser import event_parsers
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.event_parsers import SpiffStartEventParser
from SpiffWorkflow.spiff.parser.process import VALIDATOR as SPIFF_BPMN_VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.errors import DefinitionInvalid


# SpiffWorkflow is untyped (pyproject.toml), so its base classes are Any to mypy.
class _StartEventParser(SpiffStartEventParser):  # type: ignore[misc]
    """Spiff's start event parser reads no error or escalation definition: the start of an
    event subprocess an error or an escalation starts became a plain start, so it ran as soon
    as the case began. This one reads them too (BPMN allows them in event subprocesses only;
    the XSD check says where)."""

    def create_task(self) -> Any:
        definition = self.get_event_definition(
            [
                event_parsers.MESSAGE_EVENT_XPATH,
                event_parsers.SIGNAL_EVENT_XPATH,
                event_parsers.TIMER_EVENT_XPATH,
                event_parsers.CONDITIONAL_EVENT_XPATH,
                event_parsers.ERROR_EVENT_XPATH,
                event_parsers.ESCALATION_EVENT_XPATH,
            ]
        )
        task = self._create_task(definition)
        self.spec.start.connect(task)
        return task


class _Parser(SpiffBpmnParser):  # type: ignore[misc]
    OVERRIDE_PARSER_CLASSES = SpiffBpmnParser.OVERRIDE_PARSER_CLASSES | {
        full_tag("startEvent"): (
            _StartEventParser,
            SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("startEvent")][1],
        )
    }


@dataclass(frozen=True)
class ParsedBundle:
    process_id: str
    spec: Any
    subprocess_specs: dict[str, Any]


def parse_bundle(process_id: str, files: Mapping[str, bytes]) -> ParsedBundle:
    """Parse the BPMN and DMN files of one bundle into specs (no validation beyond Spiff's)."""
    parser = _Parser()
    interrupting: dict[str, bool] = {}
    try:
        for name, content in sorted(files.items()):
            if name.endswith(".bpmn"):
                root = etree.fromstring(content)
                interrupting |= _interrupting_starts(root)
                parser.add_bpmn_xml(root, filename=name)
            elif name.endswith(".dmn"):
                parser.add_dmn_xml(etree.fromstring(content), filename=name)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except SpiffWorkflowException as exc:
        raise DefinitionInvalid([spiff_message(exc)]) from exc
    except etree.XMLSyntaxError as exc:
        raise DefinitionInvalid([f"malformed XML: {exc}"]) from exc
    for process_spec in [spec, *subprocess_specs.values()]:
        prepare_spec(process_spec, interrupting)
    return ParsedBundle(process_id, spec, subprocess_specs)


_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def _interrupting_starts(root: etree._Element) -> dict[str, bool]:
    """The start events of the file's event subprocesses, by id: whether each interrupts."""
    return {
        start_id: start.get("isInterrupting", "true").strip().lower() != "false"
        for sub in root.iter(f"{_BPMN}subProcess")
        if sub.get("triggeredByEvent", "false").strip().lower() == "true"
        for start in sub.findall(f"{_BPMN}startEvent")
        if (start_id := start.get("id")) is not None
    }


def prepare_spec(process_spec: Any, interrupting: Mapping[str, bool]) -> None:
    """Wire the event subprocesses a trigger starts into the process and the instances of
    loop tasks to their task, and mark every start event of an event subprocess with whether
    it interrupts (see the module's docstring)."""
    start, end = process_spec.start, process_spec.end
    for task_spec in list(process_spec.task_specs.values()):
        triggered = task_spec.name in getattr(start, "trigger_specs", ())
        if triggered and start not in task_spec.inputs:  # as trigger_wf would, less the path
            task_spec._connect_notify(start)  # an input, not one of the start's outputs
            task_spec.connect(end)
        if isinstance(task_spec, LoopTask):  # as create_child would, on the first instance
            instance = process_spec.task_specs[task_spec.task_spec]
            if not instance.completed_event.is_connected(task_spec.merge_child):
                instance.completed_event.connect(task_spec.merge_child)
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if isinstance(bpmn_id, str) and bpmn_id in interrupting:
            task_spec.interrupting = interrupting[bpmn_id]


def schema_problems(name: str, root: etree._Element) -> list[str]:
    """Validate against the BPMN 2.0 XSD (with SpiffWorkflow's extension schema)."""
    try:
        SPIFF_BPMN_VALIDATOR.validate(root, name)
    except SpiffWorkflowException as exc:
        line = getattr(exc, "line_number", None) or "?"
        return [f"{name}: line {line}: not valid BPMN 2.0: {str(exc).strip().rstrip('.')}"]
    return []


def spiff_message(exc: SpiffWorkflowException) -> str:
    parts = [str(exc)]
    for attr in ("file_name", "id", "line_number"):
        value = getattr(exc, attr, None)
        if value:
            parts.append(f"{attr}={value}")
    return ", ".join(parts)
