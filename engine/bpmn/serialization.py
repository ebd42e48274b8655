"""Saving a workflow's state as JSON and restoring it.

The state is stored without its spec (one JSON document per instance): the spec comes from
the deployed version's ParsedBundle, so a restore needs the bundle the instance runs on. The
document carries a version of its own, and a restored workflow gets the recording script
engine again. SpiffWorkflow's serializers are not thread-safe, so each thread has its own.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.bpmn.parsing import ParsedBundle
from engine.bpmn.scripting import RecordingScriptEngine
from engine.errors import WorkflowFailed


# SpiffWorkflow is untyped (pyproject.toml), so its base class is Any to mypy.
class _SpeclessWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Stores a workflow without its spec; the spec comes from the cached definition."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], bundle: ParsedBundle | None = None) -> BpmnWorkflow:
        if bundle is None:
            raise ValueError("a spec-less workflow needs its bundle to be restored")
        workflow = self.target_class(bundle.spec, bundle.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_STATE_VERSION = "someflyt-1"
_local = threading.local()


def _serializer() -> BpmnWorkflowSerializer:
    """Serializers are not thread-safe: one per thread."""
    serializer = getattr(_local, "serializer", None)
    if serializer is None:
        registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
        _SpeclessWorkflowConverter(BpmnWorkflow, registry)
        serializer = BpmnWorkflowSerializer(registry)
        _local.serializer = serializer
    return serializer


def dump_state(workflow: BpmnWorkflow) -> str:
    dct = _serializer().to_dict(workflow)
    dct["state_version"] = _STATE_VERSION
    return json.dumps(dct, separators=(",", ":"))


def load_state(bundle: ParsedBundle, state: str) -> BpmnWorkflow:
    dct = json.loads(state)
    version = dct.pop("state_version", None)
    if version != _STATE_VERSION:
        raise WorkflowFailed(f"unknown state version {version!r}")
    workflow = _serializer().registry.restore(dct, bundle=bundle)
    workflow.script_engine = RecordingScriptEngine()
    return workflow
