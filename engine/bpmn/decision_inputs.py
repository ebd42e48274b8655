"""What a diagram decides on that nothing in it asks for, and who should be asked.

A diagram drawn in another tool often routes on variables its engine expected from elsewhere
(`${approved}` set by a Camunda form we do not have). Our gateways would fail on a name that
is not defined. For a task that gets a generated form (engine.bpmn.foreign) this finds the
condition variables no form, script, decision table or message writes, and the human tasks (or
the start event) just before the gateway that decides on them: those are asked for it, as a
yes/no field for a bare condition and a choice of the compared values otherwise.

It reads the conditions as Python (after translation) with `ast`; a condition that does not
parse asks for nothing here (the deploy checks report it).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lxml import etree

from engine.bpmn.elements import BPMN_NS, FORM_PROPERTY, NS, SPIFF_NS, properties

_HUMAN = ("userTask", "manualTask", "task")
# Elements a decision variable can be set by: a script's assignments, a message's variable, a
# decision table's outputs, a multi-instance's element variable.
_SCRIPT_TAGS = (f"{{{BPMN_NS}}}script", f"{{{SPIFF_NS}}}preScript", f"{{{SPIFF_NS}}}postScript")


@dataclass
class DecisionInput:
    """A variable a gateway decides on: `values` are the literals it is compared with (a
    choice), none for a bare yes/no condition."""

    name: str
    values: list[str | int | float | bool] = field(default_factory=list)

    @property
    def is_flag(self) -> bool:
        return not self.values


def undecided_inputs(
    roots: Iterable[etree._Element], files: Mapping[str, bytes]
) -> dict[str, list[DecisionInput]]:
    """For each element id that should ask (across the diagrams of one bundle, so a called
    process's decisions are asked before the call): the decision variables it should ask for."""
    roots = list(roots)
    written = set().union(*(_written_names(root, files) for root in roots))
    graph = _Graph(roots)
    asked: dict[str, dict[str, DecisionInput]] = {}
    for flow in graph.flows:
        condition = flow.find("bpmn:conditionExpression", NS)
        if condition is None or not (condition.text or "").strip():
            continue
        inputs = [i for i in _inputs_of(condition.text or "") if i.name not in written]
        for asker in graph.askers(flow.get("sourceRef") or "") if inputs else []:
            by_name = asked.setdefault(asker, {})
            for found in inputs:
                known = by_name.setdefault(found.name, DecisionInput(found.name))
                known.values += [v for v in found.values if v not in known.values]
    return {asker: list(by_name.values()) for asker, by_name in asked.items()}


class _Graph:
    """The sequence flows of every executable process of a bundle, followed backwards; a
    called process's start is reached from before the call activities that call it."""

    def __init__(self, roots: list[etree._Element]) -> None:
        self.nodes: dict[str, etree._Element] = {}
        self.incoming: dict[str, list[str]] = {}
        self.flows: list[etree._Element] = []
        callers: dict[str, list[str]] = {}
        starts: dict[str, list[str]] = {}
        for root in roots:
            for process in root.findall("bpmn:process", NS):
                if process.get("isExecutable", "true").lower() != "true":
                    continue
                for node in process.iter():
                    if isinstance(node.tag, str) and (node_id := node.get("id")):
                        self.nodes[node_id] = node
                        if etree.QName(node).localname == "callActivity":
                            callers.setdefault(node.get("calledElement") or "", []).append(node_id)
                starts[process.get("id") or ""] = [
                    s.get("id") or "" for s in process.findall("bpmn:startEvent", NS)
                ]
                for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
                    self.flows.append(flow)
                    target = flow.get("targetRef") or ""
                    self.incoming.setdefault(target, []).append(flow.get("sourceRef") or "")
        self.called_from = {
            start: callers[process]
            for process, ids in starts.items()
            if process in callers
            for start in ids
        }

    def askers(self, gateway: str) -> list[str]:
        """The human tasks or start events reached going back from `gateway` through steps
        no person does (gateways, scripts, events, the start of a called process)."""
        found: list[str] = []
        seen: set[str] = set()
        todo = list(self.incoming.get(gateway, []))
        while todo:
            current = todo.pop()
            if current in seen or current not in self.nodes:
                continue
            seen.add(current)
            kind = etree.QName(self.nodes[current]).localname
            if kind == "startEvent" and current in self.called_from:
                for call in self.called_from[current]:
                    todo += self.incoming.get(call, [])
            elif kind in _HUMAN or kind == "startEvent":
                found.append(current)
            else:
                todo += self.incoming.get(current, [])
        return sorted(found)


def _inputs_of(condition: str) -> list[DecisionInput]:
    try:
        tree = ast.parse(condition.strip(), mode="eval")
    except SyntaxError:
        return []
    inputs: dict[str, DecisionInput] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            names = [s.id for s in sides if isinstance(s, ast.Name)]
            literals = [
                s.value
                for s in sides
                if isinstance(s, ast.Constant) and isinstance(s.value, str | int | float)
            ]
            for name in names:
                known = inputs.setdefault(name, DecisionInput(name))
                known.values += [v for v in literals if v not in known.values]
    compared = set(inputs)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in compared and node.id not in _BUILTINS:
            inputs.setdefault(node.id, DecisionInput(node.id))
    return list(inputs.values())


_BUILTINS = frozenset({"True", "False", "None", "len", "str", "int", "float", "bool"})


def _written_names(root: etree._Element, files: Mapping[str, bytes]) -> set[str]:
    names: set[str] = set()
    for script in root.iter(*_SCRIPT_TAGS):
        names |= _assigned(script.text or "")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in ("messageVariable", "elementVariable", "resultVariable"):
            if value := element.get(f"{{{SPIFF_NS}}}{attribute}") or element.get(attribute):
                names.add(value)
        form = properties(element).get(FORM_PROPERTY)
        if form and form in files:
            names |= _form_fields(files[form])
    for node in root.iter(f"{{{SPIFF_NS}}}messageVariable", f"{{{BPMN_NS}}}dataOutput"):
        names.add((node.text or node.get("name") or "").strip())
    names |= _decision_outputs(files.values())
    return names


def _assigned(script: str) -> set[str]:
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return set()
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


def _form_fields(content: bytes) -> set[str]:
    try:
        schema = json.loads(content)
    except ValueError:
        return set()
    fields = schema.get("properties") if isinstance(schema, dict) else None
    return set(fields) if isinstance(fields, dict) else set()


def _decision_outputs(contents: Iterable[bytes]) -> set[str]:
    names: set[str] = set()
    for content in contents:
        if b"decisionTable" not in content:
            continue
        try:
            dmn = etree.fromstring(content, etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            continue
        names |= {o.get("name") or "" for o in dmn.iter("{*}output")}
    return names
