"""Issue 14, point 5: the audit chain is anchored outside the database. Every event carries an
HMAC with a key the database does not hold; a checkpoint (sequence, hash, time, signed with the
key) kept by an auditor catches a truncated or rewritten chain. Every way a database writer
could tamper is tried: an altered field, a deleted middle event, the tail deleted with the head
rolled back, a chain recomputed without the key (with or without the signatures stripped)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import delete, select, update

from engine.bootstrap import Engine
from engine.config import Settings
from engine.store import anchoring, audit
from engine.store.models import AuditEvent, AuditHead
from someflyt.cli import EXIT_AUDIT_BROKEN, main
from tests.conftest import AUDIT_KEY, WORKFLOWS
from tests.test_ask_comms import ask
from tests.test_audit import run_case


def verify(eng, checkpoint=None, key=AUDIT_KEY) -> audit.VerifyResult:
    with eng.reading() as session:
        return audit.verify(session, key, checkpoint)


def checkpoint_of(eng) -> anchoring.Checkpoint:
    with eng.reading() as session:
        return audit.checkpoint(session, AUDIT_KEY, eng.clock.now())


def events(eng) -> list[AuditEvent]:
    with eng.reading() as session:
        found = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        session.expunge_all()
        return found


def recompute_chain(eng, start: int, *, strip: bool = False) -> None:
    """What a writer without the key can do: hash every event from `start` again (after
    changing one), move the head along, and perhaps drop the signatures that no longer fit."""
    with eng.transaction() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        prev = audit.GENESIS
        for event in rows:
            if event.seq >= start:
                event.prev_hash = prev
                event.hash = audit._digest(
                    prev,
                    event.seq,
                    event.occurred_at,
                    event.actor,
                    event.kind,
                    event.instance_id,
                    event.task_id,
                    event.detail,
                )
                if strip:
                    event.mac = None
            prev = event.hash
        head = session.get(AuditHead, 1)
        head.last_seq, head.last_hash = rows[-1].seq, prev


def test_every_event_is_signed_and_a_checkpoint_of_the_intact_chain_verifies(eng):
    run_case(eng)
    found = events(eng)
    assert all(anchoring.mac_matches(AUDIT_KEY, e.hash, e.mac) for e in found)
    point = checkpoint_of(eng)
    assert (point.sequence, point.hash, point.first_signed) == (len(found), found[-1].hash, 1)
    result = verify(eng, point)
    assert (result.ok, result.signed, result.unsigned, result.checkpoint) == (
        True,
        len(found),
        0,
        len(found),
    )
    ask(eng)  # the chain grows after the checkpoint: it still holds what it saw
    assert verify(eng, point).ok


def test_an_altered_field_is_named(eng):
    run_case(eng)
    point = checkpoint_of(eng)
    with eng.transaction() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="nokon"))
    result = verify(eng, point)
    assert (result.ok, result.broken_seq) == (False, 3)
    assert "altered" in result.problem


def test_a_deleted_middle_event_is_named(eng):
    run_case(eng)
    with eng.transaction() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 4))
    result = verify(eng)
    assert (result.ok, result.broken_seq) == (False, 4)
    assert "missing" in result.problem


def test_a_deleted_tail_with_the_head_rolled_back_is_caught_by_the_checkpoint(eng):
    run_case(eng)
    point = checkpoint_of(eng)
    found = events(eng)
    kept = found[-3]
    with eng.transaction() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq > kept.seq))
        head = session.get(AuditHead, 1)
        head.last_seq, head.last_hash = kept.seq, kept.hash
    assert verify(eng).ok  # the chain alone cannot tell: it is a shorter, intact chain
    result = verify(eng, point)
    assert not result.ok
    assert "truncated" in result.problem and str(point.sequence) in result.problem


@pytest.mark.parametrize("strip", [False, True], ids=["signatures-kept", "signatures-stripped"])
def test_a_chain_recomputed_without_the_key_is_caught(eng, strip):
    run_case(eng)
    point = checkpoint_of(eng)
    [started] = [e for e in events(eng) if e.kind == "instance_started"]
    with eng.transaction() as session:  # forge the decision's data, then hide it
        detail = dict(started.detail) | {"forged": True}
        session.execute(
            update(AuditEvent).where(AuditEvent.seq == started.seq).values(detail=detail)
        )
    recompute_chain(eng, started.seq, strip=strip)
    assert verify(eng, key=None).ok  # hashes alone: a perfect chain
    result = verify(eng)  # but the key's signatures do not fit (or are missing)
    assert (result.ok, result.broken_seq) == (False, started.seq)
    assert "without the key" in result.problem
    assert not verify(eng, point).ok


def test_a_chain_rewritten_from_the_start_and_stripped_is_caught_by_the_checkpoint(eng):
    """Stripped of every signature, the chain looks as if it came from before the key: only
    the checkpoint, which says signing began at event 1, still tells."""
    run_case(eng)
    point = checkpoint_of(eng)
    with eng.transaction() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="nokon"))
    recompute_chain(eng, 1, strip=True)
    assert verify(eng).ok and verify(eng).unsigned == len(events(eng))
    result = verify(eng, point)
    assert not result.ok and "no key signature" in result.problem


def test_a_forged_or_foreign_checkpoint_is_refused(eng):
    run_case(eng)
    point = checkpoint_of(eng)
    forged = replace(point, sequence=point.sequence - 2)  # without the key: no new signature
    assert "altered" in verify(eng, forged).problem
    other = anchoring.make_checkpoint(
        b"another key", point.sequence, point.hash, 1, eng.clock.now()
    )
    assert "another key" in verify(eng, other).problem


def test_events_from_before_the_key_still_verify_and_come_first(eng, database_url, clock):
    """A database from before 0009 holds unsigned events: they verify by the chain, are
    counted as such, and a checkpoint names where signing began. Once signing began, an
    unsigned event is refused."""
    with eng.transaction() as session:  # a trail as it was before: nothing signed yet
        session.execute(delete(AuditEvent))
        session.execute(delete(AuditHead))
    keyless = Engine(Settings(database_url, WORKFLOWS), clock=clock, cache=eng.cache)
    run_case(keyless)
    keyless.dispose()
    before = len(events(eng))
    assert all(e.mac is None for e in events(eng))
    ask(eng)  # signed from here on
    result = verify(eng)
    assert (result.ok, result.unsigned, result.signed) == (True, before, len(events(eng)) - before)
    assert checkpoint_of(eng).first_signed == before + 1
    keyless = Engine(Settings(database_url, WORKFLOWS), clock=clock, cache=eng.cache)
    ask(keyless)  # a process without the key after signing began
    keyless.dispose()
    result = verify(eng)
    assert not result.ok and "no key signature" in result.problem


def test_the_command_line_writes_and_checks_a_checkpoint(eng, tmp_path, capsys):
    run_case(eng)
    path = tmp_path / "kontrollpunkt.json"
    assert main(["audit", "checkpoint", "--out", str(path)], eng=eng) == 0
    statement = json.loads(path.read_text(encoding="utf-8"))
    assert set(statement) == {
        "format",
        "sequence",
        "hash",
        "time",
        "first_signed",
        "key_id",
        "signature",
    }
    assert main(["audit", "verify", "--checkpoint", str(path)], eng=eng) == 0
    assert "kontrollpunktet ved hending" in capsys.readouterr().out
    last = events(eng)[-2]
    with eng.transaction() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq > last.seq))
        head = session.get(AuditHead, 1)
        head.last_seq, head.last_hash = last.seq, last.hash
    assert main(["audit", "verify"], eng=eng) == 0
    code = main(["audit", "verify", "--checkpoint", str(path)], eng=eng)
    assert code == EXIT_AUDIT_BROKEN
    assert "truncated" in capsys.readouterr().err
    path.write_text("{}", encoding="utf-8")
    assert main(["audit", "verify", "--checkpoint", str(path)], eng=eng) == EXIT_AUDIT_BROKEN


def test_the_key_comes_from_the_environment_or_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(anchoring.KEY_ENV, raising=False)
    monkeypatch.setenv("SOMEFLYT_INSTANCE", str(tmp_path))
    assert anchoring.load_key() is None
    path = anchoring.ensure_key()
    assert path == tmp_path / "audit_key" and path.stat().st_mode & 0o777 == 0o600
    key = anchoring.load_key()
    assert key is not None and len(key) == 64
    assert anchoring.ensure_key() is None and anchoring.load_key() == key  # made once
    monkeypatch.setenv(anchoring.KEY_ENV, "frå miljøet")
    assert anchoring.load_key() == "frå miljøet".encode()
    assert Settings.from_env().audit_key == "frå miljøet".encode()
