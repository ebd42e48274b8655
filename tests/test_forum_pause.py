"""Forum pauses (rule G2c): a forum may be closed for a while, e.g. during the holidays, with a
clear notice of why and for how long. Through the service layer with a moved clock: timers, not
people, start the steps at the pause's `from` and `to`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.cases import queries, services
from engine.errors import FormInvalid
from tests.conftest import START, central_application
from tests.test_inquiry_handling import DEPUTY, MODERATOR, OWNER, sent
from tests.test_reputation_escalation import complete, events, task_of

PROCESS = "forum_pause"
TEAM = sorted([OWNER, DEPUTY, MODERATOR])
# The Christmas holidays: 21 December 15:00 to 4 January 08:00, Norwegian time.
FROM = datetime(2026, 12, 21, 14, 0, tzinfo=UTC)
TO = datetime(2027, 1, 4, 7, 0, tzinfo=UTC)
NOTICE_NN = (
    "Forumet er stengt i juleferien frå 21.12.2026 til 4.1.2027. Vi svarar når vi er attende."
)
NOTICE_NB = (
    "Forumet er stengt i juleferien fra 21.12.2026 til 04.01.2027. Vi svarer når vi er tilbake."
)


def pause(account_id: int, **overrides) -> dict:
    return {
        "account_id": account_id,
        "reason": "Juleferie: ingen følgjer med på kontoen.",
        "paused_from": FROM.isoformat(),
        "paused_to": TO.isoformat(),
        "notice_nn": NOTICE_NN,
        "notice_nb": NOTICE_NB,
    } | overrides


def request(eng, account_id: int, username: str = OWNER, **overrides) -> int:
    return services.start_process(eng, PROCESS, username, pause(account_id, **overrides))


def refusal(eng, account_id: int, username: str = OWNER, **overrides) -> dict:
    """The errors of a refused request, after checking that it stored nothing."""
    before = len(services.list_human_tasks(eng, "rektor.alesund", PROCESS))
    with pytest.raises(FormInvalid) as error:
        request(eng, account_id, username, **overrides)
    assert len(services.list_human_tasks(eng, "rektor.alesund", PROCESS)) == before
    return error.value.errors


def paused(eng, account_id: int) -> dict | None:
    """What the registry says about the account's forum: its list and its page agree."""
    [listed] = [a for a in queries.accounts(eng) if a["id"] == account_id]
    assert listed["activity"] == queries.account(eng, account_id)["activity"]
    pauses = [
        {"instance_id": a.instance_id, "until": a.until}
        for a in listed["activity"]
        if a.code == "account_forum_paused"
    ]
    assert len(pauses) <= 1, pauses
    return pauses[0] if pauses else None


