"""Anchoring the audit chain outside the database (issue 14, point 5).

The hash chain (engine/store/audit.py) shows that nothing was altered or removed from the
middle, but whoever can write the database can also delete the last events and roll back
`audit_head`, or rewrite an event and compute the chain again. Two anchors stop that:

- The audit key: every event also carries an HMAC-SHA256 of its chain hash, with a key the
  database never holds (SOMEFLYT_AUDIT_KEY, else the file `audit_key` in the instance folder,
  which `someflyt init` creates). A chain recomputed without the key has no valid MACs.
- Checkpoints: `someflyt audit checkpoint` writes a statement of the head (sequence, hash,
  time, the first signed event), signed with the same key, that auditors keep outside the
  database. `audit verify --checkpoint FILE` then finds a truncated chain (the sequence is
  gone) and a rewritten one (the hash at that sequence differs).

Events from before the key existed have no MAC. They may only come first: once an event is
signed, every later one must be. They are vouched for by the chain, and by the first checkpoint
taken after the upgrade (which names where signing began).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

KEY_ENV = "SOMEFLYT_AUDIT_KEY"
KEY_FILE = "audit_key"
SESSION_INFO = "someflyt_audit_key"  # where a database session carries the key (bootstrap)
FORMAT = "someflyt-audit-checkpoint/1"
_EVENT = b"someflyt-audit-event:"
_CHECKPOINT = b"someflyt-audit-checkpoint:"


def _key_path() -> Path:
    return Path(os.environ.get("SOMEFLYT_INSTANCE", Path.cwd() / "instance")) / KEY_FILE


def load_key() -> bytes | None:
    """The audit key from the environment or the instance folder; None where there is none."""
    value = os.environ.get(KEY_ENV, "").strip()
    if value:
        return value.encode("utf-8")
    path = _key_path()
    if path.is_file():
        return path.read_text(encoding="utf-8").strip().encode("utf-8")
    return None


def ensure_key() -> Path | None:
    """Create the instance folder's key if no key is set (`someflyt init`); the new file's path,
    or None if a key was there already. Keep a copy where the database's backups are not."""
    if load_key() is not None:
        return None
    path = _key_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return path


def key_id(key: bytes) -> str:
    """Names a key without giving it away: which key signed a checkpoint."""
    return hashlib.sha256(b"someflyt-audit-key-id:" + key).hexdigest()[:16]


def event_mac(key: bytes, event_hash: str) -> str:
    return hmac.new(key, _EVENT + event_hash.encode("ascii"), hashlib.sha256).hexdigest()


def mac_matches(key: bytes, event_hash: str, mac: str | None) -> bool:
    return mac is not None and hmac.compare_digest(mac, event_mac(key, event_hash))


def _canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(dict(fields), sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the chain's head at one moment."""

    sequence: int
    hash: str
    time: str
    first_signed: int | None
    key_id: str
    signature: str = ""

    def fields(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "sequence": self.sequence,
            "hash": self.hash,
            "time": self.time,
            "first_signed": self.first_signed,
            "key_id": self.key_id,
        }

    def signed(self, key: bytes) -> Checkpoint:
        mac = hmac.new(key, _CHECKPOINT + _canonical(self.fields()), hashlib.sha256).hexdigest()
        return replace(self, signature=mac)

    def problem(self, key: bytes) -> str | None:
        """Why this statement cannot be trusted with `key`, or None."""
        if self.key_id != key_id(key):
            return (
                f"the checkpoint of {self.time} was signed with another key "
                f"(key id {self.key_id}; this installation's is {key_id(key)})"
            )
        if not hmac.compare_digest(self.signature, self.signed(key).signature):
            return f"the checkpoint of {self.time} was altered (its signature does not match)"
        return None

    def to_json(self) -> str:
        return json.dumps(self.fields() | {"signature": self.signature}, indent=2) + "\n"


def make_checkpoint(
    key: bytes, sequence: int, head: str, first: int | None, now: datetime
) -> Checkpoint:
    return Checkpoint(sequence, head, now.isoformat(), first, key_id(key)).signed(key)


class CheckpointUnreadable(ValueError):
    """A file that is no checkpoint of ours."""


def read_checkpoint(text: str) -> Checkpoint:
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise CheckpointUnreadable("not a SoMe-flyt audit checkpoint")
        first = data["first_signed"]
        return Checkpoint(
            sequence=int(data["sequence"]),
            hash=str(data["hash"]),
            time=str(data["time"]),
            first_signed=None if first is None else int(first),
            key_id=str(data["key_id"]),
            signature=str(data["signature"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointUnreadable(f"not a readable audit checkpoint: {exc}") from exc
