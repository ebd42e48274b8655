"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepted, for the tests.

Like a careful mail server, it counts a message as delivered only when it can still answer
"250" to the client: a client that vanished mid-conversation delivered nothing. `hold()` makes
it wait before answering, so a test can kill a worker in the middle of a delivery; `refuse()`
makes it answer with a temporary failure.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        sink = self.sink
        sink.conversations += 1
        if sink.refusing:
            return "451 4.3.0 try again later"
        while sink.holding.is_set():
            await asyncio.sleep(0.05)
        transport = server.transport  # the SMTP protocol object of this connection
        if transport is None or transport.is_closing():
            return "421 client gone"  # never reaches anyone: nothing was accepted
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with sink.lock:
            sink.messages.append(message)
        return "250 OK"


class SmtpSink:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.holding = threading.Event()
        self.refusing = False
        self.conversations = 0  # DATA commands seen, accepted or not
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def hold(self) -> None:
        self.holding.set()

    def release(self) -> None:
        self.holding.clear()

    def refuse(self, refusing: bool = True) -> None:
        self.refusing = refusing

    def received(self) -> list[Message]:
        with self.lock:
            return list(self.messages)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Message]:
        """Poll until `count` messages arrived (a worker is another process)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.received()
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.received())}")
