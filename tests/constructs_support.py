"""Driving a test diagram through our engine with a save/restore between every step.

`Case` starts a process of a folder under tests/diagrams/ with engine.bpmn.runtime and, after
every step, stores the state and restores it on a freshly parsed bundle, as a worker that has
never seen the case would (a spec shared in memory would hide what the stored state lacks).
It checks that the restored workflow says what the step said, and keeps only the restored one.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from engine.bpmn import parsing, runtime, serialization
from engine.bpmn.definitions import Bundle, collect_bundles
from tests.conftest import START

DIAGRAMS = Path(__file__).parent / "diagrams"


def bundles(folder: Path) -> dict[str, Bundle]:
    return {bundle.process_id: bundle for bundle in collect_bundles([folder])}


def variant(tmp_path: Path, name: str, *edits: tuple[str, str]) -> Path:
    """A copy of the diagram folder `name` with each `old` (which must occur) made `new`."""
    folder = tmp_path / name
    shutil.copytree(DIAGRAMS / name, folder)
    for old, new in edits:
        for bpmn in folder.glob("*.bpmn"):
            text = bpmn.read_text(encoding="utf-8")
            if old in text:
                bpmn.write_text(text.replace(old, new), encoding="utf-8")
                break
        else:
            raise AssertionError(f"{old!r} is in no diagram of {name}")
    return folder


class Case:
    """One case of `process_id`, restored from its stored state after every step."""

    def __init__(
        self,
        folder: Path | str,
        process_id: str | None = None,
        data: dict[str, Any] | None = None,
        now: datetime = START,
    ) -> None:
        self.folder = DIAGRAMS / folder if isinstance(folder, str) else folder
        found = bundles(self.folder)
        self.source = found[process_id or self.folder.name]
        self.now = now
        workflow, snapshot = runtime.start_workflow(self._parse(), data or {}, now)
        self._keep(workflow, snapshot)

    def _parse(self) -> parsing.ParsedBundle:
        files = {name: text.encode() for name, text in self.source.files.items()}
        return parsing.parse_bundle(self.source.process_id, files)

    def _keep(self, workflow: Any, snapshot: runtime.Snapshot) -> runtime.Snapshot:
        assert serialization.dump_state(workflow) == snapshot.state
        restored = serialization.load_state(self._parse(), snapshot.state)
        assert serialization.dump_state(restored) == snapshot.state
        assert runtime.ready_human_tasks(restored) == snapshot.ready
        assert runtime.next_timer_at(restored) == snapshot.next_timer_at
        assert runtime.current_data(restored) == snapshot.data
        assert restored.is_completed() == snapshot.completed
        self.workflow, self.snapshot = restored, snapshot
        return snapshot

    # --- what the case shows ---------------------------------------------------------------

    @property
    def ready(self) -> list[str]:
        return sorted(task.element_id for task in self.snapshot.ready)

    @property
    def completed(self) -> bool:
        return self.snapshot.completed

    @property
    def outcome(self) -> str | None:
        return self.snapshot.outcome

    @property
    def data(self) -> dict[str, Any]:
        return self.snapshot.data

    @property
    def next_timer_at(self) -> datetime | None:
        return self.snapshot.next_timer_at

    def task_data(self, element_id: str) -> list[dict[str, Any]]:
        return [
            runtime.task_data(self.workflow, task.id)
            for task in self.snapshot.ready
            if task.element_id == element_id
        ]

    # --- acting on it ------------------------------------------------------------------------

    def later(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def complete(self, element_id: str, data: dict[str, Any] | None = None) -> runtime.Snapshot:
        """Complete the (first) ready human task of `element_id`."""
        task = next(t for t in self.snapshot.ready if t.element_id == element_id)
        snapshot = runtime.complete_task(self.workflow, task.id, data or {}, self.now)
        return self._keep(self.workflow, snapshot)

    def message(self, name: str, payload: Any = None) -> runtime.Snapshot | None:
        snapshot = runtime.deliver_message(self.workflow, name, payload, self.now)
        return None if snapshot is None else self._keep(self.workflow, snapshot)

    def fire_timers(self, at: datetime | None = None) -> runtime.Snapshot:
        self.now = at or self.now
        snapshot = runtime.fire_timers(self.workflow, self.now)
        return self._keep(self.workflow, snapshot)
