"""The embedded broker (tasks/filesystem_broker.py) through kombu itself: messages are written
whole, and every kind of unreadable file in the queue is set aside, never fatal to a reader."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest
from kombu import Connection

from tasks.filesystem_broker import Transport

QUEUE = "celery"
JUNK = {
    "cut_off": b'{"body": "W1sxXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwg',
    "empty": b"",
    "not_json": b"\x00\xffnot json at all",
    "a_list": b"[1, 2, 3]",
    "no_properties": b'{"body": "e30=", "headers": {}}',
    "bad_properties": b'{"body": "", "properties": ["delivery_tag"]}',
}


def _connection(folder: Path) -> Connection:
    # kombu keeps declared exchanges in one state per process (one broker folder in a real
    # process); each test has its own folder, so its own state.
    Transport.global_state.clear()
    for sub in ("queue", "processed", "control", "bad"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return Connection(
        "filesystem://",
        transport="tasks.filesystem_broker:Transport",
        transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "bad_folder": str(folder / "bad"),
        },
    )


def test_unreadable_messages_are_set_aside_and_the_good_ones_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Names that sort first (kombu's start with milliseconds): read before the good ones.
    names = {kind: f"0{number}_{uuid.uuid4()}.{QUEUE}.msg" for number, kind in enumerate(JUNK)}
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue(QUEUE)
        queue.put({"outbox_id": 1})
        for kind, payload in JUNK.items():
            (tmp_path / "queue" / names[kind]).write_bytes(payload)
        queue.put({"outbox_id": 2})

        with caplog.at_level(logging.WARNING, logger="tasks.filesystem_broker"):
            first = queue.get(timeout=5)
            second = queue.get(timeout=5)
        assert sorted(m.payload["outbox_id"] for m in (first, second)) == [1, 2]
        first.ack()
        second.ack()
        queue.close()

    for kind, payload in JUNK.items():
        assert (tmp_path / "bad" / names[kind]).read_bytes() == payload, kind
    assert sorted(p.name for p in (tmp_path / "queue").iterdir()) == []
    assert list((tmp_path / "processed").iterdir()) == []  # read messages are not kept
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == len(JUNK)
    assert all("set aside" in text for text in warned)


def test_a_message_is_never_visible_half_written(tmp_path: Path) -> None:
    """Written under a hidden name and renamed: the queue holds whole messages only."""
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue(QUEUE)
        for number in range(20):
            queue.put({"n": number, "padding": "x" * 10_000})
        files = sorted((tmp_path / "queue").iterdir())
        assert len(files) == 20 and not [f for f in files if f.name.startswith(".")]
        got = []
        for _ in range(20):
            message = queue.get(timeout=5)
            got.append(message.payload["n"])
            message.ack()
        queue.close()
    assert sorted(got) == list(range(20))
