"""What candidate resolution may know about an instance without deserializing it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class InstanceContext:
    started_by: str
    data: dict[str, Any]
    # The process's `starterActs`: whoever started the case also works on it (a crisis that
    # management declared and leads); four eyes then come from `separateFrom` alone.
    starter_acts: bool = False
