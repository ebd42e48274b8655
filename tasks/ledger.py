"""Which notifications have a job waiting in the broker, so a sweep after a backlog does not
queue them a second time (issue 14, point 11: 199 of a new worker's 339 jobs were no-ops).

Beside each delivery job the hand-over sets a marker in the broker's own Redis,
`someflyt:queued:<outbox id>`, with the hand-over lease as its expiry
(SOMEFLYT_HANDOVER_LEASE_SECONDS, an hour by default: kombu's own visibility timeout, after
which Redis gives an unacknowledged job to another worker); the job deletes it once its claim on
the row is decided (the row is then "sending", or done). The sweep leaves a due pending row
alone while its marker is there; an abandoned claim it always queues again.
The markers live and die with the queue: a Redis restart loses both, and the sweep queues every
row again, as before. A marker is a hint, never state: lost, it costs one no-op job; stale, its
lease runs out. With the filesystem broker (one embedded worker, no backlog to speak of) there
are no markers and the sweep behaves as it always did.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

PREFIX = "someflyt:queued:"
DEFAULT_LEASE_SECONDS = 3600
TIMEOUT_SECONDS = 2.0


class QueuedJobs:
    def __init__(
        self, url: str | None, lease_seconds: float = DEFAULT_LEASE_SECONDS, prefix: str = PREFIX
    ) -> None:
        self.lease_seconds = max(int(lease_seconds), 1)
        self.prefix = prefix
        self._client: redis.Redis | None = None
        if url and url.startswith(("redis://", "rediss://", "unix://")):
            self._client = redis.Redis.from_url(
                url,
                socket_timeout=TIMEOUT_SECONDS,
                socket_connect_timeout=TIMEOUT_SECONDS,
                retry=Retry(NoBackoff(), 0),  # a marker is a hint: no retries to wait for
            )

    @classmethod
    def from_env(cls) -> QueuedJobs:
        lease = float(os.environ.get("SOMEFLYT_HANDOVER_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))
        return cls(os.environ.get("SOMEFLYT_BROKER_URL", ""), lease)

    def _key(self, outbox_id: int) -> str:
        return f"{self.prefix}{outbox_id}"

    def mark(self, outbox_ids: Iterable[int]) -> None:
        """Before the jobs are published (so a worker that starts one at once finds its marker
        to delete, and never leaves one behind)."""
        ids = list(outbox_ids)
        if self._client is None or not ids:
            return
        try:
            pipeline = self._client.pipeline(transaction=False)
            for outbox_id in ids:
                pipeline.set(self._key(outbox_id), b"1", ex=self.lease_seconds)
            pipeline.execute()
        except redis.RedisError as exc:  # without a marker the sweep only queues it again
            log.warning("could not mark notifications %s as queued: %s", ids, exc)

    def unmark(self, outbox_id: int) -> None:
        """A worker took the job and claimed the row (or found nothing to do): if it dies now,
        the row's lease runs out and the sweep takes it again."""
        if self._client is None:
            return
        try:
            self._client.delete(self._key(outbox_id))
        except redis.RedisError as exc:  # the marker expires with its lease
            log.warning("could not clear the queued mark of notification %s: %s", outbox_id, exc)

    def waiting(self, outbox_ids: list[int]) -> set[int]:
        """Those of `outbox_ids` whose job still waits in the broker. Empty when unknown: then
        the sweep queues them again, which is safe (a delivery is claimed, never sent twice)."""
        if self._client is None or not outbox_ids:
            return set()
        try:
            found = self._client.mget([self._key(i) for i in outbox_ids])
        except redis.RedisError as exc:
            log.warning("could not read the queued marks: %s", exc)
            return set()
        return {i for i, value in zip(outbox_ids, found, strict=True) if value is not None}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