def test_G2c_a_forum_pause_is_approved_and_timers_start_the_notice_and_the_reopening(
    eng, clock, account_id
):
    instance_id = request(eng, account_id)
    case = services.show_instance(eng, instance_id)
    assert case["title"] == "Pause i forumet: alesundvgs på instagram"
    decide = task_of(eng, instance_id, "decide")
    assert decide["candidates"] == ["rektor.alesund"]  # a school's pause: its principal
    complete(eng, instance_id, "decide", "rektor.alesund", {"decision": "approve"})
    assert sorted(sent(eng, instance_id, "forum_pause_approved")) == TEAM
    assert services.show_instance(eng, instance_id)["next_timer_at"] == FROM.isoformat()

    # Nothing happens before `from`: no task, and the forum is open in the registry.
    clock.set(FROM - timedelta(minutes=1))
    assert services.fire_due_timers(eng, FROM - timedelta(seconds=1)) == []
    assert [
        t for t in services.show_instance(eng, instance_id)["tasks"] if t["status"] == "open"
    ] == []
    assert paused(eng, account_id) is None

    # At `from` the timer (nobody's click) gives the moderators the notice to publish.
    clock.set(FROM)
    assert services.fire_due_timers(eng, FROM) == [
        {"instance_id": instance_id, "timers": ["wait_start"], "status": "running"}
    ]
    publish = task_of(eng, instance_id, "publish_notice")
    assert publish["candidates"] == TEAM
    assert publish["created_by"] == "system"
    assert publish["due_at"] == (FROM + timedelta(hours=4)).isoformat()
    assert sorted(sent(eng, instance_id, "forum_pause_publish")) == TEAM  # told what to do
    assert sent(eng, instance_id, "task_ready") == ["rektor.alesund"]  # only the decision's
    assert paused(eng, account_id) == {"instance_id": instance_id, "until": TO}

    with pytest.raises(FormInvalid) as error:  # done only when it is done
        complete(eng, instance_id, "publish_notice", MODERATOR, {"notice_published": False})
    assert error.value.errors == {"notice_published": ("confirm_notice_published", {})}
    clock.set(FROM + timedelta(minutes=20))
    url = "https://www.instagram.com/p/pause2026/"
    complete(
        eng,
        instance_id,
        "publish_notice",
        MODERATOR,
        {"notice_published": True, "notice_url": url},
    )
    assert paused(eng, account_id) == {"instance_id": instance_id, "until": TO}
    assert services.show_instance(eng, instance_id)["next_timer_at"] == TO.isoformat()
    assert services.fire_due_timers(eng, TO - timedelta(seconds=1)) == []

    # At `to` the timer asks them to reopen; until they have, the forum is still closed.
    clock.set(TO)
    assert services.fire_due_timers(eng, TO)[0]["timers"] == ["wait_end"]
    reopen = task_of(eng, instance_id, "reopen")
    assert (reopen["candidates"], reopen["created_by"]) == (TEAM, "system")
    assert sorted(sent(eng, instance_id, "forum_pause_reopen")) == TEAM
    assert paused(eng, account_id) is not None
    clock.set(TO + timedelta(hours=1))
    complete(eng, instance_id, "reopen", OWNER, {"forum_reopened": True})

    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Forumet er ope att")
    assert case["next_timer_at"] is None
    assert paused(eng, account_id) is None
    assert events(eng, instance_id, "timer_fired") == [
        {"timers": ["wait_start"]},
        {"timers": ["wait_end"]},
    ]
    done = [(e["task"], e["data"]) for e in events(eng, instance_id, "task_completed")]
    assert done == [
        ("Vurder pausen", {"decision": "approve"}),
        ("Publiser varselet", {"notice_published": True, "notice_url": url}),
        ("Opne forumet att og fjern varselet", {"forum_reopened": True}),
    ]
    [started] = events(eng, instance_id, "instance_started")
    assert started["data"]["notice_nn"] == NOTICE_NN  # the approved text, as it was asked for
    assert events(eng, instance_id, "instance_completed") == [{"outcome": "Forumet er ope att"}]


def test_G2c_a_pause_whose_to_is_before_its_from_is_refused_with_a_clear_message(eng, account_id):
    for to in (FROM - timedelta(days=1), FROM):
        errors = refusal(eng, account_id, paused_to=to.isoformat())
        assert errors == {"paused_to": ("pause_end_before_start", {})}
    # More than an hour in the past is refused; a form that took a while is not.
    today = {"notice_nn": NOTICE_NN.replace("21.12.2026", "23.11.2026")}
    today["notice_nb"] = NOTICE_NB.replace("21.12.2026", "23.11.2026")
    past = (START - timedelta(hours=2)).isoformat()
    errors = refusal(eng, account_id, paused_from=past, **today)
    assert errors == {"paused_from": ("pause_in_past", {})}
    request(eng, account_id, paused_from=(START - timedelta(minutes=30)).isoformat(), **today)


