"""kombu's filesystem transport (the embedded broker of `make run`), made safe for a worker.

kombu writes a message in place, in the queue folder, under its final name, and a reader takes
whatever file it finds there: a worker could read a message half-written and die of the
`JSONDecodeError` (issue 14, point 10). Here a message is written under a name no reader
looks at and renamed into the queue when whole, and a reader that still finds a message it
cannot read — cut off, not JSON, not a kombu message — logs it and sets it aside in the broker's
`bad/` folder (kept for a look), then goes on with the next. Nothing is lost that matters: the
database outbox holds every delivery, and the sweep queues it again.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

log = logging.getLogger(__name__)


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        """Write the message whole under a hidden name, then rename it into the queue (a rename
        within one folder is atomic: a reader sees all of it or nothing)."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        folder = Path(self.data_folder_out)
        hidden = folder / f".{name}.part"  # ".x.part".partition(".") matches no queue
        try:
            hidden.write_bytes(str_to_bytes(dumps(payload)))
            os.replace(hidden, folder / name)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        """The next readable message of `queue`; unreadable ones are set aside on the way."""
        wanted = f"{queue}.msg"
        incoming = Path(self.data_folder_in)
        taken_folder = Path(self.processed_folder)
        taken_folder.mkdir(parents=True, exist_ok=True)
        for filename in sorted(os.listdir(incoming)):
            if filename.partition(".")[2] != wanted:
                continue
            taken = taken_folder / filename
            try:
                os.replace(incoming / filename, taken)  # one reader wins; the others move on
            except OSError:
                continue
            try:
                payload = taken.read_bytes()
            except OSError as exc:
                raise ChannelError(f"Cannot read file {str(taken)!r} from queue.") from exc
            message, problem = self._decode(payload)
            if problem:
                self._set_aside(taken, incoming / filename, problem)
                continue
            if not self.store_processed:
                taken.unlink(missing_ok=True)
            return message
        raise Empty()

    def _decode(self, payload: bytes) -> tuple[Any, str]:
        """The message, or what is wrong with it."""
        try:
            message = loads(bytes_to_str(payload))
            self.Message(message, channel=self)  # what the consumer will do with it next
        except Exception as exc:  # cut off, not JSON, no properties, a broken body…
            return None, f"{type(exc).__name__}: {exc}"
        return message, ""

    def _set_aside(self, taken: Path, was: Path, problem: str) -> None:
        bad = Path(self.transport_options.get("bad_folder") or taken.parent.parent / "bad")
        bad.mkdir(parents=True, exist_ok=True)
        os.replace(taken, bad / taken.name)
        log.warning(
            "broker message %s is not a whole message (%s); set aside in %s",
            was,
            problem,
            bad,
        )


class Transport(filesystem.Transport):
    Channel = Channel
