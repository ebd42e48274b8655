"""Call activities across the BPMN files of one process folder.

A process folder may hold more than one .bpmn file: a process and the processes its call
activities call. Each executable process becomes a bundle of its own file and of every file
whose processes it calls, directly or through them, so SpiffWorkflow finds the called
processes. A process that another process of the folder calls serves that one: it is not
started by hand (`startable` false) unless its own `startable` property says "true".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from engine.bpmn.elements import BPMN_NS, NS, where


@dataclass(frozen=True)
class FolderProcess:
    """An executable process of a folder and the file that defines it."""

    file: str
    process: etree._Element


def executable_processes(roots: Mapping[str, etree._Element]) -> dict[str, FolderProcess]:
    """The folder's executable processes by id (the first file that defines an id wins; a
    process defined twice is reported by `duplicate_processes`)."""
    found: dict[str, FolderProcess] = {}
    for name, root in sorted(roots.items()):
        for process in root.findall("bpmn:process", NS):
            process_id = process.get("id")
            executable = process.get("isExecutable", "true").lower() == "true"
            if process_id and executable and process_id not in found:
                found[process_id] = FolderProcess(name, process)
    return found


def duplicate_processes(roots: Mapping[str, etree._Element]) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for name, root in sorted(roots.items()):
        for process in root.findall("bpmn:process", NS):
            process_id = process.get("id")
            if not process_id:
                continue
            if process_id in seen:
                problems.append(
                    f"{where(name, process)}: process '{process_id}' is defined in "
                    f"{seen[process_id]} too; a folder defines each process once"
                )
            else:
                seen[process_id] = name
    return problems


def _calls(process: etree._Element) -> list[tuple[etree._Element, str]]:
    return [
        (call, (call.get("calledElement") or "").strip())
        for call in process.iter(f"{{{BPMN_NS}}}callActivity")
    ]


def missing_called(processes: Mapping[str, FolderProcess]) -> list[str]:
    """A call activity must name a process of its folder (its id, `calledElement`)."""
    known = ", ".join(sorted(processes)) or "none"
    return [
        f"{where(each.file, call)}: the call activity calls process '{called}', which no "
        f".bpmn file of this folder defines as an executable process (known: {known})"
        for each in processes.values()
        for call, called in _calls(each.process)
        if called and called not in processes
    ]


def called_closure(process_id: str, processes: Mapping[str, FolderProcess]) -> list[str]:
    """The processes `process_id` calls, directly or through those it calls, in call order."""
    order: list[str] = []
    pending = [process_id]
    while pending:
        current = processes.get(pending.pop(0))
        if current is None:
            continue
        for _call, called in _calls(current.process):
            if called in processes and called != process_id and called not in order:
                order.append(called)
                pending.append(called)
    return order


def called_by_others(processes: Mapping[str, FolderProcess]) -> set[str]:
    """Processes another process of the folder calls."""
    return {
        called
        for process_id, each in processes.items()
        for _call, called in _calls(each.process)
        if called != process_id
    }
