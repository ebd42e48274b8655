"""Posts with photos (rule G11: "Ikkje legg ut bilete utan samtykke frå personane som er med").

A moderator drafts a post; every identifiable person in a photo needs a consent from the
register (a guardian's for those under 15); the account owner or the comms section approves
(never the drafter); the moderator records the published link. Withdrawing a consent starts a
removal task, due in 24 hours, for every post that used it. Through the service layer with a
moved clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine.cases import queries, services
from engine.errors import FormInvalid, NotFound, PermissionDenied
from engine.registers import consents
from engine.store import audit
from engine.store.models import AuditEvent, Consent, PostConsent, ProcessInstance
from tests.accounts import DEPUTY, MODERATOR, OWNER, approved_school_account
from tests.conftest import START
from tests.test_inquiry_handling import sent

PROCESS = "post_approval"
REMOVAL = "photo_removal"
COMMS = ["infosjef", "komm1", "komm2"]
PLANNED = START + timedelta(days=2)


def consent(eng, account_id: int | None, name: str = "Kari Nordmann", **overrides) -> int:
    fields = {
        "person_name": name,
        "under_15": False,
        "given_by": "self",
        "given_on": "2026-11-20",
        "account_id": account_id,
        "scope": "Bilete frå skulekvardagen på Instagram-kontoen, skuleåret 2026/27.",
        "storage": "Arkivsak 26/1234, dokument 5",
    } | overrides
    return consents.register_consent(eng, "komm1", fields)


def draft(account_id: int, *photos: tuple[str, int, list[int]], **overrides) -> dict:
    """A post with photos given as (label, identifiable people, consent ids)."""
    data = {
        "account_id": account_id,
        "text": "Open dag på skulen: kom og sjå verkstadene våre!",
        "planned_at": PLANNED.isoformat(),
    }
    for slot, (label, people, ids) in enumerate(photos, start=1):
        data |= {
            f"photo_{slot}_label": label,
            f"photo_{slot}_people": people,
            f"photo_{slot}_consents": [str(i) for i in ids],
        }
    return data | overrides


def task_of(eng, instance_id: int, element: str) -> dict:
    [task] = [
        t
        for t in services.show_instance(eng, instance_id)["tasks"]
        if t["element_id"] == element and t["status"] == "open"
    ]
    return task


def complete(eng, instance_id: int, element: str, username: str, data: dict) -> dict:
    return services.complete_human_task(
        eng, task_of(eng, instance_id, element)["id"], username, data
    )


def approved_post(eng, account_id: int, *photos, drafter: str = DEPUTY) -> int:
    post_id = services.start_process(eng, PROCESS, drafter, draft(account_id, *photos))
    complete(
        eng, post_id, "approve", OWNER if drafter != OWNER else "komm1", {"decision": "approve"}
    )
    return post_id


def removals(eng, post_id: int) -> list[int]:
    with eng.transaction() as session:
        return list(
            session.scalars(
                select(ProcessInstance.id).where(
                    ProcessInstance.parent_id == post_id, ProcessInstance.process_id == REMOVAL
                )
            )
        )


def history(eng, instance_id: int, kind: str) -> list[dict]:
    with eng.transaction() as session:
        return [e.detail for e in audit.history(session, instance_id) if e.kind == kind]


def events(eng, kind: str) -> list[dict]:
    """Audit events about no single case (the register's), oldest first."""
    with eng.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)
        return [e.detail for e in session.scalars(query)]


