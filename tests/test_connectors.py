"""Connector tokens and inquiries from connectors, through the engine (issue 5)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from engine.bootstrap import Engine
from engine.bpmn.definitions import DefinitionCache
from engine.cases import services
from engine.config import Settings
from engine.errors import Conflict, FormInvalid, NotFound, PermissionDenied, Unauthorized
from engine.registers import connectors
from engine.store.models import (
    ApiToken,
    AuditEvent,
    InboundMessage,
    ProcessInstance,
    User,
    UserRole,
)
from someflyt.cli import main
from tests.conftest import WORKFLOWS
from tests.connector_support import (
    DEPUTY,
    MODERATOR,
    OWNER,
    RECEIVED,
    central_account,
    close_account,
    counts,
    payload,
    school_account,
)


@pytest.fixture
def account_id(eng) -> int:
    return school_account(eng)


def events(eng, kind: str) -> list[AuditEvent]:
    with eng.reading() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)).all()
        session.expunge_all()
        return list(rows)


def token_row(eng, token_id: int) -> ApiToken:
    with eng.reading() as session:
        row = session.get(ApiToken, token_id)
        session.expunge(row)
        return row


# --- tokens ------------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_stored_only_as_its_hash(eng, clock, account_id):
    issued = connectors.create_token(eng, "admin", account_id, "  Instagram-kopling  ")
    assert issued.secret.startswith("sft_") and len(issued.secret) >= 40
    assert issued.prefix == issued.secret[:12]
    assert issued.name == "Instagram-kopling"

    row = token_row(eng, issued.id)
    assert row.token_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    stored = [str(v) for v in vars(row).values()]
    assert not any(issued.secret in value for value in stored)
    assert (row.account_id, row.created_by, row.created_at) == (account_id, "admin", clock.now())
    assert row.revoked_at is None and row.last_used_at is None

    [event] = events(eng, "api_token_created")
    assert event.actor == "admin"
    assert event.detail == {
        "token_id": issued.id,
        "account_id": account_id,
        "prefix": issued.prefix,
        "name": "Instagram-kopling",
    }
    assert issued.secret not in json.dumps(event.detail)

    second = connectors.create_token(eng, "admin", account_id, "Reserve")
    assert second.secret != issued.secret and second.prefix != issued.prefix


def test_only_admins_handle_tokens_and_auditors_only_read(eng, account_id):
    issued = connectors.create_token(eng, "admin", account_id, "Kopling")
    for username in ("komm1", OWNER):
        with pytest.raises(PermissionDenied):
            connectors.create_token(eng, username, account_id, "Kopling")
        with pytest.raises(PermissionDenied):
            connectors.list_tokens(eng, username)
        with pytest.raises(PermissionDenied):
            connectors.revoke_token(eng, username, issued.id)
    with eng.transaction() as session:  # an admin who is also an auditor changes nothing
        session.add(UserRole(username="revisor", role="admin"))
    assert [t["id"] for t in connectors.list_tokens(eng, "revisor")] == [issued.id]
    with pytest.raises(PermissionDenied) as refused:
        connectors.revoke_token(eng, "revisor", issued.id)
    assert refused.value.code == "read_only"
    assert token_row(eng, issued.id).revoked_at is None
    assert len(events(eng, "api_token_created")) == 1


def test_a_token_needs_an_active_account_and_a_name(eng, account_id):
    with pytest.raises(FormInvalid) as error:
        connectors.create_token(eng, "admin", 999, "")
    assert error.value.errors == {
        "account_id": ("unknown_account_value", {"value": 999}),
        "name": ("required", {}),
    }
    with pytest.raises(FormInvalid) as error:
        connectors.create_token(eng, "admin", account_id, "x" * 101)
    assert error.value.errors == {"name": ("max_length", {"limit": 100})}
    close_account(eng, account_id)
    with pytest.raises(FormInvalid) as error:
        connectors.create_token(eng, "admin", account_id, "Kopling")
    assert error.value.errors == {"account_id": ("account_closed", {})}
    assert events(eng, "api_token_created") == []


def test_the_list_names_tokens_per_account_but_never_secrets(eng, clock, account_id):
    other = central_account(eng)
    first = connectors.create_token(eng, "admin", account_id, "Instagram")
    clock.advance(timedelta(minutes=1))
    second = connectors.create_token(eng, "admin", other, "Facebook")
    listed = connectors.list_tokens(eng, "admin")
    assert [t["id"] for t in listed] == [second.id, first.id]  # newest first
    assert [t["id"] for t in connectors.list_tokens(eng, "admin", account_id)] == [first.id]
    assert listed[1]["account_name"] == "alesundvgs" and listed[1]["prefix"] == first.prefix
    for row in listed:
        assert "secret" not in row and "token_hash" not in row
        assert first.secret not in json.dumps(row, default=str)


def test_revoking_is_immediate_audited_once_and_idempotent(eng, clock, account_id):
    issued = connectors.create_token(eng, "admin", account_id, "Kopling")
    connectors.register_inbound_inquiry(eng, issued.secret, payload(account_id, "m-1"))
    clock.advance(timedelta(hours=1))
    assert connectors.revoke_token(eng, "admin", issued.id) is True
    row = token_row(eng, issued.id)
    assert (row.revoked_by, row.revoked_at) == ("admin", clock.now())
    with pytest.raises(Unauthorized):
        connectors.register_inbound_inquiry(eng, issued.secret, payload(account_id, "m-2"))
    assert connectors.revoke_token(eng, "admin", issued.id) is False
    assert token_row(eng, issued.id).revoked_at == row.revoked_at
    assert [e.detail["prefix"] for e in events(eng, "api_token_revoked")] == [issued.prefix]
    with pytest.raises(NotFound):
        connectors.revoke_token(eng, "admin", 4711)


# --- inquiries from connectors -----------------------------------------------------------------


def test_a_connector_registers_an_inquiry_for_the_accounts_team(eng, clock, account_id):
    issued = connectors.create_token(eng, "admin", account_id, "Instagram-kopling")
    clock.advance(timedelta(minutes=5))
    result = connectors.register_inbound_inquiry(eng, issued.secret, payload(account_id))
    assert result.duplicate is False

    case = services.show_instance(eng, result.instance_id)
    assert case["title"] == "Førespurnad til alesundvgs på instagram"
    assert case["started_by"] == OWNER  # the account's owner owns the case
    [triage] = [t for t in case["tasks"] if t["status"] == "open"]
    assert triage["element_id"] == "triage"
    assert triage["candidates"] == sorted([OWNER, DEPUTY, MODERATOR])
    assert triage["due_at"] == (RECEIVED + timedelta(hours=24)).isoformat()
    assert triage["created_by"] == f"connector:{issued.prefix}"

    [started] = [e for e in events(eng, "instance_started") if e.instance_id == result.instance_id]
    assert started.actor == f"connector:{issued.prefix}"  # not the owner: they did nothing
    assert started.detail["connector"] == f"{issued.prefix}/Instagram-kopling"
    assert started.detail["token_id"] == issued.id
    assert started.detail["platform_message_id"] == "ig-17895695668004550"
    assert started.detail["data"]["text"] == "Når er det open dag på skulen?"

    assert token_row(eng, issued.id).last_used_at == clock.now()
    with eng.reading() as session:
        inbound = session.get(InboundMessage, (account_id, "ig-17895695668004550"))
        assert inbound.instance_id == result.instance_id
        assert inbound.received_at == RECEIVED


def test_the_same_message_twice_makes_one_inquiry(eng, clock, account_id):
    issued = connectors.create_token(eng, "admin", account_id, "Kopling")
    first = connectors.register_inbound_inquiry(eng, issued.secret, payload(account_id))
    before = counts(eng)
    clock.advance(timedelta(minutes=1))
    again = connectors.register_inbound_inquiry(
        eng, issued.secret, payload(account_id, text="Redigert: når er open dag?")
    )
    assert again == connectors.Registration(first.instance_id, duplicate=True)
    assert counts(eng) == before  # no instance, no audit event, no inbound row
    assert token_row(eng, issued.id).last_used_at == clock.now()
    other = connectors.register_inbound_inquiry(eng, issued.secret, payload(account_id, "m-2"))
    assert other.duplicate is False and other.instance_id != first.instance_id
    without_account = payload(account_id)
    del without_account["account_id"]
    with pytest.raises(FormInvalid) as error:  # a duplicate is recognised by a whole envelope
        connectors.register_inbound_inquiry(eng, issued.secret, without_account)
    assert error.value.errors == {"account_id": ("required", {})}


def test_the_owner_may_have_left_the_inquiry_still_reaches_the_team(eng, account_id):
    issued = connectors.create_token(eng, "admin", account_id, "Kopling")
    with eng.transaction() as session:
        session.get(User, OWNER).active = False
    result = connectors.register_inbound_inquiry(eng, issued.secret, payload(account_id))
    [triage] = services.show_instance(eng, result.instance_id)["tasks"]
    assert triage["candidates"] == sorted([DEPUTY, MODERATOR])


@pytest.mark.parametrize("secret", ["", "sft_", "sft_not-a-token", "Bearer sft_x", "x" * 50])
def test_unknown_tokens_are_refused_and_change_nothing(eng, account_id, secret):
    connectors.create_token(eng, "admin", account_id, "Kopling")
    before = counts(eng)
    with pytest.raises(Unauthorized) as refused:
        connectors.register_inbound_inquiry(eng, secret, payload(account_id))
    assert refused.value.status == 401 and refused.value.code == "token_invalid"
    assert counts(eng) == before


def test_a_token_registers_only_on_its_own_account(eng, account_id):
    other = central_account(eng)
    issued = connectors.create_token(eng, "admin", other, "Facebook-kopling")
    before = counts(eng)
    with pytest.raises(PermissionDenied) as refused:
        connectors.register_inbound_inquiry(eng, issued.secret, payload(account_id))
    assert refused.value.code == "token_other_account"
    assert counts(eng) == before
    assert token_row(eng, issued.id).last_used_at is None  # a refused request is no use


def test_a_closed_account_takes_no_inquiries(eng, account_id):
    issued = connectors.create_token(eng, "admin", account_id, "Kopling")
    close_account(eng, account_id)
    before = counts(eng)
    with pytest.raises(Conflict) as refused:
        connectors.register_inbound_inquiry(eng, issued.secret, payload(account_id))
    assert refused.value.code == "account_closed"
    assert counts(eng) == before


def test_every_problem_of_the_payload_is_reported_at_once(eng, account_id):
    issued = connectors.create_token(eng, "admin", account_id, "Kopling")
    before = counts(eng)
    bad = payload(account_id, message_id=17, language="svensk", received_at="2026-11-23T09:00")
    del bad["text"]
    with pytest.raises(FormInvalid) as error:
        connectors.register_inbound_inquiry(eng, issued.secret, bad)
    assert {field: code for field, (code, _) in error.value.errors.items()} == {
        "platform_message_id": "type",
        "received_at": "date_time_zone",
        "text": "required",
        "language": "enum",
    }
    for body, field, code in [
        ([payload(account_id)], "_body", "json_object"),
        (None, "_body", "json_object"),
        (payload(account_id, message_id=""), "platform_message_id", "required"),
        (payload(account_id, message_id="x" * 201), "platform_message_id", "max_length"),
        (payload(account_id) | {"account_id": str(account_id)}, "account_id", "type"),
        (payload(account_id) | {"account_id": True}, "account_id", "type"),
        (payload(account_id, received_at="i går"), "received_at", "date_time"),
        (payload(account_id, author=["@ola"]), "author", "type"),
        (payload(account_id, unexpected="x"), "unexpected", "unknown_field"),
    ]:
        with pytest.raises(FormInvalid) as error:
            connectors.register_inbound_inquiry(eng, issued.secret, body)
        assert error.value.errors[field][0] == code, (body, error.value.errors)
    assert counts(eng) == before


def test_moderators_still_register_by_hand_and_strangers_still_cannot(eng, account_id):
    """The connector's way past the team check does not open it for anyone else."""
    fields = payload(account_id)
    del fields["platform_message_id"]
    assert services.start_process(eng, "inquiry_handling", MODERATOR, fields)
    with pytest.raises(FormInvalid) as error:
        services.start_process(eng, "inquiry_handling", "laerar.molde", fields)
    assert error.value.errors["account_id"][0] == "not_account_team"


