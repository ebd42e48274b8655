"""Closing an official account (rule A1: few but clear accounts), through the service layer with
a moved clock: who may ask, the approver from the account-routing table (never the asker), the
team's confirmation, and what a closed account is afterwards (closed in the registry, its
connector tokens revoked, new inquiries and posts refused). Nothing that keeps the account busy
may be running meanwhile."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.cases import services
from engine.errors import DefinitionInvalid, FormInvalid, PermissionDenied, Unauthorized
from engine.registers import connectors, listing
from engine.store.models import ApiToken, ProcessInstance
from tests.accounts import DEPUTY, MODERATOR, OWNER
from tests.conftest import START, WORKFLOWS
from tests.connector_support import central_account
from tests.test_crisis_communication import declare
from tests.test_forum_pause import FROM as PAUSE_FROM
from tests.test_forum_pause import TO as PAUSE_TO
from tests.test_forum_pause import pause
from tests.test_inquiry_handling import inquiry, sent
from tests.test_reputation_escalation import complete, events, task_of

PROCESS = "account_closure"
TEAM = sorted([OWNER, DEPUTY, MODERATOR])
REASON = "Skulen samlar alt på hovudkontoen sin, så denne kontoen trengst ikkje lenger."
CLOSED_MESSAGE = (
    "Kontoen «alesundvgs» på instagram er nedlagd i kontoregisteret og kan ikkje brukast i nye "
    "saker."
)
CRISIS_TITLE = "Krise: Brann på Ålesund vgs"


def closure(account_id: int, **overrides) -> dict:
    return {"account_id": account_id, "reason": REASON, "platform_action": "close"} | overrides


def request(eng, account_id: int, username: str = OWNER, **overrides) -> int:
    return services.start_process(eng, PROCESS, username, closure(account_id, **overrides))


def refusal(eng, account_id: int, username: str = OWNER, **overrides) -> dict:
    """The errors of a refused request, after checking that it stored nothing."""
    before = cases(eng)
    with pytest.raises(FormInvalid) as error:
        request(eng, account_id, username, **overrides)
    assert cases(eng) == before
    return error.value.errors


def cases(eng) -> int:
    with eng.reading() as session:
        return session.scalar(select(func.count()).select_from(ProcessInstance)) or 0


def status(eng, account_id: int) -> str:
    [account] = [a for a in services.list_accounts(eng) if a["id"] == account_id]
    assert account["status"] == listing.account(eng, account_id)["status"]
    return account["status"]


def done(**overrides) -> dict:
    return {"done_how": "close", "done_at": START.isoformat(), "closure_done": True} | overrides


def approve(eng, instance_id: int, approver: str = "rektor.alesund") -> None:
    complete(eng, instance_id, "decide", approver, {"decision": "approve"})


def tokens(eng, account_id: int) -> list[ApiToken]:
    with eng.reading() as session:
        rows = session.scalars(
            select(ApiToken).where(ApiToken.account_id == account_id).order_by(ApiToken.id)
        ).all()
        session.expunge_all()
        return rows


# --- the whole path ----------------------------------------------------------------------------


def test_A1_a_closed_account_is_closed_in_the_registry_its_tokens_revoked_and_new_work_refused(
    eng, clock, account_id
):
    first = connectors.create_token(eng, "admin", account_id, "Instagram-kopling")
    second = connectors.create_token(eng, "admin", account_id, "Reserve")
    connectors.revoke_token(eng, "admin", second.id)  # revoked before: stays as it was
    revoked_before = tokens(eng, account_id)[1].revoked_at

    instance_id = request(eng, account_id)
    case = services.show_instance(eng, instance_id)
    assert case["title"] == "Avvikling: alesundvgs på instagram"
    assert case["data"]["approver_role"] == "principal"  # the routing table, not the asker
    decide = task_of(eng, instance_id, "decide")
    assert decide["candidates"] == ["rektor.alesund"]
    assert sent(eng, instance_id, "task_ready") == ["rektor.alesund"]

    clock.advance(timedelta(hours=3))
    approve(eng, instance_id)
    close = task_of(eng, instance_id, "close_on_platform")
    assert close["candidates"] == TEAM  # the team does it on the platform
    assert close["due_at"] == (START + timedelta(hours=3, days=14)).isoformat()
    assert status(eng, account_id) == "active"  # approved is not yet closed

    with pytest.raises(FormInvalid) as error:  # done only when it is done
        complete(eng, instance_id, "close_on_platform", DEPUTY, done(closure_done=False))
    assert error.value.errors == {"closure_done": ("confirm_closure_done", {})}
    with pytest.raises(FormInvalid) as error:  # and not on a day that has not come
        later = (START + timedelta(days=2)).isoformat()
        complete(eng, instance_id, "close_on_platform", DEPUTY, done(done_at=later))
    assert error.value.errors == {"done_at": ("closure_done_in_future", {})}

    clock.advance(timedelta(days=1))
    done_at = (START + timedelta(hours=20)).isoformat()
    url = "https://www.instagram.com/p/farvel2026/"
    complete(eng, instance_id, "close_on_platform", DEPUTY, done(done_at=done_at, note=url))

    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Kontoen er avvikla")
    assert status(eng, account_id) == "closed"
    assert listing.accounts(eng, status="closed")[0]["id"] == account_id
    closed_at = START + timedelta(days=1, hours=3)
    [event] = events(eng, instance_id, "account_closed")
    assert event == {
        "account_id": account_id,
        "platform": "instagram",
        "account_name": "alesundvgs",
        "unit": "alesund_vgs",
        "closed_by": DEPUTY,
        "closed_at": closed_at.isoformat(),
        "requested_by": OWNER,
        "done_how": "close",
        "done_at": done_at,
    }
    # Every token still valid is revoked by whoever confirmed; the revoked one is untouched.
    [token, other] = tokens(eng, account_id)
    assert (token.revoked_by, token.revoked_at) == (DEPUTY, closed_at)
    assert (other.revoked_by, other.revoked_at) == ("admin", revoked_before)
    assert events(eng, instance_id, "api_token_revoked") == [
        {
            "token_id": first.id,
            "account_id": account_id,
            "prefix": token.prefix,
            "name": "Instagram-kopling",
            "reason": "account_closed",
        }
    ]
    assert sorted(sent(eng, instance_id, "account_closure_closed")) == TEAM  # owner asked
    assert services.verify_audit(eng).ok

    # A closed account takes no new work, and says why.
    with pytest.raises(FormInvalid) as error:
        services.start_process(eng, "inquiry_handling", OWNER, inquiry(account_id))
    assert error.value.errors == {
        "account_id": (
            "account_closed_value",
            {"account_name": "alesundvgs", "platform": "instagram"},
        )
    }
    assert error.value.messages()["account_id"] == CLOSED_MESSAGE
    post = {"account_id": account_id, "text": "Open dag!", "planned_at": START.isoformat()}
    with pytest.raises(FormInvalid) as error:
        services.start_process(eng, "post_approval", OWNER, post)
    assert error.value.messages() == {"account_id": CLOSED_MESSAGE}
    assert error.value.messages("en") == {
        "account_id": "The account “alesundvgs” on instagram is closed in the registry and "
        "cannot be used in new cases."
    }
    assert refusal(eng, account_id)["account_id"][0] == "account_closed_value"
    with pytest.raises(Unauthorized) as refused:  # the platform's connector is shut out too
        connectors.register_inbound_inquiry(eng, first.secret, {"account_id": account_id})
    assert refused.value.code == "token_invalid"


def test_A1_the_team_is_reminded_after_14_days_without_a_confirmation(eng, clock, account_id):
    instance_id = request(eng, account_id)
    approve(eng, instance_id)
    deadline = START + timedelta(days=14)
    assert services.fire_due_timers(eng, deadline - timedelta(seconds=1)) == []
    clock.set(deadline)
    assert services.fire_due_timers(eng, deadline)[0]["timers"] == ["close_overdue"]
    assert sorted(sent(eng, instance_id, "account_closure_overdue")) == TEAM
    assert task_of(eng, instance_id, "close_on_platform")["candidates"] == TEAM  # still open
    complete(eng, instance_id, "close_on_platform", OWNER, done(done_at=deadline.isoformat()))
    assert status(eng, account_id) == "closed"


def test_A1_an_account_handed_over_names_who_takes_it(eng, account_id):
    errors = refusal(eng, account_id, platform_action="hand_over")
    assert errors == {"handover_to": ("closure_handover_to_required", {})}
    instance_id = request(
        eng, account_id, platform_action="hand_over", handover_to="Ålesund kommune"
    )
    approve(eng, instance_id)
    with pytest.raises(FormInvalid) as error:
        complete(eng, instance_id, "close_on_platform", OWNER, done(done_how="hand_over"))
    assert error.value.errors == {"note": ("closure_handover_note_required", {})}
    note = "Ålesund kommune v/ kommunikasjonsavdelinga styrer kontoen frå no."
    complete(eng, instance_id, "close_on_platform", OWNER, done(done_how="hand_over", note=note))
    assert status(eng, account_id) == "closed"
    assert events(eng, instance_id, "account_closed")[0]["done_how"] == "hand_over"


def test_A1_the_reason_is_a_real_sentence(eng, account_id):
    assert refusal(eng, account_id, reason="Ikkje brukt.") == {
        "reason": ("min_length", {"limit": 20})
    }
    assert refusal(eng, account_id, reason="Kontoen_er_ikkje_i_bruk_lenger") == {
        "reason": ("min_words", {"limit": 5})
    }


# --- who asks, who decides -----------------------------------------------------------------------


def test_A1_only_the_owner_the_schools_principal_or_the_comms_section_ask(eng, account_id):
    # Not a teacher elsewhere, nor another school's principal, nor the deputy or a moderator
    # on the account's own team: closing is not theirs to ask.
    for outsider in ("laerar.molde", "rektor.molde", "tilsett1", DEPUTY):
        errors = refusal(eng, account_id, outsider)
        assert errors == {"account_id": ("closure_not_allowed", {})}, outsider
    for asker in (OWNER, "rektor.alesund", "komm1"):
        instance_id = request(eng, account_id, asker)
        approver = "infosjef" if asker == "rektor.alesund" else "rektor.alesund"
        comment = {"decision": "reject", "comment": "Kontoen trengst framleis."}
        complete(eng, instance_id, "decide", approver, comment)
    assert status(eng, account_id) == "active"


def test_A1_a_second_closure_waits_for_the_one_under_way(eng, account_id):
    instance_id = request(eng, account_id)
    errors = refusal(eng, account_id, "komm1")
    title = "Avvikling: alesundvgs på instagram"
    assert errors == {
        "account_id": ("account_busy", {"count": 1}),
        "account_closure_pending": ("account_closure_pending", {"title": title}),
    }
    approve(eng, instance_id)  # its own mark does not stop the case that made it
    complete(eng, instance_id, "close_on_platform", OWNER, done())
    assert status(eng, account_id) == "closed"


def test_A1_nobody_approves_their_own_closure_it_steps_up(eng, account_id):
    """The principal asks about their own school's account: the head of information decides,
    and the principal, although the approver the table names for a school, cannot."""
    instance_id = request(eng, account_id, "rektor.alesund")
    decide = task_of(eng, instance_id, "decide")
    assert decide["candidates"] == ["infosjef"]
    with pytest.raises(PermissionDenied) as refused:
        services.complete_human_task(eng, decide["id"], "rektor.alesund", {"decision": "approve"})
    assert refused.value.code == "own_case"
    assert status(eng, account_id) == "active"
    approve(eng, instance_id, "infosjef")
    # The principal is also a moderator: on the team's step they work like the others.
    assert task_of(eng, instance_id, "close_on_platform")["candidates"] == TEAM
    complete(eng, instance_id, "close_on_platform", "rektor.alesund", done())
    assert status(eng, account_id) == "closed"


def test_A1_the_head_of_informations_own_closure_goes_to_management(eng):
    central = central_account(eng)
    instance_id = request(eng, central, "komm1")
    assert task_of(eng, instance_id, "decide")["candidates"] == ["infosjef"]
    complete(eng, instance_id, "decide", "infosjef", {"decision": "reject", "comment": "Nei."})
    # infosjef is in the comms section too, and asks themselves: one step up.
    instance_id = request(eng, central, "infosjef")
    assert services.show_instance(eng, instance_id)["data"]["approver_role"] == (
        "head_of_information"
    )
    assert task_of(eng, instance_id, "decide")["candidates"] == ["fylkesdirektor"]
    approve(eng, instance_id, "fylkesdirektor")
    assert task_of(eng, instance_id, "close_on_platform")["candidates"] == ["tilsett1", "tilsett2"]


def test_A1_a_rejected_closure_says_why_and_the_account_stays(eng, account_id):
    instance_id = request(eng, account_id, "komm1")
    with pytest.raises(FormInvalid) as error:
        complete(eng, instance_id, "decide", "rektor.alesund", {"decision": "reject"})
    assert error.value.errors == {"comment": ("comment_required", {})}
    comment = "Kontoen er skulen sin einaste kanal til nye elevar; han held fram."
    complete(
        eng, instance_id, "decide", "rektor.alesund", {"decision": "reject", "comment": comment}
    )
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Avvikling avslått")
    assert [t["element_id"] for t in case["tasks"]] == ["decide"]
    assert sent(eng, instance_id, "account_closure_rejected") == ["komm1"]
    assert status(eng, account_id) == "active"
    assert events(eng, instance_id, "account_closed") == []
    request(eng, account_id)  # nothing under way any more: it may be asked again


# --- nothing may keep the account busy ------------------------------------------------------------


CRISIS_ERRORS = {
    "account_held_by_crisis": ("account_held_by_crisis", {"title": CRISIS_TITLE}),
}


def test_A1_an_account_held_by_a_crisis_cannot_be_closed_until_the_crisis_ends(eng, account_id):
    crisis_id = declare(eng)
    errors = refusal(eng, account_id)
    assert errors == {"account_id": ("account_busy", {"count": 1})} | CRISIS_ERRORS
    with pytest.raises(FormInvalid) as error:
        request(eng, account_id)
    assert error.value.messages() == {
        "account_id": "Kontoen kan ikkje avviklast før det som er nemnt øvst i skjemaet, er "
        "over (A1).",
        "account_held_by_crisis": f"Kontoen står på vent i krisa «{CRISIS_TITLE}» (E6).",
    }
    end_crisis(eng, crisis_id)

    # A crisis that begins after the request holds the approval; rejecting stays possible.
    instance_id = request(eng, account_id)
    crisis_id = declare(eng, all_accounts=False, crisis_accounts=[account_id])
    with pytest.raises(FormInvalid) as error:
        approve(eng, instance_id)
    assert error.value.errors == {"decision": ("account_busy", {"count": 1})} | CRISIS_ERRORS
    rejection = {"decision": "reject", "comment": "Vi ser på det att etter krisa."}
    complete(eng, instance_id, "decide", "rektor.alesund", rejection)
    end_crisis(eng, crisis_id)

    # One that begins after the approval holds the team's confirmation.
    instance_id = request(eng, account_id)
    approve(eng, instance_id)
    crisis_id = declare(eng)
    with pytest.raises(FormInvalid) as error:
        complete(eng, instance_id, "close_on_platform", OWNER, done())
    assert error.value.errors == {"closure_done": ("account_busy", {"count": 1})} | CRISIS_ERRORS
    assert status(eng, account_id) == "active"
    end_crisis(eng, crisis_id)
    complete(eng, instance_id, "close_on_platform", OWNER, done())
    assert status(eng, account_id) == "closed"


def test_A1_a_crisis_on_other_accounts_does_not_hold_this_one(eng, account_id):
    central = central_account(eng)
    declare(eng, all_accounts=False, crisis_accounts=[central])
    assert "account_held_by_crisis" in refusal(eng, central, "komm1")
    request(eng, account_id)


def test_A1_an_open_inquiry_must_be_answered_before_the_account_is_closed(eng, account_id):
    first = start_inquiry(eng, account_id)
    start_inquiry(eng, account_id, text="Kva tid opnar skulen?")
    errors = refusal(eng, account_id)
    assert errors == {
        "account_id": ("account_busy", {"count": 1}),
        "account_has_open_inquiry": ("account_has_open_inquiry", {"count": 2}),
    }
    with pytest.raises(FormInvalid) as error:
        request(eng, account_id)
    assert error.value.messages()["account_has_open_inquiry"] == "Førespurnader under arbeid: 2."
    for _ in range(2):
        close_inquiry(eng)
    assert services.show_instance(eng, first)["status"] == "completed"

    # One that comes in after the approval waits for its answer before the confirmation.
    instance_id = request(eng, account_id)
    approve(eng, instance_id)
    start_inquiry(eng, account_id)
    with pytest.raises(FormInvalid) as error:
        complete(eng, instance_id, "close_on_platform", OWNER, done())
    assert error.value.errors["account_has_open_inquiry"] == (
        "account_has_open_inquiry",
        {"count": 1},
    )
    close_inquiry(eng)
    complete(eng, instance_id, "close_on_platform", OWNER, done())
    assert status(eng, account_id) == "closed"


def test_A1_a_forum_pause_asked_for_or_in_force_holds_the_closure(eng, clock, account_id):
    pause_id = services.start_process(eng, "forum_pause", OWNER, pause(account_id))
    assert refusal(eng, account_id)["account_pause_asked"] == (
        "account_pause_asked",
        {},
    )
    complete(eng, pause_id, "decide", "rektor.alesund", {"decision": "approve"})
    clock.set(PAUSE_FROM)
    services.fire_due_timers(eng, PAUSE_FROM)
    complete(eng, pause_id, "publish_notice", OWNER, {"notice_published": True})
    with pytest.raises(FormInvalid) as error:
        request(eng, account_id)
    assert error.value.errors["account_paused"] == (
        "account_paused",
        {"until": "04.01.2027 08:00"},  # Norwegian time
    )
    assert error.value.messages()["account_paused"] == (
        "Forumet er pausa til 04.01.2027 08:00 (G2c)."
    )
    clock.set(PAUSE_TO)
    services.fire_due_timers(eng, PAUSE_TO)
    complete(eng, pause_id, "reopen", OWNER, {"forum_reopened": True})
    request(eng, account_id)  # the forum is open again: nothing holds it


def start_inquiry(eng, account_id: int, **overrides) -> int:
    return services.start_process(eng, "inquiry_handling", OWNER, inquiry(account_id, **overrides))


def close_inquiry(eng) -> None:
    """Triage the owner's first open inquiry as neutral and close it without a reply (G4)."""
    tasks = services.list_human_tasks(eng, OWNER, "inquiry_handling")
    triage = next(t for t in tasks if t["element_id"] == "triage")
    services.complete_human_task(eng, triage["id"], OWNER, {"category": "neutral"})
    [review] = [
        t
        for t in services.list_human_tasks(eng, OWNER, "inquiry_handling")
        if t["element_id"] == "neutral_review" and t["instance_id"] == triage["instance_id"]
    ]
    services.complete_human_task(eng, review["id"], OWNER, {"answer": "close"})


def end_crisis(eng, crisis_id: int) -> None:
    complete(eng, crisis_id, "next_step", "fylkesdirektor", {"next": "end"})


# --- deploying the folder -------------------------------------------------------------------------


def test_the_folder_deploys_alone_and_an_unknown_rule_in_it_is_refused(eng, tmp_path):
    [result] = services.deploy_definitions(eng, [WORKFLOWS / PROCESS])
    assert (result["process_id"], result["version"], result["created"]) == (PROCESS, 1, False)

    # A copy of the folder beside the routing table it calls, with one check misspelt.
    library = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS / PROCESS, library / PROCESS)
    shutil.copytree(WORKFLOWS / "account_application", library / "account_application")
    form = library / PROCESS / "forms" / "account_closure_decision.json"
    form.write_text(
        form.read_text(encoding="utf-8").replace(
            '"a1_closure_not_busy_at_approval"', '"a1_closure_not_busy"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionInvalid) as error:
        services.deploy_definitions(eng, [library / PROCESS])
    [problem] = error.value.problems
    assert "x-checks 'a1_closure_not_busy' is unknown" in problem, problem
    assert "'decide'" in problem and "account_closure.bpmn" in problem, problem
