"""Forms for the tasks of a foreign diagram, built from what the diagram itself says.

A human task (or start event) without a form file gets one when there is something to ask:
the fields of its Camunda 7 `camunda:formField`s, Flowable `flowable:formProperty`s or
Camunda 8 embedded form (`zeebe:userTaskForm`), and the decisions its gateways make that
nothing else in the diagram sets (engine.bpmn.decision_inputs). With nothing to ask, the task
keeps no form: a person confirms it is done. The forms are ordinary form files of the bundle
(`generated/<element id>.json`), named by the task's `formJsonSchemaFilename` property.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lxml import etree

from engine.bpmn.decision_inputs import DecisionInput, undecided_inputs
from engine.bpmn.elements import BPMN_NS, FORM_PROPERTY, NS, SPIFF_NS, properties, where

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
FLOWABLE_NSS = ("http://flowable.org/bpmn", "http://activiti.org/bpmn")
_ASKERS = ("userTask", "manualTask", "task", "startEvent")
# Field types of the other engines → ours (engine.forms.schema.FIELD_TYPES).
_TYPES = {
    "string": "string",
    "long": "integer",
    "integer": "integer",
    "boolean": "boolean",
    "date": "string",
    "enum": "string",
    "textfield": "string",
    "textarea": "string",
    "number": "integer",
    "checkbox": "boolean",
    "select": "string",
    "radio": "string",
    "datetime": "string",
}


def add_generated_forms(
    name: str,
    root: etree._Element,
    process: etree._Element,
    questions: Mapping[str, str],
    files: Mapping[str, bytes],
    forms: dict[str, bytes],
) -> list[str]:
    """Give each asking element of `process` that has no form one built from its own
    fields and its undecided decisions; `questions`: decision variable → the gateway's
    question. Returns the warnings saying which forms were built."""
    formless = [
        element
        for element in process.iter(*(f"{{{BPMN_NS}}}{kind}" for kind in _ASKERS))
        if FORM_PROPERTY not in properties(element)
    ]
    own = {element.get("id") or "": _own_fields(process, element) for element in formless}
    # What the diagram's own fields set is decided already: only the rest is asked for.
    for element in formless:
        if own[element.get("id") or ""]:
            _set_property(element, FORM_PROPERTY, f"generated/{element.get('id')}.json")
    written = {
        f"generated/{i}.json": json.dumps({"properties": f}).encode() for i, f in own.items()
    }
    asked = undecided_inputs([root], {**files, **written})
    warnings = []
    for element in formless:
        element_id = element.get("id") or ""
        fields = own[element_id]
        for found in asked.get(element_id, []):
            fields.setdefault(found.name, _decision_field(found, questions.get(found.name)))
        if not fields:
            continue
        form_name = f"generated/{element_id}.json"
        forms[form_name] = json.dumps(
            _form(element.get("name") or element_id, fields), ensure_ascii=False, indent=1
        ).encode()
        if FORM_PROPERTY not in properties(element):
            _set_property(element, FORM_PROPERTY, form_name)
        warnings.append(
            f"{where(name, element)}: it has no form file; a form was built with the fields "
            f"{', '.join(fields)}"
        )
    return warnings


def _form(title: str, fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    required = [n for n, f in fields.items() if f.pop("x-required", False)]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "required": required,
        "properties": fields,
    }


def _field(title: str, kind: str, required: bool = False, **more: Any) -> dict[str, Any]:
    field: dict[str, Any] = {"type": _TYPES.get(kind, "string"), "title": title or "?"}
    if kind in ("date", "datetime"):
        field["format"] = "date-time"
    field.update({k: v for k, v in more.items() if v not in (None, [], {})})
    if required:
        field["x-required"] = True
    return field


def _decision_field(found: DecisionInput, question: str | None) -> dict[str, Any]:
    title = question or found.name
    if found.is_flag:
        return _field(title, "boolean")
    if len(found.values) == 1 or not all(isinstance(v, str) for v in found.values):
        return _field(title, "string", required=True)
    return _field(title, "enum", required=True, enum=list(found.values))


def _own_fields(process: etree._Element, element: etree._Element) -> dict[str, dict[str, Any]]:
    fields: dict[str, dict[str, Any]] = {}
    for form_field in element.iter(f"{{{CAMUNDA_NS}}}formField"):
        values = [(v.get("id"), v.get("name")) for v in form_field.iter(f"{{{CAMUNDA_NS}}}value")]
        required = any(
            c.get("name") == "required" for c in form_field.iter(f"{{{CAMUNDA_NS}}}constraint")
        )
        fields[form_field.get("id") or "?"] = _with_choices(
            _field(
                form_field.get("label") or form_field.get("id") or "",
                form_field.get("type") or "string",
                required,
                default=_typed(form_field.get("defaultValue"), form_field.get("type")),
            ),
            values,
        )
    for ns in FLOWABLE_NSS:
        for prop in element.iter(f"{{{ns}}}formProperty"):
            values = [(v.get("id"), v.get("name")) for v in prop.iter(f"{{{ns}}}value")]
            fields[prop.get("id") or "?"] = _with_choices(
                _field(
                    prop.get("name") or prop.get("id") or "",
                    prop.get("type") or "string",
                    prop.get("required") == "true",
                ),
                values,
            )
    for component in _zeebe_components(process, element):
        key = component.get("key")
        if not key:
            continue  # text and layout components ask for nothing
        values = [(v.get("value"), v.get("label")) for v in component.get("values") or []]
        fields[key] = _with_choices(
            _field(
                str(component.get("label") or key),
                str(component.get("type") or ""),
                bool((component.get("validate") or {}).get("required")),
                description=component.get("description"),
                default=component.get("defaultValue"),
            ),
            values,
        )
    return fields


def _with_choices(field: dict[str, Any], values: list[tuple[Any, Any]]) -> dict[str, Any]:
    if values:
        field["type"] = "string"
        field["enum"] = [str(value) for value, _label in values]
        field["x-labels"] = {str(value): str(label or value) for value, label in values}
    return field


def _typed(value: str | None, kind: str | None) -> Any:
    if value is None or value.startswith(("${", "#{")):
        return None
    if kind == "boolean":
        return value.lower() == "true"
    if kind == "long" and value.lstrip("-").isdigit():
        return int(value)
    return value


def _zeebe_components(process: etree._Element, element: etree._Element) -> list[dict[str, Any]]:
    """The components of the Camunda 8 form a user task names (`camunda-forms:bpmn:<id>`)."""
    definition = element.find(f"bpmn:extensionElements/{{{ZEEBE_NS}}}formDefinition", NS)
    key = (definition.get("formKey") or "") if definition is not None else ""
    form_id = key.rpartition(":")[2]
    for form in process.iter(f"{{{ZEEBE_NS}}}userTaskForm"):
        if form_id and form.get("id") == form_id:
            try:
                schema = json.loads(form.text or "{}")
            except json.JSONDecodeError:
                return []
            components = schema.get("components") if isinstance(schema, dict) else None
            return [c for c in components or [] if isinstance(c, dict)]
    return []


def _set_property(element: etree._Element, prop: str, value: str) -> None:
    extensions = element.find("bpmn:extensionElements", NS)
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN_NS}}}extensionElements")
        element.insert(_after_documentation(element), extensions)
    holder = extensions.find("spiffworkflow:properties", NS)
    if holder is None:
        holder = etree.SubElement(extensions, f"{{{SPIFF_NS}}}properties")
    etree.SubElement(holder, f"{{{SPIFF_NS}}}property", name=prop, value=value)


def _after_documentation(element: etree._Element) -> int:
    """Where extensionElements goes: after any documentation (the XSD's order)."""
    return len(element.findall("bpmn:documentation", NS))
