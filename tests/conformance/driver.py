"""Drives one conformance model through the product as its users and the outside world would.

Deploy the model (with the files the MANIFEST says it needs, and the forms it names but the
corpus does not store, built from the MANIFEST's task data), start a case (or send the message
that starts it), then, until the case ends: complete the ready human tasks as one of their
candidates (the least visited first), else send the messages and signals the case waits for,
else move the clock to its next timer. A case that waits on nothing anyone can give fails the
run with the reason the engine states.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import select

from engine.bootstrap import Engine
from engine.bpmn.decision_inputs import undecided_inputs
from engine.bpmn.elements import BPMN_NS, FORM_PROPERTY, NS, properties
from engine.bpmn.foreign.translate import DeployOptions
from engine.cases import events, services
from engine.store.models import ProcessDefinition
from tests.conformance.manifest import Model

STEP_CAP = 300
DRIVER = "admin"  # deploys, and sends the outside world's events
SENDER = events.Credentials.admin(DRIVER)
STARTER = "tilsett1"  # starts the cases; tasks in no lane are theirs
# Lanes of foreign diagrams are mapped round these roles; unlaned tasks go to the starter.
ROLES = ("comms", "management", "political", "head_of_information")


@dataclass
class Run:
    """What happened to one case of a model: the counts the MANIFEST's "observed" uses."""

    case_id: int | None = None
    status: str | None = None
    outcome: str | None = None
    human: int = 0
    messages: int = 0
    signals: int = 0
    timers: int = 0
    warnings: list[str] = field(default_factory=list)
    visits: dict[str, int] = field(default_factory=dict)


def deploy_model(eng: Engine, model: Model, tmp: Path, generate_ids: bool = False) -> str:
    """Deploy the model with its lanes mapped round our roles; the id of the process to run
    (the one no call activity of the model calls)."""
    folder = bundle_folder(model, tmp)
    roots = [etree.parse(str(p)).getroot() for p in model.files if p.suffix == ".bpmn"]
    lanes = {
        (lane.get("name") or "").strip() or lane.get("id") or "": ROLES[number % len(ROLES)]
        for root in roots
        for number, lane in enumerate(root.iter(f"{{{BPMN_NS}}}lane"))
    }
    options = DeployOptions(lanes=lanes, default_lane="starter", generate_ids=generate_ids)
    services.deploy_definitions(eng, [folder], DRIVER, options)
    called = {c.get("calledElement") for r in roots for c in r.iter(f"{{{BPMN_NS}}}callActivity")}
    main = roots[0]
    return next(
        p.get("id") or ""
        for p in main.findall("bpmn:process", NS)
        if p.get("isExecutable", "true") == "true" and p.get("id") not in called
    )


def bundle_folder(model: Model, tmp: Path) -> Path:
    """A process folder with the model, its companions and the forms the MANIFEST describes."""
    folder = tmp / "model"
    (folder / "forms").mkdir(parents=True)
    for source in model.files:
        shutil.copy(source, folder / source.name)
    roots = [etree.parse(str(p)).getroot() for p in model.files if p.suffix == ".bpmn"]
    asked = undecided_inputs(roots, {})
    spoken = dict(model.start_data)
    for root in roots:
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            form = properties(element).get(FORM_PROPERTY)
            if not form or (folder / form).exists():
                continue
            data = model.task_data.get(element.get("id") or "") or spoken
            spoken = {}  # the MANIFEST's spoken data belongs to the first form it finds
            fields = {name: _field_for(value) for name, value in data.items()}
            for found in asked.get(element.get("id") or "", []):
                fields.setdefault(found.name, _decision_field(found.values))
            (folder / form).write_text(json.dumps(_form(form, fields)), encoding="utf-8")
    return folder


def _form(name: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": name,
        "type": "object",
        "properties": fields,
    }


def _field_for(value: Any) -> dict[str, Any]:
    kinds = {bool: "boolean", int: "integer", str: "string", dict: "object", list: "array"}
    return {"type": kinds[type(value)], "title": "x"}


def _decision_field(values: list[Any]) -> dict[str, Any]:
    if not values:
        return {"type": "boolean", "title": "x"}
    return {"type": "string", "enum": values, "title": "x"}


