"""Escape attempts, each carried by a script task, a gateway condition, a DMN cell and a timer
expression: every one is refused by the deploy check, and, deployed or not, refused again when
it runs (engine.bpmn.sandbox), with nothing written and no process started."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree

from engine.bpmn import parsing, runtime
from engine.bpmn.validation import check_bpmn
from engine.errors import DefinitionInvalid, WorkflowFailed
from tests.conftest import START

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="d" targetNamespace="https://someflyt.test">
  <bpmn:process id="carrier" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="middle" />
    {middle}
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""

SCRIPT = """<bpmn:scriptTask id="middle"><bpmn:script>{text}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="middle" targetRef="end" />"""

GATEWAY = """<bpmn:exclusiveGateway id="middle" default="f3" />
    <bpmn:sequenceFlow id="f2" sourceRef="middle" targetRef="end">
      <bpmn:conditionExpression>{text}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="other" />
    <bpmn:sequenceFlow id="f3" sourceRef="middle" targetRef="other" />"""

TIMER = """<bpmn:intermediateCatchEvent id="middle">
      <bpmn:timerEventDefinition><bpmn:timeDuration>{text}</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="middle" targetRef="end" />"""

RULE = """<bpmn:businessRuleTask id="middle"><bpmn:extensionElements>
      <spiffworkflow:calledDecisionId>table</spiffworkflow:calledDecisionId>
    </bpmn:extensionElements></bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f2" sourceRef="middle" targetRef="end" />"""

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="t" name="t"
    namespace="https://someflyt.test/dmn">
  <decision id="table" name="Table">
    <decisionTable id="table_rules" hitPolicy="FIRST">
      <input id="input_kind"><inputExpression id="input_kind_expression" typeRef="string">
        <text>kind</text></inputExpression></input>
      <output id="output_route" name="route" typeRef="string" />
      <rule id="rule_one">
        <inputEntry id="rule_one_kind"><text>{text}</text></inputEntry>
        <outputEntry id="rule_one_route"><text>"a"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>"""

# {m} is a file no attempt may create, {p} a file none may read.
ATTEMPTS = [
    "(g for g in [1]).gi_frame.f_back.f_builtins['open']('{m}', 'w')",
    "[g for g in [(x for x in [1])]][0].gi_frame.f_globals",
    "__import__('os').system('touch {m}')",
    "().__class__.__base__.__subclasses__()",
    "''.__class__.__mro__[1].__subclasses__()",
    "str.mro()[1].__subclasses__()",
    "getattr(str, 'mro')()",
    "type(1).mro()",
    "type('x', (), {{}})",
    "vars()",
    "globals()['__builtins__']['open']('{m}', 'w')",
    "locals()",
    "open('{p}').read()",
    "eval(\"open('{p}').read()\")",
    "due_after.__globals__['__builtins__']",
    "isinstance.__self__.open('{m}', 'w')",
    "(lambda f=open: f('{m}', 'w'))()",
    "(lambda: 1).__code__",
    'f"{{().__class__}}"',
    'f"{{1:>999999999}}"',
    "'{{0.__class__.__mro__}}'.format(1)",
    "'{{0.real}}'.format(1)",
    "'{{x.upper}}'.format_map({{'x': 'a'}})",
    "str.format('{{0.__class__}}', 1)",
    "'%999999999d' % 1",
    "'x'.ljust(10 ** 9)",
    "9 ** 9 ** 9",
    "2 ** (10 ** 2 * 10 ** 2)",
    "1 << 10 ** 9",
    "'x' * 10 ** 9",
    "[0] * 1000000000",
    "list(range(10 ** 9))",
    "@open\ndef f(): pass",
    "def g():\n    yield 1\nresult = g().gi_frame",
    "class C: pass",
    "while True:\n    pass",
    "import os",
]
# Numbers too large only once computed: the run time bounds them (`**`, `*`, `<<`, range).
RUNTIME_ONLY = {
    "9 ** 9 ** 9",
    "2 ** (10 ** 2 * 10 ** 2)",
    "1 << 10 ** 9",
    "'x' * 10 ** 9",
    "list(range(10 ** 9))",
}
CARRIERS = ["script", "gateway", "dmn", "timer"]


def bundle(carrier: str, attempt: str) -> dict[str, bytes]:
    text = escape(attempt)
    if carrier == "script":
        is_expression = "\n" not in attempt and not attempt.startswith(("import", "class"))
        text = escape(f"result = {attempt}" if is_expression else attempt)
        return {"c.bpmn": HEAD.format(middle=SCRIPT.format(text=text)).encode()}
    if carrier == "dmn":
        return {
            "c.bpmn": HEAD.format(middle=RULE).encode(),
            "t.dmn": DMN.format(text=text).encode(),
        }
    middle = {"gateway": GATEWAY, "timer": TIMER}[carrier]
    return {"c.bpmn": HEAD.format(middle=middle.format(text=text)).encode()}


@pytest.mark.parametrize("carrier", CARRIERS)
@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_escape_attempt_is_refused_at_deploy_and_at_run_time(
    tmp_path: Path, carrier: str, attempt: str
) -> None:
    marker = tmp_path / "escaped"
    secret = tmp_path / "secret"
    secret.write_text("private")
    files = bundle(carrier, attempt.format(m=marker, p=secret))
    root = etree.fromstring(files["c.bpmn"])
    problems = check_bpmn("c.bpmn", root, files, templates=[])
    with pytest.raises((DefinitionInvalid, WorkflowFailed)):
        spec = parsing.parse_bundle("carrier", files)
        runtime.start_workflow(spec, {"kind": "a"}, START)
    assert not marker.exists()
    if attempt not in RUNTIME_ONLY:
        assert problems, "compiles at deploy, though only a run time guard refuses it"


@pytest.mark.parametrize("carrier", CARRIERS)
def test_a_plain_expression_still_runs(carrier: str) -> None:
    expression = {"script": "x = 1", "gateway": "kind == 'a'", "dmn": '"a"', "timer": '"PT1H"'}
    files = bundle(carrier, expression[carrier])
    assert check_bpmn("c.bpmn", etree.fromstring(files["c.bpmn"]), files, templates=[]) == []
    runtime.start_workflow(parsing.parse_bundle("carrier", files), {"kind": "a"}, START)


def test_a_refused_dmn_cell_names_its_file_element_and_line() -> None:
    files = bundle("dmn", "().__class__")
    [problem] = check_bpmn("c.bpmn", etree.fromstring(files["c.bpmn"]), files, templates=[])
    line = (
        files["t.dmn"]
        .decode()
        .splitlines()
        .index(
            next(row for row in files["t.dmn"].decode().splitlines() if 'id="rule_one_kind"' in row)
        )
    )
    assert problem.startswith(f"t.dmn: element 'rule_one_kind' (line {line + 1}): input cell")
    assert '"__class__" is an invalid attribute name' in problem


def test_a_refused_service_parameter_is_located() -> None:
    service = """<bpmn:serviceTask id="middle"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="notify">
        <spiffworkflow:parameters>
          <spiffworkflow:parameter id="to" type="str" value="vars()" />
        </spiffworkflow:parameters>
      </spiffworkflow:serviceTaskOperator>
    </bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="middle" targetRef="end" />"""
    root = etree.fromstring(HEAD.format(middle=service).encode())
    problems = check_bpmn("c.bpmn", root, {}, templates=[])
    assert any(
        p.startswith("c.bpmn: element 'middle' (line 8): parameter 'to' 'vars()' is refused")
        and "'vars' is not allowed" in p
        for p in problems
    ), problems