def test_G11_a_photo_of_an_identifiable_person_without_consent_is_refused(eng, account_id):
    with pytest.raises(FormInvalid) as error:
        services.start_process(
            eng, PROCESS, DEPUTY, draft(account_id, ("Elevar i sveiseverkstaden", 2, []))
        )
    assert error.value.errors == {
        "photo_1_consents": (
            "photo_missing_consent",
            {"photo": "Elevar i sveiseverkstaden", "people": 2, "count": 0},
        )
    }
    message = error.value.messages("en")["photo_1_consents"]
    assert message == (
        "The photo “Elevar i sveiseverkstaden” shows 2 identifiable person(s) but has consent "
        "from 0. No photos of people without their consent (G11)."
    )
    assert "Ikkje legg ut bilete utan samtykke" in error.value.messages()["photo_1_consents"]
    one = consent(eng, account_id)
    with pytest.raises(FormInvalid) as error:  # one consent for two people is not enough
        services.start_process(
            eng, PROCESS, DEPUTY, draft(account_id, ("Elevar i sveiseverkstaden", 2, [one]))
        )
    assert error.value.errors["photo_1_consents"][1]["count"] == 1
    with eng.transaction() as session:  # nothing was started
        assert (
            session.scalar(select(ProcessInstance.id).where(ProcessInstance.process_id == PROCESS))
            is None
        )
    # A photo without identifiable people needs no consent; a photo needs its label.
    services.start_process(eng, PROCESS, DEPUTY, draft(account_id, ("Verkstadhallen", 0, [])))
    with pytest.raises(FormInvalid) as error:
        services.start_process(eng, PROCESS, DEPUTY, draft(account_id, ("", 1, [one])))
    assert error.value.errors == {"photo_1_label": ("photo_label_required", {})}


def test_G11_a_post_whose_photos_have_consent_is_approved_and_published_with_its_link(
    eng, clock, account_id
):
    kari, ola = consent(eng, account_id), consent(eng, None, "Ola Nordmann")
    post_id = services.start_process(
        eng,
        PROCESS,
        DEPUTY,
        draft(account_id, ("Kari og Ola i verkstaden", 2, [kari, ola]), ("Skulebygget", 0, [])),
    )
    case = services.show_instance(eng, post_id)
    assert (
        case["title"] == "Innlegg på alesundvgs: Open dag på skulen: kom og sjå verkstadene våre!"
    )
    approve = task_of(eng, post_id, "approve")
    assert approve["candidates"] == sorted([OWNER, *COMMS])  # the owner or the comms section
    assert approve["due_at"] == (START + timedelta(days=2)).isoformat()
    assert sorted(sent(eng, post_id, "task_ready")) == sorted([OWNER, *COMMS])
    with pytest.raises(PermissionDenied) as refused:  # four eyes: the drafter does not approve
        complete(eng, post_id, "approve", DEPUTY, {"decision": "approve"})
    assert refused.value.code == "own_case"

    clock.advance(timedelta(hours=3))
    complete(eng, post_id, "approve", OWNER, {"decision": "approve"})
    with eng.transaction() as session:
        links = sorted(
            (link.consent_id, link.photo)
            for link in session.scalars(
                select(PostConsent).where(PostConsent.instance_id == post_id)
            )
        )
    assert links == sorted([(kari, "Kari og Ola i verkstaden"), (ola, "Kari og Ola i verkstaden")])
    publish = task_of(eng, post_id, "publish")
    assert publish["candidates"] == sorted([OWNER, DEPUTY, MODERATOR])
    assert publish["due_at"] == (PLANNED + timedelta(hours=24)).isoformat()

    url = "https://www.instagram.com/p/open-dag/"
    complete(eng, post_id, "publish", DEPUTY, {"published_url": url})
    case = services.show_instance(eng, post_id)
    assert (case["status"], case["outcome"]) == ("completed", "Publisert")
    assert case["data"]["published_url"] == url
    assert [e["kind"] for e in case["history"]].count("post_consents_recorded") == 1