# --- two identical posts at once ---------------------------------------------------------------


def _post_in_thread(url: str, secret: str, body: dict, results: list, barrier) -> None:
    eng = Engine(Settings(url, WORKFLOWS), cache=DefinitionCache())  # own serializer, own pool
    try:
        barrier.wait(timeout=30)
        results.append(connectors.register_inbound_inquiry(eng, secret, body))
    except Exception as exc:  # reported by the test, not lost in the thread
        results.append(exc)
    finally:
        eng.dispose()


def test_two_identical_posts_at_once_make_one_inquiry(eng, database_url, account_id):
    """Two connectors (an old and a new token of the same account) post the same message at the
    same moment. On PostgreSQL the audit chain's head is held meanwhile, so both get past the
    duplicate look-up before either can commit: the loser hits the primary key of
    inbound_message and must answer with the winner's inquiry."""
    tokens = [connectors.create_token(eng, "admin", account_id, f"Kopling {n}") for n in (1, 2)]
    body = payload(account_id, "race-1")
    before = counts(eng)
    results: list = []
    barrier = threading.Barrier(len(tokens))
    threads = [
        threading.Thread(
            target=_post_in_thread, args=(database_url, t.secret, body, results, barrier)
        )
        for t in tokens
    ]
    postgres = database_url.startswith("postgresql")
    blocker = eng.db.connect()
    try:
        if postgres:
            blocker.begin()
            blocker.execute(text("SELECT last_seq FROM audit_head WHERE id = 1 FOR UPDATE"))
        for thread in threads:
            thread.start()
        if postgres:
            _wait_for_lock_waiters(eng, 2)
            blocker.rollback()
    finally:
        blocker.close()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(r.duplicate for r in results) == [False, True]
    assert len({r.instance_id for r in results}) == 1
    instances, _events, inbound = counts(eng)
    assert (instances, inbound) == (before[0] + 1, before[2] + 1)
    with eng.reading() as session:
        started = session.scalars(
            select(ProcessInstance.id).where(ProcessInstance.process_id == "inquiry_handling")
        ).all()
    assert started == [results[0].instance_id]


