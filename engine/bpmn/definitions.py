"""Process definitions: collect a BPMN bundle from disk, validate it, deploy it, cache its spec."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import texts
from engine.bpmn.deployed import latest_definitions
from engine.bpmn.elements import (
    ASSIGNEE_FROM_PROPERTY,
    BPMN_NS,
    DUE_FROM_PROPERTY,
    DUE_PROPERTY,
    FORM_PROPERTY,
    NS,
    READY_TEMPLATE_PROPERTY,
    SEPARATE_FROM_PROPERTY,
    decision_references,
    element_line,
    parse_xml,
    properties,
)
from engine.bpmn.foreign.translate import (
    DeployOptions,
    Translation,
    for_schema_check,
    is_flow_element,
    translate,
)
from engine.bpmn.parsing import ParsedBundle, parse_bundle, schema_problems
from engine.bpmn.validation import check_bpmn
from engine.errors import DefinitionInvalid, NotFound
from engine.forms.spec import FormSpec, parse_form
from engine.store import audit
from engine.store.models import ProcessDefinition

DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)


@dataclass(frozen=True)
class Bundle:
    """One deployable process: its BPMN file, the DMN and form files it uses, and metadata."""

    process_id: str
    name: str
    files: dict[str, str]
    task_meta: dict[str, Any]
    # What was translated to run a diagram drawn for another engine (engine.bpmn.foreign).
    warnings: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        canonical = json.dumps([self.process_id, sorted(self.files.items())], ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class DeployResult:
    process_id: str
    version: int
    content_hash: str
    created: bool
    warnings: tuple[str, ...] = ()


def collect_bundles(paths: list[Path], options: DeployOptions | None = None) -> list[Bundle]:
    """Read and validate every BPMN file under `paths`; raise with all problems at once.
    `options`: what the deployer says about diagrams drawn for other engines."""
    bpmn_files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():  # a process folder, or a folder of process folders
            bpmn_files += sorted(path.glob("*.bpmn")) + sorted(path.glob("*/*.bpmn"))
        elif path.is_file() and path.suffix == ".bpmn":
            bpmn_files.append(path)
        else:
            problems.append(f"{path}: not a .bpmn file or a folder of them")
    if not bpmn_files and not problems:
        problems.append(f"no .bpmn files in {', '.join(map(str, paths))}")
    bundles: list[Bundle] = []
    for bpmn in bpmn_files:
        try:
            bundles += _bundles_for(bpmn, options or DeployOptions())
        except DefinitionInvalid as exc:
            problems += exc.problems
    if problems:
        raise DefinitionInvalid(problems)
    return bundles


def _bundles_for(bpmn: Path, options: DeployOptions) -> list[Bundle]:
    folder = bpmn.parent
    content = bpmn.read_bytes()
    root, problems = parse_xml(bpmn.name, content)
    if root is None:
        raise DefinitionInvalid(problems)
    files: dict[str, bytes] = {bpmn.name: content}
    problems += _add_decisions(bpmn.name, root, folder, files)
    for form in sorted(
        {p[FORM_PROPERTY] for p in map(properties, root.iter()) if FORM_PROPERTY in p}
    ):
        form_path = folder / form
        if form_path.is_file() and form_path.resolve().is_relative_to(folder.resolve()):
            files[form] = form_path.read_bytes()
    translation = translate(bpmn.name, root, options, files)
    if translation.problems:
        raise DefinitionInvalid(problems + translation.problems)
    if translation.changed:  # the bundle keeps the diagram as it runs
        files[bpmn.name] = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
        files |= translation.forms
    problems += schema_problems(bpmn.name, for_schema_check(root))
    # The notification texts of the processes beside this one, and the engine's general ones.
    templates = texts.templates(texts.ProcessTexts(folder.parent))
    problems += check_bpmn(bpmn.name, root, files, templates, translation.lane_roles)
    if problems:
        raise DefinitionInvalid(problems)
    bundles = []
    for process in root.findall("bpmn:process", NS):
        if process.get("isExecutable", "true").lower() != "true":
            continue
        process_id = process.get("id")
        if process_id is None:
            raise DefinitionInvalid(
                [f"{bpmn.name}: line {process.sourceline}: an executable process needs an id"]
            )
        _parse_with_spiff(bpmn.name, root, process_id, files)
        bundles.append(
            Bundle(
                process_id=process_id,
                name=process.get("name") or process_id,
                files={name: data.decode("utf-8") for name, data in files.items()},
                task_meta=_task_meta(process, translation),
                warnings=tuple(translation.warnings),
            )
        )
    if not bundles:
        raise DefinitionInvalid([f"{bpmn.name}: no executable process"])
    return bundles


def _add_decisions(
    name: str, root: etree._Element, folder: Path, files: dict[str, bytes]
) -> list[str]:
    wanted = decision_references(root)
    if not wanted:
        return []
    problems: list[str] = []
    found: set[str] = set()
    # A process's own tables first, then those of the processes beside it: a table one process
    # owns (the account routing) may decide for another.
    beside = sorted(folder.parent.glob("*/*.dmn")) if _is_library(folder.parent) else []
    for dmn in sorted(folder.glob("*.dmn")) + beside:
        if dmn.name in files or not wanted - found:
            continue
        dmn_root, dmn_problems = parse_xml(dmn.name, dmn.read_bytes())
        if dmn_root is None:
            problems += dmn_problems
            continue
        ids = {
            decision_id
            for ns in DMN_NAMESPACES
            for d in dmn_root.iter(f"{{{ns}}}decision")
            if (decision_id := d.get("id")) is not None
        }
        if ids & wanted:
            files[dmn.name] = dmn.read_bytes()
            found |= ids
    problems += [
        f"{name}: decision '{d}' is used but no .dmn file defines it"
        for d in sorted(wanted - found)
    ]
    return problems


def _is_library(folder: Path) -> bool:
    """A folder of process folders (workflows/), whose tables every process in it may use."""
    return any(folder.glob("*/*.bpmn"))


def _parse_with_spiff(
    name: str, root: etree._Element, process_id: str, files: dict[str, bytes]
) -> None:
    try:
        parse_bundle(process_id, files)
    except DefinitionInvalid as exc:
        located = []
        for problem in exc.problems:
            element = problem.partition("id=")[2].split(",")[0].strip() or None
            line = element_line(root, element)
            located.append(
                f"{name}: element '{element}' (line {line}): {problem}"
                if line
                else f"{name}: {problem}"
            )
        raise DefinitionInvalid(located) from exc


def _task_meta(process: etree._Element, translation: Translation) -> dict[str, Any]:
    lanes = {
        ref.text.strip(): lane.get("name")
        for lane in process.iter(f"{{{BPMN_NS}}}lane")
        for ref in lane.findall("bpmn:flowNodeRef", NS)
        if ref.text
    }
    elements: dict[str, Any] = {}
    start_form = None
    for element in _flow_elements(process):
        element_id = element.get("id")
        if not isinstance(element.tag, str) or element_id is None:
            continue
        kind = etree.QName(element).localname
        if kind == "sequenceFlow":
            continue
        props = properties(element)
        doc = element.find("bpmn:documentation", NS)
        elements[element_id] = {
            "type": kind,
            "name": element.get("name") or element_id,
            "lane": lanes.get(element_id),
            "documentation": (doc.text or "").strip() if doc is not None else None,
            "form": props.get(FORM_PROPERTY),
            "due_in": props.get(DUE_PROPERTY),
            "due_from": props.get(DUE_FROM_PROPERTY),
            "separate_from": props.get(SEPARATE_FROM_PROPERTY),
            "assignee_from": props.get(ASSIGNEE_FROM_PROPERTY),
            "ready_template": props.get(READY_TEMPLATE_PROPERTY),
        }
        if kind == "startEvent" and props.get(FORM_PROPERTY):
            start_form = props[FORM_PROPERTY]
    doc = process.find("bpmn:documentation", NS)
    process_props = properties(process)
    return {
        "elements": elements,
        "start_form": start_form,
        "title_template": process_props.get("titleTemplate"),
        "business_key_template": process_props.get("businessKeyTemplate"),
        # Roles that may start the process by hand (all when empty), and a BPMN message that
        # starts it (or joins its running case) when another case throws it.
        "startable_by": sorted(
            role.strip() for role in (process_props.get("startableBy") or "").split(",") if role
        ),
        "start_message": process_props.get("startMessage"),
        "starter_acts": process_props.get("starterActs") == "true",
        # startable="false": only the engine starts it (a photo's removal when a consent is
        # withdrawn, G11); it is not offered under Start ny sak.
        "startable": process_props.get("startable", "true") != "false",
        "documentation": (doc.text or "").strip() if doc is not None else None,
        # Lanes of a diagram from another tool mapped to our roles (engine.bpmn.foreign.lanes).
        "lane_roles": translation.lane_roles.get(process.get("id") or "", {}),
    }


def _flow_elements(process: etree._Element) -> list[etree._Element]:
    """The process's flow elements, those inside its subprocesses included."""
    return [
        element
        for element in process.iter(f"{{{BPMN_NS}}}*")
        if is_flow_element(etree.QName(element).localname)
    ]