def test_G11_a_consent_withdrawn_before_approval_blocks_the_approval(eng, clock, account_id):
    kari = consent(eng, account_id)
    post_id = services.start_process(
        eng, PROCESS, DEPUTY, draft(account_id, ("Kari på scena", 1, [kari]))
    )
    clock.advance(timedelta(hours=1))
    assert consents.withdraw_consent(eng, "komm1", kari, "Ho vil ikkje vere med likevel.") == []
    with pytest.raises(FormInvalid) as error:
        complete(eng, post_id, "approve", OWNER, {"decision": "approve"})
    code, params = error.value.errors["photo_1_consents"]
    assert (code, params["name"], params["photo"]) == (
        "consent_withdrawn",
        "Kari Nordmann",
        "Kari på scena",
    )
    assert task_of(eng, post_id, "approve")["status"] == "open"  # nothing was saved
    with pytest.raises(FormInvalid) as error:  # returning it needs a comment
        complete(eng, post_id, "approve", OWNER, {"decision": "revise"})
    assert error.value.errors == {"comment": ("post_comment_required", {})}
    complete(eng, post_id, "approve", OWNER, {"decision": "revise", "comment": "Ta ut biletet."})

    revise = task_of(eng, post_id, "revise")
    assert revise["candidates"] == sorted([OWNER, DEPUTY, MODERATOR])
    with pytest.raises(FormInvalid):  # the revision keeps the photo, and its consent is gone
        complete(eng, post_id, "revise", MODERATOR, {"action": "resubmit"})
    complete(eng, post_id, "revise", MODERATOR, {"action": "resubmit", "photo_1_people": 0})
    # Four eyes again: neither the drafter nor whoever revised may approve.
    assert task_of(eng, post_id, "approve")["candidates"] == sorted([OWNER, *COMMS])
    complete(eng, post_id, "approve", "komm2", {"decision": "approve"})
    with eng.transaction() as session:  # a photo without identifiable people uses no consent
        assert (
            session.scalar(select(PostConsent.id).where(PostConsent.instance_id == post_id)) is None
        )


def test_G11_withdrawing_a_consent_starts_a_removal_task_for_every_post_that_used_it(
    eng, clock, account_id
):
    kari, ola = consent(eng, account_id), consent(eng, account_id, "Ola Nordmann")
    published = approved_post(eng, account_id, ("Kari ved dreiebenken", 1, [kari]))
    complete(eng, published, "publish", DEPUTY, {"published_url": "https://instagram.com/p/1"})
    waiting = approved_post(  # approved, not yet published: its photo must not go out either
        eng, account_id, ("Kari og Ola", 2, [kari, ola]), ("Kari på tur", 1, [kari])
    )
    other = approved_post(eng, account_id, ("Ola i kantina", 1, [ola]))
    draft_only = services.start_process(  # not approved: the approval check stops it instead
        eng, PROCESS, DEPUTY, draft(account_id, ("Kari i gangen", 1, [kari]))
    )

    clock.advance(timedelta(days=10))
    withdrawn_at = clock.now()
    started = consents.withdraw_consent(eng, MODERATOR, kari, "Trekt av Kari på e-post.")
    assert len(started) == 2
    assert removals(eng, published) + removals(eng, waiting) == started
    assert removals(eng, other) == [] and removals(eng, draft_only) == []
    for post_id, photos in (
        (published, "Kari ved dreiebenken"),
        (waiting, "Kari og Ola, Kari på tur"),
    ):
        [removal_id] = removals(eng, post_id)
        case = services.show_instance(eng, removal_id)
        assert case["process_id"] == REMOVAL and case["started_by"] == MODERATOR
        assert case["data"]["photos"] == photos
        assert case["data"]["account_id"] == account_id
        task = task_of(eng, removal_id, "remove")
        assert task["due_at"] == (withdrawn_at + timedelta(hours=24)).isoformat()
        assert task["candidates"] == sorted([OWNER, DEPUTY, MODERATOR])  # the account's team
        assert sorted(sent(eng, removal_id, "task_ready")) == sorted([OWNER, DEPUTY, MODERATOR])
        [child] = history(eng, post_id, "child_started")
        assert child == {"child_id": removal_id, "process_id": REMOVAL}
    with eng.transaction() as session:
        row = session.get(Consent, kari)
        assert (row.withdrawn_at, row.withdrawn_by) == (withdrawn_at, MODERATOR)
    assert events(eng, "consent_withdrawn") == [
        {
            "consent_id": kari,
            "reason": "Trekt av Kari på e-post.",
            "posts": sorted([published, waiting]),
            "removal_cases": started,
        }
    ]
    shown = consents.get_consent(eng, "komm1", kari)
    assert {p["instance_id"] for p in shown["posts"]} == {published, waiting}
    assert [r["instance_id"] for r in shown["removals"]] == started

    [removal_id] = removals(eng, published)
    complete(eng, removal_id, "remove", OWNER, {"outcome": "photo_removed"})
    case = services.show_instance(eng, removal_id)
    assert (case["status"], case["outcome"]) == ("completed", "Biletet er fjerna")
    with pytest.raises(FormInvalid) as error:  # withdrawing twice changes nothing
        consents.withdraw_consent(eng, "komm1", kari, "Igjen.")
    assert error.value.errors == {"reason": ("consent_already_withdrawn", {})}
    assert len(removals(eng, waiting)) == 1