def _wait_for_lock_waiters(eng, wanted: int) -> None:
    """Until `wanted` other sessions wait for a lock (both threads are past their look-up)."""
    deadline = time.monotonic() + 30
    with eng.db.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
            conn.rollback()
            if waiting >= wanted:
                return
            time.sleep(0.02)
    raise AssertionError(f"never saw {wanted} sessions waiting for a lock")


# --- the command line --------------------------------------------------------------------------


def test_ops_create_list_and_revoke_tokens_from_the_shell(eng, account_id, capsys):
    assert main(["tokens", "create", "--account", str(account_id), "--name", "Ops"], eng) == 0
    out = capsys.readouterr().out
    secret = next(word for word in out.split() if word.startswith("sft_") and len(word) > 20)
    result = connectors.register_inbound_inquiry(eng, secret, payload(account_id))
    assert result.duplicate is False

    assert main(["tokens", "list", "--json"], eng) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["name"] == "Ops" and listed["created_by"] == "cli"
    assert secret not in json.dumps(listed)

    assert main(["tokens", "revoke", str(listed["id"])], eng) == 0
    assert "trekt tilbake" in capsys.readouterr().out
    with pytest.raises(Unauthorized):
        connectors.register_inbound_inquiry(eng, secret, payload(account_id, "m-2"))
    assert main(["tokens", "revoke", "4711"], eng) == 1
    assert [e.actor for e in events(eng, "api_token_revoked")] == ["cli"]
