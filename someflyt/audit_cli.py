"""`someflyt audit …`: verify the chain (with a checkpoint an auditor kept), write a checkpoint.

    someflyt audit checkpoint --out /outside/the/database/2026-12-10.json
    someflyt audit verify --checkpoint /outside/the/database/2026-12-10.json

Both exit 3 when the chain is broken (engine/store/anchoring.py says what each detects).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine.bootstrap import Engine
from engine.cases import services
from engine.store.anchoring import CheckpointUnreadable, read_checkpoint
from engine.store.audit import CannotCheckpoint


class AuditBroken(Exception):
    def __init__(self, message: str, detail: dict[str, Any]) -> None:
        super().__init__(message)
        self.detail = detail


def cmd_audit_verify(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    checkpoint = None
    if args.checkpoint:
        try:
            checkpoint = read_checkpoint(Path(args.checkpoint).read_text(encoding="utf-8"))
        except (OSError, CheckpointUnreadable) as exc:
            raise AuditBroken(f"{args.checkpoint}: {exc}", {"ok": False}) from exc
        if eng.settings.audit_key is None:
            raise AuditBroken("a checkpoint needs the audit key to be checked", {"ok": False})
    result = services.verify_audit(eng, checkpoint)
    if not result.ok:
        raise AuditBroken(result.problem or "broken", vars(result))
    text = f"ok ({result.events} hendingar"
    if eng.settings.audit_key is None:
        text += "; utan revisjonsnøkkel: berre kjeda er kontrollert"
    else:
        text += f"; {result.signed} signerte"
        if result.unsigned:
            text += f", {result.unsigned} frå før nøkkelen"
    if result.checkpoint is not None:
        text += f"; samsvarar med kontrollpunktet ved hending {result.checkpoint}"
    return vars(result), text + ")"


def cmd_audit_checkpoint(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    try:
        checkpoint = services.audit_checkpoint(eng)
    except CannotCheckpoint as exc:
        raise AuditBroken(str(exc), {"ok": False}) from exc
    statement = checkpoint.to_json()
    if args.out:
        Path(args.out).write_text(statement, encoding="utf-8")
        text = f"Kontrollpunkt ved hending {checkpoint.sequence} skrive til {args.out}."
    else:
        text = statement.rstrip("\n")
    return checkpoint.fields() | {"signature": checkpoint.signature}, text


def add_commands(add: Any, parent: Any) -> None:
    """The `audit` subcommands, added with the command line's `add(name, handler, help)`."""
    verify = add("verify", cmd_audit_verify, "check the hash chain and its signatures", parent)
    verify.add_argument("--checkpoint", help="a checkpoint file written earlier")
    checkpoint = add(
        "checkpoint", cmd_audit_checkpoint, "a signed statement of the head, to keep", parent
    )
    checkpoint.add_argument("--out", help="write it to this file (default: print it)")