def test_G11_a_pupil_under_15_needs_a_guardians_consent(eng, account_id):
    pupil = {"person_name": "Per Elev", "under_15": True}
    with pytest.raises(FormInvalid) as error:
        consent(eng, account_id, **pupil)
    assert error.value.errors == {"given_by": ("consent_guardian_required", {})}
    with pytest.raises(FormInvalid) as error:
        consent(eng, account_id, **pupil, given_by="guardian")
    assert error.value.errors == {"guardian_name": ("consent_guardian_name", {})}
    per = consent(eng, account_id, **pupil, given_by="guardian", guardian_name="Pål Forelder")
    post_id = services.start_process(
        eng, PROCESS, DEPUTY, draft(account_id, ("Per på skuleturen", 1, [per]))
    )
    # A row that says otherwise (written around the service) still does not count.
    with eng.transaction() as session:
        session.execute(update(Consent).where(Consent.id == per).values(given_by="self"))
    with pytest.raises(FormInvalid) as error:
        complete(eng, post_id, "approve", OWNER, {"decision": "approve"})
    assert error.value.errors["photo_1_consents"][0] == "consent_needs_guardian"


def test_G11_a_consent_must_cover_the_posts_account_and_publication_day(eng, account_id):
    other_account = approved_school_account(
        eng, platform="facebook", account_name="Ålesund vgs på Facebook"
    )
    elsewhere = consent(eng, other_account)
    ended = consent(eng, account_id, "Lise Lærar", valid_until="2026-11-24")
    for consent_id, code in ((elsewhere, "consent_other_account"), (ended, "consent_expired")):
        with pytest.raises(FormInvalid) as error:
            services.start_process(
                eng, PROCESS, DEPUTY, draft(account_id, ("Biletet", 1, [consent_id]))
            )
        assert error.value.errors["photo_1_consents"][0] == code
    # Published on the 24th, the consent still holds.
    services.start_process(
        eng,
        PROCESS,
        DEPUTY,
        draft(
            account_id, ("Biletet", 1, [ended]), planned_at=(START + timedelta(hours=5)).isoformat()
        ),
    )


def test_G11_four_eyes_the_owner_who_drafts_is_approved_by_the_comms_section(eng, account_id):
    post_id = services.start_process(eng, PROCESS, OWNER, draft(account_id, ("Hallen", 0, [])))
    assert task_of(eng, post_id, "approve")["candidates"] == COMMS
    with pytest.raises(PermissionDenied):
        complete(eng, post_id, "approve", OWNER, {"decision": "approve"})
    with pytest.raises(PermissionDenied):  # a moderator is no approver
        complete(eng, post_id, "approve", MODERATOR, {"decision": "approve"})


def test_G11_only_the_accounts_team_drafts_and_removals_are_started_by_the_engine_only(
    eng, account_id
):
    with pytest.raises(FormInvalid) as error:
        services.start_process(eng, PROCESS, "tilsett1", draft(account_id))
    assert error.value.errors == {"account_id": ("post_not_account_team", {})}
    with pytest.raises(NotFound):
        services.start_process(eng, REMOVAL, OWNER, {"account_id": account_id})
    startable = [p.process_id for p in queries.startable_processes(eng, OWNER)]
    assert PROCESS in startable and REMOVAL not in startable