def deploy_bundles(
    session: Session, bundles: list[Bundle], actor: str, now: datetime
) -> list[DeployResult]:
    """Store each bundle once, keyed by content hash; a changed bundle gets the next version."""
    results = []
    for bundle in bundles:
        existing = session.scalar(
            select(ProcessDefinition).where(ProcessDefinition.content_hash == bundle.content_hash)
        )
        if existing is not None:
            results.append(
                DeployResult(
                    bundle.process_id,
                    existing.version,
                    bundle.content_hash,
                    False,
                    bundle.warnings,
                )
            )
            continue
        latest = session.scalar(
            select(func.max(ProcessDefinition.version)).where(
                ProcessDefinition.process_id == bundle.process_id
            )
        )
        row = ProcessDefinition(
            process_id=bundle.process_id,
            name=bundle.name,
            version=(latest or 0) + 1,
            content_hash=bundle.content_hash,
            files=bundle.files,
            task_meta=bundle.task_meta,
            deployed_at=now,
            deployed_by=actor,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            now,
            actor,
            "definition_deployed",
            detail={
                "process_id": row.process_id,
                "version": row.version,
                "content_hash": row.content_hash,
                "warnings": list(bundle.warnings),
            },
        )
        results.append(
            DeployResult(row.process_id, row.version, row.content_hash, True, bundle.warnings)
        )
    return results


