"""What is deployed now: the newest version of every process, and what its decision tables
can decide. Read-only; it depends on the models alone, so any module may ask."""

from __future__ import annotations

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.store.models import ProcessDefinition


def latest_definitions(session: Session) -> list[ProcessDefinition]:
    """The newest version of every deployed process, by name."""
    newest = (
        select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("v"))
        .group_by(ProcessDefinition.process_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(ProcessDefinition)
            .join(
                newest,
                (ProcessDefinition.process_id == newest.c.process_id)
                & (ProcessDefinition.version == newest.c.v),
            )
            .order_by(ProcessDefinition.name)
        )
    )


def decision_outputs(session: Session, output: str) -> set[str]:
    """The string values the deployed decision tables (the newest version of each process)
    can give an output, e.g. every saved reply the inquiry routing table prescribes."""
    found: set[str] = set()
    for definition in latest_definitions(session):
        for name, text in definition.files.items():
            if name.endswith(".dmn"):
                found |= _outputs_of(etree.fromstring(text.encode("utf-8")), output)
    return found


def _outputs_of(root: etree._Element, output: str) -> set[str]:
    values: set[str] = set()
    for table in root.iter("{*}decisionTable"):
        names = [o.get("name") for o in table.findall("{*}output")]
        if output not in names:
            continue
        column = names.index(output)
        for rule in table.findall("{*}rule"):
            entries = rule.findall("{*}outputEntry")
            text = (entries[column].findtext("{*}text") or "").strip()
            if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
                values.add(text[1:-1])  # a string literal; None and expressions are no key
    return values
