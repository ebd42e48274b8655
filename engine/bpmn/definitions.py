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
from engine.bpmn import calls
from engine.bpmn.deployed import latest_definitions
from engine.bpmn.elements import (
    FORM_PROPERTY,
    NS,
    decision_references,
    element_line,
    parse_xml,
    properties,
)
from engine.bpmn.parsing import ParsedBundle, parse_bundle, schema_problems
from engine.bpmn.task_meta import task_meta
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


def collect_bundles(paths: list[Path]) -> list[Bundle]:
    """Read and validate every BPMN file under `paths`; raise with all problems at once."""
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
    by_folder: dict[Path, list[Path]] = {}
    for bpmn in bpmn_files:
        by_folder.setdefault(bpmn.parent, []).append(bpmn)
    bundles: list[Bundle] = []
    for folder, requested in by_folder.items():
        try:
            bundles += _folder_bundles(folder, requested)
        except DefinitionInvalid as exc:
            problems += exc.problems
    if problems:
        raise DefinitionInvalid(problems)
    return bundles


def _folder_bundles(folder: Path, requested: list[Path]) -> list[Bundle]:
    """The bundles of the requested .bpmn files of one process folder; each takes in the
    files of the folder its call activities call (engine.bpmn.calls)."""
    problems: list[str] = []
    contents: dict[str, bytes] = {}
    roots: dict[str, etree._Element] = {}
    wanted = {path.name for path in requested}
    for path in sorted(set(folder.glob("*.bpmn")) | set(requested)):
        content = path.read_bytes()
        root, xml_problems = parse_xml(path.name, content)
        if root is None:
            problems += xml_problems if path.name in wanted else []
            continue
        contents[path.name], roots[path.name] = content, root
    processes = calls.executable_processes(roots)
    closures = {
        process_id: calls.called_closure(process_id, processes)
        for process_id, each in processes.items()
        if each.file in wanted
    }
    needed = wanted | {processes[c].file for closure in closures.values() for c in closure}
    problems += calls.duplicate_processes({n: r for n, r in roots.items() if n in needed})
    problems += calls.missing_called({i: p for i, p in processes.items() if p.file in needed})
    # The notification texts of the processes beside this one, and the engine's general ones.
    templates = texts.templates(texts.ProcessTexts(folder.parent))
    resources: dict[str, dict[str, bytes]] = {}
    for name in sorted(needed & set(roots)):
        resources[name], found = _resources(name, roots[name], folder)
        problems += found + schema_problems(name, roots[name])
        problems += check_bpmn(
            name, roots[name], {name: contents[name]} | resources[name], templates
        )
    for name in sorted(wanted & set(roots)):
        problems += [
            f"{name}: line {process.sourceline}: an executable process needs an id"
            for process in roots[name].findall("bpmn:process", NS)
            if process.get("isExecutable", "true").lower() == "true" and not process.get("id")
        ]
    if problems:
        raise DefinitionInvalid(problems)
    called = calls.called_by_others(processes)
    bundles = []
    for process_id, closure in closures.items():
        main = processes[process_id]
        files: dict[str, bytes] = {}
        for file in dict.fromkeys([main.file] + [processes[c].file for c in closure]):
            files |= {file: contents[file]} | resources[file]
        _parse_with_spiff(main.file, roots[main.file], process_id, files)
        meta = task_meta(main.process, [processes[c].process for c in closure])
        if process_id in called and properties(main.process).get("startable") != "true":
            meta["startable"] = False  # it serves the processes that call it
        bundles.append(
            Bundle(
                process_id=process_id,
                name=main.process.get("name") or process_id,
                files={name: data.decode("utf-8") for name, data in files.items()},
                task_meta=meta,
            )
        )
    for name in sorted(wanted & set(roots)):
        if not any(processes[i].file == name for i in closures):
            problems.append(f"{name}: no executable process")
    if problems:
        raise DefinitionInvalid(problems)
    return bundles


def _resources(name: str, root: etree._Element, folder: Path) -> tuple[dict[str, bytes], list[str]]:
    """The decision tables and form files one diagram uses, and what is missing of them."""
    files: dict[str, bytes] = {}
    problems = _add_decisions(name, root, folder, files)
    for form in sorted(
        {p[FORM_PROPERTY] for p in map(properties, root.iter()) if FORM_PROPERTY in p}
    ):
        form_path = folder / form
        if form_path.is_file() and form_path.resolve().is_relative_to(folder.resolve()):
            files[form] = form_path.read_bytes()
    return files, problems


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
                DeployResult(bundle.process_id, existing.version, bundle.content_hash, False)
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
            },
        )
        results.append(DeployResult(row.process_id, row.version, row.content_hash, True))
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