def test_G2c_a_notice_is_required_and_must_state_the_period(eng, account_id):
    errors = refusal(eng, account_id, notice_nb="", reason=" ")
    assert errors == {"notice_nb": ("required", {}), "reason": ("required", {})}

    period = {"from": "21.12.2026", "to": "4.1.2027"}
    without = "Forumet er stengt i juleferien. Vi svarar når vi er attende."
    errors = refusal(eng, account_id, notice_nn=without)
    assert errors == {"notice_nn": ("notice_without_period", period)}
    only_start = "Forumet er stengt frå 21.12.2026. Vi svarar når vi er attende."
    wrong_end = NOTICE_NB.replace("04.01.2027", "05.01.2027")
    errors = refusal(eng, account_id, notice_nn=only_start, notice_nb=wrong_end)
    assert errors == {
        "notice_nn": ("notice_without_period", period),
        "notice_nb": ("notice_without_period", period),
    }
    # The dates are Norwegian: 23:30 UTC on 3 January is already 4 January in Ålesund.
    request(eng, account_id, paused_to="2027-01-03T23:30:00+00:00")


def test_G2c_only_the_accounts_own_people_ask_to_pause_its_forum(eng, account_id):
    for outsider in ("laerar.molde", "komm1", "infosjef"):
        errors = refusal(eng, account_id, outsider)
        assert errors == {"account_id": ("pause_not_account_team", {})}, outsider
    request(eng, account_id, DEPUTY)  # the deputy stands in for the owner


def test_G2c_a_rejected_pause_tells_the_requester_and_never_pauses(eng, clock, account_id):
    instance_id = request(eng, account_id, DEPUTY)
    with pytest.raises(FormInvalid) as error:
        complete(eng, instance_id, "decide", "rektor.alesund", {"decision": "reject"})
    assert error.value.errors == {"comment": ("comment_required", {})}
    complete(
        eng,
        instance_id,
        "decide",
        "rektor.alesund",
        {"decision": "reject", "comment": "Skriv når de svarar på spørsmål att."},
    )
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Pause avslått")
    assert case["next_timer_at"] is None
    assert sent(eng, instance_id, "forum_pause_rejected") == [DEPUTY]
    clock.set(FROM)
    assert services.fire_due_timers(eng, FROM) == []
    assert paused(eng, account_id) is None


def test_G2c_the_approver_is_the_schools_principal_or_else_the_head_of_information(eng):
    services.start_process(eng, "account_application", "tilsett1", central_application())
    [decision] = services.list_human_tasks(eng, "infosjef", "account_application")
    services.complete_human_task(eng, decision["id"], "infosjef", {"decision": "approve"})
    [central] = services.list_accounts(eng)
    instance_id = request(eng, central["id"], "tilsett1")
    assert task_of(eng, instance_id, "decide")["candidates"] == ["infosjef"]
    assert services.show_instance(eng, instance_id)["data"]["approver_role"] == (
        "head_of_information"
    )


def test_G2c_a_principal_does_not_approve_their_own_schools_pause(eng, account_id):
    """The principal is one of the account's moderators: their own request steps up."""
    instance_id = request(eng, account_id, MODERATOR)
    assert task_of(eng, instance_id, "decide")["candidates"] == ["infosjef"]


def test_G2c_a_pause_approved_after_its_start_begins_at_once(eng, clock, account_id):
    instance_id = request(eng, account_id)
    clock.set(FROM + timedelta(hours=2))
    complete(eng, instance_id, "decide", "rektor.alesund", {"decision": "approve"})
    assert task_of(eng, instance_id, "publish_notice")["candidates"] == TEAM
    assert paused(eng, account_id)["until"] == TO


def test_G2c_a_pause_not_decided_before_it_would_end_lapses(eng, clock, account_id):
    instance_id = request(eng, account_id)
    clock.set(TO)
    assert services.fire_due_timers(eng, TO)[0]["timers"] == ["decide_lapsed"]
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Ikkje avgjort")
    assert [t["status"] for t in case["tasks"]] == ["cancelled"]
    assert sent(eng, instance_id, "forum_pause_lapsed") == [OWNER]
    assert paused(eng, account_id) is None
