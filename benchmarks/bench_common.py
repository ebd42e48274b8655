"""What both benchmarks share: the sample applications and how they print."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import create_engine, make_url, text

from engine.people.demo import SAMPLE_SCHOOL_APPLICATION


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


@contextmanager
def postgres_database(
    server_url: str,
    prefix: str,
    guard: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> Iterator[str]:
    """A fresh database on the server, dropped afterwards (also on errors); `guard` wraps the
    drop (the worker benchmark keeps Ctrl-C from interrupting it)."""
    admin_url = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with guard(), admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
