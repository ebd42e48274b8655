"""Turning a bundle's BPMN and DMN files into SpiffWorkflow specs.

A ParsedBundle is what every workflow of one deployed version is built from (cached per
version by engine.bpmn.definitions.DefinitionCache). Parsing checks only what Spiff's parser
checks; schema_problems adds the BPMN 2.0 XSD, and engine.bpmn.validation our own rules.
spiff_message words a SpiffWorkflow error with the file, element and line it knows, for the
other modules of this package that catch one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR as SPIFF_BPMN_VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.errors import DefinitionInvalid


@dataclass(frozen=True)
class ParsedBundle:
    process_id: str
    spec: Any
    subprocess_specs: dict[str, Any]


def parse_bundle(process_id: str, files: Mapping[str, bytes]) -> ParsedBundle:
    """Parse the BPMN and DMN files of one bundle into specs (no validation beyond Spiff's)."""
    parser = SpiffBpmnParser()
    try:
        for name, content in sorted(files.items()):
            if name.endswith(".bpmn"):
                parser.add_bpmn_xml(etree.fromstring(content), filename=name)
            elif name.endswith(".dmn"):
                parser.add_dmn_xml(etree.fromstring(content), filename=name)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except SpiffWorkflowException as exc:
        raise DefinitionInvalid([spiff_message(exc)]) from exc
    except etree.XMLSyntaxError as exc:
        raise DefinitionInvalid([f"malformed XML: {exc}"]) from exc
    return ParsedBundle(process_id, spec, subprocess_specs)


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
