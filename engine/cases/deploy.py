"""Deploying process definitions: from the workflows folder, or diagrams an admin uploads."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from engine.bootstrap import Engine
from engine.bpmn.definitions import (
    collect_bundles,
    deploy_bundles,
)
from engine.cases.permissions import SYSTEM, acting_user
from engine.errors import (
    FormInvalid,
    PermissionDenied,
)
from engine.forms.spec import EMPTY_FORM, FormSpec
from engine.store.models import (
    ProcessDefinition,
)


def deploy_definitions(
    eng: Engine, paths: list[Path] | None = None, actor: str = SYSTEM
) -> list[dict[str, Any]]:
    """Validate every bundle first; store none of them unless all are valid."""
    bundles = collect_bundles(paths or [eng.settings.workflows_dir])
    with eng.transaction() as session:
        results = deploy_bundles(session, bundles, actor, eng.clock.now())
    return [vars(r) for r in results]


def deploy_uploaded(eng: Engine, uploads: dict[str, bytes], actor: str) -> list[dict[str, Any]]:
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
        # Each diagram goes into its process folder (a new one for a new process); the forms
        # and tables uploaded with it go beside it.
        diagrams = [Path(name).name for name in uploads if name.endswith(".bpmn")]
        for name, content in uploads.items():
            leaf = Path(name).name
            homes = [leaf] if leaf.endswith(".bpmn") else diagrams
            for diagram in homes:
                home = folder / Path(diagram).stem
                target = home / ("forms" if leaf.endswith(".json") else "") / leaf
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
        return deploy_definitions(eng, [folder], actor)


def step_form(eng: Engine, definition: ProcessDefinition, name: str | None) -> FormSpec:
    """The step's form; a step without one accepts no fields at all."""
    return eng.cache.form(definition, name) if name else EMPTY_FORM