def drive(eng: Engine, model: Model, process_id: str) -> Run:
    """Start one case and drive it to its end."""
    run = Run()
    if model.start_message:
        result = events.send_message(eng, model.start_message, {}, {}, SENDER)
        run.messages += 1
        [run.case_id] = result.started
    else:
        run.case_id = services.start_process(eng, process_id, STARTER, {})
    for _ in range(STEP_CAP):
        case = services.show_instance(eng, run.case_id)
        run.status, run.outcome = case["status"], case["outcome"]
        if case["status"] != "running":
            return run
        if _complete_one(eng, model, case, run):
            continue
        if _send_one(eng, case, run):
            continue
        if case["next_timer_at"]:
            _fire_next_timer(eng, case, run)
            continue
        raise AssertionError(f"case {run.case_id} is stuck: {case['stuck']}")
    raise AssertionError(f"case {run.case_id} still running after {STEP_CAP} steps")


def _complete_one(eng: Engine, model: Model, case: dict[str, Any], run: Run) -> bool:
    open_tasks = _open_tasks(case)
    if not open_tasks:
        return False
    task = min(open_tasks, key=lambda t: (run.visits.get(t["element_id"], 0), t["created_at"]))
    visit = run.visits.get(task["element_id"], 0)
    run.visits[task["element_id"]] = visit + 1
    data = model.task_data.get(task["element_id"])
    if data is None:
        data = _fill(eng, case, task["element_id"], visit)
    who = sorted(task["candidates"])[0] if task["candidates"] else task["assignee"]
    eng.clock.advance(timedelta(seconds=1))
    services.complete_human_task(eng, task["id"], who, data)
    run.human += 1
    return True


def _fill(eng: Engine, case: dict[str, Any], element_id: str, visit: int) -> dict[str, Any]:
    """Values for the task's form: its defaults, else the visit's choice (so a loop ends)."""
    with eng.reading() as session:
        definition = session.scalars(
            select(ProcessDefinition).where(
                ProcessDefinition.process_id == case["process_id"],
                ProcessDefinition.version == case["version"],
            )
        ).one()
        element = definition.task_meta["elements"].get(element_id, {})
        form = services.step_form(eng, definition, element.get("form"))
    data: dict[str, Any] = {}
    for name, spec in form.fields.items():
        if spec.default is not None:
            data[name] = spec.default
        elif spec.enum:
            data[name] = spec.enum[min(visit, len(spec.enum) - 1)]
        elif spec.kind == "boolean":
            data[name] = visit == 0
        elif spec.kind == "integer" or spec.kind == "number":
            data[name] = 1
        elif spec.kind == "string":
            data[name] = "x"
    return data


def _send_one(eng: Engine, case: dict[str, Any], run: Run) -> bool:
    """Send what the case waits for, as the MANIFEST's driver did: messages first, then
    signals; an event on a boundary or starting an event subprocess only as a last resort."""
    waits = [w for w in case["waiting"] if w["kind"] in ("message", "signal")]
    waits.sort(key=lambda w: (w["boundary"] or w["starts_subprocess"], w["kind"] != "message"))
    if not waits:
        return False
    wait = waits[0]
    if (wait["boundary"] or wait["starts_subprocess"]) and case["next_timer_at"]:
        return False  # the timer moves the case on first
    if wait["kind"] == "message":
        events.send_message(
            eng,
            wait["name"],
            wait["correlation"],
            dict(wait["correlation"]),
            SENDER,
            element_id=None if wait["name"] else wait["element_id"],
            case_id=case["id"],
        )
        run.messages += 1
    else:
        events.send_signal(eng, wait["name"], {}, SENDER)
        run.signals += 1
    return True


def _open_tasks(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in case["tasks"] if t["status"] == "open"]


def _fire_next_timer(eng: Engine, case: dict[str, Any], run: Run) -> None:
    due = case["next_timer_at"]
    eng.clock.set(max(eng.clock.now(), datetime.fromisoformat(due)))
    services.fire_due_timers(eng)
    run.timers += 1
