"""Fjern bilete utan samtykke (G11): when a consent is withdrawn, every approved post that
relied on it gets a removal case of this process, linked to the post (the team removes the
photo within 24 h)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.bootstrap import Engine
from engine.cases import services
from engine.extensions import Registry
from engine.registers.consents import WITHDRAWN

PROCESS = "photo_removal"


def _start_removal(eng: Engine, session: Session, actor: str, facts: dict[str, Any]) -> list[int]:
    """One removal case for the post in `facts` (its id, account, title and photos)."""
    child = services.start_linked_case(
        eng, session, PROCESS, facts, actor, parent_id=int(facts["post_id"])
    )
    return [child.id]


def register(registry: Registry) -> None:
    registry.subscribe(WITHDRAWN, _start_removal)
