"""Handing jobs to the broker without holding anyone up.

A request that committed a change hands its notifications to the broker through one thread per
process (`Handover`), and waits at most `WAIT_SECONDS` for it: a broker that is down or hangs
(accepts connections and never answers) costs a person a fifth of a second, never the socket
timeouts. What is not handed over stays in the outbox, whose row carries a hand-over lease
(engine.delivery.notifications.HANDOVER); the beat sweep queues it once that has run out.

`broker_answers` is /healthz's probe, bounded the same way.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from celery import Celery

log = logging.getLogger(__name__)

WAIT_SECONDS = 0.2  # how long a request waits for its hand-over
PROBE_SECONDS = 0.5  # how long /healthz waits for the broker
# A batch that waited this long behind a hung hand-over is left to the sweep instead (the rows'
# hand-over lease runs out at about this time, and the sweep queues them).
STALE_SECONDS = 10.0
BACKLOG = 1000  # batches waiting for the thread; beyond it, the sweep takes over


@dataclass
class _Batch:
    ids: list[int]
    queued_at: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)


class Handover:
    """One background thread that publishes batches of outbox ids with `publish`."""

    def __init__(
        self,
        publish: Callable[[list[int]], None],
        wait_seconds: float = WAIT_SECONDS,
        stale_seconds: float = STALE_SECONDS,
    ) -> None:
        self.publish = publish
        self.wait_seconds = wait_seconds
        self.stale_seconds = stale_seconds
        self._batches: queue.Queue[_Batch] = queue.Queue(maxsize=BACKLOG)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, ids: list[int]) -> bool:
        """Hand `ids` over; True if the broker took them within the wait. False means only that
        the request goes on: the thread may still deliver them, or the sweep will."""
        self._ensure_thread()
        batch = _Batch(list(ids))
        try:
            self._batches.put_nowait(batch)
        except queue.Full:
            log.warning("hand-over backlog full; notifications %s wait for the sweep", ids)
            return False
        if batch.done.wait(self.wait_seconds):
            return True
        log.warning(
            "broker slow: notifications %s not handed over within %.1f s; the sweep has them",
            ids,
            self.wait_seconds,
        )
        return False

    def _ensure_thread(self) -> None:
        # Started on first use, so in the process that serves (after a fork, a thread of the
        # parent is not alive here and a new one is started).
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="someflyt-handover", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = self._batches.get()
            try:
                if time.monotonic() - batch.queued_at > self.stale_seconds:
                    log.warning("notifications %s left to the sweep (hand-over late)", batch.ids)
                    continue
                self.publish(batch.ids)
            except Exception as exc:  # any broker failure: the outbox row is the source of truth
                log.warning(
                    "broker unavailable; notifications %s wait for the sweep: %s", batch.ids, exc
                )
            finally:
                batch.done.set()


class _Probe:
    """At most one broker probe at a time: while one hangs, /healthz answers "unavailable" at
    once instead of starting another."""

    def __init__(self) -> None:
        self._running: threading.Event | None = None
        self._lock = threading.Lock()

    def answers(self, celery: Celery, timeout: float) -> bool:
        with self._lock:
            if self._running is not None and not self._running.is_set():
                return False  # the last probe still hangs
            finished = self._running = threading.Event()
        result: list[bool] = []
        thread = threading.Thread(
            target=_probe, args=(celery, timeout, result, finished), daemon=True
        )
        thread.start()
        finished.wait(timeout)
        return bool(result) and result[0]


def _probe(celery: Celery, timeout: float, result: list[bool], finished: threading.Event) -> None:
    try:
        options = {"socket_timeout": timeout, "socket_connect_timeout": timeout, "max_retries": 0}
        with celery.connection_for_write(transport_options=options) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        result.append(True)
    except Exception:  # any failure to reach the broker is "unavailable" on /healthz
        result.append(False)
    finally:
        finished.set()


_PROBE = _Probe()


def broker_answers(celery: Celery, timeout: float = PROBE_SECONDS) -> bool:
    """Whether the broker answers within `timeout` seconds (a hung one counts as down)."""
    return _PROBE.answers(celery, timeout)
