"""Deploying process definitions: from the workflows folder, or diagrams an admin uploads."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from engine.bootstrap import Engine
from engine.bpmn.definitions import (
    collect_bundles,
    deploy_bundles,
)
from engine.bpmn.deployed import latest_definitions
from engine.bpmn.elements import BPMN_NS, NS, parse_xml
from engine.bpmn.foreign.translate import DeployOptions
from engine.cases.permissions import SYSTEM, acting_user
from engine.errors import (
    FormInvalid,
    PermissionDenied,
)
from engine.extensions import installed
from engine.forms.spec import EMPTY_FORM, FormSpec
from engine.store.models import (
    ProcessDefinition,
)

# A process id that may name a folder: no path separators, no dots, nothing hidden.
_FOLDER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,99}")


def deploy_definitions(
    eng: Engine,
    paths: list[Path] | None = None,
    actor: str = SYSTEM,
    options: DeployOptions | None = None,
) -> list[dict[str, Any]]:
    """Validate every bundle first; store none of them unless all are valid. `options`: the
    deployer's lane mapping for diagrams from other tools; lanes it does not name keep the
    role the process's previous version gave them."""
    with eng.reading() as session:
        remembered = {
            d.process_id: d.task_meta.get("lane_roles") or {} for d in latest_definitions(session)
        }
    options = replace(options or DeployOptions(), remembered=remembered)
    bundles = collect_bundles(paths or [eng.settings.workflows_dir], options)
    with eng.transaction() as session:
        results = deploy_bundles(session, bundles, actor, eng.clock.now())
    return [vars(r) | {"warnings": list(r.warnings)} for r in results]


def foreign_lanes(uploads: dict[str, bytes]) -> list[str]:
    """The lanes of uploaded diagrams that name none of our lanes (by name, or by id for a
    lane without a name): those the deployer maps to roles."""
    ours = installed().lanes
    found: list[str] = []
    for name, content in uploads.items():
        root = parse_xml(name, content)[0] if name.endswith(".bpmn") else None
        for lane in root.iter(f"{{{BPMN_NS}}}lane") if root is not None else []:
            key = (lane.get("name") or "").strip() or lane.get("id") or ""
            if key and key not in ours and key not in found:
                found.append(key)
    return found


def deploy_uploaded(
    eng: Engine, uploads: dict[str, bytes], actor: str, options: DeployOptions | None = None
) -> list[dict[str, Any]]:
    """Deploy uploaded BPMN files (with any DMN and form files beside them). Forms and tables
    not uploaded are taken from the workflows folder, so a changed diagram alone is enough.
    Only admins deploy from the web (the CLI is for those with the server's shell)."""
    with eng.reading() as session:
        if "admin" not in acting_user(session, actor).role_names:
            raise PermissionDenied("Berre administratorar kan gjere dette.", "admin_only")
    if not any(name.endswith(".bpmn") for name in uploads):
        raise FormInvalid({"files": ("no_files", {})})
    with tempfile.TemporaryDirectory(prefix="someflyt-upload-") as tmp:
        folder = Path(tmp)
        if eng.settings.workflows_dir.is_dir():
            shutil.copytree(eng.settings.workflows_dir, folder, dirs_exist_ok=True)
        for bpmn in folder.glob("*/*.bpmn"):  # only the uploaded diagrams are deployed
            bpmn.unlink()
        # Each diagram goes into the folder of the process it defines (a new one for a new
        # process), whatever the file is called; the forms and tables uploaded with it go
        # beside it.
        homes = {
            Path(name).name: folder / _process_folder(Path(name).name, content, number)
            for number, (name, content) in enumerate(uploads.items())
            if name.endswith(".bpmn")
        }
        for name, content in uploads.items():
            leaf = Path(name).name
            for home in [homes[leaf]] if leaf in homes else list(homes.values()):
                target = home / ("forms" if leaf.endswith(".json") else "") / leaf
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
        return deploy_definitions(eng, [folder], actor, options)


def _process_folder(name: str, content: bytes, number: int) -> str:
    """The folder an uploaded diagram belongs in: its executable process's id when that is a
    plain name, else one of its own (deploy then reports what is wrong with the diagram)."""
    root, _problems = parse_xml(name, content)
    ids = [] if root is None else [p.get("id") or "" for p in root.findall("bpmn:process", NS)]
    return next((i for i in ids if _FOLDER_NAME.fullmatch(i)), f"upload-{number}")


def step_form(eng: Engine, definition: ProcessDefinition, name: str | None) -> FormSpec:
    """The step's form; a step without one accepts no fields at all."""
    return eng.cache.form(definition, name) if name else EMPTY_FORM
