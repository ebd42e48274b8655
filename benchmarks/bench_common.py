"""What both benchmarks share: the sample applications and how they print."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from engine.demo import SAMPLE_SCHOOL_APPLICATION


def application(seq: int) -> dict[str, Any]:
    """Start data for the seq-th instance: A1 wants a justification after the first."""
    data = SAMPLE_SCHOOL_APPLICATION | {"account_name": f"alesundvgs_{seq}"}
    if seq:
        data["justification"] = "Kvar klasse treng sin eigen kanal for foreldre og elevar."
    return data


def say(line: str = "") -> None:
    print(line, flush=True)


@contextmanager
def phase(name: str) -> Iterator[None]:
    started = time.perf_counter()
    say(f"== {name}")
    try:
        yield
    finally:
        say(f"   ({name}: {time.perf_counter() - started:.1f} s)")
