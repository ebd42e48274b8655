"""Deploy checks of every expression and script of a bundle, by the evaluator that will run them.

Scripts (and pre-/post-scripts), conditions, timer expressions, service-task parameters, message
payloads, loop cardinalities and conditions of a BPMN process, and the input expressions and
cells of a DMN table, are compiled by engine.bpmn.sandbox exactly as the runtime will compile
them; each refusal names the file, the element id and the line.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from lxml import etree

from engine.bpmn import sandbox
from engine.bpmn.elements import BPMN_NS, SPIFF_NS, where

# Elements whose text is one expression Spiff evaluates (timers are engine.bpmn.validation's).
_EXPRESSIONS = (
    f"{{{BPMN_NS}}}conditionExpression",
    f"{{{BPMN_NS}}}condition",
    f"{{{BPMN_NS}}}loopCardinality",
    f"{{{BPMN_NS}}}completionCondition",
    f"{{{SPIFF_NS}}}messagePayload",
)
_SCRIPTS = (f"{{{BPMN_NS}}}script", f"{{{SPIFF_NS}}}preScript", f"{{{SPIFF_NS}}}postScript")
# Spiff's DMN engine reads "?" in a cell, outside quotes, as the input's value.
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def check_expression(name: str, element: etree._Element, text: str, what: str) -> list[str]:
    """`what` says which expression of the element it is (e.g. "condition")."""
    return [
        f"{where(name, element)}: {what} {text.strip()!r} is refused: {problem}"
        for problem in sandbox.problems(text, "eval")
    ]


def check_process_expressions(name: str, process: etree._Element) -> list[str]:
    problems: list[str] = []
    for node in process.iter(*_EXPRESSIONS):
        if node.text and node.text.strip():
            owner = _owner(node)
            problems += check_expression(name, owner, node.text, etree.QName(node).localname)
    for node in process.iter(f"{{{SPIFF_NS}}}parameter"):
        value = node.get("value")
        if value is not None and value.strip():
            what = f"parameter {node.get('id')!r}"
            problems += check_expression(name, _owner(node), value, what)
    for node in process.iter(*_SCRIPTS):
        if node.text:
            problems += [
                f"{where(name, _owner(node))}: script {problem}"
                for problem in sandbox.problems(node.text, "exec")
            ]
    return problems


def check_dmn(name: str, root: etree._Element) -> list[str]:
    """Every input expression, input cell and output cell of the file's decision tables."""
    problems: list[str] = []
    for node, kind in _dmn_texts(root):
        text = (node.text or "").strip()
        owner = node.getparent()
        if owner is None or not text or (kind == "input cell" and text == "-"):
            continue
        problems += check_expression(name, owner, _as_spiff_evaluates(text, kind), kind)
    return problems


def _dmn_texts(root: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    kinds = {"inputExpression": "input expression", "inputEntry": "input cell"}
    for node in root.iter():
        if not isinstance(node.tag, str) or etree.QName(node).localname != "text":
            continue
        parent = node.getparent()
        if parent is not None and isinstance(parent.tag, str):
            kind = kinds.get(etree.QName(parent).localname, "output cell")
            if etree.QName(parent).localname in (*kinds, "outputEntry"):
                yield node, kind


def _as_spiff_evaluates(text: str, kind: str) -> str:
    """An input cell is compared with the input: `== cell`, or `input cell` for one such as
    `> 5` or `in ["a", "b"]` (SpiffWorkflow.dmn.engine.DMNEngine)."""
    if kind != "input cell":
        return text
    text = _QUESTION_MARK.sub("dmninputexpr", text)
    if "dmninputexpr" in text:
        return text
    try:
        ast.parse(text)
    except SyntaxError:
        return f"dmninputexpr {text}"
    return f"(dmninputexpr) == ({text})"


def _owner(node: etree._Element) -> etree._Element:
    """The BPMN element with an id that holds `node` (a flow, a task, an event)."""
    current: etree._Element | None = node
    while current is not None and (
        current.get("id") is None or etree.QName(current).namespace != BPMN_NS
    ):
        current = current.getparent()
    return current if current is not None else node