def latest_definition(session: Session, process_id: str) -> ProcessDefinition:
    row = session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f"Ukjend prosess: {process_id}", "unknown_process", value=process_id)
    return row


def latest_definitions_started_by(session: Session, message: str) -> ProcessDefinition | None:
    """The newest version of the process whose `startMessage` is `message`, if any."""
    return next(
        (d for d in latest_definitions(session) if d.task_meta.get("start_message") == message),
        None,
    )


class DefinitionCache:
    """Parsed specs and forms by content hash: each version is parsed once per process."""

    def __init__(self) -> None:
        self._parsed: dict[str, ParsedBundle] = {}
        self._forms: dict[tuple[str, str], FormSpec] = {}
        self._lock = threading.Lock()

    def get(self, definition: ProcessDefinition) -> ParsedBundle:
        parsed = self._parsed.get(definition.content_hash)
        if parsed is None:
            files = {name: text.encode("utf-8") for name, text in definition.files.items()}
            parsed = parse_bundle(definition.process_id, files)
            with self._lock:
                self._parsed[definition.content_hash] = parsed
        return parsed

    def form(self, definition: ProcessDefinition, name: str) -> FormSpec:
        """The form file `name` of this version, parsed once: the web renders it, the engine
        validates with it."""
        key = (definition.content_hash, name)
        spec = self._forms.get(key)
        if spec is None:
            spec = parse_form(json.loads(definition.files[name]))
            with self._lock:
                self._forms[key] = spec
        return spec
